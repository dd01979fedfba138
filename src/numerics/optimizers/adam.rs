//! Adam and AdamW, as torch.optim.Adam / AdamW, with the course's forms as options beside
//! torch's: "steady state" Adam (no bias correction), eps inside the root, and AMSGrad's
//! maximum of the bias-corrected second moment.
//!
//! t <- t + 1
//! AdamW: x <- x (1 - lr * weight_decay)        Adam: g <- grad + weight_decay * x
//! m <- beta1 m + (1 - beta1) g;   v <- beta2 v + (1 - beta2) g^2
//! amsgrad: v_max <- max(v_max, v), used in place of v
//! x <- x - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
//! bias_correction = false (steady state): x <- x - lr * m / (sqrt(v) + eps)
//! eps_inside_sqrt = true (the course's form, 001:401-405): sqrt(v^ + eps) in place of
//! sqrt(v^) + eps; with bias_correction = false too, the course's Adam exactly
//! amsgrad_max_corrected = true (with amsgrad; the course's form, 003:276-278): the maximum
//! is taken of the bias-corrected v, v^ <- max(v^, v / (1 - beta2^t)), and
//! x <- x - lr m^ / (sqrt(v^) + eps). torch keeps the maximum of the raw v and divides it by
//! the current 1 - beta2^t; as that grows with t, the course's v^ is never the smaller. The
//! course's step sizes lr / sqrt(v^) never grow, torch's can (as its correction grows), and an
//! early large gradient, whose corrected v is about g^2 itself, bounds every later step size.
//! Without bias correction the two forms are the same. The course's update line writes m
//! where its Adam (003:267-271) means the bias-corrected m^: this is m^, as in torch.
//! Defaults (torch): lr = 1e-3, betas = (0.9, 0.999), eps = 1e-8, weight_decay = 0 (AdamW:
//! 1e-2), amsgrad = false; bias_correction = true, eps_inside_sqrt = false,
//! amsgrad_max_corrected = false. References: Kingma & Ba, ICLR 2015; Loshchilov & Hutter,
//! ICLR 2019; Reddi et al. (AMSGrad), ICLR 2018;
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
x <- x - lr * m^ / (sqrt(v^) + eps)";
pub(crate) const RULE_AMSGRAD: &str = "g = grad f(x) + weight_decay * x
m <- beta1 m + (1 - beta1) g        v <- beta2 v + (1 - beta2) g^2
m^ = m / (1 - beta1^t)              v_max <- max(v_max, v);  v^ = v_max / (1 - beta2^t)
x <- x - lr * m^ / (sqrt(v^) + eps)          (AMSGrad, torch's form: max of the raw v)";
pub(crate) const RULE_AMSGRAD_MAX_CORRECTED: &str = "g = grad f(x) + weight_decay * x
m <- beta1 m + (1 - beta1) g        v <- beta2 v + (1 - beta2) g^2
m^ = m / (1 - beta1^t)              v^ <- max(v^, v / (1 - beta2^t))
x <- x - lr * m^ / (sqrt(v^) + eps)          (AMSGrad, the course's form: max of the corrected v)";
pub(crate) const RULE_AMSGRAD_MAX_CORRECTED_EPS_INSIDE: &str = "g = grad f(x) + weight_decay * x
m <- beta1 m + (1 - beta1) g        v <- beta2 v + (1 - beta2) g^2
m^ = m / (1 - beta1^t)              v^ <- max(v^, v / (1 - beta2^t))
x <- x - lr * m^ / sqrt(v^ + eps)            (AMSGrad, the course's form; eps inside the root)";
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
pub(crate) const RULE_ADAMW_AMSGRAD: &str =
    "x <- x - lr * weight_decay * x              (decoupled weight decay)
m <- beta1 m + (1 - beta1) g        v <- beta2 v + (1 - beta2) g^2
v_max <- max(v_max, v);  v^ = v_max / (1 - beta2^t)         (AMSGrad, torch's form)
x <- x - lr * m^ / (sqrt(v^) + eps)          (m^ bias-corrected)";
pub(crate) const RULE_ADAMW_AMSGRAD_MAX_CORRECTED: &str =
    "x <- x - lr * weight_decay * x              (decoupled weight decay)
m <- beta1 m + (1 - beta1) g        v <- beta2 v + (1 - beta2) g^2
v^ <- max(v^, v / (1 - beta2^t))    (AMSGrad, the course's form: max of the corrected v)
x <- x - lr * m^ / (sqrt(v^) + eps)          (m^ bias-corrected)";

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
    /// Course variant of AMSGrad (needs `amsgrad`): the maximum over the bias-corrected
    /// v / (1 - beta2^t), not torch's maximum of the raw v divided by the current correction.
    pub amsgrad_max_corrected: bool,
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
            amsgrad_max_corrected: false,
        }
    }
}

impl AdamParams {
    /// Checks ranges as torch does (plus finiteness), and that the course's form of AMSGrad
    /// comes with AMSGrad.
    pub fn validate(&self) -> Result<(), ParamError> {
        positive("lr", self.lr)?;
        beta("betas.0", self.betas.0)?;
        beta("betas.1", self.betas.1)?;
        non_negative("eps", self.eps)?;
        non_negative("weight_decay", self.weight_decay)?;
        amsgrad_form(self.amsgrad, self.amsgrad_max_corrected)
    }
}

/// `amsgrad_max_corrected` chooses a form of AMSGrad, so without `amsgrad` it would do
/// nothing: a preset that sets it alone is refused rather than silently run as plain Adam.
fn amsgrad_form(amsgrad: bool, max_corrected: bool) -> Result<(), ParamError> {
    if max_corrected && !amsgrad {
        Err(ParamError::new(
            "amsgrad_max_corrected",
            "the course's form of AMSGrad needs amsgrad: true",
        ))
    } else {
        Ok(())
    }
}

/// Keeps the AMSGrad form valid after an edit in the editor: choosing the course's form turns
/// AMSGrad on, turning AMSGrad off drops the form.
fn amsgrad_edited(amsgrad: &mut bool, max_corrected: &mut bool, before: (bool, bool)) {
    if *max_corrected && !before.1 {
        *amsgrad = true;
    }
    if !*amsgrad {
        *max_corrected = false;
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
    /// Course variant of AMSGrad (needs `amsgrad`): the maximum over the bias-corrected
    /// v / (1 - beta2^t).
    pub amsgrad_max_corrected: bool,
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
            amsgrad_max_corrected: false,
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
            amsgrad_max_corrected: self.amsgrad_max_corrected,
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
    #[inline(always)]
    fn update(&mut self, x: &mut DVector<f64>, g: &DVector<f64>) {
        let p = &self.p;
        let n = x.len();
        ensure_len(&mut self.exp_avg, n, 0.0);
        ensure_len(&mut self.exp_avg_sq, n, 0.0);
        ensure_len(&mut self.max_exp_avg_sq, n, 0.0);
        ensure_len(&mut self.eff, n, 0.0);
        self.step += 1.0;
        let (beta1, beta2) = p.betas;
        let (step_size, bias_correction2, bias_correction2_sqrt) = if p.bias_correction {
            let bias_correction1 = 1.0 - self.beta1_t.powf(beta1, self.step);
            let bias_correction2 = 1.0 - self.beta2_t.powf(beta2, self.step);
            (
                p.lr / bias_correction1,
                bias_correction2,
                bias_correction2.powf(0.5),
            )
        } else {
            (p.lr, 1.0, 1.0)
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
        // The second moment the step divides by, and the square root of the correction still
        // to be applied to it: none for the course's AMSGrad, whose maximum is of corrected v.
        let (second, correction_sqrt) = if p.amsgrad {
            let maxima = self
                .max_exp_avg_sq
                .as_mut_slice()
                .iter_mut()
                .zip(self.exp_avg_sq.as_slice());
            if p.amsgrad_max_corrected {
                for (vhat, &v) in maxima {
                    *vhat = vhat.max(v / bias_correction2);
                }
                (self.max_exp_avg_sq.as_slice(), 1.0)
            } else {
                for (vmax, &v) in maxima {
                    *vmax = vmax.max(v);
                }
                (self.max_exp_avg_sq.as_slice(), bias_correction2_sqrt)
            }
        } else {
            (self.exp_avg_sq.as_slice(), bias_correction2_sqrt)
        };
        let steps = x
            .iter_mut()
            .zip(self.exp_avg.as_slice())
            .zip(second)
            .zip(self.eff.as_mut_slice());
        if p.eps_inside_sqrt {
            // sqrt(v^ + eps) with v^ = v / (1 - beta2^t), the course's denominator.
            let correction = correction_sqrt * correction_sqrt;
            for (((xi, &m), &second), eff) in steps {
                let denom = (second / correction + eps).sqrt();
                *xi += -step_size * m / denom;
                *eff = lr / denom;
            }
        } else {
            for (((xi, &m), &second), eff) in steps {
                let denom = second.sqrt() / correction_sqrt + eps;
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
        // Without bias correction both AMSGrad forms are the maximum of v itself.
        let course_amsgrad = self.amsgrad && self.amsgrad_max_corrected && self.bias_correction;
        match (self.bias_correction, self.eps_inside_sqrt) {
            (true, false) if course_amsgrad => RULE_AMSGRAD_MAX_CORRECTED,
            (true, true) if course_amsgrad => RULE_AMSGRAD_MAX_CORRECTED_EPS_INSIDE,
            (true, false) if self.amsgrad => RULE_AMSGRAD,
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
            "amsgrad max of v^",
            &mut self.amsgrad_max_corrected,
            d.amsgrad_max_corrected,
            knobs::AMSGRAD_MAX_CORRECTED_HELP,
        );
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

    fn edited(&mut self, before: &Self) {
        amsgrad_edited(
            &mut self.amsgrad,
            &mut self.amsgrad_max_corrected,
            (before.amsgrad, before.amsgrad_max_corrected),
        );
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
        match (self.amsgrad, self.amsgrad_max_corrected) {
            (true, true) => RULE_ADAMW_AMSGRAD_MAX_CORRECTED,
            (true, false) => RULE_ADAMW_AMSGRAD,
            (false, _) => RULE_ADAMW,
        }
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
        k.flag(
            "amsgrad max of v^",
            &mut self.amsgrad_max_corrected,
            d.amsgrad_max_corrected,
            knobs::AMSGRAD_MAX_CORRECTED_HELP,
        );
        knobs::maximize(k, &mut self.maximize);
    }

    fn edited(&mut self, before: &Self) {
        amsgrad_edited(
            &mut self.amsgrad,
            &mut self.amsgrad_max_corrected,
            (before.amsgrad, before.amsgrad_max_corrected),
        );
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

    /// The course's AMSGrad (003:276-278) against torch's on a large first gradient and small
    /// later ones: the course's denominator is sqrt of the largest corrected v^ = v / (1 -
    /// beta2^t), here the first gradient's square for good; torch's is sqrt of the largest raw
    /// v over today's sqrt(1 - beta2^t), which falls as the correction grows. Both step with m^.
    #[test]
    fn the_course_s_amsgrad_divides_by_the_largest_corrected_second_moment() {
        let (lr, b1, b2, eps) = (0.1, 0.9f64, 0.999f64, 1e-8);
        let torch = AdamParams {
            lr,
            amsgrad: true,
            ..AdamParams::default()
        };
        let course = AdamParams {
            amsgrad_max_corrected: true,
            ..torch.clone()
        };
        let (mut o_torch, mut o_course) = (Adam::new(&torch, false), Adam::new(&course, false));
        let (mut x_torch, mut x_course) = (v(&[0.0]), v(&[0.0]));
        // By hand: the moments, both maxima and the course's iterate.
        let (mut m, mut v2, mut v_max, mut v_hat, mut x) = (0.0, 0.0, 0.0, 0.0, 0.0);
        let (mut denom_torch, mut denom_course) = (0.0, 0.0);
        for t in 1..=30_u8 {
            let g = if t <= 3 { 10.0 } else { 0.1 };
            o_torch.update(&mut x_torch, &v(&[g]));
            o_course.update(&mut x_course, &v(&[g]));
            let t = f64::from(t);
            m = b1 * m + (1.0 - b1) * g;
            v2 = b2 * v2 + (1.0 - b2) * g * g;
            let (c1, c2) = (1.0 - b1.powf(t), 1.0 - b2.powf(t));
            v_max = f64::max(v_max, v2);
            v_hat = f64::max(v_hat, v2 / c2);
            x -= lr * (m / c1) / (v_hat.sqrt() + eps);
            // The denominators, read back from the effective step sizes lr / denominator.
            denom_torch = lr / o_torch.effective_lr().unwrap()[0];
            denom_course = lr / o_course.effective_lr().unwrap()[0];
            let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * b.abs();
            assert!(
                close(denom_torch, v_max.sqrt() / c2.sqrt() + eps),
                "step {t}"
            );
            assert!(close(denom_course, v_hat.sqrt() + eps), "step {t}");
            assert!(denom_course >= denom_torch, "step {t}");
            assert_close(&x_course, &[x], 1e-12);
        }
        // The course's maximum is the first step's v^ = g^2 = 100 to the end; the raw v peaked at
        // step 3, and torch divides it by a correction that has grown about tenfold since.
        assert!((v_hat - 100.0).abs() < 1e-9, "{v_hat}");
        assert!((denom_course - (10.0 + eps)).abs() < 1e-9, "{denom_course}");
        assert!(denom_torch < 0.4 * denom_course, "{denom_torch}");
        assert!(x_course[0].abs() < x_torch[0].abs(), "{x_course} {x_torch}");
    }

    /// Without bias correction the corrected v is v itself: the two forms are the same.
    #[test]
    fn without_bias_correction_the_two_amsgrad_forms_agree() {
        let torch = AdamParams {
            lr: 0.1,
            amsgrad: true,
            bias_correction: false,
            ..AdamParams::default()
        };
        let course = AdamParams {
            amsgrad_max_corrected: true,
            ..torch.clone()
        };
        assert_eq!(
            steps(&torch, false, &[1.0, 10.0], &[1.0, 1.0], 20),
            steps(&course, false, &[1.0, 10.0], &[1.0, 1.0], 20)
        );
        assert_ne!(
            steps(&torch, false, &[1.0, 10.0], &[1.0, 1.0], 20),
            steps(
                &AdamParams {
                    bias_correction: true,
                    ..course
                },
                false,
                &[1.0, 10.0],
                &[1.0, 1.0],
                20
            )
        );
    }

    #[test]
    fn the_course_s_amsgrad_needs_amsgrad_and_the_editor_keeps_it_so() {
        let alone = AdamParams {
            amsgrad_max_corrected: true,
            ..AdamParams::default()
        };
        assert_eq!(alone.validate().unwrap_err().field, "amsgrad_max_corrected");
        let alone_w = AdamWParams {
            amsgrad_max_corrected: true,
            ..AdamWParams::default()
        };
        assert_eq!(
            alone_w.validate().unwrap_err().field,
            "amsgrad_max_corrected"
        );
        // Ticking the course's form ticks amsgrad; unticking amsgrad unticks the form.
        let before = AdamParams::default();
        let mut p = alone.clone();
        p.edited(&before);
        assert!(p.amsgrad && p.amsgrad_max_corrected && p.validate().is_ok());
        let before = p.clone();
        p.amsgrad = false;
        p.edited(&before);
        assert!(!p.amsgrad && !p.amsgrad_max_corrected);
        let mut w = alone_w;
        w.edited(&AdamWParams::default());
        assert!(w.amsgrad && w.validate().is_ok());
        assert_eq!(Method::rule(&w), RULE_ADAMW_AMSGRAD_MAX_CORRECTED);
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
