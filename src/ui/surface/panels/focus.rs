//! Focus mode's compact run controls: only each run's learning rate and/or momentum, big and
//! labelled with the run's colour, for a slide that is about exactly that.

use super::{Panel, PanelCtx};
use crate::numerics::optimizers::OptimizerSpec;
use crate::scenario::{Element, ScenarioSpec};
use crate::ui::command::Command;
use crate::ui::widgets::params::{LrContext, lr_ui, torch_default_momentum};
use crate::ui::widgets::slider;

/// The learning-rate and momentum sliders of every enabled run.
pub struct FocusSliders {
    /// Show each run's learning rate.
    pub lr: bool,
    /// Show each run's momentum (for optimizers that have one).
    pub momentum: bool,
}

impl Panel for FocusSliders {
    fn title(&self) -> &'static str {
        "Runs"
    }

    fn element(&self) -> Element {
        if self.lr {
            Element::LearningRate
        } else {
            Element::Momentum
        }
    }

    fn ui(
        &mut self,
        ui: &mut egui::Ui,
        cx: &PanelCtx<'_>,
        spec: &mut ScenarioSpec,
        _out: &mut Vec<Command>,
    ) {
        for (i, run) in spec.runs.iter_mut().enumerate().filter(|(_, r)| r.enabled) {
            let checked = cx.session.scenario().runs.get(i);
            let saved = cx
                .saved
                .runs
                .get(i)
                .map(|r| &r.optimizer)
                .filter(|o| o.name() == run.optimizer.name());
            ui.horizontal(|ui| {
                if let Some(c) = checked {
                    let color = crate::ui::theme::run_color(ui.ctx(), c.color);
                    let side = (14.0 * crate::ui::theme::line_scale(ui.ctx()).sqrt()).round();
                    let (rect, _) =
                        ui.allocate_exact_size(egui::vec2(side, side), egui::Sense::hover());
                    ui.painter().rect_filled(rect, 3.0, color);
                    ui.strong(&c.label);
                }
            });
            ui.push_id(("focus-run", i), |ui| {
                // Room to drag: the slider takes the panel's width (less the label and the box).
                ui.spacing_mut().slider_width = (ui.available_width() - 190.0).max(150.0);
                if self.lr {
                    let lr = LrContext {
                        preset: saved.map(OptimizerSpec::lr),
                        l_max: crate::ui::surface::panels::runs::quadratic_l_max(cx),
                    };
                    lr_ui(ui, &mut run.optimizer, lr);
                }
                if self.momentum {
                    // The same slider, default and tooltip as in the Runs section.
                    let default = torch_default_momentum(&run.optimizer);
                    if let Some(m) = run.optimizer.momentum_mut() {
                        slider(
                            ui,
                            "momentum",
                            m,
                            0.0..=0.999,
                            default,
                            false,
                            "Momentum factor: the share of the previous update carried into \
                             the next (heavy ball).",
                        );
                    }
                }
            });
            ui.add_space(6.0);
        }
    }
}
