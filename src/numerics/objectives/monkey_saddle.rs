//! The monkey saddle: three valleys meet at a flat point.
//!
//! f(x, y) = s (x^3 - 3 x y^2). The only critical point is the origin, where gradient and
//! Hessian both vanish (a degenerate saddle: second-order methods see nothing there).
//! There is no minimum; f is unbounded below. Default s = 1.
//! Reference: any calculus text; a standard example of a degenerate critical point.

use super::{CriticalPoint, Hessian, Landmarks, Objective, ViewRect, positive};
use crate::numerics::{Mat2, ParamError, Vec2};
use serde::{Deserialize, Serialize};

/// Parameters of the monkey saddle.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MonkeySaddleParams {
    /// Scale s.
    pub scale: f64,
}

impl Default for MonkeySaddleParams {
    fn default() -> Self {
        Self { scale: 1.0 }
    }
}

/// The monkey saddle s (x^3 - 3 x y^2).
#[derive(Clone, Debug, PartialEq)]
pub struct MonkeySaddle {
    s: f64,
}

impl MonkeySaddle {
    /// Validates the parameters.
    pub fn new(p: &MonkeySaddleParams) -> Result<Self, ParamError> {
        positive("scale", p.scale)?;
        Ok(Self { s: p.scale })
    }
}

impl Objective for MonkeySaddle {
    #[inline]
    fn value(&self, p: Vec2) -> f64 {
        self.s * (p.x * p.x * p.x - 3.0 * p.x * p.y * p.y)
    }
    #[inline]
    fn gradient(&self, p: Vec2) -> Vec2 {
        Vec2::new(
            3.0 * self.s * (p.x * p.x - p.y * p.y),
            -6.0 * self.s * p.x * p.y,
        )
    }
}

impl Hessian for MonkeySaddle {
    fn hessian(&self, p: Vec2) -> Mat2 {
        let xy = -6.0 * self.s * p.y;
        Mat2::new(6.0 * self.s * p.x, xy, xy, -6.0 * self.s * p.x)
    }
}

impl Landmarks for MonkeySaddle {
    fn default_view(&self) -> ViewRect {
        ViewRect::around(Vec2::zeros(), 1.5)
    }
    fn critical_points(&self) -> Vec<CriticalPoint> {
        vec![CriticalPoint::exact(self, Vec2::zeros())]
    }
    fn default_start(&self) -> Vec2 {
        Vec2::new(1.0, 0.05)
    }
    fn formula(&self) -> String {
        format!("f = {} (x^3 - 3 x y^2)", self.s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::objectives::PointKind;
    use crate::numerics::objectives::testing::assert_derivatives;
    use proptest::prelude::*;

    #[test]
    fn origin_is_degenerate() {
        let f = MonkeySaddle::new(&MonkeySaddleParams::default()).unwrap();
        assert_eq!(f.critical_points()[0].kind, PointKind::Degenerate);
        assert_eq!(f.gradient(Vec2::zeros()), Vec2::zeros());
    }

    proptest! {
        #[test]
        fn derivatives(x in -1.5..1.5f64, y in -1.5..1.5f64, s in 0.1..3.0f64) {
            assert_derivatives(&MonkeySaddle::new(&MonkeySaddleParams { scale: s }).unwrap(), Vec2::new(x, y));
        }
    }
}
