//! End-to-end: `optiviz train` and `optiviz check` on the shipped MLP presets and on bad
//! input; `run` and `analyze` refuse MLP presets with a pointer to `train`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failed unwrap is a failed test"
)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn optiviz(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_optiviz"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn mlp_presets() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("presets/mlp");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .collect();
    files.sort();
    files.iter().map(|p| p.display().to_string()).collect()
}

fn scratch(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("optiviz-train-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn every_mlp_preset_checks_and_trains() {
    let files = mlp_presets();
    assert!(files.len() >= 4, "xor, circle, spiral, scaling: {files:?}");
    for name in ["xor", "circle", "spiral", "bad-scaling"] {
        assert!(files.iter().any(|f| f.contains(name)), "{name}");
    }
    let mut args = vec!["check"];
    args.extend(files.iter().map(String::as_str));
    let out = optiviz(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.lines().count(), files.len());
    assert!(
        stdout
            .lines()
            .all(|l| l.contains(": ok (") && l.contains("MLP")),
        "{stdout}"
    );

    for file in &files {
        let out = optiviz(&["train", file, "--steps", "60"]);
        assert!(out.status.success(), "{file}: {}", stderr(&out));
        let csv = String::from_utf8(out.stdout).unwrap();
        let mut lines = csv.lines();
        let header = lines.next().unwrap();
        // A preset that records the sharpness (`sharpness: true`) has its two columns more.
        let columns = if header.ends_with(",sharpness,edge") {
            8
        } else {
            6
        };
        assert!(
            header.starts_with("run,step,train_loss,test_loss,train_acc,test_acc"),
            "{header}"
        );
        // Fields from the right: a label may hold a comma (quoted).
        let rows: Vec<Vec<&str>> = lines
            .map(|l| {
                let mut r: Vec<&str> = l.rsplitn(columns, ',').collect();
                r.reverse();
                r
            })
            .collect();
        assert!(rows.len() >= 2 * 2, "{file}");
        for row in &rows {
            assert_eq!(row.len(), columns, "{file}: {row:?}");
            for v in &row[2..4] {
                let v: f64 = v.parse().unwrap();
                assert!(v.is_finite() && v >= 0.0, "{file}: {row:?}");
            }
        }
        assert!(
            rows.iter().any(|r| r[1] == "60"),
            "the last step is recorded"
        );
        let out = optiviz(&["train", file, "--steps", "20", "--format", "json"]);
        assert!(out.status.success(), "{file}: {}", stderr(&out));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        for run in v["runs"].as_array().unwrap() {
            assert_eq!(run["status"], "ok", "{file}");
            assert_eq!(run["records"][0]["step"], 0);
        }
    }
}

/// The shipped presets teach what they claim, over their full budgets.
#[test]
fn the_presets_show_their_lessons() {
    let acc = |file: &str| -> Vec<f64> {
        let path = format!("{}/presets/mlp/{file}", env!("CARGO_MANIFEST_DIR"));
        let out = optiviz(&["train", &path, "--format", "json"]);
        assert!(out.status.success(), "{}", stderr(&out));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["runs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let last = r["records"].as_array().unwrap().last().unwrap().clone();
                last["train_acc"].as_f64().unwrap()
            })
            .collect()
    };
    // Runs: SGD, momentum, Adam.
    let xor = acc("01-xor.ron");
    assert_eq!(xor[2], 1.0, "Adam learns XOR: {xor:?}");
    let raw = acc("04-bad-scaling.ron");
    let normalized = acc("05-bad-scaling-normalized.ron");
    assert!(
        normalized[0] > raw[0] + 0.1,
        "normalising helps SGD: {raw:?} -> {normalized:?}"
    );
}

#[test]
fn two_d_commands_point_mlp_presets_to_train_and_back() {
    let mlp = &mlp_presets()[0];
    for cmd in ["run", "analyze"] {
        let out = optiviz(&[cmd, mlp]);
        assert_eq!(out.status.code(), Some(1), "{cmd}");
        let err = stderr(&out);
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(
            err.contains("MLP preset") && err.contains("optiviz train"),
            "{err}"
        );
    }
    let plane = format!("{}/presets/01-gd-zigzag.ron", env!("CARGO_MANIFEST_DIR"));
    let out = optiviz(&["train", &plane]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(
        err.contains("2-D preset") && err.contains("optiviz run"),
        "{err}"
    );
}

#[test]
fn errors_are_located_one_per_line() {
    let bad = scratch(
        "bad-mlp.ron",
        "(\n  dataset: (kind: Xor, noise: -1.0),\n  runs: [(optimizer: Adam(lr: 0.0))],\n)\n",
    );
    for args in [vec!["check"], vec!["train"]] {
        let mut args = args.clone();
        args.push(bad.to_str().unwrap());
        let out = optiviz(&args);
        assert_eq!(out.status.code(), Some(1));
        let err = stderr(&out);
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(lines.len(), 2, "{err}");
        assert!(
            lines[0].ends_with("bad-mlp.ron:2:31: dataset.noise: must be between 0 and 5, got -1"),
            "{err}"
        );
        assert!(
            lines[1].ends_with("bad-mlp.ron:3:31: runs[0].optimizer.lr: must be > 0, got 0"),
            "{err}"
        );
    }
    for (args, code) in [
        (vec!["train", "/no/such/file.ron"], 1),
        (vec!["train", "x.ron", "--steps", "many"], 2),
        (vec!["train", "x.ron", "--format", "xml"], 2),
    ] {
        let out = optiviz(&args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn csv_data_sets_are_read_next_to_the_preset_and_errors_name_line_and_column() {
    let rows = (0..40).fold(String::new(), |mut s, i| {
        let x = f64::from(i) / 4.0 - 5.0;
        let _ = writeln!(s, "{x},{},{}", -x, u8::from(x > 0.0));
        s
    });
    scratch("points.csv", &format!("x1,x2,label\n{rows}"));
    let preset = scratch(
        "csv.ron",
        "(dataset: (kind: Csv(path: \"points.csv\")), runs: [(optimizer: Adam(lr: 0.05))], steps: 200)",
    );
    let out = optiviz(&["check", preset.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("CSV (40 points)"));
    let out = optiviz(&["train", preset.to_str().unwrap(), "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let last = v["runs"][0]["records"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["train_acc"], 1.0, "a separable line: {last}");

    scratch("points.csv", "x1,x2,label\n1,2,0\n3,4,0\n5,6,7\n");
    let out = optiviz(&["check", preset.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.trim_end()
            .ends_with("points.csv:4:5: label: a class label is 0 or 1, got 7"),
        "{err}"
    );
    std::fs::remove_file(preset.with_file_name("points.csv")).unwrap();
    let out = optiviz(&["check", preset.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("csv.ron:1:28: dataset.kind.path: cannot read"),
        "{err}"
    );
}

/// `train --sharpness` records the sharpness at every evaluation with each run's edge: 2/lr for
/// GD, none for Adam (its edge is for P^-1 H, not the H measured).
#[test]
fn train_with_sharpness_prints_it_with_each_run_s_edge() {
    let preset = scratch(
        "sharp.ron",
        "(name: \"s\", dataset: (kind: Circle, points: 60), network: (hidden: [4]), runs: [(label: \"gd\", optimizer: GD(lr: 0.5)), (label: \"adam\", optimizer: Adam(lr: 0.01))], steps: 20, batch_size: 30, eval_every: 10)",
    );
    let preset = preset.to_str().unwrap();
    let out = optiviz(&["train", preset, "--sharpness"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let csv = String::from_utf8(out.stdout).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "run,step,train_loss,test_loss,train_acc,test_acc,sharpness,edge"
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 6, "steps 0, 10, 20 of two runs: {rows:?}");
    for row in &rows {
        let sharpness: f64 = row[6].parse().unwrap();
        assert!(sharpness.is_finite() && sharpness > 0.0, "{row:?}");
        match row[0] {
            "gd" => assert_eq!(row[7], "4.0"),
            _ => assert_eq!(row[7], "", "no edge for Adam's H"),
        }
    }
    let out = optiviz(&["train", preset]);
    let csv = String::from_utf8(out.stdout).unwrap();
    assert!(!csv.contains("sharpness"), "off unless asked for");
}
