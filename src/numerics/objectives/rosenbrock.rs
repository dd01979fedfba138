//! Rosenbrock's banana valley.
//!
//! f(x, y) = (a - x)^2 + b (y - x^2)^2, minimum f = 0 at (a, a^2). Defaults a = 1, b = 100.
//! The curved, flat-bottomed valley defeats plain gradient descent.
//! Reference: H. H. Rosenbrock, "An automatic method for finding the greatest or least value
//! of a function", The Computer Journal 3(3), 1960.

use super::{CriticalPoint, Hessian, Landmarks, Objective, ViewRect, finite, positive};
use crate::numerics::{Mat2, ParamError, Vec2};
use serde::{Deserialize, Serialize};

/// Parameters of Rosenbrock's function.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RosenbrockParams {
    /// Location parameter: the minimum is at (a, a^2).
    pub a: f64,
    /// Steepness of the valley walls.
    pub b: f64,
}

impl Default for RosenbrockParams {
    fn default() -> Self {
        Self { a: 1.0, b: 100.0 }
    }
}

/// Rosenbrock's function.
#[derive(Clone, Debug, PartialEq)]
pub struct Rosenbrock {
    a: f64,
    b: f64,
}

impl Rosenbrock {
    /// Validates the parameters.
    pub fn new(p: &RosenbrockParams) -> Result<Self, ParamError> {
        finite("a", p.a)?;
        positive("b", p.b)?;
        Ok(Self { a: p.a, b: p.b })
    }
}

impl Objective for Rosenbrock {
    #[inline]
    fn value(&self, p: Vec2) -> f64 {
        let u = self.a - p.x;
        let w = p.y - p.x * p.x;
        u * u + self.b * w * w
    }
    #[inline]
    fn gradient(&self, p: Vec2) -> Vec2 {
        let w = p.y - p.x * p.x;
        Vec2::new(
            -2.0 * (self.a - p.x) - 4.0 * self.b * p.x * w,
            2.0 * self.b * w,
        )
    }
}

impl Hessian for Rosenbrock {
    fn hessian(&self, p: Vec2) -> Mat2 {
        let xy = -4.0 * self.b * p.x;
        Mat2::new(
            2.0 - 4.0 * self.b * (p.y - 3.0 * p.x * p.x),
            xy,
            xy,
            2.0 * self.b,
        )
    }
}

impl Landmarks for Rosenbrock {
    fn default_view(&self) -> ViewRect {
        let r = self.a.abs().max(1.0);
        ViewRect {
            x: (-2.0 * r, 2.0 * r),
            y: (-r, 3.0 * r * r),
        }
    }
    fn critical_points(&self) -> Vec<CriticalPoint> {
        vec![CriticalPoint::exact(
            self,
            Vec2::new(self.a, self.a * self.a),
        )]
    }
    fn default_start(&self) -> Vec2 {
        Vec2::new(-1.5, 2.0) * self.a.abs().max(1.0)
    }
    fn formula(&self) -> String {
        format!("f = ({} - x)^2 + {} (y - x^2)^2", self.a, self.b)
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
        let f = Rosenbrock::new(&RosenbrockParams::default()).unwrap();
        assert_eq!(f.value(Vec2::new(1.0, 1.0)), 0.0);
        assert_eq!(f.critical_points()[0].kind, PointKind::Minimum);
        assert_minima(&f);
    }

    proptest! {
        #[test]
        fn derivatives(x in -2.0..2.0f64, y in -1.0..3.0f64, a in 0.5..2.0f64, b in 1.0..200.0f64) {
            assert_derivatives(&Rosenbrock::new(&RosenbrockParams { a, b }).unwrap(), Vec2::new(x, y));
        }
    }
}
