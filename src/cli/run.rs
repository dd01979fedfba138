//! `optiviz run` (a 2-D preset's runs as CSV or JSON, one row per step) and `optiviz check`
//! (validate presets of both kinds).

use super::Format;
use crate::io;
use crate::numerics::run::{RunStatus, Sample, Simulation};
use crate::scenario::{CheckedRun, Document, Scenario};
use anyhow::{Context, Result};
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

/// Simulates the scenario for `steps` (default: its budget) and writes every run.
pub fn run(
    scenario: &Scenario,
    steps: Option<usize>,
    format: Format,
    out: &mut dyn Write,
) -> Result<()> {
    let steps = steps.unwrap_or(scenario.spec.steps);
    let capacity = steps.saturating_add(1);
    let mut sim = scenario.simulation(capacity)?;
    sim.advance_to(steps);
    let runs: Vec<&CheckedRun> = scenario.enabled_runs().collect();
    match format {
        Format::Csv => write_csv(&sim, &runs, out)?,
        Format::Json => {
            serde_json::to_writer(&mut *out, &json_report(scenario, &sim, &runs))
                .context("writing JSON")?;
            writeln!(out)?;
        }
    }
    Ok(())
}

/// Quotes a CSV field when it needs it.
pub(crate) fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

fn samples(sim: &Simulation, i: usize) -> impl Iterator<Item = Sample> + '_ {
    let t = sim.runs()[i].trajectory();
    (0..t.len()).filter_map(|k| t.sample(k))
}

fn write_csv(sim: &Simulation, runs: &[&CheckedRun], out: &mut dyn Write) -> Result<()> {
    writeln!(
        out,
        "run,step,x,y,loss,grad_norm,lr,eff_lr_x,eff_lr_y,avg_x,avg_y"
    )?;
    for (i, run) in runs.iter().enumerate() {
        let label = csv_field(&run.label);
        for s in samples(sim, i) {
            let pair = |v: Option<crate::numerics::Vec2>| {
                v.map_or_else(|| ",".to_owned(), |v| format!("{},{}", v.x, v.y))
            };
            writeln!(
                out,
                "{label},{},{},{},{},{},{},{},{}",
                s.step,
                s.point.x,
                s.point.y,
                s.loss,
                s.grad_norm,
                s.lr,
                pair(s.effective_lr),
                pair(s.averaged)
            )?;
        }
    }
    Ok(())
}

#[derive(Serialize)]
struct JsonReport<'a> {
    scenario: &'a str,
    objective: String,
    steps: usize,
    runs: Vec<JsonRun<'a>>,
}

#[derive(Serialize)]
struct JsonRun<'a> {
    label: &'a str,
    optimizer: &'static str,
    status: &'static str,
    stopped_at: Option<usize>,
    message: String,
    steps: Vec<JsonStep>,
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

fn json_report<'a>(
    scenario: &'a Scenario,
    sim: &Simulation,
    runs: &[&'a CheckedRun],
) -> JsonReport<'a> {
    use crate::numerics::objectives::Landmarks;
    JsonReport {
        scenario: &scenario.spec.name,
        objective: scenario.objective.formula(),
        steps: sim
            .runs()
            .iter()
            .map(crate::numerics::run::Run::steps_done)
            .max()
            .unwrap_or(0),
        runs: runs
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let status = sim.runs()[i].status();
                let (state, stopped_at) = match status {
                    RunStatus::Running => ("ok", None),
                    RunStatus::Stopped {
                        step,
                        reason: crate::numerics::run::Stop::Failed(_),
                    } => ("stopped", Some(*step)),
                    RunStatus::Stopped { step, .. } => ("diverged", Some(*step)),
                };
                JsonRun {
                    label: &r.label,
                    optimizer: r.config.optimizer.name(),
                    status: state,
                    stopped_at,
                    message: status.describe(),
                    steps: samples(sim, i)
                        .map(|s| JsonStep {
                            step: s.step,
                            x: s.point.x,
                            y: s.point.y,
                            loss: s.loss,
                            grad_norm: s.grad_norm,
                            lr: s.lr,
                            effective_lr: s.effective_lr.map(|v| [v.x, v.y]),
                            averaged: s.averaged.map(|v| [v.x, v.y]),
                        })
                        .collect(),
                }
            })
            .collect(),
    }
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
        assert!(lines[1].starts_with("\"a, b\",0,1,2,"));
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
