//! The Hessian theory is about: [`Spectrum`] reads eigenvalues, eigenvectors, kappa and the
//! kind of point off a symmetric 2x2 Hessian, and [`point_of_analysis`] is the one rule for
//! where that Hessian is taken (exactly at a quadratic's minimum, else at a given point, the
//! selected run's), which the theory panel and `optiviz analyze` both follow.

use super::QuadraticTheory;
use crate::numerics::objectives::{
    AnyObjective, Hessian, PointKind, Quadratic, symmetric_eigenvalues,
};
use crate::numerics::{Mat2, Vec2};

/// Eigen-decomposition of a symmetric 2x2 Hessian and what it says about the point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Spectrum {
    /// Eigenvalues in ascending order.
    pub eigenvalues: [f64; 2],
    /// Unit eigenvectors: `eigenvectors[i]` belongs to `eigenvalues[i]`.
    pub eigenvectors: [Vec2; 2],
    /// Condition number |l|max / |l|min (infinite when the Hessian is singular).
    pub kappa: f64,
    /// Minimum (both > 0), maximum (both < 0), saddle (opposite signs) or degenerate (an
    /// eigenvalue zero relative to the other, see [`PointKind::from_eigenvalues`]).
    pub kind: PointKind,
}

impl Spectrum {
    /// The spectrum of a symmetric matrix h (its off-diagonal entries are averaged); `None`
    /// when an entry is not finite.
    ///
    /// Eigenvalues in closed form ([`symmetric_eigenvalues`]); the eigenvector of l_max is
    /// (cos theta, sin theta) with theta = atan2(2 h_01, h_00 - h_11) / 2, which stays accurate
    /// for nearly equal eigenvalues, and the one of l_min is perpendicular to it.
    #[must_use]
    pub fn of(h: &Mat2) -> Option<Self> {
        if !h.iter().all(|v| v.is_finite()) {
            return None;
        }
        let (l_min, l_max) = symmetric_eigenvalues(h);
        let off = 0.5 * (h[(0, 1)] + h[(1, 0)]);
        let theta = 0.5 * (2.0 * off).atan2(h[(0, 0)] - h[(1, 1)]);
        let (s, c) = theta.sin_cos();
        Some(Self::from_parts(
            [l_min, l_max],
            [Vec2::new(-s, c), Vec2::new(c, s)],
        ))
    }

    /// The exact spectrum of a quadratic, from its parameters (no eigen-solver rounding).
    #[must_use]
    pub fn of_quadratic(q: &Quadratic) -> Self {
        let (l_min, l_max) = q.eigenvalues();
        let (v_min, v_max) = q.eigenvectors();
        Self {
            kappa: q.params().kappa,
            ..Self::from_parts([l_min, l_max], [v_min, v_max])
        }
    }

    fn from_parts(eigenvalues: [f64; 2], eigenvectors: [Vec2; 2]) -> Self {
        let [l1, l2] = eigenvalues;
        let (small, large) = (l1.abs().min(l2.abs()), l1.abs().max(l2.abs()));
        Self {
            eigenvalues,
            eigenvectors,
            kappa: if small == 0.0 {
                f64::INFINITY
            } else {
                large / small
            },
            kind: PointKind::from_eigenvalues(l1, l2),
        }
    }

    /// The smaller eigenvalue.
    #[must_use]
    pub fn l_min(&self) -> f64 {
        self.eigenvalues[0]
    }

    /// The larger eigenvalue.
    #[must_use]
    pub fn l_max(&self) -> f64 {
        self.eigenvalues[1]
    }

    /// Optimal steps and rates, for a minimum only (the theory needs both eigenvalues > 0).
    #[must_use]
    pub fn theory(&self) -> Option<QuadraticTheory> {
        if self.kind == PointKind::Minimum {
            QuadraticTheory::new(self.l_min(), self.l_max())
        } else {
            None
        }
    }
}

/// Where the Hessian of a [`PointOfAnalysis`] was taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Site {
    /// A quadratic's minimum, from its parameters: exact, and the same everywhere.
    QuadraticMinimum,
    /// A given point of any other objective (the selected run's current point in the theory
    /// panel; a run's start, or the minimum it ends near, in `optiviz analyze`): local.
    Local,
}

/// A Newton step below this fraction of 1 + |p| makes p (near-)stationary: within rounding
/// of a stationary point on the scale of the plot.
pub const STATIONARY_TOLERANCE: f64 = 1e-3;

/// What the theory may call a point. Only a (near-)stationary point is a minimum, saddle,
/// maximum or degenerate; elsewhere the Hessian describes the local curvature only (what a
/// step of a given size does here), not where a run ends.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Character {
    /// The Newton step from the point, -H^-1 g, is longer than [`STATIONARY_TOLERANCE`] (1 +
    /// |p|), or infinite: the gradient does not vanish nearby.
    NotStationary,
    /// The gradient (nearly) vanishes: the kind of point ([`PointKind::at`]).
    Stationary(PointKind),
}

impl Character {
    /// Of f at p with gradient g and Hessian spectrum s: the length of the Newton step, taken
    /// in the eigenbasis (a zero eigenvalue with gradient along it makes the step infinite),
    /// against the tolerance.
    fn of<F: Hessian + ?Sized>(f: &F, p: Vec2, g: Vec2, s: &Spectrum) -> Self {
        let newton_step = s
            .eigenvalues
            .iter()
            .zip(&s.eigenvectors)
            .map(|(&l, v)| {
                let along = g.dot(v);
                if along == 0.0 { 0.0 } else { along / l }
            })
            .fold(0.0_f64, f64::hypot);
        if newton_step <= STATIONARY_TOLERANCE * (1.0 + p.norm()) {
            Self::Stationary(PointKind::at(f, p))
        } else {
            Self::NotStationary
        }
    }

    /// The kind, at a stationary point.
    #[must_use]
    pub fn kind(&self) -> Option<PointKind> {
        match self {
            Self::Stationary(kind) => Some(*kind),
            Self::NotStationary => None,
        }
    }
}

/// The Hessian the theory is about: where it was taken, the matrix and its spectrum.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PointOfAnalysis {
    /// Exact at a quadratic's minimum, or local at a given point.
    pub site: Site,
    /// The point: the quadratic's minimiser, or the given point.
    pub at: Vec2,
    /// The Hessian there.
    pub hessian: Mat2,
    /// Its eigenvalues, eigenvectors, kappa and kind. At a stationary point whose curvature
    /// vanishes (x^4) the kind is `Degenerate` whatever the eigenvalues' signs, so that no
    /// rate theory is offered there.
    pub spectrum: Spectrum,
    /// The gradient there.
    pub gradient: Vec2,
    /// Stationary (and which kind) or not.
    pub character: Character,
}

impl PointOfAnalysis {
    /// A quadratic's minimum, with the spectrum from its parameters (no eigen-solver rounding).
    #[must_use]
    pub fn quadratic_minimum(q: &Quadratic) -> Self {
        Self {
            site: Site::QuadraticMinimum,
            at: q.minimizer(),
            hessian: q.matrix(),
            spectrum: Spectrum::of_quadratic(q),
            gradient: Vec2::zeros(),
            character: Character::Stationary(PointKind::Minimum),
        }
    }

    /// The Hessian of `f` at `p` and what p is; `None` when an entry is not finite.
    #[must_use]
    pub fn local<F: Hessian + ?Sized>(f: &F, p: Vec2) -> Option<Self> {
        let hessian = f.hessian(p);
        let mut spectrum = Spectrum::of(&hessian)?;
        let gradient = f.gradient(p);
        let character = Character::of(f, p, gradient, &spectrum);
        if character == Character::Stationary(PointKind::Degenerate) {
            spectrum.kind = PointKind::Degenerate;
        }
        Some(Self {
            site: Site::Local,
            at: p,
            hessian,
            spectrum,
            gradient,
            character,
        })
    }

    /// The minimiser that errors |x_k - x*| are measured from: a quadratic's, where the
    /// Hessian is the same everywhere; `None` for a local Hessian, which predicts nothing about
    /// where a run ends.
    #[must_use]
    pub fn minimum(&self) -> Option<Vec2> {
        (self.site == Site::QuadraticMinimum).then_some(self.at)
    }
}

/// The one rule for where the theory takes the Hessian: exactly at the minimum of a quadratic
/// (`run_point` is not needed), else at `run_point`, the selected run's current point, where
/// the local picture is what the learner sees. `None` without a point for a non-quadratic, or
/// when the Hessian there is not finite.
#[must_use]
pub fn point_of_analysis(f: &AnyObjective, run_point: Option<Vec2>) -> Option<PointOfAnalysis> {
    match f.as_quadratic() {
        Some(q) => Some(PointOfAnalysis::quadratic_minimum(q)),
        None => PointOfAnalysis::local(f, run_point?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::objectives::QuadraticParams;
    use crate::numerics::theory::test_support::assert_close;

    #[test]
    fn spectrum_of_symmetric_matrices() {
        let s = Spectrum::of(&Mat2::new(2.0, 1.0, 1.0, 2.0)).unwrap();
        assert_eq!(s.eigenvalues, [1.0, 3.0]);
        assert_eq!(s.kind, PointKind::Minimum);
        assert_close(s.kappa, 3.0, 1e-15);
        let r = std::f64::consts::FRAC_1_SQRT_2;
        assert!((s.eigenvectors[0] - Vec2::new(-r, r)).norm() < 1e-15);
        assert!((s.eigenvectors[1] - Vec2::new(r, r)).norm() < 1e-15);
        let t = s.theory().unwrap();
        assert_close(t.gd_optimal_step, 0.5, 1e-15);

        let cases = [
            (Mat2::new(1.0, 0.0, 0.0, -4.0), PointKind::Saddle, 4.0),
            (
                Mat2::new(-1.0, 0.5, 0.5, -3.0),
                PointKind::Maximum,
                f64::NAN,
            ),
            (
                Mat2::new(1.0, 1.0, 1.0, 1.0),
                PointKind::Degenerate,
                f64::INFINITY,
            ),
            (Mat2::zeros(), PointKind::Degenerate, f64::INFINITY),
            (Mat2::new(5.0, 0.0, 0.0, 1e-14), PointKind::Degenerate, 5e14),
            (Mat2::new(1e-3, 0.0, 0.0, 1e3), PointKind::Minimum, 1e6),
            (
                Mat2::new(3.0, 1e-9, 1e-9, 3.0),
                PointKind::Minimum,
                (3.0 + 1e-9) / (3.0 - 1e-9),
            ),
        ];
        for (h, kind, kappa) in cases {
            let s = Spectrum::of(&h).unwrap();
            assert_eq!(s.kind, kind, "{h:?}");
            assert!(s.eigenvalues[0] <= s.eigenvalues[1]);
            if !kappa.is_nan() {
                assert_close(s.kappa, kappa, 1e-12);
            }
            for (l, v) in s.eigenvalues.iter().zip(&s.eigenvectors) {
                assert_close(v.norm(), 1.0, 1e-15);
                assert!((h * v - v * *l).norm() <= 1e-14 * (1.0 + h.norm()), "{h:?}");
            }
            assert_eq!(s.theory().is_some(), kind == PointKind::Minimum);
        }
        assert_eq!(Spectrum::of(&Mat2::new(f64::NAN, 0.0, 0.0, 1.0)), None);
        assert_eq!(Spectrum::of(&Mat2::new(1.0, f64::INFINITY, 0.0, 1.0)), None);
    }

    #[test]
    fn spectrum_of_a_quadratic_is_exact_and_agrees_with_its_matrix() {
        let q = Quadratic::new(&QuadraticParams {
            l_max: 1.0,
            kappa: 100.0,
            angle_deg: 25.0,
            center: (0.5, -1.0),
        })
        .unwrap();
        let exact = Spectrum::of_quadratic(&q);
        assert_eq!(exact.eigenvalues, [0.01, 1.0]);
        assert_eq!(exact.kappa, 100.0);
        assert_eq!(exact.kind, PointKind::Minimum);
        let numeric = Spectrum::of(&q.matrix()).unwrap();
        for i in 0..2 {
            assert_close(numeric.eigenvalues[i], exact.eigenvalues[i], 1e-14);
            // Eigenvectors agree up to sign.
            let dot = numeric.eigenvectors[i].dot(&exact.eigenvectors[i]);
            assert_close(dot.abs(), 1.0, 1e-14);
        }
        assert_close(numeric.kappa, 100.0, 1e-12);
    }

    #[test]
    fn the_point_of_analysis_is_a_quadratics_minimum_or_the_given_point() {
        use crate::numerics::objectives::{ObjectiveSpec, RosenbrockParams};
        let params = QuadraticParams {
            l_max: 2.0,
            kappa: 10.0,
            angle_deg: 30.0,
            center: (0.5, -1.0),
        };
        let q = Quadratic::new(&params).unwrap();
        let f = ObjectiveSpec::Quadratic(params).build().unwrap();
        // A quadratic: exact at its minimum wherever the run is, and without a run at all.
        for run_point in [None, Some(Vec2::new(3.0, 4.0))] {
            let p = point_of_analysis(&f, run_point).unwrap();
            assert_eq!(p.site, Site::QuadraticMinimum);
            assert_eq!(p.at, Vec2::new(0.5, -1.0));
            assert_eq!(p.minimum(), Some(p.at));
            assert_eq!(p.spectrum, Spectrum::of_quadratic(&q));
            assert_eq!(p.hessian, q.matrix());
        }
        // Anything else: the local Hessian at the run's point, and nothing without one.
        let rosenbrock = ObjectiveSpec::Rosenbrock(RosenbrockParams::default())
            .build()
            .unwrap();
        assert_eq!(point_of_analysis(&rosenbrock, None), None);
        let x = Vec2::new(-1.5, 2.0);
        let p = point_of_analysis(&rosenbrock, Some(x)).unwrap();
        assert_eq!(p.site, Site::Local);
        assert_eq!(p.at, x);
        assert_eq!(p.minimum(), None);
        assert_eq!(p.hessian, rosenbrock.hessian(x));
        assert_eq!(Some(p.spectrum), Spectrum::of(&rosenbrock.hessian(x)));
        let far = Vec2::new(f64::INFINITY, 0.0);
        assert_eq!(point_of_analysis(&rosenbrock, Some(far)), None);
    }

    #[test]
    fn only_near_stationary_points_get_a_kind() {
        use crate::numerics::objectives::{ExpressionParams, ObjectiveSpec, SaddleParams};
        let saddle = ObjectiveSpec::Saddle(SaddleParams {
            scale: 1.0,
            quartic: 0.25,
        })
        .build()
        .unwrap();
        let at = |f: &AnyObjective, x: f64, y: f64| {
            PointOfAnalysis::local(f, Vec2::new(x, y))
                .unwrap()
                .character
        };
        // Preset 13's start: the Hessian's signs are a saddle's, but the gradient is 3.2.
        assert_eq!(at(&saddle, 1.6, 0.0), Character::NotStationary);
        assert_eq!(
            at(&saddle, 1e-9, 0.0),
            Character::Stationary(PointKind::Saddle)
        );
        assert_eq!(
            at(&saddle, 0.0, 2f64.sqrt() + 1e-7),
            Character::Stationary(PointKind::Minimum)
        );
        // x^4 + y^4 next to its minimum: the Hessian is tiny and round (kappa 1), but it
        // vanishes at the point, so no linear rate, at any distance within the tolerance.
        let quartic = ObjectiveSpec::Expression(ExpressionParams {
            text: "x^4 + y^4".to_owned(),
        })
        .build()
        .unwrap();
        for r in [1e-4, 1e-9, 3e-12] {
            let p = PointOfAnalysis::local(&quartic, Vec2::new(r, r)).unwrap();
            assert_eq!(
                p.character,
                Character::Stationary(PointKind::Degenerate),
                "{r}"
            );
            assert_eq!(p.spectrum.kind, PointKind::Degenerate);
            assert!(p.spectrum.theory().is_none());
        }
        assert_eq!(at(&quartic, 0.5, 0.5), Character::NotStationary);
        // x^2 + y^4: degenerate along y only, still degenerate.
        let mixed = ObjectiveSpec::Expression(ExpressionParams {
            text: "x^2 + y^4".to_owned(),
        })
        .build()
        .unwrap();
        assert_eq!(
            at(&mixed, 1e-8, 1e-5),
            Character::Stationary(PointKind::Degenerate)
        );
        // Not finite: not stationary (a NaN step never passes the test).
        assert_eq!(
            Character::of(
                &saddle,
                Vec2::zeros(),
                Vec2::new(f64::NAN, 0.0),
                &Spectrum::of(&Mat2::identity()).unwrap()
            ),
            Character::NotStationary
        );
    }
}
