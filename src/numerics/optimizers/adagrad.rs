//! Adagrad, as torch.optim.Adagrad.
//!
//! t <- t + 1;  g <- grad + weight_decay * x
//! clr = lr / (1 + (t - 1) * lr_decay)
//! s <- s + g^2                                  (s starts at initial_accumulator_value)
//! x <- x - clr * g / (sqrt(s) + eps)
//! Defaults (torch): lr = 1e-2, lr_decay = 0, weight_decay = 0, initial_accumulator_value = 0,
//! eps = 1e-10. Reference: Duchi, Hazan, Singer, JMLR 2011;
//! <https://pytorch.org/docs/stable/generated/torch.optim.Adagrad.html>.

use super::knobs::{self, Knobs, Real, Scale};
use super::{FirstOrder, Method, Optimizer, Tunable, ensure_len, fma, non_negative, positive};
use crate::numerics::ParamError;
use nalgebra::DVector;
use serde::{Deserialize, Serialize};

pub(crate) const RULE: &str = "g = grad f(x) + weight_decay * x
s <- s + g^2                       (per coordinate)
x <- x - lr / (1 + (t-1) lr_decay) * g / (sqrt(s) + eps)";

/// torch.optim.Adagrad's parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AdagradParams {
    /// Learning rate.
    pub lr: f64,
    /// Learning-rate decay per step.
    pub lr_decay: f64,
    /// L2 penalty.
    pub weight_decay: f64,
    /// Starting value of the sum of squares.
    pub initial_accumulator_value: f64,
    /// Added to the denominator.
    pub eps: f64,
    /// Ascend instead of descend.
    pub maximize: bool,
}

impl Default for AdagradParams {
    fn default() -> Self {
        Self {
            lr: 1e-2,
            lr_decay: 0.0,
            weight_decay: 0.0,
            initial_accumulator_value: 0.0,
            eps: 1e-10,
            maximize: false,
        }
    }
}

impl AdagradParams {
    /// Checks ranges as torch does (plus finiteness).
    pub fn validate(&self) -> Result<(), ParamError> {
        positive("lr", self.lr)?;
        non_negative("lr_decay", self.lr_decay)?;
        non_negative("weight_decay", self.weight_decay)?;
        non_negative("initial_accumulator_value", self.initial_accumulator_value)?;
        non_negative("eps", self.eps)
    }
}

/// Adagrad state.
#[derive(Clone, Debug)]
pub struct Adagrad {
    p: AdagradParams,
    step: f64,
    sum: DVector<f64>,
    eff: DVector<f64>,
    grad: DVector<f64>,
}

impl Adagrad {
    /// A fresh optimizer.
    #[must_use]
    pub fn new(p: &AdagradParams) -> Self {
        Self {
            p: p.clone(),
            step: 0.0,
            sum: DVector::zeros(0),
            eff: DVector::zeros(0),
            grad: DVector::zeros(0),
        }
    }
}

impl Tunable for Adagrad {
    fn lr(&self) -> f64 {
        self.p.lr
    }
    fn set_lr(&mut self, lr: f64) {
        self.p.lr = lr;
    }
    fn effective_lr(&self) -> Option<&DVector<f64>> {
        (self.step > 0.0).then_some(&self.eff)
    }
}

impl FirstOrder for Adagrad {
    #[inline(always)]
    fn update(&mut self, x: &mut DVector<f64>, g: &DVector<f64>) {
        let p = &self.p;
        ensure_len(&mut self.sum, x.len(), p.initial_accumulator_value);
        ensure_len(&mut self.eff, x.len(), 0.0);
        self.step += 1.0;
        let clr = p.lr / (1.0 + (self.step - 1.0) * p.lr_decay);
        for i in 0..x.len() {
            let mut gi = if p.maximize { -g[i] } else { g[i] };
            if p.weight_decay != 0.0 {
                gi = fma(p.weight_decay, x[i], gi);
            }
            self.sum[i] = fma(gi, gi, self.sum[i]);
            let std = self.sum[i].sqrt() + p.eps;
            x[i] += -clr * gi / std;
            self.eff[i] = clr / std;
        }
    }
    fn grad_buffer(&mut self) -> &mut DVector<f64> {
        &mut self.grad
    }
}

impl Method for AdagradParams {
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
        Box::new(Adagrad::new(self))
    }

    fn knobs(&mut self, k: &mut dyn Knobs) {
        let d = Self::default();
        k.real(
            Real {
                name: "lr_decay",
                range: 0.0..=1.0,
                scale: Scale::Linear,
                default: d.lr_decay,
                help: "Adagrad's learning-rate decay: lr / (1 + (t - 1) * lr_decay).",
            },
            &mut self.lr_decay,
        );
        knobs::weight_decay(k, &mut self.weight_decay, d.weight_decay);
        k.real(
            Real {
                name: "initial_accum.",
                range: 0.0..=10.0,
                scale: Scale::Linear,
                default: d.initial_accumulator_value,
                help: "Starting value of Adagrad's sum of squared gradients.",
            },
            &mut self.initial_accumulator_value,
        );
        knobs::eps(k, &mut self.eps, d.eps);
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
        // f = 1/2 (x^2 + 10 y^2) from (1, 1), lr = 0.1, eps = 0 for round numbers.
        let mut o = Adagrad::new(&AdagradParams {
            lr: 0.1,
            eps: 0.0,
            ..AdagradParams::default()
        });
        let mut q = QuadraticOracle::diagonal(&[1.0, 10.0]);
        let mut x = v(&[1.0, 1.0]);
        o.step(&mut x, &mut q).unwrap();
        // s = (1, 100); x1 = x - 0.1 * g / sqrt(s) = (0.9, 0.9): the sign of the gradient
        assert_close(&x, &[0.9, 0.9], 1e-15);
        o.step(&mut x, &mut q).unwrap();
        // g = (0.9, 9); s = (1.81, 181); x2 = 0.9 - 0.1 * 0.9 / sqrt(1.81), 0.9 - 0.1 * 9 / sqrt(181)
        assert_close(
            &x,
            &[0.9 - 0.09 / 1.81f64.sqrt(), 0.9 - 0.9 / 181f64.sqrt()],
            1e-15,
        );
        assert_close(
            o.effective_lr().unwrap(),
            &[0.1 / 1.81f64.sqrt(), 0.1 / 181f64.sqrt()],
            1e-15,
        );
    }

    #[test]
    fn lr_decay_and_initial_accumulator() {
        let p = AdagradParams {
            lr: 0.1,
            lr_decay: 1.0,
            initial_accumulator_value: 3.0,
            eps: 0.0,
            ..AdagradParams::default()
        };
        let mut o = Adagrad::new(&p);
        let mut q = QuadraticOracle::diagonal(&[1.0, 1.0]);
        let mut x = v(&[1.0, 1.0]);
        o.step(&mut x, &mut q).unwrap();
        // s = 3 + 1 = 4; x1 = 1 - 0.1 * 1 / 2 = 0.95
        assert_close(&x, &[0.95, 0.95], 1e-15);
        o.step(&mut x, &mut q).unwrap();
        // clr = 0.1 / 2; s = 4 + 0.9025; x2 = 0.95 - 0.05 * 0.95 / sqrt(4.9025)
        let x2 = 0.95 - 0.05 * 0.95 / 4.9025f64.sqrt();
        assert_close(&x, &[x2, x2], 1e-15);
    }
}
