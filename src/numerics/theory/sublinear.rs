//! Sublinear rates: convex functions that are L-smooth but not strongly convex (course
//! 003:85-122, 002:149-153), where no linear rate exists and the course states bounds in k.
//!
//! With L the largest curvature, x* a minimiser and r^2 = |x_0 - x*|^2:
//! - gradient descent with lr = 1/L: f(x_k) - f* <= L r^2 / (2k);
//! - Nesterov's accelerated gradient (the k/(k+3) momentum, lr = 1/L):
//!   f(x_k) - f* <= 2 L r^2 / (k+1)^2;
//! - no method that steps in the span of the gradients seen can beat
//!   3 L r^2 / (32 (k+1)^2) on every L-smooth function, for k <= (d - 1)/2 (Nesterov's lower
//!   bound: it needs a worst-case function in many dimensions; in 2-D a method may well do
//!   better, conjugate gradient solves a quadratic in two steps).
//!
//! L must hold wherever the run goes. For a quadratic it is l_max. For any other objective it
//! is measured: the largest Hessian eigenvalue over the sublevel set {f <= f(x_0)}, sampled on
//! a grid over the view ([`smooth_convex`]); gradient descent with lr <= 1/L never leaves that
//! set. The bounds are offered only where the sampled set is convex (no negative curvature) and
//! lies inside the view, so the sampled L is its maximum over the whole set.

use crate::numerics::objectives::{
    AnyObjective, CriticalPoint, Hessian, Landmarks, Objective, PointKind, ViewRect,
    symmetric_eigenvalues,
};
use crate::numerics::{Mat2, Vec2};

/// Grid nodes per side of the sublevel-set sampling.
const GRID: usize = 161;

/// What the course's sublinear bounds need: L, x* and f*, and the distance from the start.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SmoothConvex {
    /// The smoothness constant L (largest curvature where the run can go).
    pub l: f64,
    /// The minimiser the bounds refer to.
    pub x_star: Vec2,
    /// f(x*).
    pub f_star: f64,
    /// |x_0 - x*|^2.
    pub distance2: f64,
}

impl SmoothConvex {
    /// GD's bound with lr = 1/L: L r^2 / (2k) (for k >= 1).
    #[must_use]
    pub fn gd_bound(&self, k: f64) -> f64 {
        self.l * self.distance2 / (2.0 * k)
    }

    /// Nesterov's bound with lr = 1/L: 2 L r^2 / (k + 1)^2.
    #[must_use]
    pub fn nesterov_bound(&self, k: f64) -> f64 {
        2.0 * self.l * self.distance2 / ((k + 1.0) * (k + 1.0))
    }

    /// The first-order lower bound 3 L r^2 / (32 (k + 1)^2) (for the worst function in
    /// d >= 2k + 1 dimensions).
    #[must_use]
    pub fn lower_bound(&self, k: f64) -> f64 {
        3.0 * self.l * self.distance2 / (32.0 * (k + 1.0) * (k + 1.0))
    }
}

/// The lowest of the objective's known minima: its minimum critical points, and degenerate
/// critical points that are minima (f no lower on two rings around them, at 1 % and 10 % of
/// the view's size: x^6 + y^6's origin is one, a monkey saddle's centre is not).
#[must_use]
pub fn lowest_minimum(f: &AnyObjective, view: &ViewRect) -> Option<CriticalPoint> {
    let size = view.size();
    let radius = 0.01 * size.x.min(size.y);
    let no_lower_around = |p: Vec2, value: f64| {
        (0..16).all(|i| {
            let angle = f64::from(i) * std::f64::consts::TAU / 16.0;
            let d = Vec2::new(angle.cos(), angle.sin());
            [radius, 10.0 * radius]
                .iter()
                .all(|r| f.value(p + *r * d) >= value)
        })
    };
    f.critical_points()
        .into_iter()
        .filter(|c| match c.kind {
            PointKind::Minimum => true,
            PointKind::Degenerate => no_lower_around(c.p, c.value),
            _ => false,
        })
        .min_by(|a, b| a.value.total_cmp(&b.value))
}

/// The data of the course's bounds for a run from `start` towards the objective's
/// [`lowest_minimum`], or `None` where they do not apply: for a quadratic, L = l_max; otherwise
/// L is the largest
/// Hessian eigenvalue on the sublevel set {f <= f(start)}, sampled on a grid over `view`, and
/// `None` when the sampled set has negative curvature (not convex), reaches the edge of the
/// view (it may go on beyond) or holds no curvature at all.
#[must_use]
pub fn smooth_convex(f: &AnyObjective, start: Vec2, view: &ViewRect) -> Option<SmoothConvex> {
    let x_star = lowest_minimum(f, view)?.p;
    let f_star = f.value(x_star);
    let distance2 = (start - x_star).norm_squared();
    if !(f_star.is_finite() && distance2.is_finite()) {
        return None;
    }
    let l = match f.as_quadratic() {
        Some(q) => q.eigenvalues().1,
        None => sampled_smoothness(f, f.value(start), view)?,
    };
    (l.is_finite() && l > 0.0).then_some(SmoothConvex {
        l,
        x_star,
        f_star,
        distance2,
    })
}

/// The largest curvature over the sampled sublevel set {f <= level} in `view`, if that set is
/// convex where sampled and inside the view.
#[allow(clippy::cast_precision_loss, reason = "grid indices are small")]
fn sampled_smoothness(f: &AnyObjective, level: f64, view: &ViewRect) -> Option<f64> {
    if !level.is_finite() {
        return None;
    }
    let at = |i: usize, j: usize| {
        let t = |k: usize| k as f64 / (GRID - 1) as f64;
        Vec2::new(
            view.x.0 + t(i) * (view.x.1 - view.x.0),
            view.y.0 + t(j) * (view.y.1 - view.y.0),
        )
    };
    let (mut largest, mut smallest) = (0.0_f64, f64::INFINITY);
    for i in 0..GRID {
        for j in 0..GRID {
            let p = at(i, j);
            if f.value(p) > level {
                continue;
            }
            let edge = i == 0 || j == 0 || i == GRID - 1 || j == GRID - 1;
            if edge {
                return None;
            }
            let h: Mat2 = f.hessian(p);
            let (lo, hi) = symmetric_eigenvalues(&h);
            if !(lo.is_finite() && hi.is_finite()) {
                return None;
            }
            largest = largest.max(hi);
            smallest = smallest.min(lo);
        }
    }
    // Rounding in a flat region may give -1e-17; real negative curvature is far larger.
    (smallest >= -1e-9 * largest.max(f64::MIN_POSITIVE)).then_some(largest)
}

/// The slope of log(f - f*) against log k by least squares over steps `from..=to` (k >= 1):
/// -1 for a 1/k decay, -2 for 1/k^2; `None` with fewer than two usable points (a gap at or
/// below zero is skipped).
#[must_use]
#[allow(
    clippy::cast_precision_loss,
    reason = "step indices are far below 2^52"
)]
pub fn log_log_slope(steps: &[usize], losses: &[f64], f_star: f64) -> Option<f64> {
    let points: Vec<(f64, f64)> = steps
        .iter()
        .zip(losses)
        .filter(|(k, v)| **k >= 1 && **v - f_star > 0.0 && v.is_finite())
        .map(|(k, v)| ((*k as f64).ln(), (v - f_star).ln()))
        .collect();
    if points.len() < 2 {
        return None;
    }
    let n = points.len() as f64;
    let (mx, my) = points
        .iter()
        .fold((0.0, 0.0), |(a, b), (x, y)| (a + x / n, b + y / n));
    let (sxy, sxx) = points.iter().fold((0.0, 0.0), |(a, b), (x, y)| {
        (a + (x - mx) * (y - my), b + (x - mx) * (x - mx))
    });
    (sxx > 0.0).then(|| sxy / sxx)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::objectives::ObjectiveSpec;

    fn build(text: &str) -> AnyObjective {
        let spec: ObjectiveSpec = ron::Options::default()
            .with_default_extension(ron::extensions::Extensions::UNWRAP_VARIANT_NEWTYPES)
            .from_str(text)
            .unwrap();
        spec.build().unwrap()
    }

    #[test]
    fn a_quadratic_s_smoothness_is_its_largest_eigenvalue() {
        let f = build("Quadratic(l_max: 3.0, kappa: 10.0)");
        let view = ViewRect::around(Vec2::zeros(), 2.0);
        let s = smooth_convex(&f, Vec2::new(1.0, 1.0), &view).unwrap();
        assert!((s.l - 3.0).abs() < 1e-12);
        assert!((s.distance2 - 2.0).abs() < 1e-15);
        assert!((s.gd_bound(3.0) - 1.0).abs() < 1e-12);
        assert!((s.nesterov_bound(1.0) - 3.0).abs() < 1e-12);
        assert!((s.lower_bound(3.0) - 3.0 * 6.0 / (32.0 * 16.0)).abs() < 1e-12);
    }

    #[test]
    fn the_sampled_smoothness_is_the_largest_curvature_on_the_sublevel_set() {
        // x^6 + y^6 from (1, 0.6): the set {f <= f0} reaches |x| = f0^(1/6), where the
        // curvature 30 x^4 is largest.
        let f = build("Expression(text: \"x^6 + y^6\")");
        let view = ViewRect::around(Vec2::zeros(), 1.2);
        let start = Vec2::new(1.0, 0.6);
        let s = smooth_convex(&f, start, &view).unwrap();
        let exact = 30.0 * f.value(start).powf(4.0 / 6.0);
        assert!(s.l <= exact && s.l > 0.97 * exact, "{} vs {exact}", s.l);
        assert!(s.x_star.norm() < 1e-3 && s.f_star < 1e-15, "{s:?}");
    }

    #[test]
    fn no_bounds_without_convexity_or_beyond_the_view() {
        let saddle = build("Expression(text: \"x^2 - y^2 + y^4\")");
        let view = ViewRect::around(Vec2::zeros(), 2.0);
        assert_eq!(smooth_convex(&saddle, Vec2::new(0.5, 0.9), &view), None);
        let f = build("Expression(text: \"x^6 + y^6\")");
        let small = ViewRect::around(Vec2::zeros(), 0.5);
        assert_eq!(smooth_convex(&f, Vec2::new(1.0, 0.6), &small), None);
    }

    #[test]
    fn log_log_slopes_of_power_laws() {
        let steps: Vec<usize> = (1..=1000).collect();
        let inv: Vec<f64> = steps.iter().map(|&k| 5.0 / k as f64 + 2.0).collect();
        let inv2: Vec<f64> = steps.iter().map(|&k| 5.0 / (k * k) as f64).collect();
        assert!((log_log_slope(&steps, &inv, 2.0).unwrap() + 1.0).abs() < 1e-12);
        assert!((log_log_slope(&steps, &inv2, 0.0).unwrap() + 2.0).abs() < 1e-12);
        assert_eq!(log_log_slope(&[0, 1], &[1.0, 0.0], 0.0), None);
    }
}
