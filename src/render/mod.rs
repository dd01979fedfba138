//! Headless figures for slides: PNG, SVG and animated GIF of a scenario's contour view, with
//! no window, GPU or egui.
//!
//! The picture is drawn once (figure.rs: a static background and the runs' foreground) over
//! a small [`Canvas`](canvas::Canvas) trait with two backends, tiny-skia pixels ([`raster`])
//! and SVG text ([`svg`]), so the formats never drift apart. Every colour, line width and font size
//! comes from [`Style::of`] (one place for the Dark, Light and Projector themes, plain data the
//! app can share). [`gif::GifJob`] encodes a race frame by frame in time slices so the app
//! can show progress and cancel.
//!
//! ```no_run
//! # fn demo(scenario: &optiviz::scenario::Scenario) -> Result<(), optiviz::render::RenderError> {
//! use optiviz::render::{Figure, FigureOptions, simulate};
//! let sim = simulate(scenario, scenario.spec.steps)?;
//! let png = Figure::new(scenario, &sim, FigureOptions::for_scenario(scenario))?.to_png()?;
//! # let _ = png; Ok(()) }
//! ```

pub mod canvas;
pub mod caption;
pub mod colormap;
mod figure;
pub mod geometry;
pub mod gif;
pub mod raster;
pub mod style;
pub mod svg;
pub mod sweep;
pub mod text;

pub use figure::LEVELS;
pub use gif::{GifJob, GifOptions, Progress};
pub use style::Style;

use crate::numerics::ParamError;
use crate::numerics::objectives::ViewRect;
use crate::numerics::run::Simulation;
use crate::scenario::{MAX_STEPS, Scenario, Theme};
use canvas::{Color, Image};
use figure::{Detail, Scene};

/// Largest side of a figure, in pixels.
pub const MAX_SIDE: u32 = 16_384;
/// Largest figure, in pixels (a 64-megapixel RGBA buffer is 256 MB).
pub const MAX_PIXELS: u64 = 64 * 1024 * 1024;
/// Trajectory capacity of [`simulate`]: enough for any path to look exact at figure sizes.
pub const FIGURE_CAPACITY: usize = 1 << 17;
/// Default figure size in pixels.
pub const DEFAULT_SIZE: (u32, u32) = (1600, 1000);

/// Why a figure could not be made.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// Size, scale or view out of range.
    #[error("{0}")]
    Options(String),
    /// The scenario's runs could not be built.
    #[error("{0}")]
    Simulation(#[from] ParamError),
    /// Encoding the image failed.
    #[error("encoding the {format} failed: {message}")]
    Encode {
        /// "PNG" or "GIF".
        format: &'static str,
        /// The encoder's message.
        message: String,
    },
}

/// What to draw and how big.
#[derive(Clone, Debug, PartialEq)]
pub struct FigureOptions {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Pixels per point: line widths and fonts are multiplied by it (2 for a retina or print
    /// figure at the same layout as a 1x figure of half the width and height).
    pub scale: f32,
    /// Colours, line widths and font sizes ([`Style::of`]).
    pub theme: Theme,
    /// The plane rectangle to show; it is centred and fully visible, and one axis is widened
    /// so that both have the same scale (as in the app).
    pub view: ViewRect,
    /// Show the runs up to this step (None: as far as simulated).
    pub up_to_step: Option<usize>,
    /// Title, objective and each run's hyperparameters under the plot.
    pub caption: bool,
    /// Legend of runs in the plot's top-left corner.
    pub legend: bool,
    /// The Taylor models and bounds (`theory::TaylorModels`) at the point of this enabled run
    /// (its index among the enabled runs) at the step shown, as the app's View > Taylor models
    /// draws them.
    pub taylor: Option<usize>,
}

impl FigureOptions {
    /// The defaults for a scenario: 1600 x 1000 at scale 1, the preset's theme (else Light),
    /// its view, every simulated step, caption and legend.
    #[must_use]
    pub fn for_scenario(scenario: &Scenario) -> Self {
        Self {
            width: DEFAULT_SIZE.0,
            height: DEFAULT_SIZE.1,
            scale: 1.0,
            theme: scenario.spec.theme.unwrap_or(Theme::Light),
            view: scenario.view,
            up_to_step: None,
            caption: true,
            legend: true,
            taylor: None,
        }
    }

    /// Checks size, scale and view.
    pub fn validate(&self) -> Result<(), RenderError> {
        for (name, side) in [("width", self.width), ("height", self.height)] {
            if !(16..=MAX_SIDE).contains(&side) {
                return Err(RenderError::Options(format!(
                    "{name} must be between 16 and {MAX_SIDE} pixels, got {side}"
                )));
            }
        }
        if u64::from(self.width) * u64::from(self.height) > MAX_PIXELS {
            return Err(RenderError::Options(format!(
                "{}x{} is more than {MAX_PIXELS} pixels",
                self.width, self.height
            )));
        }
        if !(self.scale.is_finite() && (0.25..=16.0).contains(&self.scale)) {
            return Err(RenderError::Options(format!(
                "scale must be between 0.25 and 16, got {}",
                self.scale
            )));
        }
        self.view
            .validate()
            .map_err(|e| RenderError::Options(format!("view.{e}")))
    }
}

/// Simulates every enabled run of `scenario` for `steps` updates (headless), keeping up to
/// [`FIGURE_CAPACITY`] samples per run.
pub fn simulate(scenario: &Scenario, steps: usize) -> Result<Simulation, RenderError> {
    if !(1..=MAX_STEPS).contains(&steps) {
        return Err(RenderError::Options(format!(
            "steps must be between 1 and {MAX_STEPS}, got {steps}"
        )));
    }
    let mut sim = scenario.simulation(simulate_capacity(steps))?;
    sim.advance_to(steps);
    Ok(sim)
}

/// Samples kept per run for a figure of `steps` steps.
pub(crate) fn simulate_capacity(steps: usize) -> usize {
    steps.saturating_add(1).min(FIGURE_CAPACITY)
}

/// A figure of a scenario and its simulated runs, ready to be written as PNG or SVG.
pub struct Figure<'a> {
    scenario: &'a Scenario,
    sim: &'a Simulation,
    options: FigureOptions,
}

impl<'a> Figure<'a> {
    /// Checks the options; the drawing happens in [`Figure::to_png`] / [`Figure::to_svg`].
    pub fn new(
        scenario: &'a Scenario,
        sim: &'a Simulation,
        options: FigureOptions,
    ) -> Result<Self, RenderError> {
        options.validate()?;
        Ok(Self {
            scenario,
            sim,
            options,
        })
    }

    /// The options it was made with.
    #[must_use]
    pub fn options(&self) -> &FigureOptions {
        &self.options
    }

    fn step(&self) -> usize {
        self.options
            .up_to_step
            .unwrap_or_else(|| Scene::last_step(self.sim))
    }

    /// The figure as RGBA pixels (opaque).
    pub fn to_image(&self) -> Result<Image, RenderError> {
        let scene = Scene::new(self.scenario, self.sim, &self.options, Detail::RASTER);
        let mut canvas = raster::Raster::new(
            scene.width,
            scene.height,
            Color::opaque(scene.style.background),
            scene.style.font_weight,
        )
        .ok_or_else(|| RenderError::Options("cannot allocate the picture".to_owned()))?;
        scene.background(&mut canvas);
        scene.foreground(&mut canvas, self.sim, self.step());
        let pixmap = canvas.into_pixmap();
        Ok(Image {
            width: pixmap.width(),
            height: pixmap.height(),
            // Opaque everywhere, so premultiplied and straight alpha agree.
            rgba: pixmap.take(),
        })
    }

    /// The figure as a PNG file's bytes.
    pub fn to_png(&self) -> Result<Vec<u8>, RenderError> {
        let image = self.to_image()?;
        encode_png_rgba(&image).ok_or_else(|| RenderError::Encode {
            format: "PNG",
            message: "the encoder refused the picture".to_owned(),
        })
    }

    /// The figure as an SVG document: paths and text, the heat map as an embedded PNG.
    #[must_use]
    pub fn to_svg(&self) -> String {
        let scene = Scene::new(self.scenario, self.sim, &self.options, Detail::SVG);
        let mut canvas = svg::Svg::new(
            scene.width,
            scene.height,
            Color::opaque(scene.style.background),
        );
        scene.background(&mut canvas);
        scene.foreground(&mut canvas, self.sim, self.step());
        canvas.finish()
    }
}

/// Encodes RGBA pixels as PNG (RGB when every pixel is opaque: smaller files).
#[must_use]
pub fn encode_png_rgba(image: &Image) -> Option<Vec<u8>> {
    use ::image::ImageEncoder as _;
    use ::image::codecs::png::{CompressionType, FilterType, PngEncoder};
    let opaque = image.rgba.chunks_exact(4).all(|p| p[3] == 255);
    let (bytes, color) = if opaque {
        let rgb: Vec<u8> = image
            .rgba
            .chunks_exact(4)
            .flat_map(|p| [p[0], p[1], p[2]])
            .collect();
        (rgb, ::image::ExtendedColorType::Rgb8)
    } else {
        (image.rgba.clone(), ::image::ExtendedColorType::Rgba8)
    };
    let mut out = Vec::new();
    // The png crate's fast deflate (fdeflate, tuned for PNG) with each row stored as its
    // difference from the row above: an order of magnitude faster than the default deflate,
    // for files about half as large again. Unfiltered rows make fdeflate's files several times
    // larger; the other filters are slower and no smaller here.
    PngEncoder::new_with_quality(&mut out, CompressionType::Fast, FilterType::Up)
        .write_image(&bytes, image.width, image.height, color)
        .ok()?;
    Some(out)
}
