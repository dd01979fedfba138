//! Nonlinear conjugate gradient (course 000:219: "for batch optimization, LBFGS &
//! Conjugate-Gradients").
//!
//! g = grad f(x);  d = -g on the first step and after a restart, else d = -g + beta d_prev with
//!   Fletcher-Reeves   beta = g'g / g_prev'g_prev
//!   Polak-Ribiere     beta = g'(g - g_prev) / g_prev'g_prev
//!   Polak-Ribiere+    beta = max(0, Polak-Ribiere)   (a negative beta restarts)
//! restart (d = -g) every `restart` steps (0: never), and whenever d is not a descent direction;
//! x <- x + t d with t from the strong-Wolfe line search (BFGS's and L-BFGS's, starting at the
//! previous step's t, the first at min(1, 1/|g|_1) lr) or the exact line search t = -g'd / d'Hd,
//! which minimises a quadratic along d: with it CG solves an n-dimensional quadratic in n steps
//! (two in the plane). Defaults: lr = 1, Polak-Ribiere+, restart every 2 steps (the dimension of
//! the plane), tolerance_grad = 1e-7, tolerance_change = 1e-9, strong Wolfe.
//! References: Fletcher & Reeves 1964; Polak & Ribiere 1969; Nocedal & Wright, "Numerical
//! Optimization", 2nd ed., section 5.2 (algorithm 5.4 and the PR+ rule, eq. 5.45).

use super::knobs::{self, Knobs};
use super::line_search::{MAX_LS, Ray, Work, strong_wolfe};
use super::{
    Method, Needs, Optimizer, Oracle, StepError, StepInfo, Tunable, dot, ensure_len, max_abs,
    non_negative, positive,
};
use crate::numerics::ParamError;
use nalgebra::{DMatrix, DVector};
use serde::{Deserialize, Serialize};

pub(crate) const RULE: &str = "d = -g + beta d_prev      (d = -g at a restart)
beta: FR  g'g / g_prev'g_prev,   PR+  max(0, g'(g - g_prev) / g_prev'g_prev)
x <- x + t d      (t by strong-Wolfe, or exactly: t = -g'd / d'Hd)";

/// Which beta a conjugate-gradient step uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum CgBeta {
    /// Fletcher-Reeves: g'g / g_prev'g_prev.
    FletcherReeves,
    /// Polak-Ribiere: g'(g - g_prev) / g_prev'g_prev.
    PolakRibiere,
    /// Polak-Ribiere+: max(0, Polak-Ribiere), restarting where it is negative.
    #[default]
    PolakRibierePlus,
}

/// How a conjugate-gradient step finds t.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum CgLineSearch {
    /// The strong-Wolfe search of BFGS and L-BFGS.
    #[default]
    StrongWolfe,
    /// t = -g'd / d'Hd from the Hessian: exact on a quadratic.
    Exact,
}

/// Parameters of nonlinear conjugate gradient.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CgParams {
    /// The first line search's trial step scale.
    pub lr: f64,
    /// Fletcher-Reeves, Polak-Ribiere or Polak-Ribiere+.
    pub beta: CgBeta,
    /// Restart with d = -g every this many steps (0: never).
    pub restart: usize,
    /// No step when max |g| is at most this.
    pub tolerance_grad: f64,
    /// No step when the directional derivative is above -tolerance_change.
    pub tolerance_change: f64,
    /// Strong-Wolfe or exact line search.
    pub line_search_fn: CgLineSearch,
}

impl Default for CgParams {
    fn default() -> Self {
        Self {
            lr: 1.0,
            beta: CgBeta::default(),
            restart: 2,
            tolerance_grad: 1e-7,
            tolerance_change: 1e-9,
            line_search_fn: CgLineSearch::default(),
        }
    }
}

/// Largest restart period.
pub const MAX_RESTART: usize = 1_000_000;

impl CgParams {
    /// Checks ranges.
    pub fn validate(&self) -> Result<(), ParamError> {
        positive("lr", self.lr)?;
        non_negative("tolerance_grad", self.tolerance_grad)?;
        non_negative("tolerance_change", self.tolerance_change)?;
        if self.restart > MAX_RESTART {
            return Err(ParamError::new(
                "restart",
                format!(
                    "must be at most {MAX_RESTART} (0: never), got {}",
                    self.restart
                ),
            ));
        }
        Ok(())
    }
}

/// Conjugate-gradient state.
#[derive(Clone, Debug)]
pub struct Cg {
    p: CgParams,
    /// Steps since the last restart (0: the next step restarts).
    since_restart: usize,
    t: f64,
    /// g'd of the previous step, for the next line search's first trial.
    gtd_prev: f64,
    g: DVector<f64>,
    g_prev: DVector<f64>,
    d: DVector<f64>,
    trial: DVector<f64>,
    hess: DMatrix<f64>,
    hd: DVector<f64>,
    work: Work,
}

impl Cg {
    /// A fresh optimizer.
    #[must_use]
    pub fn new(p: &CgParams) -> Self {
        Self {
            p: p.clone(),
            since_restart: 0,
            t: 0.0,
            gtd_prev: 0.0,
            g: DVector::zeros(0),
            g_prev: DVector::zeros(0),
            d: DVector::zeros(0),
            trial: DVector::zeros(0),
            hess: DMatrix::zeros(0, 0),
            hd: DVector::zeros(0),
            work: Work::default(),
        }
    }

    /// beta for the new gradient `self.g` against `self.g_prev`; `None` means restart.
    fn beta(&self) -> Option<f64> {
        let prev = dot(&self.g_prev, &self.g_prev);
        if prev <= 0.0 {
            return None;
        }
        let gg = dot(&self.g, &self.g);
        let pr = (gg - dot(&self.g, &self.g_prev)) / prev;
        match self.p.beta {
            CgBeta::FletcherReeves => Some(gg / prev),
            CgBeta::PolakRibiere => Some(pr),
            CgBeta::PolakRibierePlus => (pr > 0.0).then_some(pr),
        }
        .filter(|b| b.is_finite())
    }
}

impl Tunable for Cg {
    fn lr(&self) -> f64 {
        self.p.lr
    }
    fn set_lr(&mut self, lr: f64) {
        self.p.lr = lr;
    }
}

impl Optimizer for Cg {
    fn step(
        &mut self,
        x: &mut DVector<f64>,
        oracle: &mut dyn Oracle,
    ) -> Result<StepInfo, StepError> {
        let n = x.len();
        for v in [
            &mut self.g,
            &mut self.g_prev,
            &mut self.d,
            &mut self.trial,
            &mut self.hd,
        ] {
            ensure_len(v, n, 0.0);
        }
        let loss = oracle.eval(x, &mut self.g);
        let mut evaluations = 1;
        if max_abs(&self.g) <= self.p.tolerance_grad {
            return Ok(StepInfo { loss, evaluations });
        }
        let restart_due =
            self.since_restart == 0 || (self.p.restart > 0 && self.since_restart >= self.p.restart);
        let beta = if restart_due { None } else { self.beta() };
        match beta {
            Some(b) => {
                for i in 0..n {
                    self.d[i] = b * self.d[i] - self.g[i];
                }
            }
            None => self.restart_direction(),
        }
        let mut gtd = dot(&self.g, &self.d);
        if gtd >= 0.0 || gtd.is_nan() {
            // Not a descent direction (Fletcher-Reeves or PR with an inexact search): restart.
            self.restart_direction();
            gtd = dot(&self.g, &self.d);
        }
        if gtd > -self.p.tolerance_change {
            return Ok(StepInfo { loss, evaluations });
        }
        self.g_prev.copy_from(&self.g);
        let gtd_here = gtd;
        match self.p.line_search_fn {
            CgLineSearch::Exact => {
                if self.hess.nrows() != n {
                    self.hess = DMatrix::zeros(n, n);
                }
                if !oracle.hessian(x, &mut self.hess) {
                    return Err(StepError::NoHessian);
                }
                self.hess.mul_to(&self.d, &mut self.hd);
                let curvature = dot(&self.d, &self.hd);
                if curvature <= 0.0 || curvature.is_nan() {
                    return Err(StepError::SingularHessian);
                }
                self.t = -gtd / curvature;
            }
            CgLineSearch::StrongWolfe => {
                // The first trial: torch's first L-BFGS step, then Nocedal & Wright's eq. 3.60,
                // the previous step's first-order change t_prev g_prev'd_prev kept.
                let start = if self.gtd_prev < 0.0 && self.t > 0.0 {
                    self.t * self.gtd_prev / gtd
                } else {
                    let l1: f64 = self.g.iter().map(|g| g.abs()).sum();
                    (1.0 / l1).min(1.0) * self.p.lr
                };
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
                        start,
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
        }
        for i in 0..n {
            x[i] += self.t * self.d[i];
        }
        self.gtd_prev = gtd_here;
        self.since_restart += 1;
        Ok(StepInfo { loss, evaluations })
    }
}

impl Cg {
    /// d = -g, and the count of steps since a restart starts again.
    fn restart_direction(&mut self) {
        for i in 0..self.g.len() {
            self.d[i] = -self.g[i];
        }
        self.since_restart = 0;
    }
}

impl Method for CgParams {
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
        Box::new(Cg::new(self))
    }

    fn needs(&self) -> Needs {
        if self.line_search_fn == CgLineSearch::Exact {
            Needs::Hessian
        } else {
            Needs::GradientElsewhere
        }
    }

    fn knobs(&mut self, k: &mut dyn Knobs) {
        let d = Self::default();
        let mut beta = match self.beta {
            CgBeta::FletcherReeves => 0,
            CgBeta::PolakRibiere => 1,
            CgBeta::PolakRibierePlus => 2,
        };
        k.choice(
            "beta",
            &mut beta,
            &["FletcherReeves", "PolakRibiere", "PolakRibierePlus"],
            "Fletcher-Reeves g'g / g_prev'g_prev, Polak-Ribiere g'(g - g_prev) / g_prev'g_prev, \
             or Polak-Ribiere+ (negative values restart).",
        );
        self.beta = [
            CgBeta::FletcherReeves,
            CgBeta::PolakRibiere,
            CgBeta::PolakRibierePlus,
        ][beta.min(2)];
        k.count(
            "restart",
            &mut self.restart,
            0..=1000,
            d.restart,
            "Restart with d = -g every this many steps (0: never; 2 is the plane's dimension).",
        );
        knobs::tolerances(
            k,
            &mut self.tolerance_grad,
            &mut self.tolerance_change,
            (d.tolerance_grad, d.tolerance_change),
        );
        let mut search = usize::from(self.line_search_fn == CgLineSearch::Exact);
        k.choice(
            "line_search_fn",
            &mut search,
            &["StrongWolfe", "Exact"],
            "Strong-Wolfe line search, or the exact step -g'd / d'Hd along d (needs the \
             Hessian; exact on a quadratic, where CG then needs two steps in the plane).",
        );
        self.line_search_fn = if search == 1 {
            CgLineSearch::Exact
        } else {
            CgLineSearch::StrongWolfe
        };
    }
}

#[cfg(test)]
mod tests {
    use super::super::Oracle as _;
    use super::super::testing::{QuadraticOracle, RosenbrockOracle, assert_close, v};
    use super::*;

    fn exact(beta: CgBeta) -> CgParams {
        CgParams {
            beta,
            restart: 0,
            line_search_fn: CgLineSearch::Exact,
            ..CgParams::default()
        }
    }

    /// With the exact line search, CG minimises a quadratic in the plane in two steps, with
    /// every beta (on a quadratic with exact searches they coincide).
    #[test]
    fn exact_cg_solves_a_two_dimensional_quadratic_in_two_steps() {
        for beta in [
            CgBeta::FletcherReeves,
            CgBeta::PolakRibiere,
            CgBeta::PolakRibierePlus,
        ] {
            let mut o = Cg::new(&exact(beta));
            let mut q = QuadraticOracle::diagonal(&[1.0, 100.0]);
            let mut x = v(&[1.0, 1.0]);
            o.step(&mut x, &mut q).unwrap();
            assert!(x.norm() > 1e-3, "{beta:?}: one step is not enough");
            o.step(&mut x, &mut q).unwrap();
            assert_close(&x, &[0.0, 0.0], 1e-12);
        }
        // Steepest descent with the same exact search (restart every step) zig-zags.
        let mut o = Cg::new(&CgParams {
            restart: 1,
            ..exact(CgBeta::PolakRibierePlus)
        });
        let mut q = QuadraticOracle::diagonal(&[1.0, 100.0]);
        let mut x = v(&[1.0, 1.0]);
        for _ in 0..2 {
            o.step(&mut x, &mut q).unwrap();
        }
        assert!(x.norm() > 1e-2, "{x}");
    }

    /// The second direction is conjugate to the first: d1' A d0 = 0.
    #[test]
    fn directions_are_conjugate_on_a_quadratic() {
        let mut o = Cg::new(&exact(CgBeta::FletcherReeves));
        let mut q = QuadraticOracle::diagonal(&[2.0, 30.0]);
        let mut x = v(&[-1.0, 0.7]);
        o.step(&mut x, &mut q).unwrap();
        let d0 = o.d.clone();
        o.step(&mut x, &mut q).unwrap();
        let d1 = o.d.clone();
        let a = nalgebra::DMatrix::from_diagonal(&v(&[2.0, 30.0]));
        assert!(d1.dot(&(&a * &d0)).abs() < 1e-12 * d0.norm() * d1.norm() * 30.0);
    }

    #[test]
    fn strong_wolfe_cg_reaches_rosenbrock_s_minimum() {
        for beta in [CgBeta::FletcherReeves, CgBeta::PolakRibierePlus] {
            let mut o = Cg::new(&CgParams {
                beta,
                ..CgParams::default()
            });
            let mut x = v(&[-1.2, 1.0]);
            for _ in 0..2000 {
                o.step(&mut x, &mut RosenbrockOracle).unwrap();
            }
            // Steps end where g'd > -tolerance_change = -1e-9, i.e. |g| about 3e-5, some 1e-4
            // from the minimum along its flat direction.
            assert_close(&x, &[1.0, 1.0], 1e-3);
            let mut g = v(&[0.0, 0.0]);
            assert!(RosenbrockOracle.eval(&x, &mut g) < 1e-8, "{beta:?}");
        }
    }

    #[test]
    fn validation_names_the_field() {
        let p = CgParams {
            restart: MAX_RESTART + 1,
            ..CgParams::default()
        };
        assert_eq!(p.validate().unwrap_err().field, "restart");
        assert_eq!(
            CgParams {
                lr: 0.0,
                ..CgParams::default()
            }
            .validate()
            .unwrap_err()
            .field,
            "lr"
        );
    }
}
