//! The measured hyperparameter map of the selected run (View > Hyperparameter map): every cell
//! runs the run's optimizer from its start with the cell's values for the scenario's step
//! budget ([`crate::numerics::sweep`]), coloured by its final loss (or the steps to a
//! tolerance) as `optiviz sweep` draws it, diverged cells red. The map is computed a slice per
//! frame, coarse cells first, and kept until the scenario or the axes change; on a quadratic
//! with GD or heavy ball the theory's stability edge and optimum are drawn over it. Clicking a
//! cell loads its values into the run (an edit).

use crate::numerics::sweep::{self, Axis, AxisScale, Metric, OverlayShape, SweepJob, SweepSpec};
use crate::render::Style;
use crate::scenario::{ScenarioSpec, Theme};
use crate::ui::command::Command;
use crate::ui::pace::FrameDeadline;
use crate::ui::surface::session::Session;
use crate::ui::widgets::plot_items;
use egui::{Color32, ColorImage, TextureHandle, TextureOptions};
use egui_plot::{LineStyle, MarkerShape, Plot, PlotPoint, PlotPoints, Points};
use web_time::{Duration, Instant};

/// Time a frame spends on the map at most.
const FRAME_BUDGET: Duration = Duration::from_millis(6);

/// One axis as the user sets it.
#[derive(Clone, Debug, PartialEq)]
struct AxisChoice {
    knob: String,
    from: f64,
    to: f64,
    log: bool,
    cells: usize,
}

impl AxisChoice {
    fn axis(&self) -> Axis {
        Axis {
            knob: self.knob.clone(),
            from: self.from,
            to: self.to,
            scale: if self.log {
                AxisScale::Log
            } else {
                AxisScale::Linear
            },
            cells: self.cells,
        }
    }

    /// Keeps the range usable whatever is typed: finite, increasing, positive on a log scale.
    fn tidy(&mut self) {
        if !self.from.is_finite() {
            self.from = 0.0;
        }
        if self.log && self.from <= 0.0 {
            self.log = false;
        }
        if !(self.to.is_finite() && self.to > self.from) {
            self.to = if self.log {
                self.from * 10.0
            } else {
                self.from + 1.0
            };
        }
        self.cells = self.cells.clamp(2, 64);
    }

    /// A plot coordinate of a knob value (log10 on a log axis).
    fn plot(&self, v: f64) -> f64 {
        if self.log { v.log10() } else { v }
    }

    /// The plot extent of the cells' outer edges.
    fn extent(&self) -> (f64, f64) {
        let (a, b) = (self.plot(self.from), self.plot(self.to));
        let half = if self.cells > 1 {
            (b - a) / (self.cells - 1) as f64 / 2.0
        } else {
            0.5
        };
        (a - half, b + half)
    }

    /// The cell under plot coordinate `u`.
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "clamped to the cell count"
    )]
    fn cell_at(&self, u: f64) -> Option<usize> {
        let (lo, hi) = self.extent();
        if !(lo..=hi).contains(&u) {
            return None;
        }
        Some(
            (((u - lo) / (hi - lo)) * self.cells as f64)
                .floor()
                .min(self.cells as f64 - 1.0) as usize,
        )
    }

    /// An axis for `knob` around its current value `v`: lr from v/100 to 10 v on a log scale,
    /// a momentum-like knob in [0, 1) over 0..0.99, anything else from v/10 to 10 v.
    fn around(knob: &str, v: f64, cells: usize) -> Self {
        let unit = matches!(knob, "momentum" | "beta1" | "beta2" | "alpha" | "dampening");
        let (from, to, log) = if knob == sweep::LR {
            (v / 100.0, v * 10.0, true)
        } else if unit {
            (0.0, 0.99, false)
        } else if v > 0.0 {
            (v / 10.0, v * 10.0, true)
        } else {
            (0.0, 1.0, false)
        };
        Self {
            knob: knob.to_owned(),
            from,
            to,
            log,
            cells,
        }
    }
}

/// What a map was computed for.
#[derive(Clone, Debug, PartialEq)]
struct Key {
    generation: u64,
    run: usize,
    x: AxisChoice,
    y: Option<AxisChoice>,
    metric: Metric,
}

/// The drawn map: its cells' picture and the map it was made from.
struct Picture {
    /// Cells computed when it was made.
    done: usize,
    /// The theme its colours are for.
    theme: Theme,
    texture: TextureHandle,
    map: sweep::SweepMap,
}

/// The map window's state: the axes chosen, the job computing, its picture.
#[derive(Default)]
pub struct MapView {
    /// The run the axes were chosen for (a new run gets axes around its values).
    run: Option<usize>,
    x: Option<AxisChoice>,
    y: Option<AxisChoice>,
    metric: Option<Metric>,
    job: Option<(Key, SweepJob)>,
    /// Why the map cannot be computed.
    error: Option<String>,
    /// The picture and the cells computed when it was made.
    /// The map as last drawn, rebuilt only when more cells are done or the theme changed (a
    /// preview map, its overlay included, is too costly to build every frame).
    picture: Option<Picture>,
}

impl MapView {
    /// The cells computed and all cells of the current map.
    #[must_use]
    pub fn progress(&self) -> Option<(usize, usize)> {
        self.job.as_ref().map(|(_, j)| j.progress())
    }

    /// The window's contents: the axes, the map, and what clicking it does.
    #[allow(
        clippy::too_many_lines,
        reason = "controls, the job's slice, then one plot in layers"
    )]
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        session: &Session,
        selected: usize,
        theme: Theme,
        out: &mut Vec<Command>,
    ) {
        let scenario = session.scenario();
        let Some(run) = scenario.runs.get(selected) else {
            ui.label("No run to map.");
            return;
        };
        let optimizer = &run.config.optimizer;
        let mut names: Vec<&str> = vec![sweep::LR];
        names.extend(
            sweep::knob_names(optimizer)
                .into_iter()
                .filter(|k| *k != sweep::LR),
        );
        if self.run != Some(selected)
            || self
                .x
                .as_ref()
                .is_none_or(|x| !names.contains(&x.knob.as_str()))
        {
            self.run = Some(selected);
            let lr = sweep::knob_value(optimizer, sweep::LR).unwrap_or(optimizer.lr());
            self.x = Some(AxisChoice::around(sweep::LR, lr, 32));
            self.y = names
                .iter()
                .find(|k| matches!(**k, "momentum" | "beta1"))
                .and_then(|k| Some(AxisChoice::around(k, sweep::knob_value(optimizer, k)?, 24)));
        }
        ui.label(format!("Run: {} ({})", run.label, optimizer.name()));
        let (Some(mut x), mut y) = (self.x.clone(), self.y.clone()) else {
            return;
        };
        let mut metric = self.metric.unwrap_or(Metric::FinalLoss);
        axis_ui(ui, "x", &mut x, &names, optimizer);
        let mut has_y = y.is_some();
        ui.horizontal(|ui| {
            ui.checkbox(&mut has_y, "second axis (y)");
            ui.label("colour:");
            ui.radio_value(&mut metric, Metric::FinalLoss, "final loss")
                .on_hover_text("f(x_N) - f* after the step budget, on a log scale");
            if ui
                .radio(matches!(metric, Metric::StepsTo { .. }), "steps to 1e-6")
                .on_hover_text("The first step at which f(x_k) - f* <= 1e-6")
                .clicked()
            {
                metric = Metric::StepsTo { tol: 1e-6 };
            }
        });
        if has_y && y.is_none() {
            let other = names.iter().find(|k| **k != x.knob).copied();
            y = other
                .map(|k| AxisChoice::around(k, sweep::knob_value(optimizer, k).unwrap_or(0.5), 24));
        } else if !has_y {
            y = None;
        }
        if let Some(axis) = &mut y {
            axis_ui(ui, "y", axis, &names, optimizer);
        }
        self.x = Some(x.clone());
        self.y.clone_from(&y);
        self.metric = Some(metric);

        let key = Key {
            generation: session.generation(),
            run: selected,
            x: x.clone(),
            y: y.clone(),
            metric,
        };
        if self.job.as_ref().is_none_or(|(k, _)| *k != key) {
            self.picture = None;
            let spec = SweepSpec {
                objective: scenario.objective.clone(),
                view: scenario.view,
                base: run.config.clone(),
                x: x.axis(),
                y: y.as_ref().map(AxisChoice::axis),
                metric,
                steps: session.steps(),
            };
            match SweepJob::new(spec) {
                Ok(job) => {
                    self.error = None;
                    self.job = Some((key, job));
                }
                Err(e) => {
                    self.error = Some(e.to_string());
                    self.job = None;
                }
            }
        }
        if let Some(e) = &self.error {
            ui.colored_label(ui.visuals().warn_fg_color, e);
            return;
        }
        let Some((_, job)) = &mut self.job else {
            return;
        };
        if !job.is_done() {
            job.advance_within(&FrameDeadline::after(Instant::now(), FRAME_BUDGET));
            ui.ctx().request_repaint();
        }
        let (done, all) = job.progress();
        ui.label(if done < all {
            format!(
                "computing: {done} of {all} runs of {} steps",
                session.steps()
            )
        } else {
            format!(
                "{all} runs of {} steps; click a cell to use its values",
                session.steps()
            )
        });
        ui.label(
            egui::RichText::new(match metric {
                Metric::FinalLoss => {
                    "colour: f(x_N) - f* on a log scale, dark low, yellow high; red: diverged"
                }
                Metric::StepsTo { .. } => {
                    "colour: steps to 1e-6, dark few, yellow many; grey: not reached; red: diverged"
                }
            })
            .small()
            .weak(),
        );
        if self
            .picture
            .as_ref()
            .is_none_or(|p| p.done != done || p.theme != theme)
        {
            let Some(map) = job.preview_map() else { return };
            let (nx, ny) = map.size();
            let style = Style::of(theme);
            let pixels: Vec<Color32> =
                sweep_pixels(&crate::render::sweep::cell_colors(&map, &style), nx, ny);
            let image = ColorImage::new([nx, ny], pixels);
            let texture = match self.picture.take() {
                Some(mut p) => {
                    p.texture.set(image, TextureOptions::NEAREST);
                    p.texture
                }
                None => ui
                    .ctx()
                    .load_texture("sweep-map", image, TextureOptions::NEAREST),
            };
            self.picture = Some(Picture {
                done,
                theme,
                texture,
                map,
            });
        }
        let Some(Picture { texture, map, .. }) = &self.picture else {
            return;
        };
        let (x0, x1) = x.extent();
        let (y0, y1) = y.as_ref().map_or((0.0, 1.0), AxisChoice::extent);
        let height = (ui.available_height() - 8.0).clamp(120.0, 600.0);
        let x_name = axis_name(&x);
        let y_name = y.as_ref().map_or(String::new(), axis_name);
        let overlay = map.overlay.clone();
        let current = map.current;
        let plot = Plot::new("sweep-map")
            .height(height)
            .include_x(x0)
            .include_x(x1)
            .include_y(y0)
            .include_y(y1)
            .allow_scroll(false)
            .allow_drag(false)
            .allow_zoom(false)
            .show_grid(false)
            .show_axes([true, y.is_some()])
            .x_axis_label(x_name)
            .y_axis_label(y_name);
        let (xl, yl) = (x.log, y.as_ref().is_some_and(|a| a.log));
        let plot = plot
            .x_axis_formatter(move |m, _| tick(m.value, xl))
            .y_axis_formatter(move |m, _| tick(m.value, yl))
            .label_formatter(move |pos| {
                let p = match pos {
                    egui_plot::HoverPosition::NearDataPoint { position, .. }
                    | egui_plot::HoverPosition::Elsewhere { position } => position,
                };
                let v = |u: f64, log: bool| if log { 10f64.powf(u) } else { u };
                Some(format!(
                    "{}, {}",
                    crate::ui::widgets::fmt_num(v(p.x, xl)),
                    crate::ui::widgets::fmt_num(v(p.y, yl))
                ))
            });
        let ink = if ui.visuals().dark_mode {
            Color32::WHITE
        } else {
            Color32::BLACK
        };
        let response = plot.show(ui, |plot_ui| {
            plot_ui.image(plot_items::covering(texture, (x0, x1), (y0, y1)));
            if let Some(o) = &overlay {
                for line in &o.lines {
                    let points: Vec<[f64; 2]> = match &line.shape {
                        OverlayShape::Path(p) => p
                            .iter()
                            .map(|q| [x.plot(q[0]), y.as_ref().map_or(0.5, |a| a.plot(q[1]))])
                            .collect(),
                        OverlayShape::AtX(v) => vec![[x.plot(*v), y0], [x.plot(*v), y1]],
                        OverlayShape::AtY(v) => {
                            let u = y.as_ref().map_or(0.5, |a| a.plot(*v));
                            vec![[x0, u], [x1, u]]
                        }
                    };
                    let edge = matches!(line.kind, sweep::OverlayKind::Edge);
                    plot_ui.line(
                        plot_items::line(line.label.clone(), PlotPoints::from(points))
                            .color(ink)
                            .width(if edge { 2.0 } else { 1.0 })
                            .style(if edge {
                                LineStyle::Solid
                            } else {
                                LineStyle::dotted_dense()
                            }),
                    );
                }
                for p in &o.points {
                    let at = [x.plot(p.at[0]), y.as_ref().map_or(0.5, |a| a.plot(p.at[1]))];
                    plot_ui.points(
                        Points::new(p.label.clone(), vec![at])
                            .shape(MarkerShape::Circle)
                            .radius(4.0)
                            .color(ink),
                    );
                }
            }
            let at = [
                x.plot(current.0),
                current
                    .1
                    .map_or(0.5, |v| y.as_ref().map_or(0.5, |a| a.plot(v))),
            ];
            plot_ui.points(
                Points::new("the run", vec![at])
                    .shape(MarkerShape::Cross)
                    .radius(7.0)
                    .color(ink),
            );
        });
        response.response.widget_info(|| {
            egui::WidgetInfo::labeled(egui::Role::Canvas, true, "hyperparameter map")
        });
        if response.response.clicked()
            && let Some(p) = response.response.interact_pointer_pos()
        {
            let u = response.transform.value_from_position(p);
            Self::load_cell(session, selected, &x, y.as_ref(), u, out);
        }
    }

    /// Loads the values of the cell at plot point `u` into run `selected` (one edit).
    fn load_cell(
        session: &Session,
        selected: usize,
        x: &AxisChoice,
        y: Option<&AxisChoice>,
        u: PlotPoint,
        out: &mut Vec<Command>,
    ) {
        let Some(i) = x.cell_at(u.x) else { return };
        let j = match y {
            Some(a) => match a.cell_at(u.y) {
                Some(j) => Some(j),
                None => return,
            },
            None => None,
        };
        let mut spec: ScenarioSpec = session.spec().clone();
        let Some(run) = spec.runs.get_mut(selected) else {
            return;
        };
        let mut values = vec![(x.knob.as_str(), x.axis().value(i))];
        if let (Some(a), Some(j)) = (y, j) {
            values.push((a.knob.as_str(), a.axis().value(j)));
        }
        for (knob, v) in values {
            if sweep::set_knob(&mut run.optimizer, knob, v).is_err() {
                return;
            }
        }
        out.push(Command::Edit(Box::new(spec)));
    }
}

/// The cells' colours as the picture's pixels: row 0 of the map (the y axis's start) at the
/// bottom.
fn sweep_pixels(colors: &[[u8; 3]], nx: usize, ny: usize) -> Vec<Color32> {
    let mut pixels = Vec::with_capacity(nx * ny);
    for j in (0..ny).rev() {
        for i in 0..nx {
            let [r, g, b] = colors.get(j * nx + i).copied().unwrap_or([0, 0, 0]);
            pixels.push(Color32::from_rgb(r, g, b));
        }
    }
    pixels
}

/// An axis's name with its scale.
fn axis_name(a: &AxisChoice) -> String {
    if a.log {
        format!("{} (log scale)", a.knob)
    } else {
        a.knob.clone()
    }
}

/// A tick label: the value, or on a log axis 10 to the power.
fn tick(u: f64, log: bool) -> String {
    if log {
        crate::ui::widgets::fmt_num(10f64.powf(u))
    } else {
        crate::ui::widgets::fmt_num(u)
    }
}

/// One axis's controls: the knob, its range, the scale and the number of cells.
fn axis_ui(
    ui: &mut egui::Ui,
    name: &str,
    axis: &mut AxisChoice,
    names: &[&str],
    optimizer: &crate::numerics::optimizers::OptimizerSpec,
) {
    ui.horizontal_wrapped(|ui| {
        let mut knob = axis.knob.clone();
        egui::ComboBox::from_id_salt(("sweep-knob", name))
            .selected_text(format!("{name}: {knob}"))
            .show_ui(ui, |ui| {
                for k in names {
                    ui.selectable_value(&mut knob, (*k).to_owned(), *k);
                }
            });
        if knob != axis.knob {
            let v = sweep::knob_value(optimizer, &knob).unwrap_or(0.5);
            *axis = AxisChoice::around(&knob, v, axis.cells);
        }
        let log = axis.log;
        for (value, prefix) in [(&mut axis.from, "from "), (&mut axis.to, "to ")] {
            let speed = if log { value.abs() * 0.02 } else { 0.005 };
            ui.add(
                egui::DragValue::new(value)
                    .speed(speed.max(1e-9))
                    .prefix(prefix)
                    .custom_formatter(|v, _| crate::ui::widgets::fmt_num(v)),
            );
        }
        ui.checkbox(&mut axis.log, "log");
        ui.add(
            egui::DragValue::new(&mut axis.cells)
                .range(2..=64)
                .suffix(" cells"),
        );
        axis.tidy();
    });
}
