//! The theory panel and `optiviz analyze` show the same numbers. For every shipped preset, the
//! values the panel computes (the `numerics::theory` functions it calls, on a simulation built
//! as the app builds it) are the ones `analyze --json` prints, to the last bit: the point of
//! analysis and its spectrum, and each run's predicted and measured rate, fitted steps and final
//! error. With the `gui` feature, the app's own theory panel is read too.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failed unwrap is a failed test"
)]

#[cfg(feature = "gui")]
mod common;

use optiviz::numerics::objectives::PointKind;
use optiviz::numerics::run::Simulation;
use optiviz::numerics::theory::{
    self, Character, PointOfAnalysis, Prediction, RunEnd, RunFit, Spectrum,
};
use optiviz::scenario::Scenario;
use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

/// Samples the app keeps per run (`ui::session::CAPACITY`); analyze keeps as many.
const APP_CAPACITY: usize = 1 << 17;
/// Points per run of the panel's time plots (its `TIME_POINTS`).
const TIME_POINTS: usize = 1500;

fn preset(name: &str) -> PathBuf {
    [env!("CARGO_MANIFEST_DIR"), "presets", name]
        .iter()
        .collect()
}

/// The shipped 2-D presets, by file name.
fn shipped() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(preset(""))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "ron"))
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn analyze_json(path: &std::path::Path) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_optiviz"))
        .args(["analyze", path.to_str().unwrap(), "--json"])
        .output()
        .expect("the binary runs");
    assert!(
        out.status.success(),
        "{}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The runs as the app simulates them, to the preset's last step.
fn simulate(scenario: &Scenario) -> Simulation {
    let mut sim = scenario.simulation(APP_CAPACITY).unwrap();
    sim.advance_to(scenario.spec.steps);
    sim
}

/// `x` as `analyze --json` prints it and this test reads it back: the same text through the
/// same parser, so equal results mean equal bits (serde_json writes the shortest round-trip
/// digits; NaN and infinities become null).
fn json_number(x: f64) -> Value {
    serde_json::from_str(&serde_json::to_string(&x).unwrap()).unwrap()
}

#[track_caller]
fn same_number(json: &Value, x: f64, what: &str) {
    assert_eq!(json, &json_number(x), "{what}: analyze {json}, panel {x:e}");
}

#[track_caller]
fn same_option(json: &Value, x: Option<f64>, what: &str) {
    match x {
        Some(x) => same_number(json, x, what),
        None => assert!(json.is_null(), "{what}: analyze {json}, panel none"),
    }
}

fn kind_name(character: Character) -> &'static str {
    match character {
        Character::Stationary(PointKind::Minimum) => "minimum",
        Character::Stationary(PointKind::Maximum) => "maximum",
        Character::Stationary(PointKind::Saddle) => "saddle",
        Character::Stationary(PointKind::Degenerate) => "degenerate",
        Character::NotStationary => "not stationary",
    }
}

/// The panel's point of analysis against an analyze Hessian block.
#[track_caller]
fn same_point(json: &Value, p: &PointOfAnalysis, what: &str) {
    let s: &Spectrum = &p.spectrum;
    same_number(&json["at"][0], p.at.x, &format!("{what}: at.x"));
    same_number(&json["at"][1], p.at.y, &format!("{what}: at.y"));
    for i in 0..2 {
        same_number(
            &json["eigenvalues"][i],
            s.eigenvalues[i],
            &format!("{what}: eigenvalue {i}"),
        );
        for (j, c) in [s.eigenvectors[i].x, s.eigenvectors[i].y]
            .iter()
            .enumerate()
        {
            same_number(
                &json["eigenvectors"][i][j],
                *c,
                &format!("{what}: eigenvector {i}"),
            );
        }
    }
    same_option(
        &json["kappa"],
        s.kappa.is_finite().then_some(s.kappa),
        &format!("{what}: kappa"),
    );
    assert_eq!(json["kind"], kind_name(p.character), "{what}: kind");
}

/// The panel's fit of a run against analyze's report of it.
#[track_caller]
fn same_fit(json: &Value, fit: &RunFit, what: &str) {
    same_option(
        &json["predicted_rate"],
        fit.predicted_rate(),
        &format!("{what}: predicted rate"),
    );
    let double_root = matches!(
        fit.prediction,
        Prediction::Rate {
            double_root: true,
            ..
        }
    );
    assert_eq!(json["double_root"], double_root, "{what}: double root");
    same_option(
        &json["measured_rate"],
        fit.measured_rate(),
        &format!("{what}: measured rate"),
    );
    match fit.fit {
        Some(f) => assert_eq!(
            json["fitted_steps"],
            serde_json::json!(f.steps),
            "{what}: fitted steps"
        ),
        None => assert!(json["fitted_steps"].is_null(), "{what}: fitted steps"),
    }
    same_option(
        &json["final_error"],
        fit.final_error,
        &format!("{what}: final error"),
    );
}

/// What the panel shows and analyze prints for one preset; returns how many runs had a
/// measured rate compared.
fn check_preset(name: &str) -> usize {
    let path = preset(name);
    let scenario = optiviz::io::load_preset(&path).unwrap();
    let report = analyze_json(&path);
    let sim = simulate(&scenario);
    let f = &scenario.objective;
    let steps = scenario.spec.steps;
    let runs = report["runs"].as_array().unwrap();
    assert_eq!(runs.len(), sim.runs().len(), "{name}");
    let mut measured = 0;
    if f.as_quadratic().is_some() {
        assert_eq!(report["quadratic"], true, "{name}");
        // Whichever run is selected and wherever it is, the panel's point is the minimum.
        let p = theory::point_of_analysis(f, None).unwrap();
        for run in sim.runs() {
            for step in [0, steps / 2, steps] {
                let at = run.trajectory().at_step(step).map(|s| s.point);
                assert_eq!(theory::point_of_analysis(f, at), Some(p), "{name}");
            }
        }
        same_point(&report["hessian"], &p, name);
        let x_star = p.minimum().unwrap();
        // The measured-against-predicted table at the last step, run by run.
        for (k, (json, run)) in runs.iter().zip(sim.runs()).enumerate() {
            let prediction = theory::predict(run.config(), &p.spectrum.eigenvalues);
            let fit = RunFit::new(run.trajectory(), x_star, prediction, steps, TIME_POINTS);
            same_fit(json, &fit, &format!("{name}, run {k}"));
            measured += usize::from(fit.fit.is_some());
        }
    } else {
        assert_eq!(report["quadratic"], false, "{name}");
        assert!(report["hessian"].is_null(), "{name}");
        for (k, (json, run)) in runs.iter().zip(sim.runs()).enumerate() {
            let what = format!("{name}, run {k}");
            // The panel with this run selected at step 0: the Hessian at its start, which
            // analyze prints as the run's start Hessian.
            let start = run.trajectory().at_step(0).unwrap().point;
            match theory::point_of_analysis(f, Some(start)) {
                Some(p) => same_point(&json["start_hessian"], &p, &format!("{what}, start")),
                None => assert!(json["start_hessian"].is_null(), "{what}"),
            }
            // Analyze fits the rate towards the stationary point the run ends at (or of
            // |grad f| without one) with the panel's fit; the panel itself predicts rates only
            // for quadratics.
            let t = run.trajectory();
            let end = RunEnd::of(f, t.latest().unwrap().point);
            match &end.point {
                Some(p) => same_point(&json["end_hessian"], p, &format!("{what}, end")),
                None => assert!(json["end_hessian"].is_null(), "{what}"),
            }
            let prediction = theory::predict_at_end(run.config(), end.point.as_ref()).prediction;
            let fit = match end.x_star {
                Some(x) => RunFit::new(t, x, prediction, steps, TIME_POINTS),
                None => {
                    RunFit::of_errors(t.grad_norms(), t.stride(), prediction, steps, TIME_POINTS)
                }
            };
            same_fit(json, &fit, &what);
            measured += usize::from(fit.fit.is_some());
        }
    }
    measured
}

#[test]
fn the_panel_and_analyze_agree_on_the_lecture_presets() {
    for name in [
        "04-momentum-vs-gd.ron",
        "12-rosenbrock.ron",
        "13-saddle-escape.ron",
        "14-plateau.ron",
    ] {
        let measured = check_preset(name);
        assert!(measured > 0, "{name}: no measured rate was compared");
    }
}

#[test]
fn the_panel_and_analyze_agree_on_every_shipped_preset() {
    let names = shipped();
    assert!(names.len() >= 17, "{names:?}");
    for name in names {
        check_preset(&name);
    }
}

/// The app's own theory panel, at the last step of preset 04, shows analyze's rates.
#[cfg(feature = "gui")]
#[test]
fn the_theory_panel_on_screen_shows_analyzes_rates() {
    use egui_kittest::kittest::Queryable;
    let path = preset("04-momentum-vs-gd.ron");
    let report = analyze_json(&path);
    let steps = report["steps"].as_u64().unwrap();
    let mut h = common::harness(optiviz::ui::LaunchOptions {
        preset: Some(path),
        at_step: Some(usize::try_from(steps).unwrap()),
        ..optiviz::ui::LaunchOptions::default()
    });
    common::compute_all(&mut h);
    h.key_press(egui::Key::T);
    h.run_steps(4);
    assert_eq!(
        h.state().session().shown_step(),
        usize::try_from(steps).unwrap()
    );
    h.get_all_by_label_contains("l_min = 0.01")
        .next()
        .expect("the spectrum at the exact minimum");
    // Every predicted and measured rate of the table, as often as analyze has it (GD's
    // measured rate rounds to its predicted one).
    let mut expected = std::collections::BTreeMap::<String, usize>::new();
    for run in report["runs"].as_array().unwrap() {
        for key in ["predicted_rate", "measured_rate"] {
            *expected
                .entry(four_digits(run[key].as_f64().unwrap()))
                .or_default() += 1;
        }
    }
    for (shown, times) in expected {
        let found = h.query_all_by_label(&shown).count();
        assert!(
            found >= times,
            "{shown} shown {found} times, expected {times}"
        );
    }
}

/// Four significant digits without trailing zeros, as the panel writes a rate in [0.1, 10).
#[cfg(feature = "gui")]
fn four_digits(x: f64) -> String {
    assert!((0.1..10.0).contains(&x), "{x}");
    let s = if x < 1.0 {
        format!("{x:.4}")
    } else {
        format!("{x:.3}")
    };
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}
