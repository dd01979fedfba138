//! `optiviz render` (one preset to PNG, SVG or animated GIF) and `optiviz render-deck` (a
//! folder of presets, one figure each). Files are written atomically through `io`.

use crate::io;
use crate::render::{self, Figure, FigureOptions, GifJob, GifOptions};
use crate::scenario::{Scenario, Theme};
use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Figure options shared by `render` and `render-deck`.
#[derive(Debug, Clone, Args)]
pub struct FigureArgs {
    /// Steps to simulate, 1 to 10,000,000 (default: the preset's step budget).
    #[arg(long, value_parser = super::steps_parser(crate::scenario::MAX_STEPS))]
    pub steps: Option<usize>,
    /// Width in pixels (default 1600; 960 for GIF).
    #[arg(long)]
    pub width: Option<u32>,
    /// Height in pixels (default 1000; 600 for GIF).
    #[arg(long)]
    pub height: Option<u32>,
    /// Pixels per point: line widths and fonts are multiplied by it (2 for retina or print,
    /// with twice the width and height for the same layout).
    #[arg(long, default_value_t = 1.0)]
    pub scale: f32,
    /// Colours, line widths and fonts (default: the preset's `theme`, else light).
    #[arg(long, value_enum)]
    pub theme: Option<ThemeArg>,
    /// Leave out the caption (title, objective, hyperparameters).
    #[arg(long)]
    pub no_caption: bool,
    /// Leave out the legend.
    #[arg(long)]
    pub no_legend: bool,
    /// Draw the Taylor models and bounds at this run's point (its label), at the last step
    /// shown.
    #[arg(long, value_name = "RUN")]
    pub taylor: Option<String>,
}

/// Themes on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ThemeArg {
    /// White background, as on paper.
    Light,
    /// Dark background, as the app on screen.
    Dark,
    /// White background, large fonts, thick lines, high-contrast colour-blind-safe palette.
    Projector,
}

impl From<ThemeArg> for Theme {
    fn from(t: ThemeArg) -> Self {
        match t {
            ThemeArg::Light => Self::Light,
            ThemeArg::Dark => Self::Dark,
            ThemeArg::Projector => Self::Projector,
        }
    }
}

/// GIF timing.
#[derive(Debug, Clone, Copy, Args)]
pub struct GifArgs {
    /// GIF: frames per second.
    #[arg(long, default_value_t = 30.0)]
    pub fps: f32,
    /// GIF: length of the race in seconds (the last frame then stays 1.5 s more).
    #[arg(long, default_value_t = 6.0)]
    pub seconds: f32,
}

/// Output formats of `render-deck`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DeckFormat {
    /// PNG pictures.
    Png,
    /// SVG vector figures.
    Svg,
    /// Animated GIFs of each race.
    Gif,
}

impl DeckFormat {
    fn extension(self) -> &'static str {
        match self {
            Self::Png => "png",
            Self::Svg => "svg",
            Self::Gif => "gif",
        }
    }
}

/// The format an output path asks for, from its extension.
fn format_of(out: &Path) -> Result<DeckFormat> {
    let ext = out
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    match ext.as_deref() {
        Some("png") => Ok(DeckFormat::Png),
        Some("svg") => Ok(DeckFormat::Svg),
        Some("gif") => Ok(DeckFormat::Gif),
        _ => bail!(
            "{}: the output must end in .png, .svg or .gif",
            out.display()
        ),
    }
}

/// The figure's bytes for a scenario.
fn figure_bytes(
    scenario: &Scenario,
    format: DeckFormat,
    args: &FigureArgs,
    gif: GifArgs,
) -> Result<Vec<u8>> {
    let steps = args.steps.unwrap_or(scenario.spec.steps);
    let mut options = FigureOptions::for_scenario(scenario);
    if format == DeckFormat::Gif {
        (options.width, options.height) = render::gif::DEFAULT_GIF_SIZE;
    }
    options.width = args.width.unwrap_or(options.width);
    options.height = args.height.unwrap_or(options.height);
    options.scale = args.scale;
    if let Some(t) = args.theme {
        options.theme = t.into();
    }
    options.caption = !args.no_caption;
    options.legend = !args.no_legend;
    if let Some(label) = &args.taylor {
        let Some(i) = scenario.enabled_runs().position(|r| &r.label == label) else {
            let labels: Vec<String> = scenario
                .enabled_runs()
                .map(|r| format!("\"{}\"", r.label))
                .collect();
            bail!(
                "--taylor: no enabled run is labelled \"{label}\" (runs: {})",
                labels.join(", ")
            );
        };
        options.taylor = Some(i);
    }
    Ok(match format {
        DeckFormat::Png | DeckFormat::Svg => {
            options.validate()?;
            let sim = render::simulate(scenario, steps)?;
            let figure = Figure::new(scenario, &sim, options)?;
            if format == DeckFormat::Png {
                figure.to_png()?
            } else {
                figure.to_svg().into_bytes()
            }
        }
        DeckFormat::Gif => {
            let job = GifJob::new(
                scenario,
                GifOptions {
                    figure: options,
                    steps,
                    fps: gif.fps,
                    seconds: gif.seconds,
                    hold_secs: 1.5,
                },
            )?;
            job.finish()?
        }
    })
}

/// `optiviz render PRESET --out FILE`.
pub fn render(preset: &Path, out: &Path, args: &FigureArgs, gif: GifArgs) -> Result<ExitCode> {
    let format = format_of(out)?;
    let scenario = match io::load_preset(preset) {
        Ok(s) => s,
        Err(errors) => {
            for e in &errors.0 {
                eprintln!("{e}");
            }
            return Ok(ExitCode::FAILURE);
        }
    };
    let bytes = figure_bytes(&scenario, format, args, gif)
        .with_context(|| format!("rendering {}", preset.display()))?;
    io::write_atomic(out, &bytes)?;
    println!(
        "wrote {} ({} KB)",
        out.display(),
        bytes.len().div_ceil(1024)
    );
    Ok(ExitCode::SUCCESS)
}

/// `optiviz render-deck FOLDER --out DIR`: one figure per preset, named after the preset's
/// file stem; a broken preset is reported and the others go on.
pub fn render_deck(
    folder: &Path,
    out: &Path,
    format: DeckFormat,
    args: &FigureArgs,
    gif: GifArgs,
) -> Result<ExitCode> {
    let presets = io::list_presets(folder)?;
    if presets.is_empty() {
        bail!("{}: no .ron presets in this folder", folder.display());
    }
    io::create_dir(out)?;
    let mut failed = 0;
    for preset in &presets {
        let scenario = match io::load_preset(preset) {
            Ok(s) => s,
            Err(errors) => {
                for e in &errors.0 {
                    eprintln!("{e}");
                }
                failed += 1;
                continue;
            }
        };
        let stem = preset
            .file_stem()
            .map_or_else(|| "figure".into(), |s| s.to_string_lossy().into_owned());
        let target: PathBuf = out.join(format!("{stem}.{}", format.extension()));
        let written = figure_bytes(&scenario, format, args, gif)
            .with_context(|| format!("rendering {}", preset.display()))
            .and_then(|bytes| {
                io::write_atomic(&target, &bytes)?;
                Ok(bytes.len())
            });
        match written {
            Ok(n) => println!("wrote {} ({} KB)", target.display(), n.div_ceil(1024)),
            Err(e) => {
                eprintln!("error: {}", format!("{e:#}").replace('\n', " | "));
                failed += 1;
            }
        }
    }
    if failed > 0 {
        eprintln!("{failed} of {} presets failed", presets.len());
        Ok(ExitCode::FAILURE)
    } else {
        Ok(ExitCode::SUCCESS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_come_from_the_extension() {
        assert_eq!(format_of(Path::new("a.PNG")).unwrap(), DeckFormat::Png);
        assert_eq!(format_of(Path::new("a/b.svg")).unwrap(), DeckFormat::Svg);
        assert_eq!(format_of(Path::new("race.gif")).unwrap(), DeckFormat::Gif);
        let e = format_of(Path::new("a.jpg")).unwrap_err().to_string();
        assert!(e.contains(".png, .svg or .gif"), "{e}");
    }
}
