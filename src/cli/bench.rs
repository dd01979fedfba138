//! `optiviz bench`: the standard speed workloads, each timed repeatedly, reported as the
//! median, the 90th percentile and the spread (fastest and slowest repetition). The criterion
//! benches in benches/ time the same workloads through the same functions.
//!
//! 1. The contour pipeline: Rosenbrock on a 512x512 grid and 24 log-spaced iso-levels, and the
//!    extraction alone.
//! 2. Re-simulation after a slider change: the default scenario's runs to 1,000 steps, plus the
//!    contours for its view at the app's largest grid, and the theory curves.
//! 3. One full UI frame of the app built headless (egui context, layout and tessellation, no
//!    GPU) while 8 runs of 100,000 steps play (GUI builds only).
//! 4. 2-D stepping throughput of SGD with momentum and of Adam on Rosenbrock, and of every
//!    optimizer at its defaults on the default quadratic, as the app steps them (gradient,
//!    update, recording into the trajectory).
//! 5. MLP training throughput: a 2-16-16-1 tanh network, batch 32, Adam, on the circle data
//!    (400 points, half for training), with evaluations off and with the default evaluation
//!    policy.
//! 6. Headless figures of the default preset: a 1920x1080 PNG (drawing and encoding), the same
//!    as SVG, and a 960x600 animated GIF of 180 frames.
//! 7. A measured hyperparameter map: 64 x 64 cells of 1,000-step heavy-ball runs on a
//!    quadratic (`numerics::sweep`), its time and its steps per second.
//! 8. The scaling curves: the contour pipeline at the grid sides of [`CONTOUR_SIDES`] on every
//!    core and on one thread, and MLP training at the widths of [`MLP_WIDTHS`] x the batch
//!    sizes of [`MLP_BATCHES`] (1 and 5 are points of these curves).
//!
//! A [`Plan`] picks the workloads by name before any runs (`optiviz bench --only`).

use crate::numerics::contour::{Grid, IsoLine, log_iso_lines};
use crate::numerics::objectives::{
    Landmarks, Objective, ObjectiveSpec, RosenbrockParams, ViewRect,
};
use crate::numerics::optimizers::{AdamParams, OptimizerSpec, SgdParams};
use crate::numerics::parallel::on_pool;
use crate::numerics::run::Simulation;
use crate::scenario::workloads::default_scenario;
use crate::scenario::{RunSpec, Scenario, ScenarioSpec};
use serde::Serialize;
use std::fmt::Write as _;
use std::hint::black_box;
use std::time::{Duration, Instant};

/// Grid side of the contour workload.
pub const CONTOUR_GRID: usize = 512;
/// Iso-levels of the contour workload (the app draws as many).
pub const CONTOUR_LEVELS: usize = 24;
/// The app's largest heat-map grid side (ui/surface/heatmap.rs samples at most this many nodes).
pub const APP_GRID: usize = 480;
/// Steps of the re-simulation workload.
pub const RESIM_STEPS: usize = 1_000;
/// Steps of the figure workloads: the default preset's own budget.
pub const BUILTIN_STEPS: usize = 200;
/// Trajectory capacity the app uses.
pub const APP_CAPACITY: usize = 1 << 17;
/// Size of the figure workload (a full-HD slide).
pub const FIGURE_SIZE: (u32, u32) = (1920, 1080);

/// Where a workload lies on one of the scaling curves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "curve", rename_all = "snake_case")]
pub enum CurvePoint {
    /// The contour pipeline on a `side` x `side` grid, on every core or on one thread.
    Contour {
        /// Grid side.
        side: usize,
        /// On a one-thread pool rather than every core.
        one_thread: bool,
    },
    /// MLP training of a 2-`width`-`width`-1 tanh network at batch size `batch`.
    Mlp {
        /// Width of both hidden layers.
        width: usize,
        /// Minibatch size.
        batch: usize,
    },
}

/// One workload's figures.
#[derive(Clone, Debug, Serialize)]
pub struct Measurement {
    /// What was timed.
    pub name: String,
    /// Unit of the figures: "ms" or "steps/s".
    pub unit: &'static str,
    /// Median over the repetitions.
    pub median: f64,
    /// The 90th percentile: the time 90 % of the repetitions stay under, or the throughput 90 %
    /// of them reach (the 10th percentile of the rates).
    pub p90: f64,
    /// Best repetition (smallest time, largest throughput).
    pub best: f64,
    /// Worst repetition.
    pub worst: f64,
    /// Repetitions timed (after warm-up).
    pub repeats: usize,
    /// The target of the median on this machine, when there is one, in the same unit.
    pub target: Option<f64>,
    /// A target of its own for the 90th percentile; without one, [`Measurement::target`]
    /// applies to it too.
    pub p90_target: Option<f64>,
    /// The workload's point on a scaling curve, if it is on one.
    pub scaling: Option<CurvePoint>,
}

impl Measurement {
    /// Figures from repeated durations, in milliseconds.
    #[must_use]
    pub fn from_durations(name: &str, times: &[Duration], target_ms: Option<f64>) -> Self {
        let ms: Vec<f64> = times.iter().map(|d| d.as_secs_f64() * 1e3).collect();
        let s = summary(&ms);
        Self {
            name: name.to_owned(),
            unit: "ms",
            median: s.median,
            p90: s.p90,
            best: s.min,
            worst: s.max,
            repeats: ms.len(),
            target: target_ms,
            p90_target: None,
            scaling: None,
        }
    }

    /// Figures from repeated throughputs.
    #[must_use]
    pub fn from_rates(name: &str, rates: &[f64]) -> Self {
        let s = summary(rates);
        Self {
            name: name.to_owned(),
            unit: "steps/s",
            median: s.median,
            p90: s.p10,
            best: s.max,
            worst: s.min,
            repeats: rates.len(),
            target: None,
            p90_target: None,
            scaling: None,
        }
    }

    /// The same figures with a target of their own for the 90th percentile.
    #[must_use]
    pub fn with_p90_target(self, target: f64) -> Self {
        Self {
            p90_target: Some(target),
            ..self
        }
    }

    /// The same figures placed on a scaling curve.
    #[must_use]
    pub fn on_curve(self, point: CurvePoint) -> Self {
        Self {
            scaling: Some(point),
            ..self
        }
    }

    /// Whether `value` is within `target`: at most it for times, at least it for rates.
    fn within(&self, value: f64, target: f64) -> bool {
        if self.unit == "ms" {
            value <= target
        } else {
            value >= target
        }
    }

    /// Whether the median meets the target (true without a target).
    #[must_use]
    pub fn meets_target(&self) -> bool {
        self.target.is_none_or(|t| self.within(self.median, t))
    }

    /// The target the 90th percentile is held to: its own, else the median's.
    #[must_use]
    pub fn p90_goal(&self) -> Option<f64> {
        self.p90_target.or(self.target)
    }

    /// Whether the 90th percentile meets [`Measurement::p90_goal`] (true without one).
    #[must_use]
    pub fn meets_p90_target(&self) -> bool {
        self.p90_goal().is_none_or(|t| self.within(self.p90, t))
    }

    /// The target column: "< 2 ms, met (p90 met)", or with another target for the 90th
    /// percentile "< 1.5 ms, met (p90 < 2 ms, missed)"; `missed` writes the word "missed".
    fn target_note(&self, missed: &str) -> String {
        let Some(goal) = self.p90_goal() else {
            return String::new();
        };
        let bound = |t: f64| {
            let sign = if self.unit == "ms" { '<' } else { '>' };
            format!("{sign} {t} {}", self.unit)
        };
        let verdict = |ok: bool| if ok { "met" } else { missed };
        let p90 = verdict(self.meets_p90_target());
        let p90 = if self.target == Some(goal) {
            format!("p90 {p90}")
        } else {
            format!("p90 {}, {p90}", bound(goal))
        };
        match self.target {
            Some(t) => format!("{}, {} ({p90})", bound(t), verdict(self.meets_target())),
            None => p90,
        }
    }
}

/// Order statistics of a sample (its finite values).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Summary {
    median: f64,
    min: f64,
    max: f64,
    /// The nearest-rank 90th percentile: the smallest value at least 90 % of the sample are at
    /// most.
    p90: f64,
    /// The mirror image: the largest value at least 90 % of the sample are at least.
    p10: f64,
}

/// The [`Summary`] of a sample; zeros for an empty one.
fn summary(values: &[f64]) -> Summary {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return Summary {
            median: 0.0,
            min: 0.0,
            max: 0.0,
            p90: 0.0,
            p10: 0.0,
        };
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let median = if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    };
    // ceil(0.9 n) values, at least one.
    let rank = (9 * n).div_ceil(10);
    Summary {
        median,
        min: v[0],
        max: v[n - 1],
        p90: v[rank - 1],
        p10: v[n - rank],
    }
}

/// Times `f` `repeats` times after `warmup` untimed calls.
pub fn time_repeated(warmup: usize, repeats: usize, f: impl FnMut()) -> Vec<Duration> {
    time_for(warmup, repeats, Duration::ZERO, f)
}

/// Times `f` after `warmup` untimed calls, at least `repeats` times and until `span` has passed
/// (at most [`MAX_REPEATS`] times). Millisecond workloads are repeated hundreds of times, so a
/// few hundred milliseconds of a busy host move their median little.
pub fn time_for(
    warmup: usize,
    repeats: usize,
    span: Duration,
    mut f: impl FnMut(),
) -> Vec<Duration> {
    for _ in 0..warmup {
        f();
    }
    let start = Instant::now();
    let mut times = Vec::new();
    while times.len() < MAX_REPEATS && (times.len() < repeats || start.elapsed() < span) {
        let t = Instant::now();
        f();
        times.push(t.elapsed());
    }
    times
}

/// The most repetitions [`time_for`] makes.
pub const MAX_REPEATS: usize = 2_001;

/// The contour workload's objective and rectangle: Rosenbrock over its default view.
#[must_use]
pub fn contour_setup() -> (crate::numerics::objectives::AnyObjective, ViewRect) {
    let f = ObjectiveSpec::Rosenbrock(RosenbrockParams::default())
        .build()
        .unwrap_or_else(|_| unreachable!("the default Rosenbrock is valid"));
    let view = f.default_view();
    (f, view)
}

/// Samples `f` on an `n` x `n` grid and extracts `levels` log-spaced iso-lines: what the app
/// does when the objective or the view changes.
#[must_use]
pub fn contour_pipeline<F: Objective + Sync + ?Sized>(
    f: &F,
    view: ViewRect,
    n: usize,
    levels: usize,
) -> Vec<IsoLine> {
    on_pool(|| {
        let (grid, range) = Grid::sample_with_range(f, view, n, n);
        log_iso_lines(&grid, range, levels)
    })
}

/// Iso-lines at `levels` log-spaced levels over the grid's finite range.
#[must_use]
pub fn extract_levels(grid: &Grid, levels: usize) -> Vec<IsoLine> {
    log_iso_lines(grid, grid.finite_range(), levels)
}

/// Re-simulation after a slider change: a fresh simulation of every run to the step budget,
/// the contours for the view at the app's largest grid, and the theory curves: the spectrum,
/// each run's predicted rate and the rate measured from its errors.
#[must_use]
pub fn resimulate(scenario: &Scenario) -> (Simulation, Vec<IsoLine>, Vec<Option<f64>>) {
    let mut sim = scenario
        .simulation(APP_CAPACITY)
        .unwrap_or_else(|_| unreachable!("a validated scenario builds its simulation"));
    sim.advance_to(scenario.spec.steps);
    let lines = contour_pipeline(&scenario.objective, scenario.view, APP_GRID, CONTOUR_LEVELS);
    let rates = theory_curves(scenario, &sim);
    (sim, lines, rates)
}

/// What the theory panel computes from a fresh simulation, by the same functions: the point
/// of analysis (here the first run's last point away from a quadratic), and for each run its
/// fit against the prediction; returns the predicted rate, or the measured one where theory
/// makes no prediction.
fn theory_curves(scenario: &Scenario, sim: &Simulation) -> Vec<Option<f64>> {
    use crate::numerics::theory::{self, RunFit};
    let run_point = sim
        .runs()
        .first()
        .and_then(|r| r.trajectory().points().last().copied());
    let Some(point) = theory::point_of_analysis(&scenario.objective, run_point) else {
        return Vec::new();
    };
    let x_star = point.minimum().unwrap_or(point.at);
    sim.runs()
        .iter()
        .map(|run| {
            let fit = RunFit::new(
                run.trajectory(),
                x_star,
                theory::predict(run.config(), &point.spectrum.eigenvalues),
                scenario.spec.steps,
                theory::PANEL_CURVE_POINTS,
            );
            fit.predicted_rate().or_else(|| fit.measured_rate())
        })
        .collect()
}

/// The figure workload: the default preset simulated to its budget, drawn at
/// [`FIGURE_SIZE`] as PNG (`svg` false) or SVG; returns the file's size in bytes.
#[must_use]
pub fn render_figure(scenario: &Scenario, sim: &Simulation, svg: bool) -> usize {
    let options = crate::render::FigureOptions {
        width: FIGURE_SIZE.0,
        height: FIGURE_SIZE.1,
        ..crate::render::FigureOptions::for_scenario(scenario)
    };
    let Ok(figure) = crate::render::Figure::new(scenario, sim, options) else {
        return 0;
    };
    if svg {
        figure.to_svg().len()
    } else {
        figure.to_png().map_or(0, |png| png.len())
    }
}

/// The GIF workload: the default preset's race as a 960x600 GIF of 30 fps x 6 s; returns the
/// file's size in bytes.
#[must_use]
pub fn render_gif(scenario: &Scenario) -> usize {
    let options = crate::render::GifOptions::for_scenario(scenario);
    crate::render::GifJob::new(scenario, options)
        .and_then(crate::render::GifJob::finish)
        .map_or(0, |gif| gif.len())
}

/// Steps per second of one optimizer on the default quadratic from (1, 1), as the app steps
/// it.
#[must_use]
pub fn stepping_rate(optimizer: &OptimizerSpec, steps: usize) -> f64 {
    stepping_rate_on(ObjectiveSpec::default(), (1.0, 1.0), optimizer, steps)
}

/// Steps per second of one optimizer on `objective` from `start`, as the app steps it.
#[must_use]
pub fn stepping_rate_on(
    objective: ObjectiveSpec,
    start: (f64, f64),
    optimizer: &OptimizerSpec,
    steps: usize,
) -> f64 {
    let spec = ScenarioSpec {
        objective,
        steps,
        runs: vec![RunSpec {
            optimizer: optimizer.clone(),
            start: Some(start),
            ..RunSpec::default()
        }],
        ..ScenarioSpec::default()
    };
    let Ok(scenario) = Scenario::from_spec(spec) else {
        return 0.0;
    };
    let Ok(mut sim) = scenario.simulation(APP_CAPACITY) else {
        return 0.0;
    };
    let t = Instant::now();
    sim.advance_to(steps);
    let done = sim
        .runs()
        .first()
        .map_or(0, crate::numerics::run::Run::steps_done);
    black_box(&sim);

    done as f64 / t.elapsed().as_secs_f64()
}

/// Hidden widths W of the MLP scaling curves (a 2-W-W-1 network).
pub const MLP_WIDTHS: [usize; 3] = [4, 8, 16];
/// Batch sizes of the MLP scaling curves.
pub const MLP_BATCHES: [usize; 3] = [8, 32, 128];
/// The MLP workload of the main table: 2-16-16-1, batch 32.
pub const MLP_WORKLOAD: (usize, usize) = (16, 32);
/// Grid sides of the contour scaling curves.
pub const CONTOUR_SIDES: [usize; 5] = [128, 256, 512, 1024, 2048];

/// Steps per second of MLP training: a 2-`width`-`width`-1 tanh network, batch `batch`, Adam
/// (lr 0.01) on the circle data set (400 points, half for training), one run. With
/// `evaluate`, the default evaluation policy runs as in the app; without, only step 0 and the
/// last step are evaluated.
#[must_use]
pub fn mlp_training_rate(width: usize, batch: usize, steps: usize, evaluate: bool) -> f64 {
    use crate::numerics::mlp::{
        Activation, DataConfig, DataSource, Feature, Generator, MlpRunConfig, NetworkSpec,
        Training, TrainingConfig,
    };
    let config = TrainingConfig {
        data: DataConfig {
            source: DataSource::Generated(Generator::Circle),
            points: 400,
            noise: 0.1,
            train_fraction: 0.5,
            seed: 1,
            features: vec![Feature::X1, Feature::X2],
            input_scale: (1.0, 1.0),
            normalize: false,
        },
        network: NetworkSpec {
            hidden: vec![width, width],
            activation: Activation::Tanh,
            ..NetworkSpec::default()
        },
        batch_size: batch,
        steps,
        seed: 1,
        eval_every: if evaluate { None } else { Some(steps.max(1)) },
        sharpness: false,
        runs: vec![MlpRunConfig {
            optimizer: OptimizerSpec::Adam(AdamParams {
                lr: 0.01,
                ..AdamParams::default()
            }),
            schedule: crate::numerics::schedule::Schedule::Constant,
            clip: crate::numerics::run::Clip::None,
        }],
    };
    let Ok(mut training) = Training::new(&config) else {
        return 0.0;
    };
    let t = Instant::now();
    let done = training.advance(steps);
    black_box(&training);

    done as f64 / t.elapsed().as_secs_f64()
}

/// The name of the MLP training workload at one point of the curves.
#[must_use]
pub fn mlp_name(width: usize, batch: usize) -> String {
    format!("MLP training: 2-{width}-{width}-1 tanh, B = {batch}, Adam")
}

/// The name of the contour pipeline workload on a `side` x `side` grid.
#[must_use]
pub fn contour_name(side: usize, one_thread: bool) -> String {
    let suffix = if one_thread { ", one thread" } else { "" };
    format!("contour pipeline: Rosenbrock {side}x{side} + {CONTOUR_LEVELS} levels{suffix}")
}

/// Which workloads `optiviz bench` runs, and how long it times them.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// Fewer repetitions and steps: a quick look rather than a measurement (tests, CI).
    pub quick: bool,
    /// Only the workloads whose name contains one of these; every workload when empty.
    pub only: Vec<String>,
}

impl Plan {
    /// Every workload, measured (`quick` false) or looked at.
    #[must_use]
    pub fn all(quick: bool) -> Self {
        Self {
            quick,
            only: Vec::new(),
        }
    }

    /// Whether the workload called `name` is to run.
    #[must_use]
    pub fn wants(&self, name: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|s| name.contains(s.as_str()))
    }
}

/// Goes through the workloads of a [`Plan`]: times the wanted ones, or only lists their names.
struct Bench<'p> {
    plan: &'p Plan,
    /// Time the workloads (else only their names are collected).
    timing: bool,
    names: Vec<String>,
    out: Vec<Measurement>,
}

impl Bench<'_> {
    /// Times the workload `name` with `measure` when the plan wants it. The decision is made
    /// by name before anything runs; `measure` may add a detail it learns to the name.
    fn workload(&mut self, name: &str, measure: impl FnOnce(&str) -> Measurement) {
        if !self.plan.wants(name) {
            return;
        }
        self.names.push(name.to_owned());
        if self.timing {
            let m = measure(name);
            debug_assert!(m.name.starts_with(name), "{} is {name}", m.name);
            self.out.push(m);
        }
    }

    /// Whether any of `names` is wanted (to skip the setup of a group of workloads).
    fn wants_any<S: AsRef<str>>(&self, names: impl IntoIterator<Item = S>) -> bool {
        names.into_iter().any(|n| self.plan.wants(n.as_ref()))
    }
}

/// The key of the long UI frame workload; its name adds the memory the trajectories hold.
#[cfg(feature = "gui")]
const LONG_FRAME: &str = "UI frame: 8 runs x 1,000,000 steps playing";

/// The app's frames and startup (GUI builds only).
#[cfg(feature = "gui")]
fn ui_workloads(bench: &mut Bench) {
    let quick = bench.plan.quick;
    let frames = if quick { 10 } else { 120 };
    bench.workload(
        "UI frame: 8 runs x 100,000 steps playing (layout + tessellation, no GPU)",
        |name| {
            let times = crate::ui::frame_bench::frame_times(8, 100_000, frames);
            Measurement::from_durations(name, &times, Some(4.0))
        },
    );
    if !quick {
        bench.workload(LONG_FRAME, |name| {
            let mut long = crate::ui::frame_bench::FrameBench::new(8, 1_000_000);
            let times: Vec<Duration> = (0..frames).map(|_| long.frame()).collect();
            let mb = long.trajectory_bytes() as f64 / 1e6;
            Measurement::from_durations(
                &format!("{name} (trajectories hold {mb:.0} MB)"),
                &times,
                Some(4.0),
            )
        });
    }
    for speed in [500.0, 100_000.0] {
        bench.workload(
            &format!("UI frame: network page training the spiral (3 runs) at {speed} steps/s"),
            |name| {
                let times = crate::ui::frame_bench::network_frame_times(speed, frames);
                Measurement::from_durations(name, &times, Some(16.7)).with_p90_target(16.7)
            },
        );
    }
    bench.workload("startup to first frame (headless)", |name| {
        let times = crate::ui::frame_bench::startup_times(if quick { 1 } else { 5 });
        Measurement::from_durations(name, &times, Some(500.0))
    });
}

#[cfg(not(feature = "gui"))]
fn ui_workloads(_bench: &mut Bench) {}

/// Runs `work` on `pool`, or where it is called (on every core) without one.
fn install(pool: Option<&rayon::ThreadPool>, work: &mut (dyn FnMut() + Send)) {
    match pool {
        Some(p) => p.install(work),
        None => work(),
    }
}

/// The contour pipeline and the extraction alone on the 512x512 grid, on every core (as the
/// app runs them) and on one thread (for a fair comparison with single-threaded peers); with
/// `scaling`, the pipeline at the other sides of [`CONTOUR_SIDES`] instead.
fn contour_workloads(
    bench: &mut Bench,
    pool: Option<&rayon::ThreadPool>,
    repeats: usize,
    span: Duration,
    scaling: bool,
) {
    let (f, view) = contour_setup();
    let mut threads = vec![(false, None)];
    if let Some(pool) = pool {
        threads.push((true, Some(pool)));
    }
    let quick = bench.plan.quick;
    for (one_thread, pool) in threads {
        let suffix = if one_thread { ", one thread" } else { "" };
        for side in CONTOUR_SIDES {
            if (side == CONTOUR_GRID) == scaling {
                continue;
            }
            // A quick look times the big grids once.
            let repeats = if quick && side > CONTOUR_GRID {
                1
            } else {
                repeats
            };
            bench.workload(&contour_name(side, one_thread), |name| {
                let times = time_for(1, repeats, span, || {
                    install(pool, &mut || {
                        black_box(contour_pipeline(&f, view, side, CONTOUR_LEVELS));
                    });
                });
                Measurement::from_durations(name, &times, None)
                    .on_curve(CurvePoint::Contour { side, one_thread })
            });
        }
        if scaling {
            continue;
        }
        let name = format!("contour extraction alone (24 levels, 512x512){suffix}");
        bench.workload(&name, |name| {
            let grid = Grid::sample(&f, view, CONTOUR_GRID, CONTOUR_GRID);
            let times = time_for(1, repeats, span, || {
                install(pool, &mut || {
                    black_box(extract_levels(&grid, CONTOUR_LEVELS));
                });
            });
            Measurement::from_durations(name, &times, None)
        });
    }
}

/// MLP training throughput: the main workload with evaluations off and as the app evaluates,
/// or with `scaling` the other points of the [`MLP_WIDTHS`] x [`MLP_BATCHES`] grid.
fn mlp_workloads(bench: &mut Bench, repeats: usize, scaling: bool) {
    let quick = bench.plan.quick;
    let rates = |width, batch, steps, evaluate| -> Vec<f64> {
        (0..repeats.min(7))
            .map(|_| mlp_training_rate(width, batch, steps, evaluate))
            .collect()
    };
    let (width, batch) = MLP_WORKLOAD;
    if !scaling {
        let steps = if quick { 5_000 } else { 50_000 };
        bench.workload(&mlp_name(width, batch), |name| {
            Measurement::from_rates(name, &rates(width, batch, steps, false))
                .on_curve(CurvePoint::Mlp { width, batch })
        });
        bench.workload("MLP training, evaluating as the app does", |name| {
            Measurement::from_rates(name, &rates(width, batch, steps, true))
        });
        return;
    }
    // The other eight points: fewer steps than the main workload (the widest network at
    // B = 128 takes 20 times as long a step); a quick look takes a fraction of a second.
    let steps = if quick { 2_000 } else { 20_000 };
    for width in MLP_WIDTHS {
        for batch in MLP_BATCHES {
            if (width, batch) == MLP_WORKLOAD {
                continue;
            }
            bench.workload(&mlp_name(width, batch), |name| {
                Measurement::from_rates(name, &rates(width, batch, steps, false))
                    .on_curve(CurvePoint::Mlp { width, batch })
            });
        }
    }
}

/// 2-D stepping throughput: SGD with momentum and Adam on Rosenbrock (preset 12's start and
/// rates), then every optimizer at its defaults on the default quadratic.
fn stepping_workloads(bench: &mut Bench, repeats: usize) {
    let steps = if bench.plan.quick { 100_000 } else { 1_000_000 };
    for (name, optimizer) in [
        (
            "stepping on Rosenbrock: SGD momentum 0.9",
            OptimizerSpec::SGD(SgdParams {
                lr: 1e-3,
                momentum: 0.9,
                ..SgdParams::default()
            }),
        ),
        (
            "stepping on Rosenbrock: Adam",
            OptimizerSpec::Adam(AdamParams {
                lr: 0.02,
                ..AdamParams::default()
            }),
        ),
    ] {
        bench.workload(name, |name| {
            let rosenbrock = ObjectiveSpec::Rosenbrock(RosenbrockParams::default());
            let rates: Vec<f64> = (0..repeats.min(7))
                .map(|_| stepping_rate_on(rosenbrock.clone(), (-1.5, 2.0), &optimizer, steps))
                .collect();
            Measurement::from_rates(name, &rates)
        });
    }
    // Every optimizer of the registry at its defaults, for the table in docs/performance.md.
    let steps = if bench.plan.quick { 20_000 } else { 200_000 };
    for optimizer in OptimizerSpec::all_defaults() {
        let name = format!("stepping at the defaults: {}", optimizer.name());
        bench.workload(&name, |name| {
            let rates: Vec<f64> = (0..3).map(|_| stepping_rate(&optimizer, steps)).collect();
            Measurement::from_rates(name, &rates)
        });
    }
}

/// The hyperparameter map of `scenario::workloads::sweep_workload` (64 x 64 cells of 1,000
/// steps), in one go on every core: its time, and its throughput in steps per second.
fn sweep_workloads(bench: &mut Bench, repeats: usize) {
    use crate::numerics::sweep::{Cell, compute};
    use crate::scenario::workloads::{SWEEP_SIDE, SWEEP_STEPS, sweep_workload};
    let time = "sweep: 64x64 map of 1,000-step heavy-ball runs on the kappa = 100 quadratic";
    let rate = "sweep throughput: the same map";
    if !bench.timing || bench.wants_any([time, rate]) {
        let spec = sweep_workload();
        bench.workload(time, |name| {
            let times = time_repeated(1, repeats.min(11), || {
                black_box(compute(spec.clone()).ok());
            });
            Measurement::from_durations(name, &times, Some(500.0))
        });
        bench.workload(rate, |name| {
            let rates: Vec<f64> = (0..repeats.min(7))
                .map(|_| {
                    let t = Instant::now();
                    let map = compute(spec.clone()).ok();
                    let secs = t.elapsed().as_secs_f64();
                    // Steps the cells took: all of them, unless a cell stopped early.
                    let steps: usize = map.map_or(0, |m| {
                        m.cells
                            .iter()
                            .map(|c| match c {
                                Cell::Diverged { step } | Cell::Failed { step } => *step,
                                Cell::Value(_) | Cell::NotReached => SWEEP_STEPS,
                            })
                            .sum()
                    });
                    debug_assert_eq!(steps, SWEEP_SIDE * SWEEP_SIDE * SWEEP_STEPS);
                    steps as f64 / secs
                })
                .collect();
            Measurement::from_rates(name, &rates)
        });
    }
}

/// Goes through every workload of `plan` in order.
fn go(bench: &mut Bench) {
    let quick = bench.plan.quick;
    let repeats = if quick { 3 } else { 21 };
    // The millisecond workloads run for a second each (hundreds of repetitions).
    let span = if quick {
        Duration::ZERO
    } else {
        Duration::from_secs(1)
    };
    // Spawning the one-thread pool costs a thread start, nothing to save by skipping it.
    let one_thread = rayon::ThreadPoolBuilder::new().num_threads(1).build().ok();

    contour_workloads(bench, one_thread.as_ref(), repeats, span, false);

    bench.workload(
        "re-simulation: default scenario to 1,000 steps + contours (480x480) + theory",
        |name| {
            let scenario = default_scenario(RESIM_STEPS);
            let times = time_for(1, repeats, span, || {
                black_box(resimulate(&scenario));
            });
            Measurement::from_durations(name, &times, Some(1.5)).with_p90_target(2.0)
        },
    );

    ui_workloads(bench);

    figure_workloads(bench, repeats);

    stepping_workloads(bench, repeats);

    sweep_workloads(bench, repeats);

    mlp_workloads(bench, repeats, false);

    // The scaling curves: the other grid sides and network shapes.
    contour_workloads(bench, one_thread.as_ref(), repeats, span, true);
    mlp_workloads(bench, repeats, true);
}

/// Times the workloads of `plan`, in order.
#[must_use]
pub fn run(plan: &Plan) -> Vec<Measurement> {
    let mut bench = Bench {
        plan,
        timing: true,
        names: Vec::new(),
        out: Vec::new(),
    };
    go(&mut bench);
    bench.out
}

/// The names of the workloads of `plan`, in the order [`run`] times them, without timing any.
/// (The long UI frame's measurement adds the memory its trajectories hold to the name.)
#[must_use]
pub fn names(plan: &Plan) -> Vec<String> {
    let mut bench = Bench {
        plan,
        timing: false,
        names: Vec::new(),
        out: Vec::new(),
    };
    go(&mut bench);
    bench.names
}

/// Runs every workload; `quick` uses fewer repetitions (for tests and CI).
#[must_use]
pub fn run_all(quick: bool) -> Vec<Measurement> {
    run(&Plan::all(quick))
}

/// The headless figure workloads (PNG, SVG, GIF of the default preset).
fn figure_workloads(bench: &mut Bench, repeats: usize) {
    let quick = bench.plan.quick;
    let png = "figure: 1920x1080 PNG of the default preset (draw + encode)";
    let svg = "figure: 1920x1080 SVG of the default preset";
    let gif = "figure: 960x600 GIF, 180 frames, of the default preset";
    if !bench.timing || bench.wants_any([png, svg, gif]) {
        let figure_scenario = default_scenario(BUILTIN_STEPS);
        if let Ok(sim) = crate::render::simulate(&figure_scenario, BUILTIN_STEPS) {
            for (is_svg, name, target) in [(false, png, Some(100.0)), (true, svg, None)] {
                bench.workload(name, |name| {
                    let times = time_repeated(1, repeats.min(11), || {
                        black_box(render_figure(&figure_scenario, &sim, is_svg));
                    });
                    Measurement::from_durations(name, &times, target)
                });
            }
        }
        bench.workload(gif, |name| {
            let times = time_repeated(0, if quick { 1 } else { 3 }, || {
                black_box(render_gif(&figure_scenario));
            });
            Measurement::from_durations(name, &times, None)
        });
    }
}

/// The figures as an aligned table.
#[must_use]
pub fn to_text(results: &[Measurement]) -> String {
    let width = results.iter().map(|m| m.name.len()).max().unwrap_or(0);
    let mut s = format!(
        "{:width$}  {:>12}  {:>12}  {:>12}  {:>12}  target\n",
        "workload", "median", "p90", "best", "worst"
    );
    for m in results {
        let fmt = |v: f64| {
            if m.unit == "ms" {
                format!("{v:.3} ms")
            } else if v >= 1e6 {
                format!("{:.2} M/s", v / 1e6)
            } else {
                format!("{:.1} k/s", v / 1e3)
            }
        };
        let _ = writeln!(
            s,
            "{:width$}  {:>12}  {:>12}  {:>12}  {:>12}  {}",
            m.name,
            fmt(m.median),
            fmt(m.p90),
            fmt(m.best),
            fmt(m.worst),
            m.target_note("MISSED"),
        );
    }
    s
}

/// The figures of a measurement in its unit, compactly ("1.234 ms", "10.7 M steps/s").
fn figure(m: &Measurement, v: f64) -> String {
    if m.unit == "ms" {
        if v >= 100.0 {
            format!("{v:.0} ms")
        } else if v >= 10.0 {
            format!("{v:.1} ms")
        } else {
            format!("{v:.2} ms")
        }
    } else if v >= 1e6 {
        format!("{:.2} M steps/s", v / 1e6)
    } else {
        format!("{:.1} k steps/s", v / 1e3)
    }
}

/// The markdown table of `rows`.
fn markdown_table<'a>(s: &mut String, rows: impl IntoIterator<Item = &'a Measurement>) {
    s.push_str("| workload | median | p90 | best | worst | repeats | target |\n");
    s.push_str("| --- | --- | --- | --- | --- | --- | --- |\n");
    for m in rows {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} |",
            m.name,
            figure(m, m.median),
            figure(m, m.p90),
            figure(m, m.best),
            figure(m, m.worst),
            m.repeats,
            m.target_note("**missed**"),
        );
    }
}

/// Whether `m` belongs to the main table: every workload off the scaling curves, and the two
/// points of the curves that are standard workloads (512x512, 2-16-16-1 at B = 32).
fn in_main_table(m: &Measurement) -> bool {
    match m.scaling {
        None => true,
        Some(CurvePoint::Contour { side, .. }) => side == CONTOUR_GRID,
        Some(CurvePoint::Mlp { width, batch }) => (width, batch) == MLP_WORKLOAD,
    }
}

/// The page docs/performance.md is: when and where the figures were measured, the table,
/// and the scaling curves in a table of their own. `started` is when the measurement began
/// (shown as UTC).
#[must_use]
pub fn to_markdown(results: &[Measurement], started: std::time::SystemTime, quick: bool) -> String {
    let when = started
        .duration_since(std::time::UNIX_EPOCH)
        .map_or_else(|_| "an unknown time".to_owned(), |d| utc(d.as_secs()));
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let mut s = String::from("# Performance\n\n");
    let _ = writeln!(
        s,
        "Generated by `optiviz bench --markdown{}` (a release build) at {when}, on {cores} \
         core{} ({} {}; hot loops compiled for {}). Do not edit by hand: run it again.\n",
        if quick { " --quick" } else { "" },
        if cores == 1 { "" } else { "s" },
        std::env::consts::ARCH,
        std::env::consts::OS,
        crate::numerics::cpu::describe(),
    );
    s.push_str(
        "Each millisecond workload repeats for about a second, the others a fixed number of \
         times (`repeats`); the median is the figure to quote, p90 is the time 90 % of the \
         repetitions stay under (for throughputs, the rate 90 % of them reach), best and worst \
         show the spread. On a shared machine a busy minute moves the worst figure much more \
         than the median: compare builds in the same minutes, and peers (benches/peers/run.sh) \
         in the same run. Targets are the budgets README.md gives and apply to the median; \
         the p90 is held to the same target unless it has its own. The app must stay inside \
         16.7 ms a frame.\n\n",
    );
    markdown_table(&mut s, results.iter().filter(|m| in_main_table(m)));
    let mut curves: Vec<&Measurement> = results.iter().filter(|m| m.scaling.is_some()).collect();
    if curves.len() > 1 {
        // Contours by threads then side, MLP by width then batch (the curves' own order).
        curves.sort_by_key(|m| match m.scaling {
            Some(CurvePoint::Contour { side, one_thread }) => (0, usize::from(one_thread), side),
            Some(CurvePoint::Mlp { width, batch }) => (1, width, batch),
            None => (2, 0, 0),
        });
        s.push_str(
            "\n## Scaling\n\nThe contour pipeline (Rosenbrock, 24 levels) at every grid side on \
             every core and on one thread, and MLP training (a 2-W-W-1 tanh network, Adam, \
             evaluations off) at every width W and batch size B; the 512x512 and the \
             2-16-16-1, B = 32 rows are the main table's.\n\n",
        );
        markdown_table(&mut s, curves);
    }
    s
}

/// "2026-12-01 10:34 UTC" for `secs` seconds after the Unix epoch (the proleptic Gregorian
/// calendar, by Howard Hinnant's days-to-civil algorithm).
fn utc(secs: u64) -> String {
    let days = secs / 86_400;
    let (hour, minute) = ((secs % 86_400) / 3600, (secs % 3600) / 60);
    // Days since 0000-03-01, so leap days fall at the end of each 400-year era.
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02} UTC")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::workloads::long_scenario;

    #[test]
    fn every_optimizer_steps_at_its_defaults() {
        for optimizer in OptimizerSpec::all_defaults() {
            let rate = stepping_rate(&optimizer, 2_000);
            assert!(
                rate.is_finite() && rate > 0.0,
                "{}: {rate}",
                optimizer.name()
            );
        }
    }

    #[test]
    fn utc_dates_follow_the_calendar() {
        assert_eq!(utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(utc(1_796_128_440), "2026-12-01 12:34 UTC");
        assert_eq!(utc(4_107_542_399), "2100-02-28 23:59 UTC");
    }

    #[test]
    fn the_markdown_page_has_one_row_per_workload_and_says_when() {
        let results = [
            Measurement::from_durations("a", &[Duration::from_millis(3)], Some(2.0)),
            Measurement::from_rates("b", &[2.5e6]),
        ];
        let page = to_markdown(&results, std::time::UNIX_EPOCH, false);
        assert!(page.contains("at 1970-01-01 00:00 UTC"), "{page}");
        assert!(
            page.contains("| workload | median | p90 | best |"),
            "{page}"
        );
        assert!(
            page.contains(
                "| a | 3.00 ms | 3.00 ms | 3.00 ms | 3.00 ms | 1 | < 2 ms, **missed** (p90 **missed**) |"
            ),
            "{page}"
        );
        assert!(page.contains("| b | 2.50 M steps/s |"), "{page}");
        assert!(!page.contains("## Scaling"), "no curves, no scaling table");
    }

    #[test]
    fn the_scaling_rows_get_a_table_of_their_own() {
        let ms = |name: &str, side, one_thread| {
            Measurement::from_durations(name, &[Duration::from_millis(1)], None)
                .on_curve(CurvePoint::Contour { side, one_thread })
        };
        let results = [
            ms(&contour_name(512, false), 512, false),
            Measurement::from_durations("other", &[Duration::from_millis(1)], None),
            ms(&contour_name(1024, true), 1024, true),
            ms(&contour_name(1024, false), 1024, false),
        ];
        let page = to_markdown(&results, std::time::UNIX_EPOCH, true);
        let (main, scaling) = page
            .split_once("## Scaling")
            .unwrap_or_else(|| panic!("{page}"));
        assert!(main.contains("| contour pipeline: Rosenbrock 512x512 + 24 levels |"));
        assert!(main.contains("| other |"));
        assert!(!main.contains("1024x1024"), "{main}");
        let rows: Vec<&str> = scaling.lines().filter(|l| l.starts_with("| c")).collect();
        assert_eq!(rows.len(), 3, "{scaling}");
        assert!(rows[0].contains("512x512 + 24 levels |"), "{scaling}");
        assert!(rows[1].contains("1024x1024 + 24 levels |"), "{scaling}");
        assert!(
            rows[2].contains("1024x1024 + 24 levels, one thread |"),
            "{scaling}"
        );
    }

    #[test]
    fn targets_hold_the_median_and_the_90th_percentile() {
        let times: Vec<Duration> = (1..=10).map(Duration::from_millis).collect();
        let m = Measurement::from_durations("t", &times, Some(6.0));
        assert_eq!((m.median, m.p90, m.best, m.worst), (5.5, 9.0, 1.0, 10.0));
        assert!(m.meets_target() && !m.meets_p90_target());
        assert_eq!(m.target_note("missed"), "< 6 ms, met (p90 missed)");
        let m = m.with_p90_target(9.0);
        assert_eq!(m.target_note("missed"), "< 6 ms, met (p90 < 9 ms, met)");
        let m = Measurement::from_durations("t", &times, Some(1.5)).with_p90_target(2.0);
        assert_eq!(m.target_note("x"), "< 1.5 ms, x (p90 < 2 ms, x)");
        let m = Measurement::from_durations("t", &times, Some(9.5)).with_p90_target(9.5);
        assert_eq!(m.target_note("missed"), "< 9.5 ms, met (p90 met)");
        let m = Measurement::from_durations("t", &times, None);
        assert_eq!(m.target_note("x"), "");
        // Throughputs: the rate 90 % of the repetitions reach.
        let rates: Vec<f64> = (1..=10).map(f64::from).collect();
        let m = Measurement::from_rates("r", &rates);
        assert_eq!((m.median, m.p90, m.best, m.worst), (5.5, 2.0, 10.0, 1.0));
    }

    #[test]
    fn summary_is_median_min_max_and_the_percentiles() {
        let s = summary(&[3.0, 1.0, 2.0]);
        assert_eq!(
            (s.median, s.min, s.max, s.p90, s.p10),
            (2.0, 1.0, 3.0, 3.0, 1.0)
        );
        let s = summary(&[4.0, 1.0, 2.0, 3.0]);
        assert_eq!((s.median, s.min, s.max), (2.5, 1.0, 4.0));
        let v: Vec<f64> = (1..=21).map(f64::from).collect();
        let s = summary(&v);
        assert_eq!((s.median, s.p90, s.p10), (11.0, 19.0, 3.0));
        assert_eq!(summary(&[7.0]).p90, 7.0);
        assert_eq!(summary(&[]).p90, 0.0);
    }

    #[test]
    fn the_scaling_workloads_exist_under_their_names() {
        let all = names(&Plan::all(false));
        for side in CONTOUR_SIDES {
            for one_thread in [false, true] {
                let name = contour_name(side, one_thread);
                assert_eq!(all.iter().filter(|n| **n == name).count(), 1, "{name}");
            }
        }
        for width in MLP_WIDTHS {
            for batch in MLP_BATCHES {
                let name = mlp_name(width, batch);
                assert_eq!(all.iter().filter(|n| **n == name).count(), 1, "{name}");
            }
        }
        // The names peers and docs look up.
        for name in [
            "contour pipeline: Rosenbrock 512x512 + 24 levels",
            "contour pipeline: Rosenbrock 512x512 + 24 levels, one thread",
            "contour pipeline: Rosenbrock 1024x1024 + 24 levels",
            "contour pipeline: Rosenbrock 2048x2048 + 24 levels, one thread",
            "contour extraction alone (24 levels, 512x512)",
            "contour extraction alone (24 levels, 512x512), one thread",
            "MLP training: 2-16-16-1 tanh, B = 32, Adam",
            "MLP training: 2-8-8-1 tanh, B = 128, Adam",
            "MLP training: 2-4-4-1 tanh, B = 8, Adam",
        ] {
            assert!(all.iter().any(|n| n == name), "{name} in {all:?}");
        }
        let unique: std::collections::BTreeSet<&String> = all.iter().collect();
        assert_eq!(unique.len(), all.len(), "names are unique");
    }

    #[test]
    fn only_picks_workloads_by_substring_before_timing() {
        let plan = |only: &[&str]| Plan {
            quick: true,
            only: only.iter().map(|s| (*s).to_owned()).collect(),
        };
        let mlp = names(&plan(&["MLP training: 2-"]));
        assert_eq!(mlp.len(), MLP_WIDTHS.len() * MLP_BATCHES.len(), "{mlp:?}");
        let two = names(&plan(&["2048x2048", "re-simulation"]));
        assert_eq!(two.len(), 3, "{two:?}");
        assert!(names(&plan(&["no such workload"])).is_empty());
        assert_eq!(names(&plan(&[])), names(&Plan::all(true)));
        // What runs is what was picked, and it has its figures.
        let results = run(&plan(&["2-4-4-1 tanh, B = 8,"]));
        assert_eq!(results.len(), 1);
        let m = &results[0];
        assert_eq!(m.name, "MLP training: 2-4-4-1 tanh, B = 8, Adam");
        assert_eq!(m.scaling, Some(CurvePoint::Mlp { width: 4, batch: 8 }));
        assert!(
            m.p90 > 0.0 && m.p90 <= m.median && m.median <= m.best,
            "{m:?}"
        );
    }

    #[test]
    fn trajectory_memory_is_bounded_by_the_capacity() {
        let scenario = Scenario::from_spec(long_scenario(3, 200_000)).unwrap_or_else(|e| {
            panic!("valid: {e:?}");
        });
        let mut sim = scenario
            .simulation(1024)
            .unwrap_or_else(|e| panic!("builds: {e}"));
        sim.advance_to(10_000);
        // The recorded samples; the drawn shape has its own bound, its vertex budget.
        let samples = |r: &crate::numerics::run::Run| {
            r.trajectory().heap_bytes() - r.trajectory().shape().heap_bytes()
        };
        let after_10k: Vec<usize> = sim.runs().iter().map(samples).collect();
        sim.advance_to(200_000);
        for (run, early) in sim.runs().iter().zip(after_10k) {
            let shape = run.trajectory().shape().heap_bytes();
            assert!(shape <= 2 * (1 << 16) * 24, "{shape} bytes of shape");
            let bytes = samples(run);
            // 4 vectors of points and 3 of scalars, at most 2x the capacity after growth.
            assert!(bytes <= 2 * 1024 * (4 * 16 + 3 * 8), "{bytes} bytes");
            assert!(
                bytes <= early,
                "20x the steps, no more memory ({early} -> {bytes})"
            );
            assert_eq!(run.steps_done(), 200_000);
        }
    }

    #[test]
    fn workloads_do_the_work_they_claim() {
        let (f, view) = contour_setup();
        let lines = contour_pipeline(&f, view, 128, CONTOUR_LEVELS);
        let levels: std::collections::BTreeSet<usize> = lines.iter().map(|l| l.level).collect();
        assert!(levels.len() >= 20, "most of the 24 levels have lines");
        let scenario = default_scenario(RESIM_STEPS);
        let (sim, lines, rates) = resimulate(&scenario);
        assert!(!lines.is_empty());
        assert_eq!(rates.len(), sim.runs().len(), "a rate curve per run");
        assert!(
            rates.iter().flatten().all(|r| (0.0..1.0).contains(r)),
            "the default race converges: {rates:?}"
        );
        for run in sim.runs() {
            assert_eq!(run.steps_done(), RESIM_STEPS);
        }
        let spec = long_scenario(8, 1000);
        assert_eq!(spec.runs.len(), 8);
        assert!(Scenario::from_spec(spec).is_ok());
        let sgd = OptimizerSpec::SGD(SgdParams::default());
        assert!(stepping_rate(&sgd, 10_000) > 0.0);
        assert!(mlp_training_rate(16, 32, 20, true) > 0.0);
        assert!(mlp_training_rate(4, 128, 20, false) > 0.0);
        let scenario = default_scenario(20);
        let sim = crate::render::simulate(&scenario, 20).unwrap_or_else(|e| panic!("{e}"));
        assert!(render_figure(&scenario, &sim, false) > 10_000);
        assert!(render_figure(&scenario, &sim, true) > 10_000);
    }
}
