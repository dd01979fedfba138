//! `optiviz run` (a 2-D preset's runs as CSV or JSON, one row per step) and `optiviz check`
//! (validate presets of both kinds).

use super::Format;
use super::output::{CsvRows, JsonRuns, csv_field};
use crate::io;
use crate::numerics::run::{DivergenceBox, Run, RunStatus, Sample, Stop};
use crate::scenario::{CheckedRun, Document, Scenario};
use anyhow::Result;
use rayon::prelude::*;
use serde::Serialize;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Validates presets, printing "file: ok" or every error; 0 when all are valid.
pub fn check(presets: &[PathBuf]) -> ExitCode {
    let mut all_ok = true;
    for path in presets {
        match io::load_document(path) {
            Ok(Document::Network(s)) => {
                println!("{}: ok ({}, MLP {s})", path.display(), s.spec.name);
            }
            Ok(Document::Surface(s)) => println!(
                "{}: ok ({}, {} run{})",
                path.display(),
                s.spec.name,
                s.runs.len(),
                if s.runs.len() == 1 { "" } else { "s" }
            ),
            Err(errors) => {
                all_ok = false;
                for e in &errors.0 {
                    eprintln!("{e}");
                }
            }
        }
    }
    if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Samples taken from a run between two writes: the rows in flight stay a few hundred
/// kilobytes however many steps the run takes.
const CHUNK_STEPS: usize = 4096;

/// Simulates the scenario for `steps` (default: its budget) and writes every run, a chunk of
/// steps at a time: CSV rows run by run, step by step; JSON with each run's status before its
/// steps, so the runs are stepped once to learn their statuses and again to write them.
pub fn run(
    scenario: &Scenario,
    steps: Option<usize>,
    format: Format,
    out: &mut dyn Write,
) -> Result<()> {
    let steps = steps.unwrap_or(scenario.spec.steps);
    let runs: Vec<&CheckedRun> = scenario.enabled_runs().collect();
    match format {
        Format::Csv => write_csv(scenario, &runs, steps, out),
        Format::Json => write_json(scenario, &runs, steps, out),
    }
}

/// The enabled runs, each keeping only its latest step.
fn streaming_runs(scenario: &Scenario, runs: &[&CheckedRun]) -> Result<Vec<Run>> {
    let runs = runs
        .iter()
        .enumerate()
        .map(|(i, r)| {
            Run::streaming(r.config.clone(), &scenario.objective)
                .map_err(|e| e.within(&format!("runs[{i}]")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(runs)
}

/// Steps `run` to `steps` updates (or until it stops), handing each chunk of samples to `sink`.
fn stream(
    scenario: &Scenario,
    run: &mut Run,
    steps: usize,
    mut sink: impl FnMut(&[Sample]) -> Result<()>,
) -> Result<()> {
    let bounds = DivergenceBox::around(&scenario.view);
    let mut chunk = Vec::with_capacity(CHUNK_STEPS + 1);
    loop {
        let todo = steps.saturating_sub(run.steps_done()).min(CHUNK_STEPS);
        run.advance(&scenario.objective, &bounds, todo);
        let done = !run.status().is_running() || run.steps_done() >= steps;
        run.take_samples(&mut chunk, done);
        sink(&chunk)?;
        chunk.clear();
        if done {
            return Ok(());
        }
    }
}

fn write_csv(
    scenario: &Scenario,
    runs: &[&CheckedRun],
    steps: usize,
    out: &mut dyn Write,
) -> Result<()> {
    let mut rows = CsvRows::new(
        out,
        "run,step,x,y,loss,grad_norm,lr,eff_lr_x,eff_lr_y,avg_x,avg_y",
    );
    for (run, spec) in streaming_runs(scenario, runs)?.iter_mut().zip(runs) {
        let label = csv_field(&spec.label);
        stream(scenario, run, steps, |samples| {
            for s in samples {
                rows.quoted(&label)
                    .count(s.step)
                    .float(s.point.x)
                    .float(s.point.y)
                    .float(s.loss)
                    .float(s.grad_norm)
                    .float(s.lr)
                    .maybe(s.effective_lr.map(|v| v.x))
                    .maybe(s.effective_lr.map(|v| v.y))
                    .maybe(s.averaged.map(|v| v.x))
                    .maybe(s.averaged.map(|v| v.y))
                    .end_row()?;
            }
            Ok(())
        })?;
    }
    rows.flush()
}

#[derive(Serialize)]
struct JsonHead<'a> {
    scenario: &'a str,
    objective: String,
    steps: usize,
}

#[derive(Serialize)]
struct JsonRun<'a> {
    label: &'a str,
    optimizer: &'static str,
    status: &'static str,
    stopped_at: Option<usize>,
    message: String,
}

#[derive(Serialize)]
struct JsonStep {
    step: usize,
    x: f64,
    y: f64,
    loss: f64,
    grad_norm: f64,
    lr: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    effective_lr: Option<[f64; 2]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    averaged: Option<[f64; 2]>,
}

/// `{scenario, objective, steps, runs: [{label, optimizer, status, stopped_at, message,
/// steps: [..]}]}`.
fn write_json(
    scenario: &Scenario,
    runs: &[&CheckedRun],
    steps: usize,
    out: &mut dyn Write,
) -> Result<()> {
    use crate::numerics::objectives::Landmarks;
    // The first pass, for the statuses and the steps the runs take.
    let mut first = streaming_runs(scenario, runs)?;
    first
        .par_iter_mut()
        .try_for_each(|run| stream(scenario, run, steps, |_| Ok(())))?;
    let mut doc = JsonRuns::new(
        out,
        &JsonHead {
            scenario: &scenario.spec.name,
            objective: scenario.objective.formula(),
            steps: first.iter().map(Run::steps_done).max().unwrap_or(0),
        },
        "steps",
    )?;
    let second = streaming_runs(scenario, runs)?;
    for ((seen, mut run), spec) in first.iter().zip(second).zip(runs) {
        let status = seen.status();
        let (state, stopped_at) = match status {
            RunStatus::Running => ("ok", None),
            RunStatus::Stopped {
                step,
                reason: Stop::Failed(_),
            } => ("stopped", Some(*step)),
            RunStatus::Stopped { step, .. } => ("diverged", Some(*step)),
        };
        doc.run(&JsonRun {
            label: &spec.label,
            optimizer: spec.config.optimizer.name(),
            status: state,
            stopped_at,
            message: status.describe(),
        })?;
        stream(scenario, &mut run, steps, |samples| {
            for s in samples {
                doc.item(&JsonStep {
                    step: s.step,
                    x: s.point.x,
                    y: s.point.y,
                    loss: s.loss,
                    grad_norm: s.grad_norm,
                    lr: s.lr,
                    effective_lr: s.effective_lr.map(|v| [v.x, v.y]),
                    averaged: s.averaged.map(|v| [v.x, v.y]),
                })?;
            }
            Ok(())
        })?;
        doc.end_run();
    }
    doc.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario;

    fn output(text: &str, steps: Option<usize>, format: Format) -> String {
        let s = scenario::parse(text, "t.ron").unwrap();
        let mut buf = Vec::new();
        run(&s, steps, format, &mut buf).unwrap();
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn csv_has_one_row_per_step_starting_at_the_start_point() {
        let csv = output(
            "(objective: Quadratic(), runs: [(label: \"a, b\", optimizer: GD(lr: 0.5), start: (1.0, 2.0))])",
            Some(3),
            Format::Csv,
        );
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(
            lines[0],
            "run,step,x,y,loss,grad_norm,lr,eff_lr_x,eff_lr_y,avg_x,avg_y"
        );
        assert_eq!(lines.len(), 5);
        assert!(lines[1].starts_with("\"a, b\",0,1.0,2.0,"));
        assert!(lines[2].starts_with("\"a, b\",1,0.5,1.9,"));
    }

    #[test]
    fn json_reports_status() {
        let json = output(
            "(objective: Quadratic(), runs: [(optimizer: GD(lr: 5.0)), (optimizer: Adam(lr: 0.1))])",
            Some(50),
            Format::Json,
        );
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["runs"][0]["status"], "diverged");
        assert!(v["runs"][0]["stopped_at"].as_u64().unwrap() > 0);
        assert_eq!(v["runs"][1]["status"], "ok");
        assert_eq!(v["runs"][1]["steps"].as_array().unwrap().len(), 51);
        assert!(v["runs"][1]["steps"][1]["effective_lr"].is_array());
    }
}
