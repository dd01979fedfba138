//! Every size, count and text that reaches memory or work is bounded where it is parsed, and
//! inputs at each limit run for real while inputs past it are one clear message: one test per
//! class of issue 18 (see README, Robustness).

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

fn scratch(name: &str, text: &str) -> PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("limits-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Fails unless the command failed with one line naming `needle`, without a panic.
fn rejected(o: &Output, needle: &str) {
    let err = stderr(o);
    assert!(!o.status.success(), "accepted: {err}");
    assert!(!err.contains("panicked"), "a panic: {err}");
    assert!(err.contains(needle), "the message names {needle:?}: {err}");
}

fn lbfgs(fields: &str) -> String {
    format!(
        "(objective: Rosenbrock(), runs: [(optimizer: LBFGS({fields}), start: (-1.2, 1.0))], steps: 20)"
    )
}

#[test]
fn counts_from_presets_and_flags_are_bounded_where_parsed() {
    // At the limits: checked, then run, analysed and drawn.
    let at = scratch(
        "at.ron",
        &lbfgs("history_size: 1000, max_iter: 1000, max_eval: 1250"),
    );
    let at = at.to_str().unwrap();
    assert!(optiviz(&["check", at]).status.success());
    let run = optiviz(&["run", at, "--steps", "20"]);
    assert!(run.status.success(), "{}", stderr(&run));
    assert!(optiviz(&["analyze", at]).status.success());
    let png = scratch("at.png", "");
    let render = optiviz(&[
        "render",
        at,
        "--out",
        png.to_str().unwrap(),
        "--width",
        "200",
        "--height",
        "150",
    ]);
    assert!(render.status.success(), "{}", stderr(&render));
    // Past them: one located message naming the limit, from every command.
    for (fields, field, limit) in [
        ("history_size: 18446744073709551615", "history_size", "1000"),
        ("history_size: 1000000000", "history_size", "1000"),
        ("max_iter: 1000000000000", "max_iter", "1000"),
        ("max_eval: 1251", "max_eval", "1250"),
    ] {
        let past = scratch("past.ron", &lbfgs(fields));
        let past = past.to_str().unwrap();
        for command in [&["check", past][..], &["run", past], &["analyze", past]] {
            let o = optiviz(command);
            rejected(
                &o,
                &format!("runs[0].optimizer.{field}: must be between 1 and {limit}"),
            );
            assert!(stderr(&o).contains("past.ron:1:"), "{}", stderr(&o));
        }
    }
    let preset = scratch("ok.ron", "(steps: 10)");
    let preset = preset.to_str().unwrap();
    for steps in ["10000001", "100000000", "18446744073709551615", "0"] {
        let o = optiviz(&["run", preset, "--steps", steps]);
        rejected(&o, "1..=10000000");
        assert_eq!(o.status.code(), Some(2));
    }
    let mlp = concat!(env!("CARGO_MANIFEST_DIR"), "/presets/mlp/01-xor.ron");
    if std::path::Path::new(mlp).exists() {
        rejected(
            &optiviz(&["train", mlp, "--steps", "1000001"]),
            "1..=1000000",
        );
    }
}

#[test]
fn loops_driven_by_input_end_on_nan_and_zero_tolerances() {
    // NaN from the first iteration on (sqrt of a negative number) and Rastrigin with zero
    // tolerances: every stop test is false, so only the bounded counts end each step.
    for objective in ["Expression(text: \"sqrt(x) + y^2\")", "Rastrigin()"] {
        let text = format!(
            "(objective: {objective}, runs: [\
             (optimizer: LBFGS(max_iter: 1000, tolerance_grad: 0, tolerance_change: 0), start: (-1.0, 0.5)),\
             (optimizer: LBFGS(max_iter: 1000, tolerance_grad: 0, tolerance_change: 0, line_search_fn: StrongWolfe), start: (1.3, 0.5)),\
             (optimizer: BFGS(line_search_fn: StrongWolfe), start: (-1.0, 0.5)),\
             ], steps: 200)"
        );
        let path = scratch("nan.ron", &text);
        let o = optiviz(&["run", path.to_str().unwrap(), "--format", "json"]);
        assert!(o.status.success(), "{}", stderr(&o));
        let out = stdout(&o);
        assert!(!out.contains("NaN") && !out.contains("inf"), "{out}");
    }
}

#[test]
fn norms_and_schedules_that_overflow_are_never_recorded_as_infinite() {
    // |g| = sqrt(2) 1e160 with finite components: its square overflows.
    let path = scratch(
        "huge.ron",
        "(objective: Expression(text: \"1e160*(x+y)\"), view: (x: (-1, 1), y: (-1, 1)), \
         runs: [(optimizer: GD(lr: 1e-170), start: (0.5, 0.5))], steps: 5)",
    );
    let o = optiviz(&["run", path.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains(",1.414213562373095e+160,"),
        "the norm is printed: {out}"
    );
    assert!(!out.contains("inf") && !out.contains("NaN"), "{out}");
    // An exponential schedule with gamma = 1e10 overflows after about 31 steps: the run
    // stops with a reason; no infinite learning rate is printed.
    let path = scratch(
        "schedule.ron",
        "(runs: [(optimizer: GD(lr: 1e-300), schedule: Exponential(gamma: 1e10))], steps: 100)",
    );
    let o = optiviz(&["run", path.to_str().unwrap(), "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("learning rate is not finite"), "{out}");
    assert!(!out.contains("null") && !out.contains("inf"), "{out}");
}

#[test]
fn text_fields_and_formulas_have_length_and_work_limits() {
    let label = |n: usize| format!("(runs: [(label: \"{}\")])", "a".repeat(n));
    assert!(
        optiviz(&["check", scratch("l.ron", &label(100)).to_str().unwrap()])
            .status
            .success()
    );
    rejected(
        &optiviz(&["check", scratch("l.ron", &label(101)).to_str().unwrap()]),
        "runs[0].label: at most 100 characters, got 101",
    );
    let named = |field: &str, n: usize| format!("({field}: \"{}\")", "é".repeat(n));
    assert!(
        optiviz(&[
            "check",
            scratch("n.ron", &named("name", 200)).to_str().unwrap()
        ])
        .status
        .success()
    );
    rejected(
        &optiviz(&[
            "check",
            scratch("n.ron", &named("name", 201)).to_str().unwrap(),
        ]),
        "name: at most 200 characters",
    );
    rejected(
        &optiviz(&[
            "check",
            scratch("d.ron", &named("description", 2001))
                .to_str()
                .unwrap(),
        ]),
        "description: at most 2000 characters",
    );
    let formula = |text: &str| format!("(objective: Expression(text: \"{text}\"), steps: 10)");
    let spaced = format!("x^2{}+ y^2", " ".repeat(1000));
    rejected(
        &optiviz(&[
            "check",
            scratch("f.ron", &formula(&spaced)).to_str().unwrap(),
        ]),
        "at most 1000 characters",
    );
    // A tower within the token and depth limits whose Hessian would take minutes to search.
    let tower = vec!["(x+y)"; 40].join("^");
    rejected(
        &optiviz(&[
            "check",
            scratch("t.ron", &formula(&tower)).to_str().unwrap(),
        ]),
        "derivatives are too large",
    );
}

#[test]
fn files_are_read_with_a_cap_whatever_their_metadata_says() {
    // A device reports no size: the read stops one byte past the cap.
    if std::path::Path::new("/dev/zero").exists() {
        rejected(
            &optiviz(&["check", "/dev/zero"]),
            "presets are at most 8388608 bytes",
        );
    }
    // A CSV past the cap says CSV files.
    let big = "0,0,0\n".repeat(1_500_000);
    let csv = scratch("big.csv", &big);
    let preset = scratch(
        "csv.ron",
        &format!(
            "(dataset: (kind: Csv(path: \"{}\")), runs: [(optimizer: Adam())])",
            csv.file_name().unwrap().to_str().unwrap()
        ),
    );
    rejected(
        &optiviz(&["check", preset.to_str().unwrap()]),
        "CSV files are at most 8388608 bytes",
    );
    // A byte-order mark is not an error.
    let bom = scratch("bom.ron", "\u{feff}(steps: 10)");
    let o = optiviz(&["check", bom.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn messages_say_each_cause_once_and_point_to_the_right_command() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("limits-folder-as-preset");
    std::fs::create_dir_all(&dir).unwrap();
    let o = optiviz(&["run", dir.join("missing.ron").to_str().unwrap()]);
    let err = stderr(&o);
    assert!(!o.status.success());
    assert_eq!(err.matches("No such file").count(), 1, "{err}");
    // Numbers in messages are short.
    let huge = scratch("huge-lr.ron", "(runs: [(optimizer: GD(lr: -1e308))])");
    rejected(
        &optiviz(&["check", huge.to_str().unwrap()]),
        "runs[0].optimizer.lr: must be > 0, got -1e308",
    );
    let mlp = concat!(env!("CARGO_MANIFEST_DIR"), "/presets/mlp/01-xor.ron");
    if std::path::Path::new(mlp).exists() {
        let png = dir.join("x.png");
        let o = optiviz(&["render", mlp, "--out", png.to_str().unwrap()]);
        rejected(&o, "optiviz train");
        assert!(!stderr(&o).contains("unexpected field"), "{}", stderr(&o));
    }
}

#[test]
fn a_cycle_of_tilts_is_bounded_where_parsed() {
    let cyclic = |n: usize| {
        let tilts = vec!["(1.0, -0.5)"; n].join(", ");
        format!(
            "(domain: (x: (-1, 1), y: (-1, 1)), noise: (kind: Cyclic(tilts: [{tilts}])), \
             runs: [(optimizer: Adam(lr: 0.1), start: (0, 0))], steps: 20)"
        )
    };
    let at = scratch("tilts.ron", &cyclic(1000));
    let at = at.to_str().unwrap();
    for command in [&["check", at][..], &["run", at], &["analyze", at]] {
        let o = optiviz(command);
        assert!(o.status.success(), "{command:?}: {}", stderr(&o));
    }
    let svg = scratch("tilts.svg", "");
    let render = optiviz(&["render", at, "--out", svg.to_str().unwrap()]);
    assert!(render.status.success(), "{}", stderr(&render));
    let past = scratch("past-tilts.ron", &cyclic(1001));
    let o = optiviz(&["check", past.to_str().unwrap()]);
    rejected(&o, "noise.kind.tilts: must be 1 to 1000 tilts, got 1001");
    assert!(stderr(&o).contains("past-tilts.ron:1:"), "{}", stderr(&o));
}
