//! The command line: `optiviz` opens the app; subcommands run headless.
//!
//! Here: the arguments, the dispatch and opening the app. Each subcommand has its own file:
//! `run` and `check` in `run.rs`, `analyze` (the convergence theory of a preset) in
//! `analyze.rs`, `train` (MLP presets) in `train.rs`, `render` and `render-deck` (figures for
//! slides) in `render.rs`, `sweep` (a measured hyperparameter map of one run) in `sweep.rs`,
//! `tune` (every run at its own best learning rate) in `tune.rs`,
//! `bench` (the timed workloads) in `bench.rs`; the rows `run` and
//! `train` print are written by `output.rs`.
//!
//! Every failure prints one line on stderr and exits non-zero (1 for bad input, 2 for bad
//! arguments); nothing here panics on user input.

pub mod analyze;
pub mod bench;
mod output;
pub mod render;
mod run;
mod sweep;
mod train;
mod tune;

use run::check;
pub use run::run;

use crate::io;
use crate::scenario::{Document, Scenario};
use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// optiviz: watch optimizers think.
#[derive(Debug, Parser)]
#[command(name = "optiviz", version, about, long_about = None)]
pub struct Cli {
    /// Preset to open in the app (default: the last state, else the built-in scenario).
    pub preset: Option<PathBuf>,
    /// Open the app, save a screenshot of the window to this PNG file after the first frames,
    /// and quit (for scripts and CI).
    #[arg(long, value_name = "PNG")]
    pub screenshot: Option<PathBuf>,
    /// Do not restore or store the app's state between sessions.
    #[arg(long)]
    pub fresh: bool,
    /// With --screenshot: save only this plot instead of the whole window.
    #[arg(long, value_enum, requires = "screenshot")]
    pub plot: Option<PlotPart>,
    /// With --screenshot: pixels per point relative to the screen, 1 to 4 (default 2).
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=4), requires = "screenshot")]
    pub density: Option<u8>,
    /// Open paused at this step (clamped to the scenario's steps), e.g. for a screenshot.
    #[arg(long, value_name = "STEP")]
    pub at_step: Option<usize>,
    /// Window size in points, e.g. 1280x720 (default 1280x800).
    #[arg(long, value_name = "WxH", value_parser = parse_size)]
    pub window: Option<[f32; 2]>,
    /// What to do headless; without one the app opens.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Headless subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a preset and print every run's trajectory.
    Run {
        /// The preset file (.ron).
        preset: PathBuf,
        /// Steps to take, 1 to 10,000,000 (default: the preset's step budget).
        #[arg(long, value_parser = steps_parser(crate::scenario::MAX_STEPS))]
        steps: Option<usize>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Csv)]
        format: Format,
        /// Add each step's sharpness (the Hessian's largest eigenvalue; for Adam, AdamW and
        /// RMSprop that of P^-1 H) and the run's edge of stability (2/lr for GD).
        #[arg(long)]
        sharpness: bool,
    },
    /// The convergence theory of a preset: Hessian eigenvalues, kappa, optimal step sizes, and
    /// each run's predicted and measured rate.
    Analyze {
        /// The preset file (.ron).
        preset: PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Time the standard workloads (contours, re-simulation, a UI frame, stepping, MLP
    /// training, figures, and the scaling curves of contours and MLP training) and print the
    /// median, 90th percentile, best and worst of repeated runs.
    Bench(BenchArgs),
    /// Train the small network of an MLP preset (presets/mlp/) with every run and print
    /// run,step,train_loss,test_loss,train_acc,test_acc.
    Train {
        /// The MLP preset file (.ron).
        preset: PathBuf,
        /// Steps to take, 1 to 1,000,000 (default: the preset's step budget).
        #[arg(long, value_parser = steps_parser(crate::scenario::mlp::MAX_STEPS))]
        steps: Option<usize>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Csv)]
        format: Format,
        /// Record the sharpness of the training loss at every evaluation, with each run's
        /// edge of stability (as the preset's `sharpness: true` does).
        #[arg(long)]
        sharpness: bool,
    },
    /// Draw a preset's contour view, runs, legend and caption as PNG, SVG or animated GIF
    /// (chosen by the --out extension), without a window or GPU.
    Render {
        /// The preset file (.ron).
        preset: PathBuf,
        /// The figure to write: .png, .svg or .gif.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Size, theme, steps, caption and legend.
        #[command(flatten)]
        figure: render::FigureArgs,
        /// GIF frame rate and length.
        #[command(flatten)]
        gif: render::GifArgs,
    },
    /// Draw one figure per preset of a folder (a lecture deck) into DIR, named after each
    /// preset; broken presets are reported and skipped (exit code 1).
    RenderDeck {
        /// Folder of .ron presets.
        folder: PathBuf,
        /// Folder to write into (created if missing).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// File format.
        #[arg(long, value_enum, default_value_t = render::DeckFormat::Png)]
        format: render::DeckFormat,
        /// Size, theme, steps, caption and legend.
        #[command(flatten)]
        figure: render::FigureArgs,
        /// GIF frame rate and length.
        #[command(flatten)]
        gif: render::GifArgs,
    },
    /// A measured hyperparameter map of one run: every cell runs it with two of its
    /// hyperparameters set to the cell's values and records the final loss or the steps to a
    /// tolerance (diverged cells marked); written as .png, .csv or .json (by the --out
    /// extension).
    Sweep(sweep::SweepArgs),
    /// A fair race: every run's own best learning rate by a stated search (a log grid, then a
    /// refinement) on one budget and criterion, printed next to the preset's lr; --out writes
    /// the tuned preset.
    Tune(tune::TuneArgs),
    /// Print a link that opens a preset (2-D or MLP) in optiviz's web build: the whole preset
    /// in the link's `#...`, so the link needs no server of its own.
    Link {
        /// The preset file (.ron).
        preset: PathBuf,
        /// Open paused at this step.
        #[arg(long, value_name = "STEP", value_parser = steps_parser(crate::scenario::MAX_STEPS))]
        step: Option<usize>,
        /// Where the web build is served (default: $OPTIVIZ_LINK_BASE, else
        /// http://127.0.0.1:8000/, where `bash scripts/web.sh --serve` serves it).
        #[arg(long, value_name = "URL")]
        base: Option<String>,
    },
    /// Validate presets (2-D and MLP) and report every error; exit code 0 when all are valid.
    Check {
        /// Preset files.
        #[arg(required = true)]
        presets: Vec<PathBuf>,
    },
}

/// The options of `optiviz bench`.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// Print JSON instead of a table.
    #[arg(long, conflicts_with = "markdown")]
    pub json: bool,
    /// Print the page docs/performance.md is (`optiviz bench --markdown >
    /// docs/performance.md`): the table with the time and machine it was measured on.
    #[arg(long)]
    pub markdown: bool,
    /// Also write the figures as JSON to FILE, so that one run gives both the page (or the
    /// table) and the JSON.
    #[arg(long, value_name = "FILE")]
    pub json_out: Option<PathBuf>,
    /// Fewer repetitions: a quick look rather than a measurement.
    #[arg(long)]
    pub quick: bool,
    /// Run only the workloads whose name contains SUBSTRING (may be given several times;
    /// `--list` shows the names).
    #[arg(long, value_name = "SUBSTRING")]
    pub only: Vec<String>,
    /// Print the names of the workloads that would run, one a line, and time nothing.
    #[arg(long, conflicts_with_all = ["json", "markdown", "json_out"])]
    pub list: bool,
}

/// A plot of the app that can be saved alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PlotPart {
    /// The contour view.
    Contour,
    /// The loss plot.
    Loss,
    /// The theory panel.
    Theory,
}

/// Output formats of `run`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One row per recorded step: run,step,evaluations,x,y,loss,grad_norm,...
    Csv,
    /// Runs with their status and steps.
    Json,
}

/// Parses arguments and runs; the binary's `main`.
pub fn main_with_args(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                let _ = e.print();
                return ExitCode::SUCCESS;
            }
            // One line: clap's message without its usage block.
            let text = e.to_string();
            let first = text.lines().next().unwrap_or("invalid arguments");
            eprintln!("{first} (see optiviz --help)");
            return ExitCode::from(2);
        }
    };
    if cli.command.is_none()
        && let Some(p) = &cli.preset
        && !p.exists()
        && !crate::scenario::link::carries_scenario(&p.to_string_lossy())
    {
        eprintln!(
            "'{}' is neither a subcommand, an existing preset file nor a link (see optiviz --help)",
            p.display()
        );
        return ExitCode::from(2);
    }
    match dispatch(cli) {
        Ok(code) => code,
        Err(e) => {
            if e.chain().any(is_broken_pipe) {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {}", format!("{e:#}").replace('\n', " | "));
            ExitCode::FAILURE
        }
    }
}

fn is_broken_pipe(e: &(dyn std::error::Error + 'static)) -> bool {
    e.downcast_ref::<std::io::Error>()
        .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
}

fn dispatch(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        None => open_app(cli),
        Some(Command::Run {
            preset,
            steps,
            format,
            sharpness,
        }) => {
            let scenario = match load_surface(&preset, "run")? {
                Ok(s) => s,
                Err(code) => return Ok(code),
            };
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            run(&scenario, steps, format, sharpness, &mut out)?;
            out.flush().context("writing the output")?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Analyze { preset, json }) => {
            let scenario = match load_surface(&preset, "analyze")? {
                Ok(s) => s,
                Err(code) => return Ok(code),
            };
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            analyze::write(&scenario, json, &mut out)?;
            out.flush().context("writing the output")?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Bench(args)) => bench(args),
        Some(Command::Train {
            preset,
            steps,
            format,
            sharpness,
        }) => train::main(&preset, steps, format, sharpness),
        Some(Command::Check { presets }) => Ok(check(&presets)),
        Some(Command::Sweep(args)) => sweep::main(&args),
        Some(Command::Tune(args)) => tune::main(&args),
        Some(Command::Link { preset, step, base }) => {
            link(&preset, step, base.unwrap_or_else(io::link_base).as_str())
        }
        Some(Command::Render {
            preset,
            out,
            figure,
            gif,
        }) => render::render(&preset, &out, &figure, gif),
        Some(Command::RenderDeck {
            folder,
            out,
            format,
            figure,
            gif,
        }) => render::render_deck(&folder, &out, format, &figure, gif),
    }
}

/// `optiviz bench`: the workloads `only` picks are decided by name before any is timed.
fn bench(args: BenchArgs) -> Result<ExitCode> {
    let BenchArgs {
        json,
        markdown,
        json_out,
        quick,
        only,
        list,
    } = args;
    let plan = self::bench::Plan { quick, only };
    let names = self::bench::names(&plan);
    if names.is_empty() {
        eprintln!(
            "no workload's name contains {} (see optiviz bench --list)",
            plan.only
                .iter()
                .map(|s| format!("{s:?}"))
                .collect::<Vec<_>>()
                .join(" or ")
        );
        return Ok(ExitCode::from(2));
    }
    if list {
        for name in names {
            println!("{name}");
        }
        return Ok(ExitCode::SUCCESS);
    }
    let started = std::time::SystemTime::now();
    let results = self::bench::run(&plan);
    if let Some(path) = &json_out {
        let text = serde_json::to_string_pretty(&results).context("encoding JSON")?;
        io::write_atomic(path, format!("{text}\n").as_bytes())?;
    }
    if markdown {
        print!("{}", self::bench::to_markdown(&results, started, quick));
    } else if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&results).context("encoding JSON")?
        );
    } else {
        print!("{}", self::bench::to_text(&results));
    }
    Ok(ExitCode::SUCCESS)
}

/// `optiviz link`: the preset is checked as `check` does, its text goes into the link as
/// written (comments and all), and the link is read back before it is printed, so a printed
/// link opens.
fn link(path: &std::path::Path, step: Option<usize>, base: &str) -> Result<ExitCode> {
    if let Err(errors) = io::load_document(path) {
        for e in &errors.0 {
            eprintln!("{e}");
        }
        return Ok(ExitCode::FAILURE);
    }
    let text = io::read_text(path)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let made = crate::scenario::link::make(base, text, step);
    if let Err(errors) = crate::scenario::parse_link(&made) {
        let first = errors
            .0
            .first()
            .map(ToString::to_string)
            .unwrap_or_default();
        anyhow::bail!("{} cannot travel in a link: {first}", path.display());
    }
    println!("{made}");
    Ok(ExitCode::SUCCESS)
}

/// The preset at `path` for a 2-D subcommand: located errors are printed one per line, as
/// `check` prints them (`Ok(Err(exit code))`); a network preset is an error that says which
/// command it needs.
fn load_surface(
    path: &std::path::Path,
    command: &str,
) -> Result<std::result::Result<Scenario, ExitCode>> {
    match io::load_document(path) {
        Ok(Document::Surface(s)) => Ok(Ok(*s)),
        Ok(Document::Network(_)) => anyhow::bail!(
            "{} is an MLP preset (it has a `dataset`); `optiviz {command}` takes 2-D presets, use `optiviz train {}`",
            path.display(),
            path.display()
        ),
        Err(errors) => {
            for e in &errors.0 {
                eprintln!("{e}");
            }
            Ok(Err(ExitCode::FAILURE))
        }
    }
}

#[cfg(all(feature = "gui", not(target_arch = "wasm32")))]
fn open_app(cli: Cli) -> Result<ExitCode> {
    // A screenshot run must not disturb (or depend on) the user's stored state.
    let stateless = cli.fresh || cli.screenshot.is_some();
    // `optiviz 'https://...#s=...'` opens the scenario a link carries.
    let (preset, link) = match cli.preset {
        Some(p) if crate::scenario::link::carries_scenario(&p.to_string_lossy()) => {
            (None, Some(p.to_string_lossy().into_owned()))
        }
        other => (other, None),
    };
    crate::ui::run_app(crate::ui::LaunchOptions {
        preset,
        link,
        screenshot: cli.screenshot,
        screenshot_plot: cli.plot.map(|p| match p {
            PlotPart::Contour => crate::ui::Region::Contour,
            PlotPart::Loss => crate::ui::Region::Loss,
            PlotPart::Theory => crate::ui::Region::Theory,
        }),
        screenshot_density: cli.density.map(f32::from),
        at_step: cli.at_step,
        window: cli.window,
        state_file: if stateless {
            None
        } else {
            crate::io::state_file()
        },
    })?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(any(not(feature = "gui"), target_arch = "wasm32"))]
#[allow(
    clippy::unnecessary_wraps,
    clippy::needless_pass_by_value,
    reason = "same signature as the GUI build's open_app"
)]
fn open_app(_cli: Cli) -> Result<ExitCode> {
    println!(
        "optiviz was built without the `gui` feature; see `optiviz --help` for the headless commands."
    );
    Ok(ExitCode::SUCCESS)
}

/// A `--steps` flag: a whole number from 1 to `max` (the same limit as a preset's `steps`),
/// checked before anything is allocated or run.
fn steps_parser(max: usize) -> clap::builder::RangedU64ValueParser<usize> {
    clap::builder::RangedU64ValueParser::<usize>::new().range(1..=max as u64)
}

/// Parses "1280x720" into a window size.
fn parse_size(text: &str) -> Result<[f32; 2], String> {
    let (w, h) = text
        .split_once(['x', 'X'])
        .ok_or_else(|| format!("expected WIDTHxHEIGHT such as 1280x720, got {text:?}"))?;
    let side = |v: &str| {
        v.trim()
            .parse::<u16>()
            .ok()
            .filter(|&n| (320..=8000).contains(&n))
            .map(f32::from)
            .ok_or_else(|| {
                format!("window sides must be whole numbers from 320 to 8000, got {v:?}")
            })
    };
    Ok([side(w)?, side(h)?])
}
