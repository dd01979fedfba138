//! Rastrigin's function: a bowl covered in regularly spaced local minima.
//!
//! f(x, y) = 2 A + (x^2 - A cos(2 pi x)) + (y^2 - A cos(2 pi y)).
//! Global minimum f = 0 at (0, 0); local minima sit near every integer point. Default A = 10;
//! usual view [-5.12, 5.12]^2.
//! Reference: L. A. Rastrigin, "Systems of extremal control", Nauka, 1974.

use super::{CriticalPoint, Hessian, Landmarks, Objective, ViewRect, non_negative};
use crate::numerics::{Mat2, ParamError, Vec2};
use serde::{Deserialize, Serialize};
use std::f64::consts::TAU;

/// Parameters of Rastrigin's function.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RastriginParams {
    /// Amplitude A of the cosine ripples.
    pub a: f64,
}

impl Default for RastriginParams {
    fn default() -> Self {
        Self { a: 10.0 }
    }
}

/// Rastrigin's function.
#[derive(Clone, Debug, PartialEq)]
pub struct Rastrigin {
    a: f64,
}

impl Rastrigin {
    /// Validates the parameters.
    pub fn new(p: &RastriginParams) -> Result<Self, ParamError> {
        non_negative("a", p.a)?;
        Ok(Self { a: p.a })
    }
}

impl Objective for Rastrigin {
    fn value(&self, p: Vec2) -> f64 {
        let term = |v: f64| v * v - self.a * (TAU * v).cos();
        2.0 * self.a + term(p.x) + term(p.y)
    }
    fn gradient(&self, p: Vec2) -> Vec2 {
        let d = |v: f64| 2.0 * v + TAU * self.a * (TAU * v).sin();
        Vec2::new(d(p.x), d(p.y))
    }
}

impl Hessian for Rastrigin {
    fn hessian(&self, p: Vec2) -> Mat2 {
        let dd = |v: f64| 2.0 + TAU * TAU * self.a * (TAU * v).cos();
        Mat2::new(dd(p.x), 0.0, 0.0, dd(p.y))
    }
}

impl Landmarks for Rastrigin {
    fn default_view(&self) -> ViewRect {
        ViewRect::around(Vec2::zeros(), 5.12)
    }
    fn critical_points(&self) -> Vec<CriticalPoint> {
        vec![CriticalPoint::exact(self, Vec2::zeros())]
    }
    fn default_start(&self) -> Vec2 {
        Vec2::new(3.3, 2.6)
    }
    fn formula(&self) -> String {
        format!(
            "f = {} + x^2 - {a} cos(2 pi x) + y^2 - {a} cos(2 pi y)",
            2.0 * self.a,
            a = self.a
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::objectives::PointKind;
    use crate::numerics::objectives::testing::{assert_derivatives, assert_minima};
    use proptest::prelude::*;

    #[test]
    fn minimum() {
        let f = Rastrigin::new(&RastriginParams::default()).unwrap();
        assert_eq!(f.value(Vec2::zeros()), 0.0);
        assert_eq!(f.critical_points()[0].kind, PointKind::Minimum);
        assert_minima(&f);
    }

    proptest! {
        #[test]
        fn derivatives(x in -5.12..5.12f64, y in -5.12..5.12f64) {
            assert_derivatives(&Rastrigin::new(&RastriginParams::default()).unwrap(), Vec2::new(x, y));
        }
    }
}
