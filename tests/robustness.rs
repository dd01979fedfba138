//! Nothing a user types, loads or drags in panics, and nothing non-finite reaches a trajectory.
//!
//! Every accepted fuzzed preset is run as `run`, `analyze` and `render` run it and (with the
//! `gui` feature, every tenth) opened and played in a headless app frame, within a memory
//! budget per input (see tests/budget). Short by default; for a long run set
//! `OPTIVIZ_FUZZ_CASES` (preset fuzzing cases), `OPTIVIZ_FUZZ_STEPS` (steps each accepted
//! preset is run, 60 by default, at most its own budget), `OPTIVIZ_FUZZ_BUDGET_MS` (the time
//! one accepted preset may take for its run, analysis, figure and app frames; no limit by
//! default, as timings are not asserted in CI), `OPTIVIZ_FUZZ_MEMORY_MB` (its peak memory,
//! 1024 by default), `OPTIVIZ_FUZZ_APP_EVERY` (1: every accepted preset gets app frames) and
//! `OPTIVIZ_SWEEP_STEPS` (steps per sweep run); README's Robustness section gives the long
//! form's command.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failed unwrap is a failed test"
)]

use optiviz::numerics::noise::{NoiseKind, NoiseSpec};
use optiviz::numerics::objectives::{Landmarks, ObjectiveSpec};
use optiviz::numerics::optimizers::OptimizerSpec;
use optiviz::numerics::run::{Averaging, Clip, RunConfig, Simulation};
use optiviz::numerics::schedule::Schedule;
use optiviz::render::{Figure, FigureOptions};
use optiviz::scenario;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

mod budget;
use budget::env_usize;

fn shipped_presets() -> Vec<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/presets");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file()) // presets/mlp/ is fuzzed by tests/mlp_robustness.rs
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect()
}

/// Parses; if valid, runs it as `run`, `analyze` and `render` do (the steps capped by
/// `OPTIVIZ_FUZZ_STEPS`) and in app frames, within the time and memory budget, and checks
/// every recorded number is finite.
fn exercise(text: &str) {
    match scenario::parse(text, "fuzz.ron") {
        Ok(s) => budget::within_budget(text, || {
            let steps = s.spec.steps.min(env_usize("OPTIVIZ_FUZZ_STEPS", 60));
            let mut sim = s.simulation(1 << 12).unwrap();
            sim.advance_to(steps);
            let mut analysis = Vec::new();
            optiviz::cli::analyze::write(&s, true, &mut analysis).unwrap();
            let mut options = FigureOptions::for_scenario(&s);
            (options.width, options.height) = (64, 48);
            let figure = Figure::new(&s, &sim, options).unwrap();
            assert!(figure.to_svg().contains("<svg"));
            for run in sim.runs() {
                let t = run.trajectory();
                assert!(
                    t.points()
                        .iter()
                        .all(|p| p.x.is_finite() && p.y.is_finite())
                );
                assert!(
                    t.losses()
                        .iter()
                        .chain(t.grad_norms())
                        .all(|v| v.is_finite())
                );
            }
            #[cfg(feature = "gui")]
            budget::app_frames(text, false, &[]);
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

/// An edit to a valid preset: replace a byte range with a fragment.
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
        Just("1000".to_owned()),
        Just("1001".to_owned()),
        Just("1000000000000".to_owned()),
        Just("10000000".to_owned()),
        Just(format!("\"{}\"", "a".repeat(150))),
        Just("LBFGS(max_iter: 1000, tolerance_grad: 0, tolerance_change: 0)".to_owned()),
        Just("\"".to_owned()),
        Just("(".to_owned()),
        Just(")".to_owned()),
        Just("[".to_owned()),
        Just(",".to_owned()),
        Just("//".to_owned()),
        Just("/*".to_owned()),
        Just("é".to_owned()),
        Just("Some(".to_owned()),
        Just("x^-".to_owned()),
        "[ -~]{0,12}",
    ];
    (0usize..4000, 0usize..40, fragments)
}

#[test]
fn mutated_presets_never_panic() {
    let presets = shipped_presets();
    let cases = u32::try_from(env_usize("OPTIVIZ_FUZZ_CASES", 1000)).unwrap_or(u32::MAX);
    let mut runner = TestRunner::new(Config {
        cases,
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
    let peak = budget::LARGEST_PEAK.load(std::sync::atomic::Ordering::Relaxed);
    println!("largest peak of an accepted preset: {} MB", peak >> 20);
}

#[test]
fn random_text_never_panics() {
    let cases = u32::try_from(env_usize("OPTIVIZ_FUZZ_CASES", 1000)).unwrap_or(u32::MAX);
    let mut runner = TestRunner::new(Config {
        cases,
        ..Config::default()
    });
    runner
        .run(&"[(),:\\[\\]a-zA-Z0-9_.\" -]{0,80}", |text| {
            exercise(&text);
            Ok(())
        })
        .unwrap();
}

/// Every optimizer on every objective at learning rates from 1e-6 to 1e3, with and without
/// noise: no panic, no NaN recorded, and runs that blow up are flagged as stopped.
#[test]
fn sweep_optimizers_objectives_learning_rates_and_noise() {
    let steps = env_usize("OPTIVIZ_SWEEP_STEPS", 200);
    let noises = [
        NoiseSpec::default(),
        NoiseSpec {
            kind: NoiseKind::Gaussian { sigma: 0.5 },
            seed: 1,
        },
        NoiseSpec {
            kind: NoiseKind::Minibatch {
                n: 20,
                batch_size: 4,
                spread: 0.5,
                copies: optiviz::numerics::noise::Copies::Shifted,
                stream: false,
            },
            seed: 2,
        },
    ];
    let mut stopped = 0;
    let mut total = 0;
    for objective_spec in ObjectiveSpec::all_defaults() {
        let objective = objective_spec.build().unwrap();
        let view = objective.default_view();
        for optimizer in OptimizerSpec::all_defaults() {
            for lr in [1e-6, 1e-3, 1.0, 1e3] {
                for noise in &noises {
                    let mut optimizer = optimizer.clone();
                    optimizer.set_lr(lr);
                    let config = RunConfig {
                        optimizer,
                        start: objective.default_start(),
                        schedule: Schedule::Constant,
                        momentum_schedule: optiviz::numerics::schedule::MomentumSchedule::Constant,
                        clip: Clip::None,
                        averaging: Averaging::Polyak { start: 0 },
                        noise: noise.clone(),
                        examples: 1,
                        domain: None,
                    };
                    let mut sim =
                        Simulation::new(objective.clone(), &view, vec![config], steps + 1).unwrap();
                    sim.advance_to(steps);
                    let run = &sim.runs()[0];
                    let t = run.trajectory();
                    let finite = t
                        .points()
                        .iter()
                        .chain(t.averaged())
                        .all(|p| p.x.is_finite() && p.y.is_finite())
                        && t.losses()
                            .iter()
                            .chain(t.grad_norms())
                            .all(|v| v.is_finite());
                    assert!(
                        finite,
                        "{} on {} at lr {lr}",
                        run.config().optimizer.name(),
                        objective_spec.name()
                    );
                    assert!(
                        !run.status().is_running() || run.steps_done() == steps,
                        "a running run takes every step"
                    );
                    stopped += usize::from(!run.status().is_running());
                    total += 1;
                }
            }
        }
    }
    // lr = 1e3 makes most methods blow up: the sweep really exercises the divergence path.
    assert!(
        stopped > total / 10,
        "only {stopped} of {total} runs stopped"
    );
}
