//! A measured hyperparameter map (`numerics::sweep::SweepMap`) as a figure: one rectangle per
//! cell coloured by its value (viridis, through the theme's [`Style::heat`]), diverged cells in
//! the theme's divergence red, cells that did not reach the tolerance in grey, a colour bar,
//! axes labelled with the knobs' values (decades on a log axis), the run's own values as a
//! cross, and the quadratic theory (stability edge, optima, iso-rate lines) where it applies.
//! A 1-D sweep is drawn as a map of one row. Drawn over the [`Canvas`] trait like every figure.

use super::canvas::{Align, Canvas, Color, Image, P, Rect, Stroke, TextStyle};
use super::geometry::{clip_polyline, dashed, tick_label, ticks};
use super::raster::Raster;
use super::text::Font;
use super::{RenderError, Style, encode_png_rgba};
use crate::numerics::short;
use crate::numerics::sweep::{Axis, AxisScale, Cell, Metric, OverlayKind, OverlayShape, SweepMap};
use crate::scenario::{Rgb, Theme};

/// Height of a 1-D map's figure when none is asked for: a strip of one row needs less.
pub const STRIP_HEIGHT: u32 = 380;

/// Size and look of a map figure.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SweepFigureOptions {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Pixels per point.
    pub scale: f32,
    /// Colours and sizes.
    pub theme: Theme,
}

impl Default for SweepFigureOptions {
    fn default() -> Self {
        Self {
            width: 1200,
            height: 900,
            scale: 1.0,
            theme: Theme::Light,
        }
    }
}

/// The colour of cells that did not reach the tolerance.
const NOT_REACHED: Rgb = [0x9a, 0x9a, 0x9a];
/// The colour of cells whose optimizer could not step.
const FAILED: Rgb = [0x30, 0x30, 0x30];
/// Decades a log colour scale spans at most (a converged cell at 1e-300 does not flatten the
/// rest).
const MAX_DECADES: f64 = 30.0;

/// The map as a PNG file's bytes; `title` goes above it.
pub fn sweep_png(
    map: &SweepMap,
    title: &str,
    options: &SweepFigureOptions,
) -> Result<Vec<u8>, RenderError> {
    let image = sweep_image(map, title, options)?;
    encode_png_rgba(&image).ok_or_else(|| RenderError::Encode {
        format: "PNG",
        message: "the encoder refused the picture".to_owned(),
    })
}

/// The map as RGBA pixels.
pub fn sweep_image(
    map: &SweepMap,
    title: &str,
    options: &SweepFigureOptions,
) -> Result<Image, RenderError> {
    if !(200..=super::MAX_SIDE).contains(&options.width)
        || !(150..=super::MAX_SIDE).contains(&options.height)
    {
        return Err(RenderError::Options(format!(
            "a map figure must be 200 to {} pixels wide and 150 to {} high, got {}x{}",
            super::MAX_SIDE,
            super::MAX_SIDE,
            options.width,
            options.height
        )));
    }
    if !(options.scale.is_finite() && (0.25..=16.0).contains(&options.scale)) {
        return Err(RenderError::Options(format!(
            "scale must be between 0.25 and 16, got {}",
            options.scale
        )));
    }
    let style = Style::of(options.theme);
    let mut canvas = Raster::new(
        options.width,
        options.height,
        Color::opaque(style.background),
        style.font_weight,
    )
    .ok_or_else(|| RenderError::Options("cannot allocate the picture".to_owned()))?;
    draw(&mut canvas, map, title, options, &style);
    let pixmap = canvas.into_pixmap();
    Ok(Image {
        width: pixmap.width(),
        height: pixmap.height(),
        rgba: pixmap.take(),
    })
}

/// An axis's value in plot units (log10 on a log axis) and the extent of its cells.
#[derive(Clone, Copy, Debug)]
struct Span {
    log: bool,
    /// Plot units of the first and last cells' outer edges.
    lo: f64,
    hi: f64,
}

impl Span {
    fn of(axis: Option<&Axis>) -> Self {
        let Some(axis) = axis else {
            return Self {
                log: false,
                lo: -0.5,
                hi: 0.5,
            };
        };
        let log = axis.scale == AxisScale::Log;
        let unit = |v: f64| if log { v.log10() } else { v };
        let (a, b) = (unit(axis.from), unit(axis.to));
        let half = if axis.cells > 1 {
            0.5 * (b - a) / (axis.cells - 1) as f64
        } else {
            0.5 * (b - a)
                .abs()
                .max(if log { 0.1 } else { 1e-3 * a.abs().max(1.0) })
        };
        Self {
            log,
            lo: a - half,
            hi: if axis.cells > 1 { b + half } else { a + half },
        }
    }

    /// Plot units of a value (`None` for a non-positive value on a log axis).
    fn unit(&self, v: f64) -> Option<f64> {
        if self.log {
            (v > 0.0).then(|| v.log10())
        } else {
            Some(v)
        }
    }

    /// Where plot units `u` fall between the ends, 0 to 1 (as a pixel fraction).
    fn frac(&self, u: f64) -> f32 {
        #[allow(
            clippy::cast_possible_truncation,
            reason = "a fraction of a plot's pixels"
        )]
        let f = ((u - self.lo) / (self.hi - self.lo)) as f32;
        f
    }

    /// Tick values and labels inside the span.
    fn ticks(&self) -> Vec<(f64, String)> {
        if self.log {
            let (first, last) = (self.lo.ceil(), self.hi.floor());
            let mut out = Vec::new();
            let mut k = first;
            while k <= last && out.len() < 40 {
                out.push((k, short(decade(1.0, k))));
                k += 1.0;
            }
            if out.len() < 3 {
                // Fewer than three decades: 2 and 5 times each decade too.
                let mut k = self.lo.floor();
                while k <= self.hi {
                    for m in [2.0_f64, 5.0] {
                        let u = k + m.log10();
                        if u >= self.lo && u <= self.hi {
                            out.push((u, short(decade(m, k))));
                        }
                    }
                    k += 1.0;
                }
            }
            out
        } else {
            let (values, step) = ticks(self.lo, self.hi, 6);
            values
                .into_iter()
                .map(|v| (v, tick_label(v, step)))
                .collect()
        }
    }
}

/// The cells' values to colours: log10 of (value - f*) for final losses when that spans
/// positive values, else linear.
struct ColorScale {
    log: bool,
    lo: f64,
    hi: f64,
    /// Subtracted before the log (the known minimum, for final losses).
    offset: f64,
}

impl ColorScale {
    fn of(map: &SweepMap) -> Self {
        let offset = match map.metric {
            Metric::FinalLoss => map.known_minimum.unwrap_or(0.0),
            Metric::StepsTo { .. } => 0.0,
        };
        let values: Vec<f64> = map
            .cells
            .iter()
            .filter_map(Cell::value)
            .map(|v| v - offset)
            .filter(|v| v.is_finite())
            .collect();
        let min = values.iter().copied().fold(f64::INFINITY, f64::min);
        let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let final_loss = map.metric == Metric::FinalLoss;
        // Losses at the known minimum are 0 (or rounding below it): the floor of the scale.
        let positive = values.iter().copied().filter(|v| *v > 0.0);
        let min_positive = positive.fold(f64::INFINITY, f64::min);
        let log = final_loss && max > 0.0 && (map.known_minimum.is_some() || min > 0.0);
        if log {
            let hi = max.log10();
            let lo = min_positive.log10().max(hi - MAX_DECADES);
            Self {
                log,
                lo,
                hi: if hi > lo { hi } else { lo + 1.0 },
                offset,
            }
        } else if values.is_empty() {
            Self {
                log: false,
                lo: 0.0,
                hi: 1.0,
                offset,
            }
        } else {
            Self {
                log: false,
                lo: min,
                hi: if max > min { max } else { min + 1.0 },
                offset,
            }
        }
    }

    /// 0 to 1 for a cell's value.
    fn t(&self, v: f64) -> f64 {
        let u = if self.log {
            let g = v - self.offset;
            if g > 0.0 { g.log10() } else { self.lo }
        } else {
            v
        };
        ((u - self.lo) / (self.hi - self.lo)).clamp(0.0, 1.0)
    }
}

/// Every cell's colour, row by row as `map.cells`: its value through the map's colour scale
/// (viridis), diverged cells in the theme's divergence red, cells that did not reach the
/// tolerance in grey. The app's map draws these, so it and the figure agree.
#[must_use]
pub fn cell_colors(map: &SweepMap, s: &Style) -> Vec<Rgb> {
    let scale = ColorScale::of(map);
    map.cells
        .iter()
        .map(|cell| match *cell {
            Cell::Value(v) => s.heat(scale.t(v)),
            Cell::Diverged { .. } => s.diverged,
            Cell::NotReached => NOT_REACHED,
            Cell::Failed { .. } => FAILED,
        })
        .collect()
}

fn text_style(size: f32, color: Rgb, align: Align) -> TextStyle {
    TextStyle {
        size,
        color: Color::opaque(color),
        bold: false,
        align,
        vertical: false,
    }
}

/// Draws the whole figure.
#[allow(
    clippy::too_many_lines,
    reason = "one figure's layout read top to bottom"
)]
fn draw(c: &mut dyn Canvas, map: &SweepMap, title: &str, o: &SweepFigureOptions, s: &Style) {
    let u = o.scale;
    let (w, h) = (o.width as f32, o.height as f32);
    let font = Font::get();
    let fs = s.font_size() * u;
    let ts = s.title_size() * u;
    let margin = 16.0 * u;
    let xs = Span::of(Some(&map.x));
    let ys = Span::of(map.y.as_ref());
    let x_ticks = xs.ticks();
    let y_ticks = if map.y.is_some() {
        ys.ticks()
    } else {
        Vec::new()
    };
    let widest_y = y_ticks
        .iter()
        .map(|(_, t)| font.width(t, fs))
        .fold(0.0_f32, f32::max);
    let colorbar_w = 18.0 * u;
    let colorbar_labels = font
        .width("1e-300", fs)
        .max(font.width("not reached", fs * 0.9))
        + 12.0 * u;
    let notes = 2.0;
    let plot = Rect {
        x: margin + 1.6 * fs + widest_y + 12.0 * u,
        y: margin + ts * 1.6,
        w: 0.0,
        h: 0.0,
    };
    let right = w - margin - colorbar_w - colorbar_labels - 24.0 * u;
    let bottom = h - margin - fs * 1.4 * notes - 2.6 * fs - 10.0 * u;
    let mut plot = Rect {
        w: (right - plot.x).max(10.0),
        h: (bottom - plot.y).max(10.0),
        ..plot
    };
    if map.y.is_none() {
        // A 1-D sweep: a strip of one row.
        plot.h = plot.h.min(plot.w / 6.0);
    }
    c.text(
        [margin, margin + font.cap_height(ts)],
        &font.fit(title, ts, w - 2.0 * margin),
        &TextStyle {
            bold: true,
            ..text_style(ts, s.text, Align::Left)
        },
    );
    let px = |ux: f64, uy: f64| -> P {
        [
            plot.x + plot.w * xs.frac(ux),
            plot.bottom() - plot.h * ys.frac(uy),
        ]
    };
    // The cells.
    let scale = ColorScale::of(map);
    let colors = cell_colors(map, s);
    let (nx, ny) = map.size();
    let edge =
        |span: &Span, i: usize, n: usize| span.lo + (span.hi - span.lo) * i as f64 / n as f64;
    for j in 0..ny {
        for i in 0..nx {
            let Some(&rgb) = colors.get(j * nx + i) else {
                continue;
            };
            let a = px(edge(&xs, i, nx), edge(&ys, j, ny));
            let b = px(edge(&xs, i + 1, nx), edge(&ys, j + 1, ny));
            // Half a pixel more on every side, so neighbouring cells leave no seam.
            c.fill_rect(
                Rect {
                    x: a[0].min(b[0]) - 0.5,
                    y: a[1].min(b[1]) - 0.5,
                    w: (b[0] - a[0]).abs() + 1.0,
                    h: (a[1] - b[1]).abs() + 1.0,
                },
                Color::opaque(rgb),
            );
        }
    }
    // The theory, clipped to the plot.
    let white = Color::opaque([0xff, 0xff, 0xff]);
    let halo = Color::with_alpha([0, 0, 0], 0.6);
    let mut legend: Vec<String> = Vec::new();
    if let Some(overlay) = &map.overlay {
        c.push_clip(plot);
        for line in &overlay.lines {
            let pieces: Vec<Vec<P>> = match &line.shape {
                OverlayShape::AtX(v) => xs
                    .unit(*v)
                    .map(|ux| vec![vec![px(ux, ys.lo), px(ux, ys.hi)]])
                    .unwrap_or_default(),
                OverlayShape::AtY(v) => ys
                    .unit(*v)
                    .map(|uy| vec![vec![px(xs.lo, uy), px(xs.hi, uy)]])
                    .unwrap_or_default(),
                OverlayShape::Path(points) => {
                    // A point off a log axis (a = 0) breaks the line.
                    let mut pieces = Vec::new();
                    let mut current = Vec::new();
                    for p in points {
                        if let (Some(ux), Some(uy)) = (xs.unit(p[0]), ys.unit(p[1])) {
                            current.push(px(ux, uy));
                        } else {
                            if current.len() >= 2 {
                                pieces.push(std::mem::take(&mut current));
                            }
                            current.clear();
                        }
                    }
                    if current.len() >= 2 {
                        pieces.push(current);
                    }
                    pieces
                        .iter()
                        .flat_map(|p| clip_polyline(p, plot.expand(4.0 * u)))
                        .collect()
                }
            };
            if pieces.is_empty() {
                continue;
            }
            let (width, alpha, dash) = match line.kind {
                OverlayKind::Edge => (2.5, 1.0, false),
                OverlayKind::OptimalLr => (2.0, 1.0, true),
                OverlayKind::IsoRate(_) => (1.0, 0.55, false),
            };
            let drawn = if dash {
                dashed(&pieces, 9.0 * u, 6.0 * u)
            } else {
                pieces.clone()
            };
            let width = width * u * s.line_width_scale.sqrt();
            c.stroke_lines(
                &drawn,
                Stroke {
                    color: Color::with_alpha(halo.rgb, halo.alpha * alpha),
                    width: width + 2.0 * u,
                },
            );
            c.stroke_lines(
                &drawn,
                Stroke {
                    color: Color::with_alpha(white.rgb, alpha),
                    width,
                },
            );
            match line.kind {
                OverlayKind::Edge => legend.push(format!("solid white: {}", line.label)),
                OverlayKind::OptimalLr => legend.push(format!("dashed white: {}", line.label)),
                OverlayKind::IsoRate(_) => {}
            }
        }
        if overlay
            .lines
            .iter()
            .any(|l| matches!(l.kind, OverlayKind::IsoRate(_)))
        {
            legend.push("thin: heavy-ball iso-rate lines".to_owned());
        }
        for point in &overlay.points {
            let (Some(ux), Some(uy)) = (xs.unit(point.at[0]), ys.unit(point.at[1])) else {
                continue;
            };
            let p = px(ux, uy);
            if !plot.contains(p) {
                continue;
            }
            c.circle(
                p,
                5.0 * u,
                Some(white),
                Some(Stroke {
                    color: Color::opaque([0, 0, 0]),
                    width: 1.5 * u,
                }),
            );
            let label_style = text_style(fs * 0.9, [0xff, 0xff, 0xff], Align::Left);
            let at = [p[0] + 9.0 * u, p[1] - 6.0 * u];
            c.text(
                [at[0] + u, at[1] + u],
                &point.label,
                &TextStyle {
                    color: Color::opaque([0, 0, 0]),
                    ..label_style
                },
            );
            c.text(at, &point.label, &label_style);
        }
        c.pop_clip();
        legend.insert(
            0,
            format!(
                "theory on the quadratic (l_min = {}, l_max = {}):",
                short4(overlay.eigenvalues[0]),
                short4(overlay.eigenvalues[1])
            ),
        );
    }
    // The run's own values.
    if let Some(ux) = xs.unit(map.current.0) {
        let uy = match (map.y.as_ref(), map.current.1) {
            (None, _) => Some(0.0),
            (Some(_), Some(v)) => ys.unit(v),
            (Some(_), None) => None,
        };
        if let Some(uy) = uy {
            let p = px(ux, uy);
            if plot.contains(p) {
                let r = 7.0 * u;
                let cross = vec![
                    vec![[p[0] - r, p[1] - r], [p[0] + r, p[1] + r]],
                    vec![[p[0] - r, p[1] + r], [p[0] + r, p[1] - r]],
                ];
                c.stroke_lines(
                    &cross,
                    Stroke {
                        color: Color::opaque([0xff, 0xff, 0xff]),
                        width: 5.0 * u,
                    },
                );
                c.stroke_lines(
                    &cross,
                    Stroke {
                        color: Color::opaque([0, 0, 0]),
                        width: 2.5 * u,
                    },
                );
            }
        }
    }
    // Frame and ticks.
    let axis = Stroke {
        color: Color::opaque(s.axis),
        width: u * s.line_width_scale.sqrt(),
    };
    c.stroke_lines(
        &[vec![
            [plot.x, plot.y],
            [plot.right(), plot.y],
            [plot.right(), plot.bottom()],
            [plot.x, plot.bottom()],
            [plot.x, plot.y],
        ]],
        axis,
    );
    let tick_len = 5.0 * u;
    let mut marks = Vec::new();
    let centre = text_style(fs, s.text, Align::Center);
    for (ux, label) in &x_ticks {
        let x = px(*ux, ys.lo)[0];
        marks.push(vec![[x, plot.bottom()], [x, plot.bottom() + tick_len]]);
        let baseline = plot.bottom() + tick_len + 4.0 * u + font.cap_height(fs);
        c.text([x, baseline], label, &centre);
    }
    let right_style = text_style(fs, s.text, Align::Right);
    for (uy, label) in &y_ticks {
        let y = px(xs.lo, *uy)[1];
        marks.push(vec![[plot.x - tick_len, y], [plot.x, y]]);
        c.text(
            [plot.x - tick_len - 4.0 * u, y + 0.5 * font.cap_height(fs)],
            label,
            &right_style,
        );
    }
    c.stroke_lines(&marks, axis);
    let axis_name = |a: &Axis| {
        if a.scale == AxisScale::Log {
            format!("{} (log scale)", a.knob)
        } else {
            a.knob.clone()
        }
    };
    let label_size = fs * 1.1;
    c.text(
        [
            plot.x + 0.5 * plot.w,
            plot.bottom() + tick_len + 4.0 * u + fs * 1.2 + label_size,
        ],
        &axis_name(&map.x),
        &text_style(label_size, s.text, Align::Center),
    );
    if let Some(y) = &map.y {
        c.text(
            [
                plot.x - tick_len - 8.0 * u - widest_y - 0.4 * label_size,
                plot.y + 0.5 * plot.h,
            ],
            &axis_name(y),
            &TextStyle {
                vertical: true,
                ..text_style(label_size, s.text, Align::Center)
            },
        );
    }
    // The colour bar, with what is not a colour below it.
    let bar = Rect {
        x: plot.right() + 24.0 * u,
        y: plot.y,
        w: colorbar_w,
        h: if map.y.is_some() {
            plot.h * 0.7
        } else {
            plot.h.max(120.0 * u)
        },
    };
    let steps = 128;
    for k in 0..steps {
        let t0 = k as f32 / steps as f32;
        c.fill_rect(
            Rect {
                x: bar.x,
                y: bar.bottom() - bar.h * (t0 + 1.0 / steps as f32) - 0.5,
                w: bar.w,
                h: bar.h / steps as f32 + 1.0,
            },
            Color::opaque(s.heat(f64::from(t0) + 0.5 / f64::from(steps))),
        );
    }
    c.stroke_lines(
        &[vec![
            [bar.x, bar.y],
            [bar.right(), bar.y],
            [bar.right(), bar.bottom()],
            [bar.x, bar.bottom()],
            [bar.x, bar.y],
        ]],
        axis,
    );
    let bar_span = Span {
        log: false,
        lo: scale.lo,
        hi: scale.hi,
    };
    let bar_ticks: Vec<(f64, String)> = if scale.log {
        let (values, step) = ticks(scale.lo, scale.hi, 6);
        let step = step.max(1.0).round();
        values
            .into_iter()
            .filter(|v| (v / step).fract() == 0.0 && v.fract() == 0.0)
            .map(|v| (v, short(decade(1.0, v))))
            .collect()
    } else {
        bar_span.ticks()
    };
    let left_style = text_style(fs * 0.9, s.text, Align::Left);
    let mut bar_marks = Vec::new();
    for (v, label) in &bar_ticks {
        let y = bar.bottom() - bar.h * bar_span.frac(*v);
        bar_marks.push(vec![[bar.right(), y], [bar.right() + tick_len, y]]);
        c.text(
            [
                bar.right() + tick_len + 3.0 * u,
                y + 0.5 * font.cap_height(fs * 0.9),
            ],
            label,
            &left_style,
        );
    }
    c.stroke_lines(&bar_marks, axis);
    let mut swatch_y = bar.bottom() + 14.0 * u;
    let present = |f: fn(&Cell) -> bool| map.cells.iter().any(f);
    for (rgb, label, shown) in [
        (
            s.diverged,
            "diverged",
            present(|c| matches!(c, Cell::Diverged { .. })),
        ),
        (
            NOT_REACHED,
            "not reached",
            present(|c| *c == Cell::NotReached),
        ),
        (
            FAILED,
            "failed",
            present(|c| matches!(c, Cell::Failed { .. })),
        ),
    ] {
        if !shown {
            continue;
        }
        c.fill_rect(
            Rect {
                x: bar.x,
                y: swatch_y,
                w: bar.w,
                h: bar.w,
            },
            Color::opaque(rgb),
        );
        c.text(
            [
                bar.right() + 6.0 * u,
                swatch_y + 0.5 * bar.w + 0.5 * font.cap_height(fs * 0.9),
            ],
            label,
            &left_style,
        );
        swatch_y += bar.w + 8.0 * u;
    }
    c.text(
        [bar.x, swatch_y + 10.0 * u + font.cap_height(fs * 0.9)],
        "x: the run",
        &left_style,
    );
    // Notes: what the colour is, and the theory's legend.
    let metric = match (map.metric, scale.log) {
        (Metric::FinalLoss, true) if map.known_minimum.is_some() => {
            "colour: f(x_N) - f* (log scale)".to_owned()
        }
        (Metric::FinalLoss, true) => "colour: f(x_N) (log scale)".to_owned(),
        (m, _) => format!("colour: {}", m.describe(map.known_minimum.is_some())),
    };
    let mut lines = vec![format!("{metric}; {} steps per cell", map.steps)];
    if !legend.is_empty() {
        lines.push(legend.join("  "));
    }
    let muted = text_style(fs * 0.9, s.text_muted, Align::Left);
    let mut y = h - margin - fs * 1.4 * (lines.len() as f32 - 1.0);
    for line in &lines {
        c.text(
            [margin, y],
            &font.fit(line, fs * 0.9, w - 2.0 * margin),
            &muted,
        );
        y += fs * 1.4;
    }
}

/// m * 10^k for a whole k, exactly as the literal `{m}e{k}` reads.
fn decade(m: f64, k: f64) -> f64 {
    #[allow(
        clippy::cast_possible_truncation,
        reason = "k is a whole number of decades, far inside i32"
    )]
    let k = k as i32;
    format!("{m}e{k}").parse().unwrap_or(m * 10f64.powi(k))
}

/// Four significant digits.
fn short4(v: f64) -> String {
    short(format!("{v:.3e}").parse().unwrap_or(v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::sweep::Axis;

    fn map(cells: Vec<Cell>, y: bool) -> SweepMap {
        SweepMap {
            x: Axis::parse("lr:0.01..10:log:4").unwrap(),
            y: y.then(|| Axis::parse("momentum:0..0.9:2").unwrap()),
            metric: Metric::FinalLoss,
            steps: 10,
            cells,
            known_minimum: Some(0.0),
            current: (0.1, y.then_some(0.5)),
            overlay: None,
        }
    }

    #[test]
    fn cells_get_their_colours_and_diverged_cells_the_divergence_red() {
        let m = map(
            vec![
                Cell::Value(1.0),
                Cell::Value(1e-6),
                Cell::Value(0.0),
                Cell::Diverged { step: 3 },
                Cell::Value(1e-3),
                Cell::Value(1e-2),
                Cell::NotReached,
                Cell::Diverged { step: 1 },
            ],
            true,
        );
        let scale = ColorScale::of(&m);
        assert!(scale.log);
        assert_eq!((scale.lo, scale.hi), (-6.0, 0.0));
        assert_eq!(scale.t(0.0), 0.0, "a loss at the minimum is the floor");
        let options = SweepFigureOptions {
            width: 400,
            height: 300,
            ..SweepFigureOptions::default()
        };
        let image = sweep_image(&m, "test", &options).unwrap();
        let style = Style::of(Theme::Light);
        let red = image
            .rgba
            .chunks_exact(4)
            .filter(|p| p[..3] == style.diverged)
            .count();
        assert!(red > 500, "{red} red pixels");
        assert!(sweep_png(&map(vec![Cell::Value(1.0); 4], false), "1-D", &options).is_ok());
        assert!(
            sweep_image(
                &m,
                "",
                &SweepFigureOptions {
                    width: 10,
                    ..options
                }
            )
            .is_err()
        );
    }

    #[test]
    fn log_axes_tick_at_decades() {
        let span = Span::of(Some(&Axis::parse("lr:1e-4..10:log:64").unwrap()));
        let labels: Vec<String> = span.ticks().into_iter().map(|t| t.1).collect();
        assert_eq!(labels, ["1e-4", "1e-3", "0.01", "0.1", "1", "10"]);
        let span = Span::of(Some(&Axis::parse("lr:0.1..1:log:8").unwrap()));
        assert!(span.ticks().len() >= 3);
    }
}
