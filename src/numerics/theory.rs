//! Convergence theory on quadratics: what the slides predict, in closed form.
//!
//! On f(x) = 1/2 (x - x*)' A (x - x*) with Hessian eigenvalues 0 < l_min <= l_max,
//! kappa = l_max / l_min, every eigen-direction of A evolves on its own:
//!
//! - Gradient descent x_{k+1} = x_k - a grad f(x_k) multiplies the error along eigenvalue l by
//!   (1 - a l) per step, so |x_k - x*| shrinks like rate(a)^k with
//!   rate(a) = max_i |1 - a l_i|.
//!   The best step is a* = 2 / (l_min + l_max), with rate (kappa - 1) / (kappa + 1); the safe
//!   step a = 1/L = 1 / l_max gives 1 - 1/kappa; beyond the edge a = 2 / l_max, GD diverges.
//! - Heavy-ball momentum x_{k+1} = x_k - a grad f(x_k) + b (x_k - x_{k-1}), which is exactly
//!   torch.optim.SGD with lr = a, momentum = b, dampening = 0, nesterov = false, runs per
//!   eigenvalue l the linear recursion
//!   [e_{k+1}; e_k] = [[1 + b - a l, -b], [1, 0]] [e_k; e_{k-1}],
//!   whose eigenvalues are the roots of z^2 - (1 + b - a l) z + b = 0. The rate is the largest
//!   root modulus over all eigenvalues. Complex roots all have modulus sqrt(b).
//!   The best parameters are a* = (2 / (sqrt(l_max) + sqrt(l_min)))^2 and
//!   b* = ((sqrt(kappa) - 1) / (sqrt(kappa) + 1))^2, with
//!   rate (sqrt(kappa) - 1) / (sqrt(kappa) + 1): it depends on sqrt(kappa) instead of kappa.
//!   At (a*, b*) the extreme eigenvalues have double roots, so the error there behaves like
//!   k rho^k rather than rho^k.
//!
//! [`Spectrum`] reads eigenvalues, eigenvectors, kappa and the kind of point off a symmetric
//! 2x2 Hessian; [`measured_rate`] fits the geometric rate of an observed error sequence, for
//! comparing a run with its prediction ([`predict`]).
//!
//! References: the course's "SGD on a quadric" and "SGD + momentum on quadric" slides;
//! G. Goh, "Why Momentum Really Works", Distill 2017; B. T. Polyak, "Some methods of speeding
//! up the convergence of iteration methods", 1964.

use super::objectives::{PointKind, Quadratic, symmetric_eigenvalues};
use super::optimizers::OptimizerSpec;
use super::run::{Clip, RunConfig};
use super::schedule::Schedule;
use super::{Mat2, Vec2};

/// |1 - a l|: how much one GD step of size a shrinks the error along an eigenvalue l.
#[must_use]
pub fn gd_factor(a: f64, l: f64) -> f64 {
    (1.0 - a * l).abs()
}

/// rate(a) = max_i |1 - a l_i|: GD's contraction per step on a quadratic (0 for no eigenvalues).
#[must_use]
pub fn gd_rate(a: f64, eigenvalues: &[f64]) -> f64 {
    max_or_nan(eigenvalues.iter().map(|&l| gd_factor(a, l)))
}

/// a* = 2 / (l_min + l_max): the constant GD step with the smallest rate.
#[must_use]
pub fn gd_optimal_step(l_min: f64, l_max: f64) -> f64 {
    2.0 / (l_min + l_max)
}

/// rate(a*) = (kappa - 1) / (kappa + 1), computed as (l_max - l_min) / (l_max + l_min).
#[must_use]
pub fn gd_optimal_rate(l_min: f64, l_max: f64) -> f64 {
    (l_max - l_min) / (l_max + l_min)
}

/// a = 1/L = 1 / l_max: the textbook safe step, with rate 1 - 1/kappa.
#[must_use]
pub fn gd_one_over_l_step(l_max: f64) -> f64 {
    1.0 / l_max
}

/// a = 2 / l_max: the divergence edge; any larger step makes GD diverge (rate > 1).
#[must_use]
pub fn gd_divergence_step(l_max: f64) -> f64 {
    2.0 / l_max
}

/// The heavy ball's iteration matrix along an eigenvalue l: [[1 + b - a l, -b], [1, 0]],
/// acting on (e_k, e_{k-1}).
#[must_use]
pub fn heavy_ball_matrix(a: f64, b: f64, l: f64) -> Mat2 {
    Mat2::new((1.0 + b) - a * l, -b, 1.0, 0.0)
}

/// The two eigenvalues of a 2x2 iteration matrix with real coefficients.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Roots {
    /// Two real roots, the larger in modulus first.
    Real(f64, f64),
    /// One real root of multiplicity two: the error behaves like (c + d k) z^k.
    Double(f64),
    /// A complex-conjugate pair modulus * exp(+-i angle_rad): the error oscillates.
    Complex {
        /// |z|, which is sqrt(b) for the heavy ball.
        modulus: f64,
        /// The argument of z, in [0, pi].
        angle_rad: f64,
    },
}

impl Roots {
    /// The spectral radius: the largest root modulus.
    #[must_use]
    pub fn spectral_radius(&self) -> f64 {
        match *self {
            Self::Real(z1, z2) => max_or_nan([z1.abs(), z2.abs()].into_iter()),
            Self::Double(z) => z.abs(),
            Self::Complex { modulus, .. } => modulus,
        }
    }
}

/// Relative size below which a factor of the discriminant counts as zero: a few roundings of
/// the inputs. A double root is infinitely sensitive (a perturbation eps of a or b moves the
/// roots by sqrt(eps)), so a discriminant that vanishes within the rounding of a and b is
/// treated as exactly zero; that is what makes the rate at a rounded (a*, b*) equal the
/// closed form to rounding instead of to 1e-8.
const DOUBLE_ROOT_TOL: f64 = 32.0 * f64::EPSILON;

/// The roots of z^2 - (1 + b - a l) z + b = 0, the heavy ball's characteristic polynomial along
/// eigenvalue l.
///
/// With t = 1 + b - a l the discriminant t^2 - 4b is computed as the product
/// ((1 - sqrt b)^2 - a l) ((1 + sqrt b)^2 - a l) = (t - 2 sqrt b)(t + 2 sqrt b), which has no
/// cancellation between t^2 and 4b; the smaller real root is b / z_1 (Vieta), not a difference.
#[must_use]
pub fn heavy_ball_roots(a: f64, b: f64, l: f64) -> Roots {
    let al = a * l;
    let t = (1.0 + b) - al;
    if b == 0.0 {
        // z (z - t) = 0: plain gradient descent.
        return Roots::Real(t, 0.0);
    }
    if b < 0.0 {
        // t^2 - 4b = t^2 + 4|b| > 0: two real roots of opposite signs.
        let d = t.mul_add(t, -4.0 * b);
        let z1 = 0.5 * (t + d.sqrt().copysign(t));
        return Roots::Real(z1, b / z1);
    }
    let s = b.sqrt();
    let (lo, hi) = (1.0 - s, 1.0 + s);
    let f1 = lo * lo - al; // t - 2 sqrt(b)
    let f2 = hi * hi - al; // t + 2 sqrt(b)
    // Each factor's rounding: its terms plus the propagated rounding of b through sqrt(b).
    let tol1 = DOUBLE_ROOT_TOL * (lo * lo + al.abs() + 2.0 * lo.abs() * s);
    let tol2 = DOUBLE_ROOT_TOL * (hi * hi + al.abs() + 2.0 * hi * s);
    if f1.abs() <= tol1 {
        Roots::Double(s)
    } else if f2.abs() <= tol2 {
        Roots::Double(-s)
    } else if f1 < 0.0 && f2 > 0.0 {
        // |t| < 2 sqrt(b): z = sqrt(b) exp(+-i angle) with cos(angle) = t / (2 sqrt(b)).
        Roots::Complex {
            modulus: s,
            angle_rad: (t / (2.0 * s)).clamp(-1.0, 1.0).acos(),
        }
    } else {
        let d = f1 * f2;
        let z1 = 0.5 * (t + d.sqrt().copysign(t));
        Roots::Real(z1, b / z1)
    }
}

/// The heavy ball's contraction along one eigenvalue: the spectral radius of
/// [[1 + b - a l, -b], [1, 0]].
#[must_use]
pub fn heavy_ball_factor(a: f64, b: f64, l: f64) -> f64 {
    heavy_ball_roots(a, b, l).spectral_radius()
}

/// rate(a, b) = max_i rho([[1 + b - a l_i, -b], [1, 0]]): heavy-ball momentum's asymptotic
/// contraction per step on a quadratic (0 for no eigenvalues). With b = 0 this is [`gd_rate`].
#[must_use]
pub fn heavy_ball_rate(a: f64, b: f64, eigenvalues: &[f64]) -> f64 {
    max_or_nan(eigenvalues.iter().map(|&l| heavy_ball_factor(a, b, l)))
}

/// (a*, b*) = ((2 / (sqrt(l_max) + sqrt(l_min)))^2, ((sqrt(kappa) - 1) / (sqrt(kappa) + 1))^2):
/// the heavy ball's optimal step and momentum.
#[must_use]
pub fn heavy_ball_optimal(l_min: f64, l_max: f64) -> (f64, f64) {
    let (r_min, r_max) = (l_min.sqrt(), l_max.sqrt());
    let a = (2.0 / (r_max + r_min)).powi(2);
    let b = heavy_ball_optimal_rate(l_min, l_max).powi(2);
    (a, b)
}

/// rate(a*, b*) = (sqrt(kappa) - 1) / (sqrt(kappa) + 1), computed as
/// (sqrt(l_max) - sqrt(l_min)) / (sqrt(l_max) + sqrt(l_min)).
#[must_use]
pub fn heavy_ball_optimal_rate(l_min: f64, l_max: f64) -> f64 {
    let (r_min, r_max) = (l_min.sqrt(), l_max.sqrt());
    (r_max - r_min) / (r_max + r_min)
}

/// The heavy ball's divergence edge along l_max: with 0 <= b < 1 it converges exactly when
/// 0 < a l < 2 (1 + b) for every eigenvalue, so the largest stable step is 2 (1 + b) / l_max.
#[must_use]
pub fn heavy_ball_divergence_step(b: f64, l_max: f64) -> f64 {
    2.0 * (1.0 + b) / l_max
}

/// The learning rate beyond which `optimizer` diverges on a quadratic whose largest eigenvalue
/// is `l_max`, for the methods with a closed form: GD and SGD without momentum (2 / l_max) and
/// heavy-ball SGD (dampening 0, no Nesterov: 2 (1 + b) / l_max); `None` for the others, or
/// with weight decay or maximize, or when l_max is not positive.
#[must_use]
pub fn divergence_edge(optimizer: &OptimizerSpec, l_max: f64) -> Option<f64> {
    if !(l_max.is_finite() && l_max > 0.0) {
        return None;
    }
    match optimizer {
        OptimizerSpec::GD(_) => Some(gd_divergence_step(l_max)),
        OptimizerSpec::SGD(p)
            if !p.maximize && p.weight_decay == 0.0 && !p.nesterov && p.dampening == 0.0 =>
        {
            Some(heavy_ball_divergence_step(p.momentum, l_max))
        }
        _ => None,
    }
}

/// The step sizes and rates the slides derive for a minimum with eigenvalues l_min <= l_max.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct QuadraticTheory {
    /// Smallest Hessian eigenvalue.
    pub l_min: f64,
    /// Largest Hessian eigenvalue.
    pub l_max: f64,
    /// kappa = l_max / l_min.
    pub kappa: f64,
    /// GD's optimal step a* = 2 / (l_min + l_max).
    pub gd_optimal_step: f64,
    /// GD's rate at a*: (kappa - 1) / (kappa + 1).
    pub gd_optimal_rate: f64,
    /// The step 1/L = 1 / l_max.
    pub gd_one_over_l_step: f64,
    /// GD's rate at 1/L: 1 - 1/kappa.
    pub gd_one_over_l_rate: f64,
    /// The divergence edge 2 / l_max.
    pub gd_divergence_step: f64,
    /// Heavy ball's optimal step a* = (2 / (sqrt(l_max) + sqrt(l_min)))^2.
    pub heavy_ball_step: f64,
    /// Heavy ball's optimal momentum b* = ((sqrt(kappa) - 1) / (sqrt(kappa) + 1))^2.
    pub heavy_ball_momentum: f64,
    /// Heavy ball's rate at (a*, b*): (sqrt(kappa) - 1) / (sqrt(kappa) + 1).
    pub heavy_ball_rate: f64,
}

impl QuadraticTheory {
    /// The theory for eigenvalues 0 < l_min <= l_max (both finite); `None` otherwise.
    #[must_use]
    pub fn new(l_min: f64, l_max: f64) -> Option<Self> {
        if !(l_min > 0.0 && l_min <= l_max && l_max.is_finite()) {
            return None;
        }
        let (heavy_ball_step, heavy_ball_momentum) = heavy_ball_optimal(l_min, l_max);
        Some(Self {
            l_min,
            l_max,
            kappa: l_max / l_min,
            gd_optimal_step: gd_optimal_step(l_min, l_max),
            gd_optimal_rate: gd_optimal_rate(l_min, l_max),
            gd_one_over_l_step: gd_one_over_l_step(l_max),
            gd_one_over_l_rate: gd_rate(gd_one_over_l_step(l_max), &[l_min, l_max]),
            gd_divergence_step: gd_divergence_step(l_max),
            heavy_ball_step,
            heavy_ball_momentum,
            heavy_ball_rate: heavy_ball_optimal_rate(l_min, l_max),
        })
    }
}

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

/// What theory predicts for a run near a minimum with the given Hessian eigenvalues.
#[derive(Clone, Debug, PartialEq)]
pub enum Prediction {
    /// A closed-form asymptotic rate: |x_k - x*| ~ C rate^k (or C k rate^k with a double root).
    Rate {
        /// The contraction per step.
        rate: f64,
        /// The formula, as on the slide.
        formula: &'static str,
        /// True when a slowest mode has a double root, so the error behaves like k rate^k.
        double_root: bool,
    },
    /// No closed form for this configuration; says why.
    NoClosedForm(String),
}

/// Slide text of GD's rate.
pub const GD_RATE_FORMULA: &str = "max_i |1 - lr l_i|";
/// Slide text of the heavy ball's rate.
pub const HEAVY_BALL_RATE_FORMULA: &str = "max_i rho([[1 + m - lr l_i, -m], [1, 0]])";

/// The predicted rate of a run with exact gradients: GD and SGD without momentum give
/// [`gd_rate`]; SGD with momentum, dampening 0 and without Nesterov gives [`heavy_ball_rate`];
/// anything else (other optimizers, weight decay, maximize, schedules, clipping) has no closed
/// form here. Gradient noise is not looked at: the prediction is for the exact iteration.
#[must_use]
pub fn predict(config: &RunConfig, eigenvalues: &[f64]) -> Prediction {
    let none = |why: &str| Prediction::NoClosedForm(why.to_owned());
    if config.schedule != Schedule::Constant {
        return none("no closed form with a learning-rate schedule");
    }
    if config.clip != Clip::None {
        return none("no closed form with gradient clipping");
    }
    let gd = |lr: f64| Prediction::Rate {
        rate: gd_rate(lr, eigenvalues),
        formula: GD_RATE_FORMULA,
        double_root: false,
    };
    match &config.optimizer {
        OptimizerSpec::GD(p) => gd(p.lr),
        OptimizerSpec::SGD(p) => {
            if p.maximize {
                none("no closed form: SGD maximizes")
            } else if p.weight_decay != 0.0 {
                none("no closed form with weight decay")
            } else if p.momentum == 0.0 {
                gd(p.lr)
            } else if p.nesterov {
                none("no closed form for Nesterov momentum")
            } else if p.dampening != 0.0 {
                none("no closed form with dampening")
            } else {
                let rate = heavy_ball_rate(p.lr, p.momentum, eigenvalues);
                let double_root = eigenvalues.iter().any(|&l| {
                    let roots = heavy_ball_roots(p.lr, p.momentum, l);
                    matches!(roots, Roots::Double(_))
                        && roots.spectral_radius() >= rate * (1.0 - 1e-12)
                });
                Prediction::Rate {
                    rate,
                    formula: HEAVY_BALL_RATE_FORMULA,
                    double_root,
                }
            }
        }
        other => Prediction::NoClosedForm(format!("no closed form for {}", other.name())),
    }
}

/// Errors below this are treated as exact zeros by the fits.
const TINY: f64 = 1e-300;

/// The geometric rate of a positive error sequence (`errors[k]` after k steps): exp of the
/// least-squares slope of log(error) against k over the last `window` entries. Entries that
/// are not finite, not positive or below 1e-300 are skipped. `None` with fewer than two
/// usable points or a non-finite fit.
#[must_use]
pub fn measured_rate(errors: &[f64], window: usize) -> Option<f64> {
    fit_log_slope(errors, window, 0.0)
}

/// The rate rho of an error sequence that behaves like C k rho^k, as it does at a double root
/// (heavy ball at its optimal (a*, b*)): the [`measured_rate`] of `errors[k] / k` (k = 0
/// skipped). Fitting the plain errors there would be biased by a factor of about (1 + 1/k).
#[must_use]
pub fn measured_rate_double_root(errors: &[f64], window: usize) -> Option<f64> {
    fit_log_slope(errors, window, 1.0)
}

/// Least-squares slope of log(errors[k]) - power log(k) against k over the last `window`
/// entries, exponentiated.
#[allow(
    clippy::cast_precision_loss,
    reason = "indices and counts stay far below 2^52"
)]
fn fit_log_slope(errors: &[f64], window: usize, power: f64) -> Option<f64> {
    let first = errors.len().saturating_sub(window);
    let points = || {
        errors
            .iter()
            .enumerate()
            .skip(first)
            .filter(move |&(k, &e)| e.is_finite() && e >= TINY && (power == 0.0 || k > 0))
            .map(move |(k, &e)| {
                let k = k as f64;
                let y = if power == 0.0 {
                    e.ln()
                } else {
                    e.ln() - power * k.ln()
                };
                (k, y)
            })
    };
    let (mut n, mut sum_k, mut sum_y) = (0.0, 0.0, 0.0);
    for (k, y) in points() {
        n += 1.0;
        sum_k += k;
        sum_y += y;
    }
    if n < 2.0 {
        return None;
    }
    let (mean_k, mean_y) = (sum_k / n, sum_y / n);
    let (mut skk, mut sky) = (0.0, 0.0);
    for (k, y) in points() {
        skk += (k - mean_k) * (k - mean_k);
        sky += (k - mean_k) * (y - mean_y);
    }
    let rate = (sky / skk).exp();
    rate.is_finite().then_some(rate)
}

/// The part of an error sequence before it first drops below `floor` (or stops being finite):
/// past that point rounding, not the method, sets the error.
#[must_use]
pub fn until_floor(errors: &[f64], floor: f64) -> &[f64] {
    let end = errors
        .iter()
        .position(|e| !(e.is_finite() && *e >= floor))
        .unwrap_or(errors.len());
    &errors[..end]
}

/// The predicted error curve e0 * rate^j for j = 0, ..., k.
#[must_use]
#[allow(
    clippy::cast_precision_loss,
    reason = "step counts stay far below 2^52"
)]
pub fn predicted_errors(e0: f64, rate: f64, k: usize) -> Vec<f64> {
    (0..=k).map(|j| e0 * rate.powf(j as f64)).collect()
}

/// The maximum of non-negative values, NaN if any is NaN, 0 for none.
fn max_or_nan(values: impl Iterator<Item = f64>) -> f64 {
    values.fold(0.0, |m, v| if v > m || v.is_nan() { v } else { m })
}

#[cfg(test)]
mod divergence_edge_tests {
    use super::*;
    use crate::numerics::optimizers::{GdParams, SgdParams};

    #[test]
    fn the_edge_is_where_the_rate_crosses_one() {
        let eigenvalues = [0.1, 4.0];
        let gd = OptimizerSpec::GD(GdParams { lr: 0.1 });
        let edge = divergence_edge(&gd, 4.0).unwrap();
        assert_eq!(edge, 0.5);
        assert!(gd_rate(edge * 0.999, &eigenvalues) < 1.0);
        assert!(gd_rate(edge * 1.001, &eigenvalues) > 1.0);
        for b in [0.0, 0.5, 0.9] {
            let hb = OptimizerSpec::SGD(SgdParams {
                momentum: b,
                ..SgdParams::default()
            });
            let edge = divergence_edge(&hb, 4.0).unwrap();
            assert!(
                heavy_ball_rate(edge * 0.999, b, &eigenvalues) < 1.0,
                "b = {b}"
            );
            assert!(
                heavy_ball_rate(edge * 1.001, b, &eigenvalues) > 1.0,
                "b = {b}"
            );
        }
        let nesterov = OptimizerSpec::SGD(SgdParams {
            momentum: 0.9,
            nesterov: true,
            ..SgdParams::default()
        });
        assert_eq!(divergence_edge(&nesterov, 4.0), None);
        assert_eq!(divergence_edge(&gd, 0.0), None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::noise::NoiseSpec;
    use crate::numerics::objectives::{ObjectiveSpec, QuadraticParams, ViewRect};
    use crate::numerics::optimizers::{AdamParams, GdParams, SgdParams};
    use crate::numerics::run::{Averaging, Simulation};
    use proptest::prelude::*;

    /// |x - y| <= tol * max(1, |y|).
    fn close(x: f64, y: f64, tol: f64) -> bool {
        x == y || (x - y).abs() <= tol * y.abs().max(1.0)
    }

    #[track_caller]
    fn assert_close(x: f64, y: f64, tol: f64) {
        assert!(close(x, y, tol), "got {x:.17e}, expected {y:.17e}");
    }

    #[test]
    fn closed_forms_match_hand_computed_values() {
        // (l_min, l_max, a*, GD rate, 1/L rate, edge, heavy-ball a*, b*, rate), from 30-digit
        // arithmetic (mpmath).
        #[allow(
            clippy::type_complexity,
            clippy::excessive_precision,
            reason = "a table of numbers, with the digits mpmath printed"
        )]
        let table: [(f64, f64, f64, f64, f64, f64, f64, f64, f64); 4] = [
            (1.0, 1.0, 1.0, 0.0, 0.0, 2.0, 1.0, 0.0, 0.0),
            (
                0.01,
                1.0,
                1.980_198_019_801_980_198,
                0.980_198_019_801_980_198,
                0.99,
                2.0,
                3.305_785_123_966_942_148_76,
                0.669_421_487_603_305_785_12,
                0.818_181_818_181_818_181_82,
            ),
            (
                1e-3,
                1.0,
                1.998_001_998_001_998_002,
                0.998_001_998_001_998_002,
                0.999,
                2.0,
                3.758_531_090_837_113_042_41,
                0.881_144_810_963_975_077_73,
                0.938_693_139_936_568_982_34,
            ),
            (
                2.0,
                50.0,
                0.038_461_538_461_538_461_54,
                0.923_076_923_076_923_076_92,
                0.96,
                0.04,
                0.055_555_555_555_555_555_56,
                0.444_444_444_444_444_444_44,
                0.666_666_666_666_666_666_67,
            ),
        ];
        let tol = 4.0 * f64::EPSILON;
        for (l_min, l_max, a, gd, one_over_l, edge, hb_a, hb_b, hb) in table {
            let t = QuadraticTheory::new(l_min, l_max).unwrap();
            assert_close(t.gd_optimal_step, a, tol);
            assert_close(t.gd_optimal_rate, gd, tol);
            assert_close(gd_rate(a, &[l_min, l_max]), gd, tol);
            assert_close(t.gd_one_over_l_step, 1.0 / l_max, tol);
            assert_close(t.gd_one_over_l_rate, one_over_l, tol);
            assert_close(t.gd_divergence_step, edge, tol);
            assert_close(t.heavy_ball_step, hb_a, tol);
            assert_close(t.heavy_ball_momentum, hb_b, tol);
            assert_close(t.heavy_ball_rate, hb, tol);
            assert_close(t.kappa, l_max / l_min, 0.0);
            // The course writes both rates with kappa.
            let k = l_max / l_min;
            assert_close(t.gd_optimal_rate, (k - 1.0) / (k + 1.0), tol);
            assert_close(t.heavy_ball_rate, (k.sqrt() - 1.0) / (k.sqrt() + 1.0), tol);
        }
        assert_eq!(QuadraticTheory::new(0.0, 1.0), None);
        assert_eq!(QuadraticTheory::new(2.0, 1.0), None);
        assert_eq!(QuadraticTheory::new(-1.0, 1.0), None);
    }

    const KAPPAS: [f64; 9] = [1.0, 1.5, 2.0, 10.0, 25.0, 100.0, 1e3, 1e4, 1e8];

    #[test]
    fn rates_at_the_optimal_parameters_are_the_closed_forms() {
        for l_max in [1.0, 50.0, 3e-3] {
            for kappa in KAPPAS {
                let l_min = l_max / kappa;
                let ls = [l_min, l_max];
                let a = gd_optimal_step(l_min, l_max);
                let gd = gd_rate(a, &ls);
                assert_close(gd, gd_optimal_rate(l_min, l_max), 1e-14);
                let (a, b) = heavy_ball_optimal(l_min, l_max);
                let rate = heavy_ball_optimal_rate(l_min, l_max);
                let hb = heavy_ball_rate(a, b, &ls);
                // A double root: a naive discriminant would be off by ~1e-8 here.
                assert!(
                    (hb - rate).abs() <= 1e-12,
                    "kappa {kappa}, l_max {l_max}: {hb:.17e} vs {rate:.17e}"
                );
                if kappa > 1.0 {
                    assert!(matches!(heavy_ball_roots(a, b, l_min), Roots::Double(z) if z > 0.0));
                    assert!(matches!(heavy_ball_roots(a, b, l_max), Roots::Double(z) if z < 0.0));
                }
                // Eigenvalues in between have complex roots of the same modulus sqrt(b*).
                let mid = (l_min * l_max).sqrt();
                assert_close(heavy_ball_factor(a, b, mid), b.sqrt(), 1e-15);
                // The heavy ball beats GD for every kappa > 1.
                assert!(hb <= gd);
            }
        }
        // The values written in presets/03-momentum-vs-gd.ron, to 16 digits.
        let ls = [0.01, 1.0];
        let hb = heavy_ball_rate(3.305_785_123_966_942, 0.669_421_487_603_305_9, &ls);
        assert!((hb - 9.0 / 11.0).abs() <= 1e-12, "{hb}");
        assert_close(gd_rate(1.980_198_019_801_980_2, &ls), 99.0 / 101.0, 1e-14);
    }

    #[test]
    fn rates_exceed_one_beyond_the_divergence_edge() {
        let ls = [0.1, 1.0];
        assert_close(gd_rate(gd_divergence_step(1.0), &ls), 1.0, 1e-15);
        assert!(gd_rate(2.05, &ls) > 1.0);
        assert_close(gd_rate(2.05, &ls), 1.05, 1e-15);
        assert!(gd_rate(1.99, &ls) < 1.0);
        // Heavy ball: the edge is a = 2 (1 + b) / l_max (t = -(1 + b), roots -1 and -b).
        for b in [0.0, 0.3, 0.9] {
            let edge = 2.0 * (1.0 + b);
            assert!(heavy_ball_rate(edge * 0.999, b, &ls) < 1.0);
            assert!(heavy_ball_rate(edge * 1.001, b, &ls) > 1.0);
            assert_close(heavy_ball_rate(edge, b, &ls), 1.0, 1e-15);
        }
        // Momentum b >= 1 never converges.
        assert!(heavy_ball_rate(0.1, 1.2, &ls) > 1.0);
    }

    #[test]
    fn roots_in_each_regime() {
        // Complex: t = 1 + 0.9 - 1 = 0.9 < 2 sqrt(0.9).
        let Roots::Complex { modulus, angle_rad } = heavy_ball_roots(1.0, 0.9, 1.0) else {
            panic!("expected complex roots");
        };
        assert_close(modulus, 0.9f64.sqrt(), 1e-15);
        assert_close(angle_rad.cos(), 0.9 / (2.0 * 0.9f64.sqrt()), 1e-15);
        // Real: t = 1.3 - 0.05 = 1.25, roots (1.25 +- sqrt(1.5625 - 1.2)) / 2.
        let Roots::Real(z1, z2) = heavy_ball_roots(0.5, 0.3, 0.1) else {
            panic!("expected real roots");
        };
        let d = 0.3625f64.sqrt();
        assert_close(z1, 0.5 * (1.25 + d), 1e-15);
        assert_close(z2, 0.5 * (1.25 - d), 1e-14);
        // Negative momentum (not torch's, but defined): real roots of opposite signs.
        let Roots::Real(z1, z2) = heavy_ball_roots(0.5, -0.25, 1.0) else {
            panic!("expected real roots");
        };
        assert_close(z1 * z2, -0.25, 1e-15);
        assert_close(z1 + z2, 0.25, 1e-15);
        // No momentum: the GD factor and 0.
        assert_eq!(heavy_ball_roots(0.5, 0.0, 1.0), Roots::Real(0.5, 0.0));
        // Non-finite input gives NaN, not a wrong number.
        assert!(heavy_ball_rate(f64::NAN, 0.5, &[1.0]).is_nan());
        assert!(gd_rate(1.0, &[1.0, f64::NAN]).is_nan());
        assert_eq!(gd_rate(1.0, &[]), 0.0);
    }

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
    fn measured_rate_fits_geometric_sequences() {
        let e = predicted_errors(3.0, 0.9, 100);
        assert_eq!(e.len(), 101);
        assert_eq!(e[0], 3.0);
        assert_close(e[100], 3.0 * 0.9f64.powi(100), 1e-15);
        assert_close(measured_rate(&e, 50).unwrap(), 0.9, 1e-13);
        assert_close(measured_rate(&e, 1000).unwrap(), 0.9, 1e-13);
        // Growth is measured too.
        assert_close(
            measured_rate(&predicted_errors(1.0, 1.05, 40), 20).unwrap(),
            1.05,
            1e-13,
        );
        // Bad entries are skipped without shifting the others.
        let mut holes = e.clone();
        holes[95] = f64::NAN;
        holes[96] = 0.0;
        holes[97] = -1.0;
        holes[98] = 1e-301;
        holes[99] = f64::INFINITY;
        assert_close(measured_rate(&holes, 50).unwrap(), 0.9, 1e-13);
        // Too few points.
        assert_eq!(measured_rate(&e, 1), None);
        assert_eq!(measured_rate(&[], 10), None);
        assert_eq!(measured_rate(&[1.0, f64::NAN, 0.0], 10), None);
        // k rho^k: the plain fit is biased by about 1/k, the double-root fit is exact.
        let jordan: Vec<f64> = (0..200).map(|k| f64::from(k) * 0.8f64.powi(k)).collect();
        assert_close(measured_rate_double_root(&jordan, 100).unwrap(), 0.8, 1e-13);
        let plain = measured_rate(&jordan, 100).unwrap();
        assert!(plain > 0.8 * 1.005, "{plain}");
    }

    #[test]
    fn until_floor_stops_at_the_first_tiny_or_bad_value() {
        let e = [1.0, 0.1, 1e-13, 0.5];
        assert_eq!(until_floor(&e, 1e-12), &e[..2]);
        assert_eq!(until_floor(&e, 0.0), &e[..]);
        assert_eq!(until_floor(&[1.0, f64::NAN, 1.0], 1e-12), &[1.0]);
    }

    fn config(optimizer: OptimizerSpec) -> RunConfig {
        RunConfig {
            optimizer,
            start: Vec2::new(-1.5, 0.5),
            schedule: Schedule::Constant,
            clip: Clip::None,
            averaging: Averaging::Off,
            noise: NoiseSpec::default(),
        }
    }

    fn sgd(lr: f64, momentum: f64) -> SgdParams {
        SgdParams {
            lr,
            momentum,
            ..SgdParams::default()
        }
    }

    #[test]
    fn predictions_for_each_kind_of_run() {
        let ls = [0.01, 1.0];
        let rate = |p: Prediction| match p {
            Prediction::Rate { rate, .. } => rate,
            Prediction::NoClosedForm(why) => panic!("{why}"),
        };
        let gd = predict(&config(OptimizerSpec::GD(GdParams { lr: 1.5 })), &ls);
        assert_eq!(rate(gd), gd_rate(1.5, &ls));
        let sgd0 = predict(&config(OptimizerSpec::SGD(sgd(1.5, 0.0))), &ls);
        assert_eq!(rate(sgd0), gd_rate(1.5, &ls));
        let (a, b) = heavy_ball_optimal(0.01, 1.0);
        let hb = predict(&config(OptimizerSpec::SGD(sgd(a, b))), &ls);
        assert!(matches!(
            hb,
            Prediction::Rate {
                double_root: true,
                formula: HEAVY_BALL_RATE_FORMULA,
                ..
            }
        ));
        let hb = predict(&config(OptimizerSpec::SGD(sgd(1.0, 0.9))), &ls);
        assert!(matches!(
            hb,
            Prediction::Rate {
                double_root: false,
                ..
            }
        ));
        assert_close(rate(hb), 0.9f64.sqrt(), 1e-15);

        let nesterov = SgdParams {
            nesterov: true,
            ..sgd(1.0, 0.9)
        };
        let damped = SgdParams {
            dampening: 0.5,
            ..sgd(1.0, 0.9)
        };
        let decay = SgdParams {
            weight_decay: 0.1,
            ..sgd(1.0, 0.0)
        };
        let mut scheduled = config(OptimizerSpec::GD(GdParams { lr: 1.0 }));
        scheduled.schedule = Schedule::Exponential { gamma: 0.99 };
        let mut clipped = config(OptimizerSpec::GD(GdParams { lr: 1.0 }));
        clipped.clip = Clip::Norm(1.0);
        for c in [
            config(OptimizerSpec::SGD(nesterov)),
            config(OptimizerSpec::SGD(damped)),
            config(OptimizerSpec::SGD(decay)),
            config(OptimizerSpec::Adam(AdamParams::default())),
            scheduled,
            clipped,
        ] {
            assert!(
                matches!(predict(&c, &ls), Prediction::NoClosedForm(_)),
                "{c:?}"
            );
        }
        let Prediction::NoClosedForm(why) =
            predict(&config(OptimizerSpec::Adam(AdamParams::default())), &ls)
        else {
            panic!()
        };
        assert_eq!(why, "no closed form for Adam");
    }

    /// The measured rate of a real run on a quadratic, with the rate theory predicts and the
    /// step range fitted.
    struct Measured {
        rate: f64,
        predicted: f64,
        fitted: (usize, usize),
    }

    fn measure(l_max: f64, kappa: f64, optimizer: OptimizerSpec, max_steps: usize) -> Measured {
        let params = QuadraticParams {
            l_max,
            kappa,
            angle_deg: 25.0,
            center: (0.5, -1.0),
        };
        let q = Quadratic::new(&params).unwrap();
        let spectrum = Spectrum::of_quadratic(&q);
        let objective = ObjectiveSpec::Quadratic(params).build().unwrap();
        let x_star = q.minimizer();
        let view = ViewRect::around(x_star, 2.5);
        let mut c = config(optimizer);
        // A generic start: both eigen-directions carry error.
        c.start = x_star + Vec2::new(-2.0, 1.5);
        let Prediction::Rate {
            rate: predicted,
            double_root,
            ..
        } = predict(&c, &spectrum.eigenvalues)
        else {
            panic!("theory applies");
        };
        let mut sim = Simulation::new(objective, &view, vec![c], max_steps + 1).unwrap();
        sim.advance_to(max_steps);
        let t = sim.runs()[0].trajectory();
        assert_eq!(t.stride(), 1);
        let errors: Vec<f64> = t.points().iter().map(|p| (p - x_star).norm()).collect();
        // Below 1e-12 of the initial error, rounding of x_k (|x*| eps ~ 1e-16) starts to show.
        let usable = until_floor(&errors, 1e-12 * errors[0]);
        // The last half of the usable part: long after the faster modes have died out, and
        // many oscillation periods long where the roots are complex.
        let window = usable.len() / 2;
        // At a double root (heavy ball at (a*, b*)) the error is (c + d k) rho^k: fitting the
        // plain error would measure rho (1 + 1/k), about 1% too slow at k ~ 100, so the fit is
        // of |x_k - x*| / k, whose rate is rho up to O(1/k^2).
        let measured = if double_root {
            measured_rate_double_root(usable, window)
        } else {
            measured_rate(usable, window)
        }
        .unwrap();
        Measured {
            rate: measured,
            predicted,
            fitted: (usable.len() - window, usable.len() - 1),
        }
    }

    #[test]
    fn measured_rates_of_real_runs_are_within_one_percent_of_theory() {
        let mut cases: Vec<(String, f64, f64, OptimizerSpec)> = Vec::new();
        for (l_max, kappa) in [(1.0, 10.0), (1.0, 100.0), (4.0, 1000.0)] {
            let l_min = l_max / kappa;
            let (a, b) = heavy_ball_optimal(l_min, l_max);
            let gd = |lr| OptimizerSpec::GD(GdParams { lr });
            for (name, opt) in [
                ("GD a*", gd(gd_optimal_step(l_min, l_max))),
                ("GD 1/L", gd(gd_one_over_l_step(l_max))),
                ("GD 1.9/l_max", gd(1.9 / l_max)),
                ("HB a*, b*", OptimizerSpec::SGD(sgd(a, b))),
                (
                    "HB 0.5/l_max, 0.3",
                    OptimizerSpec::SGD(sgd(0.5 / l_max, 0.3)),
                ),
                ("HB 1/l_max, 0.9", OptimizerSpec::SGD(sgd(1.0 / l_max, 0.9))),
            ] {
                cases.push((name.to_owned(), l_max, kappa, opt));
            }
        }
        for (name, l_max, kappa, opt) in cases {
            let m = measure(l_max, kappa, opt, 40_000);
            let err = (m.rate / m.predicted - 1.0).abs();
            println!(
                "{name:<18} kappa {kappa:<6} predicted {:.6}  measured {:.6}  \
                 rel. diff {err:.1e}  steps {}..{}",
                m.predicted, m.rate, m.fitted.0, m.fitted.1
            );
            assert!(
                m.fitted.1 - m.fitted.0 >= 20,
                "{name}, kappa {kappa}: window too short"
            );
            assert!(
                err <= 0.01,
                "{name}, kappa {kappa}: measured {} predicted {}",
                m.rate,
                m.predicted
            );
        }
    }

    proptest! {
        #[test]
        fn heavy_ball_without_momentum_is_gd(
            a in 0.0..5.0f64, l1 in 1e-3..10.0f64, l2 in 1e-3..10.0f64,
        ) {
            prop_assert_eq!(heavy_ball_rate(a, 0.0, &[l1, l2]), gd_rate(a, &[l1, l2]));
        }

        #[test]
        fn heavy_ball_factor_is_the_spectral_radius_of_its_matrix(
            a in 0.0..4.0f64, b in 0.0..1.2f64, l in 1e-3..2.0f64,
        ) {
            let m = heavy_ball_matrix(a, b, l);
            let radius = m
                .complex_eigenvalues()
                .iter()
                .map(|z| z.norm())
                .fold(0.0, f64::max);
            let ours = heavy_ball_factor(a, b, l);
            // Near a double root the eigen-solver (not ours) only has sqrt(eps) accuracy.
            let t = m[(0, 0)];
            let gap = (t * t - 4.0 * b).abs() / (t * t + 4.0 * b);
            let tol = if gap > 1e-6 { 1e-12 } else { 1e-6 };
            prop_assert!(close(ours, radius, tol), "{} vs nalgebra {}", ours, radius);
        }

        #[test]
        fn nothing_beats_the_optimal_parameters(
            l_min in 1e-3..1.0f64, ratio in 1.0..1e3f64, a in 1e-3..5.0f64, b in 0.0..1.0f64,
        ) {
            let l_max = l_min * ratio;
            let ls = [l_min, l_max];
            let a = a / l_max;
            let gd_best = gd_optimal_rate(l_min, l_max);
            prop_assert!(gd_rate(a, &ls) >= gd_best * (1.0 - 1e-12));
            let hb_best = heavy_ball_optimal_rate(l_min, l_max);
            prop_assert!(heavy_ball_rate(a, b, &ls) >= hb_best * (1.0 - 1e-9));
            let (a_opt, b_opt) = heavy_ball_optimal(l_min, l_max);
            prop_assert!((heavy_ball_rate(a_opt, b_opt, &ls) - hb_best).abs() <= 1e-12);
        }
    }
}
