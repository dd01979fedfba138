//! Himmelblau's function: four minima of equal height, a maximum and four saddles.
//!
//! f(x, y) = (x^2 + y - 11)^2 + (x + y^2 - 7)^2.
//! Minima f = 0 at (3, 2), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126);
//! a local maximum near (-0.270845, -0.923039) with f = 181.617; saddles near (3.385, 0.074),
//! (-3.073, -0.081), (0.087, 2.884) and (-0.128, -1.954). The listed digits are polished to
//! rounding by Newton's method. Usual view [-5, 5]^2.
//! Reference: D. M. Himmelblau, "Applied Nonlinear Programming", McGraw-Hill, 1972.

use super::{CriticalPoint, Hessian, Landmarks, Objective, ViewRect};
use crate::numerics::{Mat2, Vec2};

/// Himmelblau's function (no parameters).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Himmelblau;

impl Objective for Himmelblau {
    fn value(&self, p: Vec2) -> f64 {
        let u = p.x * p.x + p.y - 11.0;
        let v = p.x + p.y * p.y - 7.0;
        u * u + v * v
    }
    fn gradient(&self, p: Vec2) -> Vec2 {
        let u = p.x * p.x + p.y - 11.0;
        let v = p.x + p.y * p.y - 7.0;
        Vec2::new(4.0 * p.x * u + 2.0 * v, 2.0 * u + 4.0 * p.y * v)
    }
}

impl Hessian for Himmelblau {
    fn hessian(&self, p: Vec2) -> Mat2 {
        let u = p.x * p.x + p.y - 11.0;
        let v = p.x + p.y * p.y - 7.0;
        let xy = 4.0 * (p.x + p.y);
        Mat2::new(
            4.0 * u + 8.0 * p.x * p.x + 2.0,
            xy,
            xy,
            2.0 + 4.0 * v + 8.0 * p.y * p.y,
        )
    }
}

impl Landmarks for Himmelblau {
    fn default_view(&self) -> ViewRect {
        ViewRect::around(Vec2::zeros(), 5.0)
    }
    fn critical_points(&self) -> Vec<CriticalPoint> {
        [
            (3.0, 2.0),
            (-2.805_118, 3.131_312),
            (-3.779_310, -3.283_186),
            (3.584_428, -1.848_126),
            (-0.270_845, -0.923_039),
            (3.385_154, 0.073_852),
            (-3.073_026, -0.081_353),
            (0.086_677, 2.884_254),
            (-0.127_961, -1.953_715),
        ]
        .into_iter()
        .map(|(x, y)| CriticalPoint::refined(self, Vec2::new(x, y)))
        .collect()
    }
    fn default_start(&self) -> Vec2 {
        Vec2::new(0.0, 0.0)
    }
    fn formula(&self) -> String {
        "f = (x^2 + y - 11)^2 + (x + y^2 - 7)^2".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::objectives::PointKind;
    use crate::numerics::objectives::testing::{assert_derivatives, assert_minima};
    use proptest::prelude::*;

    #[test]
    fn four_minima_one_maximum_four_saddles() {
        let cps = Himmelblau.critical_points();
        let count = |k| cps.iter().filter(|c| c.kind == k).count();
        assert_eq!(count(PointKind::Minimum), 4);
        assert_eq!(count(PointKind::Maximum), 1);
        assert_eq!(count(PointKind::Saddle), 4);
        for c in cps.iter().filter(|c| c.kind == PointKind::Minimum) {
            assert!(c.value.abs() < 1e-20, "{c:?}");
        }
        assert!((cps[4].value - 181.617).abs() < 1e-3);
        assert_minima(&Himmelblau);
    }

    proptest! {
        #[test]
        fn derivatives(x in -5.0..5.0f64, y in -5.0..5.0f64) {
            assert_derivatives(&Himmelblau, Vec2::new(x, y));
        }
    }
}
