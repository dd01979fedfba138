//! A saddle point, optionally with walls so that escaping runs settle.
//!
//! f(x, y) = s (x^2 - y^2) + q y^4. The origin is a saddle (Hessian diag(2s, -2s)).
//! With q = 0 (the default) f is unbounded below along y and has no minimum; with q > 0 the
//! minima are (0, +-sqrt(s / (2 q))) with f = -s^2 / (4 q). Defaults s = 1, q = 0.
//! A run started on the line y = 0 converges to the saddle; noise kicks it off.
//! Reference: Dauphin et al., "Identifying and attacking the saddle point problem", 2014.

use super::{CriticalPoint, Hessian, Landmarks, Objective, ViewRect, non_negative, positive};
use crate::numerics::{Mat2, ParamError, Vec2};
use serde::{Deserialize, Serialize};

/// Parameters of the saddle.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SaddleParams {
    /// Scale s of x^2 - y^2.
    pub scale: f64,
    /// Quartic wall q in front of y^4 (0: a pure saddle).
    pub quartic: f64,
}

impl Default for SaddleParams {
    fn default() -> Self {
        Self {
            scale: 1.0,
            quartic: 0.0,
        }
    }
}

/// The saddle s (x^2 - y^2) + q y^4.
#[derive(Clone, Debug, PartialEq)]
pub struct Saddle {
    s: f64,
    q: f64,
}

impl Saddle {
    /// Validates the parameters.
    pub fn new(p: &SaddleParams) -> Result<Self, ParamError> {
        positive("scale", p.scale)?;
        non_negative("quartic", p.quartic)?;
        Ok(Self {
            s: p.scale,
            q: p.quartic,
        })
    }
}

impl Objective for Saddle {
    #[inline]
    fn value(&self, p: Vec2) -> f64 {
        let y2 = p.y * p.y;
        self.s * (p.x * p.x - y2) + self.q * y2 * y2
    }
    #[inline]
    fn gradient(&self, p: Vec2) -> Vec2 {
        Vec2::new(
            2.0 * self.s * p.x,
            -2.0 * self.s * p.y + 4.0 * self.q * p.y * p.y * p.y,
        )
    }
}

impl Hessian for Saddle {
    fn hessian(&self, p: Vec2) -> Mat2 {
        Mat2::new(
            2.0 * self.s,
            0.0,
            0.0,
            -2.0 * self.s + 12.0 * self.q * p.y * p.y,
        )
    }
}

impl Landmarks for Saddle {
    fn default_view(&self) -> ViewRect {
        if self.q > 0.0 {
            let y_min = (self.s / (2.0 * self.q)).sqrt();
            ViewRect::around(Vec2::zeros(), (2.0 * y_min).max(1.0))
        } else {
            ViewRect::around(Vec2::zeros(), 2.0)
        }
    }
    fn critical_points(&self) -> Vec<CriticalPoint> {
        let mut points = vec![CriticalPoint::exact(self, Vec2::zeros())];
        if self.q > 0.0 {
            let y = (self.s / (2.0 * self.q)).sqrt();
            points.push(CriticalPoint::exact(self, Vec2::new(0.0, y)));
            points.push(CriticalPoint::exact(self, Vec2::new(0.0, -y)));
        }
        points
    }
    fn default_start(&self) -> Vec2 {
        let r = self.default_view().size().x * 0.4;
        Vec2::new(r, 0.0)
    }
    fn formula(&self) -> String {
        if self.q > 0.0 {
            format!("f = {} (x^2 - y^2) + {} y^4", self.s, self.q)
        } else {
            format!("f = {} (x^2 - y^2)", self.s)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::objectives::PointKind;
    use crate::numerics::objectives::testing::{assert_derivatives, assert_minima};
    use proptest::prelude::*;

    #[test]
    fn origin_is_a_saddle_and_walls_make_minima() {
        let f = Saddle::new(&SaddleParams::default()).unwrap();
        assert_eq!(f.critical_points()[0].kind, PointKind::Saddle);
        let f = Saddle::new(&SaddleParams {
            scale: 1.0,
            quartic: 0.25,
        })
        .unwrap();
        let cps = f.critical_points();
        assert_eq!(cps.len(), 3);
        assert!((cps[1].p.y - 2f64.sqrt()).abs() < 1e-15);
        assert_eq!(cps[1].kind, PointKind::Minimum);
        assert!((cps[1].value + 1.0).abs() < 1e-14);
        assert_minima(&f);
    }

    proptest! {
        #[test]
        fn derivatives(x in -2.0..2.0f64, y in -2.0..2.0f64, s in 0.1..3.0f64, q in 0.0..2.0f64) {
            assert_derivatives(&Saddle::new(&SaddleParams { scale: s, quartic: q }).unwrap(), Vec2::new(x, y));
        }
    }
}
