//! Sharpness along a run and the edge of stability it is measured against.
//!
//! The sharpness at x is the largest eigenvalue of the Hessian, l_max(H(x)) (exact in 2-D).
//! Linearised at a minimum, a method with fixed coefficients is stable only while the
//! curvature it sees stays below its edge:
//!
//! - gradient descent, lr a: l < 2 / a;
//! - torch's SGD with momentum m and dampening d (the heavy ball with step (1 - d) a):
//!   l < (2 + 2m) / ((1 - d) a), the root z = -1 of z^2 - (1 + m - (1 - d) a l) z + m;
//! - Nesterov momentum (torch's `nesterov`, or NAG with a constant momentum m):
//!   l < (2 + 2m) / ((1 + 2m) a), the root z = -1 of z^2 - (1 + m)(1 - a l) z + m (1 - a l);
//! - coupled weight decay w adds w to every curvature, so the edge for l is lowered by w.
//!
//! Adaptive methods take the step a P^-1 m with a diagonal preconditioner P; what must stay
//! below their edge is the preconditioned sharpness l_max(P^-1 H) (Cohen et al., "Adaptive
//! gradient methods at the edge of stability", 2022):
//!
//! - Adam and AdamW: P = (1 - beta1^t) diag(sqrt(v_hat) + eps), the paper's definition, so
//!   that the step is a P^-1 m with m the raw first moment; the factor (1 - beta1^t) is torch's
//!   bias correction of m and tends to 1 (it is above 0.99 after 5 / (1 - beta1) steps). The
//!   moment is an exponential average with weight 1 - beta1, which gives the edge
//!   (2 + 2 beta1) / ((1 - beta1) a), or with AdamW's decoupled decay w (x is first multiplied by
//!   1 - a w) (2 - a w)(1 + beta1) / ((1 - beta1) a): the root z = -1 of the linearised
//!   iteration's characteristic polynomial z^2 - (1 - a w - q + beta1) z + beta1 (1 - a w),
//!   q = (1 - beta1) a l.
//! - RMSprop: P = diag(sqrt(v) + eps) (centred: sqrt(v - mean^2) + eps), the step a P^-1 g, or
//!   with momentum m a heavy ball on the preconditioned gradient: (2 + 2m) / a.
//!
//! P is read back from the optimizer's own effective step sizes (`effective_lr`, a / denominator,
//! recorded with every step), so nothing here re-implements an update rule. The preconditioner
//! after the update that produced x_k is compared with the edge of the next update's lr (they
//! differ only when a schedule changes lr between the two).
//!
//! Methods with no such fixed edge (second-order methods, sign methods, NAG's n/(n+3)
//! schedule, coupled weight decay in Adam, maximizing) get the plain sharpness and no edge.

use crate::numerics::objectives::{Hessian, symmetric_eigenvalues};
use crate::numerics::optimizers::{NagMomentum, OptimizerSpec};
use crate::numerics::run::{RunConfig, Trajectory};
use crate::numerics::schedule::MomentumSchedule;
use crate::numerics::{Mat2, Vec2};

/// The largest eigenvalue of a symmetric 2x2 Hessian.
#[must_use]
pub fn sharpness(h: &Mat2) -> f64 {
    symmetric_eigenvalues(h).1
}

/// The largest eigenvalue of P^-1 H for P^-1 = diag(p_inv) with positive entries: that of the
/// symmetric D H D, D = diag(sqrt(p_inv)), which has the same eigenvalues.
#[must_use]
pub fn preconditioned_sharpness(h: &Mat2, p_inv: Vec2) -> f64 {
    let d = p_inv.map(f64::sqrt);
    let scaled = Mat2::new(
        d.x * h[(0, 0)] * d.x,
        d.x * h[(0, 1)] * d.y,
        d.y * h[(1, 0)] * d.x,
        d.y * h[(1, 1)] * d.y,
    );
    symmetric_eigenvalues(&scaled).1
}

/// What a run's sharpness is compared with.
#[derive(Clone, Debug, PartialEq)]
pub enum Edge {
    /// l_max(H) against (2 + 2m) / (scale(m) a) - w, with m the momentum of the update
    /// (from the run's momentum schedule).
    Plain {
        /// The optimizer's momentum (0 for GD).
        momentum: f64,
        /// How the momentum changes over the run.
        schedule: MomentumSchedule,
        /// Torch's dampening d (the heavy ball's step is (1 - d) a).
        dampening: f64,
        /// Nesterov momentum: scale 1 + 2m instead of 1 - d.
        nesterov: bool,
        /// Coupled weight decay w, which adds w to every curvature.
        weight_decay: f64,
    },
    /// RMSprop: l_max(P^-1 H) against (2 + 2m) / a.
    RmsProp {
        /// The optimizer's momentum.
        momentum: f64,
        /// How the momentum changes over the run.
        schedule: MomentumSchedule,
    },
    /// Adam / AdamW: l_max(P^-1 H) with P = (1 - beta1^t) diag(sqrt(v_hat) + eps) against
    /// (2 - a w)(1 + beta1) / ((1 - beta1) a).
    Adam {
        /// beta1.
        beta1: f64,
        /// Whether m is bias-corrected (torch always; the course's variant may not be).
        bias_correction: bool,
        /// Decoupled weight decay w (AdamW), 0 for none.
        decoupled_decay: f64,
    },
    /// No fixed edge for this method: the plain sharpness only; the text says why.
    None(&'static str),
}

/// One point of a run's sharpness curve.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SharpnessSample {
    /// Step k.
    pub step: usize,
    /// l_max(H(x_k)), or l_max(P^-1 H(x_k)) for an adaptive method.
    pub value: f64,
    /// The edge of the update from x_k, where the method has one.
    pub edge: Option<f64>,
}

impl Edge {
    /// The edge that applies to a run's configuration.
    #[must_use]
    pub fn of(config: &RunConfig) -> Self {
        Self::of_optimizer(&config.optimizer, config.momentum_schedule)
    }

    /// The edge of a network's run, whose recorded sharpness is that of H: an adaptive
    /// method's edge is for P^-1 H, so it gets none.
    #[must_use]
    pub fn of_network_run(optimizer: &OptimizerSpec) -> Self {
        match Self::of_optimizer(optimizer, MomentumSchedule::Constant) {
            edge if edge.preconditioned() => {
                Self::None("the network's sharpness is that of H; this method's edge is for P^-1 H")
            }
            edge => edge,
        }
    }

    /// The edge of an optimizer with a momentum schedule.
    #[must_use]
    pub fn of_optimizer(optimizer: &OptimizerSpec, schedule: MomentumSchedule) -> Self {
        let plain =
            |momentum: f64, dampening: f64, nesterov: bool, weight_decay: f64| Self::Plain {
                momentum,
                schedule,
                dampening,
                nesterov,
                weight_decay,
            };
        match optimizer {
            OptimizerSpec::GD(_) => plain(0.0, 0.0, false, 0.0),
            OptimizerSpec::SGD(p) if p.maximize => Self::None("SGD maximizes"),
            OptimizerSpec::SGD(p) => plain(p.momentum, p.dampening, p.nesterov, p.weight_decay),
            OptimizerSpec::NAG(p) => match p.momentum {
                NagMomentum::Constant(m) => plain(m, 0.0, true, 0.0),
                NagMomentum::Accelerated => {
                    Self::None("NAG's n/(n+3) momentum tends to 1: no fixed edge")
                }
            },
            OptimizerSpec::RMSprop(p) if p.maximize || p.weight_decay != 0.0 => {
                Self::None("no edge for RMSprop with weight decay or maximize")
            }
            OptimizerSpec::RMSprop(p) => Self::RmsProp {
                momentum: p.momentum,
                schedule,
            },
            OptimizerSpec::Adam(p) if p.maximize => Self::None("Adam maximizes"),
            OptimizerSpec::Adam(p) if p.weight_decay != 0.0 && !p.decoupled_weight_decay => {
                Self::None("coupled weight decay: the edge is for P^-1 (H + wd I)")
            }
            OptimizerSpec::Adam(p) => Self::Adam {
                beta1: p.betas.0,
                bias_correction: p.bias_correction,
                decoupled_decay: if p.decoupled_weight_decay {
                    p.weight_decay
                } else {
                    0.0
                },
            },
            OptimizerSpec::AdamW(p) if p.maximize => Self::None("AdamW maximizes"),
            OptimizerSpec::AdamW(p) => Self::Adam {
                beta1: p.betas.0,
                bias_correction: true,
                decoupled_decay: p.weight_decay,
            },
            _ => Self::None("no fixed edge known for this method"),
        }
    }

    /// Whether the curve is l_max(P^-1 H) rather than l_max(H).
    #[must_use]
    pub fn preconditioned(&self) -> bool {
        matches!(self, Self::RmsProp { .. } | Self::Adam { .. })
    }

    /// The edge's formula, for legends and tooltips.
    #[must_use]
    pub fn formula(&self) -> &'static str {
        match self {
            Self::Plain {
                momentum: 0.0,
                schedule: MomentumSchedule::Constant,
                weight_decay,
                ..
            } => {
                if *weight_decay == 0.0 {
                    "2 / lr"
                } else {
                    "2 / lr - wd"
                }
            }
            Self::Plain { nesterov: true, .. } => "(2 + 2m) / ((1 + 2m) lr) - wd",
            Self::Plain { .. } => "(2 + 2m) / ((1 - dampening) lr) - wd",
            Self::RmsProp { .. } => "(2 + 2m) / lr",
            Self::Adam { .. } => "(2 - lr wd)(1 + beta1) / ((1 - beta1) lr)",
            Self::None(_) => "",
        }
    }

    /// The edge for an update with learning rate `lr` at step k.
    #[must_use]
    pub fn edge(&self, lr: f64, k: usize) -> Option<f64> {
        match *self {
            Self::Plain {
                momentum,
                schedule,
                dampening,
                nesterov,
                weight_decay,
            } => {
                let m = schedule.momentum(momentum, k);
                // torch's SGD without momentum has no buffer: dampening does not apply.
                let scale = if m == 0.0 {
                    1.0
                } else if nesterov {
                    1.0 + 2.0 * m
                } else {
                    1.0 - dampening
                };
                Some((2.0 + 2.0 * m) / (scale * lr) - weight_decay)
            }
            Self::RmsProp { momentum, schedule } => {
                Some((2.0 + 2.0 * schedule.momentum(momentum, k)) / lr)
            }
            Self::Adam {
                beta1,
                decoupled_decay,
                ..
            } => Some(lr.mul_add(-decoupled_decay, 2.0) * (1.0 + beta1) / ((1.0 - beta1) * lr)),
            Self::None(_) => None,
        }
    }

    /// The sharpness at x_k with Hessian `h`. `effective_lr` is the optimizer's per-coordinate
    /// a / denominator after the update that produced x_k, taken with learning rate
    /// `lr_before`; `lr` is the next update's. `None` for an adaptive method before its first
    /// update (it has no preconditioner yet).
    #[must_use]
    pub fn sample(
        &self,
        h: &Mat2,
        step: usize,
        lr_before: f64,
        lr: f64,
        effective_lr: Option<Vec2>,
    ) -> Option<SharpnessSample> {
        let value = match *self {
            Self::Plain { .. } | Self::None(_) => sharpness(h),
            Self::RmsProp { .. } => preconditioned_sharpness(h, effective_lr? / lr_before),
            Self::Adam {
                beta1,
                bias_correction,
                ..
            } => {
                let c1 = if bias_correction {
                    let t = i32::try_from(step).unwrap_or(i32::MAX);
                    1.0 - beta1.powi(t)
                } else {
                    1.0
                };
                if step == 0 || c1 <= 0.0 {
                    return None;
                }
                preconditioned_sharpness(h, effective_lr? / (lr_before * c1))
            }
        };
        Some(SharpnessSample {
            step,
            value,
            edge: self.edge(lr, step),
        })
    }
}

/// The sharpness curve of a recorded trajectory: one sample per recorded step (the stride's),
/// skipping an adaptive method's step 0. The learning rate before sample i is the previous
/// sample's when every step is recorded, else sample i's own.
#[must_use]
pub fn along<F: Hessian + ?Sized>(
    objective: &F,
    config: &RunConfig,
    trajectory: &Trajectory,
    from: usize,
) -> Vec<SharpnessSample> {
    let edge = Edge::of(config);
    (from..trajectory.len())
        .filter_map(|i| {
            let s = trajectory.sample(i)?;
            let lr_before = if trajectory.stride() == 1 && i > 0 {
                trajectory.sample(i - 1).map_or(s.lr, |p| p.lr)
            } else {
                s.lr
            };
            edge.sample(
                &objective.hessian(s.point),
                s.step,
                lr_before,
                s.lr,
                s.effective_lr,
            )
        })
        .collect()
}

/// A run's sharpness curve kept up to date as the run steps: each recorded sample's Hessian is
/// taken once (an Expression objective's is far too slow to take again every frame). The curve
/// starts over when the trajectory thins its samples (its stride changes) or is shorter than
/// before (a new simulation).
#[derive(Clone, Debug, Default)]
pub struct Track {
    /// The trajectory's stride when the samples were taken.
    stride: usize,
    /// Trajectory samples looked at so far.
    seen: usize,
    /// The curve.
    samples: Vec<SharpnessSample>,
}

impl Track {
    /// Brings the curve up to the trajectory's last sample and returns it.
    pub fn update<F: Hessian + ?Sized>(
        &mut self,
        objective: &F,
        config: &RunConfig,
        trajectory: &Trajectory,
    ) -> &[SharpnessSample] {
        if trajectory.stride() != self.stride || trajectory.len() < self.seen {
            self.stride = trajectory.stride();
            self.seen = 0;
            self.samples.clear();
        }
        let new = along(objective, config, trajectory, self.seen);
        self.samples.extend(new);
        self.seen = trajectory.len();
        &self.samples
    }

    /// The curve so far.
    #[must_use]
    pub fn samples(&self) -> &[SharpnessSample] {
        &self.samples
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::objectives::{
        AnyObjective, Landmarks, ObjectiveSpec, QuadraticParams, ViewRect,
    };
    use crate::numerics::optimizers::{
        AdamParams, AdamWParams, GdParams, NagParams, RmsPropParams, SgdParams,
    };
    use crate::numerics::run::{DivergenceBox, Run, RunStatus};
    use crate::numerics::schedule::Schedule;
    use crate::numerics::{noise::NoiseSpec, run::Averaging, run::Clip};

    fn config(optimizer: OptimizerSpec, start: Vec2) -> RunConfig {
        RunConfig {
            optimizer,
            start,
            schedule: Schedule::Constant,
            momentum_schedule: MomentumSchedule::Constant,
            clip: Clip::None,
            averaging: Averaging::Off,
            noise: NoiseSpec::default(),
            examples: 1,
            domain: None,
        }
    }

    /// A quadratic about the origin with curvatures l (along x rotated by 30 degrees) and l / 4.
    fn quadratic(l: f64) -> AnyObjective {
        ObjectiveSpec::Quadratic(QuadraticParams {
            kappa: 4.0,
            l_max: l,
            angle_deg: 30.0,
            ..QuadraticParams::default()
        })
        .build()
        .unwrap()
    }

    /// |x_k| after `steps` steps of the real optimizer from (1, 1).
    fn distance_after(objective: &AnyObjective, optimizer: OptimizerSpec, steps: usize) -> f64 {
        let mut run = Run::new(
            config(optimizer, Vec2::new(1.0, 1.0)),
            objective,
            1 << 15,
            1e-3,
        )
        .unwrap();
        let bounds = DivergenceBox::around(&ViewRect::around(Vec2::zeros(), 1e10));
        run.advance(objective, &bounds, steps);
        match run.status() {
            RunStatus::Running => run.trajectory().latest().unwrap().point.norm(),
            RunStatus::Stopped { .. } => f64::INFINITY,
        }
    }

    /// The edges are where the optimizers themselves stop converging: on a quadratic whose
    /// sharpness is 1 % below a method's edge it converges, 1 % above it blows up.
    #[test]
    fn each_edge_is_where_the_optimizer_turns_unstable() {
        let lr = 0.1;
        let methods: Vec<OptimizerSpec> = vec![
            OptimizerSpec::GD(GdParams { lr }),
            OptimizerSpec::SGD(SgdParams {
                lr,
                momentum: 0.9,
                ..SgdParams::default()
            }),
            OptimizerSpec::SGD(SgdParams {
                lr,
                momentum: 0.5,
                dampening: 0.3,
                ..SgdParams::default()
            }),
            OptimizerSpec::SGD(SgdParams {
                lr,
                momentum: 0.8,
                nesterov: true,
                ..SgdParams::default()
            }),
            OptimizerSpec::SGD(SgdParams {
                lr,
                momentum: 0.6,
                weight_decay: 0.5,
                ..SgdParams::default()
            }),
            OptimizerSpec::NAG(NagParams {
                lr,
                momentum: NagMomentum::Constant(0.7),
            }),
        ];
        for optimizer in methods {
            let edge = Edge::of(&config(optimizer.clone(), Vec2::zeros()))
                .edge(lr, 1)
                .unwrap();
            let below = distance_after(&quadratic(0.99 * edge), optimizer.clone(), 20_000);
            let above = distance_after(&quadratic(1.01 * edge), optimizer.clone(), 20_000);
            assert!(below < 1e-6, "{optimizer:?}: edge {edge}, below {below}");
            assert!(above > 1e3, "{optimizer:?}: edge {edge}, above {above}");
        }
    }

    /// Adam's edge, with and without decoupled decay, checked on its linearised iteration with
    /// a fixed preconditioner p: the spectral radius of the 2x2 matrix acting on (x, p m) is
    /// below 1 at 1 % under the edge and above 1 at 1 % over it.
    #[test]
    fn adam_edges_are_the_roots_of_their_linearised_iterations() {
        for (beta1, lr, w) in [(0.9, 0.01, 0.0), (0.5, 0.3, 0.0), (0.9, 0.1, 0.5)] {
            let edge = Edge::Adam {
                beta1,
                bias_correction: true,
                decoupled_decay: w,
            }
            .edge(lr, 100)
            .unwrap();
            // x' = (1 - lr w) x - lr p m', m' = beta1 m + (1 - beta1) l x, with p l = edge.
            for (scale, stable) in [(0.99, true), (1.01, false)] {
                let pl = scale * edge;
                let c = lr.mul_add(-w, 1.0);
                let q = lr * pl * (1.0 - beta1);
                // Rows: x' = (c - q) x - lr p beta1 m;  (p m)' = beta1 (p m) + (1 - beta1) p l x.
                let a = Mat2::new(c - q, -lr * beta1, (1.0 - beta1) * pl, beta1);
                let ev = a.complex_eigenvalues();
                let radius = ev.iter().map(|z| z.norm()).fold(0.0, f64::max);
                assert_eq!(
                    radius < 1.0,
                    stable,
                    "beta1 {beta1}, lr {lr}, w {w}: {radius}"
                );
            }
        }
        // RMSprop: the heavy ball on P^-1 H.
        let e = Edge::RmsProp {
            momentum: 0.5,
            schedule: MomentumSchedule::Constant,
        };
        assert!((e.edge(0.1, 3).unwrap() - 30.0).abs() < 1e-12);
    }

    /// On a quadratic Adam's step is lr m_hat / (sqrt(v_hat) + eps): the preconditioned
    /// sharpness read from its effective step sizes is l_i (sqrt(v_hat_i) + eps)^-1 / (1 - b1^t)
    /// along the axes of a diagonal Hessian.
    #[test]
    fn the_preconditioner_is_read_from_the_optimizer() {
        let objective = ObjectiveSpec::Quadratic(QuadraticParams {
            kappa: 10.0,
            l_max: 5.0,
            angle_deg: 0.0,
            ..QuadraticParams::default()
        })
        .build()
        .unwrap();
        let optimizer = OptimizerSpec::Adam(AdamParams {
            lr: 0.05,
            ..AdamParams::default()
        });
        let config = config(optimizer, Vec2::new(1.0, 1.0));
        let mut run = Run::new(config.clone(), &objective, 1 << 15, 1e-3).unwrap();
        run.advance(
            &objective,
            &DivergenceBox::around(&objective.default_view()),
            30,
        );
        let curve = along(&objective, &config, run.trajectory(), 0);
        assert_eq!(
            curve[0].step, 1,
            "no preconditioner before the first update"
        );
        // Replay Adam by hand on the diagonal quadratic (l = 5 along x, 0.5 along y).
        let (b1, b2, eps, lr) = (0.9f64, 0.999f64, 1e-8, 0.05);
        let (mut x, mut m, mut v) = ([1.0f64, 1.0], [0.0f64; 2], [0.0f64; 2]);
        let l = [5.0, 0.5];
        for s in &curve {
            let t = i32::try_from(s.step).unwrap();
            let mut p_inv = [0.0; 2];
            for i in 0..2 {
                let g = l[i] * x[i];
                m[i] = b1 * m[i] + (1.0 - b1) * g;
                v[i] = b2 * v[i] + (1.0 - b2) * g * g;
                let denom = (v[i] / (1.0 - b2.powi(t))).sqrt() + eps;
                x[i] -= lr / (1.0 - b1.powi(t)) * m[i] / denom;
                p_inv[i] = 1.0 / ((1.0 - b1.powi(t)) * denom);
            }
            let expected = f64::max(l[0] * p_inv[0], l[1] * p_inv[1]);
            assert!(
                (s.value - expected).abs() <= 1e-9 * expected,
                "step {}: {} vs {expected}",
                s.step,
                s.value
            );
            let edge = s.edge.unwrap();
            assert!((edge - 3.8 / (0.1 * lr)).abs() < 1e-9 * edge, "{edge}");
        }
        // AdamW's decoupled decay lowers the edge; coupled decay in Adam has none.
        let adamw = Edge::of(&RunConfig {
            optimizer: OptimizerSpec::AdamW(AdamWParams::default()),
            ..config.clone()
        });
        assert!(adamw.edge(1e-3, 5).unwrap() < 3.8 / (0.1 * 1e-3) * (1.0 - 1e-7));
        let coupled = Edge::of(&RunConfig {
            optimizer: OptimizerSpec::Adam(AdamParams {
                weight_decay: 0.1,
                ..AdamParams::default()
            }),
            ..config.clone()
        });
        assert!(matches!(coupled, Edge::None(_)));
        let rms = Edge::of(&RunConfig {
            optimizer: OptimizerSpec::RMSprop(RmsPropParams::default()),
            ..config
        });
        assert!(rms.preconditioned());
    }

    #[test]
    fn a_track_extended_step_by_step_is_the_curve_taken_at_once() {
        let objective = quadratic(4.0);
        let view = DivergenceBox::around(&objective.default_view());
        for optimizer in [
            OptimizerSpec::GD(GdParams { lr: 0.3 }),
            OptimizerSpec::Adam(AdamParams {
                lr: 0.05,
                ..AdamParams::default()
            }),
        ] {
            let config = config(optimizer, Vec2::new(1.0, -0.5));
            // Capacity 64: the trajectory thins its samples (stride 2, 4) as it runs.
            let mut run = Run::new(config.clone(), &objective, 64, 1e-3).unwrap();
            let mut track = Track::default();
            for _ in 0..50 {
                run.advance(&objective, &view, 7);
                track.update(&objective, &config, run.trajectory());
            }
            assert!(run.trajectory().stride() > 1, "the trajectory was thinned");
            let whole = along(&objective, &config, run.trajectory(), 0);
            assert_eq!(track.samples(), whole.as_slice());
            assert!(!whole.is_empty());
        }
    }

    #[test]
    fn sharpness_of_a_rotated_matrix_and_its_preconditioned_form() {
        let h = Mat2::new(3.0, 1.0, 1.0, 3.0);
        assert!((sharpness(&h) - 4.0).abs() < 1e-15);
        // diag(1, 4) H: eigenvalues of [[3, 1], [4, 12]].
        let p = preconditioned_sharpness(&h, Vec2::new(1.0, 4.0));
        let expected = 7.5 + (4.5f64 * 4.5 + 4.0).sqrt();
        assert!((p - expected).abs() < 1e-12, "{p} {expected}");
    }
}
