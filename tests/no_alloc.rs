//! An optimizer step allocates nothing once its buffers exist: the app runs hundreds of
//! thousands of steps per frame, and the MLP the same code on a few hundred parameters.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failed unwrap is a failed test"
)]

use nalgebra::{DMatrix, DVector};
use optiviz::numerics::mlp::{Network, NetworkSpec, Task};
use optiviz::numerics::optimizers::{
    AdadeltaParams, AdafactorParams, AdagradParams, AdamParams, AdamWParams, AdamaxParams,
    AsgdParams, BfgsParams, CgLineSearch, CgParams, DeltaBarDeltaParams, GdParams, LbfgsParams,
    LineSearch, LionParams, MuonParams, NAdamParams, NagParams, NewtonParams, NsDtype,
    OptimizerSpec, Oracle, ParamLayout, RAdamParams, RmsPropParams, RpropParams,
    ScheduleFreeAdamWParams, ScheduleFreeSgdParams, SgdParams,
};

/// f(x) = 1/2 sum_i d_i x_i^2 with d_i spread over [0.5, 2], computed in place.
struct Diagonal {
    d: Vec<f64>,
}

impl Oracle for Diagonal {
    fn eval(&mut self, x: &DVector<f64>, grad: &mut DVector<f64>) -> f64 {
        let mut f = 0.0;
        for i in 0..x.len() {
            grad[i] = self.d[i] * x[i];
            f += 0.5 * self.d[i] * x[i] * x[i];
        }
        f
    }
    fn hessian(&mut self, _x: &DVector<f64>, hess: &mut DMatrix<f64>) -> bool {
        hess.fill(0.0);
        for i in 0..self.d.len() {
            hess[(i, i)] = self.d[i];
        }
        true
    }
}

fn specs() -> Vec<OptimizerSpec> {
    vec![
        OptimizerSpec::GD(GdParams { lr: 0.1 }),
        OptimizerSpec::SGD(SgdParams {
            lr: 0.1,
            momentum: 0.9,
            nesterov: true,
            weight_decay: 0.01,
            ..SgdParams::default()
        }),
        OptimizerSpec::NAG(NagParams {
            lr: 0.1,
            ..NagParams::default()
        }),
        OptimizerSpec::Adagrad(AdagradParams::default()),
        OptimizerSpec::RMSprop(RmsPropParams {
            centered: true,
            momentum: 0.5,
            ..RmsPropParams::default()
        }),
        OptimizerSpec::Adam(AdamParams {
            amsgrad: true,
            ..AdamParams::default()
        }),
        OptimizerSpec::Adam(AdamParams {
            amsgrad: true,
            amsgrad_max_corrected: true,
            ..AdamParams::default()
        }),
        OptimizerSpec::AdamW(AdamWParams::default()),
        OptimizerSpec::NAdam(NAdamParams::default()),
        OptimizerSpec::RAdam(RAdamParams::default()),
        OptimizerSpec::Adadelta(AdadeltaParams::default()),
        OptimizerSpec::Adamax(AdamaxParams::default()),
        OptimizerSpec::Rprop(RpropParams::default()),
        OptimizerSpec::DeltaBarDelta(DeltaBarDeltaParams::default()),
        // Averaging from step 10 on, so the measured steps update ax.
        OptimizerSpec::ASGD(AsgdParams {
            t0: 10.0,
            weight_decay: 0.01,
            ..AsgdParams::default()
        }),
        OptimizerSpec::Lion(LionParams {
            weight_decay: 0.1,
            decoupled_weight_decay: true,
            ..LionParams::default()
        }),
        OptimizerSpec::ScheduleFreeAdamW(ScheduleFreeAdamWParams {
            weight_decay: 0.01,
            warmup_steps: 10,
            r: 1.0,
            ..ScheduleFreeAdamWParams::default()
        }),
        OptimizerSpec::ScheduleFreeSGD(ScheduleFreeSgdParams {
            lr: 0.1,
            weight_decay: 0.01,
            warmup_steps: 10,
            ..ScheduleFreeSgdParams::default()
        }),
        OptimizerSpec::Adafactor(AdafactorParams {
            weight_decay: 0.01,
            ..AdafactorParams::default()
        }),
        OptimizerSpec::Muon(MuonParams::default()),
        OptimizerSpec::Muon(MuonParams {
            nesterov: false,
            ns_dtype: NsDtype::Float64,
            ..MuonParams::default()
        }),
        OptimizerSpec::Newton(NewtonParams {
            damping: 0.1,
            ..NewtonParams::default()
        }),
        OptimizerSpec::BFGS(BfgsParams::default()),
        OptimizerSpec::CG(CgParams::default()),
        OptimizerSpec::CG(CgParams {
            line_search_fn: CgLineSearch::Exact,
            ..CgParams::default()
        }),
        OptimizerSpec::LBFGS(LbfgsParams {
            max_iter: 1,
            max_eval: Some(25),
            history_size: 5,
            line_search_fn: LineSearch::StrongWolfe,
            ..LbfgsParams::default()
        }),
        OptimizerSpec::LBFGS(LbfgsParams {
            max_iter: 1,
            history_size: 5,
            ..LbfgsParams::default()
        }),
    ]
}

/// The 2-D point (one 1 x n matrix) in 2 and 300 dimensions, and a 2-8-6-5-1 network's
/// matrices and biases (Adafactor factors its weights, Muon orthogonalises the hidden ones).
fn layouts() -> Vec<(usize, ParamLayout)> {
    let net = Network::new(
        2,
        &NetworkSpec {
            hidden: vec![8, 6, 5],
            ..NetworkSpec::default()
        },
        Task::Classification,
    );
    vec![
        (2, ParamLayout::point()),
        (300, ParamLayout::point()),
        (net.param_count(), net.layout()),
    ]
}

#[test]
fn steps_allocate_nothing() {
    for (dim, layout) in layouts() {
        for spec in specs() {
            let mut opt = spec.build_for(&layout).unwrap();
            let mut oracle = Diagonal {
                d: (0..dim)
                    .map(|i| 0.5 + 1.5 * (i as f64) / (dim as f64))
                    .collect(),
            };
            let mut x = DVector::from_fn(dim, |i, _| 1.0 + (i % 7) as f64 * 0.1);
            // The first step sizes the buffers: the counter must see that, or it counts nothing.
            let first = allocation_counter::measure(|| {
                opt.step(&mut x, &mut oracle).unwrap();
            });
            assert!(
                first.count_total > 0,
                "{}: the counter saw no allocation",
                spec.name()
            );
            // Warm-up: L-BFGS fills its history.
            for _ in 0..20 {
                opt.step(&mut x, &mut oracle).unwrap();
            }
            let info = allocation_counter::measure(|| {
                for _ in 0..50 {
                    opt.step(&mut x, &mut oracle).unwrap();
                }
            });
            assert_eq!(
                info.count_total,
                0,
                "{} in dimension {dim} allocated",
                spec.name()
            );
        }
    }
}

#[test]
fn every_optimizer_is_in_the_list() {
    let listed: Vec<&str> = specs().iter().map(OptimizerSpec::name).collect();
    for default in OptimizerSpec::all_defaults() {
        assert!(
            listed.contains(&default.name()),
            "{} is not checked for allocations",
            default.name()
        );
    }
}
