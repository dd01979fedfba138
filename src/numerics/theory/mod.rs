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
//! - Nesterov with a constant momentum b, y_k = x_k + b (x_k - x_{k-1}),
//!   x_{k+1} = y_k - a grad f(y_k) (torch's SGD(nesterov = True) in look-ahead coordinates),
//!   runs per eigenvalue e_{k+1} = (1 - a l)((1 + b) e_k - b e_{k-1}): the roots of
//!   z^2 - (1 + b)(1 - a l) z + b (1 - a l) = 0. At a = 1/L, b = (sqrt(kappa) - 1)/(sqrt(kappa) + 1)
//!   the slowest mode has the double root 1 - 1/sqrt(kappa).
//! - Damped Newton x_{k+1} = x_k - a (H + d I)^-1 grad f multiplies the error along l by
//!   1 - a l / (l + d): |1 - a| without damping, at any non-degenerate stationary point.
//!
//! The files: `rates.rs` holds these closed forms; `spectrum.rs` the [`Spectrum`] of a 2x2
//! Hessian, what kind of point it is taken at ([`Character`]: only a near-stationary point is a
//! minimum, saddle, maximum or degenerate) and [`point_of_analysis`], the one rule for where it
//! is taken; `ends.rs` the stationary point a run ends at ([`RunEnd`], a saddle as well as a
//! minimum) and the prediction there; `fit.rs` the
//! prediction for a run's configuration ([`predict`]) and the fit of a measured rate
//! ([`measured_rate`], [`RunFit`]); `curves.rs` what the theory panel plots, as plain numbers
//! (the GD rate curve, the heavy-ball rate map, the error in the eigenbasis, effective step
//! sizes); `sublinear.rs` the course's bounds in k for convex functions that are not strongly
//! convex ([`SmoothConvex`]: GD's L r^2/(2k), Nesterov's 2 L r^2/(k+1)^2, the lower bound) and the
//! log-log slope of a run's loss. `sharpness.rs` the sharpness along a run (l_max of the Hessian, or of
//! P^-1 H for Adam and RMSprop) and the edge of stability of its method ([`sharpness::Edge`]). Everything here is data and pure functions: the theory panel only draws it and
//! `optiviz analyze` only prints it, and tests/theory_agreement.rs checks that the two show the
//! same numbers.
//!
//! References: the course's "SGD on a quadric" and "SGD + momentum on quadric" slides;
//! G. Goh, "Why Momentum Really Works", Distill 2017; B. T. Polyak, "Some methods of speeding
//! up the convergence of iteration methods", 1964.

mod curves;
mod ends;
mod fit;
mod rates;
pub mod sharpness;
mod spectrum;
mod sublinear;
mod taylor;

pub use curves::{
    EffectiveSteps, EigenErrors, GdRateCurve, GdRateSample, HeavyBallMap, IsoRate,
    heavy_ball_params,
};
pub use ends::{EndPrediction, RunEnd, predict_at_end};
pub use fit::{
    FIT_FLOOR, GD_RATE_FORMULA, HEAVY_BALL_RATE_FORMULA, NESTEROV_RATE_FORMULA,
    NEWTON_RATE_FORMULA, PANEL_CURVE_POINTS, Prediction, RateFit, RunFit, fit_rate, measured_rate,
    measured_rate_double_root, predict, predicted_errors, until_floor,
};
pub use rates::{
    QuadraticTheory, Roots, divergence_edge, gd_divergence_step, gd_factor, gd_one_over_l_step,
    gd_optimal_rate, gd_optimal_step, gd_rate, heavy_ball_divergence_step, heavy_ball_factor,
    heavy_ball_matrix, heavy_ball_optimal, heavy_ball_optimal_rate, heavy_ball_rate,
    heavy_ball_roots, nesterov_rate, nesterov_roots, newton_rate,
};
pub use spectrum::{
    Character, PointOfAnalysis, STATIONARY_TOLERANCE, Site, Spectrum, point_of_analysis,
};
pub use sublinear::{SmoothConvex, log_log_slope, lowest_minimum, smooth_convex};
pub use taylor::{Circle, TaylorModels, curvature_along_gradient};

#[cfg(test)]
mod test_support {
    /// |x - y| <= tol * max(1, |y|).
    pub fn close(x: f64, y: f64, tol: f64) -> bool {
        x == y || (x - y).abs() <= tol * y.abs().max(1.0)
    }

    #[track_caller]
    pub fn assert_close(x: f64, y: f64, tol: f64) {
        assert!(close(x, y, tol), "got {x:.17e}, expected {y:.17e}");
    }
}
