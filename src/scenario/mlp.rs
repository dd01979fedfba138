//! MLP presets: a small network trained on a 2-D data set by several optimizers.
//!
//! A preset is an MLP preset when its top-level struct has a `dataset` field
//! ([`is_mlp`]); everything else is a 2-D preset. Parse, then validate, as for 2-D presets:
//! [`MlpSpec`] is the document (every field defaulted, unknown fields rejected),
//! [`MlpScenario::from_spec`] checks every value and reports each problem with its field
//! path, which [`parse`] locates as `file:line:column: field: message`. Runs are written
//! with the 2-D presets' [`RunSpec`] (optimizer, schedule, clip, label, colour, enabled); the
//! fields that only make sense in the plane (`start`, `averaging`, `noisy`, `batch_size`)
//! must be left out. A `Csv(path: ...)` data set is read by the caller (see
//! `io::load_mlp_preset`) and parsed by [`parse_csv`]. The format is documented in
//! docs/presets.md, "MLP presets".

use super::{PresetError, PresetErrors, RunSpec, Theme, describe_ron_error, locate, ron_options};
use crate::numerics::ParamError;
use crate::numerics::mlp::{
    DataConfig, DataSource, Feature, Generator, LabeledPoint, MlpRunConfig, Network, NetworkSpec,
    Task, Training, TrainingConfig,
};
use crate::numerics::optimizers::OptimizerSpec;
use crate::numerics::run::Averaging;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;

/// Most runs an MLP scenario may have.
pub const MAX_RUNS: usize = 16;
/// Largest step budget.
pub const MAX_STEPS: usize = 1_000_000;
/// Fastest training speed, in steps per second.
pub const MAX_SPEED: f64 = 100_000.0;
/// Largest minibatch.
pub const MAX_BATCH: usize = 100_000;
/// Most generated points.
pub const MAX_POINTS: usize = 5_000;
/// Most rows of an imported CSV file.
pub const MAX_CSV_ROWS: usize = 20_000;

/// An MLP scenario as written in a preset file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MlpSpec {
    /// Title.
    pub name: String,
    /// A sentence or two for the audience.
    pub description: String,
    /// The data set; its presence marks the file as an MLP preset.
    pub dataset: DatasetSpec,
    /// Layers, activation, initialisation, penalty.
    pub network: NetworkSpec,
    /// The optimizers racing (the 2-D presets' run syntax).
    pub runs: Vec<RunSpec>,
    /// Step budget.
    pub steps: usize,
    /// Minibatch size B (clamped to the training set: larger means full batch).
    pub batch_size: usize,
    /// Seed of the initial weights and of the batch order.
    pub seed: u64,
    /// Steps between full evaluations of the train and test sets (default: automatic, see
    /// `numerics::mlp::training`).
    pub eval_every: Option<usize>,
    /// Record the sharpness of the training loss (the largest eigenvalue of its Hessian) at
    /// every evaluation and plot it against each run's edge of stability (2/lr for GD).
    pub sharpness: bool,
    /// Playback speed in steps per second.
    pub speed: f64,
    /// The look of the app (default: the viewer's choice).
    pub theme: Option<Theme>,
}

impl Default for MlpSpec {
    fn default() -> Self {
        Self {
            name: "Untitled network".to_owned(),
            description: String::new(),
            dataset: DatasetSpec::default(),
            network: NetworkSpec::default(),
            runs: Vec::new(),
            steps: 1000,
            batch_size: 32,
            seed: 1,
            eval_every: None,
            sharpness: false,
            speed: 200.0,
            theme: None,
        }
    }
}

/// The data set as written in a preset.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatasetSpec {
    /// Which data.
    pub kind: DatasetKind,
    /// Number of generated points (ignored for Csv).
    pub points: usize,
    /// Standard deviation of the jitter of generated points (ignored for Csv).
    pub noise: f64,
    /// Fraction of the points that train (the rest test).
    pub train_fraction: f64,
    /// Seed of the points and of the train/test split.
    pub seed: u64,
    /// The network's inputs.
    pub features: Vec<Feature>,
    /// Factors applied to x1 and x2 (e.g. (1.0, 100.0): a badly scaled input).
    pub input_scale: (f64, f64),
    /// Standardise every feature with the training set's mean and standard deviation.
    pub normalize: bool,
}

impl Default for DatasetSpec {
    fn default() -> Self {
        Self {
            kind: DatasetKind::Circle,
            points: 400,
            noise: 0.0,
            train_fraction: 0.5,
            seed: 1,
            features: vec![Feature::X1, Feature::X2],
            input_scale: (1.0, 1.0),
            normalize: false,
        }
    }
}

/// The data sets a preset can name.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub enum DatasetKind {
    /// A disc inside a ring.
    #[default]
    Circle,
    /// The sign of x1 x2.
    Xor,
    /// Two Gaussian blobs.
    Gaussians,
    /// Two spiral arms.
    Spiral,
    /// Two moons.
    Moons,
    /// Regression on a plane.
    Plane,
    /// Points from a CSV file `x1,x2,label`.
    Csv(CsvSource),
}

impl DatasetKind {
    /// The generator, for the built-in kinds.
    #[must_use]
    pub fn generator(&self) -> Option<Generator> {
        Some(match self {
            Self::Circle => Generator::Circle,
            Self::Xor => Generator::Xor,
            Self::Gaussians => Generator::Gaussians,
            Self::Spiral => Generator::Spiral,
            Self::Moons => Generator::Moons,
            Self::Plane => Generator::Plane,
            Self::Csv(_) => return None,
        })
    }
}

/// A CSV data set.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CsvSource {
    /// The file, relative to the preset's folder (or absolute).
    pub path: String,
    /// `Classification` (labels 0 or 1) or `Regression` (any number).
    pub task: Task,
}

/// A validated run.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckedMlpRun {
    /// Unique legend label.
    pub label: String,
    /// Its colour.
    pub color: super::RunColor,
    /// Whether it trains.
    pub enabled: bool,
    /// What the training needs.
    pub config: MlpRunConfig,
}

/// A validated MLP scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct MlpScenario {
    /// The document it came from.
    pub spec: MlpSpec,
    /// Runs in document order.
    pub runs: Vec<CheckedMlpRun>,
    /// The data source (generated, or the imported points).
    pub source: DataSource,
}

impl MlpScenario {
    /// Checks every field; `csv` holds the points of a `Csv` data set (read by the caller).
    /// Returns all problems found, each with its field path.
    pub fn from_spec(
        spec: MlpSpec,
        csv: Option<Arc<[LabeledPoint]>>,
    ) -> Result<Self, Vec<ParamError>> {
        let mut errors = Vec::new();
        let mut err = |field: &str, message: String| errors.push(ParamError::new(field, message));
        if !(1..=MAX_STEPS).contains(&spec.steps) {
            err(
                "steps",
                format!("must be between 1 and {MAX_STEPS}, got {}", spec.steps),
            );
        }
        if !(1..=MAX_BATCH).contains(&spec.batch_size) {
            err(
                "batch_size",
                format!("must be between 1 and {MAX_BATCH}, got {}", spec.batch_size),
            );
        }
        for (field, text, max) in [
            ("name", &spec.name, super::MAX_NAME_CHARS),
            (
                "description",
                &spec.description,
                super::MAX_DESCRIPTION_CHARS,
            ),
        ] {
            if let Some(e) = super::check_text(field, text, max) {
                err(field, e.message);
            }
        }
        if spec.eval_every == Some(0) {
            err("eval_every", "must be >= 1, got 0".to_owned());
        }
        if !(spec.speed.is_finite() && (1.0..=MAX_SPEED).contains(&spec.speed)) {
            err(
                "speed",
                format!(
                    "must be between 1 and {MAX_SPEED} steps per second, got {}",
                    crate::numerics::short(spec.speed)
                ),
            );
        }
        let source = check_dataset(&spec.dataset, csv, &mut errors);
        if let Err(e) = spec.network.validate() {
            errors.push(e.within("network"));
        }
        if spec.runs.len() > MAX_RUNS {
            errors.push(ParamError::new(
                "runs",
                format!("at most {MAX_RUNS} runs, got {}", spec.runs.len()),
            ));
        }
        let written = super::written_labels(&spec.runs);
        let mut runs: Vec<CheckedMlpRun> = Vec::new();
        for (i, r) in spec.runs.iter().enumerate().take(MAX_RUNS) {
            match check_run(r, i, &runs, &written) {
                Ok(run) => runs.push(run),
                Err(mut e) => errors.append(&mut e),
            }
        }
        if errors.is_empty() {
            Ok(Self { spec, runs, source })
        } else {
            Err(errors)
        }
    }

    /// The enabled runs, in the order a [`Training`] holds them.
    pub fn enabled_runs(&self) -> impl Iterator<Item = &CheckedMlpRun> {
        self.runs.iter().filter(|r| r.enabled)
    }

    /// What [`Training::new`] needs (enabled runs only).
    #[must_use]
    pub fn training_config(&self) -> TrainingConfig {
        let d = &self.spec.dataset;
        TrainingConfig {
            data: DataConfig {
                source: self.source.clone(),
                points: d.points,
                noise: d.noise,
                train_fraction: d.train_fraction,
                seed: d.seed,
                features: d.features.clone(),
                input_scale: d.input_scale,
                normalize: d.normalize,
            },
            network: self.spec.network.clone(),
            batch_size: self.spec.batch_size,
            steps: self.spec.steps,
            seed: self.spec.seed,
            eval_every: self.spec.eval_every,
            sharpness: self.spec.sharpness,
            runs: self.enabled_runs().map(|r| r.config.clone()).collect(),
        }
    }

    /// A training of the enabled runs at step 0.
    pub fn training(&self) -> Result<Training, ParamError> {
        Training::new(&self.training_config())
    }
}

/// Checks the data set's fields and picks its source.
fn check_dataset(
    d: &DatasetSpec,
    csv: Option<Arc<[LabeledPoint]>>,
    errors: &mut Vec<ParamError>,
) -> DataSource {
    let mut err = |field: &str, message: String| errors.push(ParamError::new(field, message));
    let source = match (d.kind.generator(), &d.kind, csv) {
        (Some(g), _, _) => {
            if !(10..=MAX_POINTS).contains(&d.points) {
                err(
                    "dataset.points",
                    format!("must be between 10 and {MAX_POINTS}, got {}", d.points),
                );
            }
            DataSource::Generated(g)
        }
        (None, DatasetKind::Csv(c), Some(points)) => {
            if points.len() < 4 {
                err(
                    "dataset.kind.path",
                    format!(
                        "the file has {} points; at least 4 are needed",
                        points.len()
                    ),
                );
            }
            DataSource::Imported {
                points,
                task: c.task,
            }
        }
        (None, _, None) => {
            err(
                "dataset.kind.path",
                "CSV data sets are read from their file: load the preset from a file".to_owned(),
            );
            DataSource::Generated(Generator::Circle)
        }
        (None, _, Some(_)) => unreachable!("only Csv has no generator"),
    };
    if !(d.noise.is_finite() && (0.0..=5.0).contains(&d.noise)) {
        err(
            "dataset.noise",
            format!(
                "must be between 0 and 5, got {}",
                crate::numerics::short(d.noise)
            ),
        );
    }
    if !(d.train_fraction.is_finite() && (0.1..=0.9).contains(&d.train_fraction)) {
        err(
            "dataset.train_fraction",
            format!(
                "must be between 0.1 and 0.9, got {}",
                crate::numerics::short(d.train_fraction)
            ),
        );
    }
    if d.features.is_empty() {
        err(
            "dataset.features",
            "at least one feature, e.g. [X1, X2]".to_owned(),
        );
    }
    for (i, f) in d.features.iter().enumerate() {
        if d.features[..i].contains(f) {
            err(
                &format!("dataset.features[{i}]"),
                format!("{f:?} is listed twice"),
            );
        }
    }
    for (i, s) in [d.input_scale.0, d.input_scale.1].into_iter().enumerate() {
        if !(s.is_finite() && s > 0.0 && s <= 1e6) {
            err(
                &format!("dataset.input_scale.{i}"),
                format!(
                    "must be > 0 and at most 1e6, got {}",
                    crate::numerics::short(s)
                ),
            );
        }
    }
    source
}

fn check_run(
    r: &RunSpec,
    i: usize,
    earlier: &[CheckedMlpRun],
    written: &[&str],
) -> Result<CheckedMlpRun, Vec<ParamError>> {
    let at = |what: &str| format!("runs[{i}].{what}");
    let mut errors = Vec::new();
    if let Err(e) = r.optimizer.validate() {
        errors.push(e.within(&at("optimizer")));
    }
    if r.optimizer.needs() == crate::numerics::optimizers::Needs::Hessian {
        errors.push(ParamError::new(
            at("optimizer"),
            if matches!(r.optimizer, OptimizerSpec::Newton(_)) {
                "Newton needs the Hessian, which the MLP does not provide; use BFGS or LBFGS"
                    .to_owned()
            } else {
                format!(
                    "{} with line_search_fn: Exact needs the Hessian, which the MLP does not \
                     provide; use StrongWolfe",
                    r.optimizer.name()
                )
            },
        ));
    }
    if let Err(e) = r.schedule.validate() {
        errors.push(e.within(&at("schedule")));
    }
    if let Err(e) = r.clip.validate() {
        errors.push(e.within(&at("clip")));
    }
    let unused =
        "does not apply to MLP runs (they share the initial weights and batches); remove it";
    if r.start.is_some() {
        errors.push(ParamError::new(at("start"), unused));
    }
    if r.averaging != Averaging::Off {
        errors.push(ParamError::new(at("averaging"), unused));
    }
    if !r.noisy {
        errors.push(ParamError::new(at("noisy"), unused));
    }
    if r.batch_size.is_some() {
        errors.push(ParamError::new(
            at("batch_size"),
            "MLP runs share the scenario's batch_size; remove it",
        ));
    }
    let (color, label) = super::color_and_label(
        r,
        i,
        &earlier.iter().map(|e| e.label.as_str()).collect::<Vec<_>>(),
        written,
        &mut errors,
    );
    if errors.is_empty() {
        Ok(CheckedMlpRun {
            label,
            color,
            enabled: r.enabled,
            config: MlpRunConfig {
                optimizer: r.optimizer.clone(),
                schedule: r.schedule.clone(),
                clip: r.clip,
            },
        })
    } else {
        Err(errors)
    }
}

/// True when the text is an MLP preset: its top-level struct has a `dataset` field.
#[must_use]
pub fn is_mlp(text: &str) -> bool {
    locate::path_at(text, locate::offset_of(text, "dataset")) == "dataset"
}

/// Parses RON text into the document, without validating values.
pub fn parse_spec(text: &str, source: &str) -> Result<MlpSpec, PresetErrors> {
    ron_options().from_str::<MlpSpec>(text).map_err(|e| {
        let offset = locate::offset_of_line_col(text, e.span.start.line, e.span.start.col);
        let mut message = describe_ron_error(&e.code);
        for (rust, reader) in [
            ("`MlpSpec`", "the MLP preset"),
            ("`DatasetSpec`", "the dataset"),
            ("`NetworkSpec`", "the network"),
            ("`CsvSource`", "Csv"),
            ("enum `DatasetKind`", "the data sets"),
            ("enum `Feature`", "the features"),
            ("enum `Activation`", "the activations"),
            ("enum `Init`", "the initialisations"),
            ("enum `Regularization`", "the penalties"),
            ("enum `Task`", "the tasks"),
        ] {
            message = message.replace(rust, reader);
        }
        PresetErrors(vec![PresetError {
            source: source.to_owned(),
            line: e.span.start.line,
            column: e.span.start.col,
            field: locate::path_at(text, offset),
            message,
        }])
    })
}

/// Parses and validates an MLP preset whose data set is generated; a `Csv` data set is an
/// error here (use [`parse_with`] and a reader).
pub fn parse(text: &str, source: &str) -> Result<MlpScenario, PresetErrors> {
    parse_with(text, source, &mut |_| {
        Err("CSV data sets are read from their file: load the preset from a file".to_owned())
    })
}

/// Reads the CSV file a `Csv` data set names: (a name for errors, the text), or a message.
pub type CsvReader<'a> = dyn FnMut(&str) -> Result<(String, String), String> + 'a;

/// Parses and validates an MLP preset; `read_csv(path)` returns (a name for errors, the
/// text) of the CSV file a `Csv` data set names, or a message.
pub fn parse_with(
    text: &str,
    source: &str,
    read_csv: &mut CsvReader<'_>,
) -> Result<MlpScenario, PresetErrors> {
    let spec = parse_spec(text, source)?;
    let locate_error = |e: ParamError| {
        let (line, column) = locate::line_col(text, locate::offset_of(text, &e.field));
        PresetError {
            source: source.to_owned(),
            line,
            column,
            field: e.field,
            message: e.message,
        }
    };
    let mut csv = None;
    if let DatasetKind::Csv(c) = &spec.dataset.kind {
        let (name, body) = read_csv(&c.path).map_err(|m| {
            PresetErrors(vec![locate_error(ParamError::new("dataset.kind.path", m))])
        })?;
        let points = parse_csv(&body, &name, c.task).map_err(|e| PresetErrors(vec![e]))?;
        csv = Some(Arc::from(points));
    }
    MlpScenario::from_spec(spec, csv)
        .map_err(|errors| PresetErrors(errors.into_iter().map(locate_error).collect()))
}

/// Writes a document as pretty RON that [`parse_spec`] reads back.
pub fn to_ron(spec: &MlpSpec) -> Result<String, ron::Error> {
    let pretty = ron::ser::PrettyConfig::new()
        .depth_limit(6)
        .indentor("    ".to_owned())
        .separate_tuple_members(false)
        .enumerate_arrays(false);
    ron_options().to_string_pretty(spec, pretty)
}

/// Reads `x1,x2,label` rows. Blank lines and lines starting with `#` are skipped; the first
/// line may be the header `x1,x2,label`. Labels must be 0 or 1 for classification. The
/// error names the line and column (1-based, characters) and the CSV column.
pub fn parse_csv(text: &str, source: &str, task: Task) -> Result<Vec<LabeledPoint>, PresetError> {
    let error = |line: usize, column: usize, field: &str, message: String| PresetError {
        source: source.to_owned(),
        line,
        column,
        field: field.to_owned(),
        message,
    };
    let mut points = Vec::new();
    let mut header_allowed = true;
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split(',').collect();
        if header_allowed {
            header_allowed = false;
            let names: Vec<String> = fields.iter().map(|f| f.trim().to_lowercase()).collect();
            if names == ["x1", "x2", "label"] {
                continue;
            }
        }
        if fields.len() != 3 {
            let column = if fields.len() > 3 {
                // The start of the first extra field.
                fields[..3]
                    .iter()
                    .map(|f| f.chars().count() + 1)
                    .sum::<usize>()
                    + 1
            } else {
                line.chars().count() + 1
            };
            return Err(error(
                line_no,
                column,
                "",
                format!("expected 3 fields x1,x2,label, got {}", fields.len()),
            ));
        }
        if points.len() >= MAX_CSV_ROWS {
            return Err(error(
                line_no,
                1,
                "",
                format!("at most {MAX_CSV_ROWS} rows"),
            ));
        }
        let mut values = [0.0; 3];
        let mut column = 1;
        for (k, (f, name)) in fields.iter().zip(["x1", "x2", "label"]).enumerate() {
            let lead = f.chars().count() - f.trim_start().chars().count();
            let at = column + lead;
            let v: f64 = f.trim().parse().map_err(|_| {
                error(
                    line_no,
                    at,
                    name,
                    format!("expected a number, got \"{}\"", f.trim()),
                )
            })?;
            if !v.is_finite() {
                return Err(error(
                    line_no,
                    at,
                    name,
                    format!("must be a finite number, got {}", f.trim()),
                ));
            }
            if k == 2 && task == Task::Classification && v != 0.0 && v != 1.0 {
                return Err(error(
                    line_no,
                    at,
                    name,
                    format!("a class label is 0 or 1, got {}", f.trim()),
                ));
            }
            values[k] = v;
            column += f.chars().count() + 1;
        }
        points.push(LabeledPoint {
            x: [values[0], values[1]],
            y: values[2],
        });
    }
    Ok(points)
}

impl fmt::Display for MlpScenario {
    /// "2-8-8-1 tanh, BCE on Spiral (400 points), 3 runs".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let data = match &self.source {
            DataSource::Generated(g) => {
                format!("{} ({} points)", g.name(), self.spec.dataset.points)
            }
            DataSource::Imported { points, .. } => format!("CSV ({} points)", points.len()),
        };
        let net = Network::new(
            self.spec.dataset.features.len(),
            &self.spec.network,
            self.source.task(),
        );
        write!(f, "{net} on {data}, {} runs", self.runs.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt::Write as _;

    #[test]
    fn minimal_preset_takes_defaults_and_is_detected() {
        let text = "(dataset: (kind: Xor), runs: [(optimizer: Adam(lr: 0.01))])";
        assert!(is_mlp(text));
        assert!(!is_mlp(
            "(objective: Rosenbrock(), runs: [(label: \"dataset\")])"
        ));
        assert!(!is_mlp("(runs: [(dataset: 1)])"));
        let s = parse(text, "m.ron").unwrap();
        assert_eq!(s.runs[0].label, "Adam");
        assert_eq!(s.spec.steps, 1000);
        assert_eq!(s.spec.network.hidden, vec![8, 8]);
        let t = s.training().unwrap();
        assert_eq!(t.describe(), "2-8-8-1 tanh, BCE");
        assert!(is_mlp("(dataset: ())"));
        assert!(parse("(dataset: ())", "e.ron").is_ok());
    }

    #[test]
    fn errors_are_located_with_field_paths() {
        let text = "(\n  dataset: (kind: Spiral, train_fraction: 0.95),\n  network: (hidden: [8, 32]),\n  runs: [(optimizer: SGD(lr: -0.1)), (optimizer: Newton()), (start: (1.0, 2.0))],\n)";
        let e = parse(text, "bad.ron").unwrap_err();
        let lines: Vec<String> = e.0.iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            vec![
                "bad.ron:2:43: dataset.train_fraction: must be between 0.1 and 0.9, got 0.95",
                "bad.ron:3:25: network.hidden[1]: a layer has 1 to 16 units, got 32",
                "bad.ron:4:30: runs[0].optimizer.lr: must be > 0, got -0.1",
                "bad.ron:4:50: runs[1].optimizer: Newton needs the Hessian, which the MLP does not provide; use BFGS or LBFGS",
                "bad.ron:4:69: runs[2].start: does not apply to MLP runs (they share the initial weights and batches); remove it",
            ]
        );
        let e = parse("(runs: [(optimizer: CG(line_search_fn: Exact))])", "t.ron").unwrap_err();
        assert!(
            e.0[0]
                .message
                .contains("CG with line_search_fn: Exact needs the Hessian"),
            "{}",
            e.0[0].message
        );
        assert!(parse("(runs: [(optimizer: CG())])", "t.ron").is_ok());
        let e = parse("(dataset: (kind: Spirall))", "t.ron").unwrap_err();
        assert_eq!(e.0[0].field, "dataset.kind");
        assert!(
            e.0[0].message.contains("the data sets"),
            "{}",
            e.0[0].message
        );
        let e = parse("(dataset: (), netwrok: ())", "t.ron").unwrap_err();
        assert!(e.0[0].message.contains("netwrok"), "{}", e.0[0].message);
    }

    #[test]
    fn csv_rows_header_comments_and_errors_with_line_and_column() {
        let ok = "x1,x2,label\n# a comment\n1.0, 2.0, 1\n\n-3,4e-1,0\r\n";
        let p = parse_csv(ok, "p.csv", Task::Classification).unwrap();
        assert_eq!(
            p,
            vec![
                LabeledPoint {
                    x: [1.0, 2.0],
                    y: 1.0
                },
                LabeledPoint {
                    x: [-3.0, 0.4],
                    y: 0.0
                }
            ]
        );
        let cases = [
            (
                "1,2,1\n3,abc,0\n",
                "p.csv:2:3: x2: expected a number, got \"abc\"",
            ),
            (
                "1,2,1\n3,4, 2\n",
                "p.csv:2:6: label: a class label is 0 or 1, got 2",
            ),
            ("1,2\n", "p.csv:1:4: expected 3 fields x1,x2,label, got 2"),
            (
                "1,2,0,7\n",
                "p.csv:1:7: expected 3 fields x1,x2,label, got 4",
            ),
            (
                "1,2,0\nNaN,1,0\n",
                "p.csv:2:1: x1: must be a finite number, got NaN",
            ),
        ];
        for (text, expected) in cases {
            let e = parse_csv(text, "p.csv", Task::Classification).unwrap_err();
            assert_eq!(e.to_string(), expected, "{text:?}");
        }
        assert!(parse_csv("1,2,0.37\n", "p.csv", Task::Regression).is_ok());
    }

    #[test]
    fn csv_presets_read_through_the_callback() {
        let text = "(dataset: (kind: Csv(path: \"pts.csv\")), runs: [()])";
        assert_eq!(
            parse(text, "c.ron").unwrap_err().0[0].field,
            "dataset.kind.path"
        );
        let rows = (0..20).fold(String::new(), |mut s, i| {
            let _ = writeln!(s, "{i},{},{}", i % 3, i % 2);
            s
        });
        let s = parse_with(text, "c.ron", &mut |path| {
            assert_eq!(path, "pts.csv");
            Ok(("pts.csv".into(), rows.clone()))
        })
        .unwrap();
        let t = s.training().unwrap();
        assert_eq!(
            t.dataset().train_points().len() + t.dataset().test_points().len(),
            20
        );
        let e = parse_with(text, "c.ron", &mut |_| {
            Ok(("pts.csv".into(), "1,2,x\n".into()))
        })
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "pts.csv:1:5: label: expected a number, got \"x\""
        );
        let e = parse_with(text, "c.ron", &mut |_| {
            Err("cannot read pts.csv: gone".into())
        })
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "c.ron:1:28: dataset.kind.path: cannot read pts.csv: gone"
        );
    }

    #[test]
    fn round_trip_through_ron() {
        let text = "(name: \"rt\", dataset: (kind: Moons, noise: 0.2, features: [X1, X2, X1X2], input_scale: (1.0, 100.0), normalize: true), network: (hidden: [4], activation: ReLU, init: He, regularization: L2(0.001)), runs: [(label: \"m\", optimizer: SGD(lr: 0.1, momentum: 0.9), schedule: Step(step_size: 10, gamma: 0.5), clip: Norm(1.0), color: \"#123456\")], eval_every: 5, theme: Projector)";
        let spec = parse_spec(text, "rt.ron").unwrap();
        let back = parse_spec(&to_ron(&spec).unwrap(), "rt.ron").unwrap();
        assert_eq!(back, spec);
        assert!(is_mlp(&to_ron(&MlpSpec::default()).unwrap()));
    }
}
