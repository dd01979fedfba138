//! The main view: the objective's heat map and iso-lines with every run's path racing across,
//! as one overlay plot or one synchronised pane per run.
//!
//! Interaction: a left drag (past a few points, so a click never does) moves the start of all
//! runs (Shift: only the selected run); drag with the right button to pan; scroll to zoom;
//! double-click to return to the scenario's view; hover for f, the gradient and, on a path, the
//! step. Paths are drawn from each run's shape (every step went into it, so a long run never
//! cuts a corner), decimated in screen space and cached as playback advances; all paths come
//! first, with a dark outline, then every run's point, the selected run on top, coinciding
//! points as rings, and an arrow at the edge for a run outside the view.

use crate::numerics::Vec2;
use crate::numerics::objectives::{Hessian, Landmarks, Objective, PointKind};
use crate::numerics::path_shape::{PathShape, Thinning};
use crate::numerics::run::{RunStatus, Sequence, Trajectory};
use crate::ui::command::Command;
use crate::ui::settings::{Layout, Settings};
use crate::ui::surface::heatmap::{ContourCache, plot_point, view_of};
use crate::ui::surface::session::Session;
use crate::ui::widgets::fmt_num;
use crate::ui::widgets::plot_items;
use egui::{Color32, PointerButton};
use egui_plot::{Arrows, Corner, Legend, MarkerShape, Plot, PlotPoint, PlotPoints, Points, Text};

/// A run's path as drawn: the vertices of its shape (`numerics::path_shape`, which saw every
/// step), thinned on one-pixel cells (`path_shape::Thinning`, the rule the figures use too) and
/// extended incrementally as playback advances.
#[derive(Default)]
struct PathCache {
    /// (simulation generation, shape generation) the cache was built for.
    key: Option<(u64, u64)>,
    thinning: Thinning,
    /// Vertices of the shape examined so far.
    upto: usize,
}

impl PathCache {
    fn update(&mut self, shape: &PathShape, generation: u64, cell: f64, step: usize) {
        let key = (generation, shape.generation());
        let rescale = !(0.5..=2.0).contains(&(cell / self.thinning.cell().max(f64::MIN_POSITIVE)));
        if self.key != Some(key) || rescale {
            self.key = Some(key);
            self.thinning = Thinning::new(cell);
            self.upto = 0;
        }
        let last = shape.vertices_upto(step);
        while self.upto < last {
            self.thinning
                .push(shape.points()[self.upto], shape.steps()[self.upto]);
            self.upto += 1;
        }
    }

    /// One of a run's sequences (`shape` is its path) up to the frame's step, ending at its
    /// point `at` there: the last steps from the stored samples with a trail, else the
    /// cached thinned path (see `Thinning::strokes`), as plot points. The cache is kept up to
    /// date either way, for hovering.
    fn line(
        &mut self,
        frame: &LineFrame<'_>,
        sequence: Sequence,
        shape: &PathShape,
        at: Vec2,
    ) -> Vec<Vec<PlotPoint>> {
        self.update(shape, frame.generation, frame.cell, frame.step);
        match frame.trail_from {
            Some(from) => vec![
                frame
                    .trajectory
                    .trail(sequence, from, frame.step)
                    .into_iter()
                    .map(plot_point)
                    .collect(),
            ],
            None => self
                .thinning
                .strokes(frame.step, at, shape.last_vertex_upto(frame.step))
                .into_iter()
                .map(|stroke| stroke.into_iter().map(plot_point).collect())
                .collect(),
        }
    }
}

/// What a run's lines are drawn for in one frame.
struct LineFrame<'a> {
    trajectory: &'a Trajectory,
    /// The step shown.
    step: usize,
    /// The simulation's generation (a new one rebuilds the caches).
    generation: u64,
    /// Plot units per pixel, the thinning's cell.
    cell: f64,
    /// With a trail: its first step.
    trail_from: Option<usize>,
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
    /// The same for each run's averaged iterate (Polyak, tail, ASGD's ax, Schedule-Free's x).
    averaged_paths: Vec<PathCache>,
    /// And for each run's base sequence (Schedule-Free's z).
    base_paths: Vec<PathCache>,
    view_generation: Option<u64>,
    /// A left drag has gone far enough to move start points (until the button is released).
    moving_starts: bool,
    /// The corner the legend sits in: the one the paths cover least (see `legend_corner`).
    legend_corner: Option<Corner>,
}

/// How far (in points) a left drag must go before it moves start points.
pub const START_DRAG_PX: f32 = 8.0;

/// A run as drawn this frame.
struct DrawnRun {
    sim_index: usize,
    label: String,
    color: Color32,
    start: Vec2,
    current: Vec2,
    line: Vec<Vec<PlotPoint>>,
    width: f32,
    /// "diverged at step k: ..." once the run has stopped (at the step on screen).
    stopped: Option<String>,
    /// The averaged iterate at the step on screen and its path, when the run averages.
    averaged: Option<(Vec2, Vec<Vec<PlotPoint>>)>,
    /// The same for the base sequence (Schedule-Free's z: where its plain steps go).
    base: Option<(Vec2, Vec<Vec<PlotPoint>>)>,
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
        self.averaged_paths.resize_with(n, PathCache::default);
        self.base_paths.resize_with(n, PathCache::default);
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
            // Short numbers: labels 28 points apart fit (egui_plot asks for 60 on x by
            // default, which left a narrow pane with only "0").
            .custom_x_axes(vec![
                plot_items::titled_x_axis(ui, "x").label_spacing(28.0..=40.0),
            ])
            .y_axis_label("y")
            .show_grid(false);
        // The legend's size, estimated from its labels, to find the corner it hides least in.
        let legend_size = {
            let font = egui::TextStyle::Body.resolve(ui.style());
            // The runs' labels, and the Taylor models' entries when they are drawn.
            let taylor: &[&str] = if settings.show_taylor {
                &TAYLOR_NAMES
            } else {
                &[]
            };
            let labels = runs
                .iter()
                .map(|&k| scenario.runs[session.spec_index(k)].label.as_str())
                .chain(taylor.iter().copied());
            let widest = labels
                .clone()
                .map(|label| {
                    ui.painter()
                        .layout_no_wrap(label.to_owned(), font.clone(), Color32::WHITE)
                        .size()
                        .x
                })
                .fold(0.0, f32::max);
            let rows = labels.count() as f32;
            egui::vec2(widest + 36.0, rows * (font.size * 1.25 + 4.0) + 10.0)
        };
        let corner = self.legend_corner.unwrap_or(Corner::LeftTop);
        if !self.hide_legend {
            plot = plot.legend(
                Legend::default()
                    .position(corner)
                    .follow_insertion_order(true)
                    .background_alpha(0.85),
            );
        }
        let mut covered = [0_usize; CORNERS.len()];
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
        let averaged_paths = &mut self.averaged_paths;
        let base_paths = &mut self.base_paths;
        let moving_starts = &mut self.moving_starts;
        let selected_sim = session.sim_index(selected).unwrap_or(0);
        let trail = scenario.spec.trail;
        let domain = scenario.spec.domain;
        let ctx = ui.ctx().clone();
        let shift = ui.input(|i| i.modifiers.shift);
        let thick = crate::ui::theme::line_scale(&ctx);
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

            if let Some(domain) = &domain {
                draw_domain(plot_ui, domain, &view, dark);
            }

            if let Some((origin, vectors, values)) = eigen_axes {
                draw_eigen_axes(plot_ui, origin, vectors, values, &view, dark);
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
            // The selected run is drawn last, on top of the others.
            let top = if runs.len() == 1 {
                runs[0]
            } else {
                selected_sim
            };
            let mut drawn: Vec<DrawnRun> = Vec::with_capacity(runs.len());
            for &k in runs {
                let run = &session.sim().runs()[k];
                let spec_index = session.spec_index(k);
                let checked = &scenario.runs[spec_index];
                let color = crate::ui::theme::run_color(&ctx, checked.color);
                let t = run.trajectory();
                let Some(current) = t.at_step(step) else {
                    continue;
                };
                // With a trail, only the last steps, from the stored points.
                let from = trail.map(|n| current.step.saturating_sub(n));
                let frame = LineFrame {
                    trajectory: t,
                    step: current.step,
                    generation: session.generation(),
                    cell: units_per_px,
                    trail_from: from,
                };
                let cache = &mut paths[k];
                let line = cache.line(&frame, Sequence::Iterate, t.shape(), current.point);
                // Hover: nearest drawn point within 10 px.
                if let Some(ptr) = pointer {
                    let pp = plot_ui.transform().position_from_point(&ptr);
                    let kept = &cache.thinning;
                    let shown = kept.steps().partition_point(|&s| s <= current.step);
                    let first = kept.steps()[..shown].partition_point(|&s| s < from.unwrap_or(0));
                    for (point, s) in kept.points()[first..shown]
                        .iter()
                        .zip(&kept.steps()[first..])
                    {
                        let p = plot_point(*point);
                        let d = plot_ui.transform().position_from_point(&p).distance(pp);
                        if d < 10.0 && nearest.as_ref().is_none_or(|(best, _)| d < *best) {
                            let point = *point;
                            let (loss, gradient) = objective.value_and_gradient(point);
                            nearest = Some((
                                d,
                                Hover::Path {
                                    label: checked.label.clone(),
                                    step: *s,
                                    point,
                                    loss,
                                    grad_norm: gradient.norm(),
                                },
                            ));
                        }
                    }
                }
                let width = if k == top { 3.0 } else { 2.5 } * thick;
                draw_path(plot_ui, &checked.label, &line, color, width);
                // The averaged iterate's own path, drawn dashed above every run's path.
                let averaged = current.averaged.zip(t.averaged_shape()).map(|(a, shape)| {
                    (
                        a,
                        averaged_paths[k].line(&frame, Sequence::Averaged, shape, a),
                    )
                });
                let base = current
                    .base
                    .zip(t.base_shape())
                    .map(|(z, shape)| (z, base_paths[k].line(&frame, Sequence::Base, shape, z)));
                let stopped = match run.status() {
                    RunStatus::Stopped { step: at, .. } if current.step + 1 >= *at => {
                        Some(run.status().describe())
                    }
                    _ => None,
                };
                drawn.push(DrawnRun {
                    sim_index: k,
                    label: checked.label.clone(),
                    color,
                    start: checked.config.start,
                    current: current.point,
                    line,
                    width,
                    stopped,
                    averaged,
                    base,
                });
            }
            // How much each corner's legend would hide: path points, and a run's start and
            // current point ten times as much.
            let frame = *plot_ui.transform().frame();
            for d in &drawn {
                let markers = [plot_point(d.start), plot_point(d.current)];
                let weighted = d
                    .line
                    .iter()
                    .flatten()
                    .map(|p| (p, 1))
                    .chain(markers.iter().map(|p| (p, 10)));
                for (p, weight) in weighted {
                    let q = plot_ui.transform().position_from_point(p);
                    for (i, c) in CORNERS.iter().enumerate() {
                        if corner_rect(frame, *c, legend_size).contains(q) {
                            covered[i] += weight;
                        }
                    }
                }
            }
            // Later paths cover earlier ones: the selected run's path once more on top (same
            // name, so the legend keeps one entry per run, in the runs' order).
            drawn.sort_by_key(|d| d.sim_index == top);
            if drawn.len() > 1
                && let Some(d) = drawn.last().filter(|d| d.sim_index == top)
            {
                draw_path(plot_ui, &d.label, &d.line, d.color, d.width);
            }
            // The averaged iterates' paths above all runs' paths: the noise an average smooths
            // would otherwise hide it.
            for d in &drawn {
                if let Some((_, strokes)) = &d.averaged {
                    draw_averaged_path(plot_ui, strokes, d.color, d.width);
                }
                // Schedule-Free's z: thin and dotted, with a small ring where it is.
                if let Some((z, strokes)) = &d.base {
                    let (outline, _) = outlines(plot_ui.ctx());
                    for (stroke_color, stroke_width) in
                        [(outline, 0.5 * d.width + 2.0), (d.color, 0.5 * d.width)]
                    {
                        for stroke in strokes {
                            plot_ui.line(
                                plot_items::line("", PlotPoints::Owned(stroke.clone()))
                                    .color(stroke_color)
                                    .width(stroke_width)
                                    .style(egui_plot::LineStyle::dotted_loose())
                                    .allow_hover(false),
                            );
                        }
                    }
                    plot_ui.points(
                        Points::new("", PlotPoints::Owned(vec![plot_point(*z)]))
                            .radius(4.5 * thick)
                            .filled(false)
                            .color(d.color)
                            .allow_hover(false)
                            .id(("base", d.sim_index)),
                    );
                }
            }
            // Markers after all paths, so no path hides a run's point.
            for (i, d) in drawn.iter().enumerate() {
                plot_ui.points(
                    Points::new("", PlotPoints::Owned(vec![plot_point(d.start)]))
                        .radius(5.0 * thick)
                        .filled(false)
                        .color(d.color)
                        .allow_hover(false)
                        .id(("start", i)),
                );
            }
            // The averaged iterate's marker: a square in the run's colour with the theme's rim,
            // so it reads as "this run's other point" beside the round current point.
            let (_, square_rim) = outlines(&ctx);
            for d in &drawn {
                if let Some((a, _)) = d.averaged {
                    for (radius, color, id) in [
                        (7.5 * thick + 2.0 * thick, square_rim, "avg-outline"),
                        (7.5 * thick, d.color, "avg"),
                    ] {
                        plot_ui.points(
                            Points::new("", PlotPoints::Owned(vec![plot_point(a)]))
                                .shape(MarkerShape::Square)
                                .radius(radius)
                                .color(color)
                                .allow_hover(false)
                                .id((id, d.sim_index)),
                        );
                    }
                }
            }
            let screen: Vec<egui::Pos2> = drawn
                .iter()
                .map(|d| {
                    plot_ui
                        .transform()
                        .position_from_point(&plot_point(d.current))
                })
                .collect();
            let radii = ring_radii(&screen, 5.5 * thick);
            let (_, rim) = outlines(&ctx);
            for (i, d) in drawn.iter().enumerate() {
                plot_ui.points(
                    Points::new("", PlotPoints::Owned(vec![plot_point(d.current)]))
                        .radius(radii[i] + 2.0 * thick)
                        .color(rim)
                        .allow_hover(false)
                        .id(("dot-outline", d.sim_index)),
                );
                plot_ui.points(
                    Points::new("", PlotPoints::Owned(vec![plot_point(d.current)]))
                        .radius(radii[i])
                        .color(d.color)
                        .allow_hover(false)
                        .id(("dot", d.sim_index)),
                );
            }
            let frame_rect = *plot_ui.transform().frame();
            for d in &drawn {
                let p = plot_ui
                    .transform()
                    .position_from_point(&plot_point(d.current));
                let inside =
                    frame_rect.shrink(2.0).contains(p) && p.x.is_finite() && p.y.is_finite();
                if inside {
                    if let Some(status) = &d.stopped {
                        plot_ui.points(
                            Points::new("", PlotPoints::Owned(vec![plot_point(d.current)]))
                                .shape(MarkerShape::Cross)
                                .radius(11.0)
                                .color(Color32::from_rgb(0xff, 0x40, 0x40))
                                .allow_hover(false)
                                .id(("stop", d.sim_index)),
                        );
                        plot_ui.text(
                            Text::new(
                                "",
                                plot_point(d.current),
                                egui::RichText::new(status).strong().color(Color32::WHITE),
                            )
                            .anchor(egui::Align2::LEFT_BOTTOM)
                            .allow_hover(false),
                        );
                    }
                } else {
                    off_view_marker(plot_ui, frame_rect, p, d, thick, dark);
                }
            }
            if let Some(d) = drawn.iter().find(|d| d.sim_index == top) {
                let t = session.sim().runs()[top].trajectory();
                if let Some(current) = t.at_step(step) {
                    arrows(
                        plot_ui,
                        settings,
                        objective,
                        t,
                        current.step,
                        current.point,
                        current.lr,
                        d.color,
                    );
                    if settings.show_taylor {
                        taylor_models(plot_ui, objective, current.point, &visible, dark);
                    }
                }
            }

            // A deliberate left drag moves start points: the pointer must travel
            // START_DRAG_PX from where it was pressed, so a click or a double-click (which
            // resets the view) never moves anything.
            let r = plot_ui.response();
            let travelled = ctx.input(|i| {
                i.pointer
                    .press_origin()
                    .zip(i.pointer.interact_pos())
                    .map_or(0.0, |(o, p)| o.distance(p))
            });
            if !r.dragged_by(PointerButton::Primary) {
                *moving_starts = false;
            } else if travelled >= START_DRAG_PX {
                *moving_starts = true;
            }
            if *moving_starts && let Some(mut p) = plot_ui.pointer_coordinate() {
                // A start outside the box domain would be refused: it snaps to the box.
                if let Some(d) = &domain {
                    let inside = d.project(Vec2::new(p.x, p.y));
                    (p.x, p.y) = (inside.x, inside.y);
                }
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
        self.legend_corner = Some(legend_corner(corner, covered));
        if let Some((done, rows)) = self.cache.sampling() {
            // A formula slow to evaluate is sampled over several frames: say so where the
            // picture will appear.
            let rect = response.response.rect;
            ui.painter().text(
                rect.center_top() + egui::vec2(0.0, 6.0),
                egui::Align2::CENTER_TOP,
                format!("drawing the contours: {} %", 100 * done / rows.max(1)),
                egui::TextStyle::Small.resolve(ui.style()),
                ui.visuals().warn_fg_color,
            );
        }
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

    /// True while a new picture of the objective is being sampled over several frames.
    #[must_use]
    pub fn contours_pending(&self) -> bool {
        self.cache.sampling().is_some()
    }

    /// How often the iso-lines were tessellated (reused while the plot stands still).
    #[must_use]
    pub fn line_tessellations(&self) -> usize {
        self.cache.line_tessellations()
    }
}

/// The Hessian's eigenvectors as two axes through `origin`: each half-length is proportional
/// to 1/sqrt(|l|) (the shape of the level sets), the longer one a third of the view. Drawn in
/// the neutral ink of the theme (never a run's colour), dashed for v_min and dotted for v_max,
/// each named at its end.
fn draw_eigen_axes(
    plot_ui: &mut egui_plot::PlotUi<'_>,
    origin: Vec2,
    vectors: [Vec2; 2],
    values: [f64; 2],
    view: &crate::numerics::objectives::ViewRect,
    dark: bool,
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
    let ink = if dark {
        Color32::from_gray(235)
    } else {
        Color32::from_gray(20)
    };
    let styles = [
        egui_plot::LineStyle::dashed_loose(),
        egui_plot::LineStyle::dotted_dense(),
    ];
    let names = ["v_min", "v_max"];
    for ((v, l), (style, name)) in vectors
        .iter()
        .zip(values)
        .zip(styles.into_iter().zip(names))
    {
        let half = if longest.is_finite() {
            (reach(l) / longest).max(0.12) * side / 3.0
        } else {
            side / 4.0
        };
        let a = origin - v * half;
        let b = origin + v * half;
        plot_ui.line(
            plot_items::line("", PlotPoints::Owned(vec![plot_point(a), plot_point(b)]))
                .color(ink)
                .width(2.0)
                .style(style)
                .allow_hover(false),
        );
        plot_ui.text(
            Text::new(
                "",
                plot_point(b),
                egui::RichText::new(format!("{name} (l = {})", fmt_num(l)))
                    .strong()
                    .color(ink),
            )
            .anchor(egui::Align2::LEFT_BOTTOM)
            .allow_hover(false),
        );
    }
}

/// The box domain's outline: thin and neutral grey. Cut to 100 view sizes around the view,
/// so that a huge domain stays a drawable line.
fn draw_domain(
    plot_ui: &mut egui_plot::PlotUi<'_>,
    domain: &crate::numerics::objectives::ViewRect,
    view: &crate::numerics::objectives::ViewRect,
    dark: bool,
) {
    let (c, reach) = (view.center(), 100.0 * view.size().max());
    let cut = |v: f64, centre: f64| v.clamp(centre - reach, centre + reach);
    let (x0, x1) = (cut(domain.x.0, c.x), cut(domain.x.1, c.x));
    let (y0, y1) = (cut(domain.y.0, c.y), cut(domain.y.1, c.y));
    let corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
        .map(|(x, y)| plot_point(Vec2::new(x, y)))
        .to_vec();
    plot_ui.line(
        plot_items::line("", PlotPoints::Owned(corners))
            .color(Color32::from_gray(if dark { 200 } else { 70 }))
            .width(1.5)
            .allow_hover(false),
    );
}

/// The legend's possible corners, in order of preference: the top ones only, where egui_plot
/// lists the entries top down in the runs' order (in a bottom corner it stacks them upwards).
const CORNERS: [Corner; 2] = [Corner::LeftTop, Corner::RightTop];

/// Where a legend of `size` sits in `frame` when put in `corner`.
fn corner_rect(frame: egui::Rect, corner: Corner, size: egui::Vec2) -> egui::Rect {
    let pos = match corner {
        Corner::LeftTop => frame.left_top(),
        Corner::RightTop => frame.right_top() - egui::vec2(size.x, 0.0),
        Corner::LeftBottom => frame.left_bottom() - egui::vec2(0.0, size.y),
        Corner::RightBottom => frame.right_bottom() - size,
    };
    egui::Rect::from_min_size(pos, size)
}

/// The legend's corner for the next frame: the one covering the fewest path points, but only
/// when it covers clearly fewer than the current one (a legend that hops about is worse than
/// one that hides a few points).
fn legend_corner(current: Corner, covered: [usize; CORNERS.len()]) -> Corner {
    let index = |c: Corner| CORNERS.iter().position(|k| *k == c).unwrap_or(0);
    let here = covered[index(current)];
    let (best, least) = CORNERS
        .iter()
        .map(|c| (*c, covered[index(*c)]))
        .min_by_key(|(_, n)| *n)
        .unwrap_or((current, here));
    if 2 * least + 3 < here { best } else { current }
}

/// The theme's outline under paths and around run points (the figures' halo: dark on the
/// dark and light themes, white on the projector's, where a black run needs a light rim).
fn outlines(ctx: &egui::Context) -> (Color32, Color32) {
    let style = crate::render::style::Style::of(crate::ui::theme::current(ctx));
    let [r, g, b] = style.halo;
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "an opacity in 0..=1 scaled to a byte"
    )]
    let alpha = (style.halo_alpha.clamp(0.0, 1.0) * 255.0).round() as u8;
    (
        Color32::from_rgba_unmultiplied(r, g, b, alpha),
        crate::ui::theme::color32(style.dot_outline),
    )
}

/// A run's path (its strokes) with the theme's outline under it, so a thin line reads on every
/// heat-map colour.
fn draw_path(
    plot_ui: &mut egui_plot::PlotUi<'_>,
    label: &str,
    strokes: &[Vec<PlotPoint>],
    color: Color32,
    width: f32,
) {
    let (outline, _) = outlines(plot_ui.ctx());
    for stroke in strokes {
        plot_ui.line(
            plot_items::line("", PlotPoints::Owned(stroke.clone()))
                .color(outline)
                .width(width + 2.5)
                .allow_hover(false),
        );
    }
    for stroke in strokes {
        plot_ui.line(
            plot_items::line(label, PlotPoints::Owned(stroke.clone()))
                .color(color)
                .width(width)
                .allow_hover(false),
        );
    }
}

/// A run's averaged iterate as a dashed line cased in white.
fn draw_averaged_path(
    plot_ui: &mut egui_plot::PlotUi<'_>,
    strokes: &[Vec<PlotPoint>],
    color: Color32,
    width: f32,
) {
    // Cased in white (the figures' rule too): every run's path has a dark outline, so a white
    // casing tells the average from the scribble of a noisy path in any theme.
    for (stroke_color, stroke_width) in [(Color32::WHITE, width + 3.0), (color, width)] {
        for stroke in strokes {
            plot_ui.line(
                plot_items::line("", PlotPoints::Owned(stroke.clone()))
                    .color(stroke_color)
                    .width(stroke_width)
                    .style(egui_plot::LineStyle::dashed_loose())
                    .allow_hover(false),
            );
        }
    }
}

/// Radii for run dots at these screen positions, drawn in this order: a dot that later dots
/// cover (within one radius) is drawn larger for each of them, so coinciding runs show as
/// concentric rings and the last one drawn (the selected run) is the centre.
fn ring_radii(positions: &[egui::Pos2], radius: f32) -> Vec<f32> {
    positions
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let covered = positions[i + 1..]
                .iter()
                .filter(|q| q.distance(*p) < radius)
                .count();
            let grow = covered as f32;
            // Each ring is wider than the outline drawn around the dot above it.
            radius + grow * (0.5 * radius + 4.0)
        })
        .collect()
}

/// Where a marker for a point outside `frame` goes: where the line from the frame's centre to
/// the point leaves the frame, inset by `inset`, and the direction it points in (unit length).
/// A point that is not finite is shown at the top edge, pointing up.
fn edge_anchor(frame: egui::Rect, p: egui::Pos2, inset: f32) -> (egui::Pos2, egui::Vec2) {
    let inner = frame.shrink(inset);
    let c = inner.center();
    let d = p - c;
    if !(d.x.is_finite() && d.y.is_finite()) || d.length() < 1e-3 {
        return (egui::pos2(c.x, inner.top()), egui::vec2(0.0, -1.0));
    }
    let tx = if d.x.abs() > 0.0 {
        inner.width() / 2.0 / d.x.abs()
    } else {
        f32::INFINITY
    };
    let ty = if d.y.abs() > 0.0 {
        inner.height() / 2.0 / d.y.abs()
    } else {
        f32::INFINITY
    };
    (c + d * tx.min(ty).min(1.0), d.normalized())
}

/// An arrow at the edge of the plot pointing towards a run's point outside it, with the run's
/// name and, if it stopped, why ("diverged at step 123").
fn off_view_marker(
    plot_ui: &mut egui_plot::PlotUi<'_>,
    frame: egui::Rect,
    p: egui::Pos2,
    d: &DrawnRun,
    thick: f32,
    dark: bool,
) {
    let size = 11.0 * thick.sqrt();
    let (tip, dir) = edge_anchor(frame, p, 4.0);
    let back = tip - dir * size * 1.6;
    let side = egui::vec2(-dir.y, dir.x) * size * 0.75;
    let transform = *plot_ui.transform();
    let to_plot = |q: egui::Pos2| {
        let v = transform.value_from_position(q);
        [v.x, v.y]
    };
    let triangle = vec![to_plot(tip), to_plot(back + side), to_plot(back - side)];
    plot_ui.polygon(
        egui_plot::Polygon::new("", PlotPoints::from(triangle))
            .fill_color(d.color)
            .stroke(egui::Stroke::new(1.5, Color32::BLACK))
            .allow_hover(false),
    );
    let text = match &d.stopped {
        Some(status) => format!("{}: {status}", d.label),
        None => format!("{}: outside the view", d.label),
    };
    // The label sits inside the plot, on the side away from the edge.
    let anchor = match (dir.x > 0.3, dir.x < -0.3, dir.y > 0.0) {
        (true, _, true) => egui::Align2::RIGHT_BOTTOM,
        (true, _, false) => egui::Align2::RIGHT_TOP,
        (_, true, true) => egui::Align2::LEFT_BOTTOM,
        (_, true, false) => egui::Align2::LEFT_TOP,
        (_, _, true) => egui::Align2::CENTER_BOTTOM,
        (_, _, false) => egui::Align2::CENTER_TOP,
    };
    let label_at = to_plot(back - dir * size * 0.4);
    plot_ui.text(
        Text::new(
            "",
            PlotPoint::new(label_at[0], label_at[1]),
            egui::RichText::new(text)
                .strong()
                .color(if dark { Color32::WHITE } else { Color32::BLACK })
                .background_color(if dark {
                    Color32::from_black_alpha(170)
                } else {
                    Color32::from_white_alpha(210)
                }),
        )
        .anchor(anchor)
        .allow_hover(false),
    );
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

/// The Taylor models' legend entries: first-order model, second-order model, upper and lower
/// bound, Newton step (the longest of its two names).
const TAYLOR_NAMES: [&str; 5] = [
    "first-order model: its level line",
    "second-order model: its level curves",
    "L-smooth upper bound",
    "mu-strongly-convex lower bound",
    "Newton step: the model's stationary point (not a minimum)",
];

/// The Taylor models at the selected run's point (`theory::TaylorModels`), in neutral ink:
/// the first-order model's level line, the second-order model's level curves and stationary
/// point, and on a quadratic the L-smooth and mu-strongly-convex bounds' circles.
fn taylor_models(
    plot_ui: &mut egui_plot::PlotUi<'_>,
    objective: &crate::numerics::objectives::AnyObjective,
    at: Vec2,
    visible: &crate::numerics::objectives::ViewRect,
    dark: bool,
) {
    let bounds = objective.as_quadratic().map(|q| {
        let (l_min, l_max) = q.eigenvalues();
        (l_max, l_min)
    });
    let reach = visible.size().x.max(visible.size().y);
    let Some(t) = crate::numerics::theory::TaylorModels::at(objective, at, reach, bounds) else {
        return;
    };
    let ink = if dark {
        Color32::from_gray(245)
    } else {
        Color32::from_gray(15)
    };
    let mut curve = |name: &str, points: &[Vec2], style: egui_plot::LineStyle, width: f32| {
        plot_ui.line(
            plot_items::line(
                name,
                PlotPoints::Owned(points.iter().copied().map(plot_point).collect()),
            )
            .color(ink)
            .style(style)
            .width(width)
            .allow_hover(false),
        );
    };
    if let Some(line) = t.tangent {
        curve(TAYLOR_NAMES[0], &line, egui_plot::LineStyle::Solid, 1.5);
    }
    for level in &t.quadratic_levels {
        curve(
            TAYLOR_NAMES[1],
            level,
            egui_plot::LineStyle::dashed_dense(),
            1.5,
        );
    }
    if let Some(c) = t.upper {
        curve(
            TAYLOR_NAMES[2],
            &c.points(),
            egui_plot::LineStyle::dotted_dense(),
            1.5,
        );
    }
    if let Some(c) = t.lower {
        curve(
            TAYLOR_NAMES[3],
            &c.points(),
            egui_plot::LineStyle::dotted_loose(),
            1.5,
        );
    }
    if let Some((x, minimum)) = t.newton {
        let name = if minimum {
            "Newton step: the model's minimum"
        } else {
            TAYLOR_NAMES[4]
        };
        plot_ui.points(
            Points::new(name, PlotPoints::Owned(vec![plot_point(x)]))
                .shape(MarkerShape::Plus)
                .radius(7.0)
                .color(ink)
                .allow_hover(false),
        );
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_legend_moves_to_a_clearly_emptier_corner_and_stays_put_otherwise() {
        // The paths fill the top left: the legend goes where nothing is.
        assert_eq!(legend_corner(Corner::LeftTop, [300, 0]), Corner::RightTop);
        // A little less elsewhere is not worth a jump.
        assert_eq!(legend_corner(Corner::LeftTop, [20, 12]), Corner::LeftTop);
        // Three starts hidden (weight 10 each) against a few points: move.
        assert_eq!(legend_corner(Corner::LeftTop, [30, 4]), Corner::RightTop);
        assert_eq!(legend_corner(Corner::RightTop, [3, 40]), Corner::LeftTop);
        let frame = egui::Rect::from_min_size(egui::pos2(10.0, 20.0), egui::vec2(400.0, 300.0));
        let size = egui::vec2(100.0, 50.0);
        let r = corner_rect(frame, Corner::RightBottom, size);
        assert_eq!(r.max, frame.max);
        assert_eq!(r.size(), size);
        assert_eq!(corner_rect(frame, Corner::LeftTop, size).min, frame.min);
    }

    #[test]
    fn coinciding_dots_become_rings_around_the_last_one() {
        let p = egui::pos2(50.0, 50.0);
        let radii = ring_radii(&[p, p, egui::pos2(200.0, 50.0), p], 5.0);
        assert!(radii[0] > radii[1] && radii[1] > radii[3], "{radii:?}");
        assert_eq!(radii[2], 5.0, "a dot alone keeps its size");
        assert_eq!(radii[3], 5.0, "the top one is the centre");
    }

    #[test]
    fn an_off_view_marker_sits_on_the_edge_towards_the_point() {
        let frame = egui::Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(200.0, 100.0));
        let (at, dir) = edge_anchor(frame, egui::pos2(1000.0, 50.0), 4.0);
        assert!(
            (at.x - 196.0).abs() < 1e-3 && (at.y - 50.0).abs() < 1e-3,
            "{at:?}"
        );
        assert!((dir.x - 1.0).abs() < 1e-6);
        let (at, dir) = edge_anchor(frame, egui::pos2(f32::NAN, 0.0), 4.0);
        assert_eq!((at.y, dir.y), (4.0, -1.0), "not finite: the top edge");
    }
}
