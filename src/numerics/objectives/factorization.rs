//! Scalar factorization: the smallest model with a valley of minima of every sharpness.
//!
//! f(x, y) = 1/2 (x y - c)^2, c > 0 (default 1): fit the number c by a product of two
//! "weights". With r = x y - c the gradient is r (y, x) and the Hessian
//! [[y^2, 2 x y - c], [2 x y - c, x^2]]. Every point of the hyperbola x y = c is a global
//! minimum (f = 0), with Hessian [[y^2, c], [c, x^2]]: eigenvalues 0 (along the valley) and
//! x^2 + y^2, the sharpness, which is smallest, 2c, at the balanced minima x = y = +-sqrt(c)
//! and grows without bound along the branches. The origin is a saddle (eigenvalues +-c).
//!
//! Gradient flow keeps x^2 - y^2 constant (d/dt (x^2 - y^2) = -2 r x y + 2 r x y = 0), so from an
//! unbalanced start a small step settles in the minimum with the start's x^2 - y^2, sharpness
//! sqrt((x^2 - y^2)^2 + 4 c^2). Gradient descent with step lr cannot settle where the
//! sharpness exceeds 2 / lr: it oscillates across the valley and drifts along it to a flatter
//! minimum (the edge of stability). References: Cohen et al., "Gradient descent on neural
//! networks typically occurs at the edge of stability", ICLR 2021; Zhu et al., "Understanding
//! edge-of-stability training dynamics with a minimalist example", ICLR 2023.

use super::{CriticalPoint, Hessian, Landmarks, Objective, ViewRect, positive};
use crate::numerics::{Mat2, ParamError, Vec2};
use serde::{Deserialize, Serialize};

/// Parameters of the factorization.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FactorizationParams {
    /// The target c the product x y should equal.
    pub target: f64,
}

impl Default for FactorizationParams {
    fn default() -> Self {
        Self { target: 1.0 }
    }
}

/// The scalar factorization 1/2 (x y - c)^2.
#[derive(Clone, Debug, PartialEq)]
pub struct Factorization {
    c: f64,
}

impl Factorization {
    /// Validates the parameters.
    pub fn new(p: &FactorizationParams) -> Result<Self, ParamError> {
        positive("target", p.target)?;
        Ok(Self { c: p.target })
    }
}

impl Objective for Factorization {
    #[inline]
    fn value(&self, p: Vec2) -> f64 {
        let r = p.x.mul_add(p.y, -self.c);
        0.5 * r * r
    }
    #[inline]
    fn gradient(&self, p: Vec2) -> Vec2 {
        let r = p.x.mul_add(p.y, -self.c);
        Vec2::new(r * p.y, r * p.x)
    }
}

impl Hessian for Factorization {
    fn hessian(&self, p: Vec2) -> Mat2 {
        let off = (2.0 * p.x).mul_add(p.y, -self.c);
        Mat2::new(p.y * p.y, off, off, p.x * p.x)
    }
}

impl Landmarks for Factorization {
    fn default_view(&self) -> ViewRect {
        let s = self.c.sqrt();
        ViewRect {
            x: (-1.5 * s, 4.0 * s),
            y: (-1.5 * s, 4.0 * s),
        }
    }
    /// The saddle at the origin and the two balanced minima (degenerate: the valley x y = c
    /// is all minima, and these are its flattest points).
    fn critical_points(&self) -> Vec<CriticalPoint> {
        let s = self.c.sqrt();
        vec![
            CriticalPoint::exact(self, Vec2::zeros()),
            CriticalPoint::exact(self, Vec2::new(s, s)),
            CriticalPoint::exact(self, Vec2::new(-s, -s)),
        ]
    }
    fn default_start(&self) -> Vec2 {
        let s = self.c.sqrt();
        Vec2::new(3.0 * s, 0.1 * s)
    }
    fn formula(&self) -> String {
        format!("f = 1/2 (x y - {})^2", self.c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::objectives::testing::{assert_derivatives, assert_minima};
    use crate::numerics::objectives::{PointKind, symmetric_eigenvalues};
    use proptest::prelude::*;

    #[test]
    fn the_valley_is_minima_whose_sharpness_is_x2_plus_y2() {
        let f = Factorization::new(&FactorizationParams { target: 2.0 }).unwrap();
        let cps = f.critical_points();
        assert_eq!(cps[0].kind, PointKind::Saddle);
        assert_eq!(cps[1].kind, PointKind::Degenerate);
        assert!(cps[1].value < 1e-30);
        for x in [0.5, 1.0, 3.0, -4.0] {
            let p = Vec2::new(x, 2.0 / x);
            assert!(f.gradient(p).norm() < 1e-14);
            let (small, large) = symmetric_eigenvalues(&f.hessian(p));
            assert!(small.abs() < 1e-12 * large, "{small}");
            let expected = p.x * p.x + p.y * p.y;
            assert!(
                (large - expected).abs() < 1e-12 * expected,
                "{large} {expected}"
            );
        }
        assert_minima(&f);
        assert!(Factorization::new(&FactorizationParams { target: 0.0 }).is_err());
    }

    proptest! {
        #[test]
        fn derivatives(x in -3.0..3.0f64, y in -3.0..3.0f64, c in 0.1..4.0f64) {
            assert_derivatives(&Factorization::new(&FactorizationParams { target: c }).unwrap(), Vec2::new(x, y));
        }
    }
}
