//! `optiviz bench`: the standard speed workloads, each timed repeatedly, reported as the median
//! and the spread (fastest and slowest repetition). The criterion benches in benches/ time the
//! same workloads through the same functions.
//!
//! 1. The contour pipeline: Rosenbrock on a 512x512 grid and 24 log-spaced iso-levels, and the
//!    extraction alone.
//! 2. Re-simulation after a slider change: the default scenario's runs to 1,000 steps, plus the
//!    contours for its view at the app's largest grid, and the theory curves.
//! 3. One full UI frame of the app built headless (egui context, layout and tessellation, no
//!    GPU) while 8 runs of 100,000 steps play (GUI builds only).
//! 4. 2-D stepping throughput of SGD with momentum and of Adam, and of every optimizer at its
//!    defaults, as the app steps them (gradient, update, recording into the trajectory).
//! 5. MLP training throughput: a 2-16-16-1 tanh network, batch 32, Adam, on the circle data
//!    (400 points, half for training), with evaluations off and with the default evaluation
//!    policy.
//! 6. Headless figures of the default preset: a 1920x1080 PNG (drawing and encoding), the same
//!    as SVG, and a 960x600 animated GIF of 180 frames.

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

/// One workload's figures.
#[derive(Clone, Debug, Serialize)]
pub struct Measurement {
    /// What was timed.
    pub name: String,
    /// Unit of the figures: "ms" or "steps/s".
    pub unit: &'static str,
    /// Median over the repetitions.
    pub median: f64,
    /// Best repetition (smallest time, largest throughput).
    pub best: f64,
    /// Worst repetition.
    pub worst: f64,
    /// Repetitions timed (after warm-up).
    pub repeats: usize,
    /// The target for this machine, when there is one, in the same unit.
    pub target: Option<f64>,
}

impl Measurement {
    /// Figures from repeated durations, in milliseconds.
    #[must_use]
    pub fn from_durations(name: &str, times: &[Duration], target_ms: Option<f64>) -> Self {
        let ms: Vec<f64> = times.iter().map(|d| d.as_secs_f64() * 1e3).collect();
        let (median, best, worst) = summary(&ms);
        Self {
            name: name.to_owned(),
            unit: "ms",
            median,
            best,
            worst,
            repeats: ms.len(),
            target: target_ms,
        }
    }

    /// Figures from repeated throughputs.
    #[must_use]
    pub fn from_rates(name: &str, rates: &[f64]) -> Self {
        let (median, worst, best) = summary(rates);
        Self {
            name: name.to_owned(),
            unit: "steps/s",
            median,
            best,
            worst,
            repeats: rates.len(),
            target: None,
        }
    }

    /// Whether the median meets the target (true without a target).
    #[must_use]
    pub fn meets_target(&self) -> bool {
        self.target.is_none_or(|t| self.median <= t)
    }
}

/// (median, min, max) of a non-empty sample; zeros for an empty one.
fn summary(values: &[f64]) -> (f64, f64, f64) {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return (0.0, 0.0, 0.0);
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let median = if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    };
    (median, v[0], v[n - 1])
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

/// Steps per second of one optimizer on the default quadratic, as the app steps it.
#[must_use]
pub fn stepping_rate(optimizer: &OptimizerSpec, steps: usize) -> f64 {
    let spec = ScenarioSpec {
        objective: ObjectiveSpec::default(),
        steps,
        runs: vec![RunSpec {
            optimizer: optimizer.clone(),
            start: Some((1.0, 1.0)),
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

/// Steps per second of MLP training: a 2-16-16-1 tanh network, batch 32, Adam on the circle
/// data set, one run. With `evaluate`, the default evaluation policy runs as in the app;
/// without, only step 0 and the last step are evaluated.
#[must_use]
pub fn mlp_training_rate(steps: usize, evaluate: bool) -> f64 {
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
            hidden: vec![16, 16],
            activation: Activation::Tanh,
            ..NetworkSpec::default()
        },
        batch_size: 32,
        steps,
        seed: 1,
        eval_every: if evaluate { None } else { Some(steps.max(1)) },
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

/// The app's frames and startup (GUI builds only).
#[cfg(feature = "gui")]
fn ui_workloads(quick: bool, out: &mut Vec<Measurement>) {
    let frames = if quick { 10 } else { 120 };
    let times = crate::ui::frame_bench::frame_times(8, 100_000, frames);
    out.push(Measurement::from_durations(
        "UI frame: 8 runs x 100,000 steps playing (layout + tessellation, no GPU)",
        &times,
        Some(4.0),
    ));
    if !quick {
        let mut long = crate::ui::frame_bench::FrameBench::new(8, 1_000_000);
        let times: Vec<Duration> = (0..frames).map(|_| long.frame()).collect();
        let mb = long.trajectory_bytes() as f64 / 1e6;
        out.push(Measurement::from_durations(
            &format!("UI frame: 8 runs x 1,000,000 steps playing (trajectories hold {mb:.0} MB)"),
            &times,
            Some(4.0),
        ));
    }
    for speed in [500.0, 100_000.0] {
        let times = crate::ui::frame_bench::network_frame_times(speed, frames);
        out.push(Measurement::from_durations(
            &format!("UI frame: network page training the spiral (3 runs) at {speed} steps/s"),
            &times,
            Some(16.7),
        ));
    }
    let times = crate::ui::frame_bench::startup_times(if quick { 1 } else { 5 });
    out.push(Measurement::from_durations(
        "startup to first frame (headless)",
        &times,
        Some(500.0),
    ));
}

#[cfg(not(feature = "gui"))]
fn ui_workloads(_quick: bool, _out: &mut Vec<Measurement>) {}

/// The contour pipeline and the extraction alone, on every core (as the app runs them) and on
/// one thread (for a fair comparison with single-threaded peers).
fn contour_workloads(repeats: usize, span: Duration, out: &mut Vec<Measurement>) {
    let (f, view) = contour_setup();
    let grid = Grid::sample(&f, view, CONTOUR_GRID, CONTOUR_GRID);
    let one_thread = rayon::ThreadPoolBuilder::new().num_threads(1).build().ok();
    let mut pools = vec![("", None)];
    if let Some(pool) = &one_thread {
        pools.push((", one thread", Some(pool)));
    }
    for (suffix, pool) in pools {
        let install = |work: &mut (dyn FnMut() + Send)| match pool {
            Some(p) => p.install(work),
            None => work(),
        };
        let times = time_for(1, repeats, span, || {
            install(&mut || {
                black_box(contour_pipeline(&f, view, CONTOUR_GRID, CONTOUR_LEVELS));
            });
        });
        out.push(Measurement::from_durations(
            &format!("contour pipeline: Rosenbrock 512x512 + 24 levels{suffix}"),
            &times,
            None,
        ));
        let times = time_for(1, repeats, span, || {
            install(&mut || {
                black_box(extract_levels(&grid, CONTOUR_LEVELS));
            });
        });
        out.push(Measurement::from_durations(
            &format!("contour extraction alone (24 levels, 512x512){suffix}"),
            &times,
            None,
        ));
    }
}

/// Runs every workload; `quick` uses fewer repetitions (for tests and CI).
#[must_use]
pub fn run_all(quick: bool) -> Vec<Measurement> {
    let repeats = if quick { 3 } else { 21 };
    // The millisecond workloads run for a second each (hundreds of repetitions).
    let span = if quick {
        Duration::ZERO
    } else {
        Duration::from_secs(1)
    };
    let mut out = Vec::new();

    contour_workloads(repeats, span, &mut out);

    let scenario = default_scenario(RESIM_STEPS);
    let times = time_for(1, repeats, span, || {
        black_box(resimulate(&scenario));
    });
    out.push(Measurement::from_durations(
        "re-simulation: default scenario to 1,000 steps + contours (480x480) + theory",
        &times,
        Some(2.0),
    ));

    ui_workloads(quick, &mut out);

    figure_workloads(quick, repeats, &mut out);

    let steps = if quick { 100_000 } else { 1_000_000 };
    for (name, optimizer) in [
        (
            "stepping: SGD momentum 0.9",
            OptimizerSpec::SGD(SgdParams {
                lr: 0.5,
                momentum: 0.9,
                ..SgdParams::default()
            }),
        ),
        (
            "stepping: Adam",
            OptimizerSpec::Adam(AdamParams {
                lr: 0.01,
                ..AdamParams::default()
            }),
        ),
    ] {
        let rates: Vec<f64> = (0..repeats.min(7))
            .map(|_| stepping_rate(&optimizer, steps))
            .collect();
        out.push(Measurement::from_rates(name, &rates));
    }
    // Every optimizer of the registry at its defaults, for the table in docs/performance.md.
    let steps = if quick { 20_000 } else { 200_000 };
    for optimizer in OptimizerSpec::all_defaults() {
        let rates: Vec<f64> = (0..3).map(|_| stepping_rate(&optimizer, steps)).collect();
        let name = format!("stepping at the defaults: {}", optimizer.name());
        out.push(Measurement::from_rates(&name, &rates));
    }

    let steps = if quick { 5_000 } else { 50_000 };
    for (name, evaluate) in [
        ("MLP training: 2-16-16-1 tanh, B = 32, Adam", false),
        ("MLP training, evaluating as the app does", true),
    ] {
        let rates: Vec<f64> = (0..repeats.min(7))
            .map(|_| mlp_training_rate(steps, evaluate))
            .collect();
        out.push(Measurement::from_rates(name, &rates));
    }
    out
}

/// The headless figure workloads (PNG, SVG, GIF of the default preset).
fn figure_workloads(quick: bool, repeats: usize, out: &mut Vec<Measurement>) {
    let figure_scenario = default_scenario(BUILTIN_STEPS);
    if let Ok(sim) = crate::render::simulate(&figure_scenario, BUILTIN_STEPS) {
        for (svg, name) in [
            (
                false,
                "figure: 1920x1080 PNG of the default preset (draw + encode)",
            ),
            (true, "figure: 1920x1080 SVG of the default preset"),
        ] {
            let times = time_repeated(1, repeats.min(11), || {
                black_box(render_figure(&figure_scenario, &sim, svg));
            });
            out.push(Measurement::from_durations(
                name,
                &times,
                (!svg).then_some(1000.0),
            ));
        }
    }
    let times = time_repeated(0, if quick { 1 } else { 3 }, || {
        black_box(render_gif(&figure_scenario));
    });
    out.push(Measurement::from_durations(
        "figure: 960x600 GIF, 180 frames, of the default preset",
        &times,
        None,
    ));
}

/// The figures as an aligned table.
#[must_use]
pub fn to_text(results: &[Measurement]) -> String {
    let width = results.iter().map(|m| m.name.len()).max().unwrap_or(0);
    let mut s = format!(
        "{:width$}  {:>12}  {:>12}  {:>12}  {:>8}\n",
        "workload", "median", "best", "worst", "target"
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
        let target = match m.target {
            Some(t) if m.meets_target() => format!("< {t} ok"),
            Some(t) => format!("< {t} MISSED"),
            None => String::new(),
        };
        let _ = writeln!(
            s,
            "{:width$}  {:>12}  {:>12}  {:>12}  {:>8}",
            m.name,
            fmt(m.median),
            fmt(m.best),
            fmt(m.worst),
            target
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

/// The page docs/performance.md is: when and where the figures were measured, and the table.
/// `started` is when the measurement began (shown as UTC).
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
         core{} ({} {}). Do not edit by hand: run it again.\n",
        if quick { " --quick" } else { "" },
        if cores == 1 { "" } else { "s" },
        std::env::consts::ARCH,
        std::env::consts::OS,
    );
    s.push_str(
        "Each millisecond workload repeats for about a second, the others a fixed number of \
         times (`repeats`); the median is the figure to quote, best and worst show the spread. \
         On a shared machine a busy minute moves the worst figure much more than the median: \
         compare builds in the same minutes, and peers (benches/peers/run.sh) in the same \
         run. Targets are the budgets README.md gives; the app must stay inside 16.7 ms a \
         frame.\n\n",
    );
    s.push_str("| workload | median | best | worst | repeats | target |\n");
    s.push_str("| --- | --- | --- | --- | --- | --- |\n");
    for m in results {
        let target = match m.target {
            Some(t) if m.meets_target() => format!("< {t} ms, met"),
            Some(t) => format!("< {t} ms, **missed**"),
            None => String::new(),
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {target} |",
            m.name,
            figure(m, m.median),
            figure(m, m.best),
            figure(m, m.worst),
            m.repeats,
        );
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
        assert!(page.contains("| a | 3.00 ms | 3.00 ms | 3.00 ms | 1 | < 2 ms, **missed** |"));
        assert!(page.contains("| b | 2.50 M steps/s |"), "{page}");
    }

    #[test]
    fn summary_is_median_min_max() {
        assert_eq!(summary(&[3.0, 1.0, 2.0]), (2.0, 1.0, 3.0));
        assert_eq!(summary(&[4.0, 1.0, 2.0, 3.0]), (2.5, 1.0, 4.0));
        assert_eq!(summary(&[]), (0.0, 0.0, 0.0));
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
        assert!(mlp_training_rate(20, true) > 0.0);
        let scenario = default_scenario(20);
        let sim = crate::render::simulate(&scenario, 20).unwrap_or_else(|e| panic!("{e}"));
        assert!(render_figure(&scenario, &sim, false) > 10_000);
        assert!(render_figure(&scenario, &sim, true) > 10_000);
    }
}
