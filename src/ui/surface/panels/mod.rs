//! The side panel's sections, one per file behind one small trait, registered in one list.
//! Each section edits a copy of the scenario document and may emit commands.

mod focus;
mod noise;
mod objective;
mod runs;
mod scenario;

pub use focus::FocusSliders;

use crate::scenario::{Element, ScenarioSpec};
use crate::ui::command::Command;
use crate::ui::surface::session::Session;

/// What a section can see besides the document it edits.
pub struct PanelCtx<'a> {
    /// The running session (statuses, formulas, start points).
    pub session: &'a Session,
    /// Spec index of the selected run.
    pub selected_run: usize,
    /// "3 / 16" in a deck, else empty.
    pub deck_label: String,
    /// Where the scenario came from.
    pub source_label: String,
    /// True when the document differs from its file.
    pub modified: bool,
    /// The document as loaded or last saved (double-click resets to its values).
    pub saved: &'a ScenarioSpec,
}

/// One collapsible section of the side panel.
pub trait Panel {
    /// Section heading.
    fn title(&self) -> &'static str;
    /// What focus mode calls this section.
    fn element(&self) -> Element;
    /// Open when the app starts.
    fn default_open(&self) -> bool {
        true
    }
    /// A different document is on screen (another preset, undo, redo, revert): forget what
    /// was being typed into the old one.
    fn document_replaced(&mut self) {}
    /// Draws the section, editing `spec` and pushing commands.
    fn ui(
        &mut self,
        ui: &mut egui::Ui,
        cx: &PanelCtx<'_>,
        spec: &mut ScenarioSpec,
        out: &mut Vec<Command>,
    );
}

/// Every section, in order.
#[must_use]
pub fn all() -> Vec<Box<dyn Panel>> {
    vec![
        Box::new(scenario::ScenarioPanel),
        Box::new(objective::ObjectivePanel::default()),
        Box::new(noise::NoisePanel),
        Box::new(runs::RunsPanel),
    ]
}
