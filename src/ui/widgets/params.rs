//! Editors for every hyperparameter of every optimizer, and for schedules, clipping and
//! averaging. Ranges follow what each parameter allows (and include absurd values students will
//! try); tooltips say what the parameter does; double-click restores torch's default (Edit >
//! Revert to preset brings back the preset's values).

use crate::numerics::optimizers::OptimizerSpec;
use crate::numerics::optimizers::knobs::{Knobs, Real, Scale};
use crate::numerics::run::{Averaging, Clip};
use crate::numerics::schedule::{MomentumSchedule, Schedule, ThresholdMode};
use crate::ui::widgets::{integer, slider, toggle};
use egui::Ui;

/// Learning rates from far too small to absurd.
/// The learning-rate sliders' range.
pub const LR: std::ops::RangeInclusive<f64> = 1e-6..=1e3;

/// What the learning rate does (the other hyperparameters describe themselves in their
/// optimizer's file, `numerics::optimizers::knobs`).
const LR_HELP: &str = "Learning rate (step size): how far each update moves along its direction.";

/// Where a run's learning rate matters, for its slider's range and its reset value.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LrContext {
    /// The preset's learning rate for this run (as opened or saved), if it has this optimizer.
    pub preset: Option<f64>,
    /// The largest Hessian eigenvalue when the objective is a quadratic.
    pub l_max: Option<f64>,
}

/// The learning-rate slider's range and scale (true: logarithmic) for `spec`, so that the
/// values the lesson is about get most of the slider. On a quadratic, for the methods whose
/// divergence edge theory knows (GD, heavy-ball SGD), a linear scale up to 1.25 times that
/// edge: crawling, zig-zagging and blowing up each get their share. Otherwise a logarithmic
/// scale over 1/30 to 30 times the preset's value (or torch's default). The range never
/// depends on the current value except to include it, so it stays put while dragged; typed
/// values outside it are accepted (the scenario checks them).
#[must_use]
pub fn lr_slider_range(
    spec: &OptimizerSpec,
    cx: LrContext,
) -> (std::ops::RangeInclusive<f64>, bool) {
    let clamp = |v: f64| v.clamp(*LR.start(), *LR.end());
    let current = spec.lr();
    let edge = cx
        .l_max
        .and_then(|l| crate::numerics::theory::divergence_edge(spec, l));
    let (lo, hi, log) = match edge {
        Some(edge) if edge.is_finite() && edge > 0.0 => (edge / 500.0, 1.25 * edge, false),
        _ => {
            let reference = cx.preset.unwrap_or_else(|| torch_default_lr(spec));
            (reference / 30.0, reference * 30.0, true)
        }
    };
    let (lo, hi) = if current.is_finite() && current > 0.0 {
        (lo.min(current), hi.max(current))
    } else {
        (lo, hi)
    };
    (clamp(lo)..=clamp(hi), log)
}

/// torch's default momentum of `spec`'s optimizer (0 for SGD and RMSprop).
#[must_use]
pub fn torch_default_momentum(spec: &OptimizerSpec) -> f64 {
    let mut d = OptimizerSpec::all_defaults()
        .into_iter()
        .find(|d| d.name() == spec.name())
        .unwrap_or_else(|| spec.clone());
    d.momentum_mut().map_or(0.0, |m| *m)
}

/// torch's default learning rate of `spec`'s optimizer.
fn torch_default_lr(spec: &OptimizerSpec) -> f64 {
    OptimizerSpec::all_defaults()
        .into_iter()
        .find(|d| d.name() == spec.name())
        .map_or(0.01, |d| d.lr())
}

/// The learning-rate slider: its range from [`lr_slider_range`] (around the preset's value);
/// double-click restores torch's default, as every hyperparameter's slider does.
pub fn lr_ui(ui: &mut Ui, spec: &mut OptimizerSpec, cx: LrContext) -> bool {
    let (range, log) = lr_slider_range(spec, cx);
    let default = torch_default_lr(spec);
    let tooltip = format!("{LR_HELP}\nType any value into the box.");
    let mut v = spec.lr();
    let changed = crate::ui::widgets::slider_typed(ui, "lr", &mut v, range, default, log, &tooltip);
    if changed {
        spec.set_lr(v);
    }
    changed
}

/// Kind selector plus every hyperparameter of the chosen optimizer. Returns true on change.
pub fn optimizer_ui(ui: &mut Ui, spec: &mut OptimizerSpec, id: egui::Id, lr: LrContext) -> bool {
    let mut changed = false;
    let current = spec.name();
    egui::ComboBox::from_id_salt(id.with("kind"))
        .selected_text(current)
        .width(160.0)
        .show_ui(ui, |ui| {
            for candidate in OptimizerSpec::all_defaults() {
                let name = candidate.name();
                if ui.selectable_label(name == current, name).clicked() && name != current {
                    // Keep the learning rate: comparing methods at one step size is the usual question.
                    let lr = spec.lr();
                    *spec = candidate;
                    spec.set_lr(lr);
                    changed = true;
                }
            }
        })
        .response
        .on_hover_text("Optimizer (torch.optim's name, equations and defaults)");
    changed |= lr_ui(ui, spec, lr);
    let before = spec.clone();
    spec.knobs(&mut Editor { ui });
    changed || *spec != before
}

/// The app's side of [`Knobs`]: each knob as a labelled row (slider, check box, number or
/// choice) whose label shows what it does and whose double-click restores torch's default.
struct Editor<'a> {
    ui: &'a mut Ui,
}

impl Knobs for Editor<'_> {
    fn real(&mut self, knob: Real, value: &mut f64) {
        let Real {
            name,
            range,
            scale,
            default,
            help,
        } = knob;
        match scale {
            Scale::Linear | Scale::Log => {
                slider(
                    self.ui,
                    name,
                    value,
                    range,
                    default,
                    scale == Scale::Log,
                    help,
                );
            }
            Scale::LogFromZero { smallest } => {
                from_zero(self.ui, name, value, range, smallest, default, help);
            }
        }
    }

    fn flag(&mut self, name: &'static str, value: &mut bool, default: bool, help: &'static str) {
        toggle(self.ui, name, value, default, help);
    }

    fn count(
        &mut self,
        name: &'static str,
        value: &mut usize,
        range: std::ops::RangeInclusive<usize>,
        default: usize,
        help: &'static str,
    ) {
        integer(self.ui, name, value, range, default, help);
    }

    fn choice(
        &mut self,
        name: &'static str,
        value: &mut usize,
        options: &'static [&'static str],
        help: &'static str,
    ) {
        // Wrapped: Muon's adjust_lr_fn has three long names.
        self.ui.horizontal_wrapped(|ui| {
            ui.add_sized(
                [112.0, ui.spacing().interact_size.y],
                egui::Label::new(name),
            )
            .on_hover_text(help);
            for (i, option) in options.iter().enumerate() {
                ui.radio_value(value, i, *option);
            }
        });
    }

    fn optional_count(
        &mut self,
        name: &'static str,
        value: &mut Option<usize>,
        automatic: &'static str,
        range: std::ops::RangeInclusive<usize>,
        manual: usize,
        help: &'static str,
    ) {
        let mut auto = value.is_none();
        self.ui.horizontal(|ui| {
            let label = ui
                .add_sized(
                    [112.0, ui.spacing().interact_size.y],
                    egui::Label::new(name),
                )
                .on_hover_text(help);
            ui.checkbox(&mut auto, automatic);
            if let Some(v) = value.as_mut() {
                ui.add(
                    egui::DragValue::new(v)
                        .range(range)
                        .clamp_existing_to_range(false),
                )
                .labelled_by(label.id);
            }
        });
        match (auto, *value) {
            (true, Some(_)) => *value = None,
            (false, None) => *value = Some(manual),
            _ => {}
        }
    }
}

/// A slider over 0 and `smallest`..`range.end()` on a log scale (weight decay), with the
/// label's and the slider's double-click restoring `default`.
fn from_zero(
    ui: &mut Ui,
    name: &str,
    value: &mut f64,
    range: std::ops::RangeInclusive<f64>,
    smallest: f64,
    default: f64,
    help: &str,
) {
    let help = format!(
        "{help}\n{}",
        crate::ui::widgets::default_text(&default.to_string())
    );
    ui.horizontal(|ui| {
        let l = ui
            .add_sized(
                [112.0, ui.spacing().interact_size.y],
                egui::Label::new(name).sense(egui::Sense::click()),
            )
            .on_hover_text(&help);
        let s = ui
            .add(
                egui::Slider::new(value, range)
                    .clamping(egui::SliderClamping::Edits)
                    .logarithmic(true)
                    .smallest_positive(smallest)
                    .custom_formatter(|x, _| crate::ui::widgets::fmt_num(x)),
            )
            .on_hover_text(&help);
        if l.double_clicked() || s.double_clicked() {
            *value = default;
        }
    });
}

/// The schedules offered, with defaults scaled to the scenario's length.
fn schedule_choices(steps: usize) -> [Schedule; 8] {
    [
        Schedule::Constant,
        Schedule::Step {
            step_size: (steps / 5).max(1),
            gamma: 0.5,
        },
        Schedule::Exponential { gamma: 0.99 },
        Schedule::LinearDecay {
            tau: (steps / 2).max(1),
            lr_tau: 1e-4,
        },
        Schedule::Cosine {
            t_max: steps,
            eta_min: 0.0,
        },
        Schedule::Warmup {
            steps: (steps / 10).max(1),
            start_factor: 0.1,
        },
        Schedule::InverseTime {
            tau: (steps / 20).max(1),
            power: 1.0,
        },
        crate::numerics::schedule::reduce_on_plateau(),
    ]
}

/// Learning-rate schedule editor.
pub fn schedule_ui(ui: &mut Ui, s: &mut Schedule, steps: usize, id: egui::Id) -> bool {
    let mut changed = false;
    let steps = steps.max(1);
    let options = schedule_choices(steps);
    ui.horizontal(|ui| {
        let name = ui
            .add_sized(
                [112.0, ui.spacing().interact_size.y],
                egui::Label::new("schedule"),
            )
            .on_hover_text("Learning-rate schedule: lr at step k = lr * factor(k)");
        egui::ComboBox::from_id_salt(id.with("schedule"))
            .selected_text(s.name())
            .show_ui(ui, |ui| {
                for o in &options {
                    if ui
                        .selectable_label(o.name() == s.name(), o.name())
                        .clicked()
                        && o.name() != s.name()
                    {
                        *s = o.clone();
                        changed = true;
                    }
                }
            })
            .response
            .labelled_by(name.id);
    });
    let changed = changed | schedule_params(ui, s, steps);
    schedule_preview(ui, s, steps, id);
    changed
}

/// Points of the schedule preview.
const PREVIEW_POINTS: usize = 200;

/// The schedule's factor lr_k / lr over the step budget, as a small plot under its sliders;
/// ReduceLROnPlateau, which follows the run's losses, says where its rates are shown instead.
#[allow(clippy::cast_precision_loss, reason = "step counts far below 2^52")]
fn schedule_preview(ui: &mut Ui, s: &Schedule, steps: usize, id: egui::Id) {
    match s {
        Schedule::Constant => return,
        Schedule::ReduceOnPlateau { .. } => {
            ui.label(
                egui::RichText::new(
                    "its rates follow the run's losses: the lr of every step is recorded \
                     (`optiviz run`'s lr column, the theory panel's effective step sizes)",
                )
                .small(),
            );
            return;
        }
        _ => {}
    }
    let points: Vec<[f64; 2]> = (0..PREVIEW_POINTS)
        .map(|j| {
            let k = j * steps / (PREVIEW_POINTS - 1);
            [k as f64, s.lr(1.0, k)]
        })
        .collect();
    let height = 3.0 * ui.text_style_height(&egui::TextStyle::Small);
    let ink = ui.visuals().text_color();
    egui_plot::Plot::new(id.with("schedule-preview"))
        .height(height)
        .show_axes([false, true])
        .show_grid(false)
        .include_y(0.0)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .allow_boxed_zoom(false)
        .show_x(true)
        .show_y(true)
        .label_formatter(|pos| match pos {
            egui_plot::HoverPosition::NearDataPoint { position, .. } => Some(format!(
                "step {:.0}\nlr_k / lr = {}",
                position.x,
                super::fmt_num(position.y)
            )),
            egui_plot::HoverPosition::Elsewhere { .. } => None,
        })
        .show(ui, |plot_ui| {
            plot_ui.line(
                super::plot_items::line("lr_k / lr", points)
                    .color(ink)
                    .width(1.5),
            );
        })
        .response
        .on_hover_text("The schedule's factor lr_k / lr over the step budget")
        // Screen readers (and UI tests) find it by this name.
        .widget_info(|| egui::WidgetInfo::labeled(egui::Role::Canvas, true, "schedule preview"));
}

/// Sliders for the chosen schedule's parameters.
fn schedule_params(ui: &mut Ui, s: &mut Schedule, steps: usize) -> bool {
    let max = steps.max(10);
    match s {
        Schedule::Constant => false,
        Schedule::Step { step_size, gamma } => {
            integer(
                ui,
                "step_size",
                step_size,
                1..=max,
                (steps / 5).max(1),
                "Steps between decays",
            ) | slider(
                ui,
                "gamma",
                gamma,
                0.01..=1.0,
                0.5,
                false,
                "Multiply lr by gamma every step_size steps",
            )
        }
        Schedule::Exponential { gamma } => slider(
            ui,
            "gamma",
            gamma,
            0.9..=1.0,
            0.99,
            false,
            "Multiply lr by gamma every step",
        ),
        Schedule::LinearDecay { tau, lr_tau } => {
            integer(
                ui,
                "tau",
                tau,
                1..=max,
                (steps / 2).max(1),
                "Step at which the linear decay ends",
            ) | slider(
                ui,
                "lr_tau",
                lr_tau,
                LR,
                1e-4,
                true,
                "Learning rate from step tau on",
            )
        }
        Schedule::Cosine { t_max, eta_min } => {
            integer(
                ui,
                "t_max",
                t_max,
                1..=max,
                steps,
                "Half period of the cosine in steps",
            ) | slider(
                ui,
                "eta_min",
                eta_min,
                0.0..=1.0,
                0.0,
                false,
                "Lowest learning rate",
            )
        }
        Schedule::Warmup {
            steps: w,
            start_factor,
        } => {
            integer(
                ui,
                "warm-up steps",
                w,
                1..=max,
                (steps / 10).max(1),
                "Steps of linear warm-up",
            ) | slider(
                ui,
                "start_factor",
                start_factor,
                0.001..=1.0,
                0.1,
                true,
                "lr factor at step 0",
            )
        }
        Schedule::InverseTime { .. } => inverse_time_params(ui, s, steps),
        Schedule::ReduceOnPlateau { .. } => plateau_params(ui, s, steps),
    }
}

/// Sliders for torch's ReduceLROnPlateau (its defaults on double-click).
fn plateau_params(ui: &mut Ui, s: &mut Schedule, steps: usize) -> bool {
    let Schedule::ReduceOnPlateau {
        factor,
        patience,
        threshold,
        threshold_mode,
        cooldown,
        min_lr,
        ..
    } = s
    else {
        return false;
    };
    let mut relative = *threshold_mode == ThresholdMode::Rel;
    let changed = slider(
        ui,
        "factor",
        factor,
        0.01..=0.99,
        0.1,
        false,
        "Multiply lr by factor when the loss has not improved for more than patience updates",
    ) | integer(
        ui,
        "patience",
        patience,
        0..=steps.max(10),
        10,
        "Updates without improvement tolerated before lr is reduced",
    ) | slider(
        ui,
        "threshold",
        threshold,
        1e-8..=1.0,
        1e-4,
        true,
        "Smallest improvement of the loss that counts",
    ) | toggle(
        ui,
        "relative",
        &mut relative,
        true,
        "threshold_mode: on, the loss must fall below best (1 - threshold) ('rel'); off, below \
         best - threshold ('abs')",
    ) | integer(
        ui,
        "cooldown",
        cooldown,
        0..=steps.max(10),
        0,
        "Updates after a reduction before updates without improvement count again",
    ) | slider(
        ui,
        "min_lr",
        min_lr,
        0.0..=1.0,
        0.0,
        false,
        "Lowest learning rate",
    );
    *threshold_mode = if relative {
        ThresholdMode::Rel
    } else {
        ThresholdMode::Abs
    };
    ui.label(
        egui::RichText::new(
            "watches the loss after every update: f(x_k) on the 2-D page, the minibatch's loss \
             on the network page",
        )
        .small(),
    );
    changed
}

/// Sliders for the 1/k-type decay, with whether the Robbins-Monro conditions hold.
fn inverse_time_params(ui: &mut Ui, s: &mut Schedule, steps: usize) -> bool {
    let Schedule::InverseTime { tau, power } = s else {
        return false;
    };
    let changed = integer(
        ui,
        "tau",
        tau,
        1..=steps.max(10),
        (steps / 20).max(1),
        "lr / (1 + k/tau)^power: steps until the rate has fallen by 2^power",
    ) | slider(
        ui,
        "power",
        power,
        0.05..=1.0,
        1.0,
        false,
        "Exponent p: for 1/2 < p <= 1 the steps sum to infinity and their squares do not (SGD \
         converges on noisy gradients); p = 1/2 keeps the squares' sum infinite too",
    );
    let text = if s.robbins_monro() == Some(true) {
        "sum a = inf, sum a^2 < inf: the Robbins-Monro conditions hold"
    } else {
        "sum a^2 = inf: the Robbins-Monro conditions fail (p <= 1/2)"
    };
    ui.label(egui::RichText::new(text).small());
    changed
}

/// Momentum schedule editor, for a method with a constant momentum (`target`): off, or a
/// linear warm-up from `start` to it (course 002:142: 0.5 up to 0.99). A schedule left on an
/// optimizer without one is shown so that it can be turned off (the preset check names it).
pub fn momentum_schedule_ui(
    ui: &mut Ui,
    m: &mut MomentumSchedule,
    target: Option<f64>,
    steps: usize,
) -> bool {
    if target.is_none() && *m == MomentumSchedule::Constant {
        return false;
    }
    let warmup = MomentumSchedule::Warmup {
        start: 0.5,
        steps: (steps / 5).max(1),
    };
    let mut on = *m != MomentumSchedule::Constant;
    let mut changed = toggle(
        ui,
        "momentum warm-up",
        &mut on,
        false,
        "Raise the momentum linearly from start to the optimizer's momentum over the first \
         steps (a torch loop setting param_group['momentum'] before each step)",
    );
    if changed {
        *m = if on {
            warmup
        } else {
            MomentumSchedule::Constant
        };
    }
    if let MomentumSchedule::Warmup { start, steps: w } = m {
        changed |= slider(
            ui,
            "start",
            start,
            0.0..=0.99,
            0.5,
            false,
            "Momentum of the first step",
        ) | integer(
            ui,
            "warm-up steps",
            w,
            1..=steps.max(10),
            (steps / 5).max(1),
            "Steps until the optimizer's momentum is reached",
        );
        if let Some(target) = target {
            ui.label(
                egui::RichText::new(format!(
                    "momentum {} -> {} over {w} steps",
                    crate::ui::widgets::fmt_num(*start),
                    crate::ui::widgets::fmt_num(target)
                ))
                .small(),
            );
        }
    }
    changed
}

/// Gradient clipping editor.
pub fn clip_ui(ui: &mut Ui, c: &mut Clip) -> bool {
    let before = *c;
    ui.horizontal(|ui| {
        ui.add_sized(
            [112.0, ui.spacing().interact_size.y],
            egui::Label::new("clipping"),
        )
        .on_hover_text("Gradient clipping, as torch's clip_grad_norm_ / clip_grad_value_");
        if ui
            .selectable_label(matches!(c, Clip::None), "off")
            .clicked()
        {
            *c = Clip::None;
        }
        if ui
            .selectable_label(matches!(c, Clip::Norm(_)), "norm")
            .clicked()
            && !matches!(c, Clip::Norm(_))
        {
            *c = Clip::Norm(1.0);
        }
        if ui
            .selectable_label(matches!(c, Clip::Value(_)), "value")
            .clicked()
            && !matches!(c, Clip::Value(_))
        {
            *c = Clip::Value(1.0);
        }
    });
    let mut changed = *c != before;
    match c {
        Clip::None => {}
        Clip::Norm(t) => {
            changed |= slider(
                ui,
                "max_norm",
                t,
                1e-3..=1e3,
                1.0,
                true,
                "Rescale the gradient to at most this length",
            );
        }
        Clip::Value(t) => {
            changed |= slider(
                ui,
                "clip_value",
                t,
                1e-3..=1e3,
                1.0,
                true,
                "Clamp every gradient component to [-c, c]",
            );
        }
    }
    changed
}

/// Averaging editor: off, Polyak's running mean from a step on, or the mean of the last N.
pub fn averaging_ui(ui: &mut Ui, a: &mut Averaging, steps: usize) -> bool {
    let before = *a;
    let mut kind = match a {
        Averaging::Off => 0,
        Averaging::Polyak { .. } => 1,
        Averaging::Tail { .. } => 2,
    };
    ui.horizontal(|ui| {
        ui.add_sized(
            [112.0, ui.spacing().interact_size.y],
            egui::Label::new("average"),
        )
        .on_hover_text(
            "Draw the mean of the iterates as its own dashed path with a square marker: \
             Polyak's from a step on, or of the last N iterates",
        );
        ui.radio_value(&mut kind, 0, "off");
        ui.radio_value(&mut kind, 1, "from step");
        ui.radio_value(&mut kind, 2, "last N");
    });
    match (kind, &mut *a) {
        (0, _) => *a = Averaging::Off,
        (1, Averaging::Polyak { start }) => {
            integer(
                ui,
                "average from",
                start,
                0..=steps,
                0,
                "First step included in the average",
            );
        }
        (1, _) => *a = Averaging::Polyak { start: 0 },
        (_, Averaging::Tail { last }) => {
            integer(
                ui,
                "last N",
                last,
                1..=crate::numerics::run::MAX_AVERAGE_WINDOW.min(steps.max(1)),
                50,
                "How many of the latest iterates are averaged",
            );
        }
        (_, _) => *a = Averaging::Tail { last: 50 },
    }
    *a != before
}
