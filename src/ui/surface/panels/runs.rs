//! Runs section: add, duplicate, remove, enable, recolour; per run the optimizer with every
//! hyperparameter, start point, schedule, clipping, averaging, noise options and update rule.

use super::{Panel, PanelCtx};
use crate::numerics::noise::NoiseKind;
use crate::numerics::optimizers::OptimizerSpec;
use crate::numerics::run::RunStatus;
use crate::scenario::Element;
use crate::scenario::{MAX_RUNS, RunColor, RunSpec, ScenarioSpec, format_color, parse_color};
use crate::ui::command::Command;
use crate::ui::widgets::params::{
    LrContext, averaging_ui, clip_ui, momentum_schedule_ui, optimizer_ui, schedule_ui,
};
use crate::ui::widgets::toggle;

/// Runs section.
pub struct RunsPanel;

/// The colour of run `index` as its document says (its own, else its palette slot).
#[must_use]
pub fn spec_color(spec: &RunSpec, index: usize) -> RunColor {
    spec.color
        .as_deref()
        .and_then(|c| parse_color(c).ok())
        .map_or_else(|| RunColor::by_position(index), RunColor::Custom)
}

impl Panel for RunsPanel {
    fn title(&self) -> &'static str {
        "Runs"
    }

    fn element(&self) -> Element {
        Element::Runs
    }

    fn ui(
        &mut self,
        ui: &mut egui::Ui,
        cx: &PanelCtx<'_>,
        spec: &mut ScenarioSpec,
        out: &mut Vec<Command>,
    ) {
        let steps = spec.steps;
        let minibatch_n = match spec.noise.kind {
            NoiseKind::Minibatch { n, .. } => Some(n),
            _ => None,
        };
        let noisy_scenario = !matches!(spec.noise.kind, NoiseKind::None);
        let mut remove = None;
        let mut duplicate = None;
        let mut sweep = None;
        let sim = cx.session.sim();
        let l_max = quadratic_l_max(cx);
        for (i, run) in spec.runs.iter_mut().enumerate() {
            let id = ui.scope_id().with(("run", i));
            let selected = cx.selected_run == i;
            let frame = egui::Frame::group(ui.style()).stroke(if selected {
                ui.visuals().selection.stroke
            } else {
                ui.visuals().widgets.noninteractive.bg_stroke
            });
            frame.show(ui, |ui| {
                match header_row(ui, run, i, out) {
                    Some(Action::Duplicate) => duplicate = Some(i),
                    Some(Action::Sweep) => sweep = Some(i),
                    Some(Action::Remove) => remove = Some(i),
                    None => {}
                }
                if let Some(sim_index) = cx.session.sim_index(i)
                    && let RunStatus::Stopped { .. } = sim.runs()[sim_index].status()
                {
                    ui.colored_label(
                        ui.visuals().warn_fg_color,
                        sim.runs()[sim_index].status().describe(),
                    );
                }
                let header =
                    egui::CollapsingHeader::new(format!("{} settings", run.optimizer.name()))
                        .id_salt(id.with("settings"))
                        .default_open(selected);
                let response = header.show(ui, |ui| {
                    let lr = LrContext {
                        preset: preset_lr(cx.saved, i, &run.optimizer),
                        l_max,
                    };
                    optimizer_ui(ui, &mut run.optimizer, id, lr);
                    let mut start = run.start.unwrap_or_else(|| {
                        let s = cx.session.start_of(i);
                        (s.x, s.y)
                    });
                    if crate::ui::widgets::point(
                        ui,
                        "start",
                        &mut start,
                        "Start point (drag on the plot to move it)",
                    ) {
                        run.start = Some(start);
                    }
                    schedules_and_clipping(ui, run, steps, id);
                    if noisy_scenario {
                        noise_options(ui, run, minibatch_n);
                    }
                    ui.add_space(2.0);
                    ui.label(
                        egui::RichText::new(run.optimizer.update_rule())
                            .monospace()
                            .small(),
                    )
                    .on_hover_text("The update rule, as on a slide");
                });
                if response.header_response.clicked() {
                    out.push(Command::SelectRun(i));
                }
            });
        }
        if let Some(i) = remove {
            spec.runs.remove(i);
        }
        if let Some(i) = duplicate {
            duplicate_run(spec, i);
        }
        if let Some(i) = sweep {
            sweep_lr(spec, i);
        }
        ui.add_enabled_ui(spec.runs.len() < MAX_RUNS, |ui| {
            if ui
                .button("+ Add run")
                .on_hover_text("Add a gradient-descent run")
                .clicked()
            {
                // No colour of its own: it takes the next palette slot, shaded by the theme.
                spec.runs.push(RunSpec {
                    optimizer: crate::numerics::optimizers::OptimizerSpec::GD(
                        crate::numerics::optimizers::GdParams { lr: 0.1 },
                    ),
                    ..RunSpec::default()
                });
            }
        });
    }
}

/// The largest Hessian eigenvalue when the objective is a quadratic (the lr sliders' scale).
pub fn quadratic_l_max(cx: &PanelCtx<'_>) -> Option<f64> {
    cx.session
        .scenario()
        .objective
        .as_quadratic()
        .map(|q| crate::numerics::theory::Spectrum::of_quadratic(q).l_max())
}

/// The learning rate run `i` has in the preset as opened or saved, if it has the same
/// optimizer there.
pub fn preset_lr(saved: &ScenarioSpec, i: usize, optimizer: &OptimizerSpec) -> Option<f64> {
    saved
        .runs
        .get(i)
        .map(|r| &r.optimizer)
        .filter(|o| o.name() == optimizer.name())
        .map(OptimizerSpec::lr)
}

/// What a run's header row asked for.
enum Action {
    Duplicate,
    Sweep,
    Remove,
}

/// Enable box, colour, label, duplicate and remove buttons.
fn header_row(
    ui: &mut egui::Ui,
    run: &mut RunSpec,
    i: usize,
    out: &mut Vec<Command>,
) -> Option<Action> {
    let mut action = None;
    ui.horizontal(|ui| {
        ui.checkbox(&mut run.enabled, "")
            .on_hover_text("Run this optimizer (disabled runs stay in the file)");
        let mut rgb = spec_color(run, i).rgb(crate::ui::theme::current(ui.ctx()));
        if ui
            .color_edit_button_srgb(&mut rgb)
            .on_hover_text("Colour")
            .changed()
        {
            run.color = Some(format_color(rgb));
        }
        // Buttons first, from the right, so the label takes exactly the width that is left
        // (sizing it by guesswork made the panel grow a little every frame).
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if ui
                .small_button("del")
                .on_hover_text("Remove this run")
                .clicked()
            {
                action = Some(Action::Remove);
            }
            if ui
                .small_button("copy")
                .on_hover_text("Duplicate this run")
                .clicked()
            {
                action = Some(Action::Duplicate);
            }
            if ui
                .small_button("lr sweep")
                .on_hover_text(
                    "Add copies of this run at log-spaced learning rates: lr/10, lr/3.16, \
                     3.16 lr and 10 lr (as many as the 16-run limit allows)",
                )
                .clicked()
            {
                action = Some(Action::Sweep);
            }
            let label = ui.add(
                egui::TextEdit::singleline(&mut run.label)
                    .hint_text(run.optimizer.name())
                    .desired_width(ui.available_width()),
            );
            label.widget_info(|| {
                egui::WidgetInfo::labeled(egui::Role::TextInput, true, "run label")
            });
            if label.gained_focus() || label.clicked() {
                out.push(Command::SelectRun(i));
            }
        });
    });
    action
}

/// Per-run noise options: opt out of the scenario's noise, or use a batch size of its own.
fn noise_options(ui: &mut egui::Ui, run: &mut RunSpec, minibatch_n: Option<usize>) {
    toggle(
        ui,
        "noisy",
        &mut run.noisy,
        true,
        "Off: this run sees exact gradients despite the scenario's noise",
    );
    if let Some(n) = minibatch_n
        && run.noisy
    {
        let mut custom = run.batch_size.is_some();
        if toggle(
            ui,
            "own batch size",
            &mut custom,
            false,
            "Use a batch size of its own (batches stay nested)",
        ) {
            run.batch_size = custom.then_some(1);
        }
        if let Some(b) = &mut run.batch_size {
            crate::ui::widgets::integer(ui, "batch size", b, 1..=n, 1, "This run's batch size");
        }
    }
}

/// Factors of the learning rate an lr sweep adds, half a decade apart around the run's own.
pub const SWEEP_FACTORS: [f64; 4] = [0.1, 0.316_227_766_016_837_94, 3.162_277_660_168_379, 10.0];

/// Inserts copies of run `i` after it at its lr times each of [`SWEEP_FACTORS`] (as many as fit
/// under [`MAX_RUNS`]), labelled with their lr and made unique, in palette colours.
pub fn sweep_lr(spec: &mut ScenarioSpec, i: usize) {
    let Some(base) = spec.runs.get(i).cloned() else {
        return;
    };
    let name = if base.label.is_empty() {
        base.optimizer.name().to_owned()
    } else {
        base.label.clone()
    };
    let lr = base.optimizer.lr();
    for (k, factor) in SWEEP_FACTORS.iter().enumerate() {
        if spec.runs.len() >= MAX_RUNS {
            break;
        }
        let mut copy = base.clone();
        copy.optimizer.set_lr(lr * factor);
        let label = format!("{name}, lr {}", crate::ui::widgets::fmt_num(lr * factor));
        // At most MAX_RUNS labels are taken, so one of the first MAX_RUNS + 1 is free.
        copy.label = (1..=MAX_RUNS + 1)
            .map(|n| {
                if n == 1 {
                    label.clone()
                } else {
                    format!("{label} ({n})")
                }
            })
            .find(|l| spec.runs.iter().all(|r| &r.label != l))
            .unwrap_or(label);
        copy.color = None;
        spec.runs.insert(i + 1 + k, copy);
    }
}

/// Inserts a copy of run `i` after it, in the palette colour of its position (a colour of its
/// own is not copied: two runs would look the same).
fn duplicate_run(spec: &mut ScenarioSpec, i: usize) {
    if spec.runs.len() >= MAX_RUNS {
        return;
    }
    let mut copy = spec.runs[i].clone();
    copy.label = if copy.label.is_empty() {
        String::new()
    } else {
        format!("{} (copy)", copy.label)
    };
    copy.color = None;
    spec.runs.insert(i + 1, copy);
}

/// A run's learning-rate and momentum schedules, clipping and averaging.
fn schedules_and_clipping(ui: &mut egui::Ui, run: &mut RunSpec, steps: usize, id: egui::Id) {
    schedule_ui(ui, &mut run.schedule, steps, id);
    momentum_schedule_ui(
        ui,
        &mut run.momentum_schedule,
        run.optimizer.momentum(),
        steps,
    );
    clip_ui(ui, &mut run.clip);
    averaging_ui(ui, &mut run.averaging, steps);
}
