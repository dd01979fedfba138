//! End-to-end: `optiviz analyze` on shipped presets and on a broken one.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failed unwrap is a failed test"
)]

use std::path::PathBuf;
use std::process::{Command, Output};

fn optiviz(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_optiviz"))
        .args(args)
        .env("RUST_BACKTRACE", "1")
        .output()
        .expect("the binary runs")
}

fn preset(name: &str) -> String {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "presets", name]
        .iter()
        .collect();
    path.display().to_string()
}

fn json(args: &[&str]) -> serde_json::Value {
    let out = optiviz(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn num(v: &serde_json::Value) -> f64 {
    v.as_f64()
        .unwrap_or_else(|| panic!("expected a number, got {v}"))
}

#[track_caller]
fn assert_close(got: f64, expected: f64, tol: f64) {
    assert!(
        (got - expected).abs() <= tol * expected.abs().max(1.0),
        "got {got:.17e}, expected {expected:.17e}"
    );
}

#[test]
fn quadratic_preset_reports_the_closed_forms_and_measured_rates() {
    let v = json(&["analyze", &preset("04-momentum-vs-gd.ron"), "--json"]);
    assert_eq!(v["quadratic"], true);
    let h = &v["hessian"];
    assert_eq!(h["kind"], "minimum");
    // l_max = 1, kappa = 100: l_min = 0.01.
    let (l_min, l_max) = (0.01_f64, 1.0_f64);
    assert_close(num(&h["eigenvalues"][0]), l_min, 1e-15);
    assert_close(num(&h["eigenvalues"][1]), l_max, 1e-15);
    assert_close(num(&h["kappa"]), 100.0, 1e-15);
    // Unit eigenvectors along the 25 degree rotation (up to sign).
    let angle = 25f64.to_radians();
    let v_max = [num(&h["eigenvectors"][1][0]), num(&h["eigenvectors"][1][1])];
    assert_close(
        (v_max[0] * angle.cos() + v_max[1] * angle.sin()).abs(),
        1.0,
        1e-15,
    );

    let gd = &h["gd"];
    assert_close(num(&gd["optimal_step"]), 2.0 / (0.01 + 1.0), 1e-15); // 1.980198...
    assert_close(num(&gd["optimal_rate"]), 99.0 / 101.0, 1e-15); // 0.980198...
    assert_close(num(&gd["one_over_l_step"]), 1.0, 1e-15);
    assert_close(num(&gd["one_over_l_rate"]), 0.99, 1e-15);
    assert_close(num(&gd["divergence_step"]), 2.0, 1e-15);
    let hb = &h["heavy_ball"];
    assert_close(num(&hb["lr"]), (2.0 / 1.1_f64).powi(2), 1e-15); // 3.305785...
    assert_close(num(&hb["momentum"]), (9.0 / 11.0_f64).powi(2), 1e-15); // 0.669421...
    assert_close(num(&hb["rate"]), 9.0 / 11.0, 1e-15); // 0.818181...

    let runs = v["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 3);
    // GD at a*: rate (kappa - 1)/(kappa + 1). Momentum at (a*, b*): (sqrt(kappa) - 1)/(...),
    // a double root. Momentum 0.9 with lr 1: complex roots of modulus sqrt(0.9).
    let expected = [
        ("GD", 99.0 / 101.0, false),
        ("SGD", 9.0 / 11.0, true),
        ("SGD", 0.9_f64.sqrt(), false),
    ];
    for (run, (optimizer, rate, double_root)) in runs.iter().zip(expected) {
        assert_eq!(run["optimizer"], optimizer);
        assert_eq!(run["status"], "ok");
        assert_eq!(run["double_root"], double_root);
        let predicted = num(&run["predicted_rate"]);
        assert_close(predicted, rate, 1e-12);
        let measured = num(&run["measured_rate"]);
        let diff = (measured / predicted - 1.0).abs();
        assert!(
            diff <= 0.01,
            "{}: measured {measured} vs predicted {predicted}",
            run["label"]
        );
        let [first, last] = [&run["fitted_steps"][0], &run["fitted_steps"][1]].map(num);
        assert!(last - first >= 40.0, "{}", run["label"]);
        assert!(run["start_hessian"].is_null());
    }
    // (serde_json's parser may be one rounding off the printed digits)
    assert_close(
        num(&runs[0]["hyperparameters"]["lr"]),
        1.980_198_019_801_980_2,
        1e-15,
    );
    assert_close(
        num(&runs[1]["hyperparameters"]["momentum"]),
        0.669_421_487_603_305_9,
        1e-15,
    );
}

#[test]
fn text_output_is_readable_and_names_kappa() {
    let out = optiviz(&["analyze", &preset("04-momentum-vs-gd.ron")]);
    assert!(out.status.success());
    assert!(out.stderr.is_empty());
    let text = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "kappa         100",
        "eigenvalues   0.01",
        "a* = 2/(l_min + l_max) =   1.980198",
        "b* = ((sqrt(kappa) - 1)/(sqrt(kappa) + 1))^2 =  0.6694215",
        "rate (sqrt(kappa) - 1)/(sqrt(kappa) + 1) =      0.8181818",
        "GD(lr: 1.9801980198019802)",
        "SGD(lr: 1, momentum: 0.9)",
    ] {
        assert!(text.contains(needle), "no {needle:?} in\n{text}");
    }
    // The table's columns line up: every row puts "predicted" values at the same column.
    let table: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.starts_with("  run "))
        .take(4)
        .collect();
    let column = table[0].find("predicted").unwrap();
    for row in &table[1..] {
        assert!(row[column..].starts_with("0."), "{row}");
    }
}

#[test]
fn non_quadratic_preset_reports_hessians_at_start_and_minimum() {
    let v = json(&["analyze", &preset("12-rosenbrock.ron"), "--json"]);
    assert_eq!(v["quadratic"], false);
    assert!(v["hessian"].is_null());
    let runs = v["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 3);
    for run in runs {
        // At the start (-1.5, 2): H = [[2 - 400 (y - 3 x^2), -400 x], [-400 x, 200]].
        let start = &run["start_hessian"];
        assert_eq!(start["at"], serde_json::json!([-1.5, 2.0]));
        assert_close(
            num(&start["matrix"][0][0]),
            2.0 - 400.0 * (2.0 - 6.75),
            1e-15,
        );
        assert_close(num(&start["matrix"][0][1]), 600.0, 1e-15);
        // g = (-155, -50) there: g'Hg / g'g with H = [[1902, 600], [600, 200]].
        let ghg = 1902.0 * 155f64.powi(2) + 2.0 * 600.0 * 155.0 * 50.0 + 200.0 * 50f64.powi(2);
        assert_close(
            num(&start["curvature_along_gradient"]),
            ghg / (155f64.powi(2) + 50f64.powi(2)),
            1e-13,
        );
        // At the minimum (1, 1): [[802, -400], [-400, 200]],
        // eigenvalues 501 -+ sqrt(301^2 + 400^2).
        let min = &run["end_hessian"];
        assert_eq!(min["at"], serde_json::json!([1.0, 1.0]));
        assert_eq!(min["kind"], "minimum");
        let r = 301f64.hypot(400.0);
        assert_close(num(&min["eigenvalues"][0]), 501.0 - r, 1e-13);
        assert_close(num(&min["eigenvalues"][1]), 501.0 + r, 1e-15);
        assert_close(num(&min["kappa"]), (501.0 + r) / (501.0 - r), 1e-12);
        assert!(num(&run["measured_rate"]) > 0.0);
    }
    // SGD and momentum have local predictions at the minimum; Adam has none.
    let ls = [501.0 - 301f64.hypot(400.0), 501.0 + 301f64.hypot(400.0)];
    let gd = ls
        .iter()
        .map(|l| (1.0 - 0.001 * l).abs())
        .fold(0.0, f64::max);
    assert_close(num(&runs[0]["predicted_rate"]), gd, 1e-14);
    assert!(runs[1]["predicted_rate"].is_number());
    assert!(runs[2]["predicted_rate"].is_null());
    assert_eq!(runs[2]["theory"], "no closed form for Adam");

    let out = optiviz(&["analyze", &preset("12-rosenbrock.ron")]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Hessian at the minimum (1, 1)"), "{text}");
    assert!(text.contains("kappa         2508.01"), "{text}");
    assert!(text.contains("no closed form for Adam"), "{text}");
}

#[test]
fn every_shipped_preset_analyzes() {
    let dir: PathBuf = [env!("CARGO_MANIFEST_DIR"), "presets"].iter().collect();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if !path.is_file() {
            continue; // presets/mlp/ holds MLP presets (tests/train.rs)
        }
        let v = json(&["analyze", path.to_str().unwrap(), "--json"]);
        for run in v["runs"].as_array().unwrap() {
            for key in ["predicted_rate", "measured_rate"] {
                let x = &run[key];
                assert!(
                    x.is_null() || x.as_f64().is_some_and(|r| r.is_finite() && r >= 0.0),
                    "{}: {key} {x}",
                    path.display()
                );
            }
        }
    }
}

#[test]
fn broken_preset_prints_located_errors_and_fails() {
    let dir = std::env::temp_dir().join(format!("optiviz-analyze-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.ron");
    std::fs::write(
        &bad,
        "(\n  objective: Quadratic(kappa: 0.5),\n  runs: [(optimizer: SGD(lr: -0.1))],\n)\n",
    )
    .unwrap();
    for extra in [None, Some("--json")] {
        let mut args = vec!["analyze", bad.to_str().unwrap()];
        args.extend(extra);
        let out = optiviz(&args);
        assert_eq!(out.status.code(), Some(1));
        assert!(out.stdout.is_empty());
        let err = String::from_utf8(out.stderr).unwrap();
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(lines.len(), 2, "{err}");
        assert!(
            lines[0]
                .ends_with("bad.ron:2:31: objective.kappa: must be >= 1 (l_max / l_min), got 0.5"),
            "{err}"
        );
        assert!(
            lines[1].ends_with("bad.ron:3:30: runs[0].optimizer.lr: must be > 0, got -0.1"),
            "{err}"
        );
    }
    // A missing file is one line too.
    let out = optiviz(&["analyze", "/no/such/preset.ron"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("/no/such/preset.ron"), "{err}");
    assert!(!err.contains("panicked"));
}

/// Preset 13: GD started on the saddle's stable line and Newton both end at the saddle (0, 0),
/// not at a minimum; analyze fits their rates towards it and predicts them there (GD on the
/// stable line: |1 - lr l| over l > 0 = 0.9; Newton: |1 - lr| = 0.5), while the noisy run ends
/// at a minimum.
#[test]
fn runs_that_end_at_a_saddle_are_measured_towards_it() {
    let v = json(&["analyze", &preset("13-saddle-escape.ron"), "--json"]);
    let runs = v["runs"].as_array().unwrap();
    for (k, kind, predicted) in [(0, "saddle", 0.9), (2, "saddle", 0.5)] {
        let end = &runs[k]["end_hessian"];
        assert_eq!(end["at"], serde_json::json!([0.0, 0.0]), "run {k}");
        assert_eq!(end["kind"], kind, "run {k}");
        assert_close(num(&runs[k]["predicted_rate"]), predicted, 1e-12);
        assert_close(num(&runs[k]["measured_rate"]), predicted, 1e-6);
    }
    assert!(
        runs[0]["theory"]
            .as_str()
            .unwrap()
            .contains("on its stable line")
    );
    assert_eq!(runs[1]["end_hessian"]["kind"], "minimum");
    // The starts are not stationary: no kind, |g| instead.
    for run in runs {
        assert_eq!(run["start_hessian"]["kind"], "not stationary");
        assert!(num(&run["start_hessian"]["grad_norm"]) > 3.0);
    }
    let text =
        String::from_utf8(optiviz(&["analyze", &preset("13-saddle-escape.ron")]).stdout).unwrap();
    assert!(
        text.contains(
            "Hessian at the saddle (0, 0), where \"GD, exact gradients\", \"Newton, exact\" end"
        ),
        "{text}"
    );
    assert!(text.contains("not stationary, |g| = 3.2 "), "{text}");
}

/// Preset 14's start (4, 3) has a tiny gradient but is far from the minimum: it is not called
/// a saddle.
#[test]
fn a_point_that_is_not_stationary_gets_no_kind() {
    let v = json(&["analyze", &preset("14-plateau.ron"), "--json"]);
    let start = &v["runs"][0]["start_hessian"];
    assert_eq!(start["kind"], "not stationary");
    // |g| = r exp(-r^2 / 2) at r = 5.
    assert_close(num(&start["grad_norm"]), 5.0 * (-12.5f64).exp(), 1e-12);
}

/// x^4 + y^4 has a degenerate minimum: analyze says so and predicts no linear rate, instead
/// of kappa 1, a* = 1e16 and rate 0 from the tiny Hessian next to it.
#[test]
fn a_degenerate_minimum_has_no_linear_rate() {
    let dir = std::env::temp_dir().join(format!("optiviz-analyze-quartic-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("quartic.ron");
    std::fs::write(
        &path,
        r#"(
    name: "Quartic",
    objective: Expression(text: "x^4 + y^4"),
    runs: [(label: "GD", optimizer: GD(lr: 0.05), start: (1.0, 0.5))],
    steps: 2000,
)"#,
    )
    .unwrap();
    let v = json(&["analyze", path.to_str().unwrap(), "--json"]);
    let run = &v["runs"][0];
    assert_eq!(run["end_hessian"]["kind"], "degenerate", "{run}");
    assert!(run["end_hessian"]["gd"].is_null(), "{run}");
    assert!(run["predicted_rate"].is_null());
    assert!(run["theory"].as_str().unwrap().contains("no linear rate"));
    let text = String::from_utf8(optiviz(&["analyze", path.to_str().unwrap()]).stdout).unwrap();
    assert!(text.contains("degenerate: no linear rate"), "{text}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// On preset 09, `analyze` reports the sublinear view: GD's log-log slope near -1.5 with its
/// k^2 gap large, Nesterov's k^2 gap small, both under their bounds; and each run's cost.
#[test]
fn analyze_reports_sublinear_rates_and_bounds() {
    let v = json(&["analyze", &preset("09-sublinear-rates.ron"), "--json"]);
    let runs = v["runs"].as_array().unwrap();
    let (gd, nag) = (&runs[0]["sublinear"], &runs[1]["sublinear"]);
    assert!((num(&gd["log_log_slope"]) + 1.5).abs() < 0.05, "{gd}");
    assert!(num(&nag["log_log_slope"]) < -2.0, "{nag}");
    assert!(num(&gd["k2_gap"]) > 100.0 && num(&nag["k2_gap"]) < 0.01);
    assert!(num(&gd["gap"]) <= num(&gd["gd_bound"]));
    assert!(num(&nag["gap"]) <= num(&nag["nesterov_bound"]));
    assert_eq!(runs[0]["evaluations"], 20_000);
    let out = optiviz(&["analyze", &preset("09-sublinear-rates.ron")]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("Sublinear rates.") && text.contains("k^2 (f - f*)"),
        "{text}"
    );
    // A quadratic has its linear rates and no sublinear section.
    let q = json(&["analyze", &preset("01-gd-zigzag.ron"), "--json"]);
    assert!(q["runs"][0]["sublinear"].is_null());
}
