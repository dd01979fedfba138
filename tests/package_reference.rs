//! Trajectories agree with the reference packages of the optimizers torch.optim lacks, in
//! float64: Lion with lion-pytorch's `Lion`, Schedule-Free AdamW and SGD with schedulefree's
//! `AdamWScheduleFree` and `SGDScheduleFree`.
//!
//! tests/data/package_reference.json was produced by scripts/package_reference.py (package
//! versions recorded in the file): each case is an optiviz preset, the points the package's
//! parameter visits and, for Schedule-Free, the averaged point x its `eval()` gives after every
//! step. Here every preset goes through the whole pipeline (parse, validate, simulate) and
//! every point must match: the run's point (y) and its averaged point (x).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failed unwrap is a failed test"
)]

use optiviz::numerics::Vec2;
use optiviz::scenario;
use std::collections::BTreeMap;

/// Relative agreement demanded (as in tests/torch_reference.rs).
const TOLERANCE: f64 = 1e-9;

/// The largest relative difference between two paths, and where; panics past the tolerance.
fn compare(name: &str, what: &str, got: &[Vec2], expected: &[[f64; 2]]) -> (f64, usize) {
    assert_eq!(got.len(), expected.len(), "{name}: {what}");
    let mut worst = (0.0_f64, 0);
    for (k, (g, e)) in got.iter().zip(expected).enumerate() {
        for c in 0..2 {
            let err = (g[c] - e[c]).abs() / e[c].abs().max(1.0);
            if err > worst.0 {
                worst = (err, k);
            }
            assert!(
                err <= TOLERANCE,
                "{name}: {what} at step {k} coordinate {c}: optiviz {} package {} (rel. error {err:e})",
                g[c],
                e[c]
            );
        }
    }
    worst
}

#[test]
fn optiviz_matches_lion_pytorch_and_schedulefree() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/package_reference.json"
    ))
    .unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let cases = doc["cases"].as_array().unwrap();
    // Worst relative difference per optimizer and path.
    let mut worst = BTreeMap::<String, (f64, String)>::new();
    let mut note = |key: String, err: (f64, usize), name: &str| {
        let slot = worst.entry(key).or_insert((0.0, String::new()));
        if err.0 >= slot.0 {
            *slot = (err.0, format!("{name} step {}", err.1));
        }
    };
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let preset = case["preset"].as_str().unwrap();
        let expected: Vec<[f64; 2]> = serde_json::from_value(case["points"].clone()).unwrap();
        let s = scenario::parse(preset, name).unwrap_or_else(|e| panic!("{name}: {e}"));
        let optimizer = s.runs[0].config.optimizer.name();
        let mut sim = s.simulation(expected.len()).unwrap();
        sim.advance_to(s.spec.steps);
        let run = &sim.runs()[0];
        assert!(
            run.status().is_running(),
            "{name}: {}",
            run.status().describe()
        );
        let t = run.trajectory();
        let err = compare(name, "point", t.points(), &expected);
        println!("{name:45} point    {:e}", err.0);
        note(format!("{optimizer} point"), err, name);
        match case.get("averaged") {
            Some(averaged) => {
                let expected: Vec<[f64; 2]> = serde_json::from_value(averaged.clone()).unwrap();
                let err = compare(name, "averaged point", t.averaged(), &expected);
                println!("{name:45} averaged {:e}", err.0);
                note(format!("{optimizer} averaged"), err, name);
            }
            None => assert!(t.averaged().is_empty(), "{name}: no averaged point"),
        }
    }
    for optimizer in ["Lion", "ScheduleFreeAdamW", "ScheduleFreeSGD"] {
        let cases = cases
            .iter()
            .filter(|c| {
                c["preset"]
                    .as_str()
                    .unwrap()
                    .contains(&format!("{optimizer}("))
            })
            .count();
        assert!(cases >= 5, "{optimizer}: only {cases} cases");
    }
    for (what, (err, at)) in &worst {
        println!("worst {what:30} {err:e} at {at}");
    }
    assert_eq!(worst.len(), 5, "{worst:?}");
}
