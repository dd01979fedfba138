//! NAdam, as torch.optim.NAdam.
//!
//! t <- t + 1;  g <- grad + weight_decay * x   (decoupled: x <- x (1 - lr * weight_decay))
//! mu_t = beta1 (1 - 0.5 * 0.96^(t * momentum_decay));  P_t = prod_{i<=t} mu_i
//! m <- beta1 m + (1 - beta1) g;   v <- beta2 v + (1 - beta2) g^2
//! x <- x - lr (1 - mu_t) / (1 - P_t) * g / (sqrt(v / (1 - beta2^t)) + eps)
//!        - lr mu_{t+1} / (1 - P_t mu_{t+1}) * m / (sqrt(v / (1 - beta2^t)) + eps)
//! Defaults (torch): lr = 2e-3, betas = (0.9, 0.999), eps = 1e-8, weight_decay = 0,
//! momentum_decay = 4e-3, decoupled_weight_decay = false. Reference: Dozat, "Incorporating
//! Nesterov momentum into Adam", ICLR workshop 2016;
//! <https://pytorch.org/docs/stable/generated/torch.optim.NAdam.html>.

use super::knobs::{self, Knobs, Real, Scale};
use super::{
    DecayingPower, FirstOrder, Method, Optimizer, Tunable, beta, ensure_len, fma, lerp,
    non_negative, positive,
};
use crate::numerics::ParamError;
use nalgebra::DVector;
use serde::{Deserialize, Serialize};

pub(crate) const RULE: &str = "mu_t = beta1 (1 - 0.5 * 0.96^(t * momentum_decay))
m <- beta1 m + (1 - beta1) g        v <- beta2 v + (1 - beta2) g^2
x <- x - lr [ (1 - mu_t) g / (1 - prod mu) + mu_{t+1} m / (1 - prod mu * mu_{t+1}) ]
           / (sqrt(v / (1 - beta2^t)) + eps)";

/// torch.optim.NAdam's parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NAdamParams {
    /// Learning rate.
    pub lr: f64,
    /// Decay rates of the moment averages.
    pub betas: (f64, f64),
    /// Added to the denominator.
    pub eps: f64,
    /// Weight decay (L2, or decoupled).
    pub weight_decay: f64,
    /// Momentum decay psi of the mu schedule.
    pub momentum_decay: f64,
    /// Decouple weight decay as in AdamW.
    pub decoupled_weight_decay: bool,
    /// Ascend instead of descend.
    pub maximize: bool,
}

impl Default for NAdamParams {
    fn default() -> Self {
        Self {
            lr: 2e-3,
            betas: (0.9, 0.999),
            eps: 1e-8,
            weight_decay: 0.0,
            momentum_decay: 4e-3,
            decoupled_weight_decay: false,
            maximize: false,
        }
    }
}

impl NAdamParams {
    /// Checks ranges as torch does (plus finiteness).
    pub fn validate(&self) -> Result<(), ParamError> {
        positive("lr", self.lr)?;
        beta("betas.0", self.betas.0)?;
        beta("betas.1", self.betas.1)?;
        non_negative("eps", self.eps)?;
        non_negative("weight_decay", self.weight_decay)?;
        non_negative("momentum_decay", self.momentum_decay)
    }
}

/// NAdam state.
#[derive(Clone, Debug)]
pub struct NAdam {
    p: NAdamParams,
    step: f64,
    beta2_t: DecayingPower,
    decay_t: DecayingPower,
    decay_next_t: DecayingPower,
    mu_product: f64,
    exp_avg: DVector<f64>,
    exp_avg_sq: DVector<f64>,
    eff: DVector<f64>,
    grad: DVector<f64>,
}

impl NAdam {
    /// A fresh optimizer.
    #[must_use]
    pub fn new(p: &NAdamParams) -> Self {
        Self {
            p: p.clone(),
            step: 0.0,
            beta2_t: DecayingPower::default(),
            decay_t: DecayingPower::default(),
            decay_next_t: DecayingPower::default(),
            mu_product: 1.0,
            exp_avg: DVector::zeros(0),
            exp_avg_sq: DVector::zeros(0),
            eff: DVector::zeros(0),
            grad: DVector::zeros(0),
        }
    }
}

impl Tunable for NAdam {
    fn lr(&self) -> f64 {
        self.p.lr
    }
    fn set_lr(&mut self, lr: f64) {
        self.p.lr = lr;
    }
    fn effective_lr(&self) -> Option<&DVector<f64>> {
        (self.step > 0.0).then_some(&self.eff)
    }
    fn velocity(&self) -> Option<&DVector<f64>> {
        (self.step > 0.0).then_some(&self.exp_avg)
    }
}

impl FirstOrder for NAdam {
    #[inline(always)]
    fn update(&mut self, x: &mut DVector<f64>, g: &DVector<f64>) {
        let p = &self.p;
        let n = x.len();
        ensure_len(&mut self.exp_avg, n, 0.0);
        ensure_len(&mut self.exp_avg_sq, n, 0.0);
        ensure_len(&mut self.eff, n, 0.0);
        self.step += 1.0;
        let step = self.step;
        let (beta1, beta2) = p.betas;
        let bias_correction2 = 1.0 - self.beta2_t.powf(beta2, step);
        let decay = self.decay_t.powf(0.96, step * p.momentum_decay);
        let decay_next = self
            .decay_next_t
            .powf(0.96, (step + 1.0) * p.momentum_decay);
        let mu = beta1 * (1.0 - 0.5 * decay);
        let mu_next = beta1 * (1.0 - 0.5 * decay_next);
        self.mu_product *= mu;
        let mu_product_next = self.mu_product * mu_next;
        let grad_coef = -p.lr * (1.0 - mu) / (1.0 - self.mu_product);
        let avg_coef = (-p.lr * mu_next) / (1.0 - mu_product_next);
        for i in 0..n {
            let mut gi = if p.maximize { -g[i] } else { g[i] };
            if p.weight_decay != 0.0 {
                if p.decoupled_weight_decay {
                    x[i] *= 1.0 - p.lr * p.weight_decay;
                } else {
                    gi = fma(p.weight_decay, x[i], gi);
                }
            }
            let m = lerp(self.exp_avg[i], gi, 1.0 - beta1);
            self.exp_avg[i] = m;
            let v = fma((1.0 - beta2) * gi, gi, self.exp_avg_sq[i] * beta2);
            self.exp_avg_sq[i] = v;
            let denom = (v / bias_correction2).sqrt() + p.eps;
            x[i] += grad_coef * gi / denom;
            x[i] += avg_coef * m / denom;
            self.eff[i] = p.lr / denom;
        }
    }
    fn grad_buffer(&mut self) -> &mut DVector<f64> {
        &mut self.grad
    }
}

impl Method for NAdamParams {
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
        Box::new(NAdam::new(self))
    }

    fn knobs(&mut self, k: &mut dyn Knobs) {
        let d = Self::default();
        knobs::betas(k, &mut self.betas, d.betas);
        knobs::eps(k, &mut self.eps, d.eps);
        knobs::weight_decay(k, &mut self.weight_decay, d.weight_decay);
        k.real(
            Real {
                name: "momentum_decay",
                range: 0.0..=0.1,
                scale: Scale::Linear,
                default: d.momentum_decay,
                help: "NAdam's momentum decay psi in mu_t = beta1 (1 - 0.5 * 0.96^(t psi)).",
            },
            &mut self.momentum_decay,
        );
        k.flag(
            "decoupled wd",
            &mut self.decoupled_weight_decay,
            d.decoupled_weight_decay,
            knobs::DECOUPLED_HELP,
        );
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
        let p = NAdamParams {
            lr: 0.1,
            eps: 0.0,
            ..NAdamParams::default()
        };
        let mut o = NAdam::new(&p);
        let mut q = QuadraticOracle::diagonal(&[1.0]);
        let mut x = v(&[1.0]);
        let (b1, b2, psi) = (0.9f64, 0.999f64, 4e-3f64);
        let mu = |t: f64| b1 * (1.0 - 0.5 * 0.96f64.powf(t * psi));
        // Step 1 (g = 1): denom = 1; x1 = 1 - 0.1 (1 - mu1)/(1 - mu1) - 0.1 mu2 (0.1) / (1 - mu1 mu2)
        o.step(&mut x, &mut q).unwrap();
        let x1 = 1.0 - 0.1 - 0.1 * mu(2.0) * 0.1 / (1.0 - mu(1.0) * mu(2.0));
        assert_close(&x, &[x1], 1e-15);
        // Step 2 (g = x1)
        o.step(&mut x, &mut q).unwrap();
        let m = 0.9 * 0.1 + 0.1 * x1;
        let vv = 0.999 * 0.001 + 0.001 * x1 * x1;
        let denom = (vv / (1.0 - b2 * b2)).sqrt();
        let p2 = mu(1.0) * mu(2.0);
        let x2 = x1
            - 0.1 * (1.0 - mu(2.0)) * x1 / (1.0 - p2) / denom
            - 0.1 * mu(3.0) * m / (1.0 - p2 * mu(3.0)) / denom;
        assert_close(&x, &[x2], 1e-14);
    }
}
