//! The eigenvalue panel: the Hessian's spectrum, gradient descent's rate curve, heavy-ball
//! momentum's rate map, measured against predicted rates, the error in the eigenbasis and the
//! effective step sizes of adaptive optimizers. Every number comes from numerics/theory (the
//! point of analysis, the curves, the map, the fits), the functions `optiviz analyze` prints
//! from; this file only draws them and turns clicks into commands.

use crate::numerics::Vec2;
use crate::numerics::objectives::{Hessian, Objective, PointKind};
use crate::numerics::optimizers::{OptimizerSpec, SgdParams};
use crate::numerics::theory::{
    self, Character, EffectiveSteps, EigenErrors, GdRateCurve, GdRateSample, HeavyBallMap,
    Prediction, RunFit, Site, Spectrum, predict,
};
use crate::render::colormap::ColorMap;
use crate::ui::command::Command;
use crate::ui::surface::session::Session;
use crate::ui::widgets::plot_items;
use egui::{Color32, ColorImage, TextureHandle, TextureOptions};
use egui_plot::{
    Legend, LineStyle, Plot, PlotImage, PlotPoint, PlotPoints, Points, Polygon, VLine,
};

/// Samples along the rate curve.
const CURVE_SAMPLES: usize = 400;
/// Momentum map resolution (a by b).
const MAP_SIZE: [usize; 2] = [160, 120];
/// Most points per run in the time plots.
const TIME_POINTS: usize = theory::PANEL_CURVE_POINTS;

/// Where the spectrum was taken and what it is.
pub struct Analysis {
    /// The spectrum.
    pub spectrum: Spectrum,
    /// Whether the point is stationary, and |g| there.
    pub character: Character,
    /// |grad f| at the point.
    pub grad_norm: f64,
    /// "at the minimum (exact)" or "at run k's current point".
    pub at: String,
    /// The minimiser of a quadratic (errors are measured from it).
    pub minimum: Option<Vec2>,
    /// Point where the eigenvectors are drawn.
    pub origin: Vec2,
    /// At the selected run's current point: the curvature along the gradient g'Hg / g'g and
    /// the run's lr there.
    pub along_gradient: Option<(f64, f64)>,
}

/// Spectrum of the objective where [`theory::point_of_analysis`] takes it: exact at a
/// quadratic's minimum, else at the selected run's point on screen.
#[must_use]
pub fn analysis(session: &Session, selected_run: usize) -> Option<Analysis> {
    let run = session.sim_index(selected_run);
    let sample = run.and_then(|k| {
        session.sim().runs()[k]
            .trajectory()
            .at_step(session.shown_step())
    });
    let run_point = sample.map(|s| s.point);
    // At the run's point (a quadratic's analysis is at its minimum, where g = 0).
    let along_gradient = sample.and_then(|s| {
        let f = &session.scenario().objective;
        let c = theory::curvature_along_gradient(f.gradient(s.point), &f.hessian(s.point))?;
        c.is_finite().then_some((c, s.lr))
    });
    let point = theory::point_of_analysis(&session.scenario().objective, run_point)?;
    let at = match point.site {
        Site::QuadraticMinimum => "at the minimum (exact: a quadratic)".to_owned(),
        Site::Local => {
            let label = run.map_or("", |k| {
                session.scenario().runs[session.spec_index(k)]
                    .label
                    .as_str()
            });
            format!("at {label}'s current point")
        }
    };
    Some(Analysis {
        spectrum: point.spectrum,
        character: point.character,
        grad_norm: point.gradient.x.hypot(point.gradient.y),
        at,
        minimum: point.minimum(),
        origin: point.at,
        along_gradient,
    })
}

/// The panel's cached momentum map.
#[derive(Default)]
pub struct TheoryPanel {
    map: Option<MomentumMap>,
}

/// The map's numbers and their picture, for the eigenvalues in `key`.
struct MomentumMap {
    key: [u64; 2],
    texture: TextureHandle,
    map: HeavyBallMap,
}

impl TheoryPanel {
    /// Draws the panel; clicks on the curves become edits of the selected run.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        session: &Session,
        selected_run: usize,
        out: &mut Vec<Command>,
    ) {
        ui.heading("Theory");
        let Some(an) = analysis(session, selected_run) else {
            ui.label("No spectrum: the selected run has no finite point here.");
            return;
        };
        spectrum_ui(ui, &an);
        let s = &an.spectrum;
        egui::CollapsingHeader::new("Gradient descent: rate against step size")
            .default_open(true)
            .show(ui, |ui| match GdRateCurve::new(s, CURVE_SAMPLES) {
                Some(curve) => gd_curve_ui(ui, session, &curve, selected_run, out),
                None => {
                    ui.label(no_rate_theory(&an, "The rate curve"));
                }
            });
        egui::CollapsingHeader::new("Heavy-ball momentum: rate over (a, b)")
            .default_open(true)
            .show(ui, |ui| {
                if !self.momentum_map_ui(ui, session, s, selected_run, out) {
                    ui.label(no_rate_theory(&an, "The momentum map"));
                }
            });
        egui::CollapsingHeader::new("Measured against predicted")
            .default_open(true)
            .show(ui, |ui| match an.minimum {
                Some(x_star) => measured_vs_predicted_ui(ui, session, s, x_star),
                None => {
                    ui.label(
                        "Rates are predicted for quadratics; on this objective the spectrum \
                         above is local. `optiviz analyze` gives local rates at the minima.",
                    );
                }
            });
        egui::CollapsingHeader::new("Error in the eigenbasis (selected run)")
            .default_open(false)
            .show(ui, |ui| match an.minimum {
                Some(x_star) => eigen_errors_ui(ui, session, s, x_star, selected_run),
                None => {
                    ui.label("Shown for quadratics, whose eigenbasis is the same everywhere.");
                }
            });
        egui::CollapsingHeader::new("Effective step sizes (adaptive optimizers)")
            .default_open(false)
            .show(ui, |ui| effective_steps_ui(ui, session));
    }

    /// Draws the rate map (cached per spectrum); false when there is none (not a minimum).
    fn momentum_map_ui(
        &mut self,
        ui: &mut egui::Ui,
        session: &Session,
        s: &Spectrum,
        selected_run: usize,
        out: &mut Vec<Command>,
    ) -> bool {
        let eigs = s.eigenvalues;
        let key = [eigs[0].to_bits(), eigs[1].to_bits()];
        if self.map.as_ref().is_none_or(|m| m.key != key) {
            self.map = HeavyBallMap::new(s, MAP_SIZE).map(|map| MomentumMap {
                key,
                texture: map_texture(ui.ctx(), &map),
                map,
            });
        }
        let Some(MomentumMap { texture, map, .. }) = &self.map else {
            return false;
        };
        let (a_star, b_star) = map.optimum;
        let response = Plot::new("momentum-map")
            .height(220.0)
            .x_axis_label("step size a (lr)")
            .y_axis_label("momentum b")
            .include_x(0.0)
            .include_x(map.a_max)
            .include_y(0.0)
            .include_y(1.0)
            .allow_drag(false)
            .allow_zoom(false)
            .allow_scroll(false)
            .show(ui, |plot_ui| {
                plot_ui.image(
                    PlotImage::new(
                        "rate",
                        texture.id(),
                        PlotPoint::new(map.a_max / 2.0, 0.5),
                        #[allow(
                            clippy::cast_possible_truncation,
                            reason = "a plot coordinate; f32 precision is plenty"
                        )]
                        egui::vec2(map.a_max as f32, 1.0),
                    )
                    .allow_hover(false),
                );
                map_lines(plot_ui, map);
                plot_ui.points(
                    Points::new(
                        format!(
                            "optimal a* = {}, b* = {}",
                            crate::ui::widgets::fmt_num(a_star),
                            crate::ui::widgets::fmt_num(b_star)
                        ),
                        vec![[a_star, b_star]],
                    )
                    .shape(egui_plot::MarkerShape::Diamond)
                    .radius(6.0)
                    .color(Color32::WHITE),
                );
                let runs = session.scenario().runs.iter().zip(&session.spec().runs);
                for (k, (r, spec)) in runs.enumerate() {
                    if let Some((a, b)) = theory::heavy_ball_params(&spec.optimizer) {
                        plot_ui.points(
                            Points::new(r.label.clone(), vec![[a, b]])
                                .radius(if k == selected_run { 6.0 } else { 4.5 })
                                .color(crate::ui::theme::run_color(plot_ui.ctx(), r.color)),
                        );
                    }
                }
                plot_ui.pointer_coordinate()
            });
        response.response.widget_info(|| {
            egui::WidgetInfo::labeled(egui::Role::Canvas, true, "momentum rate map")
        });
        if response.response.clicked()
            && let Some(p) = response.inner
        {
            let (a, b) = (p.x.clamp(1e-9, map.a_max), p.y.clamp(0.0, map.b_max));
            out.extend(set_params(session, selected_run, a, Some(b)));
        }
        ui.label(
            egui::RichText::new(
                "Colour: convergence rate on a log scale (dark = as fast as the optimum, \
                 yellow = slow, grey = diverges); lines: rates 1 - (1 - r*) c; dashed: the \
                 divergence edge a = 2(1 + b)/l_max, which momentum moves out from GD's \
                 2/l_max. Click to set the selected run's lr and momentum.",
            )
            .small(),
        );
        true
    }
}

/// The momentum map's lines: equal rates, and the divergence edge dashed.
fn map_lines(plot_ui: &mut egui_plot::PlotUi<'_>, map: &HeavyBallMap) {
    for line in &map.iso_rates {
        plot_ui.line(
            plot_items::line(
                format!("rate {}", crate::ui::widgets::fmt_num(line.rate)),
                PlotPoints::from(line.points.clone()),
            )
            .color(Color32::from_white_alpha(150))
            .width(1.0)
            .allow_hover(false),
        );
    }
    plot_ui.line(
        plot_items::line(
            "divergence edge a = 2(1 + b)/l_max",
            PlotPoints::from(map.edge.to_vec()),
        )
        .color(Color32::WHITE)
        .style(LineStyle::dashed_loose())
        .width(1.5)
        .allow_hover(false),
    );
}

/// Why `what` (a rate curve or map) is not drawn here.
fn no_rate_theory(an: &Analysis, what: &str) -> String {
    if an.character == Character::Stationary(PointKind::Degenerate) {
        format!("{what} needs curvature: at a degenerate point there is no linear rate.")
    } else {
        format!("{what} needs a minimum (all eigenvalues > 0).")
    }
}

/// Eigenvalues, eigenvectors, kappa and the kind of point.
fn spectrum_ui(ui: &mut egui::Ui, an: &Analysis) {
    let s = &an.spectrum;
    let n = crate::ui::widgets::fmt_num;
    egui::Grid::new("spectrum").num_columns(2).show(ui, |ui| {
        ui.label("Hessian");
        ui.label(&an.at);
        ui.end_row();
        ui.label("eigenvalues");
        ui.monospace(format!(
            "l_min = {}   l_max = {}",
            n(s.eigenvalues[0]),
            n(s.eigenvalues[1])
        ));
        ui.end_row();
        ui.label("eigenvectors");
        let v = |v: Vec2| format!("({}, {})", n(v.x), n(v.y));
        ui.monospace(format!(
            "{}   {}",
            v(s.eigenvectors[0]),
            v(s.eigenvectors[1])
        ));
        ui.end_row();
        ui.label("kappa");
        ui.monospace(if s.kappa.is_finite() {
            n(s.kappa)
        } else {
            "infinite (singular)".to_owned()
        });
        ui.end_row();
        ui.label("point");
        ui.monospace(match an.character {
            Character::NotStationary => format!("not stationary, |g| = {}", n(an.grad_norm)),
            Character::Stationary(kind) => match kind {
                PointKind::Minimum => "minimum (both eigenvalues > 0)",
                PointKind::Maximum => "maximum (both eigenvalues < 0)",
                PointKind::Saddle => "saddle (eigenvalues of both signs)",
                PointKind::Degenerate => "degenerate: no linear rate (the curvature vanishes)",
            }
            .to_owned(),
        });
        ui.end_row();
        if let Some((c, lr)) = an.along_gradient {
            ui.label("along -g").on_hover_text(
                "At the selected run's point: the second-order model's loss along -g falls \
                     for a step a while a/2 g'Hg < g'g, i.e. a < 2 g'g / g'Hg, and rises beyond",
            );
            let verdict = if c > 0.0 && lr / 2.0 * c > 1.0 {
                "rises"
            } else {
                "falls"
            };
            ui.monospace(format!("g'Hg/g'g = {}", n(c)));
            ui.end_row();
            ui.label("");
            ui.monospace(if c > 0.0 {
                format!("rises for lr > {} (lr {}: {verdict})", n(2.0 / c), n(lr))
            } else {
                "never rises (g'Hg <= 0)".to_owned()
            });
            ui.end_row();
        }
    });
}

/// An edit that sets the selected run's lr (and momentum, turning GD into SGD if needed).
fn set_params(session: &Session, run: usize, lr: f64, momentum: Option<f64>) -> Option<Command> {
    let mut spec = session.spec().clone();
    let r = spec.runs.get_mut(run)?;
    match (momentum, &mut r.optimizer) {
        (None, o) => o.set_lr(lr),
        (Some(b), OptimizerSpec::SGD(p)) => {
            p.lr = lr;
            p.momentum = b;
        }
        (Some(b), o) => {
            *o = OptimizerSpec::SGD(SgdParams {
                lr,
                momentum: b,
                ..SgdParams::default()
            });
        }
    }
    Some(Command::Edit(Box::new(spec)))
}

/// |1 - a l_i| for each eigenvalue and their maximum against log10(a), with the regions, the
/// named step sizes and each GD run's a.
#[allow(
    clippy::too_many_lines,
    reason = "one plot: its items are listed in drawing order"
)]
fn gd_curve_ui(
    ui: &mut egui::Ui,
    session: &Session,
    curve: &GdRateCurve,
    selected_run: usize,
    out: &mut Vec<Command>,
) {
    let (lo, hi) = curve.log10_a_range;
    // The y axis ends at 2, the rate at the right end a = 3 / l_max: rounding must not
    // stretch it.
    let points = |value: fn(&GdRateSample) -> f64| -> Vec<[f64; 2]> {
        curve
            .samples
            .iter()
            .map(|p| [p.log10_a, value(p).min(2.0)])
            .collect()
    };
    let edge1 = curve.one_over_l_step.log10();
    let edge2 = curve.divergence_step.log10();
    let region = |name: &str, x0: f64, x1: f64, c: Color32| {
        Polygon::new(
            name,
            PlotPoints::from(vec![[x0, 0.0], [x1, 0.0], [x1, 2.0], [x0, 2.0]]),
        )
        .fill_color(c)
        .stroke(egui::Stroke::NONE)
        .allow_hover(false)
    };
    let a_star = curve.optimal_step;
    let ink = neutral_ink(ui);
    let response = Plot::new("gd-rate")
        .height(220.0)
        .x_axis_label("step size a (log scale)")
        .y_axis_label("rate per step")
        .x_axis_formatter(|m, _| crate::ui::widgets::fmt_num(10f64.powf(m.value)))
        .include_x(lo)
        .include_x(hi)
        .include_y(0.0)
        .include_y(1.5)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .show(ui, |plot_ui| {
            plot_ui.polygon(region(
                "monotone: a l_max <= 1",
                lo,
                edge1,
                Color32::from_rgba_unmultiplied(40, 160, 90, 40),
            ));
            plot_ui.polygon(region(
                "oscillating: 1 < a l_max < 2",
                edge1,
                edge2,
                Color32::from_rgba_unmultiplied(230, 180, 40, 40),
            ));
            plot_ui.polygon(region(
                "diverging: a l_max >= 2",
                edge2,
                hi,
                Color32::from_rgba_unmultiplied(220, 60, 60, 50),
            ));
            // The eigen-directions' ink, as everywhere: dashed l_min, dotted l_max; the
            // rate, their maximum, solid and thick. Run colours are only for runs.
            plot_ui.line(
                plot_items::line(
                    "|1 - a l_min|",
                    PlotPoints::from(points(|p| p.factor_l_min)),
                )
                .color(ink)
                .style(LineStyle::dashed_loose())
                .width(1.5),
            );
            plot_ui.line(
                plot_items::line(
                    "|1 - a l_max|",
                    PlotPoints::from(points(|p| p.factor_l_max)),
                )
                .color(ink)
                .style(LineStyle::dotted_dense())
                .width(1.5),
            );
            plot_ui.line(
                plot_items::line(
                    "rate = max_i |1 - a l_i|",
                    PlotPoints::from(points(|p| p.rate)),
                )
                .color(ink)
                .width(2.5),
            );
            for (name, a, style) in [
                (
                    format!(
                        "a* = 2/(l_min + l_max) = {}",
                        crate::ui::widgets::fmt_num(a_star)
                    ),
                    a_star,
                    LineStyle::Solid,
                ),
                (
                    format!(
                        "1/L = {}",
                        crate::ui::widgets::fmt_num(curve.one_over_l_step)
                    ),
                    curve.one_over_l_step,
                    LineStyle::dashed_loose(),
                ),
                (
                    format!(
                        "edge 2/l_max = {}",
                        crate::ui::widgets::fmt_num(curve.divergence_step)
                    ),
                    curve.divergence_step,
                    LineStyle::dotted_dense(),
                ),
            ] {
                plot_ui.vline(
                    VLine::new(name, a.log10())
                        .style(style)
                        .color(Color32::from_gray(200)),
                );
            }
            let runs = session.scenario().runs.iter().zip(&session.spec().runs);
            for (k, (r, spec)) in runs.enumerate() {
                if let Some((a, 0.0)) = theory::heavy_ball_params(&spec.optimizer) {
                    plot_ui.points(
                        Points::new(
                            r.label.clone(),
                            vec![[a.log10(), curve.rate_at(a).min(2.0)]],
                        )
                        .radius(if k == selected_run { 6.0 } else { 4.5 })
                        .color(crate::ui::theme::run_color(plot_ui.ctx(), r.color)),
                    );
                }
            }
            plot_ui.pointer_coordinate()
        });
    response
        .response
        .widget_info(|| egui::WidgetInfo::labeled(egui::Role::Canvas, true, "GD rate curve"));
    if response.response.clicked()
        && let Some(p) = response.inner
    {
        out.extend(set_params(
            session,
            selected_run,
            10f64.powf(p.x.clamp(lo, hi)),
            None,
        ));
    }
    ui.label(
        egui::RichText::new(
            "Solid: the rate max_i |1 - a l_i|; dashed |1 - a l_min|, dotted |1 - a l_max|. \
             Green, yellow, red: monotone, oscillating, diverging. Vertical lines: 1/L, a*, \
             2/l_max (hover for values). Click to set the selected run's learning rate.",
        )
        .small(),
    );
}

/// The ink of theory's own curves and the eigen-directions: near white on dark, near black on
/// light themes, never a run's colour.
fn neutral_ink(ui: &egui::Ui) -> Color32 {
    if ui.visuals().dark_mode {
        Color32::from_gray(235)
    } else {
        Color32::from_gray(20)
    }
}

/// The rate map as a picture: the heat maps' colour map (not the theme's wash: these are
/// rates, not heights) by speed on a log scale, grey where it diverges.
fn map_texture(ctx: &egui::Context, map: &HeavyBallMap) -> TextureHandle {
    let mut pixels = Vec::with_capacity(map.nx * map.ny);
    // Image rows run top down, the map's rows from b = 0 up.
    for j in (0..map.ny).rev() {
        for i in 0..map.nx {
            let r = map.rate(i, j);
            pixels.push(if r.is_finite() && r < 1.0 {
                // Steps per decade on a log scale: 1 at the optimum (dark), 0 as r -> 1.
                let u = ((1.0 - map.optimal_rate).ln() / (1.0 - r).ln()).clamp(0.0, 1.0);
                let [r, g, b] = ColorMap::Viridis.eval(1.0 - u);
                Color32::from_rgb(r, g, b)
            } else {
                Color32::from_gray(70)
            });
        }
    }
    ctx.load_texture(
        "momentum-map",
        ColorImage::new([map.nx, map.ny], pixels),
        TextureOptions::LINEAR,
    )
}

/// log10 |x_k - x*| for every run with the predicted rate^k dashed beside it, and the numbers.
fn measured_vs_predicted_ui(ui: &mut egui::Ui, session: &Session, s: &Spectrum, x_star: Vec2) {
    let step = session.shown_step();
    let mut rows = Vec::new();
    // A legend row above the plot: six entries over the curves would hide them.
    let entries: Vec<plot_items::LegendEntry> = (0..session.sim().runs().len())
        .map(|k| {
            let checked = &session.scenario().runs[session.spec_index(k)];
            plot_items::LegendEntry {
                label: checked.label.clone(),
                color: crate::ui::theme::run_color(ui.ctx(), checked.color),
                dashed: false,
            }
        })
        .collect();
    plot_items::legend_row(ui, &entries, 2.0);
    ui.label(
        egui::RichText::new("solid: measured |x_k - x*|; dashed: predicted C rate^k")
            .small()
            .weak(),
    );
    let plot = Plot::new("measured-vs-predicted")
        .height(200.0)
        .y_axis_label("|x_k - x*| (log scale)");
    let plot = plot_items::step_x_axis(plot, ui, "step k");
    // At least one whole decade around the start's error, so the axis has labels at once.
    let response = plot_items::log_y_axis(plot, ui, Some((-1.0, 1.0)))
        // The wheel scrolls the panel: a static figure never pans into an empty range.
        .allow_scroll(false)
        .allow_zoom(false)
        .allow_drag(false)
        .show(ui, |plot_ui| {
            for (k, run) in session.sim().runs().iter().enumerate() {
                let checked = &session.scenario().runs[session.spec_index(k)];
                let RunFit {
                    measured,
                    predicted,
                    prediction,
                    fit,
                    ..
                } = RunFit::new(
                    run.trajectory(),
                    x_star,
                    predict(&checked.config, &s.eigenvalues),
                    step,
                    TIME_POINTS,
                );
                let color = crate::ui::theme::run_color(plot_ui.ctx(), checked.color);
                plot_ui.line(
                    plot_items::line(checked.label.clone(), PlotPoints::from(measured))
                        .color(color)
                        .width(2.0),
                );
                if !predicted.is_empty() {
                    plot_ui.line(
                        plot_items::line(
                            format!("{} predicted", checked.label),
                            PlotPoints::from(predicted),
                        )
                        .color(color)
                        .style(LineStyle::dashed_dense())
                        .width(1.2),
                    );
                }
                let measured_rate = fit.map(|f| f.rate);
                rows.push((checked.label.clone(), prediction, measured_rate));
            }
        });
    response.response.widget_info(|| {
        egui::WidgetInfo::labeled(egui::Role::Canvas, true, "measured against predicted")
    });
    let n = crate::ui::widgets::fmt_num;
    egui::Grid::new("rates")
        .num_columns(3)
        .striped(true)
        .show(ui, |ui| {
            ui.strong("run");
            ui.strong("predicted rate");
            ui.strong("measured");
            ui.end_row();
            for (label, prediction, measured) in rows {
                ui.label(label);
                match prediction {
                    Prediction::Rate { rate, formula, .. } => {
                        ui.monospace(n(rate)).on_hover_text(formula);
                    }
                    Prediction::NoClosedForm(why) => {
                        ui.label("-").on_hover_text(why);
                    }
                }
                ui.monospace(measured.map_or_else(|| "-".to_owned(), n));
                ui.end_row();
            }
        });
}

/// The selected run's error in the eigenbasis: one coordinate per eigenvector, over k.
fn eigen_errors_ui(
    ui: &mut egui::Ui,
    session: &Session,
    s: &Spectrum,
    x_star: Vec2,
    selected_run: usize,
) {
    let Some(k) = session.sim_index(selected_run) else {
        ui.label("The selected run is disabled.");
        return;
    };
    let EigenErrors {
        along_min,
        along_max,
    } = EigenErrors::new(
        session.sim().runs()[k].trajectory(),
        x_star,
        s.eigenvectors,
        session.shown_step(),
        TIME_POINTS,
    );
    // The eigen-directions' own ink (never a run's colour): dashed v_min, dotted v_max, as
    // the axes on the contour plot.
    let ink = neutral_ink(ui);
    let plot = Plot::new("eigen-components").height(180.0);
    plot_items::step_x_axis(plot, ui, "step k")
        .y_axis_label("error coordinate")
        .legend(
            Legend::default()
                .position(egui_plot::Corner::RightTop)
                .follow_insertion_order(true)
                .background_alpha(0.8),
        )
        .allow_scroll(false)
        .allow_zoom(false)
        .allow_drag(false)
        .show(ui, |plot_ui| {
            plot_ui.line(
                plot_items::line("along v_min (slow, l_min)", PlotPoints::from(along_min))
                    .color(ink)
                    .style(LineStyle::dashed_loose())
                    .width(2.0),
            );
            plot_ui.line(
                plot_items::line("along v_max (steep, l_max)", PlotPoints::from(along_max))
                    .color(ink)
                    .style(LineStyle::dotted_dense())
                    .width(2.0),
            );
        });
}

/// Per-coordinate effective step sizes of runs that have them, over k.
fn effective_steps_ui(ui: &mut egui::Ui, session: &Session) {
    let step = session.shown_step();
    let mut any = false;
    let plot = Plot::new("effective-steps").height(180.0);
    let response = plot_items::step_x_axis(plot, ui, "step k")
        .y_axis_label("effective step size (log scale)")
        .y_axis_formatter(|m, _| crate::ui::widgets::fmt_num(10f64.powf(m.value)))
        .legend(
            Legend::default()
                .position(egui_plot::Corner::RightTop)
                .follow_insertion_order(true)
                .background_alpha(0.8),
        )
        .allow_scroll(false)
        .allow_zoom(false)
        .allow_drag(false)
        .show(ui, |plot_ui| {
            for (k, run) in session.sim().runs().iter().enumerate() {
                let Some(EffectiveSteps { x: ex, y: ey }) =
                    EffectiveSteps::new(run.trajectory(), step, TIME_POINTS)
                else {
                    continue;
                };
                any = true;
                let checked = &session.scenario().runs[session.spec_index(k)];
                let color = crate::ui::theme::run_color(plot_ui.ctx(), checked.color);
                plot_ui.line(
                    plot_items::line(format!("{}: x", checked.label), PlotPoints::from(ex))
                        .color(color)
                        .width(2.0),
                );
                plot_ui.line(
                    plot_items::line(format!("{}: y", checked.label), PlotPoints::from(ey))
                        .color(color)
                        .style(LineStyle::dashed_dense())
                        .width(2.0),
                );
            }
        });
    drop(response);
    if !any {
        ui.label("No run here has per-coordinate step sizes (AdaGrad, RMSprop, Adam family).");
    }
}
