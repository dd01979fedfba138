//! End-to-end: the `optiviz` binary on shipped presets and on bad input.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failed unwrap is a failed test"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn optiviz(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_optiviz"))
        .args(args)
        .env("RUST_BACKTRACE", "1")
        .output()
        .expect("the binary runs")
}

fn presets() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("presets");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .collect();
    files.sort();
    files
}

fn scratch(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("optiviz-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn every_shipped_preset_checks_and_runs() {
    let files = presets();
    assert!(
        files.len() >= 10,
        "at least 10 presets ship, found {}",
        files.len()
    );
    let names: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    let mut args = vec!["check"];
    args.extend(names.iter().map(String::as_str));
    let out = optiviz(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).lines().count(),
        files.len()
    );

    for file in &names {
        let out = optiviz(&["run", file, "--format", "csv"]);
        assert!(out.status.success(), "{file}: {}", stderr(&out));
        let csv = String::from_utf8(out.stdout).unwrap();
        let mut lines = csv.lines();
        assert!(
            lines
                .next()
                .unwrap()
                .starts_with("run,step,evaluations,x,y,loss,grad_norm")
        );
        let rows: Vec<&str> = lines.collect();
        assert!(rows.len() > 10, "{file}");
        for row in &rows {
            assert!(
                !row.contains("NaN") && !row.contains("inf"),
                "{file}: {row}"
            );
        }
        let out = optiviz(&["run", file, "--format", "json", "--steps", "20"]);
        assert!(out.status.success(), "{file}: {}", stderr(&out));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        for run in v["runs"].as_array().unwrap() {
            assert!(run["status"].is_string());
            let steps = run["steps"].as_array().unwrap();
            assert_eq!(steps[0]["step"], 0);
            assert!(steps.len() <= 21);
        }
    }
}

#[test]
fn run_prints_start_point_first_and_honours_steps() {
    let p = scratch(
        "gd.ron",
        "(objective: Quadratic(), runs: [(label: \"GD\", optimizer: GD(lr: 0.5), start: (1.0, 2.0))])",
    );
    let out = optiviz(&["run", p.to_str().unwrap(), "--steps", "4"]);
    assert!(out.status.success());
    let csv = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(rows.len(), 6);
    assert!(rows[1].starts_with("GD,0,0,1.0,2.0,"));
    // f = 1/2 (x^2 + 0.1 y^2); GD with lr 0.5 halves x and multiplies y by 0.95
    assert!(rows[2].starts_with("GD,1,1,0.5,1.9,"));
}

#[test]
fn check_reports_every_error_with_position_and_fails() {
    let bad = scratch(
        "bad.ron",
        "(\n  objective: Quadratic(kappa: 0.5),\n  runs: [\n    (optimizer: GD(lr: 0.1)),\n    (optimizer: SGD(lr: -0.1)),\n  ],\n)\n",
    );
    let good = scratch("good.ron", "(objective: Beale)");
    let out = optiviz(&["check", good.to_str().unwrap(), bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert!(
        lines[0].ends_with("bad.ron:2:31: objective.kappa: must be >= 1 (l_max / l_min), got 0.5"),
        "{err}"
    );
    assert!(
        lines[1].ends_with("bad.ron:5:25: runs[1].optimizer.lr: must be > 0, got -0.1"),
        "{err}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("good.ron: ok"));
}

#[test]
fn bad_input_is_one_line_on_stderr_never_a_backtrace() {
    let cases: Vec<(Vec<String>, i32)> = vec![
        (vec!["run".into(), "/no/such/file.ron".into()], 1),
        (
            vec![
                "run".into(),
                scratch("syntax.ron", "(runs: [(optimizer: Adam(lr: 0.1)]")
                    .display()
                    .to_string(),
            ],
            1,
        ),
        (
            vec![
                "run".into(),
                scratch("typo.ron", "(runs: [(optimizer: Adam(lrr: 0.1))])")
                    .display()
                    .to_string(),
            ],
            1,
        ),
        (
            vec![
                "run".into(),
                scratch("bin.ron", "\u{0}\u{1}garbage")
                    .display()
                    .to_string(),
            ],
            1,
        ),
        (
            vec![
                "run".into(),
                "x.ron".into(),
                "--steps".into(),
                "many".into(),
            ],
            2,
        ),
        (
            vec![
                "run".into(),
                "x.ron".into(),
                "--format".into(),
                "xml".into(),
            ],
            2,
        ),
        (vec!["frobnicate".into()], 2),
        (vec!["check".into()], 2),
    ];
    for (args, code) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = optiviz(&args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
        assert!(
            !err.contains("panicked") && !err.contains("backtrace"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn help_and_version_succeed() {
    let out = optiviz(&["--help"]);
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("run") && help.contains("check"));
    assert!(optiviz(&["--version"]).status.success());
}
