//! The network page's pictures: every run's decision boundary over the data, the loss,
//! accuracy and gradient-norm plots with one legend row, and the loss-landscape slice. The
//! pictures are caches of the session's numbers, redrawn when those change (and at most ten
//! times a second while training).

use super::session::NetworkSession;
use crate::numerics::contour::{Grid, IsoLine, LogScale, log_iso_lines};
use crate::numerics::mlp::Task;
use crate::numerics::objectives::ViewRect;
use crate::numerics::run::RunStatus;
use crate::numerics::theory::sharpness::Edge;
use crate::ui::command::Command;
use crate::ui::theme::run_color;
use crate::ui::widgets::fmt_num;
use crate::ui::widgets::plot_items;
use crate::ui::widgets::plot_items::LegendEntry;
use egui::{Color32, ColorImage, TextureHandle, TextureOptions};
use egui_plot::{LineStyle, MarkerShape, Plot, PlotBounds, PlotPoints, Points};
use web_time::{Duration, Instant};

/// Nodes per side of the decision-boundary pictures.
const BOUNDARY_SIDE: usize = 72;
/// Time between decision-boundary pictures while training.
const BOUNDARY_EVERY: Duration = Duration::from_millis(100);
/// Time a frame spends on new decision-boundary pictures: with many runs of a large network
/// the rest wait for the next frames (their last picture stays).
const BOUNDARY_BUDGET: Duration = Duration::from_millis(4);
/// Most points drawn per metric line (longer histories are thinned evenly).
const MAX_LINE_POINTS: usize = 600;
/// Input ranges up to this many times apart share one scale in the decision-boundary panes.
const MAX_SHARED_SCALE_RATIO: f64 = 3.0;

/// A run's decision boundary, drawn at a given training step.
#[derive(Default)]
struct Boundary {
    key: Option<(u64, usize)>,
    drawn: Option<Instant>,
    texture: Option<TextureHandle>,
    values: Vec<f64>,
}

/// The network page's pictures: caches of the session's numbers.
#[derive(Default)]
pub(super) struct Pictures {
    boundaries: Vec<Boundary>,
    landscape: Option<LandscapePicture>,
    /// Time this frame has spent on decision-boundary pictures.
    boundary_spent: Duration,
}

impl Pictures {
    /// Forgets the landscape's picture (the training restarted).
    pub(super) fn forget_landscape(&mut self) {
        self.landscape = None;
    }
}

/// The picture of the session's loss-landscape slice, and which slice it shows.
struct LandscapePicture {
    /// (generation, run, step) of the slice.
    key: (u64, usize, usize),
    texture: TextureHandle,
    lines: Vec<IsoLine>,
}

impl Pictures {
    /// The central area: decision boundaries, metric plots and the loss landscape.
    pub(super) fn central(
        &mut self,
        ui: &mut egui::Ui,
        session: &NetworkSession,
        landscape_run: usize,
        out: &mut Vec<Command>,
    ) {
        let runs = session.training().runs().len();
        self.boundaries.resize_with(runs, Boundary::default);
        self.boundary_spent = Duration::ZERO;
        let avail = ui.available_size();
        let gap = ui.spacing().item_spacing;
        let row = ui.text_style_height(&egui::TextStyle::Body);
        // The metric plots need a legend row, an x axis (ticks and title) and a frame tall
        // enough for a rotated y title (130 pt): with the projector theme's large text that is
        // more than a third of a 700 pt window, so the share grows with the text, up to half
        // the height.
        let legend_h = row.max(ui.spacing().interact_size.y) + gap.y;
        let needed = legend_h + 2.25 * row + 130.0 + 4.0;
        let metrics_h = (avail.y * 0.32)
            .clamp(140.0, 300.0)
            .max(needed)
            .min(avail.y * 0.5);
        let max_top_h = (avail.y - metrics_h - gap.y).max(120.0);
        let land_w = (avail.x * 0.3).clamp(220.0, 400.0);
        let panes_w = (avail.x - land_w - 3.0 * gap.x).max(120.0);
        let view = PaneView::new(ui, session.training().dataset().bounds());
        // A pane is its title, then a square picture with the axes (if any) outside it.
        let title_h = row + 2.0 * gap.y;
        let side_for = |c: usize| {
            let rows = runs.div_ceil(c) as f32;
            (panes_w / c as f32 - gap.x - view.axes.x).min(max_top_h / rows - title_h - view.axes.y)
        };
        // As many columns as give the largest square pictures, or nearly: one row of panes
        // reads better than a grid with a hole for a few points more.
        let best = (1..=runs.max(1))
            .map(side_for)
            .fold(f32::NEG_INFINITY, f32::max);
        let cols = (1..=runs.max(1))
            .rev()
            .find(|&c| side_for(c) >= 0.9 * best)
            .unwrap_or(1);
        let side = side_for(cols).max(60.0);
        // The top row is as tall as the panes or the landscape's square need, and the metric
        // plots get what is left, rather than an empty band under the panes.
        let panes_h = runs.div_ceil(cols) as f32 * (side + view.axes.y + title_h + gap.y);
        let landscape_h = land_w + 5.0 * (row + gap.y);
        let top_h = panes_h.max(landscape_h).clamp(120.0, max_top_h);
        let metrics_h = avail.y - top_h - gap.y;
        let column = egui::Layout::top_down(egui::Align::Min);
        ui.horizontal_top(|ui| {
            ui.allocate_ui_with_layout(egui::vec2(panes_w, top_h), column, |ui| {
                ui.set_min_size(egui::vec2(panes_w, top_h));
                if runs == 0 {
                    ui.label("No runs: add one in the side panel.");
                    return;
                }
                egui::Grid::new("mlp-boundaries").show(ui, |ui| {
                    for k in 0..runs {
                        ui.vertical(|ui| self.boundary_ui(ui, session, k, side, &view));
                        if (k + 1) % cols == 0 {
                            ui.end_row();
                        }
                    }
                });
            });
            ui.add_space(gap.x);
            ui.allocate_ui_with_layout(egui::vec2(land_w, top_h), column, |ui| {
                ui.set_min_size(egui::vec2(land_w, top_h));
                self.landscape_ui(ui, session, landscape_run, out);
            });
        });
        ui.allocate_ui_with_layout(egui::vec2(avail.x, metrics_h), column, |ui| {
            Self::metrics(ui, session);
        });
    }

    #[allow(clippy::too_many_lines, reason = "one plot, drawn in layers")]
    fn boundary_ui(
        &mut self,
        ui: &mut egui::Ui,
        session: &NetworkSession,
        k: usize,
        side: f32,
        view: &PaneView,
    ) {
        let Some(checked) = session.scenario().enabled_runs().nth(k) else {
            return;
        };
        let label = checked.label.clone();
        let color = run_color(ui.ctx(), checked.color);
        let run = &session.training().runs()[k];
        let acc = run
            .history()
            .latest()
            .and_then(|r| {
                r.train_acc
                    // The number first: it is what survives truncation in a narrow pane.
                    .map(|a| format!(", {:.1}% train accuracy", a * 100.0))
            })
            .unwrap_or_default();
        let status = match run.status() {
            RunStatus::Running => String::new(),
            s @ RunStatus::Stopped { .. } => format!(" ({})", s.describe()),
        };
        ui.set_max_width(side + view.axes.x);
        ui.add(
            egui::Label::new(
                egui::RichText::new(format!("{label}{acc}{status}"))
                    .strong()
                    .color(color),
            )
            .truncate(),
        );
        let ((x0, x1), (y0, y1)) = (view.x, view.y);
        let key = (session.generation(), run.steps_done());
        let task = session.training().dataset().task();
        let cache = &mut self.boundaries[k];
        // While training, a few pictures a second are enough (the network's forward pass on
        // every node costs as much as many training steps); a paused view is always current.
        let due = cache.drawn.is_none_or(|t| t.elapsed() >= BOUNDARY_EVERY) || !session.playing();
        let stale = cache.key != Some(key) && due;
        if stale && cache.texture.is_some() && self.boundary_spent >= BOUNDARY_BUDGET {
            // Out of this frame's time: the last picture stays, the next frame draws it.
            ui.ctx().request_repaint();
        } else if cache.texture.is_none() || stale {
            let started = Instant::now();
            cache.key = Some(key);
            cache.drawn = Some(started);
            session.training().predict_grid(
                k,
                (x0, x1),
                (y0, y1),
                BOUNDARY_SIDE,
                BOUNDARY_SIDE,
                &mut cache.values,
            );
            let style = crate::render::style::Style::of(crate::ui::theme::current(ui.ctx()));
            let image = boundary_image(&cache.values, task, session.training().dataset(), &style);
            match &mut cache.texture {
                Some(t) => t.set(image, TextureOptions::LINEAR),
                None => {
                    cache.texture = Some(ui.ctx().load_texture(
                        format!("mlp-boundary-{k}"),
                        image,
                        TextureOptions::LINEAR,
                    ));
                }
            }
            self.boundary_spent += started.elapsed();
        }
        let Some(texture) = &cache.texture else {
            return;
        };
        let dataset = session.training().dataset();
        let mut plot = Plot::new(("mlp-boundary", k))
            .width(side + view.axes.x)
            .height(side + view.axes.y)
            .allow_drag(false)
            .allow_zoom(false)
            .allow_scroll(false)
            .allow_boxed_zoom(false)
            .allow_double_click_reset(false)
            .show_grid(false)
            .show_axes(!view.one_scale)
            .show_background(false);
        if !view.one_scale {
            // Small plots: a few round ticks, every one labelled (egui_plot's own spacing
            // would label only 0 here, and the point is to show how far each input reaches).
            let x_axis = plot_items::titled_x_axis(ui, "x1")
                .formatter(|mark, _| plot_items::round_label(mark))
                .label_spacing(20.0..=24.0);
            plot = plot
                .custom_x_axes(vec![x_axis])
                .x_grid_spacer(plot_items::round_marks)
                .y_grid_spacer(plot_items::round_marks)
                .y_axis_formatter(|mark, _| plot_items::round_label(mark))
                .y_axis_label("x2")
                .y_axis_min_width(view.axes.x);
        }
        let response = plot.show(ui, |plot_ui| {
            // Exactly the picture's region, every frame: no margin around it, and nothing
            // remembered from another data set.
            plot_ui.set_plot_bounds(PlotBounds::from_min_max([x0, y0], [x1, y1]));
            plot_ui.image(plot_items::covering(texture, (x0, x1), (y0, y1)));
            for (points, filled, name) in [
                (dataset.train_points(), true, "train"),
                (dataset.test_points(), false, "test"),
            ] {
                for class in [0.0, 1.0] {
                    let pts: Vec<[f64; 2]> = points
                        .iter()
                        .filter(|p| task == Task::Regression || p.y == class)
                        .map(|p| p.x)
                        .collect();
                    let c = match task {
                        Task::Regression => Color32::BLACK,
                        Task::Classification => class_color(class),
                    };
                    plot_ui.points(
                        Points::new("", pts)
                            .shape(MarkerShape::Circle)
                            .radius(3.0)
                            .filled(filled)
                            .color(c)
                            .allow_hover(false)
                            .id((name, k, class.to_bits())),
                    );
                    if task == Task::Regression {
                        break;
                    }
                }
            }
        });
        response.response.widget_info(|| {
            egui::WidgetInfo::labeled(
                egui::Role::Canvas,
                true,
                format!("decision boundary {label}"),
            )
        });
    }

    /// One legend row (each run once, in the runs' order) above the metric plots: loss,
    /// accuracy (classification only) and gradient norm against step.
    fn metrics(ui: &mut egui::Ui, session: &NetworkSession) {
        let classification = session.training().dataset().task() == Task::Classification;
        let entries: Vec<LegendEntry> = (0..session.training().runs().len())
            .filter_map(|k| session.scenario().enabled_runs().nth(k))
            .map(|c| LegendEntry {
                label: c.label.clone(),
                color: run_color(ui.ctx(), c.color),
                dashed: false,
            })
            .collect();
        // The note only when there are dashed curves to explain (finite test losses).
        let has_test = session.training().runs().iter().any(|r| {
            r.history()
                .records()
                .iter()
                .chain(r.history().latest())
                .any(|rec| rec.test_loss.is_finite())
        });
        let sharpness = session.training().config().sharpness;
        plot_items::legend_row_with_note(
            ui,
            &entries,
            2.0 * crate::ui::theme::line_scale(ui.ctx()),
            match (has_test, sharpness) {
                (true, true) => {
                    Some("solid = train, dashed = test; sharpness: dashed = edge (2/lr)")
                }
                (true, false) => Some("solid = train, dashed = test"),
                (false, true) => Some("sharpness: dashed = edge (2/lr)"),
                (false, false) => None,
            },
        );
        let plots = 2.0 + f32::from(u8::from(classification)) + f32::from(u8::from(sharpness));
        let gap = ui.spacing().item_spacing.x;
        // The last step's tick label is centred near the right edge of the last plot: leave
        // room for its right half, or the panel cuts it.
        let last_tick = plot_items::axis_width(ui, &session.training().total_steps().to_string());
        let width = (ui.available_width() - last_tick / 2.0 - (plots - 1.0) * gap) / plots;
        let height = (ui.available_height() - 4.0).max(60.0);
        ui.horizontal(|ui| {
            Self::metric_plot(
                ui,
                session,
                "mlp-loss",
                "loss (log)",
                width,
                height,
                (Scale::Log, TRAIN_TEST),
                |_, r| [Some(r.train_loss), Some(r.test_loss)],
            );
            if classification {
                Self::metric_plot(
                    ui,
                    session,
                    "mlp-acc",
                    "accuracy (%)",
                    width,
                    height,
                    (Scale::Percent, TRAIN_TEST),
                    |_, r| {
                        [
                            r.train_acc.map(|a| a * 100.0),
                            r.test_acc.map(|a| a * 100.0),
                        ]
                    },
                );
            }
            Self::metric_plot(
                ui,
                session,
                "mlp-grad",
                "|grad| (log)",
                width,
                height,
                (Scale::Log, TRAIN_TEST),
                |_, r| [Some(r.grad_norm), None],
            );
            if sharpness {
                // Each run's edge of stability for its sharpness (that of H: adaptive methods,
                // whose edge is for P^-1 H, get none).
                let edges: Vec<Edge> = session
                    .training()
                    .runs()
                    .iter()
                    .map(|r| Edge::of_network_run(&r.config().optimizer))
                    .collect();
                Self::metric_plot(
                    ui,
                    session,
                    "mlp-sharpness",
                    "sharpness",
                    width,
                    height,
                    (Scale::Linear, ["sharpness", "edge"]),
                    |k, r| [r.sharpness, edges.get(k).and_then(|e| e.edge(r.lr, r.step))],
                );
            }
        });
    }

    /// One metric against step for every run (`value` of the run's index and a record), the
    /// first solid and the second dashed, named by `names` (train and test, or sharpness and
    /// edge); log plots show log10 of the value on whole decades.
    #[allow(clippy::too_many_arguments, reason = "one plot of one metric")]
    fn metric_plot(
        ui: &mut egui::Ui,
        session: &NetworkSession,
        id: &str,
        label: &str,
        width: f32,
        height: f32,
        (scale, names): (Scale, [&str; 2]),
        value: impl Fn(usize, &crate::numerics::mlp::Record) -> [Option<f64>; 2],
    ) {
        let log = scale == Scale::Log;
        let map = |v: f64| {
            if log { v.max(1e-300).log10() } else { v }
        };
        let line_width = 2.0 * crate::ui::theme::line_scale(ui.ctx());
        // The curves first: a log axis's range is set from them.
        let mut curves = Vec::new();
        for (k, run) in session.training().runs().iter().enumerate() {
            let Some(checked) = session.scenario().enabled_runs().nth(k) else {
                continue;
            };
            let color = run_color(ui.ctx(), checked.color);
            let records = run.history().records();
            let latest = run.history().latest();
            let every = records.len().div_ceil(MAX_LINE_POINTS).max(1);
            for (which, style, suffix) in [
                (0, LineStyle::Solid, names[0]),
                (1, LineStyle::dashed_loose(), names[1]),
            ] {
                let pts: Vec<[f64; 2]> = records
                    .iter()
                    .step_by(every)
                    .chain(records.last().filter(|_| every > 1))
                    .chain(latest.filter(|l| records.last() != Some(l)))
                    .filter_map(|r| value(k, r)[which].map(|v| [r.step as f64, map(v)]))
                    .filter(|p| p[1].is_finite())
                    .collect();
                if !pts.is_empty() {
                    curves.push((format!("{} {suffix}", checked.label), color, style, pts));
                }
            }
        }
        let total = session.training().total_steps() as f64;
        let plot = Plot::new(id)
            .width(width)
            .height(height)
            .include_x(0.0)
            .include_x(total);
        let mut plot = plot_items::step_x_axis(plot, ui, "step")
            .y_axis_label(label)
            .allow_scroll(false)
            .label_formatter(move |pos| match pos {
                egui_plot::HoverPosition::NearDataPoint {
                    plot_name,
                    position,
                    ..
                } if !plot_name.is_empty() => {
                    let v = match scale {
                        Scale::Log => fmt_num(10f64.powf(position.y)),
                        Scale::Percent => format!("{:.1}%", position.y),
                        Scale::Linear => fmt_num(position.y),
                    };
                    Some(format!("{plot_name}\nstep {:.0}\n{v}", position.x))
                }
                _ => None,
            });
        let range = curves.iter().flat_map(|c| c.3.iter().map(|p| p[1])).fold(
            None,
            |r: Option<(f64, f64)>, y| match r {
                None => Some((y, y)),
                Some((lo, hi)) => Some((lo.min(y), hi.max(y))),
            },
        );
        if log {
            // With no curve at all, 1e-1..1e1.
            plot = plot_items::log_y_axis(plot, ui, range);
        } else if scale == Scale::Linear {
            let (lo, hi) = range.unwrap_or((0.0, 1.0));
            plot = plot_items::linear_y_axis(plot, ui, (lo.min(0.0), hi.max(lo + 1e-9)));
        } else {
            plot = plot
                .include_y(0.0)
                .include_y(100.0)
                .y_axis_min_width(plot_items::titled_axis_width(ui, "100"));
        }
        let response = plot.show(ui, |plot_ui| {
            for (name, color, style, pts) in curves {
                plot_ui.line(
                    plot_items::line(name, PlotPoints::from(pts))
                        .color(color)
                        .width(line_width)
                        .style(style),
                );
            }
        });
        response
            .response
            .widget_info(|| egui::WidgetInfo::labeled(egui::Role::Canvas, true, label));
    }

    #[allow(clippy::too_many_lines, reason = "controls, then one plot in layers")]
    fn landscape_ui(
        &mut self,
        ui: &mut egui::Ui,
        session: &NetworkSession,
        landscape_run: usize,
        out: &mut Vec<Command>,
    ) {
        ui.heading("Loss landscape");
        let runs: Vec<String> = session
            .scenario()
            .enabled_runs()
            .map(|r| r.label.clone())
            .collect();
        if runs.is_empty() {
            return;
        }
        let k = landscape_run.min(runs.len() - 1);
        let mut chosen = k;
        egui::ComboBox::from_label("run")
            .selected_text(runs[k].clone())
            .show_ui(ui, |ui| {
                for (i, name) in runs.iter().enumerate() {
                    ui.selectable_value(&mut chosen, i, name);
                }
            });
        if chosen != k {
            out.push(Command::SelectRun(chosen));
        }
        let computing = session.slice_progress();
        let clicked = ui
            .add_enabled(
                !session.slice_is_current(k) && computing.is_none(),
                egui::Button::new("Compute slice"),
            )
            .on_hover_text(
                "The training loss on the plane through the run's current weights spanned by \
                 the two principal directions of its weight trajectory, with the path projected \
                 onto it (a 41 x 41 grid of full-batch losses).",
            )
            .clicked();
        if clicked {
            out.push(Command::ComputeSlice(k));
        }
        if let Some((done, cells)) = computing {
            // A large training set: every cell is a pass over it, so the slice takes frames.
            ui.label(
                egui::RichText::new(format!(
                    "computing the slice: {} %",
                    100 * done / cells.max(1)
                ))
                .color(ui.visuals().warn_fg_color),
            );
        }
        let Some(l) = session.slice() else {
            ui.label(
                egui::RichText::new(
                    "Train a while, then compute the slice: the loss around the weights, \
                     as contours with the path that led there.",
                )
                .weak(),
            );
            return;
        };
        // The picture is a cache of the session's numbers, rebuilt when they change.
        let key = (l.generation, l.run, l.step);
        if self.landscape.as_ref().is_none_or(|p| p.key != key) {
            let style = crate::render::style::Style::of(crate::ui::theme::current(ui.ctx()));
            let (image, lines) = landscape_picture(&l.landscape, &style);
            let texture = ui
                .ctx()
                .load_texture("mlp-landscape", image, TextureOptions::LINEAR);
            self.landscape = Some(LandscapePicture {
                key,
                texture,
                lines,
            });
        }
        let Some(picture) = &self.landscape else {
            return;
        };
        let s = &l.landscape;
        ui.label(
            egui::RichText::new(format!(
                "{} at step {}; directions explain {:.0}% and {:.0}% of the path",
                runs.get(l.run).map_or("", String::as_str),
                l.step,
                s.explained[0] * 100.0,
                s.explained[1] * 100.0
            ))
            .small(),
        );
        let color = session
            .scenario()
            .enabled_runs()
            .nth(l.run)
            .map_or(Color32::WHITE, |c| run_color(ui.ctx(), c.color));
        let size = ui
            .available_width()
            .min(ui.available_height() - 8.0)
            .max(120.0);
        Plot::new("mlp-landscape-plot")
            .width(size)
            .height(size)
            .x_axis_label("direction 1")
            .y_axis_label("direction 2")
            .show_grid(false)
            .allow_scroll(false)
            .show(ui, |plot_ui| {
                plot_ui.image(plot_items::covering(&picture.texture, s.alpha, s.beta));
                for (i, line) in picture.lines.iter().enumerate() {
                    plot_ui.line(
                        plot_items::line("", PlotPoints::from(line.points.clone()))
                            .color(Color32::from_white_alpha(90))
                            .width(1.0)
                            .allow_hover(false)
                            .id(("iso", i)),
                    );
                }
                plot_ui.line(
                    plot_items::line("path", PlotPoints::from(s.path.clone()))
                        .color(color)
                        .width(2.5 * crate::ui::theme::line_scale(plot_ui.ctx())),
                );
                if let Some(last) = s.path.last() {
                    plot_ui.points(
                        Points::new("", vec![*last])
                            .radius(5.0)
                            .color(color)
                            .allow_hover(false),
                    );
                }
            });
    }
}

/// How the decision-boundary panes show the plane: the ranges plotted and the room their axes
/// take outside the square pictures.
struct PaneView {
    x: (f64, f64),
    y: (f64, f64),
    /// One scale for both inputs (no axes drawn: the picture is the data's shape).
    one_scale: bool,
    /// Width of the y axis and height of the x axis (zero with one scale).
    axes: egui::Vec2,
}

impl PaneView {
    /// The view of the data's `bounds` (x1 range, x2 range).
    fn new(ui: &egui::Ui, (x, y): ((f64, f64), (f64, f64))) -> Self {
        // The picture covers the whole plot: the data's box, widened to a square when one
        // scale suits both inputs, else each input on its own scale (the axes say so).
        let (x, y, one_scale) = plot_items::plane_view(x, y, MAX_SHARED_SCALE_RATIO);
        let axes = if one_scale {
            egui::Vec2::ZERO
        } else {
            let widest = plot_items::round_labels(y)
                .into_iter()
                .max_by(|a, b| {
                    plot_items::axis_width(ui, a).total_cmp(&plot_items::axis_width(ui, b))
                })
                .unwrap_or_default();
            egui::vec2(
                plot_items::titled_axis_width(ui, &widest),
                plot_items::titled_x_axis_height(ui),
            )
        };
        Self {
            x,
            y,
            one_scale,
            axes,
        }
    }
}

/// Class 0 orange, class 1 blue (Okabe-Ito: safe for colour-blind viewers).
fn class_color(class: f64) -> Color32 {
    if class >= 0.5 {
        Color32::from_rgb(0x00, 0x72, 0xB2)
    } else {
        Color32::from_rgb(0xD5, 0x5E, 0x00)
    }
}

/// The network's output on the grid as a picture: for classification a blend from the class-0
/// colour through white (p = 0.5, the boundary) to the class-1 colour; for regression viridis
/// over the targets' range.
fn boundary_image(
    values: &[f64],
    task: Task,
    data: &crate::numerics::mlp::Dataset,
    style: &crate::render::style::Style,
) -> ColorImage {
    let n = BOUNDARY_SIDE;
    let mut image = ColorImage::filled([n, n], Color32::WHITE);
    let (lo, hi) = data
        .train_points()
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
            (lo.min(p.y), hi.max(p.y))
        });
    for (idx, &v) in values.iter().enumerate().take(n * n) {
        // Grid rows start at the bottom; image rows at the top.
        let (ix, iy) = (idx % n, idx / n);
        let c = match task {
            Task::Classification => {
                let t = (v.clamp(0.0, 1.0) - 0.5) * 2.0;
                let target = class_color(if t >= 0.0 { 1.0 } else { 0.0 });
                #[allow(clippy::cast_possible_truncation, reason = "t in [-1, 1]")]
                let w = (t.abs() as f32 * 0.75).clamp(0.0, 1.0);
                lerp(Color32::WHITE, target, w)
            }
            Task::Regression => {
                let u = if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };
                let [r, g, b] = style.heat(u);
                Color32::from_rgb(r, g, b)
            }
        };
        image.pixels[(n - 1 - iy) * n + ix] = c;
    }
    image
}

fn lerp(a: Color32, b: Color32, t: f32) -> Color32 {
    let mix = |x: u8, y: u8| {
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "a blend of two bytes"
        )]
        let v = (f32::from(x) * (1.0 - t) + f32::from(y) * t).round() as u8;
        v
    };
    Color32::from_rgb(mix(a.r(), b.r()), mix(a.g(), b.g()), mix(a.b(), b.b()))
}

/// The slice as a log-scaled heat map in the theme's colours, and its iso-lines.
fn landscape_picture(
    s: &crate::numerics::mlp::LandscapeSlice,
    style: &crate::render::style::Style,
) -> (ColorImage, Vec<IsoLine>) {
    let grid = Grid {
        view: ViewRect {
            x: s.alpha,
            y: s.beta,
        },
        nx: s.n,
        ny: s.n,
        values: s.loss.clone(),
    };
    let (lo, hi) = grid.finite_range().unwrap_or((0.0, 1.0));
    let scale = LogScale::new(lo, hi);
    let pixels = style
        .heat_rgba(&grid, scale)
        .into_iter()
        .map(|[r, g, b, a]| Color32::from_rgba_unmultiplied(r, g, b, a))
        .collect();
    let image = ColorImage::new([s.n, s.n], pixels);
    let lines = log_iso_lines(&grid, Some((lo, hi)), 14);
    (image, lines)
}

/// How a metric plot's y axis reads.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scale {
    /// log10 of the value on whole decades.
    Log,
    /// 0 to 100 %.
    Percent,
    /// The value as it is, from 0.
    Linear,
}

/// The names of a metric's two curves, solid and dashed.
const TRAIN_TEST: [&str; 2] = ["train", "test"];
