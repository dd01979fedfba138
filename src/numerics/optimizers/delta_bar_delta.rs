//! Delta-bar-delta (Jacobs 1988): a learning rate of its own per coordinate, raised by a
//! constant while the gradient keeps agreeing with its recent average and cut by a factor
//! when it disagrees. The course's adaptive-learning-rate rule (002:155-166).
//!
//! Per coordinate j, with eps_j starting at lr and bar_j (delta-bar) at 0:
//! eps_j <- eps_j + kappa          if bar_j * g_j > 0     (additive increase)
//! eps_j <- eps_j (1 - phi)        if bar_j * g_j < 0     (multiplicative decrease)
//!                                 (unchanged if the product is 0: the first step)
//! x_j <- x_j - eps_j g_j
//! bar_j <- (1 - theta) g_j + theta bar_j     (after the comparison: bar is the past's average)
//! With theta = 0, bar_j is the previous gradient, and the rule is the course's: raise the rate
//! when g_j keeps its sign from one step to the next, lower it when the sign flips.
//! eps starts at lr; after the first step lr is not read again, so a learning-rate schedule
//! changes nothing after the first step (as for Rprop: the method schedules its own rates).
//! Defaults (optiviz's, for the 2-D surfaces, whose curvatures are about 0.01 to 1):
//! lr = 1e-2; kappa = 1e-3, a tenth of lr, so a rate whose gradient keeps its sign doubles in
//! ten steps and grows linearly, not exponentially (Jacobs' point: increase cautiously, cut
//! fast); phi = 0.5, halving a rate at a sign flip as Rprop's etaminus does; theta = 0.7,
//! an average over about three steps, so one noisy flip does not undo a trend.
//! Reference: R. A. Jacobs, "Increased rates of convergence through learning rate
//! adaptation", Neural Networks 1(4), 295-307, 1988. torch.optim has no delta-bar-delta.

use super::knobs::{Knobs, Real, Scale};
use super::{FirstOrder, Method, Optimizer, Tunable, beta, ensure_len, non_negative, positive};
use crate::numerics::ParamError;
use nalgebra::DVector;
use serde::{Deserialize, Serialize};

pub(crate) const RULE: &str =
    "eps <- eps + kappa    if bar * g > 0      (per coordinate; eps starts at lr)
eps <- eps (1 - phi)  if bar * g < 0
x <- x - eps * g;    bar <- (1 - theta) g + theta bar       (bar starts at 0)
theta = 0: bar is the last gradient, compare consecutive signs";

/// Delta-bar-delta's parameters (Jacobs' names).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeltaBarDeltaParams {
    /// Learning rate: the initial rate of every coordinate.
    pub lr: f64,
    /// Added to a coordinate's rate when its gradient agrees with the average of its past ones.
    pub kappa: f64,
    /// A coordinate's rate is multiplied by 1 - phi when its gradient disagrees with the average.
    pub phi: f64,
    /// Weight of the past in the average bar of gradients; 0 compares consecutive gradients.
    pub theta: f64,
}

impl Default for DeltaBarDeltaParams {
    fn default() -> Self {
        Self {
            lr: 1e-2,
            kappa: 1e-3,
            phi: 0.5,
            theta: 0.7,
        }
    }
}

impl DeltaBarDeltaParams {
    /// Checks ranges: lr > 0, kappa >= 0, phi and theta in [0, 1), all finite.
    pub fn validate(&self) -> Result<(), ParamError> {
        positive("lr", self.lr)?;
        non_negative("kappa", self.kappa)?;
        beta("phi", self.phi)?;
        beta("theta", self.theta)
    }
}

/// Delta-bar-delta state.
#[derive(Clone, Debug)]
pub struct DeltaBarDelta {
    p: DeltaBarDeltaParams,
    started: bool,
    bar: DVector<f64>,
    rate: DVector<f64>,
    grad: DVector<f64>,
}

impl DeltaBarDelta {
    /// A fresh optimizer.
    #[must_use]
    pub fn new(p: &DeltaBarDeltaParams) -> Self {
        Self {
            p: p.clone(),
            started: false,
            bar: DVector::zeros(0),
            rate: DVector::zeros(0),
            grad: DVector::zeros(0),
        }
    }
}

impl Tunable for DeltaBarDelta {
    fn lr(&self) -> f64 {
        self.p.lr
    }
    fn set_lr(&mut self, lr: f64) {
        self.p.lr = lr;
    }
    /// The per-coordinate rates eps of the last update: the factor that multiplies g.
    fn effective_lr(&self) -> Option<&DVector<f64>> {
        self.started.then_some(&self.rate)
    }
}

impl FirstOrder for DeltaBarDelta {
    #[inline(always)]
    fn update(&mut self, x: &mut DVector<f64>, g: &DVector<f64>) {
        let p = &self.p;
        let n = x.len();
        // The rates start at lr on the first step (or a change of dimension).
        ensure_len(&mut self.bar, n, 0.0);
        ensure_len(&mut self.rate, n, p.lr);
        self.started = true;
        let (kappa, keep, theta) = (p.kappa, 1.0 - p.phi, p.theta);
        for (((xi, &gi), bar), rate) in x
            .iter_mut()
            .zip(g.iter())
            .zip(self.bar.iter_mut())
            .zip(self.rate.iter_mut())
        {
            let agreement = *bar * gi;
            if agreement > 0.0 {
                *rate += kappa;
            } else if agreement < 0.0 {
                *rate *= keep;
            }
            *xi -= *rate * gi;
            *bar = (1.0 - theta) * gi + theta * *bar;
        }
    }
    fn grad_buffer(&mut self) -> &mut DVector<f64> {
        &mut self.grad
    }
}

impl Method for DeltaBarDeltaParams {
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
        Box::new(DeltaBarDelta::new(self))
    }

    fn knobs(&mut self, k: &mut dyn Knobs) {
        let d = Self::default();
        k.real(
            Real {
                name: "kappa",
                range: 0.0..=1.0,
                scale: Scale::LogFromZero { smallest: 1e-6 },
                default: d.kappa,
                help: "Added to a coordinate's rate while its gradient agrees in sign with the \
                       average of its past gradients (additive increase).",
            },
            &mut self.kappa,
        );
        k.real(
            Real {
                name: "phi",
                range: 0.0..=0.99,
                scale: Scale::Linear,
                default: d.phi,
                help: "A coordinate's rate is multiplied by 1 - phi when its gradient's sign \
                       disagrees with the average (multiplicative decrease).",
            },
            &mut self.phi,
        );
        k.real(
            Real {
                name: "theta",
                range: 0.0..=0.99,
                scale: Scale::Linear,
                default: d.theta,
                help: "Weight of the past in the average of gradients the sign is compared \
                       with. 0: compare consecutive gradients (the course's rule).",
            },
            &mut self.theta,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{QuadraticOracle, assert_close, v};
    use super::super::{Optimizer, OptimizerSpec, Oracle};
    use super::*;

    fn params(lr: f64, kappa: f64, phi: f64, theta: f64) -> DeltaBarDeltaParams {
        DeltaBarDeltaParams {
            lr,
            kappa,
            phi,
            theta,
        }
    }

    #[test]
    fn first_three_steps_by_hand() {
        // f = 1/2 (x^2 + 4 y^2) from (1, 1); lr = 0.3, kappa = 0.1, phi = 0.5, theta = 0.5.
        let mut o = DeltaBarDelta::new(&params(0.3, 0.1, 0.5, 0.5));
        let mut q = QuadraticOracle::diagonal(&[1.0, 4.0]);
        let mut x = v(&[1.0, 1.0]);
        // Step 1: g = (1, 4), bar = 0: the rates stay 0.3. x = (0.7, -0.2), bar = (0.5, 2).
        o.step(&mut x, &mut q).unwrap();
        assert_close(&x, &[0.7, -0.2], 1e-15);
        assert_close(o.effective_lr().unwrap(), &[0.3, 0.3], 1e-15);
        assert_close(&o.bar, &[0.5, 2.0], 1e-15);
        // Step 2: g = (0.7, -0.8). x agrees with bar (0.5 * 0.7 > 0): eps 0.4, x = 0.7 - 0.28;
        // y disagrees (2 * -0.8 < 0): eps 0.15, y = -0.2 + 0.12. bar = (0.6, 0.6).
        o.step(&mut x, &mut q).unwrap();
        assert_close(&x, &[0.42, -0.08], 1e-15);
        assert_close(o.effective_lr().unwrap(), &[0.4, 0.15], 1e-15);
        assert_close(&o.bar, &[0.6, 0.6], 1e-15);
        // Step 3: g = (0.42, -0.32). x agrees: eps 0.5, x = 0.42 - 0.21; y's -0.32 against the
        // average 0.6 disagrees although the last gradient had the same sign: eps 0.075.
        o.step(&mut x, &mut q).unwrap();
        assert_close(&x, &[0.21, -0.08 + 0.075 * 0.32], 1e-15);
        assert_close(o.effective_lr().unwrap(), &[0.5, 0.075], 1e-15);
    }

    /// theta = 0 is the course's rule (002:160-166): compare the signs of consecutive
    /// gradients; the same trajectory to the bit as that rule written out.
    #[test]
    fn theta_zero_compares_the_signs_of_consecutive_gradients() {
        let (lr, kappa, phi) = (0.2, 0.05, 0.3);
        let mut o = DeltaBarDelta::new(&params(lr, kappa, phi, 0.0));
        let mut q = QuadraticOracle::diagonal(&[1.0, 8.0]);
        let mut x = v(&[1.5, -1.0]);
        // The course's rule by itself: the previous gradient and the rates.
        let (mut y, mut prev, mut eps) = (x.clone(), [0.0_f64; 2], [lr; 2]);
        let mut g = DVector::zeros(2);
        for _ in 0..40 {
            o.step(&mut x, &mut q).unwrap();
            q.eval(&y, &mut g);
            for j in 0..2 {
                if g[j].signum() == prev[j].signum() && prev[j] != 0.0 {
                    eps[j] += kappa;
                } else if prev[j] != 0.0 {
                    eps[j] *= 1.0 - phi;
                }
                y[j] -= eps[j] * g[j];
                prev[j] = g[j];
            }
            assert_eq!(x, y);
            assert_eq!(o.effective_lr().unwrap().as_slice(), &eps);
        }
        // Both coordinates had sign flips and sign holds, so both branches ran.
        assert!(eps[1] < lr, "the steep coordinate's rate fell: {eps:?}");
    }

    #[test]
    fn rates_grow_along_a_steady_coordinate_and_shrink_along_an_oscillating_one() {
        // f = 1/2 (0.01 x^2 + 1.9 y^2), lr = 1: x creeps (its sign holds), y overshoots
        // (1 - 1.9 = -0.9: its sign flips).
        let mut o = DeltaBarDelta::new(&params(1.0, 0.1, 0.5, 0.7));
        let mut q = QuadraticOracle::diagonal(&[0.01, 1.9]);
        let mut x = v(&[1.0, 1.0]);
        o.step(&mut x, &mut q).unwrap();
        assert!(x[1] < 0.0, "y overshot: {x:?}");
        // The flip halves y's rate at once; x's rate grows by kappa at every step.
        o.step(&mut x, &mut q).unwrap();
        assert_close(o.effective_lr().unwrap(), &[1.1, 0.5], 1e-15);
        for _ in 0..9 {
            o.step(&mut x, &mut q).unwrap();
        }
        let eps = o.effective_lr().unwrap();
        assert_close(&eps.rows(0, 1).into_owned(), &[2.0], 1e-14);
        assert!(
            eps[1] < 1.0,
            "y's rate ends below where it started: {eps:?}"
        );
        // Along x it has come further than GD at lr = 1, whose factor is 0.99 a step.
        assert!(x[0] > 0.0 && x[0] < 0.99f64.powi(11), "{x:?}");
    }

    #[test]
    fn a_schedule_s_lr_after_the_first_step_changes_nothing() {
        let run = |later_lr: f64| {
            let mut o = DeltaBarDelta::new(&params(0.1, 0.01, 0.5, 0.7));
            let mut q = QuadraticOracle::diagonal(&[1.0, 0.1]);
            let mut x = v(&[1.0, 1.0]);
            o.step(&mut x, &mut q).unwrap();
            for _ in 0..5 {
                o.set_lr(later_lr);
                o.step(&mut x, &mut q).unwrap();
            }
            x
        };
        assert_eq!(run(0.1), run(1e-6));
    }

    #[test]
    fn validation_names_the_field() {
        let bad = |p: DeltaBarDeltaParams| p.validate().unwrap_err().field;
        let d = DeltaBarDeltaParams::default();
        assert!(d.validate().is_ok());
        assert!(params(1.0, 0.0, 0.0, 0.0).validate().is_ok());
        assert_eq!(bad(params(0.0, 0.1, 0.5, 0.5)), "lr");
        assert_eq!(bad(params(f64::INFINITY, 0.1, 0.5, 0.5)), "lr");
        assert_eq!(bad(params(0.1, -0.1, 0.5, 0.5)), "kappa");
        assert_eq!(bad(params(0.1, f64::NAN, 0.5, 0.5)), "kappa");
        assert_eq!(bad(params(0.1, 0.1, 1.0, 0.5)), "phi");
        assert_eq!(bad(params(0.1, 0.1, -0.1, 0.5)), "phi");
        assert_eq!(bad(params(0.1, 0.1, 0.5, 1.0)), "theta");
        assert_eq!(bad(params(0.1, 0.1, 0.5, f64::NAN)), "theta");
        // Through the registry, as a preset would.
        let spec = OptimizerSpec::DeltaBarDelta(params(0.1, 0.1, 0.5, -0.5));
        assert_eq!(spec.validate().unwrap_err().field, "theta");
    }
}
