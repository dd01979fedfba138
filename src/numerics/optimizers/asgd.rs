//! Averaged stochastic gradient descent, as torch.optim.ASGD: SGD with a slowly decaying step
//! size and a decay of x, which also keeps the running average of its iterates from step t0 on.
//!
//! t <- t + 1;  g <- grad + weight_decay * x
//! x <- x (1 - lambd eta) - eta g                        (eta starts at lr)
//! ax <- x while mu = 1, else ax + mu (x - ax)           (mu starts at 1)
//! eta <- lr / (1 + lambd lr t)^alpha;   mu <- 1 / max(1, t - t0)
//! The answer is the average ax (recorded as the run's averaged point); with torch's t0 = 1e6
//! it equals x for the first million steps. Defaults (torch): lr = 1e-2, lambd = 1e-4,
//! alpha = 0.75, t0 = 1e6, weight_decay = 0. Reference: Polyak & Juditsky, "Acceleration of
//! stochastic approximation by averaging", SIAM J. Control Optim. 30(4), 1992;
//! <https://pytorch.org/docs/stable/generated/torch.optim.ASGD.html>.

use super::knobs::{self, Knobs, Real, Scale};
use super::{
    FirstOrder, Method, Optimizer, Tunable, ensure_len, finite, fma, non_negative, positive,
};
use crate::numerics::ParamError;
use nalgebra::DVector;
use serde::{Deserialize, Serialize};

pub(crate) const RULE: &str = "g = grad f(x) + weight_decay * x
x <- x (1 - lambd eta) - eta g                 (eta starts at lr)
ax <- ax + mu (x - ax)                          (ax = x while mu = 1)
eta <- lr / (1 + lambd lr t)^alpha,   mu <- 1 / max(1, t - t0)";

/// torch.optim.ASGD's parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AsgdParams {
    /// Learning rate.
    pub lr: f64,
    /// Decay term: of x at each step, and of the step size over time.
    pub lambd: f64,
    /// Power of the step size's decay.
    pub alpha: f64,
    /// The step after which averaging starts.
    pub t0: f64,
    /// L2 penalty.
    pub weight_decay: f64,
    /// Ascend instead of descend.
    pub maximize: bool,
}

impl Default for AsgdParams {
    fn default() -> Self {
        Self {
            lr: 1e-2,
            lambd: 1e-4,
            alpha: 0.75,
            t0: 1e6,
            weight_decay: 0.0,
            maximize: false,
        }
    }
}

impl AsgdParams {
    /// Checks ranges as torch does (plus finiteness).
    pub fn validate(&self) -> Result<(), ParamError> {
        positive("lr", self.lr)?;
        non_negative("lambd", self.lambd)?;
        non_negative("alpha", self.alpha)?;
        finite("t0", self.t0)?;
        non_negative("weight_decay", self.weight_decay)
    }
}

/// ASGD state.
#[derive(Clone, Debug)]
pub struct Asgd {
    p: AsgdParams,
    step: f64,
    eta: f64,
    mu: f64,
    ax: DVector<f64>,
    eff: DVector<f64>,
    grad: DVector<f64>,
}

impl Asgd {
    /// A fresh optimizer.
    #[must_use]
    pub fn new(p: &AsgdParams) -> Self {
        Self {
            p: p.clone(),
            step: 0.0,
            eta: p.lr,
            mu: 1.0,
            ax: DVector::zeros(0),
            eff: DVector::zeros(0),
            grad: DVector::zeros(0),
        }
    }
}

impl Tunable for Asgd {
    fn lr(&self) -> f64 {
        self.p.lr
    }
    fn set_lr(&mut self, lr: f64) {
        self.p.lr = lr;
    }
    /// eta of the last update, in every coordinate.
    fn effective_lr(&self) -> Option<&DVector<f64>> {
        (self.step > 0.0).then_some(&self.eff)
    }
    fn averaged(&self) -> Option<&DVector<f64>> {
        (self.step > 0.0).then_some(&self.ax)
    }
}

impl FirstOrder for Asgd {
    #[inline(always)]
    fn update(&mut self, x: &mut DVector<f64>, g: &DVector<f64>) {
        let p = &self.p;
        let n = x.len();
        ensure_len(&mut self.ax, n, 0.0);
        ensure_len(&mut self.eff, n, 0.0);
        if self.step == 0.0 {
            // torch reads lr into eta when it creates the state, at the first step.
            self.eta = p.lr;
        }
        self.step += 1.0;
        let eta = self.eta;
        let decay = 1.0 - p.lambd * eta;
        for i in 0..n {
            let mut gi = if p.maximize { -g[i] } else { g[i] };
            if p.weight_decay != 0.0 {
                gi = fma(p.weight_decay, x[i], gi);
            }
            let xi = fma(-eta, gi, x[i] * decay);
            x[i] = xi;
            self.ax[i] = if self.mu == 1.0 {
                xi
            } else {
                self.ax[i] + (xi - self.ax[i]) * self.mu
            };
        }
        self.eff.fill(eta);
        // The next step's eta and mu, from this step's lr (torch computes them at the end).
        self.eta = p.lr / (1.0 + p.lambd * p.lr * self.step).powf(p.alpha);
        self.mu = 1.0 / (self.step - p.t0).max(1.0);
    }
    fn grad_buffer(&mut self) -> &mut DVector<f64> {
        &mut self.grad
    }
}

impl Method for AsgdParams {
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
        Box::new(Asgd::new(self))
    }

    fn knobs(&mut self, k: &mut dyn Knobs) {
        let d = Self::default();
        k.real(
            Real {
                name: "lambd",
                range: 0.0..=10.0,
                scale: Scale::LogFromZero { smallest: 1e-8 },
                default: d.lambd,
                help: "Decay term: x shrinks by (1 - lambd * eta) each step, and eta decays over time.",
            },
            &mut self.lambd,
        );
        k.real(
            Real {
                name: "alpha",
                range: 0.0..=2.0,
                scale: Scale::Linear,
                default: d.alpha,
                help: "Power of eta's decay: eta = lr / (1 + lambd * lr * t)^alpha.",
            },
            &mut self.alpha,
        );
        k.real(
            Real {
                name: "t0",
                range: 0.0..=1e7,
                scale: Scale::LogFromZero { smallest: 1.0 },
                default: d.t0,
                help: "The step after which the average ax of the iterates starts.",
            },
            &mut self.t0,
        );
        knobs::weight_decay(k, &mut self.weight_decay, d.weight_decay);
        knobs::maximize(k, &mut self.maximize);
    }
}

#[cfg(test)]
mod tests {
    use super::super::Optimizer;
    use super::super::testing::{QuadraticOracle, assert_close, v};
    use super::*;

    #[test]
    fn first_steps_decay_x_shrink_eta_and_average_from_t0() {
        // f = 1/2 x^2 from x = 1; lr = 0.5, lambd = 0.2, alpha = 1, t0 = 1.
        let p = AsgdParams {
            lr: 0.5,
            lambd: 0.2,
            alpha: 1.0,
            t0: 1.0,
            ..AsgdParams::default()
        };
        let mut o = Asgd::new(&p);
        let mut q = QuadraticOracle::diagonal(&[1.0]);
        let mut x = v(&[1.0]);
        // Step 1: eta = 0.5: x = 1 * (1 - 0.1) - 0.5 * 1 = 0.4; ax = x (mu = 1).
        o.step(&mut x, &mut q).unwrap();
        assert_close(&x, &[0.4], 1e-15);
        assert_close(o.averaged().unwrap(), &[0.4], 1e-15);
        assert_close(o.effective_lr().unwrap(), &[0.5], 1e-15);
        // Step 2: eta = 0.5 / (1 + 0.1) = 5/11, mu = 1 / max(1, 0) = 1:
        // x = 0.4 (1 - 1/11) - 5/11 * 0.4 = 0.4 * 5/11; ax = x.
        o.step(&mut x, &mut q).unwrap();
        let x2 = 0.4 * 5.0 / 11.0;
        assert_close(&x, &[x2], 1e-15);
        assert_close(o.averaged().unwrap(), &[x2], 1e-15);
        // Step 3: eta = 0.5 / 1.2 = 5/12, mu = 1 / max(1, 1) = 1: ax = x still.
        o.step(&mut x, &mut q).unwrap();
        let x3 = x2 * (1.0 - 1.0 / 12.0 - 5.0 / 12.0);
        assert_close(&x, &[x3], 1e-15);
        assert_close(o.averaged().unwrap(), &[x3], 1e-15);
        // Step 4: eta = 0.5 / 1.3 = 5/13, mu = 1/2: ax = (x3 + x4) / 2.
        o.step(&mut x, &mut q).unwrap();
        let x4 = x3 * (1.0 - 1.0 / 13.0 - 5.0 / 13.0);
        assert_close(&x, &[x4], 1e-15);
        assert_close(o.averaged().unwrap(), &[f64::midpoint(x3, x4)], 1e-15);
        assert_close(o.effective_lr().unwrap(), &[5.0 / 13.0], 1e-15);
    }

    #[test]
    fn weight_decay_and_maximize_change_the_gradient() {
        // Maximizing -1/2 x^2 with weight_decay 1 and lambd 0: g = -(-x) + x = 2x.
        let p = AsgdParams {
            lr: 0.1,
            lambd: 0.0,
            weight_decay: 1.0,
            maximize: true,
            ..AsgdParams::default()
        };
        let mut o = Asgd::new(&p);
        let mut q = QuadraticOracle::new(
            nalgebra::DMatrix::from_element(1, 1, -1.0),
            DVector::zeros(1),
        );
        let mut x = v(&[1.0]);
        o.step(&mut x, &mut q).unwrap();
        assert_close(&x, &[0.8], 1e-15);
    }

    #[test]
    fn validation_names_the_field() {
        let bad = |p: AsgdParams| p.validate().unwrap_err().field;
        let d = AsgdParams::default();
        assert_eq!(
            bad(AsgdParams {
                lambd: -1.0,
                ..d.clone()
            }),
            "lambd"
        );
        assert_eq!(
            bad(AsgdParams {
                alpha: -0.5,
                ..d.clone()
            }),
            "alpha"
        );
        assert_eq!(
            bad(AsgdParams {
                t0: f64::INFINITY,
                ..d.clone()
            }),
            "t0"
        );
        assert_eq!(
            bad(AsgdParams {
                weight_decay: -1.0,
                ..d
            }),
            "weight_decay"
        );
    }
}
