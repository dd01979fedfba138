//! The state kept between sessions: the settings and the 2-D document on screen, written
//! atomically every 20 seconds when something changed, and on exit; a state file that cannot
//! be read falls back to the defaults with a notice.

use super::LaunchOptions;
use super::OptivizApp;
use crate::io;
use crate::scenario;
use crate::ui::deck::{BUILTIN, DEFAULT_BUILTIN, Deck};
use crate::ui::notices::Notices;
use crate::ui::page::Page;
use crate::ui::settings::Settings;
use crate::ui::surface::Source;

/// Seconds between automatic saves of the app state.
const PERSIST_EVERY_SECS: f64 = 20.0;

/// The stored settings and whether there were any (a broken file is a notice and defaults).
pub(super) fn read_settings(launch: &LaunchOptions, notices: &mut Notices) -> (Settings, bool) {
    let Some(path) = launch.state_file.as_deref().filter(|p| p.exists()) else {
        return (Settings::default(), false);
    };
    match io::read_text(path)
        .map_err(|e| e.to_string())
        .and_then(|t| Settings::from_ron(&t).map_err(|e| e.to_string()))
    {
        Ok(s) => {
            let (s, reset) = s.validated(BUILTIN.len());
            if !reset.is_empty() {
                notices.error(format!(
                    "The saved state had values out of range ({}); those start from their defaults.",
                    reset.join(", ")
                ));
            }
            (s, true)
        }
        Err(e) => {
            notices.error(format!(
                "The saved state could not be read ({e}); starting from the default scenario."
            ));
            (Settings::default(), false)
        }
    }
}

impl OptivizApp {
    /// Opens the scenario stored in the settings, if any and valid.
    pub(super) fn restore(&mut self) {
        let Some(text) = self.settings.scenario_ron.clone() else {
            return;
        };
        match scenario::parse(&text, "saved state") {
            Ok(s) => {
                let source = match (&self.settings.scenario_path, self.settings.builtin) {
                    (Some(p), _) => Source::File(p.clone()),
                    (None, Some(i)) if i < BUILTIN.len() => Source::Builtin(i),
                    _ => Source::Unsaved,
                };
                let deck = match &source {
                    Source::File(p) => Deck::around_file(p),
                    Source::Builtin(i) => Deck::builtin(*i),
                    Source::Unsaved => Deck::builtin(DEFAULT_BUILTIN),
                };
                if let Err(e) = self.surfaces.open(s, source, deck) {
                    self.notices
                        .error(format!("The saved scenario could not be started: {e}"));
                }
            }
            Err(e) => self.notices.error(format!(
                "The saved scenario could not be restored ({}); showing the default scenario.",
                e.0.first().map(ToString::to_string).unwrap_or_default()
            )),
        }
    }

    /// The settings as they should be stored now.
    fn snapshot_settings(&self) -> Settings {
        let mut s = self.settings.clone();
        s.scenario_ron = Page::to_ron(&self.surfaces).ok();
        s.scenario_path = match self.surfaces.source() {
            Source::File(p) => Some(p.clone()),
            _ => None,
        };
        s.builtin = match self.surfaces.source() {
            Source::Builtin(i) => Some(*i),
            _ => None,
        };
        s
    }

    pub(super) fn persist_now_and_then(&mut self, ctx: &egui::Context) {
        let now = ctx.input(|i| i.time);
        if now - self.last_persist >= PERSIST_EVERY_SECS && !self.exports.capturing() {
            self.last_persist = now;
            self.persist();
        }
    }

    /// Writes the state file (atomically) if anything changed since the last write.
    pub fn persist(&mut self) {
        let Some(path) = self.state_file.clone() else {
            return;
        };
        let Ok(text) = self.snapshot_settings().to_ron() else {
            return;
        };
        if self.persisted.as_deref() == Some(text.as_str()) {
            return;
        }
        if let Some(dir) = path.parent() {
            let _ = io::create_dir(dir);
        }
        match io::write_atomic(&path, text.as_bytes()) {
            Ok(()) => self.persisted = Some(text),
            Err(e) => self
                .notices
                .error(format!("Could not save the app state: {e}")),
        }
    }
}
