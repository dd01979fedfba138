//! `optiviz tune`: every enabled run of a 2-D preset gets its own best learning rate by the
//! stated search of `numerics::tune` (the same budget, criterion and noise draws for all), printed
//! as a table next to the preset's lr; `--out` writes the preset with the tuned rates.

use crate::io;
use crate::numerics::sweep::{self, Cell, Metric};
use crate::numerics::tune::{self, GRID_CELLS, GRID_DECADES, REFINE_CELLS};
use crate::scenario;
use anyhow::{Context, Result};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

/// The options of `optiviz tune`.
#[derive(Debug, Clone, Args)]
pub struct TuneArgs {
    /// The preset file (.ron).
    pub preset: PathBuf,
    /// Steps per candidate run, 1 to 10,000,000 (default: the preset's step budget).
    #[arg(long, value_parser = super::steps_parser(crate::scenario::MAX_STEPS))]
    pub budget: Option<usize>,
    /// The criterion: final-loss (after the budget) or steps-to:TOL (the first step with
    /// f - f* <= TOL).
    #[arg(long, default_value = "final-loss", value_parser = parse_metric)]
    pub metric: Metric,
    /// Write the preset with every run's tuned learning rate to this .ron file.
    #[arg(long, value_name = "RON")]
    pub out: Option<PathBuf>,
}

fn parse_metric(text: &str) -> Result<Metric, String> {
    Metric::parse(text).map_err(|e| e.to_string())
}

/// A cell as the table shows it.
fn shown(cell: Cell) -> String {
    match cell {
        Cell::Value(v) => crate::render::caption::number(v),
        other => other.status().to_owned(),
    }
}

/// Tunes, prints the table, writes the tuned preset if asked.
pub fn main(args: &TuneArgs) -> Result<ExitCode> {
    let scenario = match super::load_surface(&args.preset, "tune")? {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    let steps = args.budget.unwrap_or(scenario.spec.steps);
    println!(
        "Tuning lr: a log grid of {GRID_CELLS} rates over lr/1e{GRID_DECADES} .. lr*1e{GRID_DECADES}, then {REFINE_CELLS} between the best one's neighbours; {} after {steps} steps; schedules, clipping and noise as the preset says.",
        args.metric.describe(false)
    );
    println!("run\tlr\tat lr\ttuned lr\tat tuned lr");
    let mut spec = scenario.spec.clone();
    for (i, run) in scenario.runs.iter().enumerate() {
        if !run.enabled {
            continue;
        }
        let t = tune::tune_lr(
            &scenario.objective,
            scenario.view,
            &run.config,
            steps,
            args.metric,
        )
        .with_context(|| format!("run \"{}\"", run.label))?;
        println!(
            "{}\t{}\t{}\t{}\t{}",
            run.label,
            crate::render::caption::number(t.lr),
            shown(t.at_lr),
            crate::render::caption::number(t.tuned_lr),
            shown(t.at_tuned)
        );
        if let Some(r) = spec.runs.get_mut(i) {
            sweep::set_knob(&mut r.optimizer, sweep::LR, t.tuned_lr)
                .with_context(|| format!("run \"{}\"", run.label))?;
        }
    }
    if let Some(out) = &args.out {
        let text = scenario::to_ron(&spec).context("encoding the tuned preset")?;
        io::write_atomic(out, text.as_bytes())?;
        println!("wrote {}", out.display());
    }
    Ok(ExitCode::SUCCESS)
}
