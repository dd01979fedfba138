//! Toy data sets in the plane (the ones students know from TensorFlow Playground), the
//! train/test split, and the seeded minibatch sampler.
//!
//! Generated points lie in about [-6, 6]^2; classes (labels 0 and 1) are balanced, except
//! for Xor, whose uniform points are labelled by their quadrant.
//! `noise` is the standard deviation of Gaussian jitter added to each coordinate after the
//! label is fixed, so noisy points spill across the class boundary.
//!
//! | generator | points | label |
//! | --- | --- | --- |
//! | Circle | r ~ U(0, 2.5) or U(3.5, 5), angle uniform | 1 inside |
//! | Xor | uniform in [-5, 5]^2, pushed 0.3 away from the axes | 1 where x1 x2 > 0 |
//! | Gaussians | N((2, 2), I) and N((-2, -2), I) | 1 for the first |
//! | Spiral | two arms r = 5 s, angle 3.5 pi s (+ pi), s = i / (n/2) | 1 for the first arm |
//! | Moons | scikit-learn's two moons scaled by 3 around the origin | 1 for the inner moon |
//! | Plane | uniform in [-5, 5]^2 | regression target (x1 + x2) / 10 |
//!
//! Then each input is multiplied by its `input_scale` (a badly scaled input, for the lesson on
//! normalisation), the points are shuffled with the data seed and the first
//! round(train_fraction n) become the training set.
//!
//! Minibatches (common random numbers): epoch e is a permutation of the training indices
//! drawn from (seed, e); step k takes batch k mod (N / B) of epoch floor(k / (N / B))
//! (torch's `DataLoader(shuffle=True, drop_last=True)`). The batch of step k depends only on
//! the seed and k, so every run sees the same batches in the same order.

use super::features::{Feature, FeatureMap};
use super::network::Task;
use super::{LabeledPoint, rng};
use nalgebra::DMatrix;
use rand::RngExt;
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};
use std::f64::consts::PI;
use std::sync::Arc;

/// The built-in data sets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Generator {
    /// A disc of class 1 inside a ring of class 0.
    #[default]
    Circle,
    /// Four quadrants, the sign of x1 x2.
    Xor,
    /// Two Gaussian blobs.
    Gaussians,
    /// Two interleaved spiral arms.
    Spiral,
    /// Two interleaving half circles.
    Moons,
    /// Regression on the plane t = (x1 + x2) / 10.
    Plane,
}

impl Generator {
    /// Every generator, in menu order.
    pub const ALL: [Self; 6] = [
        Self::Circle,
        Self::Xor,
        Self::Gaussians,
        Self::Spiral,
        Self::Moons,
        Self::Plane,
    ];

    /// The name as written in presets.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Circle => "Circle",
            Self::Xor => "Xor",
            Self::Gaussians => "Gaussians",
            Self::Spiral => "Spiral",
            Self::Moons => "Moons",
            Self::Plane => "Plane",
        }
    }

    /// Classification or regression.
    #[must_use]
    pub fn task(self) -> Task {
        match self {
            Self::Plane => Task::Regression,
            _ => Task::Classification,
        }
    }

    /// `n` points with Gaussian jitter of standard deviation `noise`, from `seed`.
    #[must_use]
    pub fn generate(self, n: usize, noise: f64, seed: u64) -> Vec<LabeledPoint> {
        let mut rng = rng(seed, 0xDA7A);
        let half = n / 2;
        let mut points = Vec::with_capacity(n);
        for i in 0..n {
            let class = usize::from(i < half);
            let label = if class == 1 { 1.0 } else { 0.0 };
            let (x, y) = match self {
                Self::Circle => {
                    let r = if class == 1 {
                        rng.random_range(0.0..2.5)
                    } else {
                        rng.random_range(3.5..5.0)
                    };
                    let a: f64 = rng.random_range(0.0..2.0 * PI);
                    ((r * a.sin(), r * a.cos()), label)
                }
                Self::Xor => {
                    let pad = |v: f64| if v > 0.0 { v + 0.3 } else { v - 0.3 };
                    let x1 = pad(rng.random_range(-5.0..5.0));
                    let x2 = pad(rng.random_range(-5.0..5.0));
                    ((x1, x2), if x1 * x2 > 0.0 { 1.0 } else { 0.0 })
                }
                Self::Gaussians => {
                    let c = if class == 1 { 2.0 } else { -2.0 };
                    let x1 = c + rng.sample::<f64, _>(StandardNormal);
                    let x2 = c + rng.sample::<f64, _>(StandardNormal);
                    ((x1, x2), label)
                }
                Self::Spiral => {
                    let (k, m) = if class == 1 {
                        (i, half)
                    } else {
                        (i - half, n - half)
                    };
                    let s = k as f64 / m.max(1) as f64;
                    let r = 5.0 * s;
                    let t = 1.75 * 2.0 * PI * s + if class == 1 { 0.0 } else { PI };
                    ((r * t.sin(), r * t.cos()), label)
                }
                Self::Moons => {
                    let t: f64 = rng.random_range(0.0..PI);
                    let (x1, x2) = if class == 1 {
                        (1.0 - t.cos(), 1.0 - t.sin() - 0.5)
                    } else {
                        (t.cos(), t.sin())
                    };
                    ((3.0 * (x1 - 0.5), 3.0 * (x2 - 0.25)), label)
                }
                Self::Plane => {
                    let x1 = rng.random_range(-5.0..5.0);
                    let x2 = rng.random_range(-5.0..5.0);
                    ((x1, x2), (x1 + x2) / 10.0)
                }
            };
            let ((x1, x2), y) = (x, y);
            let (j1, j2) = if noise > 0.0 {
                (
                    noise * rng.sample::<f64, _>(StandardNormal),
                    noise * rng.sample::<f64, _>(StandardNormal),
                )
            } else {
                (0.0, 0.0)
            };
            points.push(LabeledPoint {
                x: [x1 + j1, x2 + j2],
                y,
            });
        }
        points
    }
}

/// Where the points come from.
#[derive(Clone, Debug, PartialEq)]
pub enum DataSource {
    /// A built-in generator.
    Generated(Generator),
    /// Points read from a file (by the caller; numerics does no I/O).
    Imported {
        /// The points, before the input scale.
        points: Arc<[LabeledPoint]>,
        /// Labels 0/1 or regression targets.
        task: Task,
    },
}

impl DataSource {
    /// Classification or regression.
    #[must_use]
    pub fn task(&self) -> Task {
        match self {
            Self::Generated(g) => g.task(),
            Self::Imported { task, .. } => *task,
        }
    }
}

/// Everything that defines a data set (validated by the scenario layer).
#[derive(Clone, Debug, PartialEq)]
pub struct DataConfig {
    /// Generator or imported points.
    pub source: DataSource,
    /// Number of generated points (imported sets use all theirs).
    pub points: usize,
    /// Standard deviation of the jitter of generated points.
    pub noise: f64,
    /// Fraction of the points used for training (the rest is the test set).
    pub train_fraction: f64,
    /// Seed of the points and of the split.
    pub seed: u64,
    /// Input features of the network.
    pub features: Vec<Feature>,
    /// Factors multiplying x1 and x2.
    pub input_scale: (f64, f64),
    /// Standardise the features with the training set's mean and standard deviation.
    pub normalize: bool,
}

/// A data set, split and featurised.
#[derive(Clone, Debug)]
pub struct Dataset {
    config: DataConfig,
    train: Vec<LabeledPoint>,
    test: Vec<LabeledPoint>,
    map: FeatureMap,
    x_train: DMatrix<f64>,
    y_train: Vec<f64>,
    x_test: DMatrix<f64>,
    y_test: Vec<f64>,
}

impl Dataset {
    /// Generates (or takes) the points, splits them and computes the features.
    #[must_use]
    pub fn new(config: &DataConfig) -> Self {
        let (s1, s2) = config.input_scale;
        let mut points: Vec<LabeledPoint> = match &config.source {
            DataSource::Generated(g) => g.generate(config.points, config.noise, config.seed),
            DataSource::Imported { points, .. } => points.to_vec(),
        };
        for p in &mut points {
            p.x = [p.x[0] * s1, p.x[1] * s2];
        }
        // Fisher-Yates with the data seed, then the split.
        let mut rng = rng(config.seed, 0x5B17);
        for i in (1..points.len()).rev() {
            let j = rng.random_range(0..=i);
            points.swap(i, j);
        }
        let n = points.len();
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "a fraction of a small count"
        )]
        let n_train = ((config.train_fraction * n as f64).round() as usize)
            .clamp(1.min(n), n.saturating_sub(1).max(1));
        let test = points.split_off(n_train.min(n));
        let train = points;
        let map = FeatureMap::fit(&config.features, &train, config.normalize);
        let x_train = map.matrix(&train);
        let x_test = map.matrix(&test);
        let y_train = train.iter().map(|p| p.y).collect();
        let y_test = test.iter().map(|p| p.y).collect();
        Self {
            config: config.clone(),
            train,
            test,
            map,
            x_train,
            y_train,
            x_test,
            y_test,
        }
    }

    /// The configuration it was built from.
    #[must_use]
    pub fn config(&self) -> &DataConfig {
        &self.config
    }

    /// Classification or regression.
    #[must_use]
    pub fn task(&self) -> Task {
        self.config.source.task()
    }

    /// Training points (inputs after the input scale), for scatter plots.
    #[must_use]
    pub fn train_points(&self) -> &[LabeledPoint] {
        &self.train
    }

    /// Test points.
    #[must_use]
    pub fn test_points(&self) -> &[LabeledPoint] {
        &self.test
    }

    /// The feature map (features and standardisation).
    #[must_use]
    pub fn feature_map(&self) -> &FeatureMap {
        &self.map
    }

    /// Training features (features x points) and labels.
    #[must_use]
    pub fn train_matrix(&self) -> (&DMatrix<f64>, &[f64]) {
        (&self.x_train, &self.y_train)
    }

    /// Test features and labels.
    #[must_use]
    pub fn test_matrix(&self) -> (&DMatrix<f64>, &[f64]) {
        (&self.x_test, &self.y_test)
    }

    /// The rectangle holding every point, with a 10 % margin: ((x min, x max), (y min, y max)).
    #[must_use]
    pub fn bounds(&self) -> ((f64, f64), (f64, f64)) {
        let mut lo = [f64::INFINITY; 2];
        let mut hi = [f64::NEG_INFINITY; 2];
        for p in self.train.iter().chain(&self.test) {
            for c in 0..2 {
                lo[c] = lo[c].min(p.x[c]);
                hi[c] = hi[c].max(p.x[c]);
            }
        }
        let range = |c: usize| {
            if lo[c].is_finite() && hi[c] > lo[c] {
                let m = 0.1 * (hi[c] - lo[c]);
                (lo[c] - m, hi[c] + m)
            } else if lo[c].is_finite() {
                (lo[c] - 1.0, lo[c] + 1.0)
            } else {
                (-1.0, 1.0)
            }
        };
        (range(0), range(1))
    }
}

/// Seeded minibatches with common random numbers (see the module documentation).
#[derive(Clone, Debug)]
pub struct BatchSampler {
    seed: u64,
    batch: usize,
    perm: Vec<usize>,
    epoch: Option<usize>,
}

impl BatchSampler {
    /// Batches of `batch` (clamped to 1..=n) out of `n` training points.
    #[must_use]
    pub fn new(n: usize, batch: usize, seed: u64) -> Self {
        Self {
            seed,
            batch: batch.clamp(1, n.max(1)),
            perm: (0..n).collect(),
            epoch: None,
        }
    }

    /// The batch size actually used (at most the training set's size).
    #[must_use]
    pub fn batch_size(&self) -> usize {
        self.batch
    }

    /// Batches per epoch, floor(N / B).
    #[must_use]
    pub fn batches_per_epoch(&self) -> usize {
        (self.perm.len() / self.batch).max(1)
    }

    /// The indices of step k's batch; depends only on the seed and k.
    pub fn batch(&mut self, k: usize) -> &[usize] {
        let per_epoch = self.batches_per_epoch();
        let (epoch, i) = (k / per_epoch, k % per_epoch);
        if self.epoch != Some(epoch) {
            for (j, v) in self.perm.iter_mut().enumerate() {
                *v = j;
            }
            let mut rng = rng(self.seed, 0xBA7C_0000 ^ epoch as u64);
            for a in (1..self.perm.len()).rev() {
                let b = rng.random_range(0..=a);
                self.perm.swap(a, b);
            }
            self.epoch = Some(epoch);
        }
        let end = ((i + 1) * self.batch).min(self.perm.len());
        &self.perm[i * self.batch..end]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(g: Generator) -> DataConfig {
        DataConfig {
            source: DataSource::Generated(g),
            points: 200,
            noise: 0.0,
            train_fraction: 0.5,
            seed: 3,
            features: vec![Feature::X1, Feature::X2],
            input_scale: (1.0, 1.0),
            normalize: false,
        }
    }

    #[test]
    fn generators_are_balanced_seeded_and_labelled_by_their_rule() {
        for g in Generator::ALL {
            let a = g.generate(200, 0.0, 7);
            assert!(a == g.generate(200, 0.0, 7), "{g:?} is seeded");
            // The noiseless spiral is the same curve for every seed; the jitter is not.
            assert!(
                g.generate(200, 0.2, 7) != g.generate(200, 0.2, 8),
                "{g:?} depends on the seed"
            );
            assert!(a.iter().all(|p| p.x[0].abs() <= 6.0 && p.x[1].abs() <= 6.0));
            if g.task() == Task::Classification && g != Generator::Xor {
                let ones = a.iter().filter(|p| p.y == 1.0).count();
                assert_eq!(ones, 100, "{g:?}");
            }
            for p in &a {
                let [x1, x2] = p.x;
                match g {
                    Generator::Xor => assert_eq!(p.y, f64::from(u8::from(x1 * x2 > 0.0))),
                    Generator::Circle => {
                        let r = x1.hypot(x2);
                        assert_eq!(p.y, f64::from(u8::from(r < 3.0)), "r = {r}");
                    }
                    Generator::Plane => assert!((p.y - (x1 + x2) / 10.0).abs() < 1e-15),
                    _ => {}
                }
            }
        }
    }

    #[test]
    fn split_respects_the_fraction_and_scale() {
        let mut c = config(Generator::Xor);
        c.train_fraction = 0.7;
        c.input_scale = (1.0, 100.0);
        let d = Dataset::new(&c);
        assert_eq!(d.train_points().len(), 140);
        assert_eq!(d.test_points().len(), 60);
        assert!(d.train_points().iter().any(|p| p.x[1].abs() > 100.0));
        let (x, y) = d.train_matrix();
        assert_eq!((x.nrows(), x.ncols(), y.len()), (2, 140, 140));
    }

    #[test]
    fn batches_depend_only_on_seed_and_step_and_cover_each_epoch() {
        let mut a = BatchSampler::new(100, 32, 5);
        let mut b = BatchSampler::new(100, 32, 5);
        assert_eq!(a.batches_per_epoch(), 3);
        let first: Vec<Vec<usize>> = (0..3).map(|k| a.batch(k).to_vec()).collect();
        let mut seen: Vec<usize> = first.concat();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), 96, "one epoch: distinct points");
        let _ = b.batch(10);
        assert_eq!(b.batch(1), first[1].as_slice(), "random access");
        assert_ne!(a.batch(3), first[0].as_slice(), "a new epoch reshuffles");
        let mut full = BatchSampler::new(10, 64, 5);
        assert_eq!(full.batch_size(), 10);
        assert_eq!(full.batch(4).len(), 10);
    }
}
