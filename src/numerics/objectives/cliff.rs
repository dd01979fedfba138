//! A gentle valley cut by a steep cliff: the place for gradient clipping.
//!
//! f(x, y) = 1/2 (0.2 (x - 2.5)^2 + y^2) + h (1 - tanh((x - c) / w)) / 2.
//! Left of x = c the floor lies h higher; across the cliff (width w) it drops by h, so the
//! gradient there reaches h / (2 w) (250 with the defaults) and one unclipped step throws a run
//! far past the minimum. The minimum is at (2.5, 0) up to the cliff's exponentially small tail
//! (polished numerically), f ~ 0. Defaults: height h = 10, width w = 0.02, position c = 0.
//! Reference: Goodfellow, Bengio, Courville, "Deep Learning", section 8.2.4 (cliffs and
//! exploding gradients); Pascanu et al., "On the difficulty of training RNNs", 2013.

use super::{CriticalPoint, Hessian, Landmarks, Objective, ViewRect, finite, positive};
use crate::numerics::{Mat2, ParamError, Vec2};
use serde::{Deserialize, Serialize};

const FLOOR_CURVATURE: f64 = 0.2;
const FLOOR_MIN_X: f64 = 2.5;

/// Parameters of the cliff.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CliffParams {
    /// Drop h of the cliff.
    pub height: f64,
    /// Horizontal width w over which the drop happens (smaller: steeper).
    pub width: f64,
    /// x position c of the cliff.
    pub position: f64,
}

impl Default for CliffParams {
    fn default() -> Self {
        Self {
            height: 10.0,
            width: 0.02,
            position: 0.0,
        }
    }
}

/// The cliff objective.
#[derive(Clone, Debug, PartialEq)]
pub struct Cliff {
    h: f64,
    w: f64,
    c: f64,
}

impl Cliff {
    /// Validates the parameters.
    pub fn new(p: &CliffParams) -> Result<Self, ParamError> {
        positive("height", p.height)?;
        positive("width", p.width)?;
        finite("position", p.position)?;
        if p.position >= FLOOR_MIN_X {
            return Err(ParamError::new(
                "position",
                format!(
                    "must be left of the valley's minimum at x = {FLOOR_MIN_X}, got {}",
                    p.position
                ),
            ));
        }
        Ok(Self {
            h: p.height,
            w: p.width,
            c: p.position,
        })
    }

    fn t(&self, x: f64) -> f64 {
        ((x - self.c) / self.w).tanh()
    }
}

impl Objective for Cliff {
    #[inline]
    fn value(&self, p: Vec2) -> f64 {
        let dx = p.x - FLOOR_MIN_X;
        0.5 * (FLOOR_CURVATURE * dx * dx + p.y * p.y) + 0.5 * self.h * (1.0 - self.t(p.x))
    }
    #[inline]
    fn gradient(&self, p: Vec2) -> Vec2 {
        let t = self.t(p.x);
        Vec2::new(
            FLOOR_CURVATURE * (p.x - FLOOR_MIN_X) - 0.5 * self.h * (1.0 - t * t) / self.w,
            p.y,
        )
    }
}

impl Hessian for Cliff {
    fn hessian(&self, p: Vec2) -> Mat2 {
        let t = self.t(p.x);
        Mat2::new(
            FLOOR_CURVATURE + self.h * t * (1.0 - t * t) / (self.w * self.w),
            0.0,
            0.0,
            1.0,
        )
    }
}

impl Landmarks for Cliff {
    fn default_view(&self) -> ViewRect {
        ViewRect {
            x: (self.c - 4.0, FLOOR_MIN_X + 2.0),
            y: (-2.5, 2.5),
        }
    }
    fn critical_points(&self) -> Vec<CriticalPoint> {
        vec![CriticalPoint::refined(self, Vec2::new(FLOOR_MIN_X, 0.0))]
    }
    fn default_start(&self) -> Vec2 {
        Vec2::new(self.c - 3.0, 1.5)
    }
    fn formula(&self) -> String {
        format!(
            "f = 1/2 ({FLOOR_CURVATURE} (x - {FLOOR_MIN_X})^2 + y^2) + {} (1 - tanh((x - {}) / {})) / 2",
            self.h, self.c, self.w
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
    fn cliff_gradient_explodes_and_minimum_is_a_minimum() {
        let f = Cliff::new(&CliffParams::default()).unwrap();
        assert!(f.gradient(Vec2::new(0.0, 0.0)).norm() > 200.0);
        assert!(f.gradient(Vec2::new(-2.0, 0.0)).norm() < 1.0);
        let cp = f.critical_points()[0];
        assert_eq!(cp.kind, PointKind::Minimum);
        assert!((cp.p - Vec2::new(2.5, 0.0)).norm() < 1e-9);
        assert_minima(&f);
        assert!(
            Cliff::new(&CliffParams {
                position: 3.0,
                ..CliffParams::default()
            })
            .is_err()
        );
    }

    proptest! {
        #[test]
        fn derivatives(x in -4.0..4.5f64, y in -2.5..2.5f64, h in 0.5..20.0f64, w in 0.2..1.0f64) {
            let f = Cliff::new(&CliffParams { height: h, width: w, position: 0.0 }).unwrap();
            assert_derivatives(&f, Vec2::new(x, y));
        }
    }
}
