//! Ill-conditioned quadratic bowl.
//!
//! f(p) = 1/2 (p - c)' A (p - c) with A = R(theta) diag(l_max, l_max / kappa) R(theta)',
//! where R(theta) rotates by `angle_deg`. The unique minimum is p = c with f = 0.
//! Eigenvalues are l_max and l_min = l_max / kappa, so changing the condition number kappa
//! moves only the flat direction and the stable step range 0 < a < 2 / l_max stays fixed.
//! Defaults: l_max = 1, kappa = 10, angle 0, centre (0, 0).
//! Reference: the course's "GD on a quadratic" (Goh, "Why Momentum Really Works", 2017).

use super::{CriticalPoint, Hessian, Landmarks, Objective, ViewRect, finite, positive};
use crate::numerics::{Mat2, ParamError, Vec2};
use serde::{Deserialize, Serialize};

/// Parameters of the quadratic.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QuadraticParams {
    /// Largest Hessian eigenvalue (curvature of the steep direction).
    pub l_max: f64,
    /// Condition number l_max / l_min, at least 1.
    pub kappa: f64,
    /// Rotation of the eigenbasis in degrees (0: steep direction along x).
    pub angle_deg: f64,
    /// The minimiser c.
    pub center: (f64, f64),
}

impl Default for QuadraticParams {
    fn default() -> Self {
        Self {
            l_max: 1.0,
            kappa: 10.0,
            angle_deg: 0.0,
            center: (0.0, 0.0),
        }
    }
}

/// The quadratic, with its matrix precomputed.
#[derive(Clone, Debug, PartialEq)]
pub struct Quadratic {
    params: QuadraticParams,
    a: Mat2,
    c: Vec2,
    rotation: Mat2,
}

impl Quadratic {
    /// Validates the parameters and builds A.
    pub fn new(p: &QuadraticParams) -> Result<Self, ParamError> {
        positive("l_max", p.l_max)?;
        if !(p.kappa.is_finite() && p.kappa >= 1.0) {
            return Err(ParamError::new(
                "kappa",
                format!(
                    "must be >= 1 (l_max / l_min), got {}",
                    crate::numerics::short(p.kappa)
                ),
            ));
        }
        finite("angle_deg", p.angle_deg)?;
        finite("center.0", p.center.0)?;
        finite("center.1", p.center.1)?;
        let (s, c) = p.angle_deg.to_radians().sin_cos();
        let rotation = Mat2::new(c, -s, s, c);
        let d = Mat2::new(p.l_max, 0.0, 0.0, p.l_max / p.kappa);
        let a = rotation * d * rotation.transpose();
        // Exact symmetry, so eigen-solvers see a symmetric matrix.
        let a = Mat2::new(a[(0, 0)], a[(0, 1)], a[(0, 1)], a[(1, 1)]);
        Ok(Self {
            params: p.clone(),
            a,
            c: Vec2::new(p.center.0, p.center.1),
            rotation,
        })
    }

    /// The matrix A.
    #[must_use]
    pub fn matrix(&self) -> Mat2 {
        self.a
    }

    /// The minimiser c.
    #[must_use]
    pub fn minimizer(&self) -> Vec2 {
        self.c
    }

    /// Eigenvalues (l_min, l_max), exact from the parameters.
    #[must_use]
    pub fn eigenvalues(&self) -> (f64, f64) {
        (self.params.l_max / self.params.kappa, self.params.l_max)
    }

    /// Unit eigenvectors (for l_min, for l_max): the columns of R(theta).
    #[must_use]
    pub fn eigenvectors(&self) -> (Vec2, Vec2) {
        (
            self.rotation.column(1).into_owned(),
            self.rotation.column(0).into_owned(),
        )
    }

    /// The parameters this quadratic was built from.
    #[must_use]
    pub fn params(&self) -> &QuadraticParams {
        &self.params
    }
}

impl Objective for Quadratic {
    #[inline]
    fn value(&self, p: Vec2) -> f64 {
        let d = p - self.c;
        0.5 * d.dot(&(self.a * d))
    }
    #[inline]
    fn gradient(&self, p: Vec2) -> Vec2 {
        self.a * (p - self.c)
    }
    #[inline]
    fn value_and_gradient(&self, p: Vec2) -> (f64, Vec2) {
        let d = p - self.c;
        let g = self.a * d;
        (0.5 * d.dot(&g), g)
    }
    /// `value` along a row with the terms in y computed once: the same operations in the same
    /// order, so the same bits, in a loop the compiler vectorises (contour grids are mostly
    /// quadratics in a course on optimisation).
    fn values_on_row(&self, xs: &[f64], y: f64, out: &mut [f64]) {
        let dy = y - self.c.y;
        let (a, cx) = (&self.a, self.c.x);
        let (a01_dy, a11_dy) = (a[(0, 1)] * dy, a[(1, 1)] * dy);
        for (value, &x) in out.iter_mut().zip(xs) {
            let dx = x - cx;
            let g0 = a[(0, 0)] * dx + a01_dy;
            let g1 = a[(1, 0)] * dx + a11_dy;
            *value = 0.5 * (dx * g0 + dy * g1);
        }
    }
}

impl Hessian for Quadratic {
    fn hessian(&self, _p: Vec2) -> Mat2 {
        self.a
    }
}

impl Landmarks for Quadratic {
    fn default_view(&self) -> ViewRect {
        ViewRect::around(self.c, 2.5)
    }
    fn critical_points(&self) -> Vec<CriticalPoint> {
        vec![CriticalPoint::exact(self, self.c)]
    }
    fn default_start(&self) -> Vec2 {
        self.c + Vec2::new(-2.0, 1.5)
    }
    fn formula(&self) -> String {
        let (lmin, lmax) = self.eigenvalues();
        format!(
            "f = 1/2 (p-c)' A (p-c),  A = R({}°) diag({lmax}, {lmin:.4}) R({}°)',  c = ({}, {}),  kappa = {}",
            self.params.angle_deg, self.params.angle_deg, self.c.x, self.c.y, self.params.kappa
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::objectives::testing::{assert_derivatives, assert_minima};
    use crate::numerics::objectives::{PointKind, symmetric_eigenvalues};
    use proptest::prelude::*;

    proptest! {
        /// A row evaluated at once has the very bits of the points evaluated one by one.
        #[test]
        fn a_row_has_the_bits_of_its_points(
            kappa in 1.0_f64..1e4,
            angle in -180.0_f64..180.0,
            xs in proptest::collection::vec(-1e3_f64..1e3, 0..20),
            y in -1e3_f64..1e3,
        ) {
            let f = q(kappa, angle);
            let mut row = vec![0.0; xs.len()];
            f.values_on_row(&xs, y, &mut row);
            for (&x, v) in xs.iter().zip(&row) {
                prop_assert_eq!(v.to_bits(), f.value(Vec2::new(x, y)).to_bits());
            }
        }
    }

    fn q(kappa: f64, angle: f64) -> Quadratic {
        Quadratic::new(&QuadraticParams {
            l_max: 2.0,
            kappa,
            angle_deg: angle,
            center: (0.5, -1.0),
        })
        .unwrap()
    }

    #[test]
    fn eigenvalues_match_parameters() {
        let f = q(50.0, 30.0);
        let (l1, l2) = symmetric_eigenvalues(&f.matrix());
        assert!((l1 - 2.0 / 50.0).abs() < 1e-14);
        assert!((l2 - 2.0).abs() < 1e-14);
        let (vmin, vmax) = f.eigenvectors();
        assert!((f.matrix() * vmin - vmin * (2.0 / 50.0)).norm() < 1e-14);
        assert!((f.matrix() * vmax - vmax * 2.0).norm() < 1e-14);
    }

    #[test]
    fn minimum_is_center() {
        let f = q(10.0, 0.0);
        let cps = f.critical_points();
        assert_eq!(cps.len(), 1);
        assert_eq!(cps[0].kind, PointKind::Minimum);
        assert_eq!(cps[0].p, Vec2::new(0.5, -1.0));
        assert_minima(&f);
    }

    #[test]
    fn rejects_bad_parameters() {
        let bad = QuadraticParams {
            kappa: 0.5,
            ..QuadraticParams::default()
        };
        assert_eq!(Quadratic::new(&bad).unwrap_err().field, "kappa");
        let bad = QuadraticParams {
            l_max: -1.0,
            ..QuadraticParams::default()
        };
        assert_eq!(Quadratic::new(&bad).unwrap_err().field, "l_max");
    }

    proptest! {
        #[test]
        fn derivatives(x in -2.5..2.5f64, y in -2.5..2.5f64, kappa in 1.0..1000.0f64, angle in -180.0..180.0f64) {
            assert_derivatives(&q(kappa, angle), Vec2::new(x, y));
        }
    }
}
