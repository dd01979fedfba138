//! The Goldstein-Price function: a huge dynamic range and several local minima.
//!
//! f(x, y) = [1 + (x + y + 1)^2 (19 - 14x + 3x^2 - 14y + 6xy + 3y^2)]
//!         * [30 + (2x - 3y)^2 (18 - 32x + 12x^2 + 48y - 36xy + 27y^2)].
//! Global minimum f = 3 at (0, -1); local minima f = 30 at (-0.6, -0.4), f = 84 at (1.8, 0.2)
//! and f = 840 at (1.2, 0.8). Usual view [-2, 2]^2.
//! Reference: A. A. Goldstein and J. F. Price, "On descent from local minima", Mathematics of
//! Computation 25(115), 1971.

use super::{CriticalPoint, Hessian, Landmarks, Objective, ViewRect};
use crate::numerics::{Mat2, Vec2};

/// The Goldstein-Price function (no parameters).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GoldsteinPrice;

/// Value, gradient and Hessian of `c + w^2 P` for a linear w and a quadratic P.
fn factor(c: f64, w: f64, gw: Vec2, p: f64, gp: Vec2, hp: Mat2) -> (f64, Vec2, Mat2) {
    let value = c + w * w * p;
    let grad = gw * (2.0 * w * p) + gp * (w * w);
    let hess = gw * gw.transpose() * (2.0 * p)
        + (gw * gp.transpose() + gp * gw.transpose()) * (2.0 * w)
        + hp * (w * w);
    (value, grad, hess)
}

impl GoldsteinPrice {
    fn parts(p: Vec2) -> [(f64, Vec2, Mat2); 2] {
        let (x, y) = (p.x, p.y);
        let a = {
            let w = x + y + 1.0;
            let q = 19.0 - 14.0 * x + 3.0 * x * x - 14.0 * y + 6.0 * x * y + 3.0 * y * y;
            let d = -14.0 + 6.0 * x + 6.0 * y;
            factor(
                1.0,
                w,
                Vec2::new(1.0, 1.0),
                q,
                Vec2::new(d, d),
                Mat2::new(6.0, 6.0, 6.0, 6.0),
            )
        };
        let b = {
            let w = 2.0 * x - 3.0 * y;
            let q = 18.0 - 32.0 * x + 12.0 * x * x + 48.0 * y - 36.0 * x * y + 27.0 * y * y;
            let gq = Vec2::new(-32.0 + 24.0 * x - 36.0 * y, 48.0 - 36.0 * x + 54.0 * y);
            factor(
                30.0,
                w,
                Vec2::new(2.0, -3.0),
                q,
                gq,
                Mat2::new(24.0, -36.0, -36.0, 54.0),
            )
        };
        [a, b]
    }
}

impl Objective for GoldsteinPrice {
    fn value(&self, p: Vec2) -> f64 {
        let [(a, _, _), (b, _, _)] = Self::parts(p);
        a * b
    }
    fn gradient(&self, p: Vec2) -> Vec2 {
        let [(a, ga, _), (b, gb, _)] = Self::parts(p);
        ga * b + gb * a
    }
    fn value_and_gradient(&self, p: Vec2) -> (f64, Vec2) {
        let [(a, ga, _), (b, gb, _)] = Self::parts(p);
        (a * b, ga * b + gb * a)
    }
}

impl Hessian for GoldsteinPrice {
    fn hessian(&self, p: Vec2) -> Mat2 {
        let [(a, ga, ha), (b, gb, hb)] = Self::parts(p);
        ha * b + ga * gb.transpose() + gb * ga.transpose() + hb * a
    }
}

impl Landmarks for GoldsteinPrice {
    fn default_view(&self) -> ViewRect {
        ViewRect::around(Vec2::zeros(), 2.0)
    }
    fn critical_points(&self) -> Vec<CriticalPoint> {
        [(0.0, -1.0), (-0.6, -0.4), (1.8, 0.2), (1.2, 0.8)]
            .into_iter()
            .map(|(x, y)| CriticalPoint::refined(self, Vec2::new(x, y)))
            .collect()
    }
    fn default_start(&self) -> Vec2 {
        Vec2::new(-1.2, 1.4)
    }
    fn formula(&self) -> String {
        "f = [1 + (x+y+1)^2 (19 - 14x + 3x^2 - 14y + 6xy + 3y^2)] [30 + (2x-3y)^2 (18 - 32x + 12x^2 + 48y - 36xy + 27y^2)]".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::objectives::PointKind;
    use crate::numerics::objectives::testing::{assert_derivatives, assert_minima};
    use proptest::prelude::*;

    #[test]
    fn minima_values() {
        let cps = GoldsteinPrice.critical_points();
        assert_eq!(GoldsteinPrice.value(Vec2::new(0.0, -1.0)), 3.0);
        for (cp, value) in cps.iter().zip([3.0, 30.0, 84.0, 840.0]) {
            assert_eq!(cp.kind, PointKind::Minimum, "{cp:?}");
            assert!((cp.value - value).abs() < 1e-6 * value, "{cp:?}");
        }
        assert_minima(&GoldsteinPrice);
    }

    proptest! {
        #[test]
        fn derivatives(x in -2.0..2.0f64, y in -2.0..2.0f64) {
            assert_derivatives(&GoldsteinPrice, Vec2::new(x, y));
        }
    }
}
