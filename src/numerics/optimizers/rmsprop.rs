//! RMSprop, as torch.optim.RMSprop, with the course's "eps inside the square root" as an option.
//!
//! g <- grad + weight_decay * x
//! v <- alpha * v + (1 - alpha) g^2
//! centered:  m <- m + (1 - alpha)(g - m);  a = sqrt(v - m^2) + eps   else  a = sqrt(v) + eps
//! (eps_inside_sqrt: a = sqrt(v [- m^2] + eps), as in the course notes)
//! momentum > 0:  b <- momentum * b + g / a;  x <- x - lr * b       else  x <- x - lr * g / a
//! Defaults (torch): lr = 1e-2, alpha = 0.99, eps = 1e-8, weight_decay = 0, momentum = 0,
//! centered = false; eps_inside_sqrt = false. Reference: Hinton, Coursera lecture 6e, 2012;
//! <https://pytorch.org/docs/stable/generated/torch.optim.RMSprop.html>.

use super::knobs::{self, Knobs, Real, Scale};
use super::{
    FirstOrder, Method, Optimizer, Tunable, ensure_len, fma, lerp, non_negative, positive,
};
use crate::numerics::ParamError;
use nalgebra::DVector;
use serde::{Deserialize, Serialize};

pub(crate) const RULE: &str = "g = grad f(x) + weight_decay * x
v <- alpha * v + (1 - alpha) * g^2          (per coordinate)
x <- x - lr * g / (sqrt(v) + eps)
[centered: v - m^2 with m the mean of g;  momentum: b <- momentum b + g/(sqrt(v)+eps), x <- x - lr b]";
pub(crate) const RULE_EPS_INSIDE: &str = "g = grad f(x) + weight_decay * x
v <- alpha * v + (1 - alpha) * g^2          (per coordinate)
x <- x - lr * g / sqrt(v + eps)             (eps inside the root, as in the course)";

/// torch.optim.RMSprop's parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RmsPropParams {
    /// Learning rate.
    pub lr: f64,
    /// Smoothing constant of the squared-gradient average.
    pub alpha: f64,
    /// Added to the denominator.
    pub eps: f64,
    /// L2 penalty.
    pub weight_decay: f64,
    /// Momentum factor.
    pub momentum: f64,
    /// Normalise by the estimated variance instead of the second moment.
    pub centered: bool,
    /// Ascend instead of descend.
    pub maximize: bool,
    /// Course variant: eps inside the square root (not a torch option).
    pub eps_inside_sqrt: bool,
}

impl Default for RmsPropParams {
    fn default() -> Self {
        Self {
            lr: 1e-2,
            alpha: 0.99,
            eps: 1e-8,
            weight_decay: 0.0,
            momentum: 0.0,
            centered: false,
            maximize: false,
            eps_inside_sqrt: false,
        }
    }
}

impl RmsPropParams {
    /// Checks ranges as torch does (plus finiteness and alpha <= 1).
    pub fn validate(&self) -> Result<(), ParamError> {
        positive("lr", self.lr)?;
        if !(0.0..=1.0).contains(&self.alpha) {
            return Err(ParamError::new(
                "alpha",
                format!(
                    "must be in [0, 1], got {}",
                    crate::numerics::short(self.alpha)
                ),
            ));
        }
        non_negative("eps", self.eps)?;
        non_negative("weight_decay", self.weight_decay)?;
        non_negative("momentum", self.momentum)
    }
}

/// RMSprop state.
#[derive(Clone, Debug)]
pub struct RmsProp {
    p: RmsPropParams,
    square_avg: DVector<f64>,
    grad_avg: DVector<f64>,
    buf: DVector<f64>,
    eff: DVector<f64>,
    grad: DVector<f64>,
    stepped: bool,
}

impl RmsProp {
    /// A fresh optimizer.
    #[must_use]
    pub fn new(p: &RmsPropParams) -> Self {
        Self {
            p: p.clone(),
            square_avg: DVector::zeros(0),
            grad_avg: DVector::zeros(0),
            buf: DVector::zeros(0),
            eff: DVector::zeros(0),
            grad: DVector::zeros(0),
            stepped: false,
        }
    }
}

impl Tunable for RmsProp {
    fn lr(&self) -> f64 {
        self.p.lr
    }
    fn set_lr(&mut self, lr: f64) {
        self.p.lr = lr;
    }
    fn effective_lr(&self) -> Option<&DVector<f64>> {
        self.stepped.then_some(&self.eff)
    }
    fn velocity(&self) -> Option<&DVector<f64>> {
        (self.p.momentum > 0.0 && self.stepped).then_some(&self.buf)
    }
}

impl FirstOrder for RmsProp {
    #[inline(always)]
    fn update(&mut self, x: &mut DVector<f64>, g: &DVector<f64>) {
        let p = &self.p;
        let n = x.len();
        ensure_len(&mut self.square_avg, n, 0.0);
        ensure_len(&mut self.grad_avg, n, 0.0);
        ensure_len(&mut self.buf, n, 0.0);
        ensure_len(&mut self.eff, n, 0.0);
        for i in 0..n {
            let mut gi = if p.maximize { -g[i] } else { g[i] };
            if p.weight_decay != 0.0 {
                gi = fma(p.weight_decay, x[i], gi);
            }
            let v = fma((1.0 - p.alpha) * gi, gi, self.square_avg[i] * p.alpha);
            self.square_avg[i] = v;
            let second = if p.centered {
                let m = lerp(self.grad_avg[i], gi, 1.0 - p.alpha);
                self.grad_avg[i] = m;
                fma(-m, m, v)
            } else {
                v
            };
            let avg = if p.eps_inside_sqrt {
                (second + p.eps).sqrt()
            } else {
                second.sqrt() + p.eps
            };
            if p.momentum > 0.0 {
                self.buf[i] = self.buf[i] * p.momentum + gi / avg;
                x[i] = fma(-p.lr, self.buf[i], x[i]);
            } else {
                x[i] += -p.lr * gi / avg;
            }
            self.eff[i] = p.lr / avg;
        }
        self.stepped = true;
    }
    fn grad_buffer(&mut self) -> &mut DVector<f64> {
        &mut self.grad
    }
}

impl Method for RmsPropParams {
    fn lr(&self) -> f64 {
        self.lr
    }

    fn set_lr(&mut self, lr: f64) {
        self.lr = lr;
    }

    fn rule(&self) -> &'static str {
        if self.eps_inside_sqrt {
            RULE_EPS_INSIDE
        } else {
            RULE
        }
    }

    fn validate(&self) -> Result<(), ParamError> {
        Self::validate(self)
    }

    fn build(&self) -> Box<dyn Optimizer> {
        Box::new(RmsProp::new(self))
    }

    fn knobs(&mut self, k: &mut dyn Knobs) {
        let d = Self::default();
        k.real(
            Real {
                name: "alpha",
                range: 0.0..=0.9999,
                scale: Scale::Linear,
                default: d.alpha,
                help: "Smoothing constant of the running average of squared gradients.",
            },
            &mut self.alpha,
        );
        knobs::eps(k, &mut self.eps, d.eps);
        knobs::weight_decay(k, &mut self.weight_decay, d.weight_decay);
        knobs::momentum(k, &mut self.momentum, d.momentum);
        k.flag(
            "centered",
            &mut self.centered,
            d.centered,
            "Normalise by the estimated variance of the gradient instead of its second moment.",
        );
        k.flag(
            "eps inside sqrt",
            &mut self.eps_inside_sqrt,
            d.eps_inside_sqrt,
            "The course's form: divide by sqrt(v + eps) instead of sqrt(v) + eps.",
        );
        knobs::maximize(k, &mut self.maximize);
    }

    fn momentum_mut(&mut self) -> Option<&mut f64> {
        Some(&mut self.momentum)
    }
}

#[cfg(test)]
mod tests {
    use super::super::Optimizer;
    use super::super::testing::{QuadraticOracle, assert_close, v};
    use super::*;

    fn two_steps(p: &RmsPropParams) -> (DVector<f64>, DVector<f64>) {
        let mut o = RmsProp::new(p);
        let mut q = QuadraticOracle::diagonal(&[1.0, 1.0]);
        let mut x = v(&[1.0, -2.0]);
        o.step(&mut x, &mut q).unwrap();
        let x1 = x.clone();
        o.step(&mut x, &mut q).unwrap();
        (x1, x)
    }

    #[test]
    fn first_two_steps() {
        // f = |x|^2 / 2, alpha = 0.5, lr = 0.1, eps = 0: v1 = g^2 / 2, step = lr sqrt(2) sign(g)
        let p = RmsPropParams {
            lr: 0.1,
            alpha: 0.5,
            eps: 0.0,
            ..RmsPropParams::default()
        };
        let (x1, x2) = two_steps(&p);
        let s = 0.1 * 2f64.sqrt();
        assert_close(&x1, &[1.0 - s, -2.0 + s], 1e-15);
        // v2 = 0.5 v1 + 0.5 g1^2
        let g1 = [1.0 - s, -2.0 + s];
        let v2: Vec<f64> = [1.0f64, 4.0]
            .iter()
            .zip(g1)
            .map(|(g0, g1)| 0.25 * g0 + 0.5 * g1 * g1)
            .collect();
        assert_close(
            &x2,
            &[
                g1[0] - 0.1 * g1[0] / v2[0].sqrt(),
                g1[1] - 0.1 * g1[1] / v2[1].sqrt(),
            ],
            1e-15,
        );
    }

    #[test]
    fn eps_inside_the_root() {
        let p = RmsPropParams {
            lr: 0.1,
            alpha: 0.5,
            eps: 0.5,
            eps_inside_sqrt: true,
            ..RmsPropParams::default()
        };
        let (x1, _) = two_steps(&p);
        // v1 = (0.5, 2); x1 = x - 0.1 g / sqrt(v1 + 0.5)
        assert_close(&x1, &[1.0 - 0.1, -2.0 + 0.2 / 2.5f64.sqrt()], 1e-15);
    }

    #[test]
    fn centered_with_momentum() {
        let p = RmsPropParams {
            lr: 0.1,
            alpha: 0.5,
            eps: 0.0,
            centered: true,
            momentum: 0.5,
            ..RmsPropParams::default()
        };
        let (x1, _) = two_steps(&p);
        // v1 = g^2/2, m1 = g/2, v - m^2 = g^2/4, a = |g|/2, b = 2 sign(g), x1 = x - 0.2 sign(g)
        assert_close(&x1, &[0.8, -1.8], 1e-15);
    }
}
