//! The Styblinski-Tang function: four minima of different depth.
//!
//! f(x, y) = 1/2 [(x^4 - 16 x^2 + 5 x) + (y^4 - 16 y^2 + 5 y)].
//! Each coordinate's critical points are the roots of 4t^3 - 32t + 5 = 0: t = -2.903534,
//! 0.156731, 2.746803. The global minimum f = -78.332331 is at (-2.903534, -2.903534); the
//! other combinations of -2.9035 and 2.7468 are local minima, combinations with 0.1567 are
//! saddles, and (0.1567, 0.1567) is a maximum. Usual view [-5, 5]^2.
//! Reference: M. A. Styblinski and T.-S. Tang, "Experiments in nonconvex optimization:
//! stochastic approximation with function smoothing and simulated annealing", Neural Networks
//! 3(4), 1990.

use super::{CriticalPoint, Hessian, Landmarks, Objective, ViewRect};
use crate::numerics::{Mat2, Vec2};

/// The Styblinski-Tang function (no parameters).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StyblinskiTang;

impl Objective for StyblinskiTang {
    fn value(&self, p: Vec2) -> f64 {
        let t = |v: f64| v.powi(4) - 16.0 * v * v + 5.0 * v;
        0.5 * (t(p.x) + t(p.y))
    }
    fn gradient(&self, p: Vec2) -> Vec2 {
        let d = |v: f64| 0.5 * (4.0 * v.powi(3) - 32.0 * v + 5.0);
        Vec2::new(d(p.x), d(p.y))
    }
}

impl Hessian for StyblinskiTang {
    fn hessian(&self, p: Vec2) -> Mat2 {
        let dd = |v: f64| 0.5 * (12.0 * v * v - 32.0);
        Mat2::new(dd(p.x), 0.0, 0.0, dd(p.y))
    }
}

impl Landmarks for StyblinskiTang {
    fn default_view(&self) -> ViewRect {
        ViewRect::around(Vec2::zeros(), 5.0)
    }
    fn critical_points(&self) -> Vec<CriticalPoint> {
        let roots = [-2.903_534, 2.746_803, 0.156_731];
        let mut points = Vec::with_capacity(9);
        for x in roots {
            for y in roots {
                points.push(CriticalPoint::refined(self, Vec2::new(x, y)));
            }
        }
        points
    }
    fn default_start(&self) -> Vec2 {
        Vec2::new(0.5, 4.5)
    }
    fn formula(&self) -> String {
        "f = 1/2 (x^4 - 16x^2 + 5x + y^4 - 16y^2 + 5y)".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::objectives::PointKind;
    use crate::numerics::objectives::testing::{assert_derivatives, assert_minima};
    use proptest::prelude::*;

    #[test]
    fn global_minimum_and_kinds() {
        let cps = StyblinskiTang.critical_points();
        assert_eq!(cps[0].kind, PointKind::Minimum);
        assert!((cps[0].value + 78.332_331).abs() < 1e-5);
        let count = |k| cps.iter().filter(|c| c.kind == k).count();
        assert_eq!(count(PointKind::Minimum), 4);
        assert_eq!(count(PointKind::Saddle), 4);
        assert_eq!(count(PointKind::Maximum), 1);
        assert!(cps.iter().all(|c| c.value >= cps[0].value));
        assert_minima(&StyblinskiTang);
    }

    proptest! {
        #[test]
        fn derivatives(x in -5.0..5.0f64, y in -5.0..5.0f64) {
            assert_derivatives(&StyblinskiTang, Vec2::new(x, y));
        }
    }
}
