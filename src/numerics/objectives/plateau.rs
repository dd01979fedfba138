//! A narrow well in a wide, nearly flat plain: vanishing gradients, as saturated units make.
//!
//! f(x, y) = d (1 - exp(-((x - cx)^2 + (y - cy)^2) / (2 s^2))). Minimum f = 0 at (cx, cy);
//! far from it f -> d and the gradient decays like exp(-r^2 / (2 s^2)), so plain gradient
//! descent crawls while sign-normalising methods (Adam, RMSprop) keep their pace.
//! Defaults: depth d = 1, width s = 1, centre (0, 0).
//! Reference: Goodfellow, Bengio, Courville, "Deep Learning", section 8.2.3 (plateaus).

use super::{CriticalPoint, Hessian, Landmarks, Objective, ViewRect, finite, positive};
use crate::numerics::{Mat2, ParamError, Vec2};
use serde::{Deserialize, Serialize};

/// Parameters of the plateau.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PlateauParams {
    /// Depth d of the well below the plain.
    pub depth: f64,
    /// Width s of the well (standard deviation of the Gaussian).
    pub width: f64,
    /// Centre of the well.
    pub center: (f64, f64),
}

impl Default for PlateauParams {
    fn default() -> Self {
        Self {
            depth: 1.0,
            width: 1.0,
            center: (0.0, 0.0),
        }
    }
}

/// The plateau objective.
#[derive(Clone, Debug, PartialEq)]
pub struct Plateau {
    d: f64,
    s2: f64,
    c: Vec2,
}

impl Plateau {
    /// Validates the parameters.
    pub fn new(p: &PlateauParams) -> Result<Self, ParamError> {
        positive("depth", p.depth)?;
        positive("width", p.width)?;
        finite("center.0", p.center.0)?;
        finite("center.1", p.center.1)?;
        Ok(Self {
            d: p.depth,
            s2: p.width * p.width,
            c: Vec2::new(p.center.0, p.center.1),
        })
    }

    fn well(&self, p: Vec2) -> (Vec2, f64) {
        let r = p - self.c;
        (r, (-r.norm_squared() / (2.0 * self.s2)).exp())
    }
}

impl Objective for Plateau {
    #[inline]
    fn value(&self, p: Vec2) -> f64 {
        self.d * (1.0 - self.well(p).1)
    }
    #[inline]
    fn gradient(&self, p: Vec2) -> Vec2 {
        let (r, e) = self.well(p);
        r * (self.d * e / self.s2)
    }
}

impl Hessian for Plateau {
    fn hessian(&self, p: Vec2) -> Mat2 {
        let (r, e) = self.well(p);
        (Mat2::identity() - r * r.transpose() / self.s2) * (self.d * e / self.s2)
    }
}

impl Landmarks for Plateau {
    fn default_view(&self) -> ViewRect {
        ViewRect::around(self.c, 5.0 * self.s2.sqrt())
    }
    fn critical_points(&self) -> Vec<CriticalPoint> {
        vec![CriticalPoint::exact(self, self.c)]
    }
    fn default_start(&self) -> Vec2 {
        self.c + Vec2::new(3.2, 2.4) * self.s2.sqrt()
    }
    fn formula(&self) -> String {
        format!(
            "f = {} (1 - exp(-((x - {})^2 + (y - {})^2) / (2 * {}^2)))",
            self.d,
            self.c.x,
            self.c.y,
            self.s2.sqrt()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::objectives::testing::{assert_derivatives, assert_minima};
    use proptest::prelude::*;

    #[test]
    fn flat_far_away() {
        let f = Plateau::new(&PlateauParams::default()).unwrap();
        assert!(f.gradient(f.default_start()).norm() < 2e-2);
        assert!(f.gradient(Vec2::new(1.0, 0.0)).norm() > 0.5);
        assert_minima(&f);
    }

    proptest! {
        #[test]
        fn derivatives(x in -5.0..5.0f64, y in -5.0..5.0f64, s in 0.3..2.0f64) {
            let f = Plateau::new(&PlateauParams { depth: 2.0, width: s, center: (0.5, -0.5) }).unwrap();
            assert_derivatives(&f, Vec2::new(x, y));
        }
    }
}
