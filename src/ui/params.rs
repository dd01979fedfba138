//! Editors for every hyperparameter of every optimizer, and for schedules, clipping and
//! averaging. Ranges follow what each parameter allows (and include absurd values students will
//! try); tooltips say what the parameter does; double-click restores torch's default (Edit >
//! Revert to preset brings back the preset's values).

use super::widgets::{integer, slider, toggle};
use crate::numerics::optimizers::{
    AdadeltaParams, AdagradParams, AdamParams, AdamWParams, AdamaxParams, BfgsParams, LbfgsParams,
    LineSearch, NAdamParams, NagMomentum, NagParams, NewtonParams, OptimizerSpec, RAdamParams,
    RmsPropParams, SgdParams,
};
use crate::numerics::run::{Averaging, Clip};
use crate::numerics::schedule::Schedule;
use egui::Ui;

/// Learning rates from far too small to absurd.
/// The learning-rate sliders' range.
pub const LR: std::ops::RangeInclusive<f64> = 1e-6..=1e3;

/// The momentum parameter of optimizers that have a plain one (torch's SGD and RMSprop).
pub fn momentum_mut(spec: &mut OptimizerSpec) -> Option<&mut f64> {
    match spec {
        OptimizerSpec::SGD(p) => Some(&mut p.momentum),
        OptimizerSpec::RMSprop(p) => Some(&mut p.momentum),
        _ => None,
    }
}

fn tip(name: &str) -> &'static str {
    match name {
        "lr" => "Learning rate (step size): how far each update moves along its direction.",
        "momentum" => {
            "Momentum factor: the share of the previous update carried into the next (heavy ball)."
        }
        "dampening" => {
            "Dampening: scales the new gradient's share of the momentum buffer by (1 - dampening)."
        }
        "weight_decay" => "Weight decay: adds weight_decay * x to the gradient (an L2 penalty).",
        "decoupled" => {
            "Decoupled weight decay: shrink x by (1 - lr * weight_decay) instead (AdamW style)."
        }
        "nesterov" => {
            "Nesterov momentum: evaluate the update at the look-ahead point (needs momentum > 0, dampening 0)."
        }
        "maximize" => "Maximize the objective instead of minimizing it.",
        "lr_decay" => "Adagrad's learning-rate decay: lr / (1 + (t - 1) * lr_decay).",
        "initial_accumulator_value" => "Starting value of Adagrad's sum of squared gradients.",
        "eps" => "Added to the denominator for numerical stability.",
        "alpha" => "Smoothing constant of the running average of squared gradients.",
        "centered" => {
            "Normalise by the estimated variance of the gradient instead of its second moment."
        }
        "eps_inside_sqrt" => "The course's form: divide by sqrt(v + eps) instead of sqrt(v) + eps.",
        "beta1" => "Decay rate of the running mean of gradients (first moment).",
        "beta2" => "Decay rate of the running mean of squared gradients (second moment).",
        "amsgrad" => "AMSGrad: use the largest second moment seen so far.",
        "bias_correction" => {
            "Bias correction of the moment estimates. Off gives the 'steady state' Adam of the slides."
        }
        "momentum_decay" => "NAdam's momentum decay psi in mu_t = beta1 (1 - 0.5 * 0.96^(t psi)).",
        "rho" => "Decay rate of Adadelta's running averages.",
        "damping" => "Levenberg-Marquardt damping added to the Hessian's diagonal.",
        "tolerance_grad" => "Do not move when the largest gradient component is at most this.",
        "tolerance_change" => "Stop when steps or loss changes are below this.",
        "max_iter" => "L-BFGS iterations per step (torch's semantics); 1 shows every iteration.",
        "max_eval" => "Function evaluations per step; the line search gets what is left.",
        "history_size" => "Number of (s, y) pairs kept (m).",
        "line_search" => "Strong-Wolfe line search, or a fixed step of length lr.",
        "nag" => "Extrapolation weight: n/(n+3) (accelerated for convex problems) or a constant.",
        _ => "",
    }
}

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
    momentum_mut(&mut d).map_or(0.0, |m| *m)
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
    let tooltip = format!("{}\nType any value into the box.", tip("lr"));
    let mut v = spec.lr();
    let changed = crate::ui::widgets::slider_typed(ui, "lr", &mut v, range, default, log, &tooltip);
    if changed {
        spec.set_lr(v);
    }
    changed
}

fn eps(ui: &mut Ui, v: &mut f64, default: f64) -> bool {
    slider(ui, "eps", v, 1e-16..=1.0, default, true, tip("eps"))
}

fn weight_decay(ui: &mut Ui, v: &mut f64, default: f64) -> bool {
    let mut x = *v;
    let help = format!(
        "{}\n{}",
        tip("weight_decay"),
        crate::ui::widgets::default_text(&default.to_string())
    );
    let changed = ui
        .horizontal(|ui| {
            let l = ui
                .add_sized(
                    [112.0, ui.spacing().interact_size.y],
                    egui::Label::new("weight_decay").sense(egui::Sense::click()),
                )
                .on_hover_text(&help);
            let s = ui
                .add(
                    egui::Slider::new(&mut x, 0.0..=1.0)
                        .logarithmic(true)
                        .smallest_positive(1e-6)
                        .custom_formatter(|x, _| super::widgets::fmt_num(x)),
                )
                .on_hover_text(&help);
            if l.double_clicked() || s.double_clicked() {
                x = default;
            }
            x != *v
        })
        .inner;
    if changed {
        *v = x;
    }
    changed
}

fn betas(ui: &mut Ui, b: &mut (f64, f64), default: (f64, f64)) -> bool {
    let c1 = slider(
        ui,
        "beta1",
        &mut b.0,
        0.0..=0.9999,
        default.0,
        false,
        tip("beta1"),
    );
    let c2 = slider(
        ui,
        "beta2",
        &mut b.1,
        0.0..=0.99999,
        default.1,
        false,
        tip("beta2"),
    );
    c1 | c2
}

fn maximize(ui: &mut Ui, v: &mut bool) -> bool {
    toggle(ui, "maximize", v, false, tip("maximize"))
}

fn line_search(ui: &mut Ui, v: &mut LineSearch, default: LineSearch) -> bool {
    let before = *v;
    ui.horizontal(|ui| {
        ui.add_sized(
            [112.0, ui.spacing().interact_size.y],
            egui::Label::new("line_search_fn"),
        )
        .on_hover_text(tip("line_search"));
        ui.selectable_value(v, LineSearch::None, "None");
        ui.selectable_value(v, LineSearch::StrongWolfe, "StrongWolfe");
    });
    let _ = default;
    *v != before
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
    changed |= match spec {
        OptimizerSpec::GD(_) => false,
        OptimizerSpec::SGD(p) => sgd(ui, p),
        OptimizerSpec::NAG(p) => nag(ui, p),
        OptimizerSpec::Adagrad(p) => adagrad(ui, p),
        OptimizerSpec::RMSprop(p) => rmsprop(ui, p),
        OptimizerSpec::Adam(p) => adam(ui, p),
        OptimizerSpec::AdamW(p) => adamw(ui, p),
        OptimizerSpec::NAdam(p) => nadam(ui, p),
        OptimizerSpec::RAdam(p) => radam(ui, p),
        OptimizerSpec::Adadelta(p) => adadelta(ui, p),
        OptimizerSpec::Adamax(p) => adamax(ui, p),
        OptimizerSpec::Newton(p) => newton(ui, p),
        OptimizerSpec::BFGS(p) => bfgs(ui, p),
        OptimizerSpec::LBFGS(p) => lbfgs(ui, p),
    };
    changed
}

fn sgd(ui: &mut Ui, p: &mut SgdParams) -> bool {
    let d = SgdParams::default();
    let mut c = false;
    c |= slider(
        ui,
        "momentum",
        &mut p.momentum,
        0.0..=0.999,
        d.momentum,
        false,
        tip("momentum"),
    );
    c |= slider(
        ui,
        "dampening",
        &mut p.dampening,
        0.0..=1.0,
        d.dampening,
        false,
        tip("dampening"),
    );
    c |= weight_decay(ui, &mut p.weight_decay, d.weight_decay);
    let mut nesterov = p.nesterov;
    if toggle(ui, "nesterov", &mut nesterov, d.nesterov, tip("nesterov")) {
        p.nesterov = nesterov;
        if nesterov {
            // torch requires momentum > 0 and no dampening.
            p.dampening = 0.0;
            if p.momentum == 0.0 {
                p.momentum = 0.9;
            }
        }
        c = true;
    }
    if p.nesterov && (p.momentum == 0.0 || p.dampening != 0.0) {
        p.nesterov = false;
        c = true;
    }
    c | maximize(ui, &mut p.maximize)
}

fn nag(ui: &mut Ui, p: &mut NagParams) -> bool {
    let mut c = false;
    let mut constant = matches!(p.momentum, NagMomentum::Constant(_));
    ui.horizontal(|ui| {
        ui.add_sized(
            [112.0, ui.spacing().interact_size.y],
            egui::Label::new("momentum"),
        )
        .on_hover_text(tip("nag"));
        c |= ui.radio_value(&mut constant, false, "n/(n+3)").changed();
        c |= ui.radio_value(&mut constant, true, "constant").changed();
    });
    match (&mut p.momentum, constant) {
        (NagMomentum::Constant(mu), true) => {
            c |= slider(ui, "mu", mu, 0.0..=0.999, 0.9, false, tip("nag"));
        }
        (m @ NagMomentum::Accelerated, true) => *m = NagMomentum::Constant(0.9),
        (m @ NagMomentum::Constant(_), false) => *m = NagMomentum::Accelerated,
        (NagMomentum::Accelerated, false) => {}
    }
    c
}

fn adagrad(ui: &mut Ui, p: &mut AdagradParams) -> bool {
    let d = AdagradParams::default();
    let mut c = false;
    c |= slider(
        ui,
        "lr_decay",
        &mut p.lr_decay,
        0.0..=1.0,
        d.lr_decay,
        false,
        tip("lr_decay"),
    );
    c |= weight_decay(ui, &mut p.weight_decay, d.weight_decay);
    c |= slider(
        ui,
        "initial_accum.",
        &mut p.initial_accumulator_value,
        0.0..=10.0,
        d.initial_accumulator_value,
        false,
        tip("initial_accumulator_value"),
    );
    c |= eps(ui, &mut p.eps, d.eps);
    c | maximize(ui, &mut p.maximize)
}

fn rmsprop(ui: &mut Ui, p: &mut RmsPropParams) -> bool {
    let d = RmsPropParams::default();
    let mut c = false;
    c |= slider(
        ui,
        "alpha",
        &mut p.alpha,
        0.0..=0.9999,
        d.alpha,
        false,
        tip("alpha"),
    );
    c |= eps(ui, &mut p.eps, d.eps);
    c |= weight_decay(ui, &mut p.weight_decay, d.weight_decay);
    c |= slider(
        ui,
        "momentum",
        &mut p.momentum,
        0.0..=0.999,
        d.momentum,
        false,
        tip("momentum"),
    );
    c |= toggle(ui, "centered", &mut p.centered, d.centered, tip("centered"));
    c |= toggle(
        ui,
        "eps inside sqrt",
        &mut p.eps_inside_sqrt,
        d.eps_inside_sqrt,
        tip("eps_inside_sqrt"),
    );
    c | maximize(ui, &mut p.maximize)
}

fn adam(ui: &mut Ui, p: &mut AdamParams) -> bool {
    let d = AdamParams::default();
    let mut c = false;
    c |= betas(ui, &mut p.betas, d.betas);
    c |= eps(ui, &mut p.eps, d.eps);
    c |= weight_decay(ui, &mut p.weight_decay, d.weight_decay);
    c |= toggle(
        ui,
        "decoupled wd",
        &mut p.decoupled_weight_decay,
        d.decoupled_weight_decay,
        tip("decoupled"),
    );
    c |= toggle(ui, "amsgrad", &mut p.amsgrad, d.amsgrad, tip("amsgrad"));
    c |= toggle(
        ui,
        "bias_correction",
        &mut p.bias_correction,
        d.bias_correction,
        tip("bias_correction"),
    );
    c | maximize(ui, &mut p.maximize)
}

fn adamw(ui: &mut Ui, p: &mut AdamWParams) -> bool {
    let d = AdamWParams::default();
    let mut c = false;
    c |= betas(ui, &mut p.betas, d.betas);
    c |= eps(ui, &mut p.eps, d.eps);
    c |= weight_decay(ui, &mut p.weight_decay, d.weight_decay);
    c |= toggle(ui, "amsgrad", &mut p.amsgrad, d.amsgrad, tip("amsgrad"));
    c | maximize(ui, &mut p.maximize)
}

fn nadam(ui: &mut Ui, p: &mut NAdamParams) -> bool {
    let d = NAdamParams::default();
    let mut c = false;
    c |= betas(ui, &mut p.betas, d.betas);
    c |= eps(ui, &mut p.eps, d.eps);
    c |= weight_decay(ui, &mut p.weight_decay, d.weight_decay);
    c |= slider(
        ui,
        "momentum_decay",
        &mut p.momentum_decay,
        0.0..=0.1,
        d.momentum_decay,
        false,
        tip("momentum_decay"),
    );
    c |= toggle(
        ui,
        "decoupled wd",
        &mut p.decoupled_weight_decay,
        d.decoupled_weight_decay,
        tip("decoupled"),
    );
    c | maximize(ui, &mut p.maximize)
}

fn radam(ui: &mut Ui, p: &mut RAdamParams) -> bool {
    let d = RAdamParams::default();
    let mut c = false;
    c |= betas(ui, &mut p.betas, d.betas);
    c |= eps(ui, &mut p.eps, d.eps);
    c |= weight_decay(ui, &mut p.weight_decay, d.weight_decay);
    c |= toggle(
        ui,
        "decoupled wd",
        &mut p.decoupled_weight_decay,
        d.decoupled_weight_decay,
        tip("decoupled"),
    );
    c | maximize(ui, &mut p.maximize)
}

fn adadelta(ui: &mut Ui, p: &mut AdadeltaParams) -> bool {
    let d = AdadeltaParams::default();
    let mut c = false;
    c |= slider(ui, "rho", &mut p.rho, 0.0..=1.0, d.rho, false, tip("rho"));
    c |= eps(ui, &mut p.eps, d.eps);
    c |= weight_decay(ui, &mut p.weight_decay, d.weight_decay);
    c | maximize(ui, &mut p.maximize)
}

fn adamax(ui: &mut Ui, p: &mut AdamaxParams) -> bool {
    let d = AdamaxParams::default();
    let mut c = false;
    c |= betas(ui, &mut p.betas, d.betas);
    c |= eps(ui, &mut p.eps, d.eps);
    c |= weight_decay(ui, &mut p.weight_decay, d.weight_decay);
    c | maximize(ui, &mut p.maximize)
}

fn newton(ui: &mut Ui, p: &mut NewtonParams) -> bool {
    let d = NewtonParams::default();
    let c = false;
    c | slider(
        ui,
        "damping",
        &mut p.damping,
        0.0..=100.0,
        d.damping,
        false,
        tip("damping"),
    )
}

fn bfgs(ui: &mut Ui, p: &mut BfgsParams) -> bool {
    let d = BfgsParams::default();
    let mut c = false;
    c |= slider(
        ui,
        "tolerance_grad",
        &mut p.tolerance_grad,
        1e-15..=1.0,
        d.tolerance_grad,
        true,
        tip("tolerance_grad"),
    );
    c |= slider(
        ui,
        "tolerance_change",
        &mut p.tolerance_change,
        1e-15..=1.0,
        d.tolerance_change,
        true,
        tip("tolerance_change"),
    );
    c | line_search(ui, &mut p.line_search_fn, d.line_search_fn)
}

fn lbfgs(ui: &mut Ui, p: &mut LbfgsParams) -> bool {
    let d = LbfgsParams::default();
    let mut c = false;
    c |= integer(
        ui,
        "max_iter",
        &mut p.max_iter,
        1..=100,
        d.max_iter,
        tip("max_iter"),
    );
    let mut auto = p.max_eval.is_none();
    ui.horizontal(|ui| {
        let name = ui
            .add_sized(
                [112.0, ui.spacing().interact_size.y],
                egui::Label::new("max_eval"),
            )
            .on_hover_text(tip("max_eval"));
        c |= ui.checkbox(&mut auto, "max_iter * 5/4").changed();
        if let Some(e) = &mut p.max_eval {
            c |= ui
                .add(egui::DragValue::new(e).range(1..=1000))
                .labelled_by(name.id)
                .changed();
        }
    });
    match (auto, p.max_eval) {
        (true, Some(_)) => p.max_eval = None,
        (false, None) => p.max_eval = Some(25),
        _ => {}
    }
    c |= slider(
        ui,
        "tolerance_grad",
        &mut p.tolerance_grad,
        1e-15..=1.0,
        d.tolerance_grad,
        true,
        tip("tolerance_grad"),
    );
    c |= slider(
        ui,
        "tolerance_change",
        &mut p.tolerance_change,
        1e-15..=1.0,
        d.tolerance_change,
        true,
        tip("tolerance_change"),
    );
    c |= integer(
        ui,
        "history_size",
        &mut p.history_size,
        1..=200,
        d.history_size,
        tip("history_size"),
    );
    c | line_search(ui, &mut p.line_search_fn, d.line_search_fn)
}

/// The schedules offered, with defaults scaled to the scenario's length.
fn schedule_choices(steps: usize) -> [Schedule; 6] {
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
    changed | schedule_params(ui, s, steps)
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
    }
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

/// Polyak averaging editor.
pub fn averaging_ui(ui: &mut Ui, a: &mut Averaging, steps: usize) -> bool {
    let mut on = matches!(a, Averaging::Polyak { .. });
    let mut changed = toggle(
        ui,
        "Polyak average",
        &mut on,
        false,
        "Record the running mean of the iterates beside the iterate",
    );
    match (on, &mut *a) {
        (true, Averaging::Off) => *a = Averaging::Polyak { start: 0 },
        (false, Averaging::Polyak { .. }) => *a = Averaging::Off,
        (true, Averaging::Polyak { start }) => {
            changed |= integer(
                ui,
                "average from",
                start,
                0..=steps,
                0,
                "First step included in the average",
            );
        }
        (false, Averaging::Off) => {}
    }
    changed
}
