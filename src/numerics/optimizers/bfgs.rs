//! BFGS with a dense inverse-Hessian approximation H.
//!
//! d = -H g;  x <- x + t d  (t from a strong-Wolfe line search, or t = lr);
//! s = t d, y = g_new - g; if y's > 1e-10:
//! H <- (I - rho s y') H (I - rho y s') + rho s s',  rho = 1 / y's,
//! with H0 = I rescaled to (y's / y'y) I before the first update (Nocedal & Wright eq. 6.20).
//! The first step is t = min(1, 1 / |g|_1) * lr, as torch's L-BFGS does. Gradients are taken
//! at the start of each step (so noise is drawn afresh per step). Costs O(d^2) per step.
//! Defaults: lr = 1, tolerance_grad = 1e-7, tolerance_change = 1e-9, line search strong Wolfe.
//! Reference: Nocedal & Wright, "Numerical Optimization", 2nd ed., algorithm 6.1.

use super::knobs::{self, Knobs};
use super::line_search::{MAX_LS, Ray, Work, strong_wolfe};
use super::{
    LineSearch, Method, Needs, Optimizer, Oracle, StepError, StepInfo, Tunable, dot, ensure_len,
    max_abs, non_negative, positive,
};
use crate::numerics::ParamError;
use nalgebra::{DMatrix, DVector};
use serde::{Deserialize, Serialize};

pub(crate) const RULE: &str = "d = -H g,   x <- x + t d       (t by strong-Wolfe line search)
s = t d,  y = g_new - g,  rho = 1 / y's
H <- (I - rho s y') H (I - rho y s') + rho s s'";

/// Parameters of BFGS.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BfgsParams {
    /// Step length (or the line search's first trial).
    pub lr: f64,
    /// No step when max |g| is at most this.
    pub tolerance_grad: f64,
    /// No step when the directional derivative is above -tolerance_change.
    pub tolerance_change: f64,
    /// Fixed step or strong-Wolfe line search.
    pub line_search_fn: LineSearch,
}

impl Default for BfgsParams {
    fn default() -> Self {
        Self {
            lr: 1.0,
            tolerance_grad: 1e-7,
            tolerance_change: 1e-9,
            line_search_fn: LineSearch::StrongWolfe,
        }
    }
}

impl BfgsParams {
    /// Checks ranges.
    pub fn validate(&self) -> Result<(), ParamError> {
        positive("lr", self.lr)?;
        non_negative("tolerance_grad", self.tolerance_grad)?;
        non_negative("tolerance_change", self.tolerance_change)
    }
}

/// BFGS state.
#[derive(Clone, Debug)]
pub struct Bfgs {
    p: BfgsParams,
    h: DMatrix<f64>,
    scaled: bool,
    has_prev: bool,
    t: f64,
    d: DVector<f64>,
    g: DVector<f64>,
    g_prev: DVector<f64>,
    s: DVector<f64>,
    y: DVector<f64>,
    hy: DVector<f64>,
    trial: DVector<f64>,
    work: Work,
}

impl Bfgs {
    /// A fresh optimizer.
    #[must_use]
    pub fn new(p: &BfgsParams) -> Self {
        Self {
            p: p.clone(),
            h: DMatrix::zeros(0, 0),
            scaled: false,
            has_prev: false,
            t: 0.0,
            d: DVector::zeros(0),
            g: DVector::zeros(0),
            g_prev: DVector::zeros(0),
            s: DVector::zeros(0),
            y: DVector::zeros(0),
            hy: DVector::zeros(0),
            trial: DVector::zeros(0),
            work: Work::default(),
        }
    }

    /// The current inverse-Hessian approximation.
    #[must_use]
    pub fn inverse_hessian(&self) -> &DMatrix<f64> {
        &self.h
    }

    fn update_inverse(&mut self) {
        let n = self.g.len();
        for i in 0..n {
            self.y[i] = self.g[i] - self.g_prev[i];
            self.s[i] = self.d[i] * self.t;
        }
        let ys = dot(&self.y, &self.s);
        if ys <= 1e-10 {
            return;
        }
        if !self.scaled {
            let scale = ys / dot(&self.y, &self.y);
            self.h.fill_with_identity();
            self.h *= scale;
            self.scaled = true;
        }
        self.h.mul_to(&self.y, &mut self.hy);
        let rho = 1.0 / ys;
        let yhy = dot(&self.y, &self.hy);
        let c = rho * rho * yhy + rho;
        for i in 0..n {
            for j in 0..n {
                self.h[(i, j)] += c * self.s[i] * self.s[j]
                    - rho * (self.s[i] * self.hy[j] + self.hy[i] * self.s[j]);
            }
        }
    }
}

impl Tunable for Bfgs {
    fn lr(&self) -> f64 {
        self.p.lr
    }
    fn set_lr(&mut self, lr: f64) {
        self.p.lr = lr;
    }
}

impl Optimizer for Bfgs {
    fn step(
        &mut self,
        x: &mut DVector<f64>,
        oracle: &mut dyn Oracle,
    ) -> Result<StepInfo, StepError> {
        let n = x.len();
        for v in [
            &mut self.d,
            &mut self.g,
            &mut self.g_prev,
            &mut self.s,
            &mut self.y,
            &mut self.hy,
            &mut self.trial,
        ] {
            ensure_len(v, n, 0.0);
        }
        if self.h.nrows() != n {
            self.h = DMatrix::identity(n, n);
        }
        let loss = oracle.eval(x, &mut self.g);
        let mut evaluations = 1;
        if max_abs(&self.g) <= self.p.tolerance_grad {
            return Ok(StepInfo { loss, evaluations });
        }
        if self.has_prev {
            self.update_inverse();
        }
        self.h.mul_to(&self.g, &mut self.d);
        self.d.neg_mut();
        let mut gtd = dot(&self.g, &self.d);
        if gtd >= 0.0 {
            // Rounding destroyed positive definiteness: restart from steepest descent.
            self.h.fill_with_identity();
            self.scaled = false;
            for i in 0..n {
                self.d[i] = -self.g[i];
            }
            gtd = dot(&self.g, &self.d);
        }
        if gtd > -self.p.tolerance_change {
            return Ok(StepInfo { loss, evaluations });
        }
        self.t = if self.has_prev {
            self.p.lr
        } else {
            let l1: f64 = self.g.iter().map(|g| g.abs()).sum();
            (1.0 / l1).min(1.0) * self.p.lr
        };
        self.g_prev.copy_from(&self.g);
        if self.p.line_search_fn == LineSearch::StrongWolfe {
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
                    &mut self.g,
                    gtd,
                    self.p.tolerance_change,
                    MAX_LS,
                )
            };
            self.t = found.t;
            evaluations += found.evaluations;
        }
        for i in 0..n {
            x[i] += self.t * self.d[i];
        }
        self.has_prev = true;
        Ok(StepInfo { loss, evaluations })
    }
}

impl Method for BfgsParams {
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
        Box::new(Bfgs::new(self))
    }

    fn needs(&self) -> Needs {
        Needs::GradientElsewhere
    }

    fn knobs(&mut self, k: &mut dyn Knobs) {
        let d = Self::default();
        knobs::tolerances(
            k,
            &mut self.tolerance_grad,
            &mut self.tolerance_change,
            (d.tolerance_grad, d.tolerance_change),
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
    use super::super::{Lbfgs, LbfgsParams, Oracle as _};
    use super::*;

    #[test]
    fn first_two_steps_equal_lbfgs_with_one_pair() {
        let fixed = BfgsParams {
            line_search_fn: LineSearch::None,
            ..BfgsParams::default()
        };
        let mut b = Bfgs::new(&fixed);
        let mut l = Lbfgs::new(&LbfgsParams {
            max_iter: 1,
            ..LbfgsParams::default()
        });
        let mut q = QuadraticOracle::diagonal(&[1.0, 10.0]);
        let (mut xb, mut xl) = (v(&[1.0, 1.0]), v(&[1.0, 1.0]));
        b.step(&mut xb, &mut q).unwrap();
        l.step(&mut xl, &mut q).unwrap();
        assert_close(&xb, &[10.0 / 11.0, 1.0 / 11.0], 1e-15);
        b.step(&mut xb, &mut q).unwrap();
        l.step(&mut xl, &mut q).unwrap();
        assert_close(&xb, xl.as_slice(), 1e-14);
    }

    #[test]
    fn secant_equation_holds_after_each_update() {
        let mut b = Bfgs::new(&BfgsParams::default());
        let mut x = v(&[-1.2, 1.0]);
        for _ in 0..5 {
            b.step(&mut x, &mut RosenbrockOracle).unwrap();
            if b.scaled {
                let hy = &b.h * &b.y;
                assert_close(&hy, b.s.as_slice(), 1e-9);
            }
        }
    }

    #[test]
    fn rosenbrock_converges_and_quadratic_in_few_steps() {
        let mut b = Bfgs::new(&BfgsParams::default());
        let mut x = v(&[-1.2, 1.0]);
        for _ in 0..60 {
            b.step(&mut x, &mut RosenbrockOracle).unwrap();
        }
        assert_close(&x, &[1.0, 1.0], 1e-6);
        let mut b = Bfgs::new(&BfgsParams::default());
        let mut q = QuadraticOracle::diagonal(&[1.0, 100.0]);
        let mut x = v(&[1.0, 1.0]);
        for _ in 0..12 {
            b.step(&mut x, &mut q).unwrap();
        }
        // converged to the stopping rule: g'd > -tolerance_change = -1e-9
        assert_close(&x, &[0.0, 0.0], 1e-5);
        let mut g = v(&[0.0, 0.0]);
        q.eval(&x, &mut g);
        assert!(g.dot(&(b.inverse_hessian() * &g)) < 1e-9);
    }
}
