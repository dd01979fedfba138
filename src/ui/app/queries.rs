//! What the app lets tests, the benchmark and the binary read: the pages' sessions, the
//! settings, notices and dialogs on screen, and the caches' counters.

use super::OptivizApp;
use crate::scenario::{Element, Theme};
use crate::ui::command::Command;
use crate::ui::network::{NetworkPage, NetworkSession};
use crate::ui::notices::Notices;
use crate::ui::page::PageKind;
use crate::ui::settings::Settings;
use crate::ui::surface::Source;
use crate::ui::surface::session::Session;

impl OptivizApp {
    /// The 2-D page's session (for tests and the benchmark).
    #[must_use]
    pub fn session(&self) -> &Session {
        self.surfaces.session()
    }

    /// The network page's session, once it was shown.
    #[must_use]
    pub fn mlp(&self) -> Option<&NetworkSession> {
        self.network.as_ref().map(NetworkPage::session)
    }

    /// The settings.
    #[must_use]
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Messages on screen.
    #[must_use]
    pub fn notices(&self) -> &Notices {
        &self.notices
    }

    /// The errors of the last file that failed to open, if its dialog is still up.
    #[must_use]
    pub fn load_errors(&self) -> Option<&[String]> {
        self.load_errors.as_ref().map(|(_, e)| e.as_slice())
    }

    /// Where the 2-D scenario came from.
    #[must_use]
    pub fn source(&self) -> &Source {
        self.surfaces.source()
    }

    /// Which page is on screen.
    #[must_use]
    pub fn page(&self) -> PageKind {
        self.page
    }

    /// Where playback stands on the page on screen.
    #[must_use]
    pub fn playback(&self) -> crate::ui::Playback {
        self.current().playback()
    }

    /// True when the document on screen differs from the file it came from (speed aside).
    #[must_use]
    pub fn modified(&self) -> bool {
        self.current().modified()
    }

    /// The theme on screen: the open preset's, else the user's.
    #[must_use]
    pub fn effective_theme(&self) -> Theme {
        self.current().theme().unwrap_or(self.settings.theme)
    }

    /// A command waiting for "discard changes?" to be answered.
    #[must_use]
    pub fn leaving(&self) -> Option<&Command> {
        self.leaving.as_ref()
    }

    /// The 2-D page's focus mode in effect: the preset's list of elements, unless switched off.
    #[must_use]
    pub fn focus(&self) -> Option<&[Element]> {
        self.surfaces.focus()
    }

    /// Whether `element` is on screen under the 2-D page's focus mode.
    #[must_use]
    pub fn shows(&self, element: Element) -> bool {
        self.surfaces.shows(element)
    }

    /// How often the heat map and contour lines were rebuilt (they are cached per view).
    #[must_use]
    pub fn contour_rebuilds(&self) -> usize {
        self.surfaces.contour_rebuilds()
    }

    /// True while the contour picture is being sampled over several frames.
    #[must_use]
    pub fn contours_pending(&self) -> bool {
        self.surfaces.contours_pending()
    }

    /// How often the iso-lines were turned into triangles (reused while the plot stands still).
    #[must_use]
    pub fn line_tessellations(&self) -> usize {
        self.surfaces.line_tessellations()
    }

    /// How often the loss plot's lines were decimated (cached between simulation changes).
    #[must_use]
    pub fn loss_rebuilds(&self) -> usize {
        self.surfaces.loss_rebuilds()
    }

    /// The hyperparameter map's cells computed and all its cells, once it has a map.
    #[must_use]
    pub fn map_progress(&self) -> Option<(usize, usize)> {
        self.surfaces.map_progress()
    }

    /// Why a `--screenshot` run failed, once (the process then exits non-zero).
    pub fn take_screenshot_failure(&mut self) -> Option<String> {
        self.exports.failure.take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::app::LaunchOptions;
    use crate::ui::deck::DEFAULT_BUILTIN;
    use crate::ui::surface::Source;

    #[test]
    fn the_default_scenario_has_runs_and_is_a_quadratic() {
        let s = super::super::files::builtin_scenario(DEFAULT_BUILTIN);
        assert!(s.runs.len() >= 2);
        assert!(s.objective.as_quadratic().is_some());
    }

    #[test]
    fn the_app_starts_on_the_default_preset_without_a_state_file() {
        let app = OptivizApp::new(LaunchOptions::default());
        assert_eq!(app.page(), PageKind::Surfaces);
        assert_eq!(app.source(), &Source::Builtin(DEFAULT_BUILTIN));
        assert!(!app.modified());
    }
}
