//! `optiviz run` (a 2-D preset's runs as CSV or JSON, one row per step) and `optiviz check`
//! (validate presets of both kinds).

use super::Format;
use super::output::{CsvRows, JsonRuns, csv_field, json_item};
use crate::io;
use crate::numerics::objectives::Hessian;
use crate::numerics::run::{DivergenceBox, Run, RunStatus, Sample, Stop};
use crate::numerics::theory::sharpness::{Edge, SharpnessSample};
use crate::scenario::{CheckedRun, Document, Scenario};
use anyhow::{Context, Result};
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

/// Samples taken from a run between two writes: the rows in flight stay a few megabytes
/// however many steps the run takes.
const CHUNK_STEPS: usize = 8192;

/// Rows formatted as one piece of work: a chunk is formatted by both threads of a small
/// machine while the next chunk is stepped.
const PIECE_ROWS: usize = 1024;

/// Simulates the scenario for `steps` (default: its budget) and writes every run, a chunk of
/// steps at a time: CSV rows run by run, step by step; JSON with each run's status before its
/// steps, so the runs are stepped once to learn their statuses and again to write them. With
/// `sharpness`, every row also holds the sharpness at its point and the edge of the next
/// update ([`Edge`]).
pub fn run(
    scenario: &Scenario,
    steps: Option<usize>,
    format: Format,
    sharpness: bool,
    out: &mut dyn Write,
) -> Result<()> {
    let steps = steps.unwrap_or(scenario.spec.steps);
    let runs: Vec<&CheckedRun> = scenario.enabled_runs().collect();
    match format {
        Format::Csv => write_csv(scenario, &runs, steps, sharpness, out),
        Format::Json => write_json(scenario, &runs, steps, sharpness, out),
    }
}

/// A sample's sharpness and edge (`None` for an adaptive method before its first update),
/// given the learning rate of the update before it (`lr_before`, `None` at the start).
fn sharpness_of(
    scenario: &Scenario,
    edge: &Edge,
    s: &Sample,
    lr_before: Option<f64>,
) -> Option<SharpnessSample> {
    edge.sample(
        &scenario.objective.hessian(s.point),
        s.step,
        lr_before.unwrap_or(s.lr),
        s.lr,
        s.effective_lr,
    )
}

/// The learning rate before each sample of `samples`: the previous sample's, and for the
/// first `before` (the last of the previous piece).
fn lr_before(samples: &[Sample], before: Option<f64>) -> impl Iterator<Item = Option<f64>> + '_ {
    std::iter::once(before).chain(samples.iter().map(|s| Some(s.lr)))
}

/// One run stepped a chunk at a time, keeping only its latest step.
struct Chunks<'a> {
    scenario: &'a Scenario,
    bounds: DivergenceBox,
    run: Run,
    steps: usize,
    done: bool,
}

impl<'a> Chunks<'a> {
    /// The enabled runs, to be stepped to `steps` updates.
    fn all(scenario: &'a Scenario, runs: &[&CheckedRun], steps: usize) -> Result<Vec<Self>> {
        let bounds = DivergenceBox::around(&scenario.view);
        let runs = runs
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let run = Run::streaming(r.config.clone(), &scenario.objective)
                    .map_err(|e| e.within(&format!("runs[{i}]")))?;
                Ok(Self {
                    scenario,
                    bounds,
                    run,
                    steps,
                    done: false,
                })
            })
            .collect::<Result<Vec<_>, crate::numerics::ParamError>>()?;
        Ok(runs)
    }

    /// Steps the run by a chunk and puts the chunk's samples into `out`; false once the run
    /// reached its steps or stopped and every sample was handed out.
    fn next(&mut self, out: &mut Vec<Sample>) -> bool {
        out.clear();
        if self.done {
            return false;
        }
        let todo = self
            .steps
            .saturating_sub(self.run.steps_done())
            .min(CHUNK_STEPS);
        let (objective, bounds) = (&self.scenario.objective, &self.bounds);
        self.run.advance(objective, bounds, todo);
        self.done = !self.run.status().is_running() || self.run.steps_done() >= self.steps;
        self.run.take_samples(out, self.done);
        true
    }

    /// Steps the run to the end, writing every sample's bytes (`format`) to `out` in order:
    /// each chunk is formatted, in pieces on every thread, while the next is stepped. `format`
    /// is also given the learning rate of the sample before the piece (`None` at step 0).
    fn write_all(
        &mut self,
        format: impl Fn(&[Sample], Option<f64>) -> Result<Vec<u8>> + Sync,
        mut out: impl FnMut(&[u8]) -> Result<()>,
    ) -> Result<()> {
        let (mut current, mut next) = (Vec::new(), Vec::new());
        let mut more = self.next(&mut current);
        let mut last_lr = None;
        while more {
            let (stepped, pieces) = rayon::join(
                || self.next(&mut next),
                || {
                    let current = &current;
                    current
                        .par_chunks(PIECE_ROWS)
                        .enumerate()
                        .map(|(j, piece)| {
                            let before = match j {
                                0 => last_lr,
                                _ => Some(current[j * PIECE_ROWS - 1].lr),
                            };
                            format(piece, before)
                        })
                        .collect::<Result<Vec<_>>>()
                },
            );
            for piece in pieces? {
                out(&piece)?;
            }
            last_lr = current.last().map_or(last_lr, |s| Some(s.lr));
            std::mem::swap(&mut current, &mut next);
            more = stepped;
        }
        Ok(())
    }
}

/// The CSV columns; with the sharpness two more.
const CSV_COLUMNS: &str =
    "run,step,evaluations,x,y,loss,grad_norm,lr,eff_lr_x,eff_lr_y,avg_x,avg_y";

fn write_csv(
    scenario: &Scenario,
    runs: &[&CheckedRun],
    steps: usize,
    sharpness: bool,
    out: &mut dyn Write,
) -> Result<()> {
    let columns = if sharpness {
        format!("{CSV_COLUMNS},sharpness,edge")
    } else {
        CSV_COLUMNS.to_owned()
    };
    let mut header = CsvRows::header(&columns);
    header.write_to(out, true)?;
    for (chunks, spec) in Chunks::all(scenario, runs, steps)?.iter_mut().zip(runs) {
        let label = csv_field(&spec.label);
        let edge = Edge::of(&spec.config);
        let format = |samples: &[Sample], before: Option<f64>| {
            // A row is at most the label and 14 fields of at most 24 bytes.
            let mut rows = CsvRows::with_capacity(samples.len() * (label.len() + 14 * 25));
            for (s, lr_before) in samples.iter().zip(lr_before(samples, before)) {
                rows.quoted(&label)
                    .count(s.step)
                    .whole(s.evaluations)
                    .float(s.point.x)
                    .float(s.point.y)
                    .float(s.loss)
                    .float(s.grad_norm)
                    .float(s.lr)
                    .maybe(s.effective_lr.map(|v| v.x))
                    .maybe(s.effective_lr.map(|v| v.y))
                    .maybe(s.averaged.map(|v| v.x))
                    .maybe(s.averaged.map(|v| v.y));
                if sharpness {
                    let h = sharpness_of(scenario, &edge, s, lr_before);
                    rows.maybe(h.map(|h| h.value)).maybe(h.and_then(|h| h.edge));
                }
                rows.end_row();
            }
            Ok(rows.into_bytes())
        };
        chunks.write_all(format, |piece| out.write_all(piece).context("writing CSV"))?;
    }
    Ok(())
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
    evaluations: u64,
    x: f64,
    y: f64,
    loss: f64,
    grad_norm: f64,
    lr: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    effective_lr: Option<[f64; 2]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    averaged: Option<[f64; 2]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sharpness: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    edge: Option<f64>,
}

/// `{scenario, objective, steps, runs: [{label, optimizer, status, stopped_at, message,
/// steps: [..]}]}`.
fn write_json(
    scenario: &Scenario,
    runs: &[&CheckedRun],
    steps: usize,
    sharpness: bool,
    out: &mut dyn Write,
) -> Result<()> {
    use crate::numerics::objectives::Landmarks;
    // The first pass, for the statuses and the steps the runs take.
    let mut first = Chunks::all(scenario, runs, steps)?;
    first.par_iter_mut().for_each(|chunks| {
        let mut scratch = Vec::new();
        while chunks.next(&mut scratch) {}
    });
    let mut doc = JsonRuns::new(
        out,
        &JsonHead {
            scenario: &scenario.spec.name,
            objective: scenario.objective.formula(),
            steps: first.iter().map(|c| c.run.steps_done()).max().unwrap_or(0),
        },
        "steps",
    )?;
    let second = Chunks::all(scenario, runs, steps)?;
    for ((seen, mut chunks), spec) in first.iter().zip(second).zip(runs) {
        let status = seen.run.status();
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
        let edge = Edge::of(&spec.config);
        let format = |samples: &[Sample], before: Option<f64>| {
            let mut piece = Vec::new();
            for (s, lr_before) in samples.iter().zip(lr_before(samples, before)) {
                let h = sharpness
                    .then(|| sharpness_of(scenario, &edge, s, lr_before))
                    .flatten();
                json_item(
                    &mut piece,
                    &JsonStep {
                        step: s.step,
                        evaluations: s.evaluations,
                        x: s.point.x,
                        y: s.point.y,
                        loss: s.loss,
                        grad_norm: s.grad_norm,
                        lr: s.lr,
                        effective_lr: s.effective_lr.map(|v| [v.x, v.y]),
                        averaged: s.averaged.map(|v| [v.x, v.y]),
                        sharpness: h.map(|h| h.value),
                        edge: h.and_then(|h| h.edge),
                    },
                )?;
            }
            Ok(piece)
        };
        chunks.write_all(format, |piece| doc.items(piece))?;
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
        run(&s, steps, format, false, &mut buf).unwrap();
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
            "run,step,evaluations,x,y,loss,grad_norm,lr,eff_lr_x,eff_lr_y,avg_x,avg_y"
        );
        assert_eq!(lines.len(), 5);
        assert!(lines[1].starts_with("\"a, b\",0,0,1.0,2.0,"));
        assert!(lines[2].starts_with("\"a, b\",1,1,0.5,1.9,"));
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
