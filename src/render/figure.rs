//! The figure, drawn once over [`Canvas`]: heat map, iso-lines, landmarks, axes and caption
//! (the static background), then the runs' paths, markers, legend and step (the foreground,
//! redrawn per GIF frame).

use super::FigureOptions;
use super::canvas::{Align, Canvas, Color, Image, P, Rect, Stroke, TextStyle};
use super::caption;
use super::geometry::{Mapping, Thinned, clip_polyline, dashed, tick_label, ticks};
use super::style::Style;
use super::text::Font;
use crate::numerics::Vec2;
use crate::numerics::contour::{Grid, LogScale, log_iso_lines};
use crate::numerics::objectives::{AnyObjective, Landmarks, PointKind};
use crate::numerics::path_shape::{PathShape, Thinning};
use crate::numerics::run::{RunStatus, Sequence, Simulation, Stop, Trajectory};
use crate::numerics::theory::TaylorModels;
use crate::scenario::{Rgb, Scenario};

/// Iso-line levels (as many as the app draws).
pub const LEVELS: usize = 24;

/// How finely a target needs the smooth parts: rasters sample densely, SVG keeps files small.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Detail {
    /// Pixels between heat-map samples.
    heat_spacing: f32,
    /// Most heat-map samples along a side.
    heat_max: usize,
    /// Pixels between the samples iso-lines are extracted from.
    iso_spacing: f32,
    /// Most iso-line samples along a side.
    iso_max: usize,
    /// Points closer than this (pixels) to the last kept one are dropped.
    tolerance: f32,
    /// Most points of one run's path (SVG: thin harder beyond this).
    max_path_points: usize,
    /// Room given to text beyond its measured width: SVG viewers without the figure font
    /// (and without `textLength` support) set it in a wider one.
    text_slack: f32,
}

impl Detail {
    pub(crate) const RASTER: Self = Self {
        heat_spacing: 2.0,
        heat_max: 900,
        iso_spacing: 2.0,
        iso_max: 900,
        tolerance: 0.35,
        max_path_points: usize::MAX,
        text_slack: 1.0,
    };
    pub(crate) const SVG: Self = Self {
        heat_spacing: 5.0,
        heat_max: 320,
        iso_spacing: 3.0,
        iso_max: 480,
        tolerance: 0.6,
        max_path_points: 4000,
        text_slack: 1.2,
    };
}

/// A run's averaged iterate as drawn: its point and its path's dashes, in pixels.
type Averaged = (P, Vec<Vec<P>>);

/// One run as drawn.
struct RunDraw {
    label: String,
    color: Rgb,
    /// Index into the simulation's runs.
    sim_index: usize,
    /// The whole path thinned for drawing, in the plane (`path_shape::Thinning`, the app's
    /// rule too); strokes up to any step give the animation's frames.
    path: Thinning,
    /// The averaged iterate's path thinned the same way, when the run averages.
    averaged: Option<Thinning>,
    /// The base sequence's path (Schedule-Free's z), when the optimizer has one.
    base: Option<Thinning>,
    /// Its kept points in pixels (where the legend may go, whether it left the view).
    path_px: Vec<P>,
    start: P,
    /// "diverged" or "stopped", for runs that end early.
    stop_word: &'static str,
}

/// The legend's place and shape, fixed for a whole animation (room for every note a run
/// will need), in the plot corner its paths cover least.
struct LegendBox {
    rect: Rect,
    rows: usize,
    col_w: f32,
    /// Widest label (and note), in pixels.
    max_w: f32,
}

/// Positioned caption text and colour swatches.
enum Ink {
    Text(P, String, TextStyle),
    Swatch(P, Rgb),
}

/// Everything computed once per figure: layout, mapped geometry, the heat map.
pub(crate) struct Scene {
    pub(crate) width: u32,
    pub(crate) height: u32,
    pub(crate) style: Style,
    /// Pixels per point.
    u: f32,
    mapping: Mapping,
    heat: Option<(Rect, Image)>,
    iso: Vec<Vec<P>>,
    landmarks: Vec<(P, PointKind)>,
    x_ticks: Vec<(f32, String)>,
    y_ticks: Vec<(f32, String)>,
    caption: Vec<Ink>,
    runs: Vec<RunDraw>,
    legend: Option<LegendBox>,
    text_slack: f32,
    /// Draw only the last this many steps of each path (the scenario's `trail`).
    trail: Option<usize>,
    /// The Taylor models at one run's point, when asked for.
    taylor: Option<TaylorAt>,
    /// The outline of the scenario's box domain, closed, in pixels (where it meets the view).
    domain: Option<Vec<P>>,
}

/// Which run's point carries the Taylor models (index into `Scene::runs`), the objective they
/// model and, on a quadratic, its (L, mu) for the bounds.
struct TaylorAt {
    run: usize,
    objective: AnyObjective,
    bounds: Option<(f64, f64)>,
}

impl TaylorAt {
    fn new(scenario: &Scenario, run: usize) -> Self {
        let bounds = scenario.objective.as_quadratic().map(|q| {
            let (l_min, l_max) = q.eigenvalues();
            (l_max, l_min)
        });
        Self {
            run,
            objective: scenario.objective.clone(),
            bounds,
        }
    }
}

impl Scene {
    /// Lays out the figure and prepares its geometry.
    pub(crate) fn new(
        scenario: &Scenario,
        sim: &Simulation,
        options: &FigureOptions,
        detail: Detail,
    ) -> Self {
        let style = Style::of(options.theme);
        let u = options.scale;
        let (w, h) = (options.width as f32, options.height as f32);
        let margin = 14.0 * u;
        let runs = run_colors(scenario, &style);
        let (caption, caption_h) = if options.caption {
            layout_caption(scenario, &runs, &style, u, (w, h), detail.text_slack)
        } else {
            (Vec::new(), 0.0)
        };
        let (mapping, x_ticks, y_ticks) = layout_plot(options, &style, h - margin - caption_h);

        // Caption sits under the plot and its axis.
        let caption_top = h - margin - caption_h;
        let caption = caption
            .into_iter()
            .map(|(baseline, ink)| match ink {
                Ink::Text(p, t, s) => Ink::Text([p[0], caption_top + baseline], t, s),
                Ink::Swatch(p, c) => Ink::Swatch([p[0], caption_top + baseline], c),
            })
            .collect();

        let rect = mapping.rect;
        // One grid serves both when the target samples them alike (rasters).
        let heat_grid = sample(scenario, &mapping, detail.heat_spacing, detail.heat_max);
        let iso_grid = (detail.iso_spacing != detail.heat_spacing
            || detail.iso_max != detail.heat_max)
            .then(|| sample(scenario, &mapping, detail.iso_spacing, detail.iso_max));
        let heat = heat_image(&heat_grid, &mapping, &style);
        let iso = iso_lines(iso_grid.as_ref().unwrap_or(&heat_grid), &mapping, detail);
        let landmarks = scenario
            .objective
            .critical_points()
            .into_iter()
            .map(|cp| (mapping.px(cp.p), cp.kind))
            .filter(|(p, _)| rect.expand(10.0 * u).contains(*p))
            .collect::<Vec<_>>();

        let runs = runs
            .into_iter()
            .filter_map(|(sim_index, _, label, color)| {
                let run = sim.runs().get(sim_index)?;
                let path = thinned_path(run.trajectory().shape(), &mapping, detail);
                let path_px = path.points().iter().map(|p| mapping.px(*p)).collect();
                let averaged = run
                    .trajectory()
                    .averaged_shape()
                    .map(|shape| thinned_path(shape, &mapping, detail));
                let base = run
                    .trajectory()
                    .base_shape()
                    .map(|shape| thinned_path(shape, &mapping, detail));
                Some(RunDraw {
                    label,
                    color,
                    sim_index,
                    path,
                    averaged,
                    base,
                    path_px,
                    start: mapping.px(run.config().start),
                    stop_word: match run.status() {
                        RunStatus::Stopped {
                            reason: Stop::Failed(_),
                            ..
                        } => "stopped",
                        _ => "diverged",
                    },
                })
            })
            .collect::<Vec<_>>();
        let legend = if options.legend {
            legend_box(
                &runs,
                sim,
                &style,
                u,
                &mapping,
                &landmarks,
                detail.text_slack,
            )
        } else {
            None
        };

        Self {
            width: options.width,
            height: options.height,
            style,
            u,
            mapping,
            heat,
            iso,
            landmarks,
            x_ticks,
            y_ticks,
            caption,
            runs,
            legend,
            text_slack: detail.text_slack,
            trail: scenario.spec.trail,
            taylor: options.taylor.map(|i| TaylorAt::new(scenario, i)),
            domain: domain_outline(scenario, &mapping),
        }
    }

    /// Line widths grow with the theme, markers by half as much.
    fn marker(&self) -> f32 {
        self.u * (1.0 + 0.5 * (self.style.line_width_scale - 1.0))
    }

    /// Draws what does not change while runs move: heat map, iso-lines, landmarks, frame,
    /// ticks, axis names and caption.
    pub(crate) fn background(&self, c: &mut dyn Canvas) {
        let s = &self.style;
        let u = self.u;
        let rect = self.mapping.rect;
        let fs = s.font_size() * u;
        c.push_clip(rect);
        if let Some((r, img)) = &self.heat {
            c.image(*r, img);
        }
        if !self.iso.is_empty() {
            c.stroke_lines(
                &self.iso,
                Stroke {
                    color: Color::with_alpha(s.iso_line, s.iso_line_alpha),
                    width: s.iso_line_width * u,
                },
            );
        }
        if s.grid_alpha > 0.0 {
            let mut grid = Vec::new();
            for (x, _) in &self.x_ticks {
                grid.push(vec![[*x, rect.y], [*x, rect.bottom()]]);
            }
            for (y, _) in &self.y_ticks {
                grid.push(vec![[rect.x, *y], [rect.right(), *y]]);
            }
            c.stroke_lines(
                &grid,
                Stroke {
                    color: Color::with_alpha(s.grid, s.grid_alpha),
                    width: u,
                },
            );
        }
        if let Some(outline) = &self.domain {
            // Thin and neutral: the frame's colour, a little lighter.
            c.stroke_lines(
                std::slice::from_ref(outline),
                Stroke {
                    color: Color::with_alpha(s.axis, 0.85),
                    width: 1.25 * u * s.line_width_scale.sqrt(),
                },
            );
        }
        let m = self.marker();
        for (p, kind) in &self.landmarks {
            landmark(c, *p, *kind, 6.0 * m, s, u);
        }
        c.pop_clip();

        self.axes(c);
        for ink in &self.caption {
            match ink {
                Ink::Text(p, t, style) => c.text(*p, t, style),
                Ink::Swatch(p, color) => {
                    let y = p[1] - 0.32 * fs;
                    swatch(c, [p[0], y], [p[0] + 22.0 * u, y], *color, s, u);
                }
            }
        }
    }

    /// The plot's frame, ticks, tick labels and axis names.
    fn axes(&self, c: &mut dyn Canvas) {
        let s = &self.style;
        let u = self.u;
        let rect = self.mapping.rect;
        let fs = s.font_size() * u;
        let axis = Stroke {
            color: Color::opaque(s.axis),
            width: u * s.line_width_scale.sqrt(),
        };
        c.stroke_lines(
            &[vec![
                [rect.x, rect.y],
                [rect.right(), rect.y],
                [rect.right(), rect.bottom()],
                [rect.x, rect.bottom()],
                [rect.x, rect.y],
            ]],
            axis,
        );
        let tick_len = 5.0 * u;
        let tick_style = text_style(fs, s.text, false, Align::Center);
        let mut marks = Vec::new();
        for (x, label) in &self.x_ticks {
            marks.push(vec![[*x, rect.bottom()], [*x, rect.bottom() + tick_len]]);
            let baseline = rect.bottom() + tick_len + 4.0 * u + Font::get().cap_height(fs);
            c.text([*x, baseline], label, &tick_style);
        }
        let right_style = TextStyle {
            align: Align::Right,
            ..tick_style
        };
        for (y, label) in &self.y_ticks {
            marks.push(vec![[rect.x - tick_len, *y], [rect.x, *y]]);
            let baseline = y + 0.5 * Font::get().cap_height(fs);
            c.text([rect.x - tick_len - 5.0 * u, baseline], label, &right_style);
        }
        c.stroke_lines(&marks, axis);
        let label_size = fs * 1.1;
        let label = text_style(label_size, s.text, false, Align::Center);
        c.text(
            [
                rect.x + 0.5 * rect.w,
                rect.bottom() + tick_len + 4.0 * u + fs * 1.2 + label_size * 1.0,
            ],
            "x",
            &label,
        );
        let widest = self
            .y_ticks
            .iter()
            .map(|(_, t)| Font::get().width(t, fs))
            .fold(0.0_f32, f32::max);
        c.text(
            [
                rect.x - tick_len - 5.0 * u - widest - 10.0 * u,
                rect.y + 0.5 * rect.h + 0.5 * Font::get().cap_height(label_size) * 0.75,
            ],
            "y",
            &TextStyle {
                align: Align::Right,
                ..label
            },
        );
    }

    /// The step the figure shows by default: the furthest any run got.
    pub(crate) fn last_step(sim: &Simulation) -> usize {
        sim.runs()
            .iter()
            .map(crate::numerics::run::Run::steps_done)
            .max()
            .unwrap_or(0)
    }

    /// Draws the runs as they stand at `step`: paths, start and current markers, where a run
    /// diverged, the legend and the step.
    pub(crate) fn foreground(&self, c: &mut dyn Canvas, sim: &Simulation, step: usize) {
        let s = &self.style;
        let u = self.u;
        let rect = self.mapping.rect;
        let m = self.marker();
        let width = s.path_width() * u;
        let halo_w = width + 2.0 * m;
        // Current point, and whether the run had stopped by then, per run.
        let mut states = Vec::new();
        // The averaged iterate at `step`, per run that averages, and the base sequence.
        let mut averages = Vec::new();
        let mut bases = Vec::new();
        c.push_clip(rect);
        let guard = rect.expand(halo_w + 4.0 * m);
        for r in &self.runs {
            let Some(run) = sim.runs().get(r.sim_index) else {
                states.push(None);
                continue;
            };
            let t = run.trajectory();
            let Some(current) = t.at_step(step) else {
                states.push(None);
                continue;
            };
            let here = self.mapping.px(current.point);
            let pieces: Vec<Vec<P>> = self
                .strokes(
                    t,
                    Sequence::Iterate,
                    Some(&r.path),
                    Some(t.shape()),
                    current.point,
                    current.step,
                )
                .iter()
                .flat_map(|stroke| {
                    let px: Vec<P> = stroke.iter().map(|p| self.mapping.px(*p)).collect();
                    clip_polyline(&px, guard)
                })
                .collect();
            if !pieces.is_empty() {
                c.stroke_lines(
                    &pieces,
                    Stroke {
                        color: Color::with_alpha(s.halo, s.halo_alpha),
                        width: halo_w,
                    },
                );
                c.stroke_lines(
                    &pieces,
                    Stroke {
                        color: Color::opaque(r.color),
                        width,
                    },
                );
            }
            let stopped = match run.status() {
                RunStatus::Stopped { step: at, .. } if current.step + 1 >= *at => Some(*at),
                _ => None,
            };
            states.push(Some((here, stopped)));
            if let Some(averaged) = self.sequence_path(
                t,
                Sequence::Averaged,
                current.averaged,
                (r.averaged.as_ref(), t.averaged_shape()),
                current.step,
                guard,
                (4.0, 3.0),
            ) {
                averages.push((averaged, r.color));
            }
            if let Some((z, dots)) = self.sequence_path(
                t,
                Sequence::Base,
                current.base,
                (r.base.as_ref(), t.base_shape()),
                current.step,
                guard,
                (1.5, 3.0),
            ) {
                bases.push((z, dots, r.color));
            }
        }
        // Above every run's path (the noise an average smooths would hide it), then its square.
        for ((_, dashes), color) in &averages {
            self.averaged_dashes(c, dashes, *color);
        }
        self.averaged_markers(c, &averages);
        self.base_marks(c, &bases);
        self.taylor_models(c, sim, step);
        self.markers(c, &states);
        c.pop_clip();
        if let Some(b) = &self.legend {
            self.legend(c, b, &states);
        }
        self.step_badge(c, step);
    }

    /// A run's second sequence (its averaged iterate, or Schedule-Free's z) up to `step`: its
    /// point `at` in pixels and its path cut into dashes of `dash` and gaps of `gap` markers.
    #[allow(
        clippy::too_many_arguments,
        reason = "the two sequences differ in every argument"
    )]
    fn sequence_path(
        &self,
        t: &Trajectory,
        sequence: Sequence,
        at: Option<Vec2>,
        (thinning, shape): (Option<&Thinning>, Option<&PathShape>),
        step: usize,
        guard: Rect,
        (dash, gap): (f32, f32),
    ) -> Option<Averaged> {
        let at = at?;
        let m = self.marker();
        let pieces: Vec<Vec<P>> = self
            .strokes(t, sequence, thinning, shape, at, step)
            .iter()
            .flat_map(|stroke| {
                let px: Vec<P> = stroke.iter().map(|p| self.mapping.px(*p)).collect();
                clip_polyline(&px, guard)
            })
            .collect();
        Some((self.mapping.px(at), dashed(&pieces, dash * m, gap * m)))
    }

    /// A sequence's strokes up to `step`, ending at its point `at` there: its last steps from
    /// the stored points with a trail, else the whole thinned path.
    fn strokes(
        &self,
        t: &Trajectory,
        sequence: Sequence,
        thinning: Option<&Thinning>,
        shape: Option<&PathShape>,
        at: Vec2,
        step: usize,
    ) -> Vec<Vec<Vec2>> {
        match (self.trail, thinning, shape) {
            (Some(n), _, _) => vec![t.trail(sequence, step.saturating_sub(n), step)],
            (None, Some(thinning), Some(shape)) => {
                thinning.strokes(step, at, shape.last_vertex_upto(step))
            }
            _ => Vec::new(),
        }
    }

    /// Base sequences: thin dots over the halo and a small ring where each is.
    fn base_marks(&self, c: &mut dyn Canvas, bases: &[(P, Vec<Vec<P>>, Rgb)]) {
        let (s, m) = (&self.style, self.marker());
        let width = 0.5 * s.path_width() * self.u;
        for (z, dots, color) in bases {
            c.stroke_lines(
                dots,
                Stroke {
                    color: Color::with_alpha(s.halo, s.halo_alpha),
                    width: width + 2.0 * m,
                },
            );
            c.stroke_lines(
                dots,
                Stroke {
                    color: Color::opaque(*color),
                    width,
                },
            );
            c.circle(
                *z,
                4.0 * m,
                None,
                Some(Stroke {
                    color: Color::opaque(*color),
                    width: 1.5 * m,
                }),
            );
        }
    }

    /// An averaged iterate's dashes, cased in white.
    fn averaged_dashes(&self, c: &mut dyn Canvas, dashes: &[Vec<P>], color: Rgb) {
        let (s, m) = (&self.style, self.marker());
        let width = s.path_width() * self.u;
        // Cased in white, as in the app: every path has a dark outline, so the white casing
        // tells the average from a noisy path's scribble in any theme.
        c.stroke_lines(
            dashes,
            Stroke {
                color: Color::opaque([255, 255, 255]),
                width: width + 2.5 * m,
            },
        );
        c.stroke_lines(
            dashes,
            Stroke {
                color: Color::opaque(color),
                width,
            },
        );
    }

    /// The averaged iterates' squares, under the current points (as in the app).
    fn averaged_markers(&self, c: &mut dyn Canvas, averages: &[(Averaged, Rgb)]) {
        let m = self.marker();
        for ((p, _), color) in averages {
            let h = 7.0 * m;
            let square = [
                [p[0] - h, p[1] - h],
                [p[0] + h, p[1] - h],
                [p[0] + h, p[1] + h],
                [p[0] - h, p[1] + h],
            ];
            c.polygon(
                &square,
                Some(Color::opaque(*color)),
                Some(Stroke {
                    color: Color::opaque(self.style.dot_outline),
                    width: 2.0 * m,
                }),
            );
        }
    }

    /// Start circles, current points and where runs diverged, above every path.
    fn markers(&self, c: &mut dyn Canvas, states: &[Option<(P, Option<usize>)>]) {
        let s = &self.style;
        let guard = self.mapping.rect.expand(40.0 * self.u);
        let m = self.marker();
        for (r, state) in self.runs.iter().zip(states) {
            let Some((here, stopped)) = state else {
                continue;
            };
            if guard.contains(r.start) {
                c.circle(
                    r.start,
                    5.0 * m,
                    None,
                    Some(Stroke {
                        color: Color::with_alpha(s.halo, s.halo_alpha),
                        width: 4.2 * m,
                    }),
                );
                c.circle(
                    r.start,
                    5.0 * m,
                    Some(Color::with_alpha(s.background, 0.0)),
                    Some(Stroke {
                        color: Color::opaque(r.color),
                        width: 2.0 * m,
                    }),
                );
            }
            if guard.contains(*here) {
                c.circle(
                    *here,
                    5.5 * m,
                    Some(Color::opaque(r.color)),
                    Some(Stroke {
                        color: Color::opaque(s.dot_outline),
                        width: 2.0 * m,
                    }),
                );
                if stopped.is_some() {
                    let d = 9.0 * m;
                    let cross = vec![
                        vec![[here[0] - d, here[1] - d], [here[0] + d, here[1] + d]],
                        vec![[here[0] - d, here[1] + d], [here[0] + d, here[1] - d]],
                    ];
                    c.stroke_lines(
                        &cross,
                        Stroke {
                            color: Color::with_alpha(s.halo, s.halo_alpha),
                            width: 5.0 * m,
                        },
                    );
                    c.stroke_lines(
                        &cross,
                        Stroke {
                            color: Color::opaque(s.diverged),
                            width: 2.5 * m,
                        },
                    );
                }
            }
        }
    }

    /// The legend: each run's colour and label, and a note when it has diverged or left the
    /// view by the step shown.
    fn legend(&self, c: &mut dyn Canvas, b: &LegendBox, states: &[Option<(P, Option<usize>)>]) {
        let s = &self.style;
        let u = self.u;
        let font = Font::get();
        let fs = s.font_size() * u;
        let pad = 9.0 * u;
        let row = fs * 1.5;
        let sw = 26.0 * u;
        let rect = self.mapping.rect;
        panel(c, b.rect, s, u);
        for (i, r) in self.runs.iter().enumerate() {
            let (x0, base) = (
                b.rect.x + pad + b.col_w * (i / b.rows) as f32,
                b.rect.y + pad + row * (i % b.rows) as f32 + font.cap_height(fs),
            );
            let mid = base - 0.35 * fs;
            swatch(c, [x0, mid], [x0 + sw, mid], r.color, s, u);
            let label = font.fit(&r.label, fs, b.max_w / self.text_slack);
            let x = x0 + sw + 8.0 * u;
            c.text(
                [x, base],
                &label,
                &text_style(fs, s.text, false, Align::Left),
            );
            let note = match states.get(i) {
                Some(Some((_, Some(at)))) => {
                    Some((format!("{} at step {at}", r.stop_word), s.diverged))
                }
                Some(Some((here, None))) if !rect.contains(*here) => {
                    Some(("outside the view".to_owned(), s.text_muted))
                }
                _ => None,
            };
            if let Some((note, color)) = note {
                let lw = font.width(&label, fs) + 0.6 * fs;
                let note = font.fit(&note, fs * 0.9, (b.max_w / self.text_slack - lw).max(0.0));
                c.text(
                    [x + lw * self.text_slack, base],
                    &note,
                    &text_style(fs * 0.9, color, false, Align::Left),
                );
            }
        }
    }

    /// The Taylor models at the chosen run's point at `step`, in the theme's ink as in the app:
    /// the first-order model's level line (solid), the second-order model's level curves
    /// (dashed) and stationary point (a plus), and on a quadratic the L-smooth and
    /// mu-strongly-convex bounds' level circles (dotted); named in a note at the plot's bottom.
    fn taylor_models(&self, c: &mut dyn Canvas, sim: &Simulation, step: usize) {
        let Some(taylor) = &self.taylor else {
            return;
        };
        let Some(r) = self.runs.get(taylor.run) else {
            return;
        };
        let Some(at) = sim
            .runs()
            .get(r.sim_index)
            .and_then(|run| run.trajectory().at_step(step))
        else {
            return;
        };
        let rect = self.mapping.rect;
        let b = self.mapping.bounds;
        let reach = (b.x.1 - b.x.0).max(b.y.1 - b.y.0);
        let Some(t) = TaylorModels::at(&taylor.objective, at.point, reach, taylor.bounds) else {
            return;
        };
        let u = self.u;
        let stroke = Stroke {
            color: Color::opaque(self.style.text),
            width: 1.5 * u * self.style.line_width_scale,
        };
        let px = |points: &[crate::numerics::Vec2]| -> Vec<Vec<P>> {
            let line: Vec<P> = points.iter().map(|p| self.mapping.px(*p)).collect();
            clip_polyline(&line, rect.expand(4.0 * u))
        };
        if let Some(line) = t.tangent {
            c.stroke_lines(&px(&line), stroke);
        }
        for level in &t.quadratic_levels {
            c.stroke_lines(&dashed(&px(level), 7.0 * u, 4.0 * u), stroke);
        }
        for circle in [t.upper, t.lower].into_iter().flatten() {
            c.stroke_lines(&dashed(&px(&circle.points()), 1.5 * u, 3.5 * u), stroke);
        }
        if let Some((x, _)) = t.newton {
            let [cx, cy] = self.mapping.px(x);
            let arm = 6.0 * self.marker();
            c.stroke_lines(
                &[
                    vec![[cx - arm, cy], [cx + arm, cy]],
                    vec![[cx, cy - arm], [cx, cy + arm]],
                ],
                stroke,
            );
        }
        let mut note = format!(
            "Taylor models at {}: solid first-order level line, dashed second-order level curves",
            r.label
        );
        if t.newton.is_some() {
            note.push_str(", + Newton step");
        }
        if t.upper.is_some() {
            note.push_str(", dotted L and mu bounds");
        }
        let fs = self.style.font_size() * u * 0.85;
        let font = Font::get();
        let pad = 6.0 * u;
        let w = font.width(&note, fs).min(rect.w - 20.0 * u);
        let b = Rect {
            x: rect.x + 10.0 * u,
            y: rect.bottom() - 10.0 * u - fs * 1.25 - 2.0 * pad,
            w: w + 2.0 * pad,
            h: fs * 1.25 + 2.0 * pad,
        };
        panel(c, b, &self.style, u);
        c.text(
            [b.x + pad, b.y + pad + font.cap_height(fs) + 0.1 * fs],
            &note,
            &text_style(fs, self.style.text, false, Align::Left),
        );
    }

    /// "step 200", top right inside the plot.
    fn step_badge(&self, c: &mut dyn Canvas, step: usize) {
        let s = &self.style;
        let u = self.u;
        let fs = s.font_size() * u;
        let font = Font::get();
        let text = format!("step {step}");
        let pad = 9.0 * u;
        // Room for the widest step number, so the box does not jitter in an animation.
        let w = font.width(&text, fs).max(font.width("step 00000", fs));
        let rect = self.mapping.rect;
        // Top right, unless the legend sits there.
        let right = self
            .legend
            .as_ref()
            .is_none_or(|l| l.rect.x < rect.x + 0.5 * rect.w || l.rect.y > rect.y + 0.5 * rect.h);
        let b = Rect {
            x: if right {
                rect.right() - 10.0 * u - w - 2.0 * pad
            } else {
                rect.x + 10.0 * u
            },
            y: rect.y + 10.0 * u,
            w: w + 2.0 * pad,
            h: 2.0 * pad + fs * 1.25,
        };
        panel(c, b, s, u);
        c.text(
            [b.right() - pad, b.y + pad + font.cap_height(fs) + 0.1 * fs],
            &text,
            &text_style(fs, s.text, false, Align::Right),
        );
    }
}

/// Sizes the legend for every note its runs will need and puts it in the plot corner where it
/// hides the fewest path points, start points and landmarks (top left on a tie).
fn legend_box(
    runs: &[RunDraw],
    sim: &Simulation,
    style: &Style,
    u: f32,
    mapping: &Mapping,
    landmarks: &[(P, PointKind)],
    slack: f32,
) -> Option<LegendBox> {
    let n = runs.len();
    if n == 0 {
        return None;
    }
    let font = Font::get();
    let fs = style.font_size() * u;
    let rect = mapping.rect;
    let pad = 9.0 * u;
    let row = fs * 1.5;
    let sw = 26.0 * u;
    let col_gap = 18.0 * u;
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "a small positive count"
    )]
    let max_rows = ((rect.h - 2.0 * pad - 20.0 * u) / row).floor().max(1.0) as usize;
    let cols = n.div_ceil(max_rows);
    let rows = n.div_ceil(cols);
    let max_w = (0.6 * rect.w / cols as f32 - sw - col_gap).max(4.0 * fs);
    let text_w = runs
        .iter()
        .map(|r| {
            let stopped = sim
                .runs()
                .get(r.sim_index)
                .and_then(|run| match run.status() {
                    RunStatus::Stopped { step, .. } => Some(*step),
                    RunStatus::Running => None,
                });
            let note = match stopped {
                Some(at) => format!("{} at step {at}", r.stop_word),
                None if r.path_px.iter().any(|p| !rect.contains(*p)) => {
                    "outside the view".to_owned()
                }
                None => String::new(),
            };
            let note_w = if note.is_empty() {
                0.0
            } else {
                0.6 * fs + font.width(&note, fs * 0.9)
            };
            (font.width(&r.label, fs) + note_w) * slack
        })
        .fold(0.0_f32, f32::max)
        .min(max_w);
    let col_w = sw + 8.0 * u + text_w + col_gap;
    let (w, h) = (
        2.0 * pad + col_w * cols as f32 - col_gap,
        2.0 * pad + row * rows as f32 - 0.25 * row,
    );
    let inset = 10.0 * u;
    let corners = [
        [rect.x + inset, rect.y + inset],
        [rect.right() - inset - w, rect.y + inset],
        [rect.x + inset, rect.bottom() - inset - h],
        [rect.right() - inset - w, rect.bottom() - inset - h],
    ];
    let hidden = |r: Rect| {
        let r = r.expand(4.0 * u);
        let path: usize = runs
            .iter()
            .map(|run| run.path_px.iter().filter(|p| r.contains(**p)).count())
            .sum();
        let marks = runs.iter().filter(|run| r.contains(run.start)).count()
            + landmarks.iter().filter(|(p, _)| r.contains(*p)).count();
        path + 20 * marks
    };
    let rect_at = |c: [f32; 2]| Rect {
        x: c[0],
        y: c[1],
        w,
        h,
    };
    let best = corners
        .iter()
        .map(|c| rect_at(*c))
        .min_by_key(|r| hidden(*r))
        .unwrap_or_else(|| rect_at(corners[0]));
    Some(LegendBox {
        rect: best,
        rows,
        col_w,
        max_w,
    })
}

/// The enabled runs as drawn: (index in the simulation, index in the preset, label, colour in
/// the style's theme).
pub(crate) fn run_colors(scenario: &Scenario, style: &Style) -> Vec<(usize, usize, String, Rgb)> {
    scenario
        .runs
        .iter()
        .enumerate()
        .filter(|(_, r)| r.enabled)
        .enumerate()
        .map(|(sim_index, (spec_index, checked))| {
            (
                sim_index,
                spec_index,
                checked.label.clone(),
                checked.color.rgb(style.theme),
            )
        })
        .collect()
}

/// Caption lines (title, objective, one entry per run flowed into lines) as inks with
/// baselines relative to the caption's top, and the caption's height. The caption takes at
/// most about a third of the figure: what does not fit is left out (runs beyond the last line
/// become "… and k more").
fn layout_caption(
    scenario: &Scenario,
    runs: &[(usize, usize, String, Rgb)],
    style: &Style,
    u: f32,
    (w, h): (f32, f32),
    slack: f32,
) -> (Vec<(f32, Ink)>, f32) {
    let font = Font::get();
    let fs = style.font_size() * u;
    let margin = 14.0 * u;
    let right = w - margin;
    let caption_w = (right - margin).max(10.0);
    let line_h = fs * 1.45;
    let title_size = style.title_size() * u;
    let budget = 0.34 * h;
    let mut caption = Vec::new();
    let mut caption_h = 0.0;
    let muted = text_style(fs, style.text_muted, false, Align::Left);
    if title_size * 1.3 + 0.4 * line_h <= budget {
        caption_h += title_size * 1.3;
        caption.push((
            caption_h - title_size * 0.3,
            Ink::Text(
                [margin, 0.0],
                font.fit(&scenario.spec.name, title_size, caption_w),
                text_style(title_size, style.text, true, Align::Left),
            ),
        ));
    }
    if caption_h + 1.4 * line_h <= budget {
        caption_h += line_h;
        caption.push((
            caption_h - line_h * 0.3,
            Ink::Text(
                [margin, 0.0],
                font.fit(&caption::objective_line(scenario), fs, caption_w),
                muted,
            ),
        ));
    }
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "a small positive count"
    )]
    let lines = ((budget - caption_h - 0.4 * line_h) / line_h)
        .floor()
        .max(0.0) as usize;
    let swatch_w = 22.0 * u;
    let gap = 28.0 * u;
    let more_w = font.width("… and 16 more", fs) * slack;
    let mut line = 0;
    let mut x = margin;
    for (k, (_, spec_index, _, color)) in runs.iter().enumerate() {
        if lines == 0 {
            break;
        }
        if line == 0 {
            line = 1;
            caption_h += line_h;
        }
        let text = caption::run_line(scenario, *spec_index);
        let item_w = swatch_w + 8.0 * u + font.width(&text, fs) * slack;
        // On the last line, room stays for "… and k more" unless this is the last run.
        let reserve = |line: usize| {
            if line == lines && k + 1 < runs.len() {
                more_w + gap
            } else {
                0.0
            }
        };
        if x > margin && x + item_w > right - reserve(line) {
            if line == lines {
                caption.push((
                    caption_h - line_h * 0.3,
                    Ink::Text([x, 0.0], format!("… and {} more", runs.len() - k), muted),
                ));
                break;
            }
            line += 1;
            caption_h += line_h;
            x = margin;
        }
        let room = right - reserve(line) - x - swatch_w - 8.0 * u;
        let text = font.fit(&text, fs, room / slack);
        let baseline = caption_h - line_h * 0.3;
        caption.push((baseline, Ink::Swatch([x, 0.0], *color)));
        caption.push((
            baseline,
            Ink::Text(
                [x + swatch_w + 8.0 * u, 0.0],
                text,
                text_style(fs, style.text, false, Align::Left),
            ),
        ));
        x += item_w + gap;
    }
    if caption_h > 0.0 {
        caption_h += 0.4 * line_h;
    }
    (caption, caption_h)
}

/// X and y ticks: pixel position and label.
type Ticks = Vec<(f32, String)>;

/// The plot rectangle above `bottom` (room left for tick labels and axis names) and its
/// ticks.
fn layout_plot(options: &FigureOptions, style: &Style, bottom: f32) -> (Mapping, Ticks, Ticks) {
    let u = options.scale;
    let w = options.width as f32;
    let font = Font::get();
    let fs = style.font_size() * u;
    let margin = 14.0 * u;
    let tick_len = 5.0 * u;
    let label_size = fs * 1.1;
    let below = tick_len + 4.0 * u + fs * 1.2 + label_size * 1.2 + 6.0 * u;
    let top = margin;
    let bottom_edge = bottom - below;
    let left_for = |y_label_w: f32| {
        margin + font.width("y", label_size) + 10.0 * u + y_label_w + 5.0 * u + tick_len
    };
    let right = w - margin - fs * 1.2;
    let rect_for = |left: f32| Rect {
        x: left,
        y: top,
        w: (right - left).max(10.0),
        h: (bottom_edge - top).max(10.0),
    };
    let y_ticks_for = |m: &Mapping| {
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "a handful of ticks"
        )]
        let target = (m.rect.h / (70.0 * u)).round().max(2.0) as usize;
        let (values, step) = ticks(m.bounds.y.0, m.bounds.y.1, target);
        values
            .into_iter()
            .map(|v| {
                (
                    m.px(crate::numerics::Vec2::new(m.bounds.x.0, v))[1],
                    tick_label(v, step),
                )
            })
            .collect::<Vec<_>>()
    };
    let widest = |t: &[(f32, String)]| {
        t.iter()
            .map(|(_, s)| font.width(s, fs))
            .fold(0.0_f32, f32::max)
    };
    // Two passes: the tick labels' width depends on the plot's height and vice versa.
    let first = Mapping::fit(options.view, rect_for(left_for(3.0 * fs)));
    let mapping = Mapping::fit(
        options.view,
        rect_for(left_for(widest(&y_ticks_for(&first)))),
    );
    let y_ticks = y_ticks_for(&mapping);
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "a handful of ticks"
    )]
    let x_target = (mapping.rect.w / (110.0 * u)).round().max(2.0) as usize;
    let (xv, xstep) = ticks(mapping.bounds.x.0, mapping.bounds.x.1, x_target);
    let mut x_ticks: Vec<(f32, String)> = xv
        .into_iter()
        .map(|v| {
            (
                mapping.px(crate::numerics::Vec2::new(v, mapping.bounds.y.0))[0],
                tick_label(v, xstep),
            )
        })
        .collect();
    // Labels must not touch: keep every other one until they fit.
    while x_ticks.len() > 2 {
        let crowded = x_ticks.windows(2).any(|p| {
            p[1].0 - p[0].0 < 0.5 * (font.width(&p[0].1, fs) + font.width(&p[1].1, fs)) + fs
        });
        if !crowded {
            break;
        }
        x_ticks = x_ticks.into_iter().step_by(2).collect();
    }
    (mapping, x_ticks, y_ticks)
}

fn text_style(size: f32, color: Rgb, bold: bool, align: Align) -> TextStyle {
    TextStyle {
        size,
        color: Color::opaque(color),
        bold,
        align,
        vertical: false,
    }
}

/// A rounded-looking box for the legend and step: translucent panel with a thin border.
fn panel(c: &mut dyn Canvas, b: Rect, s: &Style, u: f32) {
    c.fill_rect(b, Color::with_alpha(s.panel, s.panel_alpha));
    c.stroke_lines(
        &[vec![
            [b.x, b.y],
            [b.right(), b.y],
            [b.right(), b.bottom()],
            [b.x, b.bottom()],
            [b.x, b.y],
        ]],
        Stroke {
            color: Color::with_alpha(s.axis, 0.5),
            width: 0.8 * u,
        },
    );
}

/// A short line in a run's colour (legend and caption), outlined so light colours show.
fn swatch(c: &mut dyn Canvas, a: P, b: P, color: Rgb, s: &Style, u: f32) {
    let w = s.path_width() * u;
    let outline = if s.background == [0xff, 0xff, 0xff] {
        [0x00, 0x00, 0x00]
    } else {
        s.halo
    };
    c.stroke_lines(
        &[vec![a, b]],
        Stroke {
            color: Color::with_alpha(outline, 0.35),
            width: w + 1.6 * u,
        },
    );
    c.stroke_lines(
        &[vec![a, b]],
        Stroke {
            color: Color::opaque(color),
            width: w,
        },
    );
}

/// Critical point markers as the app draws them: diamond (minimum), cross (saddle), triangle
/// (maximum), asterisk (degenerate), white with a dark outline.
fn landmark(c: &mut dyn Canvas, p: P, kind: PointKind, r: f32, s: &Style, u: f32) {
    let fill = Some(Color::opaque(s.landmark));
    let outline = Stroke {
        color: Color::opaque(s.landmark_outline),
        width: 1.2 * u,
    };
    let [x, y] = p;
    match kind {
        PointKind::Minimum => c.polygon(
            &[[x, y - r * 1.2], [x + r, y], [x, y + r * 1.2], [x - r, y]],
            fill,
            Some(outline),
        ),
        PointKind::Maximum => c.polygon(
            &[[x, y - r * 1.1], [x + r, y + r * 0.7], [x - r, y + r * 0.7]],
            fill,
            Some(outline),
        ),
        PointKind::Saddle | PointKind::Degenerate => {
            let mut lines = vec![
                vec![[x - r, y - r], [x + r, y + r]],
                vec![[x - r, y + r], [x + r, y - r]],
            ];
            if kind == PointKind::Degenerate {
                lines.push(vec![[x, y - 1.3 * r], [x, y + 1.3 * r]]);
            }
            c.stroke_lines(
                &lines,
                Stroke {
                    color: outline.color,
                    width: 4.0 * u,
                },
            );
            c.stroke_lines(
                &lines,
                Stroke {
                    color: Color::opaque(s.landmark),
                    width: 2.0 * u,
                },
            );
        }
    }
}

/// Nodes along a side for `pixels` at `spacing`, within [16, max].
fn nodes(pixels: f32, spacing: f32, max: usize) -> usize {
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "pixel counts are small and positive"
    )]
    let n = (pixels / spacing).ceil().max(16.0) as usize + 1;
    n.clamp(16, max.max(16))
}

/// f sampled over the plot's plane rectangle, a node every `spacing` pixels (coarser when a
/// side would need more than `max` nodes).
fn sample(scenario: &Scenario, mapping: &Mapping, spacing: f32, max: usize) -> Grid {
    let rect = mapping.rect;
    let spacing = spacing.max(rect.w.max(rect.h) / max.max(2) as f32);
    let nx = nodes(rect.w, spacing, max);
    let ny = nodes(rect.h, spacing, max);
    Grid::sample(&scenario.objective, mapping.bounds, nx, ny)
}

/// The heat map: f on the log scale through the theme's colour map, one pixel per grid node,
/// placed so that node centres fall on their plane points.
fn heat_image(grid: &Grid, mapping: &Mapping, style: &Style) -> Option<(Rect, Image)> {
    let rect = mapping.rect;
    let (nx, ny) = (grid.nx, grid.ny);
    let (lo, hi) = grid.finite_range()?;
    let scale = LogScale::new(lo, hi);
    let rgba: Vec<u8> = style.heat_rgba(grid, scale).into_iter().flatten().collect();
    let (sx, sy) = (rect.w / (nx - 1) as f32, rect.h / (ny - 1) as f32);
    let placed = Rect {
        x: rect.x - 0.5 * sx,
        y: rect.y - 0.5 * sy,
        w: sx * nx as f32,
        h: sy * ny as f32,
    };
    Some((
        placed,
        Image {
            width: u32::try_from(nx).ok()?,
            height: u32::try_from(ny).ok()?,
            rgba,
        },
    ))
}

/// A run's path thinned on cells of `detail.tolerance` pixels, coarser until it has at most
/// `detail.max_path_points` points (SVG size).
fn thinned_path(shape: &PathShape, mapping: &Mapping, detail: Detail) -> Thinning {
    let units_per_px =
        (mapping.bounds.x.1 - mapping.bounds.x.0) / f64::from(mapping.rect.w.max(1.0));
    let mut cell = f64::from(detail.tolerance) * units_per_px;
    loop {
        let t = Thinning::of(shape, cell);
        if t.points().len() <= detail.max_path_points.max(2) || cell > 1e4 * units_per_px {
            return t;
        }
        cell *= 1.5;
    }
}

/// Iso-lines at the app's log-spaced levels, in pixels, thinned.
fn iso_lines(grid: &Grid, mapping: &Mapping, detail: Detail) -> Vec<Vec<P>> {
    log_iso_lines(grid, grid.finite_range(), LEVELS)
        .into_iter()
        .filter_map(|line| {
            let pts: Vec<P> = line
                .points
                .iter()
                .map(|p| mapping.px(crate::numerics::Vec2::new(p[0], p[1])))
                .collect();
            let mut thin = Thinned::new(&pts, detail.tolerance).points;
            // Closed lines must stay closed.
            if let Some(last) = pts.last()
                && thin.last() != Some(last)
            {
                thin.push(*last);
            }
            (thin.len() >= 2).then_some(thin)
        })
        .collect()
}

/// The box domain's outline in pixels, closed, cut to a margin around the view (so a huge
/// domain maps to pixels that fit); `None` without a domain or when it misses the view.
fn domain_outline(scenario: &Scenario, mapping: &Mapping) -> Option<Vec<P>> {
    let d = scenario.spec.domain?;
    let v = mapping.bounds;
    let size = v.size();
    let cut = |(lo, hi): (f64, f64), (vlo, vhi): (f64, f64), pad: f64| {
        let (lo, hi) = (lo.max(vlo - pad), hi.min(vhi + pad));
        (lo <= hi).then_some((lo, hi))
    };
    let (x0, x1) = cut(d.x, v.x, 0.1 * size.x)?;
    let (y0, y1) = cut(d.y, v.y, 0.1 * size.y)?;
    Some(
        [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
            .into_iter()
            .map(|(x, y)| mapping.px(Vec2::new(x, y)))
            .collect(),
    )
}
