//! The numerical core: objectives, optimizers, learning-rate schedules, noise, runs and the
//! convergence theory that predicts them on quadratics.
//!
//! Depends on nalgebra, rand (with rand_pcg for portable seeded streams and rand_distr for
//! normal draws) and rayon (runs and contours in parallel; the policy is in [`parallel`]), plus
//! derives: serde on plain parameter structs, so presets can embed them without a parallel type
//! hierarchy, and thiserror on the error types. Nothing here knows about windows, files or text
//! formats.

mod checks;
pub mod contour;
pub mod cpu;
pub mod mlp;
pub mod noise;
pub mod objectives;
pub mod optimizers;
pub mod parallel;
pub mod path_shape;
pub mod resume;
pub mod run;
pub mod schedule;
pub mod sweep;
pub mod theory;
pub mod tune;

#[cfg(test)]
mod norm_tests {
    #[test]
    fn messages_print_numbers_short() {
        use super::short;
        assert_eq!(short(-1e308), "-1e308");
        assert_eq!(short(1e-12), "1e-12");
        assert_eq!(short(0.1), "0.1");
        assert_eq!(short(100.0), "100");
        assert_eq!(short(1234.5), "1234.5");
        assert_eq!(short(f64::NAN), "NaN");
    }

    #[test]
    fn norms_of_huge_finite_vectors_are_finite() {
        let big = 1e300;
        assert_eq!(super::norm(&[3.0, 4.0]), 5.0);
        let n = super::norm(&[big, big]);
        assert!((n / (big * 2f64.sqrt()) - 1.0).abs() < 1e-15, "{n}");
        assert!(super::norm(&[f64::INFINITY, 1.0]).is_infinite());
        assert!(super::norm(&[f64::NAN, 1.0]).is_nan());
        let g = super::Vec2::new(big, -big);
        assert_eq!(super::run::norm(g), big.hypot(big));
    }
}

/// A point or vector in the plane of a 2-D objective.
pub type Vec2 = nalgebra::Vector2<f64>;
/// A 2x2 matrix (Hessians of 2-D objectives).
pub type Mat2 = nalgebra::Matrix2<f64>;

/// A number as messages print it: plain, or in exponent form when that is shorter
/// (`-1e308` rather than 309 digits, `1e-12` rather than `0.000000000001`).
#[must_use]
pub fn short(v: f64) -> String {
    let plain = v.to_string();
    let exponent = format!("{v:e}");
    if exponent.len() < plain.len() {
        exponent
    } else {
        plain
    }
}

/// The Euclidean norm, also when the sum of squares overflows although every entry is finite
/// (then computed scaled by the largest entry); the plain formula otherwise, so norms that
/// did not overflow stay bit-identical.
#[must_use]
pub fn norm(v: &[f64]) -> f64 {
    let plain = v.iter().map(|x| x * x).sum::<f64>().sqrt();
    if plain.is_finite() || !v.iter().all(|x| x.is_finite()) {
        return plain;
    }
    let scale = v.iter().fold(0.0_f64, |m, x| m.max(x.abs()));
    scale * v.iter().map(|x| (x / scale).powi(2)).sum::<f64>().sqrt()
}

/// A parameter that is out of range, with the field it belongs to.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ParamError {
    /// Field path relative to the struct that was checked, e.g. `betas.0` or `lr`.
    pub field: String,
    /// What is wrong and what would be valid.
    pub message: String,
}

impl ParamError {
    /// An error for `field` saying `message`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The same error with `prefix.` put before its field path.
    #[must_use]
    pub fn within(mut self, prefix: &str) -> Self {
        self.field = if self.field.is_empty() {
            prefix.to_owned()
        } else if self.field.starts_with('[') {
            format!("{prefix}{}", self.field)
        } else {
            format!("{prefix}.{}", self.field)
        };
        self
    }
}
