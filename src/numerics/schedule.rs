//! Learning-rate schedules: lr_k = base_lr * factor(k) for the k-th step (k = 0, 1, ...).
//!
//! Named and defined as torch.optim.lr_scheduler's closed forms where torch has them (StepLR,
//! ExponentialLR, CosineAnnealingLR, LinearLR), plus the course's linear decay to lr_tau at
//! step tau then constant (Goodfellow et al. 8.3.1):
//! lr_k = (1 - k/tau) lr_0 + (k/tau) lr_tau for k < tau, lr_tau afterwards.
//!
//! One schedule is not a function of k: torch's ReduceLROnPlateau watches a metric, here the
//! run's loss after each update (on the 2-D page the noise-free f(x_k); on the network page the
//! loss of the step's minibatch), and multiplies lr by `factor` when it has not improved for
//! `patience` updates. A [`Scheduler`] carries that state; the closed forms need none.

use super::ParamError;
use super::checks::{at_least, non_negative, positive};
use serde::{Deserialize, Serialize};

/// A learning-rate schedule.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub enum Schedule {
    /// lr_k = lr.
    #[default]
    Constant,
    /// torch StepLR: lr_k = lr * gamma^floor(k / step_size).
    Step {
        /// Steps between decays.
        step_size: usize,
        /// Multiplicative decay.
        gamma: f64,
    },
    /// torch ExponentialLR: lr_k = lr * gamma^k.
    Exponential {
        /// Multiplicative decay per step.
        gamma: f64,
    },
    /// Linear decay to `lr_tau` at step `tau`, then constant.
    LinearDecay {
        /// Step at which the decay ends.
        tau: usize,
        /// Learning rate from step tau on.
        lr_tau: f64,
    },
    /// torch CosineAnnealingLR: lr_k = eta_min + (lr - eta_min)(1 + cos(pi k / t_max)) / 2.
    Cosine {
        /// Half period in steps.
        t_max: usize,
        /// Lowest learning rate.
        eta_min: f64,
    },
    /// Linear warm-up (torch LinearLR with end_factor 1): factor rises from `start_factor`
    /// to 1 over `steps` steps, then stays 1.
    Warmup {
        /// Steps of warm-up.
        steps: usize,
        /// Factor at step 0.
        start_factor: f64,
    },
    /// 1/k-type decay (the Robbins-Monro conditions, course 002:94-113): lr_k = lr / (1 +
    /// k/tau)^power. For 1/2 < power <= 1 the steps sum to infinity while their squares do not
    /// (sum a = inf, sum a^2 < inf), which makes SGD converge on noisy gradients; power = 1/2,
    /// the usual choice for non-smooth problems, keeps sum a^2 infinite as well.
    InverseTime {
        /// Steps over which the rate halves (power 1) or falls by 2^power.
        tau: usize,
        /// Exponent p in (0, 1].
        power: f64,
    },
    /// torch ReduceLROnPlateau (mode "min") stepped with the loss after every update: the loss
    /// improves when it falls below best (1 - threshold) (`rel`) or best - threshold (`abs`);
    /// after more than `patience` updates without improvement lr becomes max(lr factor,
    /// min_lr) (kept when that changes it by eps or less), followed by `cooldown` updates in
    /// which bad updates are not counted.
    ReduceOnPlateau {
        /// Multiplier of lr at a reduction, in (0, 1).
        factor: f64,
        /// Updates without improvement tolerated before a reduction.
        patience: usize,
        /// Smallest improvement that counts.
        threshold: f64,
        /// Whether `threshold` is relative to the best loss or absolute.
        threshold_mode: ThresholdMode,
        /// Updates after a reduction before bad updates count again.
        cooldown: usize,
        /// Lowest learning rate.
        min_lr: f64,
        /// Reductions smaller than this are skipped.
        eps: f64,
    },
}

/// A momentum schedule (course 002:142: "start from 0.5 and increase all the way to 0.99"):
/// the momentum of update k, set before the update as a torch loop setting
/// `param_group["momentum"]` would.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub enum MomentumSchedule {
    /// The optimizer's own momentum throughout.
    #[default]
    Constant,
    /// Linear from `start` at update 0 to the optimizer's momentum at update `steps`, then
    /// constant: m_k = start + (m - start) min(k / steps, 1).
    Warmup {
        /// Momentum of the first update, in [0, 1).
        start: f64,
        /// Updates until the optimizer's momentum is reached.
        steps: usize,
    },
}

impl MomentumSchedule {
    /// The momentum of update k, given the optimizer's own (`target`).
    #[must_use]
    #[allow(clippy::cast_precision_loss, reason = "step counts far below 2^52")]
    pub fn momentum(&self, target: f64, k: usize) -> f64 {
        match *self {
            Self::Constant => target,
            Self::Warmup { start, steps } => {
                if k >= steps {
                    target
                } else {
                    start + (target - start) * (k as f64 / steps as f64)
                }
            }
        }
    }

    /// Checks ranges; the error names the field.
    pub fn validate(&self) -> Result<(), ParamError> {
        match *self {
            Self::Constant => Ok(()),
            Self::Warmup { start, steps } => {
                super::checks::beta("start", start)?;
                at_least("steps", steps, 1)
            }
        }
    }
}

/// How ReduceLROnPlateau's threshold is measured (torch's `threshold_mode`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ThresholdMode {
    /// best (1 - threshold).
    #[default]
    Rel,
    /// best - threshold.
    Abs,
}

/// torch's ReduceLROnPlateau defaults: factor 0.1, patience 10, threshold 1e-4 relative, no
/// cooldown, min_lr 0, eps 1e-8.
#[must_use]
pub fn reduce_on_plateau() -> Schedule {
    Schedule::ReduceOnPlateau {
        factor: 0.1,
        patience: 10,
        threshold: 1e-4,
        threshold_mode: ThresholdMode::Rel,
        cooldown: 0,
        min_lr: 0.0,
        eps: 1e-8,
    }
}

/// A schedule as a run steps through it: `lr(k)` for the update from x_k, then `observe` the
/// loss that update reached. The closed forms ignore the losses; ReduceLROnPlateau keeps
/// torch's state (best loss, bad updates, cooldown) and its current lr.
#[derive(Clone, Debug)]
pub struct Scheduler {
    schedule: Schedule,
    base: f64,
    /// ReduceLROnPlateau's current lr.
    current: f64,
    best: f64,
    bad: usize,
    cooldown_left: usize,
}

impl Scheduler {
    /// The schedule from its first update, with base rate `base`.
    #[must_use]
    pub fn new(schedule: &Schedule, base: f64) -> Self {
        Self {
            schedule: schedule.clone(),
            base,
            current: base,
            best: f64::INFINITY,
            bad: 0,
            cooldown_left: 0,
        }
    }

    /// The learning rate of update k (the next one, for ReduceLROnPlateau).
    #[must_use]
    pub fn lr(&self, k: usize) -> f64 {
        match self.schedule {
            Schedule::ReduceOnPlateau { .. } => self.current,
            ref s => s.lr(self.base, k),
        }
    }

    /// The loss after an update: torch's `scheduler.step(loss)`. A NaN loss never improves.
    pub fn observe(&mut self, loss: f64) {
        let Schedule::ReduceOnPlateau {
            factor,
            patience,
            threshold,
            threshold_mode,
            cooldown,
            min_lr,
            eps,
        } = self.schedule
        else {
            return;
        };
        let better = match threshold_mode {
            ThresholdMode::Rel => loss < self.best * (1.0 - threshold),
            ThresholdMode::Abs => loss < self.best - threshold,
        };
        if better {
            self.best = loss;
            self.bad = 0;
        } else {
            self.bad += 1;
        }
        if self.cooldown_left > 0 {
            self.cooldown_left -= 1;
            self.bad = 0;
        }
        if self.bad > patience {
            let reduced = (self.current * factor).max(min_lr);
            if self.current - reduced > eps {
                self.current = reduced;
            }
            self.cooldown_left = cooldown;
            self.bad = 0;
        }
    }
}

impl Schedule {
    /// The learning rate for step k given the base rate.
    #[must_use]
    #[allow(
        clippy::cast_possible_wrap,
        clippy::cast_possible_truncation,
        reason = "step counts stay far below 2^31"
    )]
    pub fn lr(&self, base: f64, k: usize) -> f64 {
        match *self {
            // ReduceLROnPlateau: without the losses a run reaches (see [`Scheduler`]), its
            // starting rate.
            Self::Constant | Self::ReduceOnPlateau { .. } => base,
            Self::Step { step_size, gamma } => base * gamma.powi((k / step_size.max(1)) as i32),
            Self::Exponential { gamma } => base * gamma.powf(k as f64),
            Self::LinearDecay { tau, lr_tau } => {
                if k >= tau {
                    lr_tau
                } else {
                    let beta = k as f64 / tau as f64;
                    (1.0 - beta) * base + beta * lr_tau
                }
            }
            Self::Cosine { t_max, eta_min } => {
                let phase = std::f64::consts::PI * k as f64 / t_max.max(1) as f64;
                eta_min + (base - eta_min) * (1.0 + phase.cos()) / 2.0
            }
            Self::Warmup {
                steps,
                start_factor,
            } => {
                if k >= steps {
                    base
                } else {
                    base * (start_factor + (1.0 - start_factor) * k as f64 / steps as f64)
                }
            }
            Self::InverseTime { tau, power } => {
                base / (1.0 + k as f64 / tau.max(1) as f64).powf(power)
            }
        }
    }

    /// For [`Self::InverseTime`]: whether the steps satisfy the Robbins-Monro conditions
    /// (sum a = inf and sum a^2 < inf, exactly when 1/2 < power <= 1); `None` for the other
    /// schedules.
    #[must_use]
    pub fn robbins_monro(&self) -> Option<bool> {
        match *self {
            Self::InverseTime { power, .. } => Some(power > 0.5 && power <= 1.0),
            _ => None,
        }
    }

    /// Checks ranges; the error names the field.
    pub fn validate(&self) -> Result<(), ParamError> {
        match *self {
            Self::Constant => Ok(()),
            Self::Step { step_size, gamma } => {
                at_least("step_size", step_size, 1)?;
                positive("gamma", gamma)
            }
            Self::Exponential { gamma } => positive("gamma", gamma),
            Self::LinearDecay { tau, lr_tau } => {
                at_least("tau", tau, 1)?;
                positive("lr_tau", lr_tau)
            }
            Self::Cosine { t_max, eta_min } => {
                at_least("t_max", t_max, 1)?;
                non_negative("eta_min", eta_min)
            }
            Self::Warmup {
                steps,
                start_factor,
            } => {
                at_least("steps", steps, 1)?;
                if start_factor > 0.0 && start_factor <= 1.0 {
                    Ok(())
                } else {
                    Err(ParamError::new(
                        "start_factor",
                        format!("must be in (0, 1], got {}", super::short(start_factor)),
                    ))
                }
            }
            Self::InverseTime { tau, power } => {
                at_least("tau", tau, 1)?;
                if power > 0.0 && power <= 1.0 {
                    Ok(())
                } else {
                    Err(ParamError::new(
                        "power",
                        format!("must be in (0, 1], got {power}"),
                    ))
                }
            }
            Self::ReduceOnPlateau {
                factor,
                threshold,
                min_lr,
                eps,
                ..
            } => {
                if !(factor > 0.0 && factor < 1.0) {
                    return Err(ParamError::new(
                        "factor",
                        format!("must be in (0, 1), got {}", super::short(factor)),
                    ));
                }
                non_negative("threshold", threshold)?;
                non_negative("min_lr", min_lr)?;
                non_negative("eps", eps)
            }
        }
    }

    /// The name as written in presets.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Self::Constant => "Constant",
            Self::Step { .. } => "Step",
            Self::Exponential { .. } => "Exponential",
            Self::LinearDecay { .. } => "LinearDecay",
            Self::Cosine { .. } => "Cosine",
            Self::Warmup { .. } => "Warmup",
            Self::InverseTime { .. } => "InverseTime",
            Self::ReduceOnPlateau { .. } => "ReduceOnPlateau",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// torch 2.15's ReduceLROnPlateau on the same loss sequence, lr 0.1 (the lr after each
    /// `scheduler.step(loss)`), relative with cooldown and absolute with a floor.
    #[test]
    fn reduce_on_plateau_is_torch_s() {
        let losses = [
            1.0, 0.9, 0.95, 0.899, 0.898, 0.97, 0.96, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8,
            0.79999, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5,
            0.5,
        ];
        let rel = [
            0.1, 0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025,
            0.025, 0.025, 0.025, 0.0125, 0.0125, 0.0125, 0.0125, 0.0125, 0.0125, 0.0125, 0.0125,
            0.0125, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01,
        ];
        let mut abs = [0.03; 32];
        abs[..4].fill(0.1);
        abs[4..10].fill(0.05);
        for (schedule, want) in [
            (
                Schedule::ReduceOnPlateau {
                    factor: 0.5,
                    patience: 3,
                    threshold: 0.01,
                    threshold_mode: ThresholdMode::Rel,
                    cooldown: 2,
                    min_lr: 0.01,
                    eps: 1e-8,
                },
                rel,
            ),
            (
                Schedule::ReduceOnPlateau {
                    factor: 0.5,
                    patience: 2,
                    threshold: 0.05,
                    threshold_mode: ThresholdMode::Abs,
                    cooldown: 0,
                    min_lr: 0.03,
                    eps: 1e-8,
                },
                abs,
            ),
        ] {
            schedule.validate().unwrap();
            let mut s = Scheduler::new(&schedule, 0.1);
            assert_eq!(s.lr(0), 0.1);
            for (k, (loss, lr)) in losses.iter().zip(want).enumerate() {
                s.observe(*loss);
                assert_eq!(s.lr(k + 1), lr, "{schedule:?} after loss {k}");
            }
        }
        // A closed form ignores the losses.
        let mut step = Scheduler::new(&Schedule::Exponential { gamma: 0.5 }, 1.0);
        step.observe(f64::NAN);
        assert_eq!(step.lr(2), 0.25);
        assert!(reduce_on_plateau().validate().is_ok());
        let mut bad = reduce_on_plateau();
        if let Schedule::ReduceOnPlateau { factor, .. } = &mut bad {
            *factor = 1.0;
        }
        assert_eq!(bad.validate().unwrap_err().field, "factor");
    }

    #[test]
    fn closed_forms() {
        let s = Schedule::Step {
            step_size: 10,
            gamma: 0.5,
        };
        assert_eq!(s.lr(0.4, 0), 0.4);
        assert_eq!(s.lr(0.4, 9), 0.4);
        assert_eq!(s.lr(0.4, 10), 0.2);
        assert_eq!(s.lr(0.4, 25), 0.1);
        let e = Schedule::Exponential { gamma: 0.9 };
        assert!((e.lr(1.0, 3) - 0.729).abs() < 1e-15);
        let l = Schedule::LinearDecay {
            tau: 100,
            lr_tau: 0.01,
        };
        assert_eq!(l.lr(1.0, 0), 1.0);
        assert!((l.lr(1.0, 50) - 0.505).abs() < 1e-15);
        assert_eq!(l.lr(1.0, 100), 0.01);
        assert_eq!(l.lr(1.0, 1000), 0.01);
        let c = Schedule::Cosine {
            t_max: 100,
            eta_min: 0.0,
        };
        assert_eq!(c.lr(1.0, 0), 1.0);
        assert!((c.lr(1.0, 50) - 0.5).abs() < 1e-15);
        assert!(c.lr(1.0, 100).abs() < 1e-15);
        let w = Schedule::Warmup {
            steps: 4,
            start_factor: 0.2,
        };
        assert!((w.lr(1.0, 0) - 0.2).abs() < 1e-15);
        assert!((w.lr(1.0, 2) - 0.6).abs() < 1e-15);
        assert_eq!(w.lr(1.0, 4), 1.0);
        let i = Schedule::InverseTime {
            tau: 10,
            power: 1.0,
        };
        assert_eq!(i.lr(0.4, 0), 0.4);
        assert!((i.lr(0.4, 10) - 0.2).abs() < 1e-15);
        assert!((i.lr(0.4, 90) - 0.04).abs() < 1e-15);
        let sqrt = Schedule::InverseTime { tau: 1, power: 0.5 };
        assert!((sqrt.lr(1.0, 3) - 0.5).abs() < 1e-15);
        assert_eq!(i.robbins_monro(), Some(true));
        assert_eq!(
            sqrt.robbins_monro(),
            Some(false),
            "p = 1/2: sum a^2 diverges"
        );
        assert_eq!(Schedule::Constant.robbins_monro(), None);
    }

    /// The conditions the schedule claims, on partial sums: for p = 1 and p = 0.75 the steps'
    /// sum keeps growing while the squares' sum levels off; for p = 1/2 both keep growing.
    #[test]
    fn inverse_time_decay_meets_robbins_monro_exactly_for_p_above_one_half() {
        let sums = |power: f64, n: usize| {
            let s = Schedule::InverseTime { tau: 1, power };
            (0..n).fold((0.0, 0.0), |(a, a2), k| {
                let lr = s.lr(1.0, k);
                (a + lr, a2 + lr * lr)
            })
        };
        for power in [1.0, 0.75] {
            let (a1, q1) = sums(power, 10_000);
            let (a2, q2) = sums(power, 1_000_000);
            assert!(a2 > a1 + 2.0, "p = {power}: sum a grows");
            assert!(
                q2 - q1 < 0.25 * q1,
                "p = {power}: sum a^2 levels off ({q1} -> {q2})"
            );
        }
        let (_, q1) = sums(0.5, 10_000);
        let (_, q2) = sums(0.5, 1_000_000);
        assert!(
            q2 > q1 + 4.0,
            "p = 1/2: sum a^2 = sum 1/(1 + k) grows like ln n"
        );
    }

    #[test]
    fn validation_names_fields() {
        assert_eq!(
            Schedule::Step {
                step_size: 0,
                gamma: 0.5
            }
            .validate()
            .unwrap_err()
            .field,
            "step_size"
        );
        assert_eq!(
            Schedule::Warmup {
                steps: 3,
                start_factor: 0.0
            }
            .validate()
            .unwrap_err()
            .field,
            "start_factor"
        );
    }
}
