//! The network page's editors: data set, network, and runs (the 2-D page's optimizer,
//! schedule and clipping editors). They edit a copy of the document; the page turns a changed
//! copy into a command.

use crate::numerics::mlp::{Activation, Feature, Generator, Init, Regularization};
use crate::scenario::mlp::{DatasetKind, MlpScenario, MlpSpec};
use crate::scenario::{MAX_RUNS, RunColor, RunSpec, format_color};
use crate::ui::widgets::params::{LrContext, clip_ui, optimizer_ui, schedule_ui};
use crate::ui::widgets::{integer, slider, toggle};

pub(super) fn data_ui(ui: &mut egui::Ui, spec: &mut MlpSpec) {
    let d = &mut spec.dataset;
    ui.horizontal(|ui| {
        let name = ui.label("data set").id;
        let current = match &d.kind {
            DatasetKind::Csv(c) => format!("CSV {}", c.path),
            k => k.generator().map_or("?", Generator::name).to_owned(),
        };
        egui::ComboBox::from_id_salt("mlp-dataset")
            .selected_text(current)
            .show_ui(ui, |ui| {
                for g in Generator::ALL {
                    let kind = kind_of(g);
                    if ui.selectable_label(d.kind == kind, g.name()).clicked() {
                        d.kind = kind;
                    }
                }
            })
            .response
            .labelled_by(name)
            .on_hover_text("The points to classify (or, for the plane, to regress)");
    });
    if d.kind.generator().is_some() {
        integer(
            ui,
            "points",
            &mut d.points,
            10..=5000,
            400,
            "Number of points",
        );
        slider(
            ui,
            "noise",
            &mut d.noise,
            0.0..=1.0,
            0.0,
            false,
            "Jitter of the points",
        );
    }
    slider(
        ui,
        "train fraction",
        &mut d.train_fraction,
        0.1..=0.9,
        0.5,
        false,
        "Share of the points used for training; the rest is the test set",
    );
    ui.horizontal(|ui| {
        if ui
            .button("Regenerate")
            .on_hover_text("New points: the next data seed")
            .clicked()
        {
            d.seed = d.seed.wrapping_add(1);
        }
        ui.label(egui::RichText::new(format!("data seed {}", d.seed)).weak());
    });
    ui.label("features");
    ui.horizontal_wrapped(|ui| {
        for f in Feature::ALL {
            let mut on = d.features.contains(&f);
            if ui.checkbox(&mut on, f.name()).changed() {
                if on {
                    d.features.push(f);
                    d.features
                        .sort_by_key(|x| Feature::ALL.iter().position(|y| y == x));
                } else if d.features.len() > 1 {
                    d.features.retain(|&x| x != f);
                }
            }
        }
    });
    toggle(
        ui,
        "normalize",
        &mut d.normalize,
        false,
        "Standardise every feature with the training set's mean and standard deviation",
    );
}

fn kind_of(g: Generator) -> DatasetKind {
    match g {
        Generator::Circle => DatasetKind::Circle,
        Generator::Xor => DatasetKind::Xor,
        Generator::Gaussians => DatasetKind::Gaussians,
        Generator::Spiral => DatasetKind::Spiral,
        Generator::Moons => DatasetKind::Moons,
        Generator::Plane => DatasetKind::Plane,
    }
}

pub(super) fn network_ui(ui: &mut egui::Ui, spec: &mut MlpSpec) {
    let n = &mut spec.network;
    let mut layers = n.hidden.len();
    if integer(
        ui,
        "hidden layers",
        &mut layers,
        0..=6,
        2,
        "Number of hidden layers (0: logistic / linear regression)",
    ) {
        let width = n.hidden.last().copied().unwrap_or(8);
        n.hidden.resize(layers, width);
    }
    for (i, units) in n.hidden.iter_mut().enumerate() {
        integer(
            ui,
            &format!("layer {} units", i + 1),
            units,
            1..=16,
            8,
            "Units in this hidden layer",
        );
    }
    ui.horizontal(|ui| {
        let name = ui.label("activation").id;
        egui::ComboBox::from_id_salt("mlp-activation")
            .selected_text(n.activation.name())
            .show_ui(ui, |ui| {
                for a in Activation::ALL {
                    ui.selectable_value(&mut n.activation, a, a.name());
                }
            })
            .response
            .labelled_by(name);
    });
    ui.horizontal(|ui| {
        let name = ui.label("init").id;
        egui::ComboBox::from_id_salt("mlp-init")
            .selected_text(format!("{:?}", n.init))
            .show_ui(ui, |ui| {
                for i in [Init::Auto, Init::Xavier, Init::He] {
                    ui.selectable_value(&mut n.init, i, format!("{i:?}"));
                }
            })
            .response
            .labelled_by(name)
            .on_hover_text("Auto: He before ReLU, Glorot (Xavier) elsewhere");
    });
    let (mut kind, mut lambda) = match n.regularization {
        Regularization::None => (0, 1e-3),
        Regularization::L1(l) => (1, l),
        Regularization::L2(l) => (2, l),
    };
    ui.horizontal(|ui| {
        ui.label("penalty");
        ui.radio_value(&mut kind, 0, "none");
        ui.radio_value(&mut kind, 1, "L1");
        ui.radio_value(&mut kind, 2, "L2");
    });
    if kind != 0 {
        slider(
            ui,
            "lambda",
            &mut lambda,
            1e-6..=1.0,
            1e-3,
            true,
            "Strength of the weight penalty (weights only, not biases)",
        );
    }
    n.regularization = match kind {
        1 => Regularization::L1(lambda),
        2 => Regularization::L2(lambda),
        _ => Regularization::None,
    };
}

pub(super) fn runs_ui(
    ui: &mut egui::Ui,
    spec: &mut MlpSpec,
    scenario: &MlpScenario,
    saved: &MlpSpec,
) {
    let mut remove = None;
    let steps = spec.steps;
    for (i, run) in spec.runs.iter_mut().enumerate() {
        let id = ui.scope_id().with(("mlp-run", i));
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.checkbox(&mut run.enabled, "")
                    .on_hover_text("Train this run");
                let mut rgb = scenario
                    .runs
                    .get(i)
                    .map_or_else(|| RunColor::by_position(i), |c| c.color)
                    .rgb(crate::ui::theme::current(ui.ctx()));
                if ui.color_edit_button_srgb(&mut rgb).changed() {
                    run.color = Some(format_color(rgb));
                }
                let name = scenario
                    .runs
                    .get(i)
                    .map_or_else(|| run.optimizer.name().to_owned(), |c| c.label.clone());
                ui.strong(name);
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    if ui
                        .small_button("del")
                        .on_hover_text("Remove this run")
                        .clicked()
                    {
                        remove = Some(i);
                    }
                });
            });
            egui::CollapsingHeader::new(format!("{} settings", run.optimizer.name()))
                .id_salt(id.with("settings"))
                .default_open(i == 0)
                .show(ui, |ui| {
                    let lr = LrContext {
                        preset: saved
                            .runs
                            .get(i)
                            .map(|r| &r.optimizer)
                            .filter(|o| o.name() == run.optimizer.name())
                            .map(crate::numerics::optimizers::OptimizerSpec::lr),
                        l_max: None,
                    };
                    optimizer_ui(ui, &mut run.optimizer, id, lr);
                    schedule_ui(ui, &mut run.schedule, steps, id);
                    clip_ui(ui, &mut run.clip);
                    ui.label(
                        egui::RichText::new(run.optimizer.update_rule())
                            .monospace()
                            .small(),
                    )
                    .on_hover_text("The update rule, as on a slide");
                });
        });
    }
    if let Some(i) = remove {
        spec.runs.remove(i);
    }
    ui.add_enabled_ui(spec.runs.len() < MAX_RUNS, |ui| {
        if ui
            .button("+ Add run")
            .on_hover_text("Add an Adam run")
            .clicked()
        {
            spec.runs.push(RunSpec {
                optimizer: crate::numerics::optimizers::OptimizerSpec::Adam(
                    crate::numerics::optimizers::AdamParams {
                        lr: 0.01,
                        ..crate::numerics::optimizers::AdamParams::default()
                    },
                ),
                ..RunSpec::default()
            });
        }
    });
}
