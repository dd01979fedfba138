//! Seeded gradient noise with common random numbers.
//!
//! Every draw depends only on (seed, step): each run of a scenario owns a [`NoiseSampler`] with
//! the same seed, so every run sees the same noise at the same step, whatever it did before.
//! That makes races fair and repeatable ("common random numbers").
//!
//! Kinds (sigma = standard deviation, xi_k ~ N(0, I) drawn at step k):
//! - `Gaussian`: g = grad f(x) + sigma xi_k; the loss is unchanged ("SGD = GD + noise").
//! - `InjectB`: f_k(x) = f(x) - sigma xi_k' x, loss and gradient together: for a quadratic
//!   1/2 x'Ax - b'x this is noise injected into b (the minimiser jitters by sigma A^-1 xi_k).
//! - `Minibatch`: f = 1/N sum_i f(x - s_i) over N copies shifted by seeded offsets s_i ~
//!   N(0, spread^2 I), centred so that sum_i s_i = 0; each step averages a batch of B distinct
//!   copies drawn without replacement. For a quadratic the full batch gives exactly grad f, and
//!   the batch-gradient noise falls like 1 / sqrt(B) (times sqrt((N - B) / (N - 1))).
//!   Its `copies` say what the N components are ([`Copies`]): shifted copies, centred (the
//!   default) or left as drawn (a training sample, whose minimiser is off the population's by
//!   the shifts' mean); or scaled copies w_i f(x) with weights of mean 1, which all share f's
//!   minimiser (an interpolating sum: the noise vanishes there). With `stream`, every step
//!   draws B fresh components instead of picking B of the N (an infinite stream of data).
//! - `Cyclic`: f_k(x) = f(x) - t_k' x with t_k = tilts[k mod len], loss and gradient together:
//!   a deterministic cycle of linear online losses (no draw, the seed is not used), the same
//!   tilt form as `InjectB`. With tilts of mean zero, f is the average online loss; with a
//!   linear f, the f_k are the online problems of regret analyses (Reddi et al. 2018's
//!   counterexample to Adam: f_k(x) = C x at k = 0, 3, 6, ... and -x otherwise).

use super::ParamError;
use super::checks::{at_least, non_negative};
use rand::{RngExt, SeedableRng};
use rand_distr::StandardNormal;
use rand_pcg::Pcg64Mcg;
use serde::{Deserialize, Serialize};

/// The noise model of a scenario.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub enum NoiseKind {
    /// Exact gradients.
    #[default]
    None,
    /// Gaussian noise of standard deviation `sigma` added to the gradient.
    Gaussian {
        /// Standard deviation per coordinate.
        sigma: f64,
    },
    /// Noise injected into b of 1/2 x'Ax - b'x (a random linear tilt for any objective).
    InjectB {
        /// Standard deviation per coordinate.
        sigma: f64,
    },
    /// Minibatches of a finite sum of shifted copies of the objective.
    Minibatch {
        /// Number of copies N in the finite sum.
        n: usize,
        /// Batch size B (1 <= B <= N).
        batch_size: usize,
        /// Standard deviation of the copies' shifts (of the log weights for scaled copies).
        spread: f64,
        /// What the copies are.
        #[serde(default)]
        copies: Copies,
        /// Fresh copies every step (an infinite stream) instead of B of the N fixed ones.
        #[serde(default)]
        stream: bool,
    },
    /// A cycle of linear tilts: step k's loss is f(x) - t_k' x, t_k = tilts[k mod len].
    Cyclic {
        /// The tilts (t_x, t_y), 1 to [`MAX_TILTS`] of them, taken in turn from step 0.
        tilts: Vec<(f64, f64)>,
    },
}

/// The components of a [`NoiseKind::Minibatch`] finite sum.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Copies {
    /// f_i(x) = f(x - s_i), s_i ~ N(0, spread^2 I) centred so that sum_i s_i = 0: the sum has
    /// f's minimiser.
    #[default]
    Shifted,
    /// The same shifts as drawn, not centred: the sum's minimiser is off f's by their mean, as
    /// a training sample's is off the population's (the loss plotted, f, is then the
    /// population's: for a quadratic the expected loss over fresh data, up to a constant).
    Sample,
    /// f_i(x) = w_i f(x) with w_i = exp(spread z_i) scaled to mean 1: every component has f's
    /// minimiser (interpolation), so the gradient noise vanishes there.
    Scaled,
}

/// Most tilts a `Cyclic` noise may list.
pub const MAX_TILTS: usize = 1000;

/// Noise kind plus seed, as written in a preset.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NoiseSpec {
    /// The noise model.
    pub kind: NoiseKind,
    /// Seed of every draw; the same seed gives the same noise.
    pub seed: u64,
}

impl Default for NoiseSpec {
    fn default() -> Self {
        Self {
            kind: NoiseKind::None,
            seed: 1,
        }
    }
}

impl NoiseSpec {
    /// Checks ranges; the error names the field.
    pub fn validate(&self) -> Result<(), ParamError> {
        match self.kind {
            NoiseKind::None => Ok(()),
            NoiseKind::Gaussian { sigma } | NoiseKind::InjectB { sigma } => {
                non_negative("kind.sigma", sigma)
            }
            NoiseKind::Minibatch {
                n,
                batch_size,
                spread,
                ..
            } => {
                at_least("kind.n", n, 1)?;
                if n > 100_000 {
                    return Err(ParamError::new(
                        "kind.n",
                        format!("must be <= 100000, got {n}"),
                    ));
                }
                at_least("kind.batch_size", batch_size, 1)?;
                if batch_size > n {
                    return Err(ParamError::new(
                        "kind.batch_size",
                        format!("must be <= n = {n}, got {batch_size}"),
                    ));
                }
                non_negative("kind.spread", spread)
            }
            NoiseKind::Cyclic { ref tilts } => {
                if !(1..=MAX_TILTS).contains(&tilts.len()) {
                    return Err(ParamError::new(
                        "kind.tilts",
                        format!("must be 1 to {MAX_TILTS} tilts, got {}", tilts.len()),
                    ));
                }
                match tilts
                    .iter()
                    .position(|(a, b)| !(a.is_finite() && b.is_finite()))
                {
                    Some(i) => Err(ParamError::new(
                        format!("kind.tilts[{i}]"),
                        format!(
                            "must be finite, got ({}, {})",
                            super::short(tilts[i].0),
                            super::short(tilts[i].1)
                        ),
                    )),
                    None => Ok(()),
                }
            }
        }
    }

    /// The same noise with a different minibatch size (other kinds unchanged). Batches of
    /// different sizes drawn at one step are nested: the smaller is a prefix of the larger.
    #[must_use]
    pub fn with_batch_size(&self, b: usize) -> Self {
        let mut out = self.clone();
        if let NoiseKind::Minibatch { batch_size, .. } = &mut out.kind {
            *batch_size = b;
        }
        out
    }

    /// The same minibatch noise drawn fresh every step (other kinds unchanged).
    #[must_use]
    pub fn with_stream(&self) -> Self {
        let mut out = self.clone();
        if let NoiseKind::Minibatch { stream, .. } = &mut out.kind {
            *stream = true;
        }
        out
    }

    /// True when gradients are exact.
    #[must_use]
    pub fn is_none(&self) -> bool {
        match self.kind {
            NoiseKind::None => true,
            NoiseKind::Gaussian { sigma } | NoiseKind::InjectB { sigma } => sigma == 0.0,
            NoiseKind::Minibatch {
                n,
                batch_size,
                spread,
                stream,
                ..
            } => (batch_size == n && !stream) || spread == 0.0,
            NoiseKind::Cyclic { ref tilts } => tilts.iter().all(|&t| t == (0.0, 0.0)),
        }
    }
}

/// SplitMix64's finaliser: decorrelates (seed, step) pairs.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The generator for one step of one seed.
fn rng_for(seed: u64, step: u64) -> Pcg64Mcg {
    Pcg64Mcg::seed_from_u64(mix(seed ^ mix(step)))
}

/// The N copies' values: `dim` shifts per copy (centred unless `Sample`), or for `Scaled` one
/// weight exp(spread z_i) per copy, scaled to mean 1.
#[allow(clippy::cast_precision_loss, reason = "at most 100,000 copies")]
fn copy_values(rng: &mut Pcg64Mcg, n: usize, dim: usize, spread: f64, copies: Copies) -> Vec<f64> {
    if copies == Copies::Scaled {
        let mut w: Vec<f64> = (0..n)
            .map(|_| (spread * rng.sample::<f64, _>(StandardNormal)).exp())
            .collect();
        let mean = w.iter().sum::<f64>() / n as f64;
        for v in &mut w {
            *v /= mean;
        }
        return w;
    }
    let mut shifts: Vec<f64> = (0..n * dim)
        .map(|_| spread * rng.sample::<f64, _>(StandardNormal))
        .collect();
    if copies == Copies::Shifted {
        for c in 0..dim {
            let mean = (0..n).map(|i| shifts[i * dim + c]).sum::<f64>() / n as f64;
            for i in 0..n {
                shifts[i * dim + c] -= mean;
            }
        }
    }
    shifts
}

/// What the noise is at one step.
#[derive(Clone, Debug, PartialEq)]
pub enum Draw<'a> {
    /// No noise.
    None,
    /// Add `sigma * xi` to the gradient (loss unchanged).
    Gradient(&'a [f64]),
    /// Tilt: f(x) - xi' x with xi already scaled by sigma.
    Tilt(&'a [f64]),
    /// Average the copies shifted by these offsets (each of length dim).
    Batch(&'a [usize], &'a [f64]),
    /// Average the copies scaled by these weights: f and its gradient times their mean.
    Scaled(&'a [usize], &'a [f64]),
}

/// Produces the per-step draws of one scenario's noise; one per run.
#[derive(Clone, Debug)]
pub struct NoiseSampler {
    spec: NoiseSpec,
    dim: usize,
    xi: Vec<f64>,
    shifts: Vec<f64>,
    indices: Vec<usize>,
    batch: Vec<usize>,
}

impl NoiseSampler {
    /// A sampler for parameter vectors of length `dim`. Builds the minibatch copies once.
    #[must_use]
    pub fn new(spec: &NoiseSpec, dim: usize) -> Self {
        let mut shifts = Vec::new();
        let mut indices = Vec::new();
        if let NoiseKind::Minibatch {
            n,
            spread,
            copies,
            stream,
            batch_size,
        } = spec.kind
        {
            if stream {
                // Room for one step's fresh copies, drawn in `draw`.
                shifts = vec![0.0; batch_size * dim];
                indices = (0..batch_size).collect();
            } else {
                let mut rng = rng_for(spec.seed, u64::MAX);
                shifts = copy_values(&mut rng, n, dim, spread, copies);
                indices = (0..n).collect();
            }
        }
        Self {
            spec: spec.clone(),
            dim,
            xi: vec![0.0; dim],
            shifts,
            indices,
            batch: Vec::new(),
        }
    }

    /// The draw of step k; the same for every sampler with the same spec.
    pub fn draw(&mut self, k: usize) -> Draw<'_> {
        match self.spec.kind {
            NoiseKind::None => Draw::None,
            NoiseKind::Gaussian { sigma } | NoiseKind::InjectB { sigma } => {
                if sigma == 0.0 {
                    return Draw::None;
                }
                let mut rng = rng_for(self.spec.seed, k as u64);
                for v in &mut self.xi {
                    *v = sigma * rng.sample::<f64, _>(StandardNormal);
                }
                if matches!(self.spec.kind, NoiseKind::Gaussian { .. }) {
                    Draw::Gradient(&self.xi)
                } else {
                    Draw::Tilt(&self.xi)
                }
            }
            NoiseKind::Minibatch {
                stream: true,
                batch_size,
                spread,
                copies,
                ..
            } => {
                // B fresh copies from the step's generator: batches of different sizes at one
                // step are nested here too (the first B of the same draws).
                let mut rng = rng_for(self.spec.seed, k as u64);
                let fresh = copy_values(&mut rng, batch_size, self.dim, spread, Copies::Sample);
                if copies == Copies::Scaled {
                    // Mean 1 in expectation: E exp(spread xi - spread^2 / 2) = 1.
                    for (w, z) in self.shifts.iter_mut().zip(fresh.iter().step_by(self.dim)) {
                        *w = (z - 0.5 * spread * spread).exp();
                    }
                    Draw::Scaled(&self.indices, &self.shifts[..batch_size])
                } else {
                    self.shifts.copy_from_slice(&fresh);
                    Draw::Batch(&self.indices, &self.shifts)
                }
            }
            NoiseKind::Minibatch {
                n,
                batch_size,
                copies,
                ..
            } => {
                let mut rng = rng_for(self.spec.seed, k as u64);
                for (i, v) in self.indices.iter_mut().enumerate() {
                    *v = i;
                }
                // Partial Fisher-Yates: the first B entries are a uniform random subset.
                for i in 0..batch_size.min(n) {
                    let j = rng.random_range(i..n);
                    self.indices.swap(i, j);
                }
                self.batch.clear();
                self.batch
                    .extend_from_slice(&self.indices[..batch_size.min(n)]);
                if copies == Copies::Scaled {
                    Draw::Scaled(&self.batch, &self.shifts)
                } else {
                    Draw::Batch(&self.batch, &self.shifts)
                }
            }
            NoiseKind::Cyclic { ref tilts } => {
                // Validated specs have tilts; an empty list is exact gradients, not a panic.
                let Some(&(a, b)) = tilts.get(k % tilts.len().max(1)) else {
                    return Draw::None;
                };
                for (v, t) in self.xi.iter_mut().zip([a, b]) {
                    *v = t;
                }
                Draw::Tilt(&self.xi)
            }
        }
    }

    /// Length of the parameter vectors this sampler draws for.
    #[must_use]
    pub fn dim(&self) -> usize {
        self.dim
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_depend_only_on_seed_and_step() {
        let spec = NoiseSpec {
            kind: NoiseKind::Gaussian { sigma: 2.0 },
            seed: 42,
        };
        let mut a = NoiseSampler::new(&spec, 2);
        let mut b = NoiseSampler::new(&spec, 2);
        let at5 = match a.draw(5) {
            Draw::Gradient(x) => x.to_vec(),
            other => panic!("{other:?}"),
        };
        let _ = b.draw(0);
        let _ = b.draw(17);
        let again = match b.draw(5) {
            Draw::Gradient(x) => x.to_vec(),
            other => panic!("{other:?}"),
        };
        assert_eq!(at5, again);
        let other_seed = NoiseSpec { seed: 43, ..spec };
        let mut c = NoiseSampler::new(&other_seed, 2);
        assert_ne!(Draw::Gradient(&at5), c.draw(5));
    }

    #[test]
    fn gaussian_draws_have_the_right_spread() {
        let spec = NoiseSpec {
            kind: NoiseKind::Gaussian { sigma: 3.0 },
            seed: 7,
        };
        let mut s = NoiseSampler::new(&spec, 2);
        let n = 20_000;
        let (mut sum, mut sum2) = (0.0, 0.0);
        for k in 0..n {
            if let Draw::Gradient(x) = s.draw(k) {
                sum += x[0] + x[1];
                sum2 += x[0] * x[0] + x[1] * x[1];
            }
        }
        let m = f64::from(u32::try_from(2 * n).unwrap());
        let mean = sum / m;
        let sd = (sum2 / m - mean * mean).sqrt();
        assert!(mean.abs() < 0.05, "mean {mean}");
        assert!((sd - 3.0).abs() < 0.05, "sd {sd}");
    }

    #[test]
    fn minibatches_are_distinct_subsets_of_centred_copies() {
        let spec = NoiseSpec {
            kind: NoiseKind::Minibatch {
                n: 50,
                batch_size: 10,
                spread: 1.0,
                copies: crate::numerics::noise::Copies::Shifted,
                stream: false,
            },
            seed: 3,
        };
        let mut s = NoiseSampler::new(&spec, 2);
        for c in 0..2 {
            let mean: f64 = (0..50).map(|i| s.shifts[i * 2 + c]).sum::<f64>() / 50.0;
            assert!(mean.abs() < 1e-15);
        }
        let Draw::Batch(batch, _) = s.draw(9) else {
            panic!()
        };
        let mut b = batch.to_vec();
        b.sort_unstable();
        b.dedup();
        assert_eq!(b.len(), 10);
        assert!(b.iter().all(|&i| i < 50));
    }

    #[test]
    fn smaller_batches_are_prefixes_of_larger_ones() {
        let spec = NoiseSpec {
            kind: NoiseKind::Minibatch {
                n: 64,
                batch_size: 32,
                spread: 1.0,
                copies: crate::numerics::noise::Copies::Shifted,
                stream: false,
            },
            seed: 11,
        };
        let mut big = NoiseSampler::new(&spec, 2);
        let mut small = NoiseSampler::new(&spec.with_batch_size(4), 2);
        for k in [0, 1, 99] {
            let Draw::Batch(b, _) = big.draw(k) else {
                panic!()
            };
            let b = b.to_vec();
            let Draw::Batch(s, _) = small.draw(k) else {
                panic!()
            };
            assert_eq!(&b[..4], s);
        }
    }

    fn minibatch(copies: Copies, stream: bool) -> NoiseSpec {
        NoiseSpec {
            kind: NoiseKind::Minibatch {
                n: 40,
                batch_size: 8,
                spread: 0.5,
                copies,
                stream,
            },
            seed: 9,
        }
    }

    #[test]
    fn scaled_copies_have_weights_of_mean_one_and_sample_copies_keep_their_mean() {
        let s = NoiseSampler::new(&minibatch(Copies::Scaled, false), 2);
        assert_eq!(s.shifts.len(), 40);
        assert!(s.shifts.iter().all(|w| *w > 0.0));
        let mean = s.shifts.iter().sum::<f64>() / 40.0;
        assert!((mean - 1.0).abs() < 1e-15, "{mean}");
        let mut t = NoiseSampler::new(&minibatch(Copies::Sample, false), 2);
        let centred = NoiseSampler::new(&minibatch(Copies::Shifted, false), 2);
        // The same draws, centred or not.
        let offset = t.shifts[0] - centred.shifts[0];
        assert!(offset.abs() > 1e-6);
        for i in 0..40 {
            assert!((t.shifts[2 * i] - centred.shifts[2 * i] - offset).abs() < 1e-12);
        }
        assert!(matches!(t.draw(3), Draw::Batch(b, _) if b.len() == 8));
    }

    #[test]
    fn a_stream_draws_fresh_copies_every_step_shared_by_every_run() {
        let mut a = NoiseSampler::new(&minibatch(Copies::Shifted, true), 2);
        let mut b = NoiseSampler::new(&minibatch(Copies::Shifted, true), 2);
        let Draw::Batch(idx, first) = a.draw(0) else {
            panic!()
        };
        assert_eq!(idx, &[0, 1, 2, 3, 4, 5, 6, 7]);
        let first = first.to_vec();
        let Draw::Batch(_, second) = a.draw(1) else {
            panic!()
        };
        assert_ne!(first, second.to_vec(), "fresh copies at every step");
        let Draw::Batch(_, again) = b.draw(0) else {
            panic!()
        };
        assert_eq!(first, again.to_vec(), "common random numbers");
        let mut scaled = NoiseSampler::new(&minibatch(Copies::Scaled, true), 2);
        let mut mean = 0.0;
        for k in 0..2000 {
            let Draw::Scaled(idx, w) = scaled.draw(k) else {
                panic!()
            };
            mean += idx.iter().map(|&i| w[i]).sum::<f64>() / 8.0 / 2000.0;
        }
        assert!(
            (mean - 1.0).abs() < 0.02,
            "fresh weights have mean 1: {mean}"
        );
        assert!(
            !minibatch(Copies::Shifted, true)
                .with_batch_size(40)
                .is_none()
        );
    }

    #[test]
    fn cyclic_tilts_repeat_from_step_0_and_need_no_seed() {
        let tilts = vec![(-4.0, 0.5), (2.0, 0.0), (2.0, -0.5)];
        let spec = |seed| NoiseSpec {
            kind: NoiseKind::Cyclic {
                tilts: tilts.clone(),
            },
            seed,
        };
        assert!(spec(1).validate().is_ok());
        assert!(!spec(1).is_none());
        let mut a = NoiseSampler::new(&spec(1), 2);
        let mut b = NoiseSampler::new(&spec(99), 2);
        for k in [0, 1, 2, 3, 4, 5, 299, 3 * 1000 + 2, usize::MAX] {
            let (tx, ty) = tilts[k % 3];
            assert_eq!(a.draw(k), Draw::Tilt(&[tx, ty]), "step {k}");
            assert_eq!(b.draw(k), Draw::Tilt(&[tx, ty]), "the seed is not used");
        }
        let flat = NoiseSpec {
            kind: NoiseKind::Cyclic {
                tilts: vec![(0.0, 0.0); 2],
            },
            seed: 1,
        };
        assert!(flat.is_none());
        // An unvalidated empty cycle is exact gradients rather than a panic.
        let empty = NoiseSpec {
            kind: NoiseKind::Cyclic { tilts: Vec::new() },
            seed: 1,
        };
        assert_eq!(NoiseSampler::new(&empty, 2).draw(7), Draw::None);
    }

    #[test]
    fn cyclic_tilts_are_checked() {
        let cyclic = |tilts: Vec<(f64, f64)>| NoiseSpec {
            kind: NoiseKind::Cyclic { tilts },
            seed: 1,
        };
        for n in [0, MAX_TILTS + 1] {
            let e = cyclic(vec![(1.0, 0.0); n]).validate().unwrap_err();
            assert_eq!(e.field, "kind.tilts");
            assert!(
                e.message.contains("must be 1 to 1000 tilts"),
                "{}",
                e.message
            );
        }
        assert!(cyclic(vec![(1.0, 0.0); MAX_TILTS]).validate().is_ok());
        let e = cyclic(vec![(1.0, 0.0), (0.0, f64::NAN)])
            .validate()
            .unwrap_err();
        assert_eq!(e.field, "kind.tilts[1]");
        assert!(e.message.contains("finite"), "{}", e.message);
    }

    #[test]
    fn validation() {
        let bad = NoiseSpec {
            kind: NoiseKind::Minibatch {
                n: 10,
                batch_size: 11,
                spread: 1.0,
                copies: crate::numerics::noise::Copies::Shifted,
                stream: false,
            },
            seed: 0,
        };
        assert_eq!(bad.validate().unwrap_err().field, "kind.batch_size");
        let bad = NoiseSpec {
            kind: NoiseKind::Gaussian { sigma: -1.0 },
            seed: 0,
        };
        assert_eq!(bad.validate().unwrap_err().field, "kind.sigma");
    }
}
