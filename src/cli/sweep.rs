//! `optiviz sweep`: a measured hyperparameter map of one run of a 2-D preset
//! (`numerics::sweep`), written as a PNG heat map, a CSV of cells or a JSON document, chosen
//! by the extension of `--out`. Files are written atomically through `io`.

use super::output::{CsvRows, csv_field};
use super::render::ThemeArg;
use crate::io;
use crate::numerics::sweep::{
    self, Axis, AxisScale, Cell, Metric, OverlayKind, OverlayShape, SweepMap, SweepSpec,
};
use crate::render::caption;
use crate::render::sweep::{STRIP_HEIGHT, SweepFigureOptions, sweep_png};
use crate::scenario::{Scenario, Theme};
use anyhow::{Context, Result, bail};
use clap::Args;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The options of `optiviz sweep`.
#[derive(Debug, Clone, Args)]
pub struct SweepArgs {
    /// The preset file (.ron).
    pub preset: PathBuf,
    /// The run to sweep (its label).
    #[arg(long, value_name = "LABEL")]
    pub run: String,
    /// The horizontal axis, name:from..to[:log]:N (e.g. lr:1e-4..10:log:64); the name is lr
    /// or one of the optimizer's real-valued knobs (momentum, beta1, beta2, eps, ...).
    #[arg(long, value_name = "AXIS", value_parser = parse_axis)]
    pub x: Axis,
    /// The vertical axis, as --x (e.g. momentum:0..0.99:64); without it, a 1-D sweep (a map
    /// of one row).
    #[arg(long, value_name = "AXIS", value_parser = parse_axis)]
    pub y: Option<Axis>,
    /// What a cell shows: final-loss (after the steps) or steps-to:TOL (the first step with
    /// f - f* <= TOL, f* the lowest known minimum; f <= TOL when none is known).
    #[arg(long, default_value = "final-loss", value_parser = parse_metric)]
    pub metric: Metric,
    /// Steps per cell, 1 to 10,000,000 (default: the preset's step budget).
    #[arg(long, value_parser = super::steps_parser(crate::scenario::MAX_STEPS))]
    pub steps: Option<usize>,
    /// Where to write: .png (a heat map), .csv (a row per cell) or .json.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// PNG: width in pixels (default 1200).
    #[arg(long)]
    pub width: Option<u32>,
    /// PNG: height in pixels (default 900; 380 for a 1-D sweep).
    #[arg(long)]
    pub height: Option<u32>,
    /// PNG: pixels per point (line widths and fonts are multiplied by it).
    #[arg(long, default_value_t = 1.0)]
    pub scale: f32,
    /// PNG: colours and fonts (default: the preset's `theme`, else light).
    #[arg(long, value_enum)]
    pub theme: Option<ThemeArg>,
}

fn parse_axis(text: &str) -> Result<Axis, String> {
    Axis::parse(text).map_err(|e| e.to_string())
}

fn parse_metric(text: &str) -> Result<Metric, String> {
    Metric::parse(text).map_err(|e| e.to_string())
}

/// The file formats `--out` can end in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Output {
    Png,
    Csv,
    Json,
}

fn output_of(out: &Path) -> Result<Output> {
    let ext = out
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    match ext.as_deref() {
        Some("png") => Ok(Output::Png),
        Some("csv") => Ok(Output::Csv),
        Some("json") => Ok(Output::Json),
        _ => bail!(
            "{}: the output must end in .png, .csv or .json",
            out.display()
        ),
    }
}

/// `optiviz sweep`.
pub fn main(args: &SweepArgs) -> Result<ExitCode> {
    let format = output_of(&args.out)?;
    let scenario = match super::load_surface(&args.preset, "sweep")? {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    let Some(run) = scenario.runs.iter().find(|r| r.label == args.run) else {
        let labels: Vec<String> = scenario
            .runs
            .iter()
            .map(|r| format!("\"{}\"", r.label))
            .collect();
        bail!(
            "--run: no run is labelled \"{}\" (runs: {})",
            args.run,
            labels.join(", ")
        );
    };
    let spec = SweepSpec {
        objective: scenario.objective.clone(),
        view: scenario.view,
        base: run.config.clone(),
        x: args.x.clone(),
        y: args.y.clone(),
        metric: args.metric,
        steps: args.steps.unwrap_or(scenario.spec.steps),
    };
    let map = sweep::compute(spec).with_context(|| format!("run \"{}\"", run.label))?;
    let title = format!(
        "{}: {} ({})",
        scenario.spec.name,
        run.label,
        caption::optimizer(&run.config.optimizer)
    );
    let bytes = match format {
        Output::Png => {
            let defaults = SweepFigureOptions::default();
            let options = SweepFigureOptions {
                width: args.width.unwrap_or(defaults.width),
                height: args.height.unwrap_or(if map.y.is_some() {
                    defaults.height
                } else {
                    STRIP_HEIGHT
                }),
                scale: args.scale,
                theme: args
                    .theme
                    .map(Theme::from)
                    .or(scenario.spec.theme)
                    .unwrap_or(Theme::Light),
            };
            sweep_png(&map, &title, &options)?
        }
        Output::Csv => csv(&map),
        Output::Json => {
            let text = serde_json::to_string_pretty(&json_document(&scenario, &args.run, &map))
                .context("encoding JSON")?;
            format!("{text}\n").into_bytes()
        }
    };
    io::write_atomic(&args.out, &bytes)?;
    Ok(ExitCode::SUCCESS)
}

/// The metric's column name.
fn metric_column(metric: Metric) -> &'static str {
    match metric {
        Metric::FinalLoss => "final_loss",
        Metric::StepsTo { .. } => "steps_to_tol",
    }
}

/// One row per cell, row by row: the x knob's value, the y knob's (for a 2-D map), the
/// metric's value (empty unless the status is ok) and the status.
fn csv(map: &SweepMap) -> Vec<u8> {
    let mut header = csv_field(&map.x.knob);
    if let Some(y) = &map.y {
        header.push(',');
        header.push_str(&csv_field(&y.knob));
    }
    header.push(',');
    header.push_str(metric_column(map.metric));
    header.push_str(",status,stopped_at");
    let mut rows = CsvRows::header(&header);
    let (nx, ny) = map.size();
    for j in 0..ny {
        for i in 0..nx {
            let Some(cell) = map.cell(i, j) else { continue };
            rows.float(map.x.value(i));
            if map.y.is_some() {
                rows.float(map.y_value(j));
            }
            rows.maybe(cell.value()).quoted(cell.status());
            match cell {
                Cell::Diverged { step } | Cell::Failed { step } => rows.count(step),
                Cell::Value(_) | Cell::NotReached => rows.maybe(None),
            };
            rows.end_row();
        }
    }
    rows.into_bytes()
}

fn axis_json(a: &Axis) -> Value {
    json!({
        "knob": a.knob,
        "from": a.from,
        "to": a.to,
        "scale": match a.scale { AxisScale::Linear => "linear", AxisScale::Log => "log" },
        "cells": a.cells,
        "values": a.values(),
    })
}

/// The map as one JSON document: the axes, metric, steps, the run's own values, the cells
/// row by row and the theory overlay (or null).
fn json_document(scenario: &Scenario, label: &str, map: &SweepMap) -> Value {
    let (nx, ny) = map.size();
    let mut cells = Vec::with_capacity(nx * ny);
    for j in 0..ny {
        for i in 0..nx {
            let Some(cell) = map.cell(i, j) else { continue };
            let stopped_at = match cell {
                Cell::Diverged { step } | Cell::Failed { step } => Some(step),
                Cell::Value(_) | Cell::NotReached => None,
            };
            cells.push(json!({
                "i": i,
                "j": j,
                "x": map.x.value(i),
                "y": map.y.as_ref().map(|y| y.value(j)),
                "value": cell.value(),
                "status": cell.status(),
                "stopped_at": stopped_at,
            }));
        }
    }
    let overlay = map.overlay.as_ref().map(|o| {
        let lines: Vec<Value> = o
            .lines
            .iter()
            .map(|l| {
                let (kind, rate) = match l.kind {
                    OverlayKind::Edge => ("edge", None),
                    OverlayKind::OptimalLr => ("optimal_lr", None),
                    OverlayKind::IsoRate(r) => ("iso_rate", Some(r)),
                };
                let shape = match &l.shape {
                    OverlayShape::AtX(v) => json!({ "at_x": v }),
                    OverlayShape::AtY(v) => json!({ "at_y": v }),
                    OverlayShape::Path(p) => json!({ "path": p }),
                };
                json!({ "kind": kind, "rate": rate, "label": l.label, "shape": shape })
            })
            .collect();
        let points: Vec<Value> = o
            .points
            .iter()
            .map(|p| json!({ "label": p.label, "at": p.at }))
            .collect();
        json!({ "eigenvalues": o.eigenvalues, "lines": lines, "points": points })
    });
    json!({
        "scenario": scenario.spec.name,
        "run": label,
        "metric": map.metric.to_string(),
        "steps": map.steps,
        "known_minimum": map.known_minimum,
        "x": axis_json(&map.x),
        "y": map.y.as_ref().map(axis_json),
        "current": { "x": map.current.0, "y": map.current.1 },
        "cells": cells,
        "overlay": overlay,
    })
}
