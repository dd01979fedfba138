//! Adam and AdamW, as torch.optim.Adam / AdamW, with the course's "steady state" Adam (no bias
//! correction) as an option.
//!
//! t <- t + 1
//! AdamW: x <- x (1 - lr * weight_decay)        Adam: g <- grad + weight_decay * x
//! m <- beta1 m + (1 - beta1) g;   v <- beta2 v + (1 - beta2) g^2
//! amsgrad: v_max <- max(v_max, v), used in place of v
//! x <- x - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
//! bias_correction = false (steady state): x <- x - lr * m / (sqrt(v) + eps)
//! eps_inside_sqrt = true (the course's form, 001:401-405): sqrt(v^ + eps) in place of
//! sqrt(v^) + eps; with bias_correction = false too, the course's Adam exactly
//! Defaults (torch): lr = 1e-3, betas = (0.9, 0.999), eps = 1e-8, weight_decay = 0 (AdamW:
//! 1e-2), amsgrad = false; bias_correction = true. References: Kingma & Ba, ICLR 2015;
//! Loshchilov & Hutter, ICLR 2019; Reddi et al. (AMSGrad), ICLR 2018;
//! <https://pytorch.org/docs/stable/generated/torch.optim.Adam.html>.

use super::knobs::{self, Knobs};
use super::{
    DecayingPower, FirstOrder, Method, Optimizer, Tunable, beta, ensure_len, fma, lerp,
    non_negative, positive,
};
use crate::numerics::ParamError;
use nalgebra::DVector;
use serde::{Deserialize, Serialize};

pub(crate) const RULE: &str = "g = grad f(x) + weight_decay * x
m <- beta1 m + (1 - beta1) g        v <- beta2 v + (1 - beta2) g^2
m^ = m / (1 - beta1^t)              v^ = v / (1 - beta2^t)
x <- x - lr * m^ / (sqrt(v^) + eps)          [amsgrad: v^ from max over time of v]";
pub(crate) const RULE_STEADY_STATE: &str = "g = grad f(x) + weight_decay * x
m <- beta1 m + (1 - beta1) g        v <- beta2 v + (1 - beta2) g^2
x <- x - lr * m / (sqrt(v) + eps)            (no bias correction: 'steady state' Adam)";
pub(crate) const RULE_EPS_INSIDE: &str = "g = grad f(x) + weight_decay * x
m <- beta1 m + (1 - beta1) g        v <- beta2 v + (1 - beta2) g^2
m^ = m / (1 - beta1^t)              v^ = v / (1 - beta2^t)
x <- x - lr * m^ / sqrt(v^ + eps)            (eps inside the square root)";
pub(crate) const RULE_STEADY_STATE_EPS_INSIDE: &str = "g = grad f(x) + weight_decay * x
m <- beta1 m + (1 - beta1) g        v <- beta2 v + (1 - beta2) g^2
x <- x - lr * m / sqrt(v + eps)              (the course's Adam: no bias correction)";
pub(crate) const RULE_ADAMW: &str =
    "x <- x - lr * weight_decay * x              (decoupled weight decay)
m <- beta1 m + (1 - beta1) g        v <- beta2 v + (1 - beta2) g^2
x <- x - lr * m^ / (sqrt(v^) + eps)          (m^, v^ bias-corrected)";

/// torch.optim.Adam's parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AdamParams {
    /// Learning rate.
    pub lr: f64,
    /// Decay rates of the first and second moment averages.
    pub betas: (f64, f64),
    /// Added to the denominator.
    pub eps: f64,
    /// L2 penalty (added to the gradient).
    pub weight_decay: f64,
    /// Use the running maximum of v (AMSGrad).
    pub amsgrad: bool,
    /// Ascend instead of descend.
    pub maximize: bool,
    /// Decouple weight decay from the gradient (what AdamW does).
    pub decoupled_weight_decay: bool,
    /// Course variant: false gives "steady state" Adam without bias correction.
    pub bias_correction: bool,
    /// Course variant: eps inside the square root, sqrt(v^ + eps), as the course writes it.
    pub eps_inside_sqrt: bool,
}

impl Default for AdamParams {
    fn default() -> Self {
        Self {
            lr: 1e-3,
            betas: (0.9, 0.999),
            eps: 1e-8,
            weight_decay: 0.0,
            amsgrad: false,
            maximize: false,
            decoupled_weight_decay: false,
            bias_correction: true,
            eps_inside_sqrt: false,
        }
    }
}

impl AdamParams {
    /// Checks ranges as torch does (plus finiteness).
    pub fn validate(&self) -> Result<(), ParamError> {
        positive("lr", self.lr)?;
        beta("betas.0", self.betas.0)?;
        beta("betas.1", self.betas.1)?;
        non_negative("eps", self.eps)?;
        non_negative("weight_decay", self.weight_decay)
    }
}

/// torch.optim.AdamW's parameters (Adam with decoupled weight decay, default 1e-2).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AdamWParams {
    /// Learning rate.
    pub lr: f64,
    /// Decay rates of the first and second moment averages.
    pub betas: (f64, f64),
    /// Added to the denominator.
    pub eps: f64,
    /// Decoupled weight decay: x <- x (1 - lr * weight_decay) each step.
    pub weight_decay: f64,
    /// Use the running maximum of v (AMSGrad).
    pub amsgrad: bool,
    /// Ascend instead of descend.
    pub maximize: bool,
}

impl Default for AdamWParams {
    fn default() -> Self {
        Self {
            lr: 1e-3,
            betas: (0.9, 0.999),
            eps: 1e-8,
            weight_decay: 1e-2,
            amsgrad: false,
            maximize: false,
        }
    }
}

impl AdamWParams {
    /// The same optimizer written as Adam parameters.
    #[must_use]
    pub fn as_adam(&self) -> AdamParams {
        AdamParams {
            lr: self.lr,
            betas: self.betas,
            eps: self.eps,
            weight_decay: self.weight_decay,
            amsgrad: self.amsgrad,
            maximize: self.maximize,
            decoupled_weight_decay: true,
            bias_correction: true,
            eps_inside_sqrt: false,
        }
    }

    /// Checks ranges as torch does.
    pub fn validate(&self) -> Result<(), ParamError> {
        self.as_adam().validate()
    }
}

/// Adam / AdamW state.
#[derive(Clone, Debug)]
pub struct Adam {
    p: AdamParams,
    step: f64,
    beta1_t: DecayingPower,
    beta2_t: DecayingPower,
    exp_avg: DVector<f64>,
    exp_avg_sq: DVector<f64>,
    max_exp_avg_sq: DVector<f64>,
    eff: DVector<f64>,
    grad: DVector<f64>,
}

impl Adam {
    /// A fresh optimizer; `decoupled` forces AdamW's weight decay.
    #[must_use]
    pub fn new(p: &AdamParams, decoupled: bool) -> Self {
        let mut p = p.clone();
        p.decoupled_weight_decay |= decoupled;
        Self {
            p,
            step: 0.0,
            beta1_t: DecayingPower::default(),
            beta2_t: DecayingPower::default(),
            exp_avg: DVector::zeros(0),
            exp_avg_sq: DVector::zeros(0),
            max_exp_avg_sq: DVector::zeros(0),
            eff: DVector::zeros(0),
            grad: DVector::zeros(0),
        }
    }
}

impl Tunable for Adam {
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

impl FirstOrder for Adam {
    fn update(&mut self, x: &mut DVector<f64>, g: &DVector<f64>) {
        let p = &self.p;
        let n = x.len();
        ensure_len(&mut self.exp_avg, n, 0.0);
        ensure_len(&mut self.exp_avg_sq, n, 0.0);
        ensure_len(&mut self.max_exp_avg_sq, n, 0.0);
        ensure_len(&mut self.eff, n, 0.0);
        self.step += 1.0;
        let (beta1, beta2) = p.betas;
        let (step_size, bias_correction2_sqrt) = if p.bias_correction {
            let bias_correction1 = 1.0 - self.beta1_t.powf(beta1, self.step);
            let bias_correction2 = 1.0 - self.beta2_t.powf(beta2, self.step);
            (p.lr / bias_correction1, bias_correction2.powf(0.5))
        } else {
            (p.lr, 1.0)
        };
        // Two passes, each element's arithmetic unchanged: the moments (their fused
        // multiply-adds are library calls on targets without FMA instructions), then the
        // step, whose square roots and divisions are independent across elements and so
        // vectorise and pipeline once no call sits between them. The parameters are read
        // into locals, which the calls cannot change, so the loop does not reload them.
        let (lr, wd, eps) = (p.lr, p.weight_decay, p.eps);
        let (maximize, decoupled) = (p.maximize, p.decoupled_weight_decay);
        // Plain slices: nalgebra's iterators handle any stride and do not vectorise.
        let x = x.as_mut_slice();
        let (w1, w2) = (1.0 - beta1, 1.0 - beta2);
        if wd == 0.0 && !maximize {
            // The usual case, g as it is: one loop per moment, one call per element, so
            // that little has to be saved around the calls.
            for (m, &gi) in self.exp_avg.as_mut_slice().iter_mut().zip(g.as_slice()) {
                *m = lerp(*m, gi, w1);
            }
            for (v, &gi) in self.exp_avg_sq.as_mut_slice().iter_mut().zip(g.as_slice()) {
                *v = fma(w2 * gi, gi, *v * beta2);
            }
        } else {
            for (((xi, &gi), m), v) in x
                .iter_mut()
                .zip(g.as_slice())
                .zip(self.exp_avg.as_mut_slice())
                .zip(self.exp_avg_sq.as_mut_slice())
            {
                let mut gi = if maximize { -gi } else { gi };
                if wd != 0.0 {
                    if decoupled {
                        *xi *= 1.0 - lr * wd;
                    } else {
                        gi = fma(wd, *xi, gi);
                    }
                }
                *m = lerp(*m, gi, w1);
                *v = fma(w2 * gi, gi, *v * beta2);
            }
        }
        let second = if p.amsgrad {
            for (vmax, &v) in self
                .max_exp_avg_sq
                .as_mut_slice()
                .iter_mut()
                .zip(self.exp_avg_sq.as_slice())
            {
                *vmax = vmax.max(v);
            }
            self.max_exp_avg_sq.as_slice()
        } else {
            self.exp_avg_sq.as_slice()
        };
        let steps = x
            .iter_mut()
            .zip(self.exp_avg.as_slice())
            .zip(second)
            .zip(self.eff.as_mut_slice());
        if p.eps_inside_sqrt {
            // sqrt(v^ + eps) with v^ = v / (1 - beta2^t), the course's denominator.
            let bias_correction2 = bias_correction2_sqrt * bias_correction2_sqrt;
            for (((xi, &m), &second), eff) in steps {
                let denom = (second / bias_correction2 + eps).sqrt();
                *xi += -step_size * m / denom;
                *eff = lr / denom;
            }
        } else {
            for (((xi, &m), &second), eff) in steps {
                let denom = second.sqrt() / bias_correction2_sqrt + eps;
                *xi += -step_size * m / denom;
                *eff = lr / denom;
            }
        }
    }
    fn grad_buffer(&mut self) -> &mut DVector<f64> {
        &mut self.grad
    }
}

impl Method for AdamParams {
    fn lr(&self) -> f64 {
        self.lr
    }

    fn set_lr(&mut self, lr: f64) {
        self.lr = lr;
    }

    fn rule(&self) -> &'static str {
        match (self.bias_correction, self.eps_inside_sqrt) {
            (true, false) => RULE,
            (false, false) => RULE_STEADY_STATE,
            (true, true) => RULE_EPS_INSIDE,
            (false, true) => RULE_STEADY_STATE_EPS_INSIDE,
        }
    }

    fn validate(&self) -> Result<(), ParamError> {
        Self::validate(self)
    }

    fn build(&self) -> Box<dyn Optimizer> {
        Box::new(Adam::new(self, false))
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
        k.flag("amsgrad", &mut self.amsgrad, d.amsgrad, knobs::AMSGRAD_HELP);
        k.flag(
            "bias_correction",
            &mut self.bias_correction,
            d.bias_correction,
            "Bias correction of the moment estimates. Off gives the 'steady state' Adam of the slides.",
        );
        k.flag(
            "eps inside sqrt",
            &mut self.eps_inside_sqrt,
            d.eps_inside_sqrt,
            "The course's form: divide by sqrt(v^ + eps) instead of torch's sqrt(v^) + eps. With \
             bias correction off as well, the course's Adam exactly.",
        );
        knobs::maximize(k, &mut self.maximize);
    }
}

impl Method for AdamWParams {
    fn lr(&self) -> f64 {
        self.lr
    }

    fn set_lr(&mut self, lr: f64) {
        self.lr = lr;
    }

    fn rule(&self) -> &'static str {
        RULE_ADAMW
    }

    fn validate(&self) -> Result<(), ParamError> {
        Self::validate(self)
    }

    fn build(&self) -> Box<dyn Optimizer> {
        Box::new(Adam::new(&self.as_adam(), true))
    }

    fn knobs(&mut self, k: &mut dyn Knobs) {
        let d = Self::default();
        knobs::betas(k, &mut self.betas, d.betas);
        knobs::eps(k, &mut self.eps, d.eps);
        knobs::weight_decay(k, &mut self.weight_decay, d.weight_decay);
        k.flag("amsgrad", &mut self.amsgrad, d.amsgrad, knobs::AMSGRAD_HELP);
        knobs::maximize(k, &mut self.maximize);
    }
}

#[cfg(test)]
mod tests {
    use super::super::Optimizer;
    use super::super::testing::{QuadraticOracle, assert_close, v};
    use super::*;

    fn steps(
        p: &AdamParams,
        decoupled: bool,
        a: &[f64],
        x0: &[f64],
        n: usize,
    ) -> Vec<DVector<f64>> {
        let mut o = Adam::new(p, decoupled);
        let mut q = QuadraticOracle::diagonal(a);
        let mut x = v(x0);
        (0..n)
            .map(|_| {
                o.step(&mut x, &mut q).unwrap();
                x.clone()
            })
            .collect()
    }

    #[test]
    fn first_two_steps() {
        // f = 1/2 (x^2 + 10 y^2) from (1, 1), lr = 0.1, eps = 0.
        let p = AdamParams {
            lr: 0.1,
            eps: 0.0,
            ..AdamParams::default()
        };
        let xs = steps(&p, false, &[1.0, 10.0], &[1.0, 1.0], 2);
        // Step 1: m^ = g, v^ = g^2, so the step is lr * sign(g).
        assert_close(&xs[0], &[0.9, 0.9], 1e-15);
        // Step 2 by hand: g1 = (0.9, 9).
        let (b1, b2) = (0.9f64, 0.999f64);
        let expect = |g0: f64, g1: f64, x1: f64| {
            let m = b1 * (1.0 - b1) * g0 + (1.0 - b1) * g1;
            let vv = b2 * (1.0 - b2) * g0 * g0 + (1.0 - b2) * g1 * g1;
            let mhat = m / (1.0 - b1 * b1);
            let vhat = vv / (1.0 - b2 * b2);
            x1 - 0.1 * mhat / vhat.sqrt()
        };
        assert_close(
            &xs[1],
            &[expect(1.0, 0.9, 0.9), expect(10.0, 9.0, 0.9)],
            1e-14,
        );
    }

    #[test]
    fn steady_state_adam_has_small_first_steps() {
        // Without bias correction, m1 = 0.1 g and v1 = 0.001 g^2: step = lr * 0.1/sqrt(0.001) sign(g)
        let p = AdamParams {
            lr: 0.1,
            eps: 0.0,
            bias_correction: false,
            ..AdamParams::default()
        };
        let xs = steps(&p, false, &[1.0, 10.0], &[1.0, 1.0], 1);
        let s = 0.1 * 0.1 / 0.001f64.sqrt();
        assert_close(&xs[0], &[1.0 - s, 1.0 - s], 1e-14);
    }

    /// The course's Adam (001:401-405): no bias correction, x <- x - lr m / sqrt(v + eps), on
    /// the first two steps by hand; with bias correction, sqrt(v^ + eps).
    #[test]
    fn eps_inside_the_square_root_is_the_course_s_adam() {
        let (b1, b2, eps, lr) = (0.9f64, 0.999f64, 1e-3, 0.1);
        for bias_correction in [false, true] {
            let p = AdamParams {
                lr,
                eps,
                bias_correction,
                eps_inside_sqrt: true,
                ..AdamParams::default()
            };
            let xs = steps(&p, false, &[1.0, 10.0], &[1.0, 1.0], 2);
            let expect = |g: &[f64], x0: f64| {
                let (mut m, mut v, mut x) = (0.0, 0.0, x0);
                for (t, &gi) in g.iter().enumerate() {
                    m = b1 * m + (1.0 - b1) * gi;
                    v = b2 * v + (1.0 - b2) * gi * gi;
                    let t = f64::from(u8::try_from(t + 1).unwrap());
                    let (mc, vc) = if bias_correction {
                        (1.0 - b1.powf(t), 1.0 - b2.powf(t))
                    } else {
                        (1.0, 1.0)
                    };
                    x -= lr * (m / mc) / (v / vc + eps).sqrt();
                }
                x
            };
            // Coordinate 1: g = a x, with x from the recorded first step.
            for (i, a) in [1.0, 10.0].into_iter().enumerate() {
                let g = [a * 1.0, a * xs[0][i]];
                assert_close(&xs[1].rows(i, 1).into_owned(), &[expect(&g, 1.0)], 1e-14);
            }
        }
        // eps = 0: the same as torch's form.
        let inside = AdamParams {
            lr,
            eps: 0.0,
            eps_inside_sqrt: true,
            ..AdamParams::default()
        };
        let outside = AdamParams {
            eps_inside_sqrt: false,
            ..inside.clone()
        };
        assert_eq!(
            steps(&inside, false, &[1.0, 10.0], &[1.0, 1.0], 5),
            steps(&outside, false, &[1.0, 10.0], &[1.0, 1.0], 5)
        );
    }

    #[test]
    fn adamw_decays_before_the_adam_step() {
        let p = AdamWParams {
            lr: 0.1,
            weight_decay: 0.5,
            eps: 0.0,
            ..AdamWParams::default()
        }
        .as_adam();
        let xs = steps(&p, true, &[1.0, 1.0], &[2.0, -2.0], 1);
        // x (1 - 0.05) then - lr sign(g)
        assert_close(&xs[0], &[1.9 - 0.1, -1.9 + 0.1], 1e-15);
        // Adam's coupled decay instead adds 0.5 x to g: same sign, so also a sign step from x
        let p = AdamParams {
            lr: 0.1,
            weight_decay: 0.5,
            eps: 0.0,
            ..AdamParams::default()
        };
        let xs = steps(&p, false, &[1.0, 1.0], &[2.0, -2.0], 1);
        assert_close(&xs[0], &[1.9, -1.9], 1e-15);
    }

    #[test]
    fn amsgrad_keeps_the_largest_second_moment() {
        let p = AdamParams {
            lr: 0.1,
            amsgrad: true,
            ..AdamParams::default()
        };
        let mut o = Adam::new(&p, false);
        let mut q = QuadraticOracle::diagonal(&[1.0]);
        let mut x = v(&[10.0]);
        o.step(&mut x, &mut q).unwrap();
        let vmax = o.max_exp_avg_sq[0];
        for _ in 0..20 {
            o.step(&mut x, &mut q).unwrap();
            assert!(o.max_exp_avg_sq[0] >= o.exp_avg_sq[0]);
            assert!(o.max_exp_avg_sq[0] >= vmax);
        }
    }
}
