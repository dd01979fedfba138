//! Beale's function: flat plateaus and sharp ridges around one global minimum.
//!
//! f(x, y) = (1.5 - x + x y)^2 + (2.25 - x + x y^2)^2 + (2.625 - x + x y^3)^2.
//! Global minimum f = 0 at (3, 0.5). Usual view [-4.5, 4.5]^2.
//! Reference: E. M. L. Beale, "On an iterative method for finding a local minimum of a function
//! of more than one variable", Princeton Statistical Techniques Research Group, 1958.

use super::{CriticalPoint, Hessian, Landmarks, Objective, ViewRect};
use crate::numerics::{Mat2, Vec2};

const C: [f64; 3] = [1.5, 2.25, 2.625];

/// Beale's function (no parameters).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Beale;

impl Beale {
    /// The residual t_i = c_i - x + x y^i, its gradient and its Hessian, for i = 1, 2, 3.
    fn terms(p: Vec2) -> [(f64, Vec2, Mat2); 3] {
        let (x, y) = (p.x, p.y);
        std::array::from_fn(|k| {
            let i = i32::try_from(k + 1).unwrap_or(1);
            let fi = f64::from(i);
            let yi = y.powi(i);
            let yi1 = y.powi(i - 1);
            let yi2 = if i >= 2 { y.powi(i - 2) } else { 0.0 };
            let t = C[k] - x + x * yi;
            let g = Vec2::new(yi - 1.0, fi * x * yi1);
            let h = Mat2::new(0.0, fi * yi1, fi * yi1, fi * (fi - 1.0) * x * yi2);
            (t, g, h)
        })
    }
}

impl Objective for Beale {
    fn value(&self, p: Vec2) -> f64 {
        Self::terms(p).iter().map(|(t, _, _)| t * t).sum()
    }
    fn gradient(&self, p: Vec2) -> Vec2 {
        Self::terms(p)
            .iter()
            .fold(Vec2::zeros(), |acc, (t, g, _)| acc + g * (2.0 * t))
    }
}

impl Hessian for Beale {
    fn hessian(&self, p: Vec2) -> Mat2 {
        Self::terms(p).iter().fold(Mat2::zeros(), |acc, (t, g, h)| {
            acc + (g * g.transpose() + h * *t) * 2.0
        })
    }
}

impl Landmarks for Beale {
    fn default_view(&self) -> ViewRect {
        ViewRect::around(Vec2::zeros(), 4.5)
    }
    fn critical_points(&self) -> Vec<CriticalPoint> {
        vec![CriticalPoint::exact(self, Vec2::new(3.0, 0.5))]
    }
    fn default_start(&self) -> Vec2 {
        Vec2::new(1.0, 1.5)
    }
    fn formula(&self) -> String {
        "f = (1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2".to_owned()
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
        assert_eq!(Beale.value(Vec2::new(3.0, 0.5)), 0.0);
        assert_eq!(Beale.critical_points()[0].kind, PointKind::Minimum);
        assert_minima(&Beale);
    }

    proptest! {
        #[test]
        fn derivatives(x in -4.5..4.5f64, y in -4.5..4.5f64) {
            assert_derivatives(&Beale, Vec2::new(x, y));
        }
    }
}
