//! End-to-end: `optiviz sweep` on shipped presets writes valid CSV, JSON and PNG maps, and bad
//! arguments get one clear line and the documented exit codes.

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

fn preset(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("presets")
        .join(name)
        .display()
        .to_string()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("optiviz-sweep-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const MOMENTUM: &str = "04-momentum-vs-gd.ron";
const RUN: &str = "Momentum 0.9, lr 1";

#[test]
fn a_csv_map_has_a_row_per_cell_and_marks_diverged_cells() {
    let out = scratch("map.csv");
    let o = optiviz(&[
        "sweep",
        &preset(MOMENTUM),
        "--run",
        RUN,
        "--x",
        "lr:0.1..10:log:9",
        "--y",
        "momentum:0..0.9:4",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&out).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("lr,momentum,final_loss,status,stopped_at")
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 36);
    // l_max = 1: the heavy ball diverges beyond 2 (1 + b), converges well below it.
    for row in &rows {
        let (a, b): (f64, f64) = (row[0].parse().unwrap(), row[1].parse().unwrap());
        let edge = 2.0 * (1.0 + b);
        if a > 1.2 * edge {
            assert_eq!(row[3], "diverged", "{row:?}");
            assert!(row[2].is_empty() && row[4].parse::<usize>().unwrap() >= 1);
        } else if a < 0.8 * edge {
            assert_eq!(row[3], "ok", "{row:?}");
            assert!(row[2].parse::<f64>().unwrap().is_finite());
        }
    }
}

#[test]
fn json_and_png_maps_and_a_1d_sweep_with_steps_to_a_tolerance() {
    let json = scratch("map.json");
    let o = optiviz(&[
        "sweep",
        &preset(MOMENTUM),
        "--run",
        RUN,
        "--x",
        "lr:0.1..10:log:6",
        "--y",
        "momentum:0..0.9:5",
        "--metric",
        "steps-to:1e-6",
        "--steps",
        "300",
        "--out",
        json.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(doc["metric"], "steps-to:1e-6");
    assert_eq!(doc["steps"], 300);
    assert_eq!(doc["x"]["scale"], "log");
    assert_eq!(doc["cells"].as_array().unwrap().len(), 30);
    assert_eq!(doc["current"]["x"], 1.0);
    assert_eq!(doc["current"]["y"], 0.9);
    let statuses: std::collections::BTreeSet<&str> = doc["cells"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["status"].as_str().unwrap())
        .collect();
    assert!(
        statuses.contains("ok") && statuses.contains("diverged"),
        "{statuses:?}"
    );
    let overlay = &doc["overlay"];
    assert!(
        (overlay["points"][0]["at"][0].as_f64().unwrap() - 3.305_785_123_966_942).abs() < 1e-12
    );
    assert_eq!(overlay["lines"][0]["kind"], "edge");

    let png = scratch("map.png");
    let o = optiviz(&[
        "sweep",
        &preset(MOMENTUM),
        "--run",
        RUN,
        "--x",
        "lr:0.1..10:log:8",
        "--y",
        "momentum:0..0.99:8",
        "--out",
        png.to_str().unwrap(),
        "--width",
        "600",
        "--height",
        "450",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(u32::from_be_bytes(bytes[16..20].try_into().unwrap()), 600);

    // 1-D: Adam's beta2 on Rosenbrock, a map of one row.
    let csv = scratch("beta2.csv");
    let o = optiviz(&[
        "sweep",
        &preset("12-rosenbrock.ron"),
        "--run",
        "Adam",
        "--x",
        "beta2:0.9..0.999:5",
        "--steps",
        "200",
        "--out",
        csv.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(
        text.starts_with("beta2,final_loss,status,stopped_at\n"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 6);
}

#[test]
fn bad_input_gets_one_line_and_its_exit_code() {
    let out = scratch("bad.csv");
    let out = out.to_str().unwrap();
    let m = preset(MOMENTUM);
    for (args, code, says) in [
        (
            vec!["--run", RUN, "--x", "lr:1..0.1:log:8"],
            2,
            "from (1) must be below to (0.1)",
        ),
        (
            vec!["--run", RUN, "--x", "lr:1e-4..10:log"],
            2,
            "the number of cells N is missing",
        ),
        (
            vec!["--run", RUN, "--x", "lr:1..2:8", "--metric", "best"],
            2,
            "metric \"best\"",
        ),
        (
            vec!["--run", "nope", "--x", "lr:1..2:8"],
            1,
            "no run is labelled \"nope\" (runs: \"GD, a*\"",
        ),
        (
            vec!["--run", RUN, "--x", "beta2:0.1..0.9:3"],
            1,
            "SGD has no knob \"beta2\"; its knobs are lr, momentum, dampening, weight_decay",
        ),
        (
            vec!["--run", RUN, "--x", "momentum:-1..0.5:3"],
            1,
            "at momentum = -1: optimizer.momentum",
        ),
    ] {
        let mut all = vec!["sweep", m.as_str()];
        all.extend(args.iter().copied());
        all.extend(["--out", out]);
        let o = optiviz(&all);
        let e = stderr(&o);
        assert_eq!(o.status.code(), Some(code), "{args:?}: {e}");
        assert_eq!(e.lines().count(), 1, "{e}");
        assert!(e.contains(says), "{args:?}: {e}");
        assert!(!e.contains("panicked"));
    }
    let o = optiviz(&[
        "sweep",
        &m,
        "--run",
        RUN,
        "--x",
        "lr:1..2:3",
        "--out",
        "map.txt",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("must end in .png, .csv or .json"));
}

/// `optiviz tune` gives every run its own learning rate by the stated search and writes a
/// preset with them that checks; on preset 04 the heavy ball at the theory's (a*, b*) keeps its
/// lr (nothing beats it) and every tuned run ends no worse than at the preset's lr.
#[test]
fn tune_prints_each_run_s_best_lr_and_writes_the_tuned_preset() {
    let out = scratch("tuned.ron");
    let o = optiviz(&["tune", &preset(MOMENTUM), "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8(o.stdout).unwrap();
    let mut lines = text.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("Tuning lr: a log grid of 25 rates")
    );
    assert_eq!(
        lines.next().unwrap(),
        "run\tlr\tat lr\ttuned lr\tat tuned lr"
    );
    let rows: Vec<Vec<&str>> = lines.take(3).map(|l| l.split('\t').collect()).collect();
    assert_eq!(rows.len(), 3, "{text}");
    for row in &rows {
        let (at, tuned): (f64, f64) = (row[2].parse().unwrap(), row[4].parse().unwrap());
        assert!(tuned <= at, "{row:?}");
    }
    assert_eq!(rows[1][1], rows[1][3], "(a*, b*) is the best lr: {text}");
    let o = optiviz(&["check", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let tuned = std::fs::read_to_string(&out).unwrap();
    assert!(
        tuned.contains(rows[0][3]) || tuned.contains("1.7147"),
        "{tuned}"
    );
    // Exact line searches make lr irrelevant: the preset's lr stays where nothing is better.
    let o = optiviz(&["tune", &preset("10-conjugate-gradient.ron")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8(o.stdout).unwrap();
    let fr = text
        .lines()
        .find(|l| l.starts_with("CG (Fletcher-Reeves)"))
        .unwrap();
    let row: Vec<&str> = fr.split('\t').collect();
    assert_eq!(row[1], row[3], "{text}");
    // A network preset is refused with a pointer to train.
    let o = optiviz(&["tune", &preset("mlp/01-xor.ron")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("optiviz train"), "{}", stderr(&o));
}
