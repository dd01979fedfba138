//! Measured hyperparameter maps: one run's outcome over a grid of two of its hyperparameters.
//!
//! Cell (i, j) of a map over axes x and y runs the run's configuration with knob x set to
//! x_i and knob y to y_j, from the run's start, for the map's step budget, through the same
//! [`Run`] the app and `optiviz run` step (same schedule, clipping, noise draws and
//! divergence box), and records a [`Metric`]:
//!
//! - final loss f(x_N) after N steps, or `Diverged` if the run stopped on the way (the iterate
//!   or f became non-finite, or the iterate left the box of 100 view sizes around the view);
//! - steps to a tolerance: the first k with f(x_k) - f* <= tol, where f* is the objective's
//!   lowest known minimum (`theory::lowest_minimum`), or f(x_k) <= tol when none is known;
//!   `NotReached` within N steps, `Diverged` if the run stopped first.
//!
//! Runs are deterministic (noise is seeded per step), so a cell is the same however, in
//! whatever order and on however many threads it is computed. A [`SweepJob`] computes a
//! coarse subset of the cells first (every 8th cell in each direction, then every 4th, ...,
//! then all), in slices ([`SweepJob::advance`], [`SweepJob::advance_within`] under the app's
//! [`Deadline`]); [`compute`] does all of it at once on rayon's pool.
//!
//! A knob is named as the optimizer's editor names it: `lr` (the run's base learning rate) or
//! any real-valued knob the optimizer lists to the [`Knobs`] visitor (momentum, beta1, beta2,
//! alpha, eps, weight_decay, ...), so every optimizer's knobs can be swept without a table.
//!
//! On a quadratic with GD or heavy-ball SGD, [`overlay`] gives the theory to draw over the
//! map (`theory::rates` and `theory::curves`): the stability edge a = 2 (1 + b) / l_max,
//! GD's a* = 2 / (l_min + l_max), the heavy ball's optimum (a*, b*) and its iso-rate lines.

use super::objectives::{AnyObjective, ViewRect};
use super::optimizers::OptimizerSpec;
use super::optimizers::knobs::{Knobs, Real};
use super::parallel::STEPS_WORTH_SHARING;
use super::resume::Deadline;
use super::run::{DivergenceBox, Run, RunConfig, RunStatus, Stop};
use super::schedule::{MomentumSchedule, Schedule};
use super::theory::{self, HeavyBallMap, Spectrum};
use super::{ParamError, short};
use rayon::prelude::*;
use std::fmt::{self, Write as _};
use std::ops::RangeInclusive;

/// Most cells along one axis.
pub const MAX_AXIS_CELLS: usize = 1024;
/// The name of the learning rate on an axis (it is the run's, not one of the optimizer's knobs).
pub const LR: &str = "lr";
/// Stride of the coarsest pass of a [`SweepJob`] (every 8th cell in each direction).
pub const COARSEST_STRIDE: usize = 8;

/// Why a map cannot be made.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum SweepError {
    /// An axis written as `name:from..to[:log]:N` could not be read.
    #[error("axis {text:?}: {message} (expected name:from..to[:log]:N, e.g. lr:1e-4..10:log:64)")]
    Axis {
        /// What was given.
        text: String,
        /// What is wrong.
        message: String,
    },
    /// A metric other than `final-loss` or `steps-to:TOL`.
    #[error("metric {text:?}: {message} (expected final-loss or steps-to:TOL, e.g. steps-to:1e-6)")]
    Metric {
        /// What was given.
        text: String,
        /// What is wrong.
        message: String,
    },
    /// The run has no real-valued knob of that name.
    #[error("{optimizer} has no knob {name:?}{kind}; its knobs are {}", known.join(", "))]
    UnknownKnob {
        /// The name asked for.
        name: String,
        /// The optimizer's name.
        optimizer: &'static str,
        /// ", an on/off knob" and the like when the name is a knob that is not real-valued.
        kind: &'static str,
        /// The names that would do.
        known: Vec<String>,
    },
    /// Both axes name the same knob.
    #[error("both axes sweep {0}; choose two different knobs")]
    SameKnob(String),
    /// A cell's configuration is not valid (a value outside the knob's range).
    #[error("at {at}: {error}")]
    Invalid {
        /// The cell's knob values, e.g. "lr = 10, beta2 = 1.5".
        at: String,
        /// What the checks said.
        error: ParamError,
    },
    /// A step budget of 0.
    #[error("the step budget must be at least 1")]
    NoSteps,
}

/// How an axis's cells are spaced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AxisScale {
    /// Evenly spaced values.
    Linear,
    /// Evenly spaced decades (both ends positive).
    Log,
}

/// One axis of a map: a knob swept from `from` to `to` (both included) over `cells` values.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    /// The knob: `lr` or the name of a real-valued optimizer knob.
    pub knob: String,
    /// The first value.
    pub from: f64,
    /// The last value (above `from`).
    pub to: f64,
    /// Linear or log spacing.
    pub scale: AxisScale,
    /// Number of values, 1 to [`MAX_AXIS_CELLS`] (1: `from` only).
    pub cells: usize,
}

impl Axis {
    /// Reads `name:from..to[:log|:lin]:N`, e.g. `lr:1e-4..10:log:64` or `momentum:0..0.99:64`.
    pub fn parse(text: &str) -> Result<Self, SweepError> {
        let bad = |message: String| SweepError::Axis {
            text: text.to_owned(),
            message,
        };
        let parts: Vec<&str> = text.split(':').map(str::trim).collect();
        let (knob, range, scale, cells) = match parts.as_slice() {
            [knob, range, cells] => (*knob, *range, AxisScale::Linear, *cells),
            [knob, range, scale, cells] => {
                let scale = match scale.to_ascii_lowercase().as_str() {
                    "log" => AxisScale::Log,
                    "lin" | "linear" => AxisScale::Linear,
                    other => return Err(bad(format!("scale {other:?} is neither log nor lin"))),
                };
                (*knob, *range, scale, *cells)
            }
            _ => {
                return Err(bad(format!(
                    "{} part(s) separated by ':', expected 3 or 4",
                    parts.len()
                )));
            }
        };
        if knob.is_empty() {
            return Err(bad("the knob's name is missing".to_owned()));
        }
        let (from, to) = range
            .split_once("..")
            .ok_or_else(|| bad(format!("range {range:?} has no '..' between its ends")))?;
        let number = |what: &str, v: &str| {
            v.trim()
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or_else(|| bad(format!("{what} {v:?} is not a finite number")))
        };
        let (from, to) = (number("from", from)?, number("to", to)?);
        if from >= to {
            return Err(bad(format!(
                "from ({}) must be below to ({})",
                short(from),
                short(to)
            )));
        }
        if scale == AxisScale::Log && from <= 0.0 {
            return Err(bad(format!(
                "a log axis needs positive ends, got from = {}",
                short(from)
            )));
        }
        if matches!(
            cells.to_ascii_lowercase().as_str(),
            "log" | "lin" | "linear"
        ) {
            return Err(bad(format!(
                "the number of cells N is missing after :{cells}"
            )));
        }
        let cells = cells
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_AXIS_CELLS).contains(n))
            .ok_or_else(|| {
                bad(format!(
                    "cells {cells:?} is not a whole number from 1 to {MAX_AXIS_CELLS}"
                ))
            })?;
        Ok(Self {
            knob: knob.to_owned(),
            from,
            to,
            scale,
            cells,
        })
    }

    /// The value of cell i: `from` at 0, `to` at `cells - 1` (exactly), evenly spaced in value
    /// or in log10 between.
    #[must_use]
    pub fn value(&self, i: usize) -> f64 {
        if i == 0 || self.cells < 2 {
            return self.from;
        }
        if i + 1 >= self.cells {
            return self.to;
        }
        let t = i as f64 / (self.cells - 1) as f64;
        match self.scale {
            AxisScale::Linear => self.from + (self.to - self.from) * t,
            AxisScale::Log => {
                let (lo, hi) = (self.from.log10(), self.to.log10());
                10f64.powf(lo + (hi - lo) * t)
            }
        }
    }

    /// Every cell's value, in order.
    #[must_use]
    pub fn values(&self) -> Vec<f64> {
        (0..self.cells).map(|i| self.value(i)).collect()
    }
}

impl fmt::Display for Axis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scale = match self.scale {
            AxisScale::Linear => "",
            AxisScale::Log => ":log",
        };
        write!(
            f,
            "{}:{}..{}{scale}:{}",
            self.knob,
            short(self.from),
            short(self.to),
            self.cells
        )
    }
}

/// What a cell measures.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Metric {
    /// f(x_N) after the map's N steps.
    FinalLoss,
    /// The first step k with f(x_k) - f* <= tol (f(x_k) <= tol without a known minimum).
    StepsTo {
        /// The tolerance, positive.
        tol: f64,
    },
}

impl Metric {
    /// Reads `final-loss` or `steps-to:TOL`.
    pub fn parse(text: &str) -> Result<Self, SweepError> {
        let bad = |message: String| SweepError::Metric {
            text: text.to_owned(),
            message,
        };
        let t = text.trim();
        if t == "final-loss" {
            return Ok(Self::FinalLoss);
        }
        let Some(tol) = t.strip_prefix("steps-to:") else {
            return Err(bad("unknown metric".to_owned()));
        };
        match tol.trim().parse::<f64>() {
            Ok(tol) if tol.is_finite() && tol > 0.0 => Ok(Self::StepsTo { tol }),
            _ => Err(bad(format!(
                "the tolerance {tol:?} is not a positive finite number"
            ))),
        }
    }

    /// What the cells' values are, for a colour bar: "final loss" or "steps to f - f* <= tol".
    #[must_use]
    pub fn describe(&self, minimum_known: bool) -> String {
        match self {
            Self::FinalLoss => "final loss f(x_N)".to_owned(),
            Self::StepsTo { tol } if minimum_known => format!("steps to f - f* <= {}", short(*tol)),
            Self::StepsTo { tol } => format!("steps to f <= {}", short(*tol)),
        }
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::FinalLoss => write!(f, "final-loss"),
            Self::StepsTo { tol } => write!(f, "steps-to:{}", short(*tol)),
        }
    }
}

/// The outcome of one cell.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Cell {
    /// The metric's value: the final loss, or the step at which the tolerance was reached.
    Value(f64),
    /// The run diverged (non-finite, or out of the box around the view) at this update.
    Diverged {
        /// 1-based update that diverged (0: the start itself is not finite).
        step: usize,
    },
    /// Steps to a tolerance: not reached within the budget (the run did not diverge).
    NotReached,
    /// The optimizer could not take a step (Newton on a singular Hessian, ...).
    Failed {
        /// 1-based update that failed.
        step: usize,
    },
}

impl Cell {
    /// The value, for `Value` cells.
    #[must_use]
    pub fn value(&self) -> Option<f64> {
        match self {
            Self::Value(v) => Some(*v),
            _ => None,
        }
    }

    /// "ok", "diverged", "not-reached" or "failed".
    #[must_use]
    pub fn status(&self) -> &'static str {
        match self {
            Self::Value(_) => "ok",
            Self::Diverged { .. } => "diverged",
            Self::NotReached => "not-reached",
            Self::Failed { .. } => "failed",
        }
    }
}

/// Writes `value` into the real knob called `name`; records what it found.
struct SetReal<'a> {
    name: &'a str,
    value: f64,
    found: Found,
}

/// Whether a knob of the name was seen, and of which kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Found {
    Nothing,
    Real,
    Other(&'static str),
}

impl SetReal<'_> {
    fn other(&mut self, name: &str, kind: &'static str) {
        if name == self.name {
            self.found = Found::Other(kind);
        }
    }
}

impl Knobs for SetReal<'_> {
    fn real(&mut self, knob: Real, value: &mut f64) {
        if knob.name == self.name {
            *value = self.value;
            self.found = Found::Real;
        }
    }
    fn flag(&mut self, name: &'static str, _: &mut bool, _: bool, _: &'static str) {
        self.other(name, ", an on/off knob");
    }
    fn count(
        &mut self,
        name: &'static str,
        _: &mut usize,
        _: RangeInclusive<usize>,
        _: usize,
        _: &'static str,
    ) {
        self.other(name, ", a whole-number knob");
    }
    fn choice(&mut self, name: &'static str, _: &mut usize, _: &'static [&'static str], _: &str) {
        self.other(name, ", a choice");
    }
    fn optional_count(
        &mut self,
        name: &'static str,
        _: &mut Option<usize>,
        _: &'static str,
        _: RangeInclusive<usize>,
        _: usize,
        _: &'static str,
    ) {
        self.other(name, ", a whole-number knob");
    }
}

/// Reads the real knob called `name`, or collects the names of all real knobs.
#[derive(Default)]
struct ReadReal<'a> {
    name: &'a str,
    value: Option<f64>,
    names: Vec<&'static str>,
}

impl Knobs for ReadReal<'_> {
    fn real(&mut self, knob: Real, value: &mut f64) {
        if knob.name == self.name {
            self.value = Some(*value);
        }
        self.names.push(knob.name);
    }
    fn flag(&mut self, _: &'static str, _: &mut bool, _: bool, _: &'static str) {}
    fn count(
        &mut self,
        _: &'static str,
        _: &mut usize,
        _: RangeInclusive<usize>,
        _: usize,
        _: &'static str,
    ) {
    }
    fn choice(&mut self, _: &'static str, _: &mut usize, _: &'static [&'static str], _: &str) {}
    fn optional_count(
        &mut self,
        _: &'static str,
        _: &mut Option<usize>,
        _: &'static str,
        _: RangeInclusive<usize>,
        _: usize,
        _: &'static str,
    ) {
    }
}

/// The knobs a map can sweep for this optimizer: `lr`, then its real-valued knobs in the
/// editor's order.
#[must_use]
pub fn knob_names(optimizer: &OptimizerSpec) -> Vec<&'static str> {
    let mut read = ReadReal::default();
    optimizer.clone().knobs(&mut read);
    let mut names = vec![LR];
    names.extend(read.names);
    names
}

/// The current value of a knob (`lr` or a real-valued optimizer knob); `None` for another name.
#[must_use]
pub fn knob_value(optimizer: &OptimizerSpec, name: &str) -> Option<f64> {
    if name == LR {
        return Some(optimizer.lr());
    }
    let mut read = ReadReal {
        name,
        ..ReadReal::default()
    };
    optimizer.clone().knobs(&mut read);
    read.value
}

/// Sets the knob `name` (`lr`, or a real-valued knob of the optimizer) to `value`. The value is
/// not checked here (the run's checks do that); a name the optimizer does not have is an
/// error that lists the names it has.
pub fn set_knob(optimizer: &mut OptimizerSpec, name: &str, value: f64) -> Result<(), SweepError> {
    if name == LR {
        optimizer.set_lr(value);
        return Ok(());
    }
    let mut set = SetReal {
        name,
        value,
        found: Found::Nothing,
    };
    optimizer.knobs(&mut set);
    match set.found {
        Found::Real => Ok(()),
        Found::Nothing | Found::Other(_) => Err(SweepError::UnknownKnob {
            name: name.to_owned(),
            optimizer: optimizer.name(),
            kind: match set.found {
                Found::Other(kind) => kind,
                _ => "",
            },
            known: knob_names(optimizer)
                .into_iter()
                .map(str::to_owned)
                .collect(),
        }),
    }
}

/// What a map computes: the run, its objective and view, the axes, metric and step budget.
#[derive(Clone, Debug)]
pub struct SweepSpec {
    /// The objective the run steps on.
    pub objective: AnyObjective,
    /// The view (the divergence box is 100 view sizes around it, as for the run itself).
    pub view: ViewRect,
    /// The run's configuration: every cell is this with the axes' knobs changed.
    pub base: RunConfig,
    /// The horizontal axis (columns).
    pub x: Axis,
    /// The vertical axis (rows); `None` for a 1-D sweep (one row).
    pub y: Option<Axis>,
    /// What a cell measures.
    pub metric: Metric,
    /// Updates per cell.
    pub steps: usize,
}

impl SweepSpec {
    /// Columns and rows.
    #[must_use]
    pub fn size(&self) -> (usize, usize) {
        (self.x.cells, self.y.as_ref().map_or(1, |y| y.cells))
    }

    /// The configuration of cell (i, j): the base with x's knob at x_i and y's at y_j.
    pub fn config(&self, i: usize, j: usize) -> Result<RunConfig, SweepError> {
        let mut config = self.base.clone();
        set_knob(&mut config.optimizer, &self.x.knob, self.x.value(i))?;
        if let Some(y) = &self.y {
            set_knob(&mut config.optimizer, &y.knob, y.value(j))?;
        }
        Ok(config)
    }

    /// "lr = 0.1, momentum = 0.9": cell (i, j)'s knob values.
    #[must_use]
    pub fn describe_cell(&self, i: usize, j: usize) -> String {
        let mut text = format!("{} = {}", self.x.knob, short(self.x.value(i)));
        if let Some(y) = &self.y {
            let _ = write!(text, ", {} = {}", y.knob, short(y.value(j)));
        }
        text
    }

    /// Checks the knobs' names and every cell's configuration.
    fn validate(&self) -> Result<(), SweepError> {
        if self.steps == 0 {
            return Err(SweepError::NoSteps);
        }
        if let Some(y) = &self.y
            && y.knob == self.x.knob
        {
            return Err(SweepError::SameKnob(y.knob.clone()));
        }
        let (nx, ny) = self.size();
        for j in 0..ny {
            for i in 0..nx {
                let config = self.config(i, j)?;
                let invalid = |error: ParamError| SweepError::Invalid {
                    at: self.describe_cell(i, j),
                    error,
                };
                config
                    .optimizer
                    .validate()
                    .map_err(|e| invalid(e.within("optimizer")))?;
                // The run's own checks (its momentum schedule needs a momentum, ...), at the
                // corners: they do not depend on the values in between.
                if (i == 0 || i + 1 == nx) && (j == 0 || j + 1 == ny) {
                    Run::unrecorded(config, &self.objective).map_err(invalid)?;
                }
            }
        }
        Ok(())
    }
}

/// The loss a tolerance is measured from: the lowest known minimum's value, if any.
fn known_minimum(objective: &AnyObjective, view: &ViewRect) -> Option<f64> {
    theory::lowest_minimum(objective, view)
        .map(|c| c.value)
        .filter(|v| v.is_finite())
}

/// Runs one cell's configuration and measures it.
fn measure(
    spec: &SweepSpec,
    bounds: &DivergenceBox,
    f_star: Option<f64>,
    config: RunConfig,
) -> Cell {
    let Ok(mut run) = Run::unrecorded(config, &spec.objective) else {
        return Cell::Failed { step: 0 };
    };
    let stopped = |run: &Run| match run.status() {
        RunStatus::Running => None,
        RunStatus::Stopped {
            step,
            reason: Stop::Failed(_),
        } => Some(Cell::Failed { step: *step }),
        RunStatus::Stopped { step, .. } => Some(Cell::Diverged { step: *step }),
    };
    let loss = |run: &Run| run.trajectory().latest().map_or(f64::NAN, |s| s.loss);
    match spec.metric {
        Metric::FinalLoss => {
            run.advance(&spec.objective, bounds, spec.steps);
            stopped(&run).unwrap_or_else(|| Cell::Value(loss(&run)))
        }
        Metric::StepsTo { tol } => {
            let reached = |f: f64| f - f_star.unwrap_or(0.0) <= tol;
            for k in 0..=spec.steps {
                if k > 0 {
                    run.advance(&spec.objective, bounds, 1);
                }
                if let Some(cell) = stopped(&run) {
                    return cell;
                }
                if reached(loss(&run)) {
                    return Cell::Value(k as f64);
                }
            }
            Cell::NotReached
        }
    }
}

/// A computed map: the cells row by row (row 0 at the y axis's `from`), with its axes.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepMap {
    /// The horizontal axis.
    pub x: Axis,
    /// The vertical axis (`None`: a 1-D sweep of one row).
    pub y: Option<Axis>,
    /// What the cells measure.
    pub metric: Metric,
    /// Updates per cell.
    pub steps: usize,
    /// Row-major cells: `cells[j * x.cells + i]` at x_i, y_j.
    pub cells: Vec<Cell>,
    /// The lowest known minimum's value, which steps-to measures from (and a colour scale of
    /// final losses can be taken relative to).
    pub known_minimum: Option<f64>,
    /// The run's own values of the x and y knobs (marked on the map).
    pub current: (f64, Option<f64>),
    /// The theory to draw over the map, where it applies ([`overlay`]).
    pub overlay: Option<Overlay>,
}

impl SweepMap {
    /// Columns and rows.
    #[must_use]
    pub fn size(&self) -> (usize, usize) {
        (self.x.cells, self.y.as_ref().map_or(1, |y| y.cells))
    }

    /// Cell (i, j).
    #[must_use]
    pub fn cell(&self, i: usize, j: usize) -> Option<Cell> {
        (i < self.x.cells)
            .then(|| self.cells.get(j * self.x.cells + i).copied())
            .flatten()
    }

    /// The y value of row j (0 for a 1-D sweep).
    #[must_use]
    pub fn y_value(&self, j: usize) -> f64 {
        self.y.as_ref().map_or(0.0, |y| y.value(j))
    }
}

/// A map computed progressively: a coarse subset of cells first, then finer ones, in slices.
#[derive(Debug)]
pub struct SweepJob {
    spec: SweepSpec,
    bounds: DivergenceBox,
    f_star: Option<f64>,
    /// Cell indices in the order they are computed (coarse passes first).
    order: Vec<usize>,
    /// Cells of `order` computed so far.
    next: usize,
    cells: Vec<Option<Cell>>,
    /// The stride of the first pass.
    coarsest: usize,
}

impl SweepJob {
    /// Checks the axes' knobs and every cell's configuration; nothing is stepped yet.
    pub fn new(spec: SweepSpec) -> Result<Self, SweepError> {
        spec.validate()?;
        let (nx, ny) = spec.size();
        let coarsest = coarsest_stride(nx.max(ny));
        let order = progressive_order(nx, ny, coarsest);
        Ok(Self {
            bounds: DivergenceBox::around(&spec.view),
            f_star: known_minimum(&spec.objective, &spec.view),
            order,
            next: 0,
            cells: vec![None; nx * ny],
            coarsest,
            spec,
        })
    }

    /// What is being computed.
    #[must_use]
    pub fn spec(&self) -> &SweepSpec {
        &self.spec
    }

    /// Cells computed and cells in all.
    #[must_use]
    pub fn progress(&self) -> (usize, usize) {
        (self.next, self.order.len())
    }

    /// True when every cell is computed.
    #[must_use]
    pub fn is_done(&self) -> bool {
        self.next >= self.order.len()
    }

    /// Cell `index` (row-major), computed from nothing but the spec.
    fn compute_cell(&self, index: usize) -> Cell {
        let nx = self.spec.x.cells;
        match self.spec.config(index % nx, index / nx) {
            Ok(config) => measure(&self.spec, &self.bounds, self.f_star, config),
            // Not reached: the names were checked when the job was made.
            Err(_) => Cell::Failed { step: 0 },
        }
    }

    /// Computes the next `count` cells of the order, on rayon's pool when they are worth
    /// sharing; the same cells on any number of threads.
    fn compute_next(&mut self, count: usize) {
        let end = (self.next + count).min(self.order.len());
        let batch = &self.order[self.next..end];
        let per_task = STEPS_WORTH_SHARING.div_ceil(self.spec.steps.max(1)).max(1);
        let results: Vec<Cell> = if batch.len() > per_task {
            batch
                .par_iter()
                .with_min_len(per_task)
                .map(|&i| self.compute_cell(i))
                .collect()
        } else {
            batch.iter().map(|&i| self.compute_cell(i)).collect()
        };
        for (&i, cell) in batch.iter().zip(results) {
            self.cells[i] = Some(cell);
        }
        self.next = end;
    }

    /// Computes up to `max_cells` more cells (coarse passes first); true when all are done.
    pub fn advance(&mut self, max_cells: usize) -> bool {
        self.compute_next(max_cells);
        self.is_done()
    }

    /// Computes cells until `deadline` has passed (at least one batch of a cell per thread),
    /// so the app can spread a map over frames; true when all are done.
    pub fn advance_within(&mut self, deadline: &dyn Deadline) -> bool {
        let batch = rayon::current_num_threads().max(1);
        while !self.is_done() {
            self.compute_next(batch);
            if deadline.passed() {
                break;
            }
        }
        self.is_done()
    }

    /// Cell (i, j) if computed.
    #[must_use]
    pub fn cell(&self, i: usize, j: usize) -> Option<Cell> {
        if i >= self.spec.x.cells {
            return None;
        }
        self.cells.get(j * self.spec.x.cells + i).copied().flatten()
    }

    /// Every cell so far, a cell not yet computed standing in for by the nearest computed
    /// cell of a coarser pass below and left of it (what the app shows while it refines);
    /// `None` before the first pass has reached it.
    #[must_use]
    pub fn preview(&self) -> Vec<Option<Cell>> {
        let (nx, ny) = self.spec.size();
        let mut out = Vec::with_capacity(nx * ny);
        for j in 0..ny {
            for i in 0..nx {
                let mut s = 1;
                let mut found = None;
                while s <= self.coarsest && found.is_none() {
                    found = self.cell(i - i % s, j - j % s);
                    s *= 2;
                }
                out.push(found);
            }
        }
        out
    }

    /// The map, once every cell is computed.
    #[must_use]
    pub fn map(&self) -> Option<SweepMap> {
        let cells: Option<Vec<Cell>> = self.cells.iter().copied().collect();
        Some(self.map_of(cells?))
    }

    /// The map with every cell not computed yet shown by its [`SweepJob::preview`] stand-in,
    /// once the first pass has reached every cell (what the app draws while it refines).
    #[must_use]
    pub fn preview_map(&self) -> Option<SweepMap> {
        let cells: Option<Vec<Cell>> = self.preview().into_iter().collect();
        Some(self.map_of(cells?))
    }

    /// A map of these cells with the job's axes, metric, run values and overlay.
    fn map_of(&self, cells: Vec<Cell>) -> SweepMap {
        let spec = &self.spec;
        let current = (
            knob_value(&spec.base.optimizer, &spec.x.knob).unwrap_or(f64::NAN),
            spec.y
                .as_ref()
                .and_then(|y| knob_value(&spec.base.optimizer, &y.knob)),
        );
        SweepMap {
            x: spec.x.clone(),
            y: spec.y.clone(),
            metric: spec.metric,
            steps: spec.steps,
            cells,
            known_minimum: self.f_star,
            current,
            overlay: overlay(&spec.objective, &spec.base, &spec.x, spec.y.as_ref()),
        }
    }
}

/// The stride of the first pass for a map whose longer side has `side` cells: at most
/// [`COARSEST_STRIDE`], and at least 4 cells along that side in the first pass.
fn coarsest_stride(side: usize) -> usize {
    let mut s = 1;
    while s * 2 <= COARSEST_STRIDE && s * 2 * 4 <= side {
        s *= 2;
    }
    s
}

/// The cells row by row at stride `coarsest`, then those new at half that stride, ..., down
/// to stride 1.
fn progressive_order(nx: usize, ny: usize, coarsest: usize) -> Vec<usize> {
    let mut order = Vec::with_capacity(nx * ny);
    let mut s = coarsest;
    loop {
        let coarser = 2 * s;
        for j in (0..ny).step_by(s) {
            for i in (0..nx).step_by(s) {
                let done_before = s < coarsest && i % coarser == 0 && j % coarser == 0;
                if !done_before {
                    order.push(j * nx + i);
                }
            }
        }
        if s == 1 {
            break;
        }
        s /= 2;
    }
    order
}

/// The whole map at once, on rayon's pool (the cells do not depend on the number of threads).
pub fn compute(spec: SweepSpec) -> Result<SweepMap, SweepError> {
    let mut job = SweepJob::new(spec)?;
    job.advance(usize::MAX);
    // Every cell is computed by the call above.
    job.map().ok_or(SweepError::NoSteps)
}

/// What an overlay line is.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum OverlayKind {
    /// The stability edge: beyond it the method diverges on the quadratic.
    Edge,
    /// The optimal learning rate (GD's a* = 2 / (l_min + l_max)).
    OptimalLr,
    /// A line of equal heavy-ball rate (its value).
    IsoRate(f64),
}

/// Where an overlay line lies, in the map's coordinates (knob values, not cell indices).
#[derive(Clone, Debug, PartialEq)]
pub enum OverlayShape {
    /// A vertical line x = value across the map.
    AtX(f64),
    /// A horizontal line y = value across the map.
    AtY(f64),
    /// A polyline of (x, y) points (it may leave the map: a renderer clips it).
    Path(Vec<[f64; 2]>),
}

/// A line of the theory overlay.
#[derive(Clone, Debug, PartialEq)]
pub struct OverlayLine {
    /// What it is.
    pub kind: OverlayKind,
    /// Its label, e.g. "2(1 + b)/l_max" or "a* = 2/(l_min + l_max) = 1.98".
    pub label: String,
    /// Where it is.
    pub shape: OverlayShape,
}

/// A point of the theory overlay (the heavy ball's optimum).
#[derive(Clone, Debug, PartialEq)]
pub struct OverlayPoint {
    /// Its label.
    pub label: String,
    /// (x, y) in the map's coordinates.
    pub at: [f64; 2],
}

/// The quadratic theory drawn over a map of GD or the heavy ball.
#[derive(Clone, Debug, PartialEq)]
pub struct Overlay {
    /// The quadratic's Hessian eigenvalues (l_min, l_max).
    pub eigenvalues: [f64; 2],
    /// Edges, optimal steps, iso-rate lines.
    pub lines: Vec<OverlayLine>,
    /// Optima.
    pub points: Vec<OverlayPoint>,
}

/// Points along the heavy ball's edge over the momentum axis (a curve on a log lr axis).
const EDGE_POINTS: usize = 65;
/// The largest momentum the edge is drawn to (the heavy ball converges for no step at b = 1).
const HEAVY_BALL_B_MAX: f64 = 0.999;
/// Nodes per side of the heavy-ball rate map the iso-rate lines are traced on.
const ISO_RATE_NODES: usize = 129;

/// The theory of `theory::rates` for a map of `base` over `x` (and `y`): only on a quadratic,
/// for plain GD or heavy-ball SGD (no dampening, Nesterov, weight decay or maximize) with a
/// constant learning rate and momentum, no clipping, no projection and exact gradients, when
/// the axes sweep `lr` and at most `momentum` besides. `None` otherwise.
///
/// With momentum on an axis: the edge a = 2 (1 + b) / l_max as a path over the momentum
/// axis, the heavy ball's optimum (a*, b*), GD's a* at b = 0 and the iso-rate lines of
/// `theory::HeavyBallMap`. With lr alone: the edge at the run's momentum b, and GD's a* when
/// b = 0, as lines across the map.
#[must_use]
pub fn overlay(
    objective: &AnyObjective,
    base: &RunConfig,
    x: &Axis,
    y: Option<&Axis>,
) -> Option<Overlay> {
    let q = objective.as_quadratic()?;
    let plain = base.schedule == Schedule::Constant
        && base.momentum_schedule == MomentumSchedule::Constant
        && base.clip == super::run::Clip::None
        && base.domain.is_none()
        && base.noise.kind == super::noise::NoiseKind::None
        // The quadratic theory is for the plain update: weight decay shifts every curvature.
        && !matches!(&base.optimizer, OptimizerSpec::SGD(p) if p.weight_decay != 0.0 || p.maximize);
    let (_, b) = theory::heavy_ball_params(&base.optimizer)?;
    let spectrum = Spectrum::of_quadratic(q);
    let (l_min, l_max) = (spectrum.l_min(), spectrum.l_max());
    theory::divergence_edge(&base.optimizer, l_max)?;
    if !plain || l_min.is_nan() || l_min <= 0.0 {
        return None;
    }
    let knobs: Vec<&str> = std::iter::once(x.knob.as_str())
        .chain(y.map(|a| a.knob.as_str()))
        .collect();
    if !knobs.contains(&LR) || knobs.iter().any(|k| !matches!(*k, LR | "momentum")) {
        return None;
    }
    let lr_on_x = x.knob == LR;
    // (lr, momentum) to (x, y).
    let place = |a: f64, b: f64| if lr_on_x { [a, b] } else { [b, a] };
    let mut lines = Vec::new();
    let mut points = Vec::new();
    let a_star_gd = theory::gd_optimal_step(l_min, l_max);
    let momentum_axis = if lr_on_x {
        y.filter(|a| a.knob == "momentum")
    } else {
        Some(x)
    };
    if let Some(m) = momentum_axis {
        // The edge 2 (1 + b) / l_max holds for 0 <= b < 1; from b = 1 on nothing converges.
        let (b0, b1) = (m.from.max(0.0), m.to.min(HEAVY_BALL_B_MAX));
        let edge = (0..EDGE_POINTS)
            .filter(|_| b0 < b1)
            .map(|k| {
                let b = b0 + (b1 - b0) * k as f64 / (EDGE_POINTS - 1) as f64;
                place(theory::heavy_ball_divergence_step(b, l_max), b)
            })
            .collect();
        lines.push(OverlayLine {
            kind: OverlayKind::Edge,
            label: "edge a = 2(1 + b)/l_max".to_owned(),
            shape: OverlayShape::Path(edge),
        });
        if let Some(map) = HeavyBallMap::new(&spectrum, [ISO_RATE_NODES, ISO_RATE_NODES]) {
            for iso in map.iso_rates {
                lines.push(OverlayLine {
                    kind: OverlayKind::IsoRate(iso.rate),
                    label: format!("rate {:.3}", iso.rate),
                    shape: OverlayShape::Path(
                        iso.points.iter().map(|p| place(p[0], p[1])).collect(),
                    ),
                });
            }
        }
        let (a, b) = theory::heavy_ball_optimal(l_min, l_max);
        points.push(OverlayPoint {
            label: format!("(a*, b*) = ({}, {})", round3(a), round3(b)),
            at: place(a, b),
        });
        points.push(OverlayPoint {
            label: format!("GD a* = {}", round3(a_star_gd)),
            at: place(a_star_gd, 0.0),
        });
    } else {
        let at = |v: f64| {
            if lr_on_x {
                OverlayShape::AtX(v)
            } else {
                OverlayShape::AtY(v)
            }
        };
        lines.push(OverlayLine {
            kind: OverlayKind::Edge,
            label: if b == 0.0 {
                format!(
                    "edge 2/l_max = {}",
                    round3(theory::gd_divergence_step(l_max))
                )
            } else {
                format!(
                    "edge 2(1 + b)/l_max = {}",
                    round3(theory::heavy_ball_divergence_step(b, l_max))
                )
            },
            shape: at(theory::heavy_ball_divergence_step(b, l_max)),
        });
        if b == 0.0 {
            lines.push(OverlayLine {
                kind: OverlayKind::OptimalLr,
                label: format!("a* = 2/(l_min + l_max) = {}", round3(a_star_gd)),
                shape: at(a_star_gd),
            });
        }
    }
    Some(Overlay {
        eigenvalues: [l_min, l_max],
        lines,
        points,
    })
}

/// Four significant digits for a label.
fn round3(v: f64) -> String {
    short(format!("{v:.3e}").parse().unwrap_or(v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::Vec2;
    use crate::numerics::noise::NoiseSpec;
    use crate::numerics::objectives::{
        Objective, ObjectiveSpec, QuadraticParams, RosenbrockParams,
    };
    use crate::numerics::optimizers::{AdamParams, GdParams, SgdParams};
    use crate::numerics::run::{Averaging, Clip};

    fn quadratic(kappa: f64) -> AnyObjective {
        ObjectiveSpec::Quadratic(QuadraticParams {
            kappa,
            ..QuadraticParams::default()
        })
        .build()
        .unwrap()
    }

    fn config(optimizer: OptimizerSpec) -> RunConfig {
        RunConfig {
            optimizer,
            start: Vec2::new(2.0, 1.5),
            schedule: Schedule::Constant,
            momentum_schedule: MomentumSchedule::Constant,
            clip: Clip::None,
            averaging: Averaging::Off,
            noise: NoiseSpec::default(),
            examples: 1,
            domain: None,
        }
    }

    fn spec(
        objective: AnyObjective,
        optimizer: OptimizerSpec,
        x: &str,
        y: Option<&str>,
        metric: Metric,
        steps: usize,
    ) -> SweepSpec {
        SweepSpec {
            objective,
            view: ViewRect::around(Vec2::zeros(), 2.5),
            base: config(optimizer),
            x: Axis::parse(x).unwrap(),
            y: y.map(|y| Axis::parse(y).unwrap()),
            metric,
            steps,
        }
    }

    fn sgd(lr: f64, momentum: f64) -> OptimizerSpec {
        OptimizerSpec::SGD(SgdParams {
            lr,
            momentum,
            ..SgdParams::default()
        })
    }

    #[test]
    fn axes_parse_and_space_their_values() {
        let a = Axis::parse("lr:1e-4..10:log:64").unwrap();
        assert_eq!(
            (a.knob.as_str(), a.from, a.to, a.scale, a.cells),
            ("lr", 1e-4, 10.0, AxisScale::Log, 64)
        );
        assert_eq!(a.value(0), 1e-4);
        assert_eq!(a.value(63), 10.0);
        let ratio = a.value(2) / a.value(1);
        assert!((ratio - a.value(1) / a.value(0)).abs() < 1e-12);
        let m = Axis::parse("momentum:0..0.99:12").unwrap();
        assert_eq!(m.scale, AxisScale::Linear);
        assert_eq!(m.values().len(), 12);
        assert!((m.value(1) - 0.09).abs() < 1e-15);
        assert_eq!(m.value(11), 0.99);
        assert_eq!(
            Axis::parse(" beta2 : 0.5..0.999 : lin : 3 ").unwrap().cells,
            3
        );
        assert_eq!(Axis::parse("x:-1..1:1").unwrap().values(), vec![-1.0]);
        assert_eq!(a.to_string(), "lr:1e-4..10:log:64");
    }

    #[test]
    fn bad_axes_say_what_is_wrong_and_what_would_do() {
        for (text, says) in [
            ("lr", "1 part(s)"),
            ("lr:1..2", "2 part(s)"),
            ("lr:1-2:8", "no '..'"),
            ("lr:a..2:8", "from \"a\" is not a finite number"),
            ("lr:1..inf:8", "to \"inf\" is not a finite number"),
            ("lr:2..1:8", "must be below to"),
            ("lr:0..1:log:8", "positive ends"),
            ("lr:1..2:cubic:8", "neither log nor lin"),
            ("lr:1..2:0", "whole number from 1 to 1024"),
            ("lr:1..2:2000", "whole number from 1 to 1024"),
            ("lr:1..2:x", "whole number"),
            ("lr:1..2:log", "number of cells N is missing after :log"),
            (":1..2:4", "name is missing"),
            ("a:b:c:d:e", "5 part(s)"),
        ] {
            let e = Axis::parse(text).unwrap_err().to_string();
            assert!(e.contains(says), "{text}: {e}");
            assert!(e.contains("lr:1e-4..10:log:64"), "{e}");
        }
        assert_eq!(Metric::parse("final-loss").unwrap(), Metric::FinalLoss);
        assert_eq!(
            Metric::parse("steps-to:1e-6").unwrap(),
            Metric::StepsTo { tol: 1e-6 }
        );
        for bad in ["steps-to:-1", "steps-to:", "loss", "steps-to:nan"] {
            assert!(Metric::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn knobs_are_set_by_name_through_the_editor_s_visitor() {
        let mut o = sgd(0.1, 0.0);
        set_knob(&mut o, "momentum", 0.9).unwrap();
        set_knob(&mut o, "lr", 0.3).unwrap();
        set_knob(&mut o, "weight_decay", 1e-3).unwrap();
        assert_eq!(
            o,
            OptimizerSpec::SGD(SgdParams {
                lr: 0.3,
                momentum: 0.9,
                weight_decay: 1e-3,
                ..SgdParams::default()
            })
        );
        assert_eq!(knob_value(&o, "momentum"), Some(0.9));
        let mut adam = OptimizerSpec::Adam(AdamParams::default());
        set_knob(&mut adam, "beta2", 0.9).unwrap();
        set_knob(&mut adam, "eps", 1e-3).unwrap();
        let OptimizerSpec::Adam(p) = &adam else {
            unreachable!()
        };
        assert_eq!((p.betas, p.eps), ((0.9, 0.9), 1e-3));
        assert_eq!(knob_names(&adam)[..4], ["lr", "beta1", "beta2", "eps"]);

        let e = set_knob(&mut adam, "momentum", 0.5)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("Adam has no knob \"momentum\"; its knobs are lr, beta1, beta2, eps"),
            "{e}"
        );
        let e = set_knob(&mut adam, "amsgrad", 1.0).unwrap_err().to_string();
        assert!(e.contains("an on/off knob"), "{e}");
        // GD has the learning rate only.
        let mut gd = OptimizerSpec::GD(GdParams { lr: 0.1 });
        assert!(
            set_knob(&mut gd, "momentum", 0.5)
                .unwrap_err()
                .to_string()
                .ends_with("its knobs are lr")
        );
        // Every optimizer's every real knob can be set and read back.
        for mut o in OptimizerSpec::all_defaults() {
            for name in knob_names(&o) {
                let v = knob_value(&o, name).unwrap();
                set_knob(&mut o, name, v).unwrap();
                assert_eq!(knob_value(&o, name), Some(v), "{} {name}", o.name());
            }
        }
    }

    #[test]
    fn invalid_cells_and_unknown_knobs_are_errors_before_anything_runs() {
        let s = spec(
            quadratic(10.0),
            OptimizerSpec::Adam(AdamParams::default()),
            "lr:0.01..1:log:4",
            Some("beta2:0.5..1.5:3"),
            Metric::FinalLoss,
            10,
        );
        let e = SweepJob::new(s).unwrap_err().to_string();
        assert!(
            e.starts_with("at lr = 0.01, beta2 = 1: optimizer.betas.1: must be in [0, 1)"),
            "{e}"
        );
        let s = spec(
            quadratic(10.0),
            sgd(0.1, 0.0),
            "lr:0.01..1:log:4",
            Some("beta2:0.5..0.9:3"),
            Metric::FinalLoss,
            10,
        );
        assert!(matches!(
            SweepJob::new(s),
            Err(SweepError::UnknownKnob { .. })
        ));
        let s = spec(
            quadratic(10.0),
            sgd(0.1, 0.0),
            "lr:0.01..1:log:4",
            Some("lr:0.5..0.9:3"),
            Metric::FinalLoss,
            10,
        );
        assert!(matches!(SweepJob::new(s), Err(SweepError::SameKnob(_))));
    }

    #[test]
    fn gd_diverges_exactly_beyond_two_over_l_max() {
        // kappa = 10, l_max = 1: GD's edge is 2; |1 - a l| stays >= 1.2 or <= 0.8 away from it.
        let s = spec(
            quadratic(10.0),
            OptimizerSpec::GD(GdParams { lr: 0.5 }),
            "lr:0.01..10:log:25",
            None,
            Metric::FinalLoss,
            1000,
        );
        let map = compute(s).unwrap();
        let edge = theory::gd_divergence_step(1.0);
        let start_loss = quadratic(10.0).value_and_gradient(Vec2::new(2.0, 1.5)).0;
        for (i, cell) in map.cells.iter().enumerate() {
            let a = map.x.value(i);
            if a > edge {
                assert!(matches!(cell, Cell::Diverged { .. }), "lr {a}: {cell:?}");
            } else {
                let v = cell.value().unwrap_or_else(|| panic!("lr {a}: {cell:?}"));
                assert!(v < start_loss, "lr {a}: {v}");
            }
        }
        let overlay = map.overlay.unwrap();
        let [l_min, l_max] = overlay.eigenvalues;
        assert!((l_min - 0.1).abs() < 1e-15 && (l_max - 1.0).abs() < 1e-15);
        assert_eq!(
            overlay.lines[0].shape,
            OverlayShape::AtX(theory::gd_divergence_step(l_max))
        );
        assert_eq!(
            overlay.lines[1].shape,
            OverlayShape::AtX(theory::gd_optimal_step(l_min, l_max))
        );
        assert_eq!(map.current, (0.5, None));
    }

    #[test]
    fn the_heavy_ball_s_measured_map_agrees_with_its_stability_edge() {
        let s = spec(
            quadratic(10.0),
            sgd(0.5, 0.5),
            "lr:0.05..10:log:24",
            Some("momentum:0..0.95:12"),
            Metric::FinalLoss,
            1000,
        );
        let map = compute(s).unwrap();
        let (nx, ny) = map.size();
        let mut checked = 0;
        for j in 0..ny {
            for i in 0..nx {
                let (a, b) = (map.x.value(i), map.y_value(j));
                let edge = theory::heavy_ball_divergence_step(b, 1.0);
                let cell = map.cell(i, j).unwrap();
                // Near the edge the rate is close to 1 and 1000 steps decide neither way.
                if a > 1.1 * edge {
                    assert!(matches!(cell, Cell::Diverged { .. }), "{a} {b}: {cell:?}");
                    checked += 1;
                } else if a < 0.9 * edge {
                    assert!(cell.value().is_some(), "{a} {b}: {cell:?}");
                    checked += 1;
                }
            }
        }
        assert!(checked > nx * ny * 3 / 4);
        let overlay = map.overlay.unwrap();
        let [l_min, l_max] = overlay.eigenvalues;
        let (a, b) = theory::heavy_ball_optimal(l_min, l_max);
        assert_eq!(overlay.points[0].at, [a, b]);
        let OverlayShape::Path(edge) = &overlay.lines[0].shape else {
            panic!("{overlay:?}")
        };
        assert_eq!(edge[0], [theory::gd_divergence_step(l_max), 0.0]);
        assert_eq!(
            *edge.last().unwrap(),
            [theory::heavy_ball_divergence_step(0.95, l_max), 0.95]
        );
        assert!(
            overlay
                .lines
                .iter()
                .any(|l| matches!(l.kind, OverlayKind::IsoRate(_)))
        );
    }

    #[test]
    fn no_theory_is_drawn_for_weight_decay_which_shifts_the_curvatures() {
        let x = Axis::parse("lr:0.05..10:log:8").unwrap();
        let y = Axis::parse("momentum:0..0.9:4").unwrap();
        let mut base = spec(
            quadratic(10.0),
            sgd(0.5, 0.5),
            "lr:0.05..10:log:8",
            None,
            Metric::FinalLoss,
            10,
        )
        .base;
        assert!(overlay(&quadratic(10.0), &base, &x, Some(&y)).is_some());
        base.optimizer = OptimizerSpec::SGD(SgdParams {
            lr: 0.5,
            momentum: 0.5,
            weight_decay: 0.1,
            ..SgdParams::default()
        });
        assert!(overlay(&quadratic(10.0), &base, &x, Some(&y)).is_none());
    }

    #[test]
    fn a_cell_is_the_run_the_app_steps_to_the_bit() {
        let f = ObjectiveSpec::Rosenbrock(RosenbrockParams::default())
            .build()
            .unwrap();
        let s = SweepSpec {
            base: RunConfig {
                noise: NoiseSpec {
                    kind: crate::numerics::noise::NoiseKind::Gaussian { sigma: 0.3 },
                    seed: 5,
                },
                ..config(sgd(1e-3, 0.5))
            },
            ..spec(
                f.clone(),
                sgd(1e-3, 0.5),
                "lr:1e-4..2e-3:log:5",
                Some("momentum:0..0.9:3"),
                Metric::FinalLoss,
                700,
            )
        };
        let map = compute(s.clone()).unwrap();
        let bounds = DivergenceBox::around(&s.view);
        for j in 0..3 {
            for i in 0..5 {
                let mut run = Run::new(s.config(i, j).unwrap(), &f, 1 << 10, 1e-9).unwrap();
                run.advance(&f, &bounds, 700);
                let expected = match run.status() {
                    RunStatus::Running => Cell::Value(run.trajectory().latest().unwrap().loss),
                    RunStatus::Stopped { step, .. } => Cell::Diverged { step: *step },
                };
                assert_eq!(run.steps_done() == 700, expected.value().is_some());
                assert_eq!(map.cell(i, j), Some(expected), "cell ({i}, {j})");
            }
        }
    }

    #[test]
    fn steps_to_a_tolerance_is_the_first_step_below_it() {
        let f = quadratic(10.0);
        let s = spec(
            f.clone(),
            OptimizerSpec::GD(GdParams { lr: 0.5 }),
            "lr:0.001..3:log:13",
            None,
            Metric::StepsTo { tol: 1e-6 },
            400,
        );
        let map = compute(s.clone()).unwrap();
        assert_eq!(map.known_minimum, Some(0.0));
        assert_eq!(map.cells[0], Cell::NotReached, "lr 0.001 is too slow");
        assert!(matches!(map.cells[12], Cell::Diverged { .. }));
        let bounds = DivergenceBox::around(&s.view);
        for (i, cell) in map.cells.iter().enumerate() {
            let Cell::Value(k) = cell else { continue };
            #[allow(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "a step count"
            )]
            let k = *k as usize;
            let mut run = Run::new(s.config(i, 0).unwrap(), &f, 1 << 12, 1e-9).unwrap();
            run.advance(&f, &bounds, k);
            let losses = run.trajectory().losses();
            assert!(losses[k] <= 1e-6 && (k == 0 || losses[k - 1] > 1e-6));
        }
    }

    #[test]
    fn progressive_passes_and_threads_give_the_one_shot_map() {
        struct Passed;
        impl Deadline for Passed {
            fn passed(&self) -> bool {
                true
            }
        }
        let s = spec(
            ObjectiveSpec::Rosenbrock(RosenbrockParams::default())
                .build()
                .unwrap(),
            sgd(1e-3, 0.5),
            "lr:1e-4..1e-2:log:19",
            Some("momentum:0..0.99:10"),
            Metric::FinalLoss,
            300,
        );
        let one_shot = compute(s.clone()).unwrap();
        let mut job = SweepJob::new(s.clone()).unwrap();
        assert!(job.preview().iter().all(Option::is_none));
        let first_pass = 19usize.div_ceil(job.coarsest) * 10usize.div_ceil(job.coarsest);
        job.advance(first_pass);
        assert!(
            job.preview().iter().all(Option::is_some),
            "the coarse pass covers the map"
        );
        while !job.advance(7) {}
        assert_eq!(job.map().unwrap(), one_shot);
        assert_eq!(job.progress(), (190, 190));
        for threads in [1, 2, 3] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            assert_eq!(pool.install(|| compute(s.clone())).unwrap(), one_shot);
        }
        // Under a deadline that has always passed, every call still moves on.
        let mut job = SweepJob::new(s).unwrap();
        let mut calls = 0;
        while !job.advance_within(&Passed) {
            calls += 1;
        }
        assert!(calls >= 190 / rayon::current_num_threads() - 1);
        assert_eq!(job.map().unwrap(), one_shot);
        assert!(
            one_shot.overlay.is_none(),
            "no quadratic theory on Rosenbrock"
        );
    }

    #[test]
    fn the_progressive_order_visits_every_cell_once_coarse_first() {
        for (nx, ny) in [(64, 64), (1, 1), (5, 1), (17, 3), (100, 9)] {
            let c = coarsest_stride(nx.max(ny));
            let order = progressive_order(nx, ny, c);
            let mut seen = order.clone();
            seen.sort_unstable();
            assert_eq!(seen, (0..nx * ny).collect::<Vec<_>>(), "{nx}x{ny}");
            assert_eq!(order[0], 0);
        }
        assert_eq!(coarsest_stride(64), 8);
        assert_eq!(coarsest_stride(16), 4);
        assert_eq!(coarsest_stride(3), 1);
    }
}
