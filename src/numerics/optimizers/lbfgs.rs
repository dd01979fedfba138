//! L-BFGS, as torch.optim.LBFGS.
//!
//! Keeps the last `history_size` pairs s = x_{k+1} - x_k, y = g_{k+1} - g_k (only when y's >
//! 1e-10) and applies the inverse-Hessian approximation by the two-loop recursion, with initial
//! scaling H0 = (y's / y'y) I from the newest pair:  d = -H g,  x <- x + t d.
//! The very first step is t = min(1, 1 / |g|_1) * lr; afterwards t = lr, or a strong-Wolfe line
//! search starting from it. One optimizer step runs up to `max_iter` iterations (torch's
//! semantics: set max_iter = 1 to watch every iteration), stopping early when max |g| <=
//! tolerance_grad, when g'd > -tolerance_change, when the step or the loss change falls below
//! tolerance_change, or after max_eval evaluations. As in torch, the line search may use only
//! the evaluations left of max_eval: with max_iter = 1 (so max_eval = 1) it has none and the
//! step does not move; set max_eval (e.g. 25) to watch single line-searched iterations.
//! Defaults (torch): lr = 1, max_iter = 20, max_eval = max_iter * 5 / 4, tolerance_grad = 1e-7,
//! tolerance_change = 1e-9, history_size = 100, line_search_fn = None.
//! Limits (optiviz's, so that one step stays within a frame and a few megabytes whatever the
//! preset says): history_size <= 1000, max_iter <= 1000, max_eval <= 1250 evaluations per
//! step; a step also ends as soon as the loss is not finite (torch would go on iterating on
//! NaN until max_iter, since every stop test is false for NaN).
//! References: Liu & Nocedal, Math. Programming 45, 1989;
//! <https://pytorch.org/docs/stable/generated/torch.optim.LBFGS.html>.

use super::knobs::{self, Knobs};
use super::line_search::{Ray, Work, strong_wolfe};
use super::{
    LineSearch, Method, Needs, Optimizer, Oracle, StepError, StepInfo, Tunable, count_in, dot,
    ensure_len, fma, max_abs, non_negative, positive,
};
use crate::numerics::ParamError;
use nalgebra::DVector;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// Largest `history_size`: the pairs kept are 2 m vectors of the parameters' length.
pub const MAX_HISTORY: usize = 1000;
/// Largest `max_iter`: iterations of one optimizer step.
pub const MAX_ITER: usize = 1000;
/// Largest `max_eval` (and so evaluations of one step): max_iter's largest default.
pub const MAX_EVAL: usize = MAX_ITER * 5 / 4;

pub(crate) const RULE: &str =
    "s_k = x_{k+1} - x_k,  y_k = g_{k+1} - g_k     (last m pairs, m = history_size)
d = -H g  by the two-loop recursion,  H0 = (s'y / y'y) I
x <- x + t d        (t = lr, or a strong-Wolfe line search)";

/// torch.optim.LBFGS's parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LbfgsParams {
    /// Step length (or the line search's first trial).
    pub lr: f64,
    /// Iterations per optimizer step.
    pub max_iter: usize,
    /// Evaluations per optimizer step (default max_iter * 5 / 4).
    pub max_eval: Option<usize>,
    /// Stop when max |g| falls to this.
    pub tolerance_grad: f64,
    /// Stop when steps or loss changes fall below this.
    pub tolerance_change: f64,
    /// Number of (s, y) pairs kept (m).
    pub history_size: usize,
    /// Fixed step or strong-Wolfe line search.
    pub line_search_fn: LineSearch,
}

impl Default for LbfgsParams {
    fn default() -> Self {
        Self {
            lr: 1.0,
            max_iter: 20,
            max_eval: None,
            tolerance_grad: 1e-7,
            tolerance_change: 1e-9,
            history_size: 100,
            line_search_fn: LineSearch::None,
        }
    }
}

impl LbfgsParams {
    /// Checks ranges.
    pub fn validate(&self) -> Result<(), ParamError> {
        positive("lr", self.lr)?;
        count_in("max_iter", self.max_iter, 1, MAX_ITER)?;
        if let Some(e) = self.max_eval {
            count_in("max_eval", e, 1, MAX_EVAL)?;
        }
        non_negative("tolerance_grad", self.tolerance_grad)?;
        non_negative("tolerance_change", self.tolerance_change)?;
        count_in("history_size", self.history_size, 1, MAX_HISTORY)
    }
}

/// L-BFGS state, persistent across steps as torch keeps it.
#[derive(Clone, Debug)]
pub struct Lbfgs {
    p: LbfgsParams,
    n_iter: u64,
    func_evals: u64,
    d: DVector<f64>,
    t: f64,
    old_dirs: VecDeque<DVector<f64>>,
    old_stps: VecDeque<DVector<f64>>,
    ro: VecDeque<f64>,
    al: Vec<f64>,
    h_diag: f64,
    flat_grad: DVector<f64>,
    prev_flat_grad: DVector<f64>,
    prev_loss: f64,
    y: DVector<f64>,
    s: DVector<f64>,
    trial: DVector<f64>,
    work: Work,
}

impl Lbfgs {
    /// A fresh optimizer.
    #[must_use]
    pub fn new(p: &LbfgsParams) -> Self {
        Self {
            p: p.clone(),
            n_iter: 0,
            func_evals: 0,
            d: DVector::zeros(0),
            t: 0.0,
            old_dirs: VecDeque::new(),
            old_stps: VecDeque::new(),
            ro: VecDeque::new(),
            al: Vec::new(),
            h_diag: 1.0,
            flat_grad: DVector::zeros(0),
            prev_flat_grad: DVector::zeros(0),
            prev_loss: 0.0,
            y: DVector::zeros(0),
            s: DVector::zeros(0),
            trial: DVector::zeros(0),
            work: Work::default(),
        }
    }

    /// Stores the pair (y, s = t d) if its curvature y's is positive, recycling the oldest slot.
    fn remember_pair(&mut self) {
        for i in 0..self.s.len() {
            self.s[i] = self.d[i] * self.t;
        }
        let ys = dot(&self.y, &self.s);
        if ys <= 1e-10 {
            return;
        }
        let recycled = if self.old_dirs.len() == self.p.history_size {
            self.ro.pop_front();
            self.old_dirs.pop_front().zip(self.old_stps.pop_front())
        } else {
            None
        };
        let (mut y_slot, mut s_slot) = recycled.unwrap_or_else(|| (self.y.clone(), self.s.clone()));
        y_slot.copy_from(&self.y);
        s_slot.copy_from(&self.s);
        self.old_dirs.push_back(y_slot);
        self.old_stps.push_back(s_slot);
        self.ro.push_back(1.0 / ys);
        self.h_diag = ys / dot(&self.y, &self.y);
    }

    /// d = -H g by the two-loop recursion.
    fn direction(&mut self) {
        let num_old = self.old_dirs.len();
        if self.al.len() < num_old {
            self.al.resize(self.p.history_size.max(num_old), 0.0);
        }
        let q = &mut self.d;
        for i in 0..q.len() {
            q[i] = -self.flat_grad[i];
        }
        for i in (0..num_old).rev() {
            self.al[i] = dot(&self.old_stps[i], q) * self.ro[i];
            let a = self.al[i];
            for (qj, yj) in q.iter_mut().zip(self.old_dirs[i].iter()) {
                *qj = fma(-a, *yj, *qj);
            }
        }
        for v in q.iter_mut() {
            *v *= self.h_diag;
        }
        for i in 0..num_old {
            let be_i = dot(&self.old_dirs[i], q) * self.ro[i];
            let c = self.al[i] - be_i;
            for (rj, sj) in q.iter_mut().zip(self.old_stps[i].iter()) {
                *rj = fma(c, *sj, *rj);
            }
        }
    }
}

impl Tunable for Lbfgs {
    fn lr(&self) -> f64 {
        self.p.lr
    }
    fn set_lr(&mut self, lr: f64) {
        self.p.lr = lr;
    }
}

impl Optimizer for Lbfgs {
    #[allow(
        clippy::too_many_lines,
        reason = "follows torch's LBFGS.step block by block"
    )]
    fn step(
        &mut self,
        x: &mut DVector<f64>,
        oracle: &mut dyn Oracle,
    ) -> Result<StepInfo, StepError> {
        let n = x.len();
        for v in [
            &mut self.d,
            &mut self.flat_grad,
            &mut self.prev_flat_grad,
            &mut self.y,
            &mut self.s,
            &mut self.trial,
        ] {
            ensure_len(v, n, 0.0);
        }
        // Saturating: an unvalidated max_iter must not overflow here.
        let max_eval = self
            .p
            .max_eval
            .unwrap_or(self.p.max_iter.saturating_mul(5) / 4);
        let orig_loss = oracle.eval(x, &mut self.flat_grad);
        let mut loss = orig_loss;
        let mut current_evals = 1;
        self.func_evals += 1;
        let mut opt_cond = max_abs(&self.flat_grad) <= self.p.tolerance_grad;
        if opt_cond {
            return Ok(StepInfo {
                loss: orig_loss,
                evaluations: current_evals,
            });
        }

        let mut n_iter = 0;
        while n_iter < self.p.max_iter {
            n_iter += 1;
            self.n_iter += 1;
            if self.n_iter == 1 {
                for i in 0..n {
                    self.d[i] = -self.flat_grad[i];
                }
                self.old_dirs.clear();
                self.old_stps.clear();
                self.ro.clear();
                self.h_diag = 1.0;
            } else {
                for i in 0..n {
                    self.y[i] = self.flat_grad[i] - self.prev_flat_grad[i];
                }
                self.remember_pair();
                self.direction();
            }
            self.prev_flat_grad.copy_from(&self.flat_grad);
            self.prev_loss = loss;

            self.t = if self.n_iter == 1 {
                let l1: f64 = self.flat_grad.iter().map(|g| g.abs()).sum();
                let scale = 1.0 / l1;
                (if scale < 1.0 { scale } else { 1.0 }) * self.p.lr
            } else {
                self.p.lr
            };
            let gtd = dot(&self.flat_grad, &self.d);
            if gtd > -self.p.tolerance_change {
                break;
            }

            let mut ls_func_evals = 0;
            match self.p.line_search_fn {
                LineSearch::StrongWolfe => {
                    let found = {
                        let mut ray = Ray {
                            oracle: &mut *oracle,
                            x,
                            d: &self.d,
                            trial: &mut self.trial,
                        };
                        strong_wolfe(
                            &mut ray,
                            &mut self.work,
                            self.t,
                            loss,
                            &mut self.flat_grad,
                            gtd,
                            self.p.tolerance_change,
                            max_eval.saturating_sub(current_evals),
                        )
                    };
                    loss = found.loss;
                    self.t = found.t;
                    ls_func_evals = found.evaluations;
                    for i in 0..n {
                        x[i] = fma(self.t, self.d[i], x[i]);
                    }
                    opt_cond = max_abs(&self.flat_grad) <= self.p.tolerance_grad;
                }
                LineSearch::None => {
                    for i in 0..n {
                        x[i] = fma(self.t, self.d[i], x[i]);
                    }
                    if n_iter != self.p.max_iter {
                        loss = oracle.eval(x, &mut self.flat_grad);
                        opt_cond = max_abs(&self.flat_grad) <= self.p.tolerance_grad;
                        ls_func_evals = 1;
                    }
                }
            }
            current_evals += ls_func_evals;
            self.func_evals += ls_func_evals as u64;

            if n_iter == self.p.max_iter || current_evals >= max_eval || opt_cond {
                break;
            }
            // Not in torch: on NaN every test below is false and torch iterates to max_iter.
            if !loss.is_finite() {
                break;
            }
            if max_abs_scaled(&self.d, self.t) <= self.p.tolerance_change {
                break;
            }
            if (loss - self.prev_loss).abs() < self.p.tolerance_change {
                break;
            }
        }
        Ok(StepInfo {
            loss: orig_loss,
            evaluations: current_evals,
        })
    }
}

/// max_i |t d_i|, NaN-propagating like torch's max.
fn max_abs_scaled(d: &DVector<f64>, t: f64) -> f64 {
    d.iter().fold(0.0_f64, |m, v| {
        let a = (v * t).abs();
        if a > m || a.is_nan() { a } else { m }
    })
}

impl Method for LbfgsParams {
    fn lr(&self) -> f64 {
        self.lr
    }

    fn set_lr(&mut self, lr: f64) {
        self.lr = lr;
    }

    fn rule(&self) -> &'static str {
        RULE
    }

    fn validate(&self) -> Result<(), ParamError> {
        Self::validate(self)
    }

    fn build(&self) -> Box<dyn Optimizer> {
        Box::new(Lbfgs::new(self))
    }

    fn needs(&self) -> Needs {
        Needs::GradientElsewhere
    }

    fn knobs(&mut self, k: &mut dyn Knobs) {
        let d = Self::default();
        k.count(
            "max_iter",
            &mut self.max_iter,
            1..=100,
            d.max_iter,
            "L-BFGS iterations per step (torch's semantics); 1 shows every iteration.",
        );
        k.optional_count(
            "max_eval",
            &mut self.max_eval,
            "max_iter * 5/4",
            1..=1000,
            25,
            "Function evaluations per step; the line search gets what is left.",
        );
        knobs::tolerances(
            k,
            &mut self.tolerance_grad,
            &mut self.tolerance_change,
            (d.tolerance_grad, d.tolerance_change),
        );
        k.count(
            "history_size",
            &mut self.history_size,
            1..=200,
            d.history_size,
            "Number of (s, y) pairs kept (m).",
        );
        let mut search = usize::from(self.line_search_fn == LineSearch::StrongWolfe);
        k.choice(
            "line_search_fn",
            &mut search,
            &["None", "StrongWolfe"],
            "Strong-Wolfe line search, or a fixed step of length lr.",
        );
        self.line_search_fn = if search == 1 {
            LineSearch::StrongWolfe
        } else {
            LineSearch::None
        };
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{QuadraticOracle, RosenbrockOracle, assert_close, v};
    use super::*;
    use nalgebra::DMatrix;

    fn one_iteration() -> LbfgsParams {
        LbfgsParams {
            max_iter: 1,
            ..LbfgsParams::default()
        }
    }

    #[test]
    fn first_two_steps_match_the_bfgs_matrix_formula() {
        // f = 1/2 (x^2 + 10 y^2) from (1, 1), lr = 1, no line search.
        let mut o = Lbfgs::new(&one_iteration());
        let mut q = QuadraticOracle::diagonal(&[1.0, 10.0]);
        let mut x = v(&[1.0, 1.0]);
        o.step(&mut x, &mut q).unwrap();
        // t = min(1, 1/|g|_1) = 1/11, d = -g: x1 = (10/11, 1/11)
        assert_close(&x, &[10.0 / 11.0, 1.0 / 11.0], 1e-15);
        let x1 = x.clone();
        o.step(&mut x, &mut q).unwrap();
        // BFGS update of H0 = (s'y / y'y) I with the one pair, in matrix form.
        let g0 = v(&[1.0, 10.0]);
        let g1 = v(&[x1[0], 10.0 * x1[1]]);
        let s = &x1 - v(&[1.0, 1.0]);
        let y = &g1 - &g0;
        let rho = 1.0 / s.dot(&y);
        let h0 = DMatrix::identity(2, 2) * (s.dot(&y) / y.dot(&y));
        let left = DMatrix::identity(2, 2) - &s * y.transpose() * rho;
        let right = DMatrix::identity(2, 2) - &y * s.transpose() * rho;
        let h1 = &left * h0 * &right + &s * s.transpose() * rho;
        let x2 = &x1 - h1 * g1;
        assert_close(&x, x2.as_slice(), 1e-14);
    }

    #[test]
    fn quadratic_in_two_iterations_with_line_search_and_rosenbrock_converges() {
        let mut o = Lbfgs::new(&LbfgsParams {
            line_search_fn: LineSearch::StrongWolfe,
            ..LbfgsParams::default()
        });
        let mut x = v(&[-1.2, 1.0]);
        for _ in 0..10 {
            o.step(&mut x, &mut RosenbrockOracle).unwrap();
        }
        // torch stops a step once |f_k - f_{k-1}| < tolerance_change = 1e-9, i.e. near f ~ 1e-10
        assert_close(&x, &[1.0, 1.0], 1e-4);
    }

    #[test]
    fn tolerance_grad_stops_without_moving() {
        let mut o = Lbfgs::new(&LbfgsParams::default());
        let mut q = QuadraticOracle::diagonal(&[1.0, 1.0]);
        let mut x = v(&[1e-9, -1e-9]);
        let info = o.step(&mut x, &mut q).unwrap();
        assert_eq!(info.evaluations, 1);
        assert_eq!(x, v(&[1e-9, -1e-9]));
    }
}
