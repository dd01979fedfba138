//! Scenarios built in code for the speed workloads (`optiviz bench`, the criterion benches,
//! the app's frame benchmark) and for tests that need many or long runs.

use super::builtin::{BUILTIN, DEFAULT_BUILTIN};
use super::{RunSpec, Scenario, ScenarioSpec};
use crate::numerics::objectives::ObjectiveSpec;
use crate::numerics::optimizers::{AdamParams, OptimizerSpec, SgdParams};

/// The default scenario with its step budget set to `steps`.
#[must_use]
pub fn default_scenario(steps: usize) -> Scenario {
    let text = BUILTIN[DEFAULT_BUILTIN].text;
    let mut spec = super::parse_spec(text, BUILTIN[DEFAULT_BUILTIN].file)
        .unwrap_or_else(|_| unreachable!("the shipped default preset is valid (tested)"));
    spec.steps = steps;
    Scenario::from_spec(spec).unwrap_or_else(|_| unreachable!("still valid with 1,000 steps"))
}

/// A scenario with `runs` runs of `steps` steps on a kappa = 100 quadratic: a spread of
/// optimizers (the UI-frame and long-run workloads).
#[must_use]
pub fn long_scenario(runs: usize, steps: usize) -> ScenarioSpec {
    let optimizers = [
        OptimizerSpec::SGD(SgdParams {
            lr: 0.5,
            ..SgdParams::default()
        }),
        OptimizerSpec::SGD(SgdParams {
            lr: 0.5,
            momentum: 0.9,
            ..SgdParams::default()
        }),
        OptimizerSpec::Adam(AdamParams {
            lr: 0.05,
            ..AdamParams::default()
        }),
    ];
    let mut spec = ScenarioSpec {
        name: format!("{runs} runs of {steps} steps"),
        objective: ObjectiveSpec::default(),
        steps,
        speed: 10_000.0,
        ..ScenarioSpec::default()
    };
    for k in 0..runs {
        let angle = k as f64 * 0.7;
        spec.runs.push(RunSpec {
            label: format!("run {}", k + 1),
            optimizer: optimizers[k % optimizers.len()].clone(),
            start: Some((2.0 * angle.cos(), 1.5 * angle.sin())),
            ..RunSpec::default()
        });
    }
    spec
}

/// Columns and rows of the map workload.
pub const SWEEP_SIDE: usize = 64;
/// Steps per cell of the map workload.
pub const SWEEP_STEPS: usize = 1_000;

/// The hyperparameter-map workload: a 64 x 64 map of 1,000-step heavy-ball runs (torch's SGD
/// with momentum) on the kappa = 100 quadratic, lr 1e-3 to 1 (log) by momentum 0 to 0.99,
/// from (-2, 1.5). Every cell converges (lr <= 1 < 2 (1 + b) / l_max), so every cell takes all
/// its steps: 4,096,000 in all.
#[must_use]
pub fn sweep_workload() -> crate::numerics::sweep::SweepSpec {
    use crate::numerics::objectives::QuadraticParams;
    use crate::numerics::sweep::{Axis, AxisScale, Metric, SweepSpec};
    let spec = ScenarioSpec {
        name: "map workload".to_owned(),
        objective: ObjectiveSpec::Quadratic(QuadraticParams {
            kappa: 100.0,
            angle_deg: 25.0,
            ..QuadraticParams::default()
        }),
        steps: SWEEP_STEPS,
        runs: vec![RunSpec {
            label: "heavy ball".to_owned(),
            optimizer: OptimizerSpec::SGD(SgdParams {
                lr: 0.1,
                momentum: 0.9,
                ..SgdParams::default()
            }),
            start: Some((-2.0, 1.5)),
            ..RunSpec::default()
        }],
        ..ScenarioSpec::default()
    };
    let scenario = Scenario::from_spec(spec)
        .unwrap_or_else(|_| unreachable!("a quadratic and SGD with valid parameters"));
    let axis = |knob: &str, from, to, scale| Axis {
        knob: knob.to_owned(),
        from,
        to,
        scale,
        cells: SWEEP_SIDE,
    };
    SweepSpec {
        objective: scenario.objective,
        view: scenario.view,
        base: scenario.runs[0].config.clone(),
        x: axis("lr", 1e-3, 1.0, AxisScale::Log),
        y: Some(axis("momentum", 0.0, 0.99, AxisScale::Linear)),
        metric: Metric::FinalLoss,
        steps: SWEEP_STEPS,
    }
}
