//! Learning-rate schedules: lr_k = base_lr * factor(k) for the k-th step (k = 0, 1, ...).
//!
//! Named and defined as torch.optim.lr_scheduler's closed forms where torch has them (StepLR,
//! ExponentialLR, CosineAnnealingLR, LinearLR), plus the course's linear decay to lr_tau at
//! step tau then constant (Goodfellow et al. 8.3.1):
//! lr_k = (1 - k/tau) lr_0 + (k/tau) lr_tau for k < tau, lr_tau afterwards.

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
            Self::Constant => base,
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
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
