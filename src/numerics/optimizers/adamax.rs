//! Adamax, as torch.optim.Adamax (Adam with the infinity norm).
//!
//! t <- t + 1;  g <- grad + weight_decay * x
//! m <- beta1 m + (1 - beta1) g;   u <- max(beta2 u, |g| + eps)
//! x <- x - lr / (1 - beta1^t) * m / u
//! Defaults (torch): lr = 2e-3, betas = (0.9, 0.999), eps = 1e-8, weight_decay = 0.
//! Reference: Kingma & Ba, ICLR 2015, section 7.1;
//! <https://pytorch.org/docs/stable/generated/torch.optim.Adamax.html>.

use super::knobs::{self, Knobs};
use super::{
    DecayingPower, FirstOrder, Method, Optimizer, Tunable, beta, ensure_len, fma, lerp,
    non_negative, positive,
};
use crate::numerics::ParamError;
use nalgebra::DVector;
use serde::{Deserialize, Serialize};

pub(crate) const RULE: &str = "m <- beta1 m + (1 - beta1) g        u <- max(beta2 u, |g| + eps)
x <- x - lr / (1 - beta1^t) * m / u";

/// torch.optim.Adamax's parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AdamaxParams {
    /// Learning rate.
    pub lr: f64,
    /// Decay rates of the first moment and the infinity norm.
    pub betas: (f64, f64),
    /// Added to |g|.
    pub eps: f64,
    /// L2 penalty.
    pub weight_decay: f64,
    /// Ascend instead of descend.
    pub maximize: bool,
}

impl Default for AdamaxParams {
    fn default() -> Self {
        Self {
            lr: 2e-3,
            betas: (0.9, 0.999),
            eps: 1e-8,
            weight_decay: 0.0,
            maximize: false,
        }
    }
}

impl AdamaxParams {
    /// Checks ranges as torch does (plus finiteness).
    pub fn validate(&self) -> Result<(), ParamError> {
        positive("lr", self.lr)?;
        beta("betas.0", self.betas.0)?;
        beta("betas.1", self.betas.1)?;
        non_negative("eps", self.eps)?;
        non_negative("weight_decay", self.weight_decay)
    }
}

/// Adamax state.
#[derive(Clone, Debug)]
pub struct Adamax {
    p: AdamaxParams,
    step: f64,
    beta1_t: DecayingPower,
    exp_avg: DVector<f64>,
    exp_inf: DVector<f64>,
    eff: DVector<f64>,
    grad: DVector<f64>,
}

impl Adamax {
    /// A fresh optimizer.
    #[must_use]
    pub fn new(p: &AdamaxParams) -> Self {
        Self {
            p: p.clone(),
            step: 0.0,
            beta1_t: DecayingPower::default(),
            exp_avg: DVector::zeros(0),
            exp_inf: DVector::zeros(0),
            eff: DVector::zeros(0),
            grad: DVector::zeros(0),
        }
    }
}

impl Tunable for Adamax {
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

/// torch.maximum: NaN if either operand is NaN.
fn maximum(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.max(b)
    }
}

impl FirstOrder for Adamax {
    #[inline(always)]
    fn update(&mut self, x: &mut DVector<f64>, g: &DVector<f64>) {
        let p = &self.p;
        let n = x.len();
        ensure_len(&mut self.exp_avg, n, 0.0);
        ensure_len(&mut self.exp_inf, n, 0.0);
        ensure_len(&mut self.eff, n, 0.0);
        self.step += 1.0;
        let (beta1, beta2) = p.betas;
        let clr = p.lr / (1.0 - self.beta1_t.powf(beta1, self.step));
        for i in 0..n {
            let mut gi = if p.maximize { -g[i] } else { g[i] };
            if p.weight_decay != 0.0 {
                gi = fma(p.weight_decay, x[i], gi);
            }
            let m = lerp(self.exp_avg[i], gi, 1.0 - beta1);
            self.exp_avg[i] = m;
            let u = maximum(self.exp_inf[i] * beta2, gi.abs() + p.eps);
            self.exp_inf[i] = u;
            x[i] += -clr * m / u;
            self.eff[i] = p.lr / u;
        }
    }
    fn grad_buffer(&mut self) -> &mut DVector<f64> {
        &mut self.grad
    }
}

impl Method for AdamaxParams {
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
        Box::new(Adamax::new(self))
    }

    fn knobs(&mut self, k: &mut dyn Knobs) {
        let d = Self::default();
        knobs::betas(k, &mut self.betas, d.betas);
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
        let p = AdamaxParams {
            lr: 0.1,
            eps: 0.0,
            ..AdamaxParams::default()
        };
        let mut o = Adamax::new(&p);
        let mut q = QuadraticOracle::diagonal(&[1.0, 10.0]);
        let mut x = v(&[1.0, 1.0]);
        // Step 1: m = 0.1 g, u = |g|, clr = 0.1 / 0.1 = 1: x1 = x - sign(g) * 0.1
        o.step(&mut x, &mut q).unwrap();
        assert_close(&x, &[0.9, 0.9], 1e-15);
        // Step 2: g = (0.9, 9); m = 0.09 g0 + 0.1 g1; u = max(0.999 |g0|, |g1|); clr = 0.1 / 0.19
        o.step(&mut x, &mut q).unwrap();
        let e = |g0: f64, g1: f64| 0.9 - 0.1 / 0.19 * (0.09 * g0 + 0.1 * g1) / (0.999 * g0).max(g1);
        assert_close(&x, &[e(1.0, 0.9), e(10.0, 9.0)], 1e-15);
    }
}
