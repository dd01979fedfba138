//! The words on a figure: the objective with its parameters, and each run's optimizer with the
//! hyperparameters that differ from torch's defaults ("Momentum: SGD lr=0.1 momentum=0.9").
//!
//! Parameters are read through serde (the preset structs serialize), so a new optimizer or
//! parameter appears in captions without code here.

use crate::numerics::noise::NoiseKind;
use crate::numerics::objectives::{Landmarks, ObjectiveSpec};
use crate::numerics::optimizers::OptimizerSpec;
use crate::numerics::run::{Averaging, Clip};
use crate::numerics::schedule::{MomentumSchedule, Schedule};
use crate::scenario::{CheckedRun, Scenario};
use serde::Serialize;
use serde_json::Value;
use std::fmt::Write as _;

/// A number as a person would write it: 0.1, 3.3058, 1e-8, 100.
#[must_use]
pub fn number(v: f64) -> String {
    if v == 0.0 {
        return "0".to_owned();
    }
    let a = v.abs();
    let text = if (1e-3..1e6).contains(&a) {
        // Up to 6 significant digits, trailing zeros dropped.
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "a small count of decimals"
        )]
        let decimals = (5.0 - a.log10().floor()).clamp(0.0, 9.0) as usize;
        let s = format!("{v:.decimals$}");
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_owned()
        } else {
            s
        }
    } else {
        let s = format!("{v:.3e}");
        // 1.000e-8 -> 1e-8, 2.500e-4 -> 2.5e-4
        match s.split_once('e') {
            Some((m, e)) => {
                let m = m.trim_end_matches('0').trim_end_matches('.');
                format!("{m}e{e}")
            }
            None => s,
        }
    };
    text.replace('-', "\u{2212}").replacen("e\u{2212}", "e-", 1)
}

/// A serialized parameter value as text.
fn value_text(v: &Value) -> String {
    match v {
        Value::Number(n) => n.as_f64().map_or_else(|| n.to_string(), number),
        Value::Bool(b) => b.to_string(),
        Value::String(s) => s.clone(),
        Value::Array(items) => format!(
            "({})",
            items.iter().map(value_text).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| match v {
                Value::Object(_) | Value::Array(_) => format!("{k}{}", value_text(v)),
                _ => format!("{k}({})", value_text(v)),
            })
            .collect::<Vec<_>>()
            .join(", "),
        Value::Null => "none".to_owned(),
    }
}

/// The fields of a serialized enum variant, in declaration order, and the variant's name.
fn variant_fields<T: Serialize>(value: &T) -> Option<(String, serde_json::Map<String, Value>)> {
    match serde_json::to_value(value).ok()? {
        Value::Object(map) => {
            let (name, inner) = map.into_iter().next()?;
            match inner {
                Value::Object(fields) => Some((name, fields)),
                _ => Some((name, serde_json::Map::new())),
            }
        }
        Value::String(name) => Some((name, serde_json::Map::new())),
        _ => None,
    }
}

/// "name k=v ..." listing `always` fields and every field that differs from `defaults`.
fn with_params<T: Serialize>(value: &T, defaults: Option<&T>, always: &[&str]) -> String {
    let Some((name, fields)) = variant_fields(value) else {
        return String::new();
    };
    let default_fields = defaults
        .and_then(variant_fields)
        .map(|(_, f)| f)
        .unwrap_or_default();
    let mut out = name;
    // The `always` fields first (lr leads), then the others that differ, by name.
    let firsts = always.iter().filter_map(|k| fields.get_key_value(*k));
    let rest = fields
        .iter()
        .filter(|(k, v)| !always.contains(&k.as_str()) && default_fields.get(*k) != Some(*v));
    for (k, v) in firsts.chain(rest) {
        out.push(' ');
        out.push_str(k);
        out.push('=');
        out.push_str(&value_text(v));
    }
    out
}

/// "SGD lr=0.1 momentum=0.9": the optimizer and the hyperparameters not at torch's default
/// (lr always).
#[must_use]
pub fn optimizer(spec: &OptimizerSpec) -> String {
    let defaults = OptimizerSpec::all_defaults()
        .into_iter()
        .find(|d| d.name() == spec.name());
    with_params(spec, defaults.as_ref(), &["lr"])
}

/// Schedule, clipping, averaging and batch size, when not the defaults ("" otherwise).
fn run_extras(run: &CheckedRun, spec_batch: Option<usize>) -> String {
    let mut parts = Vec::new();
    if run.config.schedule != Schedule::Constant {
        parts.push(format!(
            "schedule {}",
            with_params(&run.config.schedule, None, &[])
        ));
    }
    if let MomentumSchedule::Warmup { start, steps } = run.config.momentum_schedule {
        parts.push(format!(
            "momentum from {} over {steps} steps",
            number(start)
        ));
    }
    match run.config.clip {
        Clip::None => {}
        Clip::Norm(c) => parts.push(format!("clip norm {}", number(c))),
        Clip::Value(c) => parts.push(format!("clip value {}", number(c))),
    }
    match run.config.averaging {
        Averaging::Off => {}
        Averaging::Polyak { start } => parts.push(format!("Polyak averaging from step {start}")),
        Averaging::Tail { last } => parts.push(format!("averaging the last {last} iterates")),
    }
    if let Some(b) = spec_batch {
        parts.push(format!("batch {b}"));
    }
    if run.config.noise.is_none() {
        parts.push("exact gradients".to_owned());
    }
    parts.join(", ")
}

/// "Momentum: SGD lr=0.1 momentum=0.9" plus schedule, clipping, averaging when set.
#[must_use]
pub fn run_line(scenario: &Scenario, index: usize) -> String {
    let Some(run) = scenario.runs.get(index) else {
        return String::new();
    };
    let batch = scenario.spec.runs.get(index).and_then(|r| r.batch_size);
    let described = optimizer(&run.config.optimizer);
    // "Adam: Adam lr=0.05" says Adam twice; the label alone is enough then.
    let mut text = if run.label == run.config.optimizer.name() {
        described
    } else {
        format!("{}: {described}", run.label)
    };
    let scenario_noisy = scenario.spec.noise.kind != NoiseKind::None;
    let extras = run_extras(run, batch);
    let extras = if scenario_noisy {
        extras
    } else {
        // Without scenario noise every run is exact: saying so adds nothing.
        extras
            .split(", ")
            .filter(|p| *p != "exact gradients" && !p.is_empty())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !extras.is_empty() {
        text.push_str(", ");
        text.push_str(&extras);
    }
    text
}

/// "Rosenbrock: f = (1 - x)^2 + 100 (y - x^2)^2", and the noise when there is any.
#[must_use]
pub fn objective_line(scenario: &Scenario) -> String {
    let name = match &scenario.spec.objective {
        ObjectiveSpec::Expression(_) => "Your function",
        o => o.name(),
    };
    let mut text = format!("{name}: {}", scenario.objective.formula());
    let noise = &scenario.spec.noise;
    match &noise.kind {
        NoiseKind::None => {}
        // A fixed cycle draws nothing: no seed. A long one is summed up.
        NoiseKind::Cyclic { tilts } if tilts.len() > 4 => {
            let _ = write!(text, "   \u{b7}   noise: Cyclic, {} tilts", tilts.len());
        }
        kind @ NoiseKind::Cyclic { .. } => {
            let _ = write!(text, "   \u{b7}   noise: {}", with_params(kind, None, &[]));
        }
        kind => {
            let _ = write!(
                text,
                "   \u{b7}   noise: {} (seed {})",
                with_params(kind, None, &[]),
                noise.seed
            );
        }
    }
    if let Some(d) = &scenario.spec.domain {
        let _ = write!(
            text,
            "   \u{b7}   projected onto x in [{}, {}], y in [{}, {}]",
            number(d.x.0),
            number(d.x.1),
            number(d.y.0),
            number(d.y.1)
        );
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario;

    #[test]
    fn numbers_read_naturally() {
        assert_eq!(number(0.1), "0.1");
        assert_eq!(number(3.3058), "3.3058");
        assert_eq!(number(1e-8), "1e-8");
        assert_eq!(number(2.5e-4), "2.5e-4");
        assert_eq!(number(100.0), "100");
        assert_eq!(number(-0.5), "\u{2212}0.5");
        assert_eq!(number(0.999), "0.999");
        assert_eq!(number(1.98), "1.98");
    }

    #[test]
    fn captions_name_non_default_hyperparameters() {
        let s = scenario::parse(
            "(objective: Rosenbrock(), noise: (kind: Gaussian(sigma: 0.5), seed: 3), runs: [\
             (label: \"Momentum\", optimizer: SGD(lr: 0.1, momentum: 0.9)),\
             (optimizer: Adam(lr: 0.05, betas: (0.8, 0.99)), clip: Norm(1.0), noisy: false),\
             (optimizer: NAG(momentum: Constant(0.9)), schedule: Step(step_size: 10, gamma: 0.5))])",
            "t.ron",
        )
        .unwrap();
        assert_eq!(run_line(&s, 0), "Momentum: SGD lr=0.1 momentum=0.9");
        assert_eq!(
            run_line(&s, 1),
            "Adam lr=0.05 betas=(0.8, 0.99), clip norm 1, exact gradients"
        );
        assert_eq!(
            run_line(&s, 2),
            "NAG lr=0.001 momentum=Constant(0.9), schedule Step gamma=0.5 step_size=10"
        );
        let o = objective_line(&s);
        assert!(
            o.starts_with("Rosenbrock: f = (1 - x)^2 + 100 (y - x^2)^2"),
            "{o}"
        );
        assert!(o.contains("noise: Gaussian sigma=0.5 (seed 3)"), "{o}");
    }

    #[test]
    fn a_cycle_of_tilts_has_no_seed_and_a_long_one_is_counted() {
        let line = |tilts: &str| {
            let text = format!(
                "(domain: (x: (-1.0, 1.0), y: (-1.0, 0.5)), noise: (kind: Cyclic(tilts: [{tilts}])))"
            );
            objective_line(&scenario::parse(&text, "c.ron").unwrap())
        };
        let o = line("(-4.0, 0.0), (2.0, 0.0), (2.0, 0.0)");
        assert!(
            o.ends_with(
                "noise: Cyclic tilts=((\u{2212}4, 0), (2, 0), (2, 0))   \u{b7}   \
                 projected onto x in [\u{2212}1, 1], y in [\u{2212}1, 0.5]"
            ),
            "{o}"
        );
        let o = line(&["(1.0, 0.0)"; 5].join(", "));
        assert!(o.contains("noise: Cyclic, 5 tilts   \u{b7}"), "{o}");
    }
}
