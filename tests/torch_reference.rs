//! Trajectories agree with torch.optim's in float64.
//!
//! tests/data/torch_reference.json was produced by scripts/torch_reference.py with torch
//! (version recorded in the file): each case is an optiviz preset and the points torch's
//! optimizer visits from the same start on the same objective (gradients by autograd), with the
//! same schedule and clipping. Here every preset goes through the whole pipeline (parse,
//! validate, simulate) and every point must match; so must the averaged point where torch's
//! optimizer keeps one (ASGD's ax). tests/data/torch_mlp_reference.json does the same for the
//! shape-dependent optimizers (Adafactor, Muon with its AdamW) on small networks' weights.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failed unwrap is a failed test"
)]

use nalgebra::{DMatrix, DVector};
use optiviz::numerics::mlp::{Activation, Network, NetworkSpec, Task, Workspace};
use optiviz::numerics::optimizers::Oracle;
use optiviz::scenario;
use std::collections::BTreeMap;

/// Relative agreement demanded (the product promise is ~1e-9; rounding gives far better).
const TOLERANCE: f64 = 1e-9;

#[test]
fn optiviz_matches_torch_optim() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/torch_reference.json"
    ))
    .unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let cases = doc["cases"].as_array().unwrap();
    assert!(cases.len() >= 30);
    let mut worst = (0.0_f64, String::new());
    // The worst error of each optimizer's trajectories, and of its averaged points.
    let mut by_optimizer: BTreeMap<String, f64> = BTreeMap::new();
    let mut averaged_cases = 0;
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let preset = case["preset"].as_str().unwrap();
        let expected: Vec<[f64; 2]> = serde_json::from_value(case["points"].clone()).unwrap();
        let s = scenario::parse(preset, name).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut sim = s.simulation(expected.len()).unwrap();
        sim.advance_to(s.spec.steps);
        let run = &sim.runs()[0];
        assert!(
            run.status().is_running(),
            "{name}: {}",
            run.status().describe()
        );
        let t = run.trajectory();
        let optimizer = run.config().optimizer.name();
        let mut series = vec![(optimizer.to_owned(), t.points(), expected)];
        if let Some(averaged) = case.get("averaged") {
            let averaged: Vec<[f64; 2]> = serde_json::from_value(averaged.clone()).unwrap();
            series.push((format!("{optimizer} averaged"), t.averaged(), averaged));
            averaged_cases += 1;
        }
        for (what, got, expected) in series {
            assert_eq!(got.len(), expected.len(), "{name}: {what}");
            let mut case_worst = 0.0_f64;
            for (k, (g, e)) in got.iter().zip(&expected).enumerate() {
                for c in 0..2 {
                    let err = (g[c] - e[c]).abs() / e[c].abs().max(1.0);
                    case_worst = case_worst.max(err);
                    if err > worst.0 {
                        worst = (err, format!("{name} ({what}) step {k}"));
                    }
                    assert!(
                        err <= TOLERANCE,
                        "{name} ({what}): step {k} coordinate {c}: optiviz {} torch {} \
                         (rel. error {err:e})",
                        g[c],
                        e[c]
                    );
                }
            }
            println!("{name:40} {what:20} {case_worst:e}");
            let w = by_optimizer.entry(what).or_default();
            *w = w.max(case_worst);
        }
    }
    assert!(
        averaged_cases >= 4,
        "ASGD's ax is compared in {averaged_cases} cases"
    );
    for (what, w) in &by_optimizer {
        println!("worst for {what:20} {w:e}");
    }
    println!("worst relative difference {:e} at {}", worst.0, worst.1);
}

/// One full batch of the MLP's data as an oracle: the network's loss and gradient.
struct Batch<'a> {
    net: &'a Network,
    ws: Workspace,
    x: Vec<f64>,
    y: Vec<f64>,
}

impl Oracle for Batch<'_> {
    fn eval(&mut self, p: &DVector<f64>, grad: &mut DVector<f64>) -> f64 {
        self.net.loss_and_gradient(
            p.as_slice(),
            &self.x,
            &self.y,
            &mut self.ws,
            grad.as_mut_slice(),
        )
    }
    fn hessian(&mut self, _: &DVector<f64>, _: &mut DMatrix<f64>) -> bool {
        false
    }
}

/// tests/data/torch_mlp_reference.json (also from scripts/torch_reference.py): 2-h-...-1 tanh
/// networks of torch.nn.Linear layers trained full-batch by Adafactor (every tensor: factored
/// weights, unfactored biases) and by Muon on the hidden weight matrices with an AdamW on the
/// rest. Here the same optimizer, parsed from an MLP preset and built for the network's layout,
/// steps the same initial weights through optiviz's network gradient; every weight after every
/// step must match.
#[test]
fn optiviz_matches_torch_optim_on_mlp_weights() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/torch_mlp_reference.json"
    ))
    .unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let cases = doc["cases"].as_array().unwrap();
    assert!(cases.len() >= 6);
    let mut by_kind: BTreeMap<String, f64> = BTreeMap::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let hidden: Vec<usize> = serde_json::from_value(case["hidden"].clone()).unwrap();
        let ron = case["optimizer"].as_str().unwrap();
        let preset =
            format!("(dataset: (), network: (hidden: {hidden:?}), runs: [(optimizer: {ron})])");
        let scenario =
            scenario::mlp::parse(&preset, name).unwrap_or_else(|e| panic!("{name}: {e}"));
        let spec = scenario.runs[0].config.optimizer.clone();
        let net = Network::new(
            2,
            &NetworkSpec {
                hidden,
                activation: Activation::Tanh,
                ..NetworkSpec::default()
            },
            Task::Classification,
        );
        let inputs: Vec<[f64; 2]> = serde_json::from_value(case["inputs"].clone()).unwrap();
        let labels: Vec<f64> = serde_json::from_value(case["labels"].clone()).unwrap();
        let expected: Vec<Vec<f64>> = serde_json::from_value(case["params"].clone()).unwrap();
        assert_eq!(expected[0].len(), net.param_count(), "{name}");
        let mut batch = Batch {
            net: &net,
            ws: Workspace::new(&net, labels.len()),
            x: inputs.iter().flatten().copied().collect(),
            y: labels,
        };
        let mut optimizer = spec.build_for(&net.layout()).unwrap();
        let mut p = DVector::from_vec(expected[0].clone());
        let mut worst = 0.0_f64;
        for (k, e) in expected.iter().enumerate().skip(1) {
            optimizer.step(&mut p, &mut batch).unwrap();
            for (i, (g, e)) in p.iter().zip(e).enumerate() {
                let err = (g - e).abs() / e.abs().max(1.0);
                worst = worst.max(err);
                assert!(
                    err <= TOLERANCE,
                    "{name}: step {k} weight {i}: optiviz {g} torch {e} (rel. error {err:e})"
                );
            }
        }
        let kind = format!(
            "{} {}",
            spec.name(),
            if ron.contains("Float64") {
                "float64"
            } else {
                ""
            }
        );
        println!("{name:30} {worst:e}");
        let w = by_kind.entry(kind).or_default();
        *w = w.max(worst);
    }
    for (kind, w) in &by_kind {
        println!("worst for {kind:20} {w:e}");
    }
}
