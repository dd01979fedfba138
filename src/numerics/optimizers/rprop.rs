//! Resilient backpropagation, as torch.optim.Rprop: a step of its own size per coordinate, in
//! the direction of the gradient's sign; the gradient's magnitude is never used.
//!
//! s = sign(g * g_prev)                          (per coordinate; g_prev starts at 0)
//! eta <- clamp(eta * etaplus, step_size_min, step_size_max)     if s > 0
//! eta <- clamp(eta * etaminus, step_size_min, step_size_max),
//!        g <- 0  (no move, and no sign change next time)     if s < 0
//! x <- x - eta * sign(g);   g_prev <- g
//! eta starts at lr; after the first step lr is not read again (a schedule changes nothing,
//! as in torch). Defaults (torch): lr = 1e-2, etas = (0.5, 1.2), step_sizes = (1e-6, 50).
//! Reference: Riedmiller & Braun, "A direct adaptive method for faster backpropagation
//! learning: the RPROP algorithm", ICNN 1993;
//! <https://pytorch.org/docs/stable/generated/torch.optim.Rprop.html>.

use super::knobs::{self, Knobs, Real, Scale};
use super::{FirstOrder, Method, Optimizer, Tunable, ensure_len, non_negative, positive};
use crate::numerics::ParamError;
use nalgebra::DVector;
use serde::{Deserialize, Serialize};

pub(crate) const RULE: &str = "s = sign(g * g_prev)                      (per coordinate)
eta <- eta * etaplus if s > 0,  eta * etaminus and g <- 0 if s < 0
eta <- clamp(eta, step_size_min, step_size_max)     (eta starts at lr)
x <- x - eta * sign(g);   g_prev <- g";

/// torch.optim.Rprop's parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RpropParams {
    /// Learning rate: the initial step size of every coordinate.
    pub lr: f64,
    /// (etaminus, etaplus): the factors a step size shrinks by when the gradient's sign flips
    /// and grows by when it holds.
    pub etas: (f64, f64),
    /// (step_size_min, step_size_max): the bounds of every step size.
    pub step_sizes: (f64, f64),
    /// Ascend instead of descend.
    pub maximize: bool,
}

impl Default for RpropParams {
    fn default() -> Self {
        Self {
            lr: 1e-2,
            etas: (0.5, 1.2),
            step_sizes: (1e-6, 50.0),
            maximize: false,
        }
    }
}

impl RpropParams {
    /// Checks ranges as torch does (0 < etaminus < 1 < etaplus), plus finiteness and step-size
    /// bounds that admit a step (torch clamps to the maximum when they cross).
    pub fn validate(&self) -> Result<(), ParamError> {
        positive("lr", self.lr)?;
        let (minus, plus) = self.etas;
        if !(minus > 0.0 && minus < 1.0) {
            return Err(ParamError::new(
                "etas.0",
                format!("etaminus must be in (0, 1), got {minus}"),
            ));
        }
        if !(plus > 1.0 && plus.is_finite()) {
            return Err(ParamError::new(
                "etas.1",
                format!("etaplus must be a finite number > 1, got {plus}"),
            ));
        }
        let (min, max) = self.step_sizes;
        non_negative("step_sizes.0", min)?;
        positive("step_sizes.1", max)?;
        if min > max {
            return Err(ParamError::new(
                "step_sizes.1",
                format!("step_size_max must be >= step_size_min ({min}), got {max}"),
            ));
        }
        Ok(())
    }
}

/// Rprop state.
#[derive(Clone, Debug)]
pub struct Rprop {
    p: RpropParams,
    started: bool,
    prev: DVector<f64>,
    step_size: DVector<f64>,
    grad: DVector<f64>,
}

impl Rprop {
    /// A fresh optimizer.
    #[must_use]
    pub fn new(p: &RpropParams) -> Self {
        Self {
            p: p.clone(),
            started: false,
            prev: DVector::zeros(0),
            step_size: DVector::zeros(0),
            grad: DVector::zeros(0),
        }
    }
}

impl Tunable for Rprop {
    fn lr(&self) -> f64 {
        self.p.lr
    }
    fn set_lr(&mut self, lr: f64) {
        self.p.lr = lr;
    }
    /// The per-coordinate step sizes: the length that multiplies sign(g).
    fn effective_lr(&self) -> Option<&DVector<f64>> {
        self.started.then_some(&self.step_size)
    }
}

/// torch.sign: -1, 0 or 1, and NaN for NaN (`f64::signum` gives 1 for 0).
fn sign(v: f64) -> f64 {
    if v > 0.0 {
        1.0
    } else if v < 0.0 {
        -1.0
    } else {
        v
    }
}

/// torch.clamp(v, lo, hi) = min(max(v, lo), hi), NaN staying NaN (`f64::clamp` would panic
/// on crossed bounds).
fn clamp(v: f64, lo: f64, hi: f64) -> f64 {
    let v = if v < lo { lo } else { v };
    if v > hi { hi } else { v }
}

impl FirstOrder for Rprop {
    #[inline(always)]
    fn update(&mut self, x: &mut DVector<f64>, g: &DVector<f64>) {
        let p = &self.p;
        let n = x.len();
        // The step sizes start at lr on the first step (or a change of dimension).
        ensure_len(&mut self.prev, n, 0.0);
        ensure_len(&mut self.step_size, n, p.lr);
        self.started = true;
        let (etaminus, etaplus) = p.etas;
        let (lo, hi) = p.step_sizes;
        for i in 0..n {
            let mut gi = if p.maximize { -g[i] } else { g[i] };
            // The sign of the product, as torch takes it: an underflow to 0 counts as "no sign".
            let product = gi * self.prev[i];
            let factor = if product > 0.0 {
                etaplus
            } else if product < 0.0 {
                etaminus
            } else if product == 0.0 {
                1.0
            } else {
                product
            };
            let step = clamp(self.step_size[i] * factor, lo, hi);
            self.step_size[i] = step;
            if product < 0.0 {
                gi = 0.0;
            }
            x[i] -= sign(gi) * step;
            self.prev[i] = gi;
        }
    }
    fn grad_buffer(&mut self) -> &mut DVector<f64> {
        &mut self.grad
    }
}

impl Method for RpropParams {
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
        Box::new(Rprop::new(self))
    }

    fn knobs(&mut self, k: &mut dyn Knobs) {
        let d = Self::default();
        k.real(
            Real {
                name: "etaminus",
                range: 0.01..=0.99,
                scale: Scale::Linear,
                default: d.etas.0,
                help: "Factor a coordinate's step size shrinks by when its gradient changes sign.",
            },
            &mut self.etas.0,
        );
        k.real(
            Real {
                name: "etaplus",
                range: 1.01..=3.0,
                scale: Scale::Linear,
                default: d.etas.1,
                help: "Factor a coordinate's step size grows by while its gradient keeps its sign.",
            },
            &mut self.etas.1,
        );
        k.real(
            Real {
                name: "step_size_min",
                range: 0.0..=1.0,
                scale: Scale::LogFromZero { smallest: 1e-12 },
                default: d.step_sizes.0,
                help: "Smallest step size a coordinate may shrink to.",
            },
            &mut self.step_sizes.0,
        );
        k.real(
            Real {
                name: "step_size_max",
                range: 1e-3..=1e3,
                scale: Scale::Log,
                default: d.step_sizes.1,
                help: "Largest step size a coordinate may grow to.",
            },
            &mut self.step_sizes.1,
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
    fn steps_grow_while_the_sign_holds_and_shrink_without_a_move_when_it_flips() {
        // f = 1/2 (x^2 + 10 y^2) from (1, -0.35), lr = 0.5.
        let mut o = Rprop::new(&RpropParams {
            lr: 0.5,
            ..RpropParams::default()
        });
        let mut q = QuadraticOracle::diagonal(&[1.0, 10.0]);
        let mut x = v(&[1.0, -0.35]);
        // Step 1: g_prev = 0, so eta stays 0.5: x = (1 - 0.5, -0.35 + 0.5).
        o.step(&mut x, &mut q).unwrap();
        assert_close(&x, &[0.5, 0.15], 1e-15);
        assert_close(o.effective_lr().unwrap(), &[0.5, 0.5], 1e-15);
        // Step 2: x keeps its sign (eta 0.6, x = -0.1); y's flips (eta 0.25, no move).
        o.step(&mut x, &mut q).unwrap();
        assert_close(&x, &[0.5 - 0.6, 0.15], 1e-15);
        assert_close(o.effective_lr().unwrap(), &[0.6, 0.25], 1e-15);
        // Step 3: x flips (eta 0.3, no move); y's g_prev is 0, so eta stays: y = 0.15 - 0.25.
        o.step(&mut x, &mut q).unwrap();
        assert_close(&x, &[-0.1, 0.15 - 0.25], 1e-15);
        assert_close(o.effective_lr().unwrap(), &[0.3, 0.25], 1e-15);
    }

    #[test]
    fn step_sizes_stay_within_their_bounds_and_maximize_ascends() {
        let mut o = Rprop::new(&RpropParams {
            lr: 1.0,
            etas: (0.5, 2.0),
            step_sizes: (0.1, 3.0),
            maximize: true,
        });
        // Maximizing -1/2 x^2 from x = -100: the ascent direction holds, eta 1, 2, 3, 3.
        let mut q = QuadraticOracle::new(
            nalgebra::DMatrix::from_element(1, 1, -1.0),
            DVector::zeros(1),
        );
        let mut x = v(&[-100.0]);
        for expected in [-99.0, -97.0, -94.0, -91.0] {
            o.step(&mut x, &mut q).unwrap();
            assert_close(&x, &[expected], 1e-15);
        }
        assert_close(o.effective_lr().unwrap(), &[3.0], 1e-15);
    }

    #[test]
    fn validation_names_the_field() {
        let bad = |p: RpropParams| p.validate().unwrap_err().field;
        let d = RpropParams::default();
        assert_eq!(
            bad(RpropParams {
                etas: (1.0, 1.2),
                ..d.clone()
            }),
            "etas.0"
        );
        assert_eq!(
            bad(RpropParams {
                etas: (0.5, 1.0),
                ..d.clone()
            }),
            "etas.1"
        );
        assert_eq!(
            bad(RpropParams {
                step_sizes: (-1.0, 50.0),
                ..d.clone()
            }),
            "step_sizes.0"
        );
        assert_eq!(
            bad(RpropParams {
                step_sizes: (1.0, 0.5),
                ..d.clone()
            }),
            "step_sizes.1"
        );
        assert_eq!(
            bad(RpropParams {
                etas: (f64::NAN, 1.2),
                ..d
            }),
            "etas.0"
        );
    }
}
