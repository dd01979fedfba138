//! Animated GIF of a race, encoded as a time-sliced job so the app can drive it from its UI
//! loop with a progress bar and a Cancel button.
//!
//! Work comes in small units: simulation slices, then the static background (heat map,
//! iso-lines, axes, caption: drawn once and reused by every frame), the palette, then one
//! frame per unit. [`GifJob::advance`] does units until the caller's `out_of_time` closure says
//! stop, so the job needs no clock of its own (the app passes one that works on wasm too;
//! tests pass a counter). Dropping the job cancels it; nothing is written anywhere.
//!
//! Colours: one global palette for every frame, built from the fixed colours of the theme and
//! the runs plus a median cut of the background's colours, so the smooth heat map keeps its
//! gradations and frames do not flicker. Each frame after the first stores only the rectangle
//! that changed, with unchanged pixels transparent (small files).

use super::canvas::Color;
use super::colormap::mix;
use super::figure::{Detail, Scene};
use super::raster::Raster;
use super::{FigureOptions, RenderError, simulate_capacity};
use crate::numerics::run::Simulation;
use crate::scenario::{MAX_STEPS, Rgb, Scenario};
use tiny_skia::Pixmap;

/// Most frames a GIF may have.
pub const MAX_FRAMES: usize = 3000;
/// Default GIF size in pixels (smaller than still figures: GIFs are large).
pub const DEFAULT_GIF_SIZE: (u32, u32) = (960, 600);
/// The palette index left transparent in frames after the first.
const TRANSPARENT: u8 = 255;
/// Simulation steps per unit of work.
const STEPS_PER_UNIT: usize = 50_000;

/// What to animate and how.
#[derive(Clone, Debug, PartialEq)]
pub struct GifOptions {
    /// Size, scale, theme, view, caption and legend (`up_to_step` is ignored: frames run from
    /// step 0 to `steps`).
    pub figure: FigureOptions,
    /// Steps the race runs for.
    pub steps: usize,
    /// Frames per second.
    pub fps: f32,
    /// Length of the race in seconds (frames = fps x seconds).
    pub seconds: f32,
    /// Extra time the last frame stays before the GIF loops, in seconds.
    pub hold_secs: f32,
}

impl GifOptions {
    /// The defaults for a scenario: 960 x 600, 30 frames per second for 6 seconds, the
    /// preset's step budget, a 1.5 s pause at the end.
    #[must_use]
    pub fn for_scenario(scenario: &Scenario) -> Self {
        let mut figure = FigureOptions::for_scenario(scenario);
        (figure.width, figure.height) = DEFAULT_GIF_SIZE;
        Self {
            figure,
            steps: scenario.spec.steps,
            fps: 30.0,
            seconds: 6.0,
            hold_secs: 1.5,
        }
    }

    /// Number of frames: fps x seconds, at least 1.
    #[must_use]
    pub fn frames(&self) -> usize {
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "validated to a small positive range"
        )]
        let n = (self.fps * self.seconds).round().max(1.0) as usize;
        n
    }

    /// Checks every option.
    pub fn validate(&self) -> Result<(), RenderError> {
        self.figure.validate()?;
        if u32::from(u16::MAX) < self.figure.width.max(self.figure.height) {
            return Err(RenderError::Options(
                "GIF sides are at most 65535".to_owned(),
            ));
        }
        if !(self.fps.is_finite() && (1.0..=50.0).contains(&self.fps)) {
            return Err(RenderError::Options(format!(
                "fps must be between 1 and 50, got {}",
                self.fps
            )));
        }
        if !(self.seconds.is_finite() && self.seconds > 0.0) || self.frames() > MAX_FRAMES {
            return Err(RenderError::Options(format!(
                "seconds x fps must give 1 to {MAX_FRAMES} frames, got {} x {}",
                self.seconds, self.fps
            )));
        }
        if !(self.hold_secs.is_finite() && (0.0..=60.0).contains(&self.hold_secs)) {
            return Err(RenderError::Options(format!(
                "the final pause must be 0 to 60 seconds, got {}",
                self.hold_secs
            )));
        }
        if !(1..=MAX_STEPS).contains(&self.steps) {
            return Err(RenderError::Options(format!(
                "steps must be between 1 and {MAX_STEPS}, got {}",
                self.steps
            )));
        }
        Ok(())
    }

    /// The step frame `k` shows: frames spread evenly from step 0 to `steps`.
    #[must_use]
    pub fn step_of_frame(&self, k: usize) -> usize {
        let n = self.frames();
        if n <= 1 {
            return self.steps;
        }
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "steps and frames are far below 2^52"
        )]
        let s = (k.min(n - 1) as f64 * self.steps as f64 / (n - 1) as f64).round() as usize;
        s
    }
}

/// How far a job is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// Frames encoded.
    pub frames_done: usize,
    /// Frames in the finished GIF.
    pub frames_total: usize,
}

impl Progress {
    /// True when every frame is encoded.
    #[must_use]
    pub fn is_done(&self) -> bool {
        self.frames_done >= self.frames_total
    }

    /// Done so far, 0 to 1.
    #[must_use]
    pub fn fraction(&self) -> f32 {
        let f = self.frames_done as f32 / self.frames_total.max(1) as f32;
        f.min(1.0)
    }
}

/// The global palette and a cache from colours to palette indices.
struct Palette {
    colors: Vec<Rgb>,
    /// 6 bits per channel -> index + 1 (0: not looked up yet).
    lut: Vec<u16>,
}

impl Palette {
    /// Fixed colours first, then a median cut of `pixels` (RGBA) fills the rest of 255
    /// entries (index 255 is transparent).
    fn build(fixed: &[Rgb], pixels: &[u8]) -> Self {
        let mut colors: Vec<Rgb> = Vec::new();
        for c in fixed {
            if !colors.contains(c) && colors.len() < 64 {
                colors.push(*c);
            }
        }
        let room = usize::from(TRANSPARENT) - colors.len();
        colors.extend(median_cut(pixels, room));
        colors.truncate(usize::from(TRANSPARENT));
        Self {
            colors,
            lut: vec![0; 1 << 18],
        }
    }

    fn index(&mut self, r: u8, g: u8, b: u8) -> u8 {
        let key = (usize::from(r >> 2) << 12) | (usize::from(g >> 2) << 6) | usize::from(b >> 2);
        let cached = self.lut[key];
        if cached != 0 {
            return u8::try_from(cached - 1).unwrap_or(0);
        }
        let mut best = (u32::MAX, 0_usize);
        for (i, c) in self.colors.iter().enumerate() {
            let d = |a: u8, b: u8| {
                let x = i32::from(a) - i32::from(b);
                x.unsigned_abs() * x.unsigned_abs()
            };
            // Weights close to perceived brightness differences.
            let dist = 3 * d(c[0], r) + 4 * d(c[1], g) + 2 * d(c[2], b);
            if dist < best.0 {
                best = (dist, i);
            }
        }
        let index = u8::try_from(best.1).unwrap_or(0);
        self.lut[key] = u16::from(index) + 1;
        index
    }

    /// The palette as RGB bytes for the GIF header (256 entries).
    fn bytes(&self) -> Vec<u8> {
        let mut out: Vec<u8> = self.colors.iter().flatten().copied().collect();
        out.resize(256 * 3, 0);
        out
    }
}

/// Up to `k` representative colours of RGBA pixels: boxes of a 5-bit-per-channel histogram
/// split at the weighted median of their widest channel, largest boxes first.
fn median_cut(pixels: &[u8], k: usize) -> Vec<Rgb> {
    let mut histogram = vec![0_u32; 1 << 15];
    for p in pixels.chunks_exact(4) {
        let key =
            (usize::from(p[0] >> 3) << 10) | (usize::from(p[1] >> 3) << 5) | usize::from(p[2] >> 3);
        histogram[key] = histogram[key].saturating_add(1);
    }
    // (key, count) of occupied bins.
    let bins: Vec<(usize, u32)> = histogram
        .iter()
        .enumerate()
        .filter(|(_, c)| **c > 0)
        .map(|(k, c)| (k, *c))
        .collect();
    let channel = |key: usize, ch: usize| (key >> (10 - 5 * ch)) & 31;
    let mut boxes: Vec<Vec<(usize, u32)>> = vec![bins];
    while boxes.len() < k {
        // Split the box with the largest (pixel count x widest range).
        let mut pick: Option<(u64, usize, usize)> = None;
        for (i, b) in boxes.iter().enumerate() {
            if b.len() < 2 {
                continue;
            }
            let count: u64 = b.iter().map(|(_, c)| u64::from(*c)).sum();
            for ch in 0..3 {
                let (lo, hi) = b.iter().fold((31, 0), |(lo, hi), (key, _)| {
                    let v = channel(*key, ch);
                    (lo.min(v), hi.max(v))
                });
                let score = count * (hi - lo) as u64;
                if hi > lo && pick.is_none_or(|p| score > p.0) {
                    pick = Some((score, i, ch));
                }
            }
        }
        let Some((_, i, ch)) = pick else {
            break;
        };
        let mut b = boxes.swap_remove(i);
        b.sort_unstable_by_key(|(key, _)| channel(*key, ch));
        let total: u64 = b.iter().map(|(_, c)| u64::from(*c)).sum();
        let mut acc = 0;
        let mut cut = 1;
        for (j, (_, c)) in b.iter().enumerate() {
            acc += u64::from(*c);
            if 2 * acc >= total {
                cut = (j + 1).clamp(1, b.len() - 1);
                break;
            }
        }
        let rest = b.split_off(cut);
        boxes.push(b);
        boxes.push(rest);
    }
    boxes
        .iter()
        .filter(|b| !b.is_empty())
        .map(|b| {
            let total: u64 = b.iter().map(|(_, c)| u64::from(*c)).sum::<u64>().max(1);
            let mean = |ch: usize| {
                let s: u64 = b
                    .iter()
                    .map(|(key, c)| (channel(*key, ch) as u64 * 8 + 4) * u64::from(*c))
                    .sum();
                u8::try_from(s / total).unwrap_or(255)
            };
            [mean(0), mean(1), mean(2)]
        })
        .collect()
}

enum Phase {
    Simulating,
    Background,
    Frames,
    Done,
}

/// An animated GIF being made, one unit of work at a time.
pub struct GifJob {
    scenario: Scenario,
    options: GifOptions,
    sim: Simulation,
    phase: Phase,
    scene: Option<Scene>,
    background: Option<Pixmap>,
    background_index: Vec<u8>,
    palette: Option<Palette>,
    previous: Vec<u8>,
    encoder: Option<::gif::Encoder<Vec<u8>>>,
    frames_done: usize,
    /// Centiseconds written so far (delays are rounded cumulatively, so 30 fps stays 30 fps).
    elapsed_cs: u64,
}

impl GifJob {
    /// Checks the options and prepares the runs; no drawing yet.
    pub fn new(scenario: &Scenario, options: GifOptions) -> Result<Self, RenderError> {
        options.validate()?;
        let sim = scenario.simulation(simulate_capacity(options.steps))?;
        Ok(Self {
            scenario: scenario.clone(),
            options,
            sim,
            phase: Phase::Simulating,
            scene: None,
            background: None,
            background_index: Vec::new(),
            palette: None,
            previous: Vec::new(),
            encoder: None,
            frames_done: 0,
            elapsed_cs: 0,
        })
    }

    /// How far the job is.
    #[must_use]
    pub fn progress(&self) -> Progress {
        Progress {
            frames_done: self.frames_done,
            frames_total: self.options.frames(),
        }
    }

    /// Does units of work (a simulation slice, the background, the palette, a frame) until
    /// `out_of_time()` returns true after a unit, or the GIF is complete. At least one unit is
    /// done per call. The app passes e.g. `|| start.elapsed() > budget` with a wasm-safe
    /// clock; `|| true` does exactly one unit.
    pub fn advance(
        &mut self,
        mut out_of_time: impl FnMut() -> bool,
    ) -> Result<Progress, RenderError> {
        loop {
            self.unit()?;
            if matches!(self.phase, Phase::Done) || out_of_time() {
                return Ok(self.progress());
            }
        }
    }

    /// Completes the remaining work and returns the GIF file's bytes.
    pub fn finish(mut self) -> Result<Vec<u8>, RenderError> {
        while !matches!(self.phase, Phase::Done) {
            self.unit()?;
        }
        let encoder = self
            .encoder
            .take()
            .ok_or_else(|| encode_error("no frames"))?;
        encoder
            .into_inner()
            .map_err(|e| encode_error(&e.to_string()))
    }

    fn unit(&mut self) -> Result<(), RenderError> {
        match self.phase {
            Phase::Simulating => {
                if self.sim.advance_towards(self.options.steps, STEPS_PER_UNIT) {
                    self.phase = Phase::Background;
                }
            }
            Phase::Background => self.prepare()?,
            Phase::Frames => {
                self.frame()?;
                if self.frames_done >= self.options.frames() {
                    self.phase = Phase::Done;
                }
            }
            Phase::Done => {}
        }
        Ok(())
    }

    /// Draws the background once, builds the palette and indexes the background.
    fn prepare(&mut self) -> Result<(), RenderError> {
        let figure = &self.options.figure;
        let scene = Scene::new(&self.scenario, &self.sim, figure, Detail::RASTER);
        let style = &scene.style;
        let mut canvas = Raster::new(
            scene.width,
            scene.height,
            Color::opaque(style.background),
            style.font_weight,
        )
        .ok_or_else(|| RenderError::Options("cannot allocate the picture".to_owned()))?;
        scene.background(&mut canvas);
        let background = canvas.into_pixmap();
        let mut fixed = vec![
            style.background,
            style.text,
            style.text_muted,
            style.axis,
            style.halo,
            style.dot_outline,
            style.landmark,
            style.landmark_outline,
            style.diverged,
            style.panel,
        ];
        for (_, _, _, c) in super::figure::run_colors(&self.scenario, style) {
            fixed.push(c);
            fixed.push(mix(c, style.halo, 0.5));
            fixed.push(mix(c, style.panel, 0.5));
        }
        let mut palette = Palette::build(&fixed, background.data());
        self.background_index = background
            .data()
            .chunks_exact(4)
            .map(|p| palette.index(p[0], p[1], p[2]))
            .collect();
        let (w, h) = (
            u16::try_from(scene.width).map_err(|_| encode_error("too wide"))?,
            u16::try_from(scene.height).map_err(|_| encode_error("too tall"))?,
        );
        let mut encoder = ::gif::Encoder::new(Vec::new(), w, h, &palette.bytes())
            .map_err(|e| encode_error(&e.to_string()))?;
        encoder
            .set_repeat(::gif::Repeat::Infinite)
            .map_err(|e| encode_error(&e.to_string()))?;
        self.encoder = Some(encoder);
        self.palette = Some(palette);
        self.background = Some(background);
        self.scene = Some(scene);
        self.phase = Phase::Frames;
        Ok(())
    }

    /// Draws, indexes and encodes the next frame.
    fn frame(&mut self) -> Result<(), RenderError> {
        let (Some(scene), Some(background), Some(palette), Some(encoder)) = (
            &self.scene,
            &self.background,
            &mut self.palette,
            &mut self.encoder,
        ) else {
            return Err(encode_error("the background is missing"));
        };
        let k = self.frames_done;
        let step = self.options.step_of_frame(k);
        let mut canvas = Raster::from_pixmap(background.clone(), scene.style.font_weight);
        scene.foreground(&mut canvas, &self.sim, step);
        let pixmap = canvas.into_pixmap();
        // Pixels compared whole (4-byte values), not as byte slices.
        let indices: Vec<u8> = pixmap
            .pixels()
            .iter()
            .zip(background.pixels())
            .zip(&self.background_index)
            .map(|((p, b), bi)| {
                if p == b {
                    *bi
                } else {
                    palette.index(p.red(), p.green(), p.blue())
                }
            })
            .collect();
        let (w, h) = (scene.width as usize, scene.height as usize);
        // Delay: cumulative rounding to centiseconds, plus the final pause.
        let last = k + 1 == self.options.frames();
        let end_cs = {
            #[allow(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "small positive durations"
            )]
            let t = ((k + 1) as f64 * 100.0 / f64::from(self.options.fps)).round() as u64;
            t
        };
        let mut delay = end_cs.saturating_sub(self.elapsed_cs).max(2);
        self.elapsed_cs += delay;
        if last {
            #[allow(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "validated to at most 60 s"
            )]
            let hold = (self.options.hold_secs * 100.0).round() as u64;
            delay += hold;
        }
        let delay = u16::try_from(delay).unwrap_or(u16::MAX);
        let mut frame = if k == 0 {
            ::gif::Frame {
                width: u16::try_from(w).unwrap_or(u16::MAX),
                height: u16::try_from(h).unwrap_or(u16::MAX),
                buffer: std::borrow::Cow::Borrowed(&indices),
                ..::gif::Frame::default()
            }
        } else {
            delta_frame(&self.previous, &indices, w, h)
        };
        frame.delay = delay;
        frame.dispose = ::gif::DisposalMethod::Keep;
        encoder
            .write_frame(&frame)
            .map_err(|e| encode_error(&e.to_string()))?;
        drop(frame);
        self.previous = indices;
        self.frames_done += 1;
        Ok(())
    }
}

/// The rectangle where `next` differs from `previous`, unchanged pixels transparent (a 1x1
/// transparent frame when nothing changed).
fn delta_frame(previous: &[u8], next: &[u8], w: usize, h: usize) -> ::gif::Frame<'static> {
    let (mut x0, mut y0, mut x1, mut y1) = (w, h, 0, 0);
    for y in 0..h {
        let row = y * w;
        for x in 0..w {
            if previous[row + x] != next[row + x] {
                x0 = x0.min(x);
                x1 = x1.max(x);
                y0 = y0.min(y);
                y1 = y1.max(y);
            }
        }
    }
    if x0 > x1 {
        return ::gif::Frame {
            width: 1,
            height: 1,
            transparent: Some(TRANSPARENT),
            buffer: std::borrow::Cow::Owned(vec![TRANSPARENT]),
            ..::gif::Frame::default()
        };
    }
    let mut buffer = Vec::with_capacity((x1 - x0 + 1) * (y1 - y0 + 1));
    for y in y0..=y1 {
        for x in x0..=x1 {
            let i = y * w + x;
            buffer.push(if previous[i] == next[i] {
                TRANSPARENT
            } else {
                next[i]
            });
        }
    }
    let to16 = |v: usize| u16::try_from(v).unwrap_or(u16::MAX);
    ::gif::Frame {
        left: to16(x0),
        top: to16(y0),
        width: to16(x1 - x0 + 1),
        height: to16(y1 - y0 + 1),
        transparent: Some(TRANSPARENT),
        buffer: std::borrow::Cow::Owned(buffer),
        ..::gif::Frame::default()
    }
}

fn encode_error(message: &str) -> RenderError {
    RenderError::Encode {
        format: "GIF",
        message: message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_cut_finds_the_colours_present() {
        let mut pixels = Vec::new();
        for _ in 0..100 {
            pixels.extend_from_slice(&[250, 10, 10, 255]);
            pixels.extend_from_slice(&[10, 10, 250, 255]);
        }
        let colors = median_cut(&pixels, 8);
        assert_eq!(colors.len(), 2);
        let mut p = Palette::build(&[[255, 255, 255]], &pixels);
        let i = p.index(250, 10, 10);
        assert_eq!(p.colors[usize::from(i)], [252, 12, 12]);
        assert_eq!(p.index(255, 255, 255), 0);
    }

    #[test]
    fn frames_span_the_race() {
        let s = crate::scenario::parse("(steps: 200)", "t.ron").unwrap();
        let mut o = GifOptions::for_scenario(&s);
        o.fps = 10.0;
        o.seconds = 2.0;
        assert_eq!(o.frames(), 20);
        assert_eq!(o.step_of_frame(0), 0);
        assert_eq!(o.step_of_frame(19), 200);
        assert!(o.validate().is_ok());
        o.fps = 0.0;
        assert!(o.validate().is_err());
    }
}
