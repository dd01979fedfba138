//! `optiviz train`: trains every run of an MLP preset headless and prints its evaluations.
//!
//! CSV: `run,step,train_loss,test_loss,train_acc,test_acc`, one row per recorded evaluation
//! (step 0, every `eval_every` steps, thinned on very long runs, and the last step), with
//! `sharpness,edge` after them when the sharpness is recorded (`--sharpness`). For
//! regression the accuracy columns are empty. JSON adds the network, the data set, each run's
//! status (`ok`, or `diverged at step k`) and the gradient norm and learning rate of every
//! record.

use super::Format;
use super::output::{CsvRows, JsonRuns, csv_field};
use crate::io;
use crate::numerics::mlp::{Record, Training};
use crate::numerics::run::{RunStatus, Stop};
use crate::numerics::theory::sharpness::Edge;
use crate::scenario::Document;
use crate::scenario::mlp::{self, MlpScenario};
use anyhow::{Context, Result, bail};
use serde::Serialize;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

/// Loads, trains and prints; located preset errors go to stderr one per line (exit 1).
pub(super) fn main(
    preset: &Path,
    steps: Option<usize>,
    format: Format,
    sharpness: bool,
) -> Result<ExitCode> {
    let mut scenario = match io::load_document(preset) {
        Ok(Document::Network(s)) => *s,
        Ok(Document::Surface(_)) => bail!(
            "{} is a 2-D preset (it has no `dataset` field); use `optiviz run {}`",
            preset.display(),
            preset.display()
        ),
        Err(errors) => {
            for e in &errors.0 {
                eprintln!("{e}");
            }
            return Ok(ExitCode::FAILURE);
        }
    };
    scenario.spec.sharpness |= sharpness;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    write(&scenario, steps, format, &mut out)?;
    out.flush().context("writing the output")?;
    Ok(ExitCode::SUCCESS)
}

/// Trains the scenario for `steps` (default: its budget) and writes every run's records.
///
/// The records are kept until the end, not streamed: a run's history is bounded (at most
/// [`HISTORY_CAPACITY`](crate::numerics::mlp::training::HISTORY_CAPACITY) records, thinned as it
/// fills), and which records survive the thinning is known only when training ends.
pub fn write(
    scenario: &MlpScenario,
    steps: Option<usize>,
    format: Format,
    out: &mut dyn Write,
) -> Result<()> {
    let mut config = scenario.training_config();
    if let Some(s) = steps {
        if s > mlp::MAX_STEPS {
            bail!("--steps: at most {}, got {s}", mlp::MAX_STEPS);
        }
        config.steps = s;
    }
    let mut training = Training::new(&config)?;
    training.advance(config.steps);
    let labels: Vec<&str> = scenario.enabled_runs().map(|r| r.label.as_str()).collect();
    match format {
        Format::Csv => write_csv(&training, &labels, out),
        Format::Json => write_json(scenario, &training, &labels, out),
    }
}

/// The stored records of a run plus its latest evaluation when it was not stored.
fn records(training: &Training, i: usize) -> impl Iterator<Item = &Record> {
    let h = training.runs()[i].history();
    let latest = h
        .latest()
        .filter(|latest| h.records().last().is_none_or(|r| r.step != latest.step));
    h.records().iter().chain(latest)
}

/// A record's edge of stability for its run (`None` where the method has none).
fn edge(training: &Training, i: usize, r: &Record) -> Option<f64> {
    Edge::of_network_run(&training.runs()[i].config().optimizer).edge(r.lr, r.step)
}

fn write_csv(training: &Training, labels: &[&str], out: &mut dyn Write) -> Result<()> {
    let sharpness = training.config().sharpness;
    let mut rows = CsvRows::header(if sharpness {
        "run,step,train_loss,test_loss,train_acc,test_acc,sharpness,edge"
    } else {
        "run,step,train_loss,test_loss,train_acc,test_acc"
    });
    for (i, label) in labels.iter().enumerate() {
        let label = csv_field(label);
        for r in records(training, i) {
            rows.quoted(&label)
                .count(r.step)
                .float(r.train_loss)
                .float(r.test_loss)
                .maybe(r.train_acc)
                .maybe(r.test_acc);
            if sharpness {
                rows.maybe(r.sharpness).maybe(edge(training, i, r));
            }
            rows.end_row();
            rows.write_to(out, false)?;
        }
    }
    rows.write_to(out, true)
}

#[derive(Serialize)]
struct JsonHead<'a> {
    scenario: &'a str,
    network: String,
    dataset: String,
    train_points: usize,
    test_points: usize,
    batch_size: usize,
    eval_every: usize,
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
struct JsonRecord {
    step: usize,
    train_loss: f64,
    test_loss: f64,
    train_acc: Option<f64>,
    test_acc: Option<f64>,
    grad_norm: f64,
    lr: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    sharpness: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    edge: Option<f64>,
}

/// `{scenario, network, dataset, train_points, test_points, batch_size, eval_every, steps,
/// runs: [{label, optimizer, status, stopped_at, message, records: [..]}]}`.
fn write_json(
    scenario: &MlpScenario,
    training: &Training,
    labels: &[&str],
    out: &mut dyn Write,
) -> Result<()> {
    let mut doc = JsonRuns::new(
        out,
        &JsonHead {
            scenario: &scenario.spec.name,
            network: training.describe(),
            dataset: match &scenario.source {
                crate::numerics::mlp::DataSource::Generated(g) => g.name().to_owned(),
                crate::numerics::mlp::DataSource::Imported { .. } => "CSV".to_owned(),
            },
            train_points: training.dataset().train_points().len(),
            test_points: training.dataset().test_points().len(),
            batch_size: training.batch_size(),
            eval_every: training.eval_every(),
            steps: training.steps_done(),
        },
        "records",
    )?;
    for (i, label) in labels.iter().enumerate() {
        let run = &training.runs()[i];
        let (status, stopped_at) = match run.status() {
            RunStatus::Running => ("ok", None),
            RunStatus::Stopped {
                step,
                reason: Stop::Failed(_),
            } => ("stopped", Some(*step)),
            RunStatus::Stopped { step, .. } => ("diverged", Some(*step)),
        };
        doc.run(&JsonRun {
            label,
            optimizer: run.config().optimizer.name(),
            status,
            stopped_at,
            message: run.status().describe(),
        })?;
        for r in records(training, i) {
            doc.item(&JsonRecord {
                step: r.step,
                train_loss: r.train_loss,
                test_loss: r.test_loss,
                train_acc: r.train_acc,
                test_acc: r.test_acc,
                grad_norm: r.grad_norm,
                lr: r.lr,
                sharpness: r.sharpness,
                edge: r.sharpness.and(edge(training, i, r)),
            })?;
        }
        doc.end_run();
    }
    doc.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn output(text: &str, steps: Option<usize>, format: Format) -> String {
        let s = mlp::parse(text, "t.ron").unwrap();
        let mut buf = Vec::new();
        write(&s, steps, format, &mut buf).unwrap();
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn csv_rows_start_at_step_zero_and_end_at_the_budget() {
        let csv = output(
            "(dataset: (kind: Xor), eval_every: 10, runs: [(label: \"a, b\", optimizer: Adam(lr: 0.01))])",
            Some(25),
            Format::Csv,
        );
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], "run,step,train_loss,test_loss,train_acc,test_acc");
        let steps: Vec<&str> = lines[1..]
            .iter()
            .map(|l| l.split(',').nth(2).unwrap())
            .collect();
        assert_eq!(steps, vec!["0", "10", "20", "25"]);
        assert!(lines[1].starts_with("\"a, b\",0,"));
        let regression = output(
            "(dataset: (kind: Plane), runs: [(optimizer: SGD(lr: 0.01))])",
            Some(5),
            Format::Csv,
        );
        for row in regression.lines().skip(1) {
            assert!(row.ends_with(",,"), "{row}");
        }
    }

    #[test]
    fn json_reports_divergence() {
        let json = output(
            "(dataset: (kind: Plane), runs: [(optimizer: SGD(lr: 1e6)), (optimizer: SGD(lr: 0.01))])",
            Some(200),
            Format::Json,
        );
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["network"], "2-8-8-1 tanh, MSE");
        assert_eq!(v["runs"][0]["status"], "diverged");
        assert!(v["runs"][0]["stopped_at"].as_u64().unwrap() >= 1);
        assert_eq!(v["runs"][1]["status"], "ok");
        assert!(v["runs"][1]["records"][0]["train_acc"].is_null());
    }
}
