//! Noise section: kind, strength, batch size, seed and a fresh draw.

use super::{Panel, PanelCtx};
use crate::numerics::noise::{Copies, NoiseKind};
use crate::scenario::Element;
use crate::scenario::ScenarioSpec;
use crate::ui::command::Command;
use crate::ui::widgets::{integer, slider};

/// Noise section.
pub struct NoisePanel;

impl Panel for NoisePanel {
    fn title(&self) -> &'static str {
        "Noise"
    }

    fn element(&self) -> Element {
        Element::Noise
    }

    fn default_open(&self) -> bool {
        false
    }

    fn ui(
        &mut self,
        ui: &mut egui::Ui,
        _cx: &PanelCtx<'_>,
        spec: &mut ScenarioSpec,
        _out: &mut Vec<Command>,
    ) {
        let kind = &mut spec.noise.kind;
        kind_ui(ui, kind);
        match kind {
            NoiseKind::None => {}
            NoiseKind::Gaussian { sigma } | NoiseKind::InjectB { sigma } => {
                slider(
                    ui,
                    "sigma",
                    sigma,
                    0.0..=10.0,
                    0.5,
                    false,
                    "Standard deviation of the noise per coordinate",
                );
            }
            NoiseKind::Minibatch {
                n,
                batch_size,
                spread,
                copies,
                stream,
            } => minibatch_ui(ui, n, batch_size, spread, copies, stream),
            NoiseKind::Cyclic { tilts } => tilts_ui(ui, tilts),
        }
        if !matches!(kind, NoiseKind::None | NoiseKind::Cyclic { .. }) {
            ui.horizontal(|ui| {
                let name = ui.label("seed").on_hover_text(
                    "Every run sees the same draws at the same step (common random numbers)",
                );
                ui.add(egui::DragValue::new(&mut spec.noise.seed))
                    .labelled_by(name.id);
                if ui
                    .button("New draw")
                    .on_hover_text("Change the seed: new noise, still shared by all runs")
                    .clicked()
                {
                    spec.noise.seed = spec.noise.seed.wrapping_add(1);
                }
            });
        }
    }
}

/// The minibatch noise's knobs: N, B, spread, what the copies are, and fresh copies per step.
fn minibatch_ui(
    ui: &mut egui::Ui,
    n: &mut usize,
    batch_size: &mut usize,
    spread: &mut f64,
    copies: &mut Copies,
    stream: &mut bool,
) {
    integer(
        ui,
        "copies N",
        n,
        1..=2000,
        200,
        "Number of shifted copies in the finite sum",
    );
    let n = *n;
    integer(
        ui,
        "batch size B",
        batch_size,
        1..=n,
        8.min(n),
        "Copies averaged per step; noise falls like 1/sqrt(B)",
    );
    *batch_size = (*batch_size).clamp(1, n);
    slider(
        ui,
        "spread",
        spread,
        0.0..=5.0,
        1.0,
        false,
        "Standard deviation of the copies' shifts (of the log weights for scaled \
         copies)",
    );
    ui.horizontal_wrapped(|ui| {
        ui.label("copies");
        for (choice, label, help) in [
            (
                Copies::Shifted,
                "shifted",
                "f(x - s_i), shifts centred: the sum has f's minimiser",
            ),
            (
                Copies::Sample,
                "sample",
                "f(x - s_i) with the shifts as drawn: the sum's minimiser is off f's \
                 by their mean, as a training set's is off the population's",
            ),
            (
                Copies::Scaled,
                "scaled",
                "w_i f(x), weights of mean 1: every copy has f's minimiser, so the \
                 noise vanishes there (interpolation)",
            ),
        ] {
            if ui
                .selectable_label(*copies == choice, label)
                .on_hover_text(help)
                .clicked()
            {
                *copies = choice;
            }
        }
    });
    crate::ui::widgets::toggle(
        ui,
        "fresh every step",
        stream,
        false,
        "An infinite stream: every step draws B new copies instead of B of the N \
         fixed ones",
    );
}

/// The row of kinds; picking one starts it at its usual values.
fn kind_ui(ui: &mut egui::Ui, kind: &mut NoiseKind) {
    ui.horizontal_wrapped(|ui| {
        let choices = [
            (NoiseKind::None, "none", "Exact gradients"),
            (
                NoiseKind::Gaussian { sigma: 0.5 },
                "Gaussian",
                "Gaussian noise added to the gradient (SGD as GD plus noise)",
            ),
            (
                NoiseKind::InjectB { sigma: 1.0 },
                "in b",
                "Noise injected into b of 1/2 x'Ax - b'x: a random tilt each step",
            ),
            (
                NoiseKind::Minibatch {
                    n: 200,
                    batch_size: 8,
                    spread: 1.0,
                    copies: Copies::Shifted,
                    stream: false,
                },
                "minibatch",
                "Minibatches of a finite sum of shifted copies of f",
            ),
            (
                NoiseKind::Cyclic {
                    tilts: vec![(-4.0, 0.0), (2.0, 0.0), (2.0, 0.0)],
                },
                "cyclic",
                "A fixed cycle of linear tilts: step k's loss is f(x) - t_k'x \
                 (Reddi et al.'s online counterexample to Adam)",
            ),
        ];
        for (choice, label, help) in choices {
            let selected = std::mem::discriminant(kind) == std::mem::discriminant(&choice);
            if ui
                .selectable_label(selected, label)
                .on_hover_text(help)
                .clicked()
                && !selected
            {
                *kind = choice;
            }
        }
    });
}

/// Most tilts the panel lists; the preset may hold more.
const TILTS_SHOWN: usize = 12;

/// The cycle's tilts, each editable; the list's length is the preset's.
fn tilts_ui(ui: &mut egui::Ui, tilts: &mut [(f64, f64)]) {
    ui.label("step k: f(x) - t_k'x, t_k = tilt k mod n")
        .on_hover_text("A fixed cycle, the same for every run; the seed is not used");
    for (k, (a, b)) in tilts.iter_mut().enumerate().take(TILTS_SHOWN) {
        ui.horizontal(|ui| {
            ui.label(format!("t_{k}"));
            ui.add(egui::DragValue::new(a).speed(0.05));
            ui.add(egui::DragValue::new(b).speed(0.05));
        });
    }
    if tilts.len() > TILTS_SHOWN {
        ui.label(format!(
            "and {} more (edit them in the preset)",
            tilts.len() - TILTS_SHOWN
        ));
    }
}
