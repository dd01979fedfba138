//! Scenarios: what a preset file describes, parsed from RON and validated.
//!
//! Parse, then validate: [`ScenarioSpec`] is the document as written (serde, every field
//! optional with a documented default); [`Scenario::from_spec`] checks every value and builds
//! the objective and runs. Errors carry the source name, line:column and field path, e.g.
//! `lecture.ron:12:31: runs[1].optimizer.lr: must be > 0, got -0.1`.
//! The format is documented in docs/presets.md.

pub mod builtin;
pub mod link;
pub mod locate;
pub mod mlp;
pub mod palette;
pub mod workloads;

use crate::numerics::noise::{NoiseKind, NoiseSpec};
use crate::numerics::objectives::{AnyObjective, Landmarks, ObjectiveSpec, ViewRect};
use crate::numerics::optimizers::OptimizerSpec;
use crate::numerics::run::{Averaging, Clip, RunConfig, Simulation};
use crate::numerics::schedule::{MomentumSchedule, Schedule};
use crate::numerics::{ParamError, Vec2};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Most runs a scenario may have.
pub const MAX_RUNS: usize = 16;
/// Largest step budget.
pub const MAX_STEPS: usize = 10_000_000;
/// Longest scenario name, in characters (a title on one line).
pub const MAX_NAME_CHARS: usize = 200;
/// Longest description, in characters (a few sentences for the audience).
pub const MAX_DESCRIPTION_CHARS: usize = 2000;
/// Longest run label, in characters (a legend entry).
pub const MAX_LABEL_CHARS: usize = 100;

/// An error when `text` is longer than `max` characters: text fields are drawn, measured and
/// fitted into figures, so their length is bounded like every count.
pub(crate) fn check_text(field: &str, text: &str, max: usize) -> Option<ParamError> {
    // Bytes bound characters from above: count only when it could matter.
    (text.len() > max && text.chars().count() > max).then(|| {
        ParamError::new(
            field,
            format!("at most {max} characters, got {}", text.chars().count()),
        )
    })
}

/// Fastest playback of a 2-D scenario, in steps per second.
pub const MAX_SPEED: f64 = 10_000.0;

/// A scenario as written in a preset file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScenarioSpec {
    /// Title shown in the app and on exported figures.
    pub name: String,
    /// A sentence or two for the audience.
    pub description: String,
    /// The function being minimised.
    pub objective: ObjectiveSpec,
    /// Plot rectangle; the objective's default view when omitted.
    pub view: Option<ViewRect>,
    /// Gradient noise shared by all runs.
    pub noise: NoiseSpec,
    /// The optimizers racing.
    pub runs: Vec<RunSpec>,
    /// Step budget: how far runs go.
    pub steps: usize,
    /// Playback speed in steps per second.
    pub speed: f64,
    /// The look of the app and of exported figures (default: the viewer's own choice in the
    /// app, [`Theme::Light`] for `optiviz render`).
    pub theme: Option<Theme>,
    /// Focus mode: when set, the app shows only these controls and panels beside the contour
    /// view, so students see only what the slide is about (View > Show everything undoes it).
    pub focus: Option<Vec<Element>>,
    /// Draw only the last this many steps of each path (the noise ball a run is in now,
    /// rather than everything it crossed); the whole path when omitted.
    pub trail: Option<usize>,
    /// How the loss plot is drawn: its x axis (steps or gradient evaluations, linear or
    /// logarithmic) and the rate references over it.
    pub loss_plot: LossPlot,
    /// A box domain: after every update each run's iterate is projected onto it (each
    /// coordinate clamped), as projected online gradient methods do; every start must lie in
    /// it. The whole plane when omitted.
    pub domain: Option<ViewRect>,
}

/// What the loss plot's x axis counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum LossX {
    /// Optimizer steps k.
    #[default]
    Steps,
    /// Per-example gradient evaluations spent (the cost: B per minibatch step, N for an exact
    /// gradient of a finite sum, every line-search trial counted).
    Evaluations,
}

/// What the loss plot draws up its y axis.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum LossY {
    /// The loss above the known minimum, on a log scale.
    #[default]
    Loss,
    /// The sharpness: the largest Hessian eigenvalue at the run's point (for Adam, AdamW and
    /// RMSprop that of P^-1 H, their preconditioned Hessian), each run's edge of stability
    /// dashed in its colour (2 / lr for gradient descent).
    Sharpness,
}

/// The loss plot's axes and references (View menu), stored in the preset.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LossPlot {
    /// Steps or gradient evaluations along x.
    pub x: LossX,
    /// The loss or the sharpness up the y axis.
    pub y: LossY,
    /// A logarithmic x axis (with the log y axis: a log-log plot, where k^-p is a line of
    /// slope -p).
    pub log_x: bool,
    /// Reference curves C/k and C/k^2 through the selected run, and, where L is known and the
    /// objective convex, the course's bounds for GD and Nesterov and the lower bound.
    pub references: bool,
}

/// How the app and figures look.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Theme {
    /// Dark background (the app's default on screen).
    #[default]
    Dark,
    /// White background, as on paper.
    Light,
    /// For projectors: white background, large fonts, thick lines, high-contrast colour-blind-safe
    /// palette.
    Projector,
}

impl Theme {
    /// Every theme, in menu order.
    pub const ALL: [Self; 3] = [Self::Dark, Self::Light, Self::Projector];

    /// The name used in presets and on the command line.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Dark => "dark",
            Self::Light => "light",
            Self::Projector => "projector",
        }
    }
}

/// A control or panel that focus mode can keep visible. The contour view is always shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Element {
    /// Play / Pause / Step / Reset, the speed and the timeline.
    Playback,
    /// The scenario's name, description and step budget.
    Scenario,
    /// The objective and its parameters (kappa, angle, ...).
    Objective,
    /// Gradient noise.
    Noise,
    /// The full run editor (every hyperparameter of every run).
    Runs,
    /// Only each run's learning-rate slider.
    LearningRate,
    /// Only each run's momentum slider (for optimizers that have one).
    Momentum,
    /// The loss-against-step plot.
    Loss,
    /// The theory panel (spectrum, rate curves).
    Theory,
    /// The legend of runs on the contour view.
    Legend,
}

impl Element {
    /// Every element, in the order the docs list them.
    pub const ALL: [Self; 10] = [
        Self::Playback,
        Self::Scenario,
        Self::Objective,
        Self::Noise,
        Self::Runs,
        Self::LearningRate,
        Self::Momentum,
        Self::Loss,
        Self::Theory,
        Self::Legend,
    ];
}

impl Default for ScenarioSpec {
    fn default() -> Self {
        Self {
            name: "Untitled scenario".to_owned(),
            description: String::new(),
            objective: ObjectiveSpec::default(),
            view: None,
            noise: NoiseSpec::default(),
            runs: Vec::new(),
            steps: 500,
            speed: 30.0,
            theme: None,
            focus: None,
            trail: None,
            loss_plot: LossPlot::default(),
            domain: None,
        }
    }
}

/// One optimizer run as written in a preset.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RunSpec {
    /// Legend label (default: the optimizer's name).
    pub label: String,
    /// Optimizer and hyperparameters (torch.optim's names and defaults).
    pub optimizer: OptimizerSpec,
    /// Start point (default: the objective's).
    pub start: Option<(f64, f64)>,
    /// Colour as "#rrggbb" (default: the next colour of the colour-blind-safe palette).
    pub color: Option<String>,
    /// Disabled runs stay in the file but do not step.
    pub enabled: bool,
    /// Learning-rate schedule.
    pub schedule: Schedule,
    /// Momentum schedule: a warm-up to the optimizer's momentum (SGD with momentum, NAG with a
    /// constant momentum).
    pub momentum_schedule: MomentumSchedule,
    /// Gradient clipping.
    pub clip: Clip,
    /// Iterate averaging.
    pub averaging: Averaging,
    /// False: this run ignores the scenario's noise and sees exact gradients.
    pub noisy: bool,
    /// With minibatch noise: this run's batch size (default: the scenario's). Batches of
    /// different sizes at one step are nested, so the comparison stays fair.
    pub batch_size: Option<usize>,
    /// With minibatch noise: this run draws B fresh copies every step (an infinite stream of
    /// data) instead of B of the scenario's N fixed ones.
    pub stream: bool,
}

impl Default for RunSpec {
    fn default() -> Self {
        Self {
            label: String::new(),
            optimizer: OptimizerSpec::default(),
            start: None,
            color: None,
            enabled: true,
            schedule: Schedule::Constant,
            momentum_schedule: MomentumSchedule::Constant,
            clip: Clip::None,
            averaging: Averaging::Off,
            noisy: true,
            batch_size: None,
            stream: false,
        }
    }
}

/// An sRGB colour.
pub type Rgb = [u8; 3];

pub use palette::{PALETTE, RunColor};

/// Parses "#rrggbb".
pub fn parse_color(text: &str) -> Result<Rgb, String> {
    let hex = text.strip_prefix('#').unwrap_or(text);
    let ok = hex.len() == 6 && hex.bytes().all(|b| b.is_ascii_hexdigit());
    let byte = |i: usize| {
        hex.get(i..i + 2)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
    };
    match (ok, byte(0), byte(2), byte(4)) {
        (true, Some(r), Some(g), Some(b)) => Ok([r, g, b]),
        _ => Err(format!("must be a colour like \"#e69f00\", got \"{text}\"")),
    }
}

/// Formats a colour as "#rrggbb".
#[must_use]
pub fn format_color(c: Rgb) -> String {
    format!("#{:02x}{:02x}{:02x}", c[0], c[1], c[2])
}

/// A validated run.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckedRun {
    /// Unique legend label.
    pub label: String,
    /// Its colour (a palette slot the theme shades, or the preset's own).
    pub color: RunColor,
    /// Whether it steps.
    pub enabled: bool,
    /// What the simulation needs.
    pub config: RunConfig,
}

/// A validated scenario with its objective built.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// The document it came from.
    pub spec: ScenarioSpec,
    /// The objective.
    pub objective: AnyObjective,
    /// The plot rectangle (the spec's or the objective's default).
    pub view: ViewRect,
    /// Runs in document order.
    pub runs: Vec<CheckedRun>,
}

impl Scenario {
    /// Checks every field of `spec`; returns all problems found, each with its field path.
    pub fn from_spec(spec: ScenarioSpec) -> Result<Self, Vec<ParamError>> {
        let mut errors = Vec::new();
        let objective = spec
            .objective
            .build()
            .map_err(|e| errors.push(e.within("objective")))
            .ok();
        let view = match (&spec.view, &objective) {
            (Some(v), _) => {
                if let Err(e) = v.validate() {
                    errors.push(e.within("view"));
                }
                *v
            }
            (None, Some(f)) => f.default_view(),
            (None, None) => ViewRect::around(Vec2::zeros(), 1.0),
        };
        if let Err(e) = spec.noise.validate() {
            errors.push(e.within("noise"));
        }
        let domain = spec.domain.filter(|d| match d.validate() {
            Ok(()) => true,
            Err(e) => {
                errors.push(e.within("domain"));
                false
            }
        });
        errors.extend(check_text("name", &spec.name, MAX_NAME_CHARS));
        errors.extend(check_text(
            "description",
            &spec.description,
            MAX_DESCRIPTION_CHARS,
        ));
        if !(1..=MAX_STEPS).contains(&spec.steps) {
            errors.push(ParamError::new(
                "steps",
                format!("must be between 1 and {MAX_STEPS}, got {}", spec.steps),
            ));
        }
        if let Some(trail) = spec.trail
            && !(1..=MAX_STEPS).contains(&trail)
        {
            errors.push(ParamError::new(
                "trail",
                format!("must be between 1 and {MAX_STEPS} steps, got {trail}"),
            ));
        }
        if !(spec.speed.is_finite() && (1.0..=MAX_SPEED).contains(&spec.speed)) {
            errors.push(ParamError::new(
                "speed",
                format!(
                    "must be between 1 and {MAX_SPEED} steps per second, got {}",
                    crate::numerics::short(spec.speed)
                ),
            ));
        }
        if spec.runs.len() > MAX_RUNS {
            errors.push(ParamError::new(
                "runs",
                format!("at most {MAX_RUNS} runs, got {}", spec.runs.len()),
            ));
        }
        let written = written_labels(&spec.runs);
        let mut runs = Vec::new();
        for (i, r) in spec.runs.iter().enumerate().take(MAX_RUNS) {
            let setting = Setting {
                objective: objective.as_ref(),
                noise: &spec.noise,
                domain: domain.as_ref(),
            };
            match check_run(r, i, &setting, &runs, &written) {
                Ok(run) => runs.push(run),
                Err(mut e) => errors.append(&mut e),
            }
        }
        match objective {
            Some(objective) if errors.is_empty() => Ok(Self {
                spec,
                objective,
                view,
                runs,
            }),
            _ => Err(errors),
        }
    }

    /// A simulation of the enabled runs, each keeping at most `capacity` samples.
    pub fn simulation(&self, capacity: usize) -> Result<Simulation, ParamError> {
        let configs = self.enabled_runs().map(|r| r.config.clone()).collect();
        Simulation::new(self.objective.clone(), &self.view, configs, capacity)
    }

    /// The enabled runs, in the order the simulation holds them.
    pub fn enabled_runs(&self) -> impl Iterator<Item = &CheckedRun> {
        self.runs.iter().filter(|r| r.enabled)
    }

    /// The one map between the runs of the document (spec index) and of the simulation (only
    /// the enabled ones, in order): the spec index of simulated run `sim`.
    #[must_use]
    pub fn spec_index(&self, sim: usize) -> Option<usize> {
        self.runs
            .iter()
            .enumerate()
            .filter(|(_, r)| r.enabled)
            .nth(sim)
            .map(|(i, _)| i)
    }

    /// The simulation index of document run `spec`, if it is enabled.
    #[must_use]
    pub fn sim_index(&self, spec: usize) -> Option<usize> {
        self.runs.get(spec).filter(|r| r.enabled)?;
        Some(self.runs[..spec].iter().filter(|r| r.enabled).count())
    }
}

/// The labels the preset's author wrote (the empty ones are made up later).
pub(crate) fn written_labels(runs: &[RunSpec]) -> Vec<&str> {
    runs.iter()
        .map(|r| r.label.as_str())
        .filter(|l| !l.is_empty())
        .collect()
}

/// A run's colour (its own, else a palette slot by position) and its unique legend label (its
/// own, else the optimizer's name made unique: `GD`, `GD 2`, ...). A made-up label avoids the
/// labels of earlier runs and every label the author wrote (`written`), so an author's label
/// never collides with one the author did not write. Problems are pushed onto `errors` with
/// their field paths. Shared by 2-D and MLP presets.
pub(crate) fn color_and_label(
    r: &RunSpec,
    i: usize,
    earlier: &[&str],
    written: &[&str],
    errors: &mut Vec<ParamError>,
) -> (RunColor, String) {
    let color = match &r.color {
        Some(c) => parse_color(c).map_or_else(
            |m| {
                errors.push(ParamError::new(format!("runs[{i}].color"), m));
                RunColor::by_position(i)
            },
            RunColor::Custom,
        ),
        None => RunColor::by_position(i),
    };
    errors.extend(check_text(
        &format!("runs[{i}].label"),
        &r.label,
        MAX_LABEL_CHARS,
    ));
    let label = if r.label.is_empty() {
        let base = r.optimizer.name();
        let mut label = base.to_owned();
        let mut n = 2;
        while earlier.contains(&label.as_str()) || written.contains(&label.as_str()) {
            label = format!("{base} {n}");
            n += 1;
        }
        label
    } else {
        if let Some(j) = earlier.iter().position(|e| *e == r.label) {
            errors.push(ParamError::new(
                format!("runs[{i}].label"),
                format!(
                    "\"{}\" is already the label of runs[{j}]; labels must be unique",
                    r.label
                ),
            ));
        }
        r.label.clone()
    };
    (color, label)
}

/// The noise run `i` sees: none with `noisy: false`, else the scenario's with the run's batch
/// size and stream flag (errors naming the field where they do not apply).
fn run_noise(r: &RunSpec, i: usize, noise: &NoiseSpec, errors: &mut Vec<ParamError>) -> NoiseSpec {
    let noise = match (r.noisy, r.batch_size, &noise.kind) {
        (false, _, _) => NoiseSpec {
            kind: NoiseKind::None,
            seed: noise.seed,
        },
        (true, None, _) => noise.clone(),
        (true, Some(b), NoiseKind::Minibatch { n, .. }) => {
            if b == 0 || b > *n {
                errors.push(ParamError::new(
                    format!("runs[{i}].batch_size"),
                    format!("must be between 1 and n = {n}, got {b}"),
                ));
            }
            noise.with_batch_size(b)
        }
        (true, Some(_), _) => {
            errors.push(ParamError::new(
                format!("runs[{i}].batch_size"),
                "a batch size needs the scenario's noise to be Minibatch(...)",
            ));
            noise.clone()
        }
    };
    match (r.stream, &noise.kind) {
        (false, _) => noise,
        (true, NoiseKind::Minibatch { .. }) => noise.with_stream(),
        (true, _) => {
            errors.push(ParamError::new(
                format!("runs[{i}].stream"),
                "fresh copies need a noisy run and the scenario's noise to be Minibatch(...)",
            ));
            noise
        }
    }
}

/// What a run is checked against: the scenario's objective (if it built), noise and domain
/// (if valid).
struct Setting<'a> {
    objective: Option<&'a AnyObjective>,
    noise: &'a NoiseSpec,
    domain: Option<&'a ViewRect>,
}

/// Run `i`'s start (its own or the objective's); problems are pushed onto `errors`: a start
/// must be finite and lie in the domain.
fn check_start(r: &RunSpec, i: usize, setting: &Setting<'_>, errors: &mut Vec<ParamError>) -> Vec2 {
    let start = match (r.start, setting.objective) {
        (Some((x, y)), _) => {
            if !(x.is_finite() && y.is_finite()) {
                errors.push(ParamError::new(
                    format!("runs[{i}].start"),
                    format!(
                        "must be finite, got ({}, {})",
                        crate::numerics::short(x),
                        crate::numerics::short(y)
                    ),
                ));
            }
            Vec2::new(x, y)
        }
        (None, Some(f)) => f.default_start(),
        (None, None) => Vec2::zeros(),
    };
    if let Some(d) = setting.domain
        && start.x.is_finite()
        && start.y.is_finite()
        && !d.contains(start)
    {
        let whose = if r.start.is_some() {
            "the start"
        } else {
            "the objective's start"
        };
        errors.push(ParamError::new(
            format!("runs[{i}].start"),
            format!(
                "{whose} ({}, {}) lies outside the domain {}: every start must lie in it",
                crate::numerics::short(start.x),
                crate::numerics::short(start.y),
                d.describe()
            ),
        ));
    }
    start
}

fn check_run(
    r: &RunSpec,
    i: usize,
    setting: &Setting<'_>,
    earlier: &[CheckedRun],
    written: &[&str],
) -> Result<CheckedRun, Vec<ParamError>> {
    let Setting { noise, domain, .. } = *setting;
    let at = |e: ParamError, what: &str| e.within(&format!("runs[{i}].{what}"));
    let mut errors = Vec::new();
    if let Err(e) = r.optimizer.validate() {
        errors.push(at(e, "optimizer"));
    }
    if let Err(e) = r.schedule.validate() {
        errors.push(at(e, "schedule"));
    }
    if let Err(e) = r.clip.validate() {
        errors.push(at(e, "clip"));
    }
    if let Err(e) = r.momentum_schedule.validate() {
        errors.push(at(e, "momentum_schedule"));
    } else if r.momentum_schedule != MomentumSchedule::Constant && r.optimizer.momentum().is_none()
    {
        errors.push(ParamError::new(
            format!("runs[{i}].momentum_schedule"),
            "needs SGD with a momentum above 0 or NAG with a constant momentum",
        ));
    }
    let start = check_start(r, i, setting, &mut errors);
    let examples = match noise.kind {
        NoiseKind::Minibatch { n, .. } => n,
        _ => 1,
    };
    let noise = run_noise(r, i, noise, &mut errors);
    let (color, label) = color_and_label(
        r,
        i,
        &earlier.iter().map(|e| e.label.as_str()).collect::<Vec<_>>(),
        written,
        &mut errors,
    );
    if errors.is_empty() {
        Ok(CheckedRun {
            label,
            color,
            enabled: r.enabled,
            config: RunConfig {
                optimizer: r.optimizer.clone(),
                start,
                schedule: r.schedule.clone(),
                momentum_schedule: r.momentum_schedule,
                clip: r.clip,
                averaging: r.averaging,
                noise,
                examples,
                domain: domain.copied(),
            },
        })
    } else {
        Err(errors)
    }
}

/// A problem in a preset, located in its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PresetError {
    /// File name or other source label.
    pub source: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column (characters).
    pub column: usize,
    /// Field path, e.g. `runs[1].optimizer.lr` (empty for the whole document).
    pub field: String,
    /// What is wrong and what would be valid.
    pub message: String,
}

impl fmt::Display for PresetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.source, self.line, self.column)?;
        if !self.field.is_empty() {
            write!(f, "{}: ", self.field)?;
        }
        write!(f, "{}", self.message)
    }
}

impl std::error::Error for PresetError {}

/// Errors of one preset, all of them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PresetErrors(pub Vec<PresetError>);

impl fmt::Display for PresetErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for PresetErrors {}

/// RON options shared by reading and writing: `Some` may be omitted and enum variants that wrap
/// a parameter struct are written `Adam(lr: 0.01)` rather than `Adam((lr: 0.01))`.
pub(crate) fn ron_options() -> ron::Options {
    ron::Options::default().with_default_extension(
        ron::extensions::Extensions::IMPLICIT_SOME
            | ron::extensions::Extensions::UNWRAP_VARIANT_NEWTYPES,
    )
}

/// Parses RON text into the document, without validating values.
pub fn parse_spec(text: &str, source: &str) -> Result<ScenarioSpec, PresetErrors> {
    ron_options().from_str::<ScenarioSpec>(text).map_err(|e| {
        let offset = locate::offset_of_line_col(text, e.span.start.line, e.span.start.col);
        PresetErrors(vec![PresetError {
            source: source.to_owned(),
            line: e.span.start.line,
            column: e.span.start.col,
            field: locate::path_at(text, offset),
            message: describe_ron_error(&e.code),
        }])
    })
}

pub(crate) fn describe_ron_error(code: &ron::Error) -> String {
    // ron names our Rust types; readers know the preset's words instead.
    let mut text = code.to_string();
    for (rust, reader) in [
        ("enum `OptimizerSpec`", "the optimizers"),
        ("enum `ObjectiveSpec`", "the objectives"),
        ("enum `NoiseKind`", "the noise kinds"),
        ("enum `Schedule`", "the schedules"),
        ("enum `Clip`", "the clipping modes"),
        ("enum `Averaging`", "the averaging modes"),
        ("enum `LineSearch`", "the line searches"),
        ("enum `NagMomentum`", "the NAG momentum schedules"),
        ("enum `Theme`", "the themes"),
        ("enum `Element`", "the focus elements"),
        ("`ScenarioSpec`", "the scenario"),
        ("`RunSpec`", "a run"),
        ("`NoiseSpec`", "noise"),
        ("`ViewRect`", "view"),
    ] {
        text = text.replace(rust, reader);
    }
    let mut out = text.trim_end_matches('.').to_owned();
    if let Some(first) = out.get(..1) {
        out = first.to_lowercase() + &out[1..];
    }
    out
}

/// Parses and validates a preset. `source` names it in errors (usually the file name).
pub fn parse(text: &str, source: &str) -> Result<Scenario, PresetErrors> {
    parse_surface(text, source)
}

/// Opens a link ([`link`]): the document inside, validated as a preset file is (its errors read
/// `link:LINE:COLUMN: field: message`), and the step it asks to show.
pub fn parse_link(text: &str) -> Result<(Document, Option<usize>), PresetErrors> {
    let carried = link::parse(text)?;
    let document = parse_document(&carried.document, link::SOURCE, &mut |csv| {
        Err(format!(
            "a link carries the preset only, not the CSV file `{csv}` it names: share the \
             preset and its CSV file instead"
        ))
    })?;
    Ok((document, carried.step))
}

/// A validated preset of either kind: optimizers on a 2-D surface, or a network to train.
#[derive(Clone, Debug)]
pub enum Document {
    /// A 2-D scenario.
    Surface(Box<Scenario>),
    /// A network scenario (recognised by its top-level `dataset` field).
    Network(Box<mlp::MlpScenario>),
}

impl Document {
    /// The preset's name.
    #[must_use]
    pub fn name(&self) -> &str {
        match self {
            Self::Surface(s) => &s.spec.name,
            Self::Network(s) => &s.spec.name,
        }
    }
}

/// Parses and validates a preset of either kind, reading its text once; `read_csv` gives a
/// network preset's CSV data set (see [`mlp::parse_with`]).
pub fn parse_document(
    text: &str,
    source: &str,
    read_csv: &mut mlp::CsvReader<'_>,
) -> Result<Document, PresetErrors> {
    if mlp::is_mlp(text) {
        mlp::parse_with(text, source, read_csv).map(|s| Document::Network(Box::new(s)))
    } else {
        parse_surface(text, source).map(|s| Document::Surface(Box::new(s)))
    }
}

fn parse_surface(text: &str, source: &str) -> Result<Scenario, PresetErrors> {
    let spec = parse_spec(text, source)?;
    Scenario::from_spec(spec).map_err(|errors| {
        PresetErrors(
            errors
                .into_iter()
                .map(|e| {
                    let mut offset = locate::offset_of(text, &e.field);
                    if let Some(col) = formula_column(&e) {
                        // Inside a quoted formula: skip the quote, then to the character.
                        offset = text[offset..]
                            .char_indices()
                            .nth(col)
                            .map_or(offset, |(i, _)| offset + i);
                    }
                    let (line, column) = locate::line_col(text, offset);
                    PresetError {
                        source: source.to_owned(),
                        line,
                        column,
                        field: e.field,
                        message: e.message,
                    }
                })
                .collect(),
        )
    })
}

/// For an error in a typed formula ("column 7: ..."), the 1-based column inside the formula.
fn formula_column(e: &ParamError) -> Option<usize> {
    if e.field.rsplit('.').next() != Some("text") {
        return None;
    }
    let rest = e.message.strip_prefix("column ")?;
    rest.split(':').next()?.parse().ok()
}

/// Writes a document as pretty RON that [`parse`] reads back to the same document.
pub fn to_ron(spec: &ScenarioSpec) -> Result<String, ron::Error> {
    let pretty = ron::ser::PrettyConfig::new()
        .depth_limit(6)
        .indentor("    ".to_owned())
        .separate_tuple_members(false)
        .enumerate_arrays(false);
    ron_options().to_string_pretty(spec, pretty)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::optimizers::{AdamParams, SgdParams};

    #[test]
    fn three_line_preset_takes_defaults() {
        let s = parse(
            "(objective: Rosenbrock(), runs: [(optimizer: Adam(lr: 0.05))])",
            "mini.ron",
        )
        .unwrap();
        assert_eq!(s.runs.len(), 1);
        assert_eq!(s.runs[0].label, "Adam");
        assert_eq!(s.runs[0].config.start, Vec2::new(-1.5, 2.0));
        assert_eq!(
            s.runs[0].config.optimizer,
            OptimizerSpec::Adam(AdamParams {
                lr: 0.05,
                ..AdamParams::default()
            })
        );
        assert_eq!(s.spec.steps, 500);
        assert_eq!(s.runs[0].color, RunColor::by_position(0));
        let s = parse("(objective: Beale)", "b.ron").unwrap();
        assert!(s.runs.is_empty());
        assert!(parse("()", "empty.ron").is_ok());
    }

    #[test]
    fn validation_errors_name_file_position_and_field() {
        let text =
            "(\n  runs: [\n    (optimizer: GD(lr: 0.1)),\n    (optimizer: SGD(lr: -0.1)),\n  ],\n)";
        let e = parse(text, "bad.ron").unwrap_err();
        assert_eq!(e.0.len(), 1);
        assert_eq!(
            e.to_string(),
            "bad.ron:4:25: runs[1].optimizer.lr: must be > 0, got -0.1"
        );
    }

    #[test]
    fn all_errors_are_reported() {
        let text = "(objective: Quadratic(kappa: 0.5), steps: 0, runs: [(optimizer: Adam(betas: (0.9, 1.0))), (color: \"red\")])";
        let e = parse(text, "x.ron").unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            vec![
                "objective.kappa",
                "steps",
                "runs[0].optimizer.betas.1",
                "runs[1].color"
            ]
        );
    }

    #[test]
    fn syntax_errors_have_positions_and_paths() {
        let e = parse("(\n  runs: [(optimizer: SGD(lrr: 0.1))],\n)", "typo.ron").unwrap_err();
        let e = &e.0[0];
        assert_eq!((e.line, e.field.as_str()), (2, "runs[0].optimizer"));
        assert!(e.message.contains("lrr"), "{}", e.message);
        let e = parse("(steps: 10", "cut.ron").unwrap_err();
        assert_eq!(e.0[0].line, 1);
        let e = parse("(objective: Banana)", "v.ron").unwrap_err();
        assert!(e.0[0].message.contains("Banana"), "{}", e.0[0].message);
        assert_eq!(e.0[0].field, "objective");
    }

    #[test]
    fn formula_errors_point_into_the_formula() {
        let e = parse("(objective: Expression(text: \"x^2 + z\"))", "f.ron").unwrap_err();
        assert_eq!((e.0[0].line, e.0[0].column), (1, 37));
        assert_eq!(e.0[0].field, "objective.text");
    }

    #[test]
    fn type_errors_name_the_field() {
        let e = parse("(runs: [(optimizer: Adam(lr: \"fast\"))])", "t.ron").unwrap_err();
        assert_eq!(e.0[0].field, "runs[0].optimizer.lr");
        let e = parse("(runs: [(optimizer: Adma(lr: 0.1))])", "t.ron").unwrap_err();
        assert!(
            e.0[0]
                .message
                .contains("in the optimizers, expected one of `GD`"),
            "{}",
            e.0[0].message
        );
    }

    #[test]
    fn duplicate_labels_are_errors_and_defaults_are_made_unique() {
        let e = parse("(runs: [(label: \"a\"), (label: \"a\")])", "d.ron").unwrap_err();
        assert_eq!(e.0[0].field, "runs[1].label");
        let s = parse("(runs: [(), (), ()])", "d.ron").unwrap();
        let labels: Vec<&str> = s.runs.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(labels, vec!["GD", "GD 2", "GD 3"]);
        // A label the author wrote wins over a made-up one, wherever it is written.
        let s = parse("(runs: [(), (label: \"GD\")])", "d.ron").unwrap();
        let labels: Vec<&str> = s.runs.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(labels, vec!["GD 2", "GD"]);
    }

    #[test]
    fn round_trip_through_ron() {
        let spec = ScenarioSpec {
            name: "Round trip".into(),
            runs: vec![
                RunSpec {
                    label: "Momentum".into(),
                    optimizer: OptimizerSpec::SGD(SgdParams {
                        lr: 0.1,
                        momentum: 0.9,
                        ..SgdParams::default()
                    }),
                    start: Some((1.0, -2.5)),
                    color: Some("#123456".into()),
                    schedule: Schedule::Step {
                        step_size: 10,
                        gamma: 0.5,
                    },
                    clip: Clip::Norm(2.0),
                    averaging: Averaging::Polyak { start: 3 },
                    noisy: false,
                    batch_size: Some(4),
                    ..RunSpec::default()
                },
                RunSpec::default(),
            ],
            view: Some(ViewRect {
                x: (-1.0, 1.0),
                y: (-2.0, 2.0),
            }),
            theme: Some(Theme::Projector),
            focus: Some(vec![Element::LearningRate, Element::Loss]),
            ..ScenarioSpec::default()
        };
        for objective in ObjectiveSpec::all_defaults() {
            let spec = ScenarioSpec {
                objective,
                ..spec.clone()
            };
            let text = to_ron(&spec).unwrap();
            let back = parse_spec(&text, "rt.ron").unwrap();
            assert_eq!(back, spec, "{text}");
        }
        for optimizer in OptimizerSpec::all_defaults() {
            let mut spec = spec.clone();
            spec.runs[1].optimizer = optimizer;
            let text = to_ron(&spec).unwrap();
            assert_eq!(parse_spec(&text, "rt.ron").unwrap(), spec, "{text}");
        }
    }

    /// The cost rule: every gradient asked for, times the examples it averages (B for a
    /// minibatch, N for an exact gradient of a finite sum of N, 1 without one); line-search
    /// trials count too.
    #[test]
    fn evaluations_count_each_gradient_times_its_examples() {
        let s = parse(
            "(noise: (kind: Minibatch(n: 50, batch_size: 10, spread: 1.0)), runs: [(), (noisy: false), (batch_size: 2), (optimizer: LBFGS(line_search_fn: StrongWolfe))], steps: 5)",
            "n.ron",
        )
        .unwrap();
        assert!(s.runs.iter().all(|r| r.config.examples == 50));
        let mut sim = s.simulation(100).unwrap();
        sim.advance_to(5);
        let per_step = |i: usize| {
            let t = sim.runs()[i].trajectory();
            t.evaluations()
                .windows(2)
                .map(|w| w[1] - w[0])
                .collect::<Vec<u64>>()
        };
        assert_eq!(per_step(0), vec![10; 5]);
        assert_eq!(per_step(1), vec![50; 5]);
        assert_eq!(per_step(2), vec![2; 5]);
        // L-BFGS evaluates at least once per step, more in its first line searches.
        let lbfgs = per_step(3);
        assert!(lbfgs.iter().all(|e| e % 10 == 0 && *e >= 10), "{lbfgs:?}");
        assert!(lbfgs.iter().any(|e| *e > 10), "{lbfgs:?}");
        let exact = parse("(runs: [()], steps: 3)", "e.ron").unwrap();
        assert_eq!(exact.runs[0].config.examples, 1);
    }

    #[test]
    fn a_run_can_learn_from_a_stream() {
        let s = parse(
            "(noise: (kind: Minibatch(n: 20, batch_size: 2, spread: 1.0, copies: Sample)), runs: [(), (stream: true)])",
            "s.ron",
        )
        .unwrap();
        let stream = |i: usize| match s.runs[i].config.noise.kind {
            NoiseKind::Minibatch { stream, .. } => stream,
            _ => panic!(),
        };
        assert!(!stream(0) && stream(1));
        let e = parse("(runs: [(stream: true)])", "s.ron").unwrap_err();
        assert_eq!(e.0[0].field, "runs[0].stream");
        let e = parse(
            "(noise: (kind: Minibatch(n: 20, batch_size: 2, spread: 1.0)), runs: [(noisy: false, stream: true)])",
            "s.ron",
        )
        .unwrap_err();
        assert_eq!(e.0[0].field, "runs[0].stream");
    }

    #[test]
    fn per_run_noise_options() {
        let s = parse(
            "(noise: (kind: Minibatch(n: 50, batch_size: 10, spread: 1.0), seed: 3), runs: [(), (noisy: false), (batch_size: 2)])",
            "n.ron",
        )
        .unwrap();
        assert_eq!(
            s.runs[0].config.noise.kind,
            NoiseKind::Minibatch {
                n: 50,
                batch_size: 10,
                spread: 1.0,
                copies: crate::numerics::noise::Copies::Shifted,
                stream: false,
            }
        );
        assert_eq!(s.runs[1].config.noise.kind, NoiseKind::None);
        assert_eq!(
            s.runs[2].config.noise.kind,
            NoiseKind::Minibatch {
                n: 50,
                batch_size: 2,
                spread: 1.0,
                copies: crate::numerics::noise::Copies::Shifted,
                stream: false,
            }
        );
        let e = parse("(runs: [(batch_size: 2)])", "n.ron").unwrap_err();
        assert_eq!(e.0[0].field, "runs[0].batch_size");
        let e = parse(
            "(noise: (kind: Minibatch(n: 5, batch_size: 1, spread: 1.0)), runs: [(batch_size: 6)])",
            "n.ron",
        )
        .unwrap_err();
        assert!(e.0[0].message.contains("between 1 and n = 5"));
    }

    #[test]
    fn a_domain_is_checked_and_every_start_must_lie_in_it() {
        let s = parse(
            "(domain: (x: (-1.0, 1.0), y: (-2.0, 2.0)), noise: (kind: Cyclic(tilts: [(1.0, 0.0)])), runs: [(start: (0.5, -2.0))])",
            "d.ron",
        )
        .unwrap();
        let domain = Some(ViewRect {
            x: (-1.0, 1.0),
            y: (-2.0, 2.0),
        });
        assert_eq!(s.runs[0].config.domain, domain);
        assert_eq!(
            s.runs[0].config.noise.kind,
            NoiseKind::Cyclic {
                tilts: vec![(1.0, 0.0)]
            }
        );
        let text = "(\n  domain: (x: (-1.0, 1.0), y: (-1.0, 1.0)),\n  runs: [(start: (0.5, 0.0)), (start: (1.5, 0.0))],\n)";
        let e = parse(text, "d.ron").unwrap_err();
        assert_eq!(
            e.to_string(),
            "d.ron:3:39: runs[1].start: the start (1.5, 0) lies outside the domain x in [-1, 1], y in [-1, 1]: every start must lie in it"
        );
        // The objective's own start counts too (Quadratic's is (-2, 1.5)).
        let e = parse(
            "(domain: (x: (-1.0, 1.0), y: (-1.0, 1.0)), runs: [()])",
            "d.ron",
        )
        .unwrap_err();
        assert_eq!(e.0[0].field, "runs[0].start");
        assert!(
            e.0[0]
                .message
                .starts_with("the objective's start (-2, 1.5)")
        );
        let e = parse(
            "(domain: (x: (1.0, -1.0), y: (0.0, 1.0)), runs: [()])",
            "d.ron",
        )
        .unwrap_err();
        assert_eq!(e.0.len(), 1, "a bad domain is reported once: {e}");
        assert_eq!(e.0[0].field, "domain.x");
        let e = parse("(noise: (kind: Cyclic(tilts: [])))", "d.ron").unwrap_err();
        assert_eq!(e.0[0].field, "noise.kind.tilts");
    }

    #[test]
    fn domains_and_cyclic_noise_round_trip_through_ron() {
        let spec = ScenarioSpec {
            domain: Some(ViewRect {
                x: (-1.0, 1.0),
                y: (-0.5, 0.5),
            }),
            noise: NoiseSpec {
                kind: NoiseKind::Cyclic {
                    tilts: vec![(-4.0, 0.0), (2.0, 0.25)],
                },
                seed: 1,
            },
            runs: vec![RunSpec {
                start: Some((0.0, 0.0)),
                ..RunSpec::default()
            }],
            ..ScenarioSpec::default()
        };
        let text = to_ron(&spec).unwrap();
        assert_eq!(parse_spec(&text, "rt.ron").unwrap(), spec, "{text}");
        assert!(parse(&text, "rt.ron").is_ok(), "{text}");
    }

    #[test]
    fn colours() {
        assert_eq!(parse_color("#E69F00"), Ok([0xE6, 0x9F, 0x00]));
        assert!(parse_color("#E69F0").is_err());
        assert!(parse_color("#éé9F00").is_err());
        assert_eq!(format_color([1, 2, 255]), "#0102ff");
    }
}
