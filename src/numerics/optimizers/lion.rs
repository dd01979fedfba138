//! Lion (EvoLved Sign Momentum), as lion-pytorch's `Lion` computes it.
//!
//! x <- x (1 - lr * weight_decay)                        (decoupled weight decay)
//! c <- beta1 m + (1 - beta1) g;   x <- x - lr * sign(c)   (sign(0) = 0)
//! m <- beta2 m + (1 - beta2) g
//! Every coordinate moves by exactly lr (or not at all): the step's size does not depend on
//! the gradient's. With `decoupled_weight_decay`, lion-pytorch divides weight_decay by the
//! initial lr, so the decay per step is lr / lr_0 * weight_decay whatever lr_0 is.
//! Defaults (lion-pytorch 0.2.5): lr = 1e-4, betas = (0.9, 0.99), weight_decay = 0,
//! decoupled_weight_decay = false. References: Chen et al., "Symbolic Discovery of
//! Optimization Algorithms", NeurIPS 2023 (arXiv:2302.06675), algorithm 2;
//! <https://github.com/lucidrains/lion-pytorch> (`lion_pytorch/lion_pytorch.py`).
//!
//! lion-pytorch writes the interpolations as `mul_(beta).add_(grad, alpha = 1 - beta)`, not as
//! `lerp_`: two roundings, the second fused (see the kernels note in the module above).

use super::knobs::{Knobs, Real, Scale};
use super::{FirstOrder, Method, Optimizer, Tunable, ensure_len, finite, fma, positive};
use crate::numerics::ParamError;
use nalgebra::DVector;
use serde::{Deserialize, Serialize};

pub(crate) const RULE: &str = "x <- x - lr * weight_decay * x              (decoupled weight decay)
c = beta1 m + (1 - beta1) g         x <- x - lr * sign(c)
m <- beta2 m + (1 - beta2) g";

/// lion-pytorch's `Lion` parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LionParams {
    /// Learning rate: the size of every coordinate's step.
    pub lr: f64,
    /// Interpolation weights of the update direction (beta1) and of the momentum (beta2).
    pub betas: (f64, f64),
    /// Decoupled weight decay: x <- x (1 - lr * weight_decay) each step.
    pub weight_decay: f64,
    /// Divide weight_decay by the initial lr (lion-pytorch's option).
    pub decoupled_weight_decay: bool,
}

impl Default for LionParams {
    fn default() -> Self {
        Self {
            lr: 1e-4,
            betas: (0.9, 0.99),
            weight_decay: 0.0,
            decoupled_weight_decay: false,
        }
    }
}

/// lion-pytorch's check of a beta: 0 <= beta <= 1 (both ends allowed).
fn unit_interval(field: &str, v: f64) -> Result<(), ParamError> {
    if (0.0..=1.0).contains(&v) {
        Ok(())
    } else {
        Err(ParamError::new(
            field,
            format!("must be in [0, 1], got {}", crate::numerics::short(v)),
        ))
    }
}

impl LionParams {
    /// lion-pytorch's checks (lr > 0, each beta in [0, 1]), plus finiteness; like the
    /// package, a negative weight_decay is allowed.
    pub fn validate(&self) -> Result<(), ParamError> {
        positive("lr", self.lr)?;
        unit_interval("betas.0", self.betas.0)?;
        unit_interval("betas.1", self.betas.1)?;
        finite("weight_decay", self.weight_decay)
    }
}

/// torch.sgn of a real number: -1, 0 or 1, and 0 for NaN.
fn sgn(v: f64) -> f64 {
    if v > 0.0 {
        1.0
    } else if v < 0.0 {
        -1.0
    } else {
        0.0
    }
}

/// Lion state.
#[derive(Clone, Debug)]
pub struct Lion {
    p: LionParams,
    /// The learning rate the optimizer was built with (lion-pytorch's `_init_lr`).
    init_lr: f64,
    started: bool,
    exp_avg: DVector<f64>,
    grad: DVector<f64>,
}

impl Lion {
    /// A fresh optimizer.
    #[must_use]
    pub fn new(p: &LionParams) -> Self {
        Self {
            p: p.clone(),
            init_lr: p.lr,
            started: false,
            exp_avg: DVector::zeros(0),
            grad: DVector::zeros(0),
        }
    }
}

impl Tunable for Lion {
    fn lr(&self) -> f64 {
        self.p.lr
    }
    fn set_lr(&mut self, lr: f64) {
        self.p.lr = lr;
    }
    fn velocity(&self) -> Option<&DVector<f64>> {
        self.started.then_some(&self.exp_avg)
    }
}

impl FirstOrder for Lion {
    #[inline(always)]
    fn update(&mut self, x: &mut DVector<f64>, g: &DVector<f64>) {
        let p = &self.p;
        ensure_len(&mut self.exp_avg, x.len(), 0.0);
        self.started = true;
        let (beta1, beta2) = p.betas;
        let wd = if p.decoupled_weight_decay {
            p.weight_decay / self.init_lr
        } else {
            p.weight_decay
        };
        let decay = 1.0 - p.lr * wd;
        for ((xi, &gi), m) in x.iter_mut().zip(g.iter()).zip(self.exp_avg.iter_mut()) {
            *xi *= decay;
            let c = fma(1.0 - beta1, gi, *m * beta1);
            *xi = fma(-p.lr, sgn(c), *xi);
            *m = fma(1.0 - beta2, gi, *m * beta2);
        }
    }
    fn grad_buffer(&mut self) -> &mut DVector<f64> {
        &mut self.grad
    }
}

impl Method for LionParams {
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
        Box::new(Lion::new(self))
    }

    fn knobs(&mut self, k: &mut dyn Knobs) {
        let d = Self::default();
        k.real(
            Real {
                name: "beta1",
                range: 0.0..=1.0,
                scale: Scale::Linear,
                default: d.betas.0,
                help: "Share of the momentum in the update's direction sign(beta1 m + (1 - beta1) g).",
            },
            &mut self.betas.0,
        );
        k.real(
            Real {
                name: "beta2",
                range: 0.0..=1.0,
                scale: Scale::Linear,
                default: d.betas.1,
                help: "Decay rate of the momentum m <- beta2 m + (1 - beta2) g.",
            },
            &mut self.betas.1,
        );
        k.real(
            Real {
                name: "weight_decay",
                range: 0.0..=10.0,
                scale: Scale::LogFromZero { smallest: 1e-4 },
                default: d.weight_decay,
                help: "Decoupled weight decay: shrinks x by (1 - lr * weight_decay) before each step.",
            },
            &mut self.weight_decay,
        );
        k.flag(
            "decoupled wd",
            &mut self.decoupled_weight_decay,
            d.decoupled_weight_decay,
            "Divide weight_decay by the initial lr, so the decay does not scale with lr.",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::Optimizer;
    use super::super::testing::{QuadraticOracle, assert_close, v};
    use super::*;

    #[test]
    fn first_steps_move_every_coordinate_by_lr() {
        let p = LionParams {
            lr: 0.1,
            ..LionParams::default()
        };
        let mut o = Lion::new(&p);
        let mut q = QuadraticOracle::diagonal(&[1.0, 1000.0]);
        let mut x = v(&[1.0, -1e-3]);
        // Step 1: m = 0, c = 0.1 g: a step of lr against the gradient's sign, however small.
        o.step(&mut x, &mut q).unwrap();
        assert_close(&x, &[0.9, 0.1 - 1e-3], 1e-15);
        // m = 0.01 g1 = (0.01, -0.01); g2 = (0.9, 99): c = 0.9 m + 0.1 g2 > 0 in both.
        assert_close(&o.exp_avg, &[0.01, -0.01], 1e-15);
        o.step(&mut x, &mut q).unwrap();
        assert_close(&x, &[0.8, -1e-3], 1e-15);
    }

    #[test]
    fn a_zero_direction_does_not_move_and_nan_is_zero() {
        assert_eq!(sgn(0.0), 0.0);
        assert_eq!(sgn(-0.0), 0.0);
        assert_eq!(sgn(f64::NAN), 0.0);
        assert_eq!(sgn(-3.0), -1.0);
        let mut o = Lion::new(&LionParams::default());
        let mut q = QuadraticOracle::diagonal(&[1.0, 1.0]);
        let mut x = v(&[0.0, 2.0]);
        o.step(&mut x, &mut q).unwrap();
        assert_close(&x, &[0.0, 2.0 - 1e-4], 1e-15);
    }

    #[test]
    fn weight_decay_shrinks_first_and_decoupled_divides_by_the_initial_lr() {
        let p = LionParams {
            lr: 0.1,
            weight_decay: 0.5,
            ..LionParams::default()
        };
        let mut o = Lion::new(&p);
        let mut q = QuadraticOracle::diagonal(&[1.0]);
        let mut x = v(&[2.0]);
        o.step(&mut x, &mut q).unwrap();
        assert_close(&x, &[2.0 * 0.95 - 0.1], 1e-15);

        let p = LionParams {
            decoupled_weight_decay: true,
            ..p
        };
        let mut o = Lion::new(&p);
        // A schedule halves lr: the decay is lr * wd / lr_0 = 0.05 * 0.5 / 0.1 = 0.25.
        o.set_lr(0.05);
        let mut x = v(&[2.0]);
        o.step(&mut x, &mut q).unwrap();
        assert_close(&x, &[2.0 * 0.75 - 0.05], 1e-15);
    }

    #[test]
    fn checks_follow_lion_pytorch() {
        let ok = LionParams {
            betas: (1.0, 0.0),
            weight_decay: -0.1,
            ..LionParams::default()
        };
        assert!(ok.validate().is_ok());
        let bad = LionParams {
            betas: (0.9, 1.5),
            ..LionParams::default()
        };
        assert_eq!(bad.validate().unwrap_err().field, "betas.1");
        let bad = LionParams {
            weight_decay: f64::INFINITY,
            ..LionParams::default()
        };
        assert_eq!(bad.validate().unwrap_err().field, "weight_decay");
        let bad = LionParams {
            lr: 0.0,
            ..LionParams::default()
        };
        assert_eq!(bad.validate().unwrap_err().field, "lr");
    }
}
