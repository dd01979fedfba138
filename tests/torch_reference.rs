//! Trajectories agree with torch.optim's in float64.
//!
//! tests/data/torch_reference.json was produced by scripts/torch_reference.py with torch
//! (version recorded in the file): each case is an optiviz preset and the points torch's
//! optimizer visits from the same start on the same objective (gradients by autograd), with the
//! same schedule and clipping. Here every preset goes through the whole pipeline (parse,
//! validate, simulate) and every point must match; so must the averaged point where torch's
//! optimizer keeps one (ASGD's ax).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failed unwrap is a failed test"
)]

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
