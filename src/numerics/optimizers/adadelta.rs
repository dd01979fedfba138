//! Adadelta, as torch.optim.Adadelta.
//!
//! g <- grad + weight_decay * x
//! v <- rho v + (1 - rho) g^2
//! d = sqrt(u + eps) / sqrt(v + eps) * g
//! u <- rho u + (1 - rho) d^2
//! x <- x - lr * d
//! Defaults (torch): lr = 1.0, rho = 0.9, eps = 1e-6, weight_decay = 0.
//! Reference: Zeiler, "ADADELTA: an adaptive learning rate method", 2012;
//! <https://pytorch.org/docs/stable/generated/torch.optim.Adadelta.html>.

use super::knobs::{self, Knobs, Real, Scale};
use super::{FirstOrder, Method, Optimizer, Tunable, ensure_len, fma, non_negative, positive};
use crate::numerics::ParamError;
use nalgebra::DVector;
use serde::{Deserialize, Serialize};

pub(crate) const RULE: &str = "v <- rho v + (1 - rho) g^2
d = sqrt(u + eps) / sqrt(v + eps) * g
u <- rho u + (1 - rho) d^2
x <- x - lr * d";

/// torch.optim.Adadelta's parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AdadeltaParams {
    /// Scale of the update.
    pub lr: f64,
    /// Decay rate of both running averages.
    pub rho: f64,
    /// Added inside both square roots.
    pub eps: f64,
    /// L2 penalty.
    pub weight_decay: f64,
    /// Ascend instead of descend.
    pub maximize: bool,
}

impl Default for AdadeltaParams {
    fn default() -> Self {
        Self {
            lr: 1.0,
            rho: 0.9,
            eps: 1e-6,
            weight_decay: 0.0,
            maximize: false,
        }
    }
}

impl AdadeltaParams {
    /// Checks ranges as torch does (plus finiteness).
    pub fn validate(&self) -> Result<(), ParamError> {
        positive("lr", self.lr)?;
        if !(0.0..=1.0).contains(&self.rho) {
            return Err(ParamError::new(
                "rho",
                format!(
                    "must be in [0, 1], got {}",
                    crate::numerics::short(self.rho)
                ),
            ));
        }
        non_negative("eps", self.eps)?;
        non_negative("weight_decay", self.weight_decay)
    }
}

/// Adadelta state.
#[derive(Clone, Debug)]
pub struct Adadelta {
    p: AdadeltaParams,
    square_avg: DVector<f64>,
    acc_delta: DVector<f64>,
    eff: DVector<f64>,
    grad: DVector<f64>,
    stepped: bool,
}

impl Adadelta {
    /// A fresh optimizer.
    #[must_use]
    pub fn new(p: &AdadeltaParams) -> Self {
        Self {
            p: p.clone(),
            square_avg: DVector::zeros(0),
            acc_delta: DVector::zeros(0),
            eff: DVector::zeros(0),
            grad: DVector::zeros(0),
            stepped: false,
        }
    }
}

impl Tunable for Adadelta {
    fn lr(&self) -> f64 {
        self.p.lr
    }
    fn set_lr(&mut self, lr: f64) {
        self.p.lr = lr;
    }
    fn effective_lr(&self) -> Option<&DVector<f64>> {
        self.stepped.then_some(&self.eff)
    }
}

impl FirstOrder for Adadelta {
    #[inline(always)]
    fn update(&mut self, x: &mut DVector<f64>, g: &DVector<f64>) {
        let p = &self.p;
        let n = x.len();
        ensure_len(&mut self.square_avg, n, 0.0);
        ensure_len(&mut self.acc_delta, n, 0.0);
        ensure_len(&mut self.eff, n, 0.0);
        for i in 0..n {
            let mut gi = if p.maximize { -g[i] } else { g[i] };
            if p.weight_decay != 0.0 {
                gi = fma(p.weight_decay, x[i], gi);
            }
            let v = fma((1.0 - p.rho) * gi, gi, self.square_avg[i] * p.rho);
            self.square_avg[i] = v;
            let std = (v + p.eps).sqrt();
            let scale = (self.acc_delta[i] + p.eps).sqrt() / std;
            let delta = scale * gi;
            self.acc_delta[i] = fma((1.0 - p.rho) * delta, delta, self.acc_delta[i] * p.rho);
            x[i] = fma(-p.lr, delta, x[i]);
            self.eff[i] = p.lr * scale;
        }
        self.stepped = true;
    }
    fn grad_buffer(&mut self) -> &mut DVector<f64> {
        &mut self.grad
    }
}

impl Method for AdadeltaParams {
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
        Box::new(Adadelta::new(self))
    }

    fn knobs(&mut self, k: &mut dyn Knobs) {
        let d = Self::default();
        k.real(
            Real {
                name: "rho",
                range: 0.0..=1.0,
                scale: Scale::Linear,
                default: d.rho,
                help: "Decay rate of Adadelta's running averages.",
            },
            &mut self.rho,
        );
        knobs::eps(k, &mut self.eps, d.eps);
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
    fn first_two_steps() {
        let p = AdadeltaParams {
            rho: 0.5,
            eps: 0.01,
            ..AdadeltaParams::default()
        };
        let mut o = Adadelta::new(&p);
        let mut q = QuadraticOracle::diagonal(&[1.0]);
        let mut x = v(&[2.0]);
        // v1 = 0.5 * 4 = 2; d1 = sqrt(0.01)/sqrt(2.01) * 2; u1 = 0.5 d1^2; x1 = 2 - d1
        o.step(&mut x, &mut q).unwrap();
        let d1 = 0.1 / 2.01f64.sqrt() * 2.0;
        assert_close(&x, &[2.0 - d1], 1e-15);
        o.step(&mut x, &mut q).unwrap();
        let x1 = 2.0 - d1;
        let v2 = 2.0 * 0.5 + 0.5 * x1 * x1;
        let u1 = 0.5 * d1 * d1;
        let d2 = (u1 + 0.01).sqrt() / (v2 + 0.01).sqrt() * x1;
        assert_close(&x, &[x1 - d2], 1e-15);
    }
}
