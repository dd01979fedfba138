//! Scenario section: preset picker, file buttons, name, description, step budget.

use super::{Panel, PanelCtx};
use crate::scenario::Element;
use crate::scenario::ScenarioSpec;
use crate::ui::command::Command;
use crate::ui::deck::{BUILTIN, preset_title};
use crate::ui::widgets::integer;

/// Scenario section.
pub struct ScenarioPanel;

impl Panel for ScenarioPanel {
    fn title(&self) -> &'static str {
        "Scenario"
    }

    fn element(&self) -> Element {
        Element::Scenario
    }

    fn ui(
        &mut self,
        ui: &mut egui::Ui,
        cx: &PanelCtx<'_>,
        spec: &mut ScenarioSpec,
        out: &mut Vec<Command>,
    ) {
        ui.horizontal(|ui| {
            egui::ComboBox::from_id_salt("preset-picker")
                .selected_text("Shipped presets")
                .width(190.0)
                .show_ui(ui, |ui| {
                    for (i, b) in BUILTIN.iter().enumerate() {
                        if ui.selectable_label(false, preset_title(b.file)).clicked() {
                            out.push(Command::OpenBuiltin(i));
                        }
                    }
                })
                .response
                .on_hover_text("Open one of the presets that ship with optiviz");
        });
        ui.horizontal(|ui| {
            if ui
                .button("Open…")
                .on_hover_text("Open a preset file (Ctrl+O)")
                .clicked()
            {
                out.push(Command::ShowOpenDialog);
            }
            if ui
                .button("Save")
                .on_hover_text("Save the scenario (Ctrl+S)")
                .clicked()
            {
                out.push(Command::Save);
            }
            if ui
                .button("Save as…")
                .on_hover_text("Save under a new name (Ctrl+Shift+S)")
                .clicked()
            {
                out.push(Command::ShowSaveDialog);
            }
        });
        let modified = if cx.modified { "  (modified)" } else { "" };
        ui.label(
            egui::RichText::new(format!("{}{modified}", cx.source_label))
                .small()
                .weak(),
        );
        if cx.modified
            && ui
                .small_button("Revert to preset")
                .on_hover_text(
                    "Back to the preset as it was opened or last saved (Ctrl+Z brings the \
                     edits back)",
                )
                .clicked()
        {
            out.push(Command::Revert);
        }
        if !cx.deck_label.is_empty() {
            ui.horizontal(|ui| {
                if ui
                    .button("<")
                    .on_hover_text("Previous preset in this deck (PageUp)")
                    .clicked()
                {
                    out.push(Command::Deck(-1));
                }
                ui.label(&cx.deck_label);
                if ui
                    .button(">")
                    .on_hover_text("Next preset in this deck (PageDown)")
                    .clicked()
                {
                    out.push(Command::Deck(1));
                }
            });
        }
        ui.add_space(4.0);
        ui.horizontal(|ui| {
            let name = ui.label("Name");
            ui.add(egui::TextEdit::singleline(&mut spec.name).desired_width(ui.available_width()))
                .labelled_by(name.id);
        });
        ui.add(
            egui::TextEdit::multiline(&mut spec.description)
                .hint_text("A sentence for the audience")
                .desired_rows(2)
                .desired_width(ui.available_width()),
        )
        .widget_info(|| {
            egui::WidgetInfo::labeled(egui::Role::MultilineTextInput, true, "Description")
        });
        integer(
            ui,
            "steps",
            &mut spec.steps,
            1..=crate::scenario::MAX_STEPS,
            500,
            "Step budget: how far every run goes",
        );
    }
}
