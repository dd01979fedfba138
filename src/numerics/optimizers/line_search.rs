//! The strong-Wolfe line search used by BFGS and L-BFGS.
//!
//! Bracketing then zooming with safeguarded cubic interpolation, as in Nocedal & Wright
//! (algorithms 3.5 and 3.6) and minFunc; the same rules, constants and tie-breaks as torch.optim
//! LBFGS's `strong_wolfe` (c1 = 1e-4, c2 = 0.9, at most 25 evaluations), so L-BFGS paths agree
//! with torch's. Accepts t when f(x + t d) <= f + c1 t g'd and |g(x + t d)' d| <= -c2 g'd.

use super::{Oracle, dot, fma, max_abs};
use nalgebra::DVector;
use serde::{Deserialize, Serialize};

/// Whether a quasi-Newton method searches along its direction or takes a fixed step.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum LineSearch {
    /// Fixed step t = lr (torch's `line_search_fn=None`).
    #[default]
    None,
    /// Strong-Wolfe line search (torch's `line_search_fn="strong_wolfe"`).
    StrongWolfe,
}

const C1: f64 = 1e-4;
const C2: f64 = 0.9;
/// torch's default evaluation budget of one search.
pub(crate) const MAX_LS: usize = 25;

/// Python's `max(a, b)`: keeps `a` unless `b > a` (so a NaN in `a` propagates).
fn py_max(a: f64, b: f64) -> f64 {
    if b > a { b } else { a }
}

/// Python's `min(a, b)`: keeps `a` unless `b < a`.
fn py_min(a: f64, b: f64) -> f64 {
    if b < a { b } else { a }
}

/// Minimiser of the cubic through (x1, f1, g1) and (x2, f2, g2), clamped to the bounds
/// (default: the interval between the points); the midpoint when the cubic has no minimum.
fn cubic_interpolate(
    (x1, f1, g1): (f64, f64, f64),
    (x2, f2, g2): (f64, f64, f64),
    bounds: Option<(f64, f64)>,
) -> f64 {
    let (lo, hi) = bounds.unwrap_or(if x1 <= x2 { (x1, x2) } else { (x2, x1) });
    let d1 = g1 + g2 - 3.0 * (f1 - f2) / (x1 - x2);
    let d2_square = d1 * d1 - g1 * g2;
    if d2_square >= 0.0 {
        let d2 = d2_square.sqrt();
        let min_pos = if x1 <= x2 {
            x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2.0 * d2))
        } else {
            x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2.0 * d2))
        };
        py_min(py_max(min_pos, lo), hi)
    } else {
        f64::midpoint(lo, hi)
    }
}

/// Evaluates the oracle along the ray x + t d.
pub(crate) struct Ray<'a> {
    pub oracle: &'a mut dyn Oracle,
    pub x: &'a DVector<f64>,
    pub d: &'a DVector<f64>,
    pub trial: &'a mut DVector<f64>,
}

impl Ray<'_> {
    fn eval(&mut self, t: f64, g: &mut DVector<f64>) -> f64 {
        for i in 0..self.x.len() {
            self.trial[i] = fma(t, self.d[i], self.x[i]);
        }
        self.oracle.eval(self.trial, g)
    }
}

/// Buffers for the search, kept between steps so that searching allocates nothing.
#[derive(Clone, Debug, Default)]
pub(crate) struct Work {
    g_new: DVector<f64>,
    g_prev: DVector<f64>,
    bracket_g: [DVector<f64>; 2],
}

impl Work {
    fn ensure(&mut self, n: usize) {
        let [b0, b1] = &mut self.bracket_g;
        for v in [&mut self.g_new, &mut self.g_prev, b0, b1] {
            if v.len() != n {
                *v = DVector::zeros(n);
            }
        }
    }
}

/// Result of a line search: the accepted step, its loss, and the evaluations used. The
/// gradient at the accepted point is written into the `g` passed in.
pub(crate) struct Found {
    pub t: f64,
    pub loss: f64,
    pub evaluations: usize,
}

/// Searches along `ray` from t; `f`, `g`, `gtd` are loss, gradient and g'd at t = 0.
/// At most `max_ls` evaluations after the first (torch passes L-BFGS's remaining evaluation
/// budget; with none left the search returns t = 0). On return `g` holds the gradient at the
/// accepted point.
#[allow(
    clippy::too_many_arguments,
    clippy::too_many_lines,
    reason = "one piece, line by line comparable with the published algorithm and torch's port"
)]
pub(crate) fn strong_wolfe(
    ray: &mut Ray<'_>,
    work: &mut Work,
    mut t: f64,
    f: f64,
    g: &mut DVector<f64>,
    gtd: f64,
    tolerance_change: f64,
    max_ls: usize,
) -> Found {
    let n = g.len();
    work.ensure(n);
    let d_norm = max_abs(ray.d);
    let mut f_new = ray.eval(t, &mut work.g_new);
    let mut evaluations = 1;
    let mut gtd_new = dot(&work.g_new, ray.d);

    let (mut t_prev, mut f_prev, mut gtd_prev) = (0.0, f, gtd);
    work.g_prev.copy_from(g);
    let mut done = false;
    let mut ls_iter = 0;
    let mut bracket = [0.0; 2];
    let mut bracket_f = [0.0; 2];
    let mut bracket_gtd = [0.0; 2];
    let mut bracket_len = 0;

    // Bracketing phase.
    while ls_iter < max_ls {
        let sufficient_decrease = !(f_new > f + C1 * t * gtd || (ls_iter > 1 && f_new >= f_prev));
        let curvature = gtd_new.abs() <= -C2 * gtd;
        if sufficient_decrease && curvature {
            bracket[0] = t;
            bracket_f[0] = f_new;
            work.bracket_g[0].copy_from(&work.g_new);
            bracket_len = 1;
            done = true;
            break;
        }
        if !sufficient_decrease || gtd_new >= 0.0 {
            // The minimiser lies between the previous and the current trial.
            bracket = [t_prev, t];
            bracket_f = [f_prev, f_new];
            work.bracket_g[0].copy_from(&work.g_prev);
            work.bracket_g[1].copy_from(&work.g_new);
            bracket_gtd = [gtd_prev, gtd_new];
            bracket_len = 2;
            break;
        }
        let min_step = t + 0.01 * (t - t_prev);
        let max_step = t * 10.0;
        let tmp = t;
        t = cubic_interpolate(
            (t_prev, f_prev, gtd_prev),
            (t, f_new, gtd_new),
            Some((min_step, max_step)),
        );
        t_prev = tmp;
        f_prev = f_new;
        work.g_prev.copy_from(&work.g_new);
        gtd_prev = gtd_new;
        f_new = ray.eval(t, &mut work.g_new);
        evaluations += 1;
        gtd_new = dot(&work.g_new, ray.d);
        ls_iter += 1;
    }
    if ls_iter == max_ls {
        bracket = [0.0, t];
        bracket_f = [f, f_new];
        work.bracket_g[0].copy_from(g);
        work.bracket_g[1].copy_from(&work.g_new);
        bracket_len = 2;
    }

    // Zoom phase: shrink the bracket until a point satisfies the conditions.
    let last = bracket_len.max(1) - 1;
    let (mut low, mut high) = if bracket_f[0] <= bracket_f[last] {
        (0, 1)
    } else {
        (1, 0)
    };
    let mut insufficient_progress = false;
    while !done && ls_iter < max_ls {
        if (bracket[1] - bracket[0]).abs() * d_norm < tolerance_change {
            break;
        }
        t = cubic_interpolate(
            (bracket[0], bracket_f[0], bracket_gtd[0]),
            (bracket[1], bracket_f[1], bracket_gtd[1]),
            None,
        );
        let (b_max, b_min) = (
            py_max(bracket[0], bracket[1]),
            py_min(bracket[0], bracket[1]),
        );
        let eps = 0.1 * (b_max - b_min);
        if py_min(b_max - t, t - b_min) < eps {
            if insufficient_progress || t >= b_max || t <= b_min {
                t = if (t - b_max).abs() < (t - b_min).abs() {
                    b_max - eps
                } else {
                    b_min + eps
                };
                insufficient_progress = false;
            } else {
                insufficient_progress = true;
            }
        } else {
            insufficient_progress = false;
        }
        f_new = ray.eval(t, &mut work.g_new);
        evaluations += 1;
        gtd_new = dot(&work.g_new, ray.d);
        ls_iter += 1;

        if f_new > f + C1 * t * gtd || f_new >= bracket_f[low] {
            bracket[high] = t;
            bracket_f[high] = f_new;
            work.bracket_g[high].copy_from(&work.g_new);
            bracket_gtd[high] = gtd_new;
            (low, high) = if bracket_f[0] <= bracket_f[1] {
                (0, 1)
            } else {
                (1, 0)
            };
        } else {
            if gtd_new.abs() <= -C2 * gtd {
                done = true;
            } else if gtd_new * (bracket[high] - bracket[low]) >= 0.0 {
                bracket[high] = bracket[low];
                bracket_f[high] = bracket_f[low];
                let (a, b) = work.bracket_g.split_at_mut(1);
                if high == 0 {
                    a[0].copy_from(&b[0]);
                } else {
                    b[0].copy_from(&a[0]);
                }
                bracket_gtd[high] = bracket_gtd[low];
            }
            bracket[low] = t;
            bracket_f[low] = f_new;
            work.bracket_g[low].copy_from(&work.g_new);
            bracket_gtd[low] = gtd_new;
        }
    }
    g.copy_from(&work.bracket_g[low]);
    Found {
        t: bracket[low],
        loss: bracket_f[low],
        evaluations,
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{QuadraticOracle, RosenbrockOracle, v};
    use super::*;

    #[test]
    fn cubic_interpolation_is_exact_for_a_cubic() {
        // f(t) = t^3 - 3t has its local minimum at t = 1.
        let f = |t: f64| t * t * t - 3.0 * t;
        let g = |t: f64| 3.0 * t * t - 3.0;
        let t = cubic_interpolate((0.0, f(0.0), g(0.0)), (2.0, f(2.0), g(2.0)), None);
        assert!((t - 1.0).abs() < 1e-15);
    }

    #[test]
    fn accepted_steps_satisfy_the_strong_wolfe_conditions() {
        for (x0, oracle) in [
            (v(&[-1.2, 1.0]), &mut RosenbrockOracle as &mut dyn Oracle),
            (
                v(&[3.0, -4.0]),
                &mut QuadraticOracle::diagonal(&[1.0, 50.0]),
            ),
        ] {
            let mut g = v(&[0.0, 0.0]);
            let f = oracle.eval(&x0, &mut g);
            let d = -&g;
            let gtd = dot(&g, &d);
            let mut trial = x0.clone();
            let mut work = Work::default();
            let found = {
                let mut ray = Ray {
                    oracle: &mut *oracle,
                    x: &x0,
                    d: &d,
                    trial: &mut trial,
                };
                strong_wolfe(&mut ray, &mut work, 1.0, f, &mut g, gtd, 1e-9, MAX_LS)
            };
            let x1 = &x0 + &d * found.t;
            let mut g1 = v(&[0.0, 0.0]);
            let f1 = oracle.eval(&x1, &mut g1);
            assert_eq!(f1, found.loss);
            assert_eq!(g1, g);
            assert!(f1 <= f + C1 * found.t * gtd);
            assert!(dot(&g1, &d).abs() <= -C2 * gtd);
        }
    }
}
