//! The main view: the objective's heat map and iso-lines with every run's path racing across,
//! as one overlay plot or one synchronised pane per run.
//!
//! Interaction: drag with the left button to move the start of all runs (Shift: only the
//! selected run); drag with the right button to pan; scroll to zoom; hover for f, the gradient
//! and, on a path, the step. Long paths are decimated in screen space (points closer than about
//! a pixel to the last kept one are dropped), which keeps zig-zags and drops only what cannot be
//! seen; the decimated path is cached and extended as playback advances.

use super::command::Command;
use super::heatmap::{ContourCache, plot_point, view_of};
use super::session::Session;
use super::settings::{Layout, Settings};
use super::widgets::fmt_num;
use crate::numerics::Vec2;
use crate::numerics::objectives::{Hessian, Landmarks, Objective, PointKind};
use crate::numerics::run::{RunStatus, Trajectory};
use egui::{Color32, PointerButton};
use egui_plot::{Arrows, Legend, Line, MarkerShape, Plot, PlotPoint, PlotPoints, Points, Text};

/// A run's decimated path, extended incrementally.
#[derive(Default)]
struct PathCache {
    key: Option<(u64, usize)>,
    tolerance: f64,
    points: Vec<PlotPoint>,
    /// Sample index of each kept point.
    samples: Vec<usize>,
    /// Last sample examined.
    upto: usize,
}

impl PathCache {
    fn update(&mut self, t: &Trajectory, generation: u64, tolerance: f64, upto: usize) {
        let key = (generation, t.stride());
        let rescale = !(0.5..=2.0).contains(&(tolerance / self.tolerance.max(f64::MIN_POSITIVE)));
        if self.key != Some(key) || rescale {
            self.key = Some(key);
            self.tolerance = tolerance;
            self.points.clear();
            self.samples.clear();
            self.upto = 0;
            if let Some(p) = t.points().first() {
                self.points.push(plot_point(*p));
                self.samples.push(0);
            }
        }
        let pts = t.points();
        let last = upto.min(pts.len().saturating_sub(1));
        while self.upto < last {
            self.upto += 1;
            let p = pts[self.upto];
            let keep = self.points.last().is_none_or(|q| {
                let d = Vec2::new(p.x - q.x, p.y - q.y);
                d.x.abs() >= self.tolerance || d.y.abs() >= self.tolerance
            });
            if keep {
                self.points.push(plot_point(p));
                self.samples.push(self.upto);
            }
        }
    }

    /// Kept points up to sample `upto`, ending exactly at that sample's point.
    fn prefix(&self, t: &Trajectory, upto: usize) -> Vec<PlotPoint> {
        let n = self.samples.partition_point(|&s| s <= upto);
        let mut v = self.points[..n].to_vec();
        if let Some(p) = t.points().get(upto)
            && self.samples.get(n.wrapping_sub(1)) != Some(&upto)
        {
            v.push(plot_point(*p));
        }
        v
    }
}

/// What the pointer is over.
enum Hover {
    Path {
        label: String,
        step: usize,
        point: Vec2,
        loss: f64,
        grad_norm: f64,
    },
    Field {
        point: Vec2,
        value: f64,
        gradient: Vec2,
    },
}

/// The central contour view with its caches.
#[derive(Default)]
pub struct ContourView {
    /// Eigenvector axes to draw (origin, eigenvectors, eigenvalues), set by the theory panel.
    pub eigen_axes: Option<(Vec2, [Vec2; 2], [f64; 2])>,
    /// No legend of runs (focus mode without `Legend`).
    pub hide_legend: bool,
    cache: ContourCache,
    paths: Vec<PathCache>,
    view_generation: Option<u64>,
}

impl ContourView {
    /// Draws the view and pushes commands (moving start points).
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        session: &Session,
        settings: &Settings,
        selected: usize,
        out: &mut Vec<Command>,
    ) {
        let n = session.sim().runs().len();
        self.paths.resize_with(n, PathCache::default);
        let reset = self.view_generation != Some(session.view_generation());
        self.view_generation = Some(session.view_generation());
        match settings.layout {
            Layout::SideBySide if n > 1 => {
                let cols = (1..=n).find(|c| c * c >= n).unwrap_or(1);
                let rows = n.div_ceil(cols);
                let avail = ui.available_size();
                let spacing = ui.spacing().item_spacing;
                let pane = egui::vec2(
                    (avail.x - spacing.x * (cols - 1) as f32) / cols as f32,
                    (avail.y - spacing.y * (rows - 1) as f32) / rows as f32 - 22.0,
                );
                egui::Grid::new("panes").spacing(spacing).show(ui, |ui| {
                    for k in 0..n {
                        ui.vertical(|ui| {
                            let run = &session.sim().runs()[k];
                            let spec_index = session.spec_index(k);
                            let label = &session.scenario().runs[spec_index].label;
                            let status = match run.status() {
                                RunStatus::Running => String::new(),
                                s @ RunStatus::Stopped { .. } => format!(" ({})", s.describe()),
                            };
                            ui.strong(format!("{label}{status}"));
                            self.pane(
                                ui,
                                &format!("pane{k}"),
                                session,
                                settings,
                                &[k],
                                spec_index,
                                egui::vec2(pane.x, pane.y),
                                reset,
                                true,
                                out,
                            );
                        });
                        if (k + 1) % cols == 0 {
                            ui.end_row();
                        }
                    }
                });
            }
            _ => {
                let all: Vec<usize> = (0..n).collect();
                let size = ui.available_size();
                self.pane(
                    ui, "overlay", session, settings, &all, selected, size, reset, false, out,
                );
            }
        }
    }

    #[allow(
        clippy::too_many_arguments,
        clippy::too_many_lines,
        reason = "one plot, drawn in layers"
    )]
    fn pane(
        &mut self,
        ui: &mut egui::Ui,
        id: &str,
        session: &Session,
        settings: &Settings,
        runs: &[usize],
        selected: usize,
        size: egui::Vec2,
        reset: bool,
        linked: bool,
        out: &mut Vec<Command>,
    ) {
        let scenario = session.scenario();
        let view = scenario.view;
        let objective = &scenario.objective;
        let step = session.shown_step();
        let dark = ui.visuals().dark_mode;
        let size = egui::vec2(size.x.max(100.0), size.y.max(100.0));
        let (bx, by) = fit_view(view, size);
        let mut plot = Plot::new(id)
            .width(size.x)
            .height(size.y)
            .data_aspect(1.0)
            .default_x_bounds(bx.0, bx.1)
            .default_y_bounds(by.0, by.1)
            .pan_pointer_button(PointerButton::Secondary)
            .allow_boxed_zoom(false)
            .allow_scroll(false)
            .allow_double_click_reset(true)
            .show_grid(false);
        if !self.hide_legend {
            plot = plot.legend(
                Legend::default()
                    .position(egui_plot::Corner::LeftTop)
                    .background_alpha(0.85),
            );
        }
        if linked {
            plot = plot
                .link_axis(egui::Id::unique("optiviz-panes"), true)
                .link_cursor(egui::Id::unique("optiviz-panes"), true);
        }
        if reset {
            plot = plot.reset();
        }
        let eigen_axes = self.eigen_axes;
        let cache = &mut self.cache;
        let paths = &mut self.paths;
        let ctx = ui.ctx().clone();
        let shift = ui.input(|i| i.modifiers.shift);
        let thick = super::theme::line_scale(&ctx);
        let scroll = ui.input(|i| i.smooth_scroll_delta.y);
        let response = plot.show(ui, |plot_ui| {
            // Plain wheel zooms around the pointer (panning is the right button).
            if scroll != 0.0 && plot_ui.response().hovered() {
                let factor = (scroll * 0.003).exp();
                plot_ui.zoom_bounds_around_hovered(egui::vec2(factor, factor));
            }
            let bounds = plot_ui.plot_bounds();
            let visible = view_of(&bounds);
            let frame = plot_ui.transform().frame().size();
            cache.update(
                &ctx,
                objective,
                session.objective_generation(),
                visible,
                frame,
            );
            let line_color = if dark {
                Color32::from_white_alpha(70)
            } else {
                Color32::from_black_alpha(90)
            };
            cache.show(
                plot_ui,
                settings.show_heatmap,
                settings.show_contours,
                line_color,
            );

            if let Some((origin, vectors, values)) = eigen_axes {
                draw_eigen_axes(plot_ui, origin, vectors, values, &view);
            }

            // Known critical points.
            for cp in objective.critical_points() {
                let (shape, name) = match cp.kind {
                    PointKind::Minimum => (MarkerShape::Diamond, "minimum"),
                    PointKind::Saddle => (MarkerShape::Cross, "saddle"),
                    PointKind::Maximum => (MarkerShape::Up, "maximum"),
                    PointKind::Degenerate => (MarkerShape::Asterisk, "degenerate"),
                };
                plot_ui.points(
                    Points::new("", PlotPoints::Owned(vec![plot_point(cp.p)]))
                        .shape(shape)
                        .radius(6.0)
                        .color(Color32::WHITE)
                        .allow_hover(false)
                        .id((name, cp.p.x.to_bits(), cp.p.y.to_bits())),
                );
            }

            let units_per_px = plot_ui.transform().dvalue_dpos()[0].abs();
            let mut nearest: Option<(f32, Hover)> = None;
            let pointer = plot_ui.pointer_coordinate();
            for &k in runs {
                let run = &session.sim().runs()[k];
                let spec_index = session.spec_index(k);
                let checked = &scenario.runs[spec_index];
                let color = super::theme::run_color(&ctx, checked.color);
                let t = run.trajectory();
                let Some(current) = t.at_step(step) else {
                    continue;
                };
                let upto = current.step / t.stride();
                let cache = &mut paths[k];
                cache.update(t, session.generation(), 0.8 * units_per_px, upto);
                let mut line = cache.prefix(t, upto);
                if current.step != upto * t.stride() {
                    line.push(plot_point(current.point));
                }
                // Hover: nearest drawn point within 10 px.
                if let Some(ptr) = pointer {
                    let pp = plot_ui.transform().position_from_point(&ptr);
                    for (j, p) in cache
                        .points
                        .iter()
                        .enumerate()
                        .take(cache.samples.partition_point(|&s| s <= upto))
                    {
                        let d = plot_ui.transform().position_from_point(p).distance(pp);
                        if d < 10.0
                            && nearest.as_ref().is_none_or(|(best, _)| d < *best)
                            && let Some(s) = t.sample(cache.samples[j])
                        {
                            nearest = Some((
                                d,
                                Hover::Path {
                                    label: checked.label.clone(),
                                    step: s.step,
                                    point: s.point,
                                    loss: s.loss,
                                    grad_norm: s.grad_norm,
                                },
                            ));
                        }
                    }
                }
                let width = if k == selected || runs.len() == 1 {
                    3.0
                } else {
                    2.5
                } * thick;
                plot_ui.line(
                    Line::new(checked.label.clone(), PlotPoints::Owned(line))
                        .color(color)
                        .width(width)
                        .allow_hover(false),
                );
                // Start, current point and, if it stopped, where.
                plot_ui.points(
                    Points::new(
                        "",
                        PlotPoints::Owned(vec![plot_point(checked.config.start)]),
                    )
                    .radius(5.0 * thick)
                    .filled(false)
                    .color(color)
                    .allow_hover(false)
                    .id(("start", k)),
                );
                plot_ui.points(
                    Points::new("", PlotPoints::Owned(vec![plot_point(current.point)]))
                        .radius(7.5 * thick)
                        .color(Color32::BLACK)
                        .allow_hover(false)
                        .id(("dot-outline", k)),
                );
                plot_ui.points(
                    Points::new("", PlotPoints::Owned(vec![plot_point(current.point)]))
                        .radius(5.5 * thick)
                        .color(color)
                        .allow_hover(false)
                        .id(("dot", k)),
                );
                if let RunStatus::Stopped { step: at, .. } = run.status()
                    && current.step + 1 >= *at
                {
                    plot_ui.points(
                        Points::new("", PlotPoints::Owned(vec![plot_point(current.point)]))
                            .shape(MarkerShape::Cross)
                            .radius(11.0)
                            .color(Color32::from_rgb(0xff, 0x40, 0x40))
                            .allow_hover(false)
                            .id(("stop", k)),
                    );
                    plot_ui.text(
                        Text::new(
                            "",
                            plot_point(current.point),
                            egui::RichText::new(run.status().describe())
                                .strong()
                                .color(Color32::WHITE),
                        )
                        .anchor(egui::Align2::LEFT_BOTTOM)
                        .allow_hover(false),
                    );
                }
                if k == selected || runs.len() == 1 {
                    arrows(
                        plot_ui,
                        settings,
                        objective,
                        t,
                        current.step,
                        current.point,
                        current.lr,
                        color,
                    );
                }
            }

            // Left button moves start points.
            let r = plot_ui.response();
            if (r.dragged_by(PointerButton::Primary) || r.clicked_by(PointerButton::Primary))
                && let Some(p) = plot_ui.pointer_coordinate()
            {
                let run = if shift || runs.len() == 1 {
                    Some(if runs.len() == 1 {
                        session.spec_index(runs[0])
                    } else {
                        selected
                    })
                } else {
                    None
                };
                out.push(Command::SetStart {
                    run,
                    point: [p.x, p.y],
                });
            }
            match (nearest, pointer) {
                (Some((_, h)), _) => Some(h),
                (None, Some(p)) => {
                    let point = Vec2::new(p.x, p.y);
                    let (value, gradient) = objective.value_and_gradient(point);
                    Some(Hover::Field {
                        point,
                        value,
                        gradient,
                    })
                }
                _ => None,
            }
        });
        // Screen readers (and UI tests) find the plot by this name.
        response
            .response
            .widget_info(|| egui::WidgetInfo::labeled(egui::Role::Canvas, true, "contour plot"));
        if let Some(h) = response.inner
            && response.response.hovered()
            && !response.response.dragged()
        {
            let text = match h {
                Hover::Path {
                    label,
                    step,
                    point,
                    loss,
                    grad_norm,
                } => format!(
                    "{label}, step {step}\nx = ({}, {})\nf = {}\n|grad f| = {}",
                    fmt_num(point.x),
                    fmt_num(point.y),
                    fmt_num(loss),
                    fmt_num(grad_norm)
                ),
                Hover::Field {
                    point,
                    value,
                    gradient,
                } => format!(
                    "x = ({}, {})\nf = {}\ngrad f = ({}, {})",
                    fmt_num(point.x),
                    fmt_num(point.y),
                    fmt_num(value),
                    fmt_num(gradient.x),
                    fmt_num(gradient.y)
                ),
            };
            response.response.on_hover_ui_at_pointer(|ui| {
                ui.label(egui::RichText::new(text).monospace());
            });
        }
    }

    /// Heat-map rebuilds so far.
    #[must_use]
    pub fn contour_rebuilds(&self) -> usize {
        self.cache.rebuilds
    }

    /// How often the iso-lines were tessellated (reused while the plot stands still).
    #[must_use]
    pub fn line_tessellations(&self) -> usize {
        self.cache.line_tessellations()
    }
}

/// The Hessian's eigenvectors as two axes through `origin`: each half-length is proportional
/// to 1/sqrt(|l|) (the shape of the level sets), the longer one a third of the view.
fn draw_eigen_axes(
    plot_ui: &mut egui_plot::PlotUi<'_>,
    origin: Vec2,
    vectors: [Vec2; 2],
    values: [f64; 2],
    view: &crate::numerics::objectives::ViewRect,
) {
    let reach = |l: f64| {
        if l.abs() > 0.0 {
            1.0 / l.abs().sqrt()
        } else {
            f64::INFINITY
        }
    };
    let longest = reach(values[0]).max(reach(values[1]));
    let side = view.size().x.min(view.size().y);
    let colors = [
        Color32::from_rgb(86, 180, 233),
        Color32::from_rgb(230, 159, 0),
    ];
    let names = ["eigenvector v_min", "eigenvector v_max"];
    for ((v, l), (color, name)) in vectors
        .iter()
        .zip(values)
        .zip(colors.into_iter().zip(names))
    {
        let half = if longest.is_finite() {
            (reach(l) / longest).max(0.12) * side / 3.0
        } else {
            side / 4.0
        };
        let a = origin - v * half;
        let b = origin + v * half;
        plot_ui.line(
            Line::new(
                format!("{name} (l = {})", fmt_num(l)),
                PlotPoints::Owned(vec![plot_point(a), plot_point(b)]),
            )
            .color(color)
            .width(2.0)
            .style(egui_plot::LineStyle::dashed_loose()),
        );
    }
}

/// Bounds with equal scales on both axes that show all of `view` in a plot of `size` points
/// (less room for the axes).
fn fit_view(
    view: crate::numerics::objectives::ViewRect,
    size: egui::Vec2,
) -> ((f64, f64), (f64, f64)) {
    let w = f64::from((size.x - 50.0).max(50.0));
    let h = f64::from((size.y - 30.0).max(50.0));
    let s = view.size();
    let scale = (s.x / w).max(s.y / h);
    let c = view.center();
    (
        (c.x - scale * w / 2.0, c.x + scale * w / 2.0),
        (c.y - scale * h / 2.0, c.y + scale * h / 2.0),
    )
}

/// Arrows at the current point: -lr grad f, the next step, the previous step.
#[allow(clippy::too_many_arguments, reason = "drawing context")]
fn arrows<F: Hessian + Landmarks>(
    plot_ui: &mut egui_plot::PlotUi<'_>,
    settings: &Settings,
    f: &F,
    t: &Trajectory,
    step: usize,
    x: Vec2,
    lr: f64,
    color: Color32,
) {
    let mut arrow = |name: &str, tip: Vec2, c: Color32| {
        if tip.x.is_finite() && tip.y.is_finite() && (tip - x).norm() > 0.0 {
            plot_ui.arrows(
                Arrows::new(
                    name,
                    PlotPoints::Owned(vec![plot_point(x)]),
                    PlotPoints::Owned(vec![plot_point(tip)]),
                )
                .color(c)
                .tip_length(12.0)
                .allow_hover(false),
            );
        }
    };
    if settings.show_gradient_arrow {
        arrow("-lr grad f", x - f.gradient(x) * lr, Color32::WHITE);
    }
    if settings.show_momentum_arrow
        && step > 0
        && let Some(prev) = t.at_step(step - 1)
        && prev.step + 1 == step
    {
        arrow("previous step", x + (x - prev.point), Color32::LIGHT_GRAY);
    }
    if settings.show_step_arrow
        && let Some(next) = t.at_step(step + 1)
        && next.step == step + 1
    {
        arrow("next step", next.point, color);
    }
}
