//! The MLP preset loader and the CSV reader never panic on mutated or random text, and a
//! valid mutated preset trains without recording anything non-finite (the fuzz style of
//! tests/robustness.rs). `OPTIVIZ_FUZZ_CASES` sets the number of cases and
//! `OPTIVIZ_FUZZ_STEPS` the steps each accepted preset trains (30 by default, at most its own
//! budget); an accepted preset is also opened in headless app frames (every tenth, with the
//! `gui` feature), all within the time and memory budget of tests/budget
//! (`OPTIVIZ_FUZZ_BUDGET_MS`, `OPTIVIZ_FUZZ_MEMORY_MB`, `OPTIVIZ_FUZZ_APP_EVERY`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failed unwrap is a failed test"
)]

use optiviz::numerics::mlp::Task;
use optiviz::scenario::mlp;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

mod budget;

fn cases(default: u32) -> u32 {
    std::env::var("OPTIVIZ_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn shipped() -> Vec<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/presets/mlp");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect()
}

/// Parses; if valid, trains a few steps and opens it in app frames, within the time and
/// memory budget, and checks every record is finite.
fn exercise(text: &str) {
    let csv = "x1,x2,label\n1,2,1\n-1,0.5,0\n3,3,1\n0,0,0\n2,-2,1\n";
    let mut asked = Vec::new();
    let result = mlp::parse_with(text, "fuzz.ron", &mut |name| {
        asked.push((name.to_owned(), csv.to_owned()));
        Ok(("fuzz.csv".to_owned(), csv.to_owned()))
    });
    match result {
        Ok(s) => budget::within_budget(text, || {
            let mut t = s.training().unwrap();
            let steps = budget::env_usize("OPTIVIZ_FUZZ_STEPS", 30);
            t.advance(s.spec.steps.min(steps));
            for run in t.runs() {
                assert!(run.params().iter().all(|v| v.is_finite()));
                for r in run.history().records() {
                    assert!(r.train_loss.is_finite() && r.test_loss.is_finite());
                    assert!(r.grad_norm.is_finite() && r.lr.is_finite());
                }
            }
            let mut grid = Vec::new();
            if !t.runs().is_empty() {
                t.predict_grid(0, (-6.0, 6.0), (-6.0, 6.0), 5, 5, &mut grid);
                assert!(grid.iter().all(|v| v.is_finite()));
            }
            #[cfg(feature = "gui")]
            budget::app_frames(text, true, &asked);
        }),
        Err(errors) => {
            assert!(!errors.0.is_empty());
            for e in errors.0 {
                assert!(e.line >= 1 && e.column >= 1, "{e}");
                assert!(!e.message.is_empty(), "{e}");
            }
        }
    }
}

fn mutation() -> impl Strategy<Value = (usize, usize, String)> {
    let fragments = prop_oneof![
        Just(String::new()),
        Just("1e308".to_owned()),
        Just("-1e308".to_owned()),
        Just("0".to_owned()),
        Just("-0.0".to_owned()),
        Just("NaN".to_owned()),
        Just("inf".to_owned()),
        Just("18446744073709551616".to_owned()),
        Just("18446744073709551615".to_owned()),
        Just("1001".to_owned()),
        Just("1000000000000".to_owned()),
        Just(format!("\"{}\"", "a".repeat(150))),
        Just("16".to_owned()),
        Just("[16, 16, 16, 16, 16, 16, 16]".to_owned()),
        Just("ReLU".to_owned()),
        Just("Csv(path: \"x.csv\")".to_owned()),
        Just("L1(1e9)".to_owned()),
        Just("\"".to_owned()),
        Just("(".to_owned()),
        Just(")".to_owned()),
        Just("[".to_owned()),
        Just(",".to_owned()),
        Just("//".to_owned()),
        Just("é".to_owned()),
        "[ -~]{0,12}",
    ];
    (0usize..1500, 0usize..40, fragments)
}

#[test]
fn mutated_mlp_presets_never_panic() {
    let presets = shipped();
    let mut runner = TestRunner::new(Config {
        cases: cases(300),
        ..Config::default()
    });
    runner
        .run(
            &(
                0..presets.len(),
                proptest::collection::vec(mutation(), 1..4),
            ),
            |(which, edits)| {
                let mut text = presets[which].clone();
                for (at, len, fragment) in edits {
                    let mut start = at.min(text.len());
                    while !text.is_char_boundary(start) {
                        start -= 1;
                    }
                    let mut end = (start + len).min(text.len());
                    while !text.is_char_boundary(end) {
                        end += 1;
                    }
                    text.replace_range(start..end, &fragment);
                }
                exercise(&text);
                Ok(())
            },
        )
        .unwrap();
}

#[test]
fn random_text_never_panics() {
    let mut runner = TestRunner::new(Config {
        cases: cases(1000),
        ..Config::default()
    });
    runner
        .run(&"\\(dataset: [(),:\\[\\]a-zA-Z0-9_.\" -]{0,80}", |text| {
            exercise(&text);
            Ok(())
        })
        .unwrap();
}

#[test]
fn random_csv_never_panics_and_errors_are_located() {
    let mut runner = TestRunner::new(Config {
        cases: cases(1000),
        ..Config::default()
    });
    runner
        .run(&"[0-9,.\\-e\n# xlabé]{0,120}", |text| {
            for task in [Task::Classification, Task::Regression] {
                match mlp::parse_csv(&text, "r.csv", task) {
                    Ok(points) => {
                        assert!(points.iter().all(|p| p.x.iter().all(|v| v.is_finite())));
                    }
                    Err(e) => {
                        assert!(e.line >= 1 && e.column >= 1, "{e}");
                        let line = text.lines().nth(e.line - 1).unwrap_or("");
                        assert!(e.column <= line.chars().count() + 1, "{e} in {line:?}");
                    }
                }
            }
            Ok(())
        })
        .unwrap();
}
