//! Two-dimensional objectives f(x, y) with value, gradient and Hessian in closed form.
//!
//! Capabilities are traits (as in argmin's `core/problem.rs`): [`Objective`] gives value and
//! gradient, [`Hessian`] adds curvature, [`Landmarks`] the default view and the known critical
//! points. Code that needs curvature (Newton, the theory panel) says so with a `Hessian` bound.
//! [`ObjectiveSpec`] is the serialisable choice of objective and parameters; [`AnyObjective`] is
//! the built, validated objective that the simulation evaluates.

mod beale;
mod cliff;
mod expression;
mod factorization;
mod goldstein_price;
mod himmelblau;
mod monkey_saddle;
mod plateau;
mod quadratic;
mod rastrigin;
mod rosenbrock;
mod saddle;
mod styblinski_tang;

pub use beale::Beale;
pub use cliff::{Cliff, CliffParams};
pub use expression::{Expression, ExpressionError, ExpressionParams};
pub use factorization::{Factorization, FactorizationParams};
pub use goldstein_price::GoldsteinPrice;
pub use himmelblau::Himmelblau;
pub use monkey_saddle::{MonkeySaddle, MonkeySaddleParams};
pub use plateau::{Plateau, PlateauParams};
pub use quadratic::{Quadratic, QuadraticParams};
pub use rastrigin::{Rastrigin, RastriginParams};
pub use rosenbrock::{Rosenbrock, RosenbrockParams};
pub use saddle::{Saddle, SaddleParams};
pub use styblinski_tang::StyblinskiTang;

use super::{Mat2, ParamError, Vec2};
use serde::{Deserialize, Serialize};

/// Value and gradient of a function of two variables.
pub trait Objective {
    /// f(p).
    fn value(&self, p: Vec2) -> f64;
    /// The gradient of f at p.
    fn gradient(&self, p: Vec2) -> Vec2;
    /// Both at once; objectives override this when they share work between the two.
    fn value_and_gradient(&self, p: Vec2) -> (f64, Vec2) {
        (self.value(p), self.gradient(p))
    }
    /// f at (x, y) for each x of `xs`, written to `out` (one row of a contour grid). An
    /// objective that dispatches on its kind overrides this to dispatch once per row, so that
    /// the loop over the row is the kind's own and can be vectorised.
    fn values_on_row(&self, xs: &[f64], y: f64, out: &mut [f64]) {
        for (value, &x) in out.iter_mut().zip(xs) {
            *value = self.value(Vec2::new(x, y));
        }
    }
}

/// Second derivatives, for Newton's method and the eigenvalue theory.
pub trait Hessian: Objective {
    /// The Hessian matrix of f at p (symmetric).
    fn hessian(&self, p: Vec2) -> Mat2;
}

/// What a plot of the objective needs to know besides its values.
pub trait Landmarks {
    /// A rectangle that shows the interesting part of the function.
    fn default_view(&self) -> ViewRect;
    /// Known critical points (minima, saddles, maxima), exact to rounding.
    fn critical_points(&self) -> Vec<CriticalPoint>;
    /// A start point from which a run shows something worth seeing.
    fn default_start(&self) -> Vec2;
    /// The formula as it would be written on a slide.
    fn formula(&self) -> String;
}

/// An axis-aligned rectangle `x.0 <= x <= x.1`, `y.0 <= y <= y.1` in objective coordinates.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ViewRect {
    /// Horizontal range (min, max).
    pub x: (f64, f64),
    /// Vertical range (min, max).
    pub y: (f64, f64),
}

impl ViewRect {
    /// A square of half-width `r` around `c`.
    #[must_use]
    pub fn around(c: Vec2, r: f64) -> Self {
        Self {
            x: (c.x - r, c.x + r),
            y: (c.y - r, c.y + r),
        }
    }

    /// The centre of the rectangle.
    #[must_use]
    pub fn center(&self) -> Vec2 {
        Vec2::new(0.5 * (self.x.0 + self.x.1), 0.5 * (self.y.0 + self.y.1))
    }

    /// Width and height.
    #[must_use]
    pub fn size(&self) -> Vec2 {
        Vec2::new(self.x.1 - self.x.0, self.y.1 - self.y.0)
    }

    /// True when p lies inside (edges included).
    #[must_use]
    pub fn contains(&self, p: Vec2) -> bool {
        (self.x.0..=self.x.1).contains(&p.x) && (self.y.0..=self.y.1).contains(&p.y)
    }

    /// The point of the rectangle nearest to p: each coordinate clamped to its range (the
    /// Euclidean projection onto a box, and also its projection in any diagonally weighted
    /// norm, since the coordinates separate). NaN stays NaN; needs a validated rectangle.
    #[must_use]
    pub fn project(&self, p: Vec2) -> Vec2 {
        let clamp = |v: f64, (lo, hi): (f64, f64)| {
            if v < lo {
                lo
            } else if v > hi {
                hi
            } else {
                v
            }
        };
        Vec2::new(clamp(p.x, self.x), clamp(p.y, self.y))
    }

    /// "x in [-1, 1], y in [-2, 2]", for messages.
    #[must_use]
    pub fn describe(&self) -> String {
        use crate::numerics::short;
        format!(
            "x in [{}, {}], y in [{}, {}]",
            short(self.x.0),
            short(self.x.1),
            short(self.y.0),
            short(self.y.1)
        )
    }

    /// Checks that both ranges are finite and non-empty.
    pub fn validate(&self) -> Result<(), ParamError> {
        for (name, (lo, hi)) in [("x", self.x), ("y", self.y)] {
            if !(lo.is_finite() && hi.is_finite()) {
                return Err(ParamError::new(
                    name,
                    format!("must be finite, got ({lo}, {hi})"),
                ));
            }
            if lo >= hi {
                return Err(ParamError::new(
                    name,
                    format!("minimum must be below maximum, got ({lo}, {hi})"),
                ));
            }
        }
        Ok(())
    }
}

/// The kind of a critical point, read off the Hessian's eigenvalues.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PointKind {
    /// Both eigenvalues positive.
    Minimum,
    /// Eigenvalues of both signs.
    Saddle,
    /// Both eigenvalues negative.
    Maximum,
    /// A zero eigenvalue, or curvature that vanishes at the point (x^4): the second-order
    /// test does not decide, and no linear rate holds there.
    Degenerate,
}

impl PointKind {
    /// The kind of a stationary point of f, given a point `p` near it: [`Self::from_eigenvalues`]
    /// of the Hessian at p, except `Degenerate` when the curvature at the stationary point the
    /// Newton step from p leads to differs from p's by more than half. That is how a vanishing
    /// curvature shows near the point: on x^4 + y^4 the Newton step goes a third of the way
    /// and the Hessian shrinks to 4/9, whereas near a non-degenerate point it stays put. So
    /// x^4 + y^4 at 1e-9 is degenerate, not a minimum with kappa 1 and a* = 1e16.
    #[must_use]
    pub fn at<F: Hessian + ?Sized>(f: &F, p: Vec2) -> Self {
        let h = f.hessian(p);
        let (l1, l2) = symmetric_eigenvalues(&h);
        let kind = Self::from_eigenvalues(l1, l2);
        if kind == Self::Degenerate {
            return kind;
        }
        let Some(inverse) = h.try_inverse() else {
            return Self::Degenerate;
        };
        let (m1, m2) = symmetric_eigenvalues(&f.hessian(p - inverse * f.gradient(p)));
        // Written so that NaN counts as a change.
        let kept = |l: f64, m: f64| (m - l).abs() <= 0.5 * l.abs();
        if kept(l1, m1) && kept(l2, m2) {
            kind
        } else {
            Self::Degenerate
        }
    }

    /// Classifies a point from the two eigenvalues of its Hessian.
    #[must_use]
    pub fn from_eigenvalues(l1: f64, l2: f64) -> Self {
        let scale = l1.abs().max(l2.abs()).max(f64::MIN_POSITIVE);
        let tol = 1e-12 * scale;
        if l1.abs() <= tol || l2.abs() <= tol {
            Self::Degenerate
        } else if l1 > 0.0 && l2 > 0.0 {
            Self::Minimum
        } else if l1 < 0.0 && l2 < 0.0 {
            Self::Maximum
        } else {
            Self::Saddle
        }
    }
}

/// A point where the gradient vanishes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CriticalPoint {
    /// Location.
    pub p: Vec2,
    /// Minimum, saddle, maximum or degenerate.
    pub kind: PointKind,
    /// f(p).
    pub value: f64,
}

impl CriticalPoint {
    /// Builds a critical point from a location known to a few digits: Newton's method on the
    /// gradient polishes it to rounding, and [`PointKind::at`] gives its kind.
    pub fn refined<F: Hessian + ?Sized>(f: &F, approx: Vec2) -> Self {
        let mut p = approx;
        for _ in 0..50 {
            let g = f.gradient(p);
            let Some(inv) = f.hessian(p).try_inverse() else {
                break;
            };
            let step = inv * g;
            p -= step;
            if step.norm() <= 1e-15 * (1.0 + p.norm()) {
                break;
            }
        }
        Self {
            p,
            kind: PointKind::at(f, p),
            value: f.value(p),
        }
    }

    /// A critical point whose location is exact by construction.
    pub fn exact<F: Hessian + ?Sized>(f: &F, p: Vec2) -> Self {
        let (l1, l2) = symmetric_eigenvalues(&f.hessian(p));
        Self {
            p,
            kind: PointKind::from_eigenvalues(l1, l2),
            value: f.value(p),
        }
    }
}

/// Eigenvalues (ascending) of a symmetric 2x2 matrix, in closed form.
///
/// The eigenvalue of larger magnitude is mean +- radius, added without cancellation; the other
/// is det / that one (Vieta), with det = h00 h11 - h01^2 computed by Kahan's compensated
/// difference, so a small eigenvalue keeps its relative accuracy however ill-conditioned the
/// matrix (mean - radius would lose it: its error is eps * |l_max|).
#[must_use]
pub fn symmetric_eigenvalues(h: &Mat2) -> (f64, f64) {
    let a = h[(0, 0)];
    let d = h[(1, 1)];
    let b = 0.5 * (h[(0, 1)] + h[(1, 0)]);
    let mean = 0.5 * (a + d);
    let radius = (0.5 * (a - d)).hypot(b);
    let large = mean + radius.copysign(mean);
    if large == 0.0 || !large.is_finite() {
        return (mean - radius, mean + radius);
    }
    let w = b * b;
    let det = a.mul_add(d, -w) + (-b).mul_add(b, w);
    let small = det / large;
    if small <= large {
        (small, large)
    } else {
        (large, small)
    }
}

/// The objectives optiviz knows, with their parameters, as written in a preset.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ObjectiveSpec {
    /// 1/2 (p-c)' R diag(l_max, l_max/kappa) R' (p-c).
    Quadratic(QuadraticParams),
    /// (a - x)^2 + b (y - x^2)^2.
    Rosenbrock(RosenbrockParams),
    /// s (x^2 - y^2) + q y^4.
    Saddle(SaddleParams),
    /// s (x^3 - 3 x y^2).
    MonkeySaddle(MonkeySaddleParams),
    /// A gentle valley cut by a steep step.
    Cliff(CliffParams),
    /// A narrow well in a wide flat plain.
    Plateau(PlateauParams),
    /// Beale's function.
    Beale,
    /// Himmelblau's function.
    Himmelblau,
    /// Rastrigin's function.
    Rastrigin(RastriginParams),
    /// The Goldstein-Price function.
    GoldsteinPrice,
    /// The Styblinski-Tang function.
    StyblinskiTang,
    /// 1/2 (x y - c)^2: a valley of minima of every sharpness.
    Factorization(FactorizationParams),
    /// A user-typed f(x, y).
    Expression(ExpressionParams),
}

impl Default for ObjectiveSpec {
    fn default() -> Self {
        Self::Quadratic(QuadraticParams::default())
    }
}

impl ObjectiveSpec {
    /// Every kind with default parameters, in menu order.
    #[must_use]
    pub fn all_defaults() -> Vec<Self> {
        vec![
            Self::Quadratic(QuadraticParams::default()),
            Self::Rosenbrock(RosenbrockParams::default()),
            Self::Saddle(SaddleParams::default()),
            Self::MonkeySaddle(MonkeySaddleParams::default()),
            Self::Cliff(CliffParams::default()),
            Self::Plateau(PlateauParams::default()),
            Self::Beale,
            Self::Himmelblau,
            Self::Rastrigin(RastriginParams::default()),
            Self::GoldsteinPrice,
            Self::StyblinskiTang,
            Self::Factorization(FactorizationParams::default()),
            Self::Expression(ExpressionParams::default()),
        ]
    }

    /// The kind's name as written in presets.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Self::Quadratic(_) => "Quadratic",
            Self::Rosenbrock(_) => "Rosenbrock",
            Self::Saddle(_) => "Saddle",
            Self::MonkeySaddle(_) => "MonkeySaddle",
            Self::Cliff(_) => "Cliff",
            Self::Plateau(_) => "Plateau",
            Self::Beale => "Beale",
            Self::Himmelblau => "Himmelblau",
            Self::Rastrigin(_) => "Rastrigin",
            Self::GoldsteinPrice => "GoldsteinPrice",
            Self::StyblinskiTang => "StyblinskiTang",
            Self::Factorization(_) => "Factorization",
            Self::Expression(_) => "Expression",
        }
    }

    /// Validates the parameters and builds the objective.
    pub fn build(&self) -> Result<AnyObjective, ParamError> {
        Ok(match self {
            Self::Quadratic(p) => AnyObjective::Quadratic(Quadratic::new(p)?),
            Self::Rosenbrock(p) => AnyObjective::Rosenbrock(Rosenbrock::new(p)?),
            Self::Saddle(p) => AnyObjective::Saddle(Saddle::new(p)?),
            Self::MonkeySaddle(p) => AnyObjective::MonkeySaddle(MonkeySaddle::new(p)?),
            Self::Cliff(p) => AnyObjective::Cliff(Cliff::new(p)?),
            Self::Plateau(p) => AnyObjective::Plateau(Plateau::new(p)?),
            Self::Beale => AnyObjective::Beale(Beale),
            Self::Himmelblau => AnyObjective::Himmelblau(Himmelblau),
            Self::Rastrigin(p) => AnyObjective::Rastrigin(Rastrigin::new(p)?),
            Self::GoldsteinPrice => AnyObjective::GoldsteinPrice(GoldsteinPrice),
            Self::StyblinskiTang => AnyObjective::StyblinskiTang(StyblinskiTang),
            Self::Factorization(p) => AnyObjective::Factorization(Factorization::new(p)?),
            Self::Expression(p) => AnyObjective::Expression(Box::new(Expression::new(p)?)),
        })
    }
}

/// A built objective of any kind: enum dispatch keeps the per-step call cheap.
#[derive(Clone, Debug)]
#[allow(
    missing_docs,
    reason = "each variant is the objective of the same name"
)]
pub enum AnyObjective {
    Quadratic(Quadratic),
    Rosenbrock(Rosenbrock),
    Saddle(Saddle),
    MonkeySaddle(MonkeySaddle),
    Cliff(Cliff),
    Plateau(Plateau),
    Beale(Beale),
    Himmelblau(Himmelblau),
    Rastrigin(Rastrigin),
    GoldsteinPrice(GoldsteinPrice),
    StyblinskiTang(StyblinskiTang),
    Factorization(Factorization),
    Expression(Box<Expression>),
}

macro_rules! dispatch {
    ($self:ident, $f:ident => $body:expr) => {
        match $self {
            AnyObjective::Quadratic($f) => $body,
            AnyObjective::Rosenbrock($f) => $body,
            AnyObjective::Saddle($f) => $body,
            AnyObjective::MonkeySaddle($f) => $body,
            AnyObjective::Cliff($f) => $body,
            AnyObjective::Plateau($f) => $body,
            AnyObjective::Beale($f) => $body,
            AnyObjective::Himmelblau($f) => $body,
            AnyObjective::Rastrigin($f) => $body,
            AnyObjective::GoldsteinPrice($f) => $body,
            AnyObjective::StyblinskiTang($f) => $body,
            AnyObjective::Factorization($f) => $body,
            AnyObjective::Expression($f) => $body,
        }
    };
}

impl Objective for AnyObjective {
    #[inline]
    fn value(&self, p: Vec2) -> f64 {
        dispatch!(self, f => f.value(p))
    }
    #[inline]
    fn gradient(&self, p: Vec2) -> Vec2 {
        dispatch!(self, f => f.gradient(p))
    }
    #[inline]
    fn value_and_gradient(&self, p: Vec2) -> (f64, Vec2) {
        dispatch!(self, f => f.value_and_gradient(p))
    }
    fn values_on_row(&self, xs: &[f64], y: f64, out: &mut [f64]) {
        dispatch!(self, f => f.values_on_row(xs, y, out));
    }
}

impl Hessian for AnyObjective {
    #[inline]
    fn hessian(&self, p: Vec2) -> Mat2 {
        dispatch!(self, f => f.hessian(p))
    }
}

impl Landmarks for AnyObjective {
    fn default_view(&self) -> ViewRect {
        dispatch!(self, f => f.default_view())
    }
    fn critical_points(&self) -> Vec<CriticalPoint> {
        dispatch!(self, f => f.critical_points())
    }
    fn default_start(&self) -> Vec2 {
        dispatch!(self, f => f.default_start())
    }
    fn formula(&self) -> String {
        dispatch!(self, f => f.formula())
    }
}

impl AnyObjective {
    /// The quadratic's exact data (A, minimiser) when this objective is a quadratic.
    #[must_use]
    pub fn as_quadratic(&self) -> Option<&Quadratic> {
        match self {
            Self::Quadratic(q) => Some(q),
            _ => None,
        }
    }
}

pub(crate) use crate::numerics::checks::{finite, non_negative, positive};

#[cfg(test)]
pub(crate) mod testing {
    //! Shared checks: derivatives against central differences, minima are minima.
    use super::{Hessian, Landmarks, Mat2, PointKind, Vec2};

    /// Central-difference gradient, Richardson-extrapolated from steps h and h/2: the error is
    /// O(h^4), so steep objectives with large third derivatives (Beale at its corners) do not
    /// fail the check by truncation alone.
    pub fn numeric_gradient<F: Hessian + ?Sized>(f: &F, p: Vec2, h: f64) -> Vec2 {
        let central = |h: f64| {
            let ex = Vec2::new(h, 0.0);
            let ey = Vec2::new(0.0, h);
            Vec2::new(
                (f.value(p + ex) - f.value(p - ex)) / (2.0 * h),
                (f.value(p + ey) - f.value(p - ey)) / (2.0 * h),
            )
        };
        (central(h / 2.0) * 4.0 - central(h)) / 3.0
    }

    /// Central-difference Hessian from the analytic gradient, Richardson-extrapolated too.
    pub fn numeric_hessian<F: Hessian + ?Sized>(f: &F, p: Vec2, h: f64) -> Mat2 {
        let central = |h: f64| {
            let ex = Vec2::new(h, 0.0);
            let ey = Vec2::new(0.0, h);
            let cx = (f.gradient(p + ex) - f.gradient(p - ex)) / (2.0 * h);
            let cy = (f.gradient(p + ey) - f.gradient(p - ey)) / (2.0 * h);
            Mat2::from_columns(&[cx, cy])
        };
        (central(h / 2.0) * 4.0 - central(h)) / 3.0
    }

    /// Asserts gradient and Hessian agree with central differences at p, relative to the
    /// local scale of the derivatives.
    pub fn assert_derivatives<F: Hessian + ?Sized>(f: &F, p: Vec2) {
        let scale = 1.0 + p.norm();
        let h = 1e-5 * scale;
        let g = f.gradient(p);
        let gn = numeric_gradient(f, p, h);
        let tol_g = 1e-6 * (1.0 + g.norm() + f.value(p).abs() / scale);
        assert!(
            (g - gn).norm() <= tol_g,
            "gradient at {p:?}: analytic {g:?} numeric {gn:?}"
        );
        let hm = f.hessian(p);
        let hn = numeric_hessian(f, p, h);
        let tol_h = 1e-5 * (1.0 + hm.norm() + g.norm() / scale);
        assert!(
            (hm - hn).norm() <= tol_h,
            "Hessian at {p:?}: analytic {hm:?} numeric {hn:?}"
        );
        assert!(
            (hm[(0, 1)] - hm[(1, 0)]).abs() <= 1e-12 * (1.0 + hm.norm()),
            "Hessian not symmetric at {p:?}"
        );
        let (v, g2) = f.value_and_gradient(p);
        assert!((v - f.value(p)).abs() <= 1e-12 * (1.0 + v.abs()));
        assert!((g2 - g).norm() <= 1e-12 * (1.0 + g.norm()));
    }

    /// Asserts every documented minimum has a vanishing gradient, a positive definite Hessian,
    /// and no lower value on a small ring around it.
    pub fn assert_minima<F: Hessian + Landmarks + ?Sized>(f: &F) {
        for cp in f.critical_points() {
            let g = f.gradient(cp.p);
            let scale = 1.0 + f.hessian(cp.p).norm() * (1.0 + cp.p.norm());
            assert!(g.norm() <= 1e-9 * scale, "gradient {g:?} at {cp:?}");
            if cp.kind == PointKind::Minimum {
                let r = 1e-3;
                for k in 0..16 {
                    let a = f64::from(k) * std::f64::consts::TAU / 16.0;
                    let q = cp.p + Vec2::new(r * a.cos(), r * a.sin());
                    assert!(f.value(q) >= cp.value, "f{q:?} < f at minimum {cp:?}");
                }
            }
        }
        assert!(f.default_view().validate().is_ok());
    }
}
