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
