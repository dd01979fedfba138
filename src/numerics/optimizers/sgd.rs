//! Stochastic gradient descent with momentum, as torch.optim.SGD; and plain GD.
//!
//! g <- grad + weight_decay * x
//! b <- g on the first step, else momentum * b + (1 - dampening) * g
//! d <- g + momentum * b if nesterov, else b           (d = g when momentum = 0)
//! x <- x - lr * d
//! Defaults (torch): lr = 1e-3, momentum = 0, dampening = 0, weight_decay = 0, nesterov = false,
//! maximize = false. With dampening 0 this is Polyak's heavy ball: x_{k+1} = x_k - lr grad +
//! momentum (x_k - x_{k-1}).
//! Course variant `dampen_first_step`: b starts at 0 and every step is dampened,
//! b <- momentum * b + (1 - dampening) * g, the exponential-moving-average form (000:429). Then
//! b is (1 - dampening) times the undampened buffer, so with dampening = momentum and lr / (1 -
//! momentum) it takes the standard form's steps, to rounding. Reference: <https://pytorch.org/docs/stable/generated/torch.optim.SGD.html>.

use super::knobs::{self, Knobs, Real, Scale};
use super::{
    FirstOrder, Method, Optimizer, Tunable, ensure_len, finite, fma, non_negative, positive,
};
use crate::numerics::ParamError;
use nalgebra::DVector;
use serde::{Deserialize, Serialize};

/// Slide text for GD.
pub(crate) const GD_RULE: &str = "x <- x - lr * grad f(x)";
/// Slide text for SGD.
pub(crate) const SGD_RULE: &str = "g = grad f(x) + weight_decay * x
b = momentum * b + (1 - dampening) * g      (b = g at the first step)
d = g + momentum * b  if nesterov,  else  b
x <- x - lr * d";
/// Slide text for SGD with every step dampened (the EMA form).
pub(crate) const SGD_EMA_RULE: &str = "g = grad f(x) + weight_decay * x
b = momentum * b + (1 - dampening) * g      (b = 0 before the first step)
x <- x - lr * b";

/// torch.optim.SGD's parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SgdParams {
    /// Learning rate.
    pub lr: f64,
    /// Momentum factor (0: none).
    pub momentum: f64,
    /// Dampening of the gradient in the momentum buffer.
    pub dampening: f64,
    /// L2 penalty added to the gradient.
    pub weight_decay: f64,
    /// Nesterov momentum (needs momentum > 0 and dampening 0).
    pub nesterov: bool,
    /// Ascend instead of descend.
    pub maximize: bool,
    /// Course variant: dampen the first step too (b starts at 0: the EMA form).
    pub dampen_first_step: bool,
}

impl Default for SgdParams {
    fn default() -> Self {
        Self {
            lr: 1e-3,
            momentum: 0.0,
            dampening: 0.0,
            weight_decay: 0.0,
            nesterov: false,
            maximize: false,
            dampen_first_step: false,
        }
    }
}

impl SgdParams {
    /// Checks ranges as torch does (plus finiteness).
    pub fn validate(&self) -> Result<(), ParamError> {
        positive("lr", self.lr)?;
        non_negative("momentum", self.momentum)?;
        finite("dampening", self.dampening)?;
        non_negative("weight_decay", self.weight_decay)?;
        if self.nesterov && (self.momentum <= 0.0 || self.dampening != 0.0) {
            return Err(ParamError::new(
                "nesterov",
                "Nesterov momentum needs momentum > 0 and dampening = 0",
            ));
        }
        Ok(())
    }
}

/// Plain gradient descent: the name the course uses for SGD without momentum.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GdParams {
    /// Learning rate (step size a).
    pub lr: f64,
}

impl Default for GdParams {
    fn default() -> Self {
        Self { lr: 1e-3 }
    }
}

impl GdParams {
    /// Checks the step size.
    pub fn validate(&self) -> Result<(), ParamError> {
        positive("lr", self.lr)
    }

    /// The equivalent torch SGD parameters.
    #[must_use]
    pub fn as_sgd(&self) -> SgdParams {
        SgdParams {
            lr: self.lr,
            ..SgdParams::default()
        }
    }
}

/// SGD state.
#[derive(Clone, Debug)]
pub struct Sgd {
    p: SgdParams,
    buf: DVector<f64>,
    has_buf: bool,
    grad: DVector<f64>,
}

impl Sgd {
    /// A fresh optimizer.
    #[must_use]
    pub fn new(p: &SgdParams) -> Self {
        Self {
            p: p.clone(),
            buf: DVector::zeros(0),
            has_buf: false,
            grad: DVector::zeros(0),
        }
    }
}

impl Tunable for Sgd {
    fn lr(&self) -> f64 {
        self.p.lr
    }
    fn set_lr(&mut self, lr: f64) {
        self.p.lr = lr;
    }
    fn set_momentum(&mut self, momentum: f64) -> bool {
        self.p.momentum = momentum;
        true
    }
    fn velocity(&self) -> Option<&DVector<f64>> {
        (self.p.momentum != 0.0 && self.has_buf).then_some(&self.buf)
    }
}

impl FirstOrder for Sgd {
    #[inline(always)]
    fn update(&mut self, x: &mut DVector<f64>, g: &DVector<f64>) {
        let p = &self.p;
        ensure_len(&mut self.buf, x.len(), 0.0);
        for i in 0..x.len() {
            let mut gi = if p.maximize { -g[i] } else { g[i] };
            if p.weight_decay != 0.0 {
                gi = fma(p.weight_decay, x[i], gi);
            }
            if p.momentum != 0.0 {
                let b = if self.has_buf {
                    fma(1.0 - p.dampening, gi, self.buf[i] * p.momentum)
                } else if p.dampen_first_step {
                    (1.0 - p.dampening) * gi
                } else {
                    gi
                };
                self.buf[i] = b;
                gi = if p.nesterov {
                    fma(p.momentum, b, gi)
                } else {
                    b
                };
            }
            x[i] = fma(-p.lr, gi, x[i]);
        }
        self.has_buf = true;
    }
    fn grad_buffer(&mut self) -> &mut DVector<f64> {
        &mut self.grad
    }
}

impl Method for GdParams {
    fn lr(&self) -> f64 {
        self.lr
    }

    fn set_lr(&mut self, lr: f64) {
        self.lr = lr;
    }

    fn rule(&self) -> &'static str {
        GD_RULE
    }

    fn validate(&self) -> Result<(), ParamError> {
        Self::validate(self)
    }

    fn build(&self) -> Box<dyn Optimizer> {
        Box::new(Sgd::new(&self.as_sgd()))
    }

    fn knobs(&mut self, _: &mut dyn Knobs) {}
}

impl Method for SgdParams {
    fn lr(&self) -> f64 {
        self.lr
    }

    fn set_lr(&mut self, lr: f64) {
        self.lr = lr;
    }

    fn rule(&self) -> &'static str {
        if self.dampen_first_step {
            SGD_EMA_RULE
        } else {
            SGD_RULE
        }
    }

    fn validate(&self) -> Result<(), ParamError> {
        Self::validate(self)
    }

    fn build(&self) -> Box<dyn Optimizer> {
        Box::new(Sgd::new(self))
    }

    fn knobs(&mut self, k: &mut dyn Knobs) {
        let d = Self::default();
        knobs::momentum(k, &mut self.momentum, d.momentum);
        k.real(
            Real {
                name: "dampening",
                range: 0.0..=1.0,
                scale: Scale::Linear,
                default: d.dampening,
                help: "Dampening: scales the new gradient's share of the momentum buffer by (1 - dampening).",
            },
            &mut self.dampening,
        );
        knobs::weight_decay(k, &mut self.weight_decay, d.weight_decay);
        k.flag(
            "nesterov",
            &mut self.nesterov,
            d.nesterov,
            "Nesterov momentum: evaluate the update at the look-ahead point (needs momentum > 0, dampening 0).",
        );
        k.flag(
            "dampen first step",
            &mut self.dampen_first_step,
            d.dampen_first_step,
            "The exponential-moving-average form: the buffer starts at 0 and the first step is \
             dampened too. With dampening = momentum and lr / (1 - momentum) it takes the \
             standard form's steps.",
        );
        knobs::maximize(k, &mut self.maximize);
    }

    fn edited(&mut self, before: &Self) {
        if self.nesterov && !before.nesterov {
            // torch requires momentum > 0 and no dampening.
            self.dampening = 0.0;
            if self.momentum == 0.0 {
                self.momentum = 0.9;
            }
        }
        if self.nesterov && (self.momentum == 0.0 || self.dampening != 0.0) {
            self.nesterov = false;
        }
    }

    fn momentum_mut(&mut self) -> Option<&mut f64> {
        Some(&mut self.momentum)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{QuadraticOracle, assert_close, v};
    use super::super::{Optimizer, OptimizerSpec};
    use super::*;

    /// The EMA form (every step dampened, dampening = momentum) with lr / (1 - momentum) takes
    /// the standard heavy ball's steps, to rounding; torch's dampening (first step undampened)
    /// does not.
    #[test]
    fn the_ema_form_of_momentum_is_the_standard_form_rescaled() {
        let run = |p: &SgdParams| {
            let mut o = Sgd::new(p);
            let mut q = QuadraticOracle::diagonal(&[1.0, 10.0]);
            let mut x = v(&[1.0, -1.0]);
            (0..50)
                .map(|_| {
                    o.step(&mut x, &mut q).unwrap();
                    x.clone()
                })
                .collect::<Vec<_>>()
        };
        let standard = SgdParams {
            lr: 0.01,
            momentum: 0.9,
            ..SgdParams::default()
        };
        let ema = SgdParams {
            lr: 0.1,
            dampening: 0.9,
            dampen_first_step: true,
            ..standard.clone()
        };
        let torch_dampened = SgdParams {
            dampen_first_step: false,
            ..ema.clone()
        };
        for (a, b) in run(&standard).iter().zip(run(&ema)) {
            assert!((a - &b).norm() <= 1e-13 * (1.0 + a.norm()), "{a} vs {b}");
        }
        let first_torch = &run(&torch_dampened)[0];
        assert!((first_torch - &run(&standard)[0]).norm() > 1e-3);
    }

    #[test]
    fn an_edit_keeps_nesterov_valid_as_torch_requires() {
        // Turning nesterov on gives it momentum and removes dampening...
        let before = SgdParams::default();
        let mut p = SgdParams {
            nesterov: true,
            dampening: 0.3,
            ..before.clone()
        };
        p.edited(&before);
        assert_eq!((p.momentum, p.dampening, p.nesterov), (0.9, 0.0, true));
        assert!(p.validate().is_ok());
        // ... and taking away its momentum (or adding dampening) turns it off.
        let before = p.clone();
        p.momentum = 0.0;
        p.edited(&before);
        assert!(!p.nesterov);
        assert!(p.validate().is_ok());
    }

    fn run(p: &SgdParams, steps: usize) -> DVector<f64> {
        let mut o = Sgd::new(p);
        let mut q = QuadraticOracle::diagonal(&[1.0, 10.0]);
        let mut x = v(&[1.0, 1.0]);
        for _ in 0..steps {
            o.step(&mut x, &mut q).unwrap();
        }
        x
    }

    // f = 1/2 (x^2 + 10 y^2) from (1, 1), gradient (x, 10 y).
    #[test]
    fn heavy_ball_first_two_steps() {
        let p = SgdParams {
            lr: 0.1,
            momentum: 0.9,
            ..SgdParams::default()
        };
        // b1 = g0 = (1, 10); x1 = (0.9, 0)
        assert_close(&run(&p, 1), &[0.9, 0.0], 1e-15);
        // g1 = (0.9, 0); b2 = 0.9 (1, 10) + (0.9, 0) = (1.8, 9); x2 = (0.72, -0.9)
        assert_close(&run(&p, 2), &[0.72, -0.9], 1e-15);
    }

    #[test]
    fn nesterov_first_two_steps() {
        let p = SgdParams {
            lr: 0.1,
            momentum: 0.9,
            nesterov: true,
            ..SgdParams::default()
        };
        // d0 = g0 + 0.9 b1 = (1.9, 19); x1 = (0.81, -0.9)
        assert_close(&run(&p, 1), &[0.81, -0.9], 1e-15);
        // g1 = (0.81, -9); b2 = (1.71, 0); d1 = (2.349, -9); x2 = (0.5751, 0)
        assert_close(&run(&p, 2), &[0.5751, 0.0], 1e-15);
    }

    #[test]
    fn dampening_skips_the_first_step_and_weight_decay_adds_l2() {
        let p = SgdParams {
            lr: 0.1,
            momentum: 0.9,
            dampening: 0.5,
            ..SgdParams::default()
        };
        // b1 = g0 (no dampening on the first step); b2 = 0.9 (1, 10) + 0.5 (0.9, 0) = (1.35, 9)
        assert_close(&run(&p, 2), &[0.765, -0.9], 1e-15);
        let p = SgdParams {
            lr: 0.1,
            weight_decay: 0.1,
            ..SgdParams::default()
        };
        // g0 = (1.1, 10.1); x1 = (0.89, -0.01)
        assert_close(&run(&p, 1), &[0.89, -0.01], 1e-15);
    }

    #[test]
    fn gd_is_sgd_without_momentum() {
        let gd = OptimizerSpec::GD(GdParams { lr: 0.05 });
        let sgd = OptimizerSpec::SGD(SgdParams {
            lr: 0.05,
            ..SgdParams::default()
        });
        let (mut a, mut b) = (gd.build().unwrap(), sgd.build().unwrap());
        let mut q = QuadraticOracle::diagonal(&[1.0, 10.0]);
        let (mut xa, mut xb) = (v(&[1.0, -2.0]), v(&[1.0, -2.0]));
        for _ in 0..50 {
            a.step(&mut xa, &mut q).unwrap();
            b.step(&mut xb, &mut q).unwrap();
            assert_eq!(xa, xb);
        }
        // and GD's per-coordinate factor is (1 - lr * l_i)^k exactly as the theory says
        let mut x = v(&[1.0, 1.0]);
        let mut o = OptimizerSpec::GD(GdParams { lr: 0.15 }).build().unwrap();
        for _ in 0..10 {
            o.step(&mut x, &mut q).unwrap();
        }
        assert_close(&x, &[0.85f64.powi(10), (-0.5f64).powi(10)], 1e-14);
    }

    #[test]
    fn validation() {
        let bad = SgdParams {
            nesterov: true,
            ..SgdParams::default()
        };
        assert_eq!(bad.validate().unwrap_err().field, "nesterov");
        let bad = SgdParams {
            lr: -0.1,
            ..SgdParams::default()
        };
        assert_eq!(
            bad.validate().unwrap_err().to_string(),
            "lr: must be > 0, got -0.1"
        );
    }
}
