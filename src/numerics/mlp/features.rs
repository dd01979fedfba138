//! Input features computed from a point (x1, x2), as in TensorFlow Playground, and their
//! optional standardisation with the training set's statistics.
//!
//! With `normalize`, feature j becomes (phi_j(x) - mean_j) / std_j, mean and (population)
//! standard deviation taken over the training points only (the test set must not leak into
//! training); a constant feature keeps std 1.

use super::LabeledPoint;
use nalgebra::DMatrix;
use serde::{Deserialize, Serialize};

/// One input feature of the network.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Feature {
    /// x1.
    X1,
    /// x2.
    X2,
    /// x1^2.
    X1Squared,
    /// x2^2.
    X2Squared,
    /// x1 x2.
    X1X2,
    /// sin x1.
    SinX1,
    /// sin x2.
    SinX2,
}

impl Feature {
    /// Every feature, in the Playground's order.
    pub const ALL: [Self; 7] = [
        Self::X1,
        Self::X2,
        Self::X1Squared,
        Self::X2Squared,
        Self::X1X2,
        Self::SinX1,
        Self::SinX2,
    ];

    /// The feature as written on a slide.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::X1 => "x1",
            Self::X2 => "x2",
            Self::X1Squared => "x1^2",
            Self::X2Squared => "x2^2",
            Self::X1X2 => "x1*x2",
            Self::SinX1 => "sin x1",
            Self::SinX2 => "sin x2",
        }
    }

    /// phi(x).
    #[inline]
    #[must_use]
    pub fn value(self, p: [f64; 2]) -> f64 {
        let [x1, x2] = p;
        match self {
            Self::X1 => x1,
            Self::X2 => x2,
            Self::X1Squared => x1 * x1,
            Self::X2Squared => x2 * x2,
            Self::X1X2 => x1 * x2,
            Self::SinX1 => x1.sin(),
            Self::SinX2 => x2.sin(),
        }
    }
}

/// The feature map of a data set: which features, and the standardisation fitted on the
/// training points (identity without `normalize`).
#[derive(Clone, Debug, PartialEq)]
pub struct FeatureMap {
    features: Vec<Feature>,
    mean: Vec<f64>,
    inv_std: Vec<f64>,
}

impl FeatureMap {
    /// Fits the standardisation on `train` when `normalize`.
    #[must_use]
    pub fn fit(features: &[Feature], train: &[LabeledPoint], normalize: bool) -> Self {
        let f = features.len();
        let mut mean = vec![0.0; f];
        let mut inv_std = vec![1.0; f];
        if normalize && !train.is_empty() {
            let n = train.len() as f64;
            for (j, feature) in features.iter().enumerate() {
                let m = train.iter().map(|p| feature.value(p.x)).sum::<f64>() / n;
                let var = train
                    .iter()
                    .map(|p| (feature.value(p.x) - m).powi(2))
                    .sum::<f64>()
                    / n;
                mean[j] = m;
                let sd = var.sqrt();
                inv_std[j] = if sd > 1e-12 && sd.is_finite() {
                    1.0 / sd
                } else {
                    1.0
                };
            }
        }
        Self {
            features: features.to_vec(),
            mean,
            inv_std,
        }
    }

    /// The features, in input order.
    #[must_use]
    pub fn features(&self) -> &[Feature] {
        &self.features
    }

    /// Number of inputs of the network.
    #[must_use]
    pub fn len(&self) -> usize {
        self.features.len()
    }

    /// True when there are no features (never for a validated configuration).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.features.is_empty()
    }

    /// Writes the (standardised) features of p into `out` (length `len()`).
    #[inline]
    pub fn map_into(&self, p: [f64; 2], out: &mut [f64]) {
        for (j, o) in out.iter_mut().enumerate() {
            *o = (self.features[j].value(p) - self.mean[j]) * self.inv_std[j];
        }
    }

    /// The features of every point as the columns of a matrix (features x points).
    #[must_use]
    pub fn matrix(&self, points: &[LabeledPoint]) -> DMatrix<f64> {
        let mut m = DMatrix::zeros(self.len(), points.len());
        for (j, p) in points.iter().enumerate() {
            self.map_into(p.x, m.column_mut(j).as_mut_slice());
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standardised_features_have_zero_mean_and_unit_variance_on_train() {
        let pts: Vec<LabeledPoint> = (0..50)
            .map(|i| {
                let t = f64::from(i);
                LabeledPoint {
                    x: [t * 0.3 - 2.0, 100.0 * (t * 0.7).sin()],
                    y: 0.0,
                }
            })
            .collect();
        let map = FeatureMap::fit(&Feature::ALL, &pts, true);
        let m = map.matrix(&pts);
        for r in 0..m.nrows() {
            let row = m.row(r);
            let mean = row.mean();
            let var = row.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / 50.0;
            assert!(mean.abs() < 1e-12, "{r}: {mean}");
            assert!((var - 1.0).abs() < 1e-9, "{r}: {var}");
        }
        let raw = FeatureMap::fit(&Feature::ALL, &pts, false);
        let mut out = [0.0; 7];
        raw.map_into([2.0, 3.0], &mut out);
        assert_eq!(out, [2.0, 3.0, 4.0, 9.0, 6.0, 2f64.sin(), 3f64.sin()]);
    }
}
