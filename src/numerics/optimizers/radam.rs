//! RAdam, as torch.optim.RAdam.
//!
//! t <- t + 1;  g <- grad + weight_decay * x   (decoupled: x <- x (1 - lr * weight_decay))
//! m <- beta1 m + (1 - beta1) g;   v <- beta2 v + (1 - beta2) g^2;   m^ = m / (1 - beta1^t)
//! rho_inf = 2 / (1 - beta2) - 1;   rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t)
//! rho_t > 5:  r = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
//!             x <- x - lr * m^ * r * sqrt(1 - beta2^t) / (sqrt(v) + eps)
//! otherwise:  x <- x - lr * m^        (momentum SGD while the variance estimate is unreliable)
//! Defaults (torch): lr = 1e-3, betas = (0.9, 0.999), eps = 1e-8, weight_decay = 0,
//! decoupled_weight_decay = false. Reference: Liu et al., "On the variance of the adaptive
//! learning rate and beyond", ICLR 2020; <https://pytorch.org/docs/stable/generated/torch.optim.RAdam.html>.

use super::knobs::{self, Knobs};
use super::{
    DecayingPower, FirstOrder, Method, Optimizer, Tunable, beta, ensure_len, fma, lerp,
    non_negative, positive,
};
use crate::numerics::ParamError;
use nalgebra::DVector;
use serde::{Deserialize, Serialize};

pub(crate) const RULE: &str = "m <- beta1 m + (1 - beta1) g        v <- beta2 v + (1 - beta2) g^2
rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t)
rho_t > 5:  x <- x - lr * r_t * m^ / (sqrt(v^) + eps)     (r_t: variance rectification)
else:       x <- x - lr * m^";

/// torch.optim.RAdam's parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RAdamParams {
    /// Learning rate.
    pub lr: f64,
    /// Decay rates of the moment averages.
    pub betas: (f64, f64),
    /// Added to the denominator.
    pub eps: f64,
    /// Weight decay (L2, or decoupled).
    pub weight_decay: f64,
    /// Decouple weight decay as in AdamW.
    pub decoupled_weight_decay: bool,
    /// Ascend instead of descend.
    pub maximize: bool,
}

impl Default for RAdamParams {
    fn default() -> Self {
        Self {
            lr: 1e-3,
            betas: (0.9, 0.999),
            eps: 1e-8,
            weight_decay: 0.0,
            decoupled_weight_decay: false,
            maximize: false,
        }
    }
}

impl RAdamParams {
    /// Checks ranges as torch does (plus finiteness).
    pub fn validate(&self) -> Result<(), ParamError> {
        positive("lr", self.lr)?;
        beta("betas.0", self.betas.0)?;
        beta("betas.1", self.betas.1)?;
        non_negative("eps", self.eps)?;
        non_negative("weight_decay", self.weight_decay)
    }
}

/// RAdam state.
#[derive(Clone, Debug)]
pub struct RAdam {
    p: RAdamParams,
    step: f64,
    beta1_t: DecayingPower,
    beta2_t: DecayingPower,
    exp_avg: DVector<f64>,
    exp_avg_sq: DVector<f64>,
    eff: DVector<f64>,
    grad: DVector<f64>,
}

impl RAdam {
    /// A fresh optimizer.
    #[must_use]
    pub fn new(p: &RAdamParams) -> Self {
        Self {
            p: p.clone(),
            step: 0.0,
            beta1_t: DecayingPower::default(),
            beta2_t: DecayingPower::default(),
            exp_avg: DVector::zeros(0),
            exp_avg_sq: DVector::zeros(0),
            eff: DVector::zeros(0),
            grad: DVector::zeros(0),
        }
    }
}

impl Tunable for RAdam {
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

impl FirstOrder for RAdam {
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
        let beta2_t = self.beta2_t.powf(beta2, step);
        let bias_correction1 = 1.0 - self.beta1_t.powf(beta1, step);
        let bias_correction2 = 1.0 - beta2_t;
        let rho_inf = 2.0 / (1.0 - beta2) - 1.0;
        let rho_t = rho_inf - 2.0 * step * beta2_t / bias_correction2;
        let rectified = rho_t > 5.0;
        let rect = if rectified {
            ((rho_t - 4.0) * (rho_t - 2.0) * rho_inf / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t))
                .powf(0.5)
        } else {
            1.0
        };
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
            let corrected = m / bias_correction1;
            if rectified {
                let adaptive = bias_correction2.powf(0.5) / (v.sqrt() + p.eps);
                x[i] += -(corrected * p.lr * adaptive * rect);
                self.eff[i] = p.lr * adaptive * rect;
            } else {
                x[i] += -(corrected * p.lr);
                self.eff[i] = p.lr;
            }
        }
    }
    fn grad_buffer(&mut self) -> &mut DVector<f64> {
        &mut self.grad
    }
}

impl Method for RAdamParams {
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
        Box::new(RAdam::new(self))
    }

    fn knobs(&mut self, k: &mut dyn Knobs) {
        let d = Self::default();
        knobs::betas(k, &mut self.betas, d.betas);
        knobs::eps(k, &mut self.eps, d.eps);
        knobs::weight_decay(k, &mut self.weight_decay, d.weight_decay);
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
    fn first_two_steps_are_momentum_sgd_and_rectification_starts_at_step_six() {
        let p = RAdamParams {
            lr: 0.1,
            ..RAdamParams::default()
        };
        let mut o = RAdam::new(&p);
        let mut q = QuadraticOracle::diagonal(&[1.0]);
        let mut x = v(&[1.0]);
        // Step 1: m^ = g = 1, rho_1 = 1 <= 5: x1 = 1 - 0.1 = 0.9
        o.step(&mut x, &mut q).unwrap();
        assert_close(&x, &[0.9], 1e-15);
        // Step 2: m = 0.09 + 0.09 = 0.18, m^ = 0.18 / 0.19: x2 = 0.9 - 0.1 * 0.18 / 0.19
        o.step(&mut x, &mut q).unwrap();
        assert_close(&x, &[0.9 - 0.1 * 0.18 / 0.19], 1e-15);
        // rho_t for beta2 = 0.999 first exceeds 5 at t = 6 (rho_5 ~ 4.99, rho_6 ~ 5.99)
        let rho = |t: f64| {
            let ri = 2.0 / 0.001 - 1.0;
            ri - 2.0 * t * 0.999f64.powf(t) / (1.0 - 0.999f64.powf(t))
        };
        assert!(rho(5.0) <= 5.0 && rho(6.0) > 5.0);
    }
}
