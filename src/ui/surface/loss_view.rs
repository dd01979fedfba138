//! Loss against step (or against gradient evaluations, the cost) for every run, on a log scale:
//! log10(f(x_k) - f*), with f* the known minimum (or the lowest loss any run reached). The x
//! axis may be logarithmic too (View > Loss plot axes), where a loss falling like 1/k^p is a
//! line of slope -p; rate references (C/k, C/k^2 and, where they apply, the course's bounds)
//! are drawn dashed. A vertical line marks the step on screen.
//!
//! With y = sharpness (View > Loss plot axes) the same plot shows each run's sharpness, the
//! largest eigenvalue of the Hessian at its point (of P^-1 H for Adam, AdamW and RMSprop), on a
//! linear scale, with the run's edge of stability dashed in its colour ([`Edge`]):
//! the picture of the edge of stability. Each run's curve is kept in a [`Track`], so
//! a recorded point's Hessian is taken once.

use crate::numerics::schedule::{MomentumSchedule, Schedule};
use crate::numerics::theory::sharpness::{Edge, SharpnessSample, Track};
use crate::numerics::theory::{SmoothConvex, smooth_convex};
use crate::scenario::{LossPlot, LossX, LossY};
use crate::ui::surface::session::Session;
use crate::ui::widgets::plot_items;
use crate::ui::widgets::plot_items::LegendEntry;
use egui::Color32;
use egui_plot::{HoverPosition, LineStyle, Plot, PlotPoint, PlotPoints, Text, VLine};

/// What the course-bound data depends on: the objective's generation, then the start and
/// the view as bits.
type BoundsKey = (u64, [u64; 6]);

/// Most points drawn per run; longer histories keep each bucket's extremes so spikes survive.
const MAX_POINTS: usize = 3000;

/// Points per reference curve.
const REFERENCE_POINTS: usize = 200;

/// One run's line: its points and the step each point belongs to (lines end at the step on
/// screen whatever the x axis counts).
#[derive(Default)]
struct RunLine {
    points: Vec<PlotPoint>,
    steps: Vec<usize>,
    /// In the sharpness plot: the run's edge of stability.
    edge: Option<EdgeLine>,
}

/// A run's edge of stability in the sharpness plot, dashed in the run's colour.
struct EdgeLine {
    /// The edge at the drawn samples, or across the whole frame when it is the same at every
    /// step (a constant learning rate and momentum).
    points: Vec<PlotPoint>,
    /// The step of each point (`None`: a constant edge, drawn whole from the first frame).
    steps: Option<Vec<usize>>,
    /// Its name on hover: the run and the formula.
    name: String,
    /// Its short name, written with its value beside its right end: "2/lr = 8".
    short: &'static str,
}

/// A dashed reference curve.
struct Reference {
    label: &'static str,
    points: Vec<PlotPoint>,
    style: LineStyle,
    /// Grey level (the theme's ink, never a run's colour).
    gray: u8,
}

/// The plot's cache key: what the lines were built for.
#[derive(Clone, Copy, PartialEq)]
struct Key {
    generation: u64,
    frontier: usize,
    axes: LossPlot,
    selected: usize,
}

/// The loss plot, with its decimated lines cached until the simulation or the axes change.
#[derive(Default)]
pub struct LossView {
    key: Option<Key>,
    /// Per simulated run: the whole computed history, decimated, sorted by step.
    lines: Vec<RunLine>,
    /// The reference curves (empty unless asked for).
    references: Vec<Reference>,
    /// Lowest and highest y over all lines (the frame stays put while playing).
    y_range: Option<(f64, f64)>,
    /// The right end of the x axis (in plot units).
    x_end: f64,
    /// The y axis's name.
    label: String,
    /// The least y distance between two reference names (a line of text, in plot units).
    name_gap: f64,
    /// The course's bound data for the selected run's start, with what it was found for
    /// (the objective's generation, the start and the view, as bits): sampling the sublevel
    /// set's Hessians is far too slow to repeat every frame, or at every edit of a rate.
    bounds: Option<(BoundsKey, Option<SmoothConvex>)>,
    /// Decimations so far (for tests).
    rebuilds: usize,
    /// Per simulated run, its sharpness curve so far, for the simulation generation held.
    tracks: (u64, Vec<Track>),
}

impl LossView {
    /// Rebuilds the cached lines when the simulation, the axes or the selected run changed.
    fn refresh(&mut self, session: &Session, selected: usize) {
        let axes = session.spec().loss_plot;
        let key = Key {
            generation: session.generation(),
            frontier: session.frontier(),
            axes,
            selected,
        };
        if self.key == Some(key) {
            return;
        }
        self.key = Some(key);
        self.rebuilds += 1;
        if axes.y == LossY::Sharpness {
            self.references.clear();
            self.refresh_sharpness(session, axes);
            return;
        }
        let sim = session.sim();
        let lowest_seen = sim
            .runs()
            .iter()
            .flat_map(|r| r.trajectory().losses().iter().copied())
            .filter(|v| v.is_finite())
            .fold(f64::INFINITY, f64::min);
        let (reference, label) = match session.f_star() {
            Some(f) if f <= lowest_seen => (f, "f(x_k) - f*"),
            _ => (lowest_seen, "f(x_k) - lowest loss seen"),
        };
        // The ticks (1e-3, 1e-6, ...) say the scale is logarithmic; a short name fits the axis.
        label.clone_into(&mut self.label);
        // Below this, differences are rounding noise.
        let floor = 1e-16 * (1.0 + reference.abs());
        let x_of = |x: f64| if axes.log_x { x.log10() } else { x };
        self.x_end = x_of(Self::x_extent(session, axes.x).max(1.0));
        self.lines = sim
            .runs()
            .iter()
            .map(|run| {
                let t = run.trajectory();
                let x_at = |i: usize| match axes.x {
                    LossX::Steps => (i * t.stride()) as f64,
                    LossX::Evaluations => t.evaluations()[i] as f64,
                };
                // Runs costlier than the frame end at its edge: only the samples inside it are
                // decimated (x never decreases along a run).
                let inside = first_false(t.len(), |i| x_of(x_at(i)) <= self.x_end);
                let mut line = RunLine::default();
                for i in decimate(&t.losses()[..inside], axes.log_x) {
                    let step = i * t.stride();
                    let x = x_at(i);
                    // A log axis starts at 1.
                    if axes.log_x && x < 1.0 {
                        continue;
                    }
                    let y = (t.losses()[i] - reference).max(floor).log10();
                    line.points.push(PlotPoint::new(x_of(x), y));
                    line.steps.push(step);
                }
                line
            })
            .collect();
        self.y_range = self
            .lines
            .iter()
            .flat_map(|l| &l.points)
            .map(|p| p.y)
            .filter(|y| y.is_finite())
            .fold(None, |r, y| match r {
                None => Some((y, y)),
                Some((lo, hi)) => Some((f64::min(lo, y), f64::max(hi, y))),
            });
        self.references = if axes.references {
            let bounds = self.course_bounds(session, selected);
            references(session, selected, reference, axes, self.x_end, bounds)
        } else {
            Vec::new()
        };
    }

    /// The sharpness lines: every run's [`Track`] brought up to date, decimated like the loss
    /// (on a linear scale), and its edge where its method has one.
    #[allow(clippy::cast_precision_loss, reason = "counts far below 2^52")]
    fn refresh_sharpness(&mut self, session: &Session, axes: LossPlot) {
        let sim = session.sim();
        if self.tracks.0 != session.generation() {
            self.tracks = (session.generation(), Vec::new());
        }
        let tracks = &mut self.tracks.1;
        tracks.resize_with(sim.runs().len(), Track::default);
        let objective = &session.scenario().objective;
        let x_of = |x: f64| if axes.log_x { x.log10() } else { x };
        let x_end = x_of(Self::x_extent(session, axes.x).max(1.0));
        let mut preconditioned = false;
        let mut lines = Vec::with_capacity(tracks.len());
        for (k, (run, track)) in sim.runs().iter().zip(tracks.iter_mut()).enumerate() {
            let t = run.trajectory();
            let config = run.config();
            let edge = Edge::of(config);
            preconditioned |= edge.preconditioned();
            let samples = track.update(objective, config, t);
            let x_at = |s: &SharpnessSample| match axes.x {
                LossX::Steps => s.step as f64,
                LossX::Evaluations => t
                    .evaluations()
                    .get(s.step / t.stride().max(1))
                    .map_or(f64::INFINITY, |e| *e as f64),
            };
            let inside = first_false(samples.len(), |i| x_of(x_at(&samples[i])) <= x_end);
            let values: Vec<f64> = samples[..inside].iter().map(|s| s.value).collect();
            let mut line = RunLine::default();
            let mut edge_points = Vec::new();
            let mut edge_steps = Vec::new();
            for i in decimate(&values, axes.log_x) {
                let s = &samples[i];
                let x = x_at(s);
                if (axes.log_x && x < 1.0) || !s.value.is_finite() {
                    continue;
                }
                line.points.push(PlotPoint::new(x_of(x), s.value));
                line.steps.push(s.step);
                if let Some(e) = s.edge.filter(|e| e.is_finite()) {
                    edge_points.push(PlotPoint::new(x_of(x), e));
                    edge_steps.push(s.step);
                }
            }
            let constant = matches!(config.schedule, Schedule::Constant)
                && matches!(config.momentum_schedule, MomentumSchedule::Constant);
            let label = &session.scenario().runs[session.spec_index(k)].label;
            line.edge = match (edge.edge(config.optimizer.lr(), 0), edge_points.first()) {
                // From x = 0 on a linear axis, x = 1 (log10 0) on a log one.
                (Some(e), _) if constant && e.is_finite() => Some(EdgeLine {
                    points: vec![PlotPoint::new(0.0, e), PlotPoint::new(x_end, e)],
                    steps: None,
                    name: format!("{label}: edge {}", edge.formula()),
                    short: edge_short(&edge),
                }),
                (_, Some(_)) if !constant => Some(EdgeLine {
                    short: edge_short(&edge),
                    points: edge_points,
                    steps: Some(edge_steps),
                    name: format!("{label}: edge {}", edge.formula()),
                }),
                _ => None,
            };
            lines.push(line);
        }
        self.lines = lines;
        self.x_end = x_end;
        // The legend's tooltip and README say what it is; a short name fits the axis.
        if preconditioned {
            "sharpness (P^-1 H)"
        } else {
            "sharpness"
        }
        .clone_into(&mut self.label);
        self.y_range = sharpness_range(&self.lines);
    }

    /// The x extent to frame: the step budget, or in evaluations the cost the cheapest run
    /// spends on the whole budget (every run drawn up to equal cost).
    #[allow(clippy::cast_precision_loss, reason = "counts far below 2^52")]
    fn x_extent(session: &Session, x: LossX) -> f64 {
        let budget = session.steps() as f64;
        match x {
            LossX::Steps => budget,
            LossX::Evaluations => session
                .sim()
                .runs()
                .iter()
                .filter_map(|r| {
                    let latest = r.trajectory().latest()?;
                    (latest.step > 0)
                        .then(|| latest.evaluations as f64 / latest.step as f64 * budget)
                })
                .filter(|e| *e > 0.0)
                .fold(None, |m: Option<f64>, e| Some(m.map_or(e, |m| m.min(e))))
                .unwrap_or(budget),
        }
    }

    /// The course's bound data for the selected run ([`smooth_convex`]), found once per
    /// simulation generation and selected run.
    fn course_bounds(&mut self, session: &Session, selected: usize) -> Option<SmoothConvex> {
        // The run the references follow: the selected one, or the first enabled run.
        let spec = if session.sim_index(selected).is_some() || session.sim().runs().is_empty() {
            selected
        } else {
            session.spec_index(0)
        };
        let scenario = session.scenario();
        let start = scenario.runs.get(spec).map(|run| run.config.start)?;
        let v = &scenario.view;
        let key = (
            session.objective_generation(),
            [start.x, start.y, v.x.0, v.x.1, v.y.0, v.y.1].map(f64::to_bits),
        );
        if let Some((k, b)) = self.bounds
            && k == key
        {
            return b;
        }
        let b = smooth_convex(&scenario.objective, start, v);
        self.bounds = Some((key, b));
        b
    }

    /// How often the lines were decimated (cached between changes).
    #[must_use]
    pub fn rebuilds(&self) -> usize {
        self.rebuilds
    }

    /// Draws the loss plot into `ui`: a legend row in the runs' order (then the references),
    /// then every run up to the step on screen (the selected run, a spec index, on top), in a
    /// frame that fits the whole computed history.
    pub fn ui(&mut self, ui: &mut egui::Ui, session: &Session, selected: usize, height: f32) {
        self.refresh(session, selected);
        let axes = session.spec().loss_plot;
        let scale = crate::ui::theme::line_scale(ui.ctx());
        let dark = ui.visuals().dark_mode;
        let ink = move |gray: u8| {
            if dark {
                Color32::from_gray(255 - gray)
            } else {
                Color32::from_gray(gray)
            }
        };
        let mut entries: Vec<LegendEntry> = (0..self.lines.len())
            .map(|k| {
                let checked = &session.scenario().runs[session.spec_index(k)];
                LegendEntry {
                    label: checked.label.clone(),
                    color: crate::ui::theme::run_color(ui.ctx(), checked.color),
                    dashed: false,
                }
            })
            .collect();
        if self.lines.iter().any(|l| l.edge.is_some()) {
            entries.push(LegendEntry {
                label: "edge of stability".to_owned(),
                color: ink(110),
                dashed: true,
            });
        }
        let top = ui.cursor().top();
        plot_items::legend_row(ui, &entries, 2.0 * scale);
        let height = (height - (ui.cursor().top() - top)).max(60.0);
        let sharp = axes.y == LossY::Sharpness;
        // One line of text in plot units (decades, or sharpness), over the plot's height less
        // its x axis.
        let (lo, hi) = if sharp {
            self.y_range.unwrap_or((0.0, 1.0))
        } else {
            plot_items::decade_range(self.y_range)
        };
        let inner = (height - plot_items::titled_x_axis_height(ui)).max(20.0);
        self.name_gap =
            (hi - lo) * f64::from(1.1 * ui.text_style_height(&egui::TextStyle::Body) / inner);
        let x_name = match axes.x {
            LossX::Steps => "step",
            LossX::Evaluations => "gradient evaluations",
        };
        let plot = Plot::new("loss")
            .height(height)
            .include_x(0.0)
            .include_x(self.x_end)
            // Room for the references' (or edges') names right of the curves.
            .include_x(
                if self.references.is_empty() && self.lines.iter().all(|l| l.edge.is_none()) {
                    self.x_end
                } else {
                    self.x_end * 1.2
                },
            )
            .y_axis_label(self.label.clone());
        let plot = if axes.log_x {
            plot_items::log_x_axis(plot, ui, x_name)
        } else {
            plot_items::step_x_axis(plot, ui, x_name)
        };
        let log_x = axes.log_x;
        let plot = if sharp {
            plot_items::linear_y_axis(plot, ui, (lo, hi))
        } else {
            plot_items::log_y_axis(plot, ui, self.y_range)
        };
        let response = plot
            .label_formatter(move |pos| match pos {
                HoverPosition::NearDataPoint {
                    plot_name,
                    position,
                    ..
                } if !plot_name.is_empty() => {
                    let x = if log_x {
                        10f64.powf(position.x)
                    } else {
                        position.x
                    };
                    let y = if sharp {
                        position.y
                    } else {
                        10f64.powf(position.y)
                    };
                    Some(format!(
                        "{plot_name}\n{x_name} {:.0}\n{}",
                        x,
                        crate::ui::widgets::fmt_num(y)
                    ))
                }
                _ => None,
            })
            .allow_scroll(false)
            .show(ui, |plot_ui| {
                self.draw(plot_ui, session, selected, &entries, ink, scale);
            });
        // Screen readers (and UI tests) find the plot by this name.
        let name = if sharp { "sharpness plot" } else { "loss plot" };
        response
            .response
            .widget_info(|| egui::WidgetInfo::labeled(egui::Role::Canvas, true, name));
    }

    /// The references, then every run up to the step on screen (the selected one on top), and
    /// the line at that step.
    fn draw<'a>(
        &'a self,
        plot_ui: &mut egui_plot::PlotUi<'a>,
        session: &Session,
        selected: usize,
        entries: &[LegendEntry],
        ink: impl Fn(u8) -> Color32,
        scale: f32,
    ) {
        let axes = session.spec().loss_plot;
        let log_x = axes.log_x;
        let step = session.shown_step();
        // Each reference is named in the plot (below): a row of grey dashed swatches in the
        // legend would not tell them apart.
        for r in &self.references {
            plot_ui.line(
                plot_items::line(r.label, PlotPoints::Borrowed(&r.points))
                    .color(ink(r.gray))
                    .style(r.style)
                    .width(1.5 * scale),
            );
        }
        // Names just right of the curves' ends, in the margin the frame leaves for them, top to
        // bottom and pushed apart so that names of curves that end close together never print
        // over each other.
        let gap = self.name_gap;
        let mut ends: Vec<(PlotPoint, String, Color32)> = self
            .references
            .iter()
            .filter_map(|r| {
                r.points
                    .last()
                    .map(|p| (*p, r.label.to_owned(), ink(r.gray)))
            })
            .collect();
        // The edges, dashed in their runs' colours, named with their value at the right end
        // (at the top, marked so, when the frame leaves one out).
        let top = self.y_range.map_or(f64::INFINITY, |r| r.1);
        for (k, line) in self.lines.iter().enumerate() {
            let Some(edge) = &line.edge else { continue };
            let shown = edge
                .steps
                .as_ref()
                .map_or(edge.points.len(), |s| s.partition_point(|s| *s <= step));
            let points = &edge.points[..shown];
            let framed = points.iter().all(|p| p.y <= top);
            if framed {
                plot_ui.line(
                    plot_items::line(edge.name.clone(), PlotPoints::Borrowed(points))
                        .color(entries[k].color)
                        .style(LineStyle::dashed_dense())
                        .width(1.5 * scale),
                );
            }
            if let Some(end) = points.last() {
                let value = crate::ui::widgets::fmt_num(end.y);
                let (y, text) = if end.y > top {
                    (top, format!("{} = {value} (above)", edge.short))
                } else {
                    (end.y, format!("{} = {value}", edge.short))
                };
                ends.push((PlotPoint::new(end.x, y), text, entries[k].color));
            }
        }
        ends.sort_by(|a, b| b.0.y.total_cmp(&a.0.y));
        let mut below = f64::INFINITY;
        for (end, text, color) in ends {
            let y = end.y.min(below - gap);
            below = y;
            plot_ui.text(
                Text::new("", PlotPoint::new(end.x, y), text)
                    .color(color)
                    .anchor(egui::Align2::LEFT_CENTER),
            );
        }
        let mut order: Vec<usize> = (0..self.lines.len()).collect();
        order.sort_by_key(|&k| session.spec_index(k) == selected);
        for k in order {
            let line = &self.lines[k];
            let shown = line.steps.partition_point(|s| *s <= step);
            plot_ui.line(
                plot_items::line(
                    entries[k].label.clone(),
                    PlotPoints::Borrowed(&line.points[..shown]),
                )
                .color(entries[k].color)
                .width(2.0 * scale),
            );
        }
        // In evaluations every run is at its own cost: no one line marks the step.
        if axes.x == LossX::Steps && (step > 0 || !log_x) {
            #[allow(clippy::cast_precision_loss, reason = "steps far below 2^52")]
            let x = step as f64;
            plot_ui.vline(
                VLine::new("", if log_x { x.log10() } else { x })
                    .color(Color32::from_gray(140))
                    .width(1.0),
            );
        }
    }
}

/// The rate references for the selected run: C/k and C/k^2 through its first sample at x >= 1
/// (x being steps or evaluations); in steps, where the objective is convex with a known L
/// towards the lowest known minimum, the course's GD and Nesterov bounds and the lower bound.
#[allow(clippy::cast_precision_loss, reason = "counts far below 2^52")]
fn references(
    session: &Session,
    selected: usize,
    reference: f64,
    axes: LossPlot,
    x_end: f64,
    bounds: Option<SmoothConvex>,
) -> Vec<Reference> {
    let sim = session.sim();
    let Some(k) = (0..sim.runs().len())
        .find(|&k| session.spec_index(k) == selected)
        .or((!sim.runs().is_empty()).then_some(0))
    else {
        return Vec::new();
    };
    let t = sim.runs()[k].trajectory();
    let x_at = |i: usize| match axes.x {
        LossX::Steps => (i * t.stride()) as f64,
        LossX::Evaluations => t.evaluations()[i] as f64,
    };
    let end = if axes.log_x { 10f64.powf(x_end) } else { x_end };
    let curve = |from: f64, f: &dyn Fn(f64) -> f64| -> Vec<PlotPoint> {
        (0..REFERENCE_POINTS)
            .filter_map(|j| {
                let u = j as f64 / (REFERENCE_POINTS - 1) as f64;
                let x = if axes.log_x {
                    from * (end / from).powf(u)
                } else {
                    from + u * (end - from)
                };
                let y = f(x);
                (y > 0.0 && y.is_finite())
                    .then(|| PlotPoint::new(if axes.log_x { x.log10() } else { x }, y.log10()))
            })
            .collect()
    };
    let mut out = Vec::new();
    if let Some(i) = (0..t.len()).find(|&i| x_at(i) >= 1.0) {
        let (x1, gap) = (x_at(i), t.losses()[i] - reference);
        if gap > 0.0 && x1 < end {
            out.push(Reference {
                label: "C/k",
                points: curve(x1, &|x| gap * x1 / x),
                style: LineStyle::dashed_loose(),
                gray: 110,
            });
            out.push(Reference {
                label: "C/k²",
                points: curve(x1, &|x| gap * (x1 / x) * (x1 / x)),
                style: LineStyle::dotted_loose(),
                gray: 110,
            });
        }
    }
    if axes.x == LossX::Steps
        && let Some(b) = bounds
    {
        // The bounds measure f - f(x*): shifted to the plot's reference they stay bounds.
        let shift = b.f_star - reference;
        let bounds: [(&'static str, LineStyle, Bound); 3] = [
            (
                "GD bound",
                LineStyle::dashed_dense(),
                SmoothConvex::gd_bound,
            ),
            (
                "Nesterov bound",
                LineStyle::dashed_dense(),
                SmoothConvex::nesterov_bound,
            ),
            (
                "lower bound",
                LineStyle::dotted_dense(),
                SmoothConvex::lower_bound,
            ),
        ];
        for (label, style, bound) in bounds {
            out.push(Reference {
                label,
                points: curve(1.0, &|k| bound(&b, k) + shift),
                style,
                gray: 60,
            });
        }
    }
    out
}

/// The short name of an edge: GD's is the famous 2/lr.
fn edge_short(edge: &Edge) -> &'static str {
    if edge.formula() == "2 / lr" {
        "2/lr"
    } else {
        "edge"
    }
}

/// The sharpness plot's y range: 0 and every curve, and each edge not far above the curves
/// (an edge many times the sharpness would flatten them into the axis: it is not drawn, and
/// its name at the top says where it is), with a margin on top for the names.
fn sharpness_range(lines: &[RunLine]) -> Option<(f64, f64)> {
    let values = lines.iter().flat_map(|l| &l.points).map(|p| p.y);
    let (lo, hi) = values
        .filter(|y| y.is_finite())
        .fold((0.0f64, f64::NEG_INFINITY), |(lo, hi), y| {
            (lo.min(y), hi.max(y))
        });
    if !hi.is_finite() {
        return None;
    }
    let cap = EDGE_SPAN * hi.max(0.0);
    let hi = lines
        .iter()
        .filter_map(|l| l.edge.as_ref())
        .flat_map(|e| &e.points)
        .map(|p| p.y)
        .filter(|y| y.is_finite() && *y <= cap)
        .fold(hi, f64::max);
    let hi = lo + 1.08 * (hi - lo);
    Some((lo, if hi > lo { hi } else { lo + 1.0 }))
}

/// How far above the highest sharpness an edge may be and still be framed: higher, the curves
/// would be squeezed against the axis, where the story (a curve meeting its edge) is not seen.
const EDGE_SPAN: f64 = 2.0;

/// One of the course's bounds as a function of k.
type Bound = fn(&SmoothConvex, f64) -> f64;

/// The first index in 0..n where `pred` is false, for a `pred` that is true and then false.
fn first_false(n: usize, pred: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0, n);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if pred(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// The sample indices to draw of `losses`: all of them up to MAX_POINTS, else each bucket's
/// smallest and largest value, in order. Buckets are of equal length, or, for a logarithmic x
/// axis (`log`), grow geometrically from sample 1 on, so the first steps, which span decades
/// there, are all kept.
#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_precision_loss,
    reason = "bucket bounds of at most a few million samples"
)]
fn decimate(losses: &[f64], log: bool) -> Vec<usize> {
    let n = losses.len();
    let buckets = MAX_POINTS / 2;
    let mut bounds: Vec<usize> = if n <= buckets {
        (0..=n).collect()
    } else if log {
        let ratio = (n as f64).powf(1.0 / buckets as f64);
        let mut b = vec![0, 1];
        let mut edge = 1.0_f64;
        while *b.last().unwrap_or(&n) < n {
            edge *= ratio;
            let next = (edge.ceil() as usize).clamp(b[b.len() - 1] + 1, n);
            b.push(next);
        }
        b
    } else {
        let len = n.div_ceil(buckets);
        (0..n.div_ceil(len)).map(|j| j * len).chain([n]).collect()
    };
    bounds.dedup();
    let mut out = Vec::with_capacity(MAX_POINTS + 4);
    for w in bounds.windows(2) {
        let chunk = &losses[w[0]..w[1]];
        let (mut lo, mut hi) = (0, 0);
        for (i, v) in chunk.iter().enumerate() {
            if *v < chunk[lo] {
                lo = i;
            }
            if *v > chunk[hi] {
                hi = i;
            }
        }
        for i in if lo <= hi { [lo, hi] } else { [hi, lo] } {
            out.push(w[0] + i);
        }
    }
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use crate::ui::surface::loss_view::decimate;

    #[test]
    fn decimation_keeps_spikes_and_bounds_the_count() {
        let mut losses: Vec<f64> = (0..100_000).map(|k| 1.0 / (1.0 + f64::from(k))).collect();
        losses[54_321] = 1e6;
        for log in [false, true] {
            let kept = decimate(&losses, log);
            assert!(
                kept.len() <= crate::ui::surface::loss_view::MAX_POINTS + 4,
                "{log}"
            );
            assert!(kept.contains(&54_321), "the spike survives");
            assert!(kept.windows(2).all(|w| w[0] < w[1]));
        }
        assert_eq!(decimate(&[1.0, 0.1, 0.01], false), vec![0, 1, 2]);
        // On a log axis the first steps span decades: all of them are kept.
        let log = decimate(&losses, true);
        assert!((0..100).all(|i| log.contains(&i)), "{:?}", &log[..20]);
    }
}
