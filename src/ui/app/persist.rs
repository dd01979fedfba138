//! The state kept between sessions: the settings and the 2-D document on screen, written every
//! 20 seconds (2 in a browser) when something changed, and on exit (a file written atomically on the desktop,
//! the page's local storage in a browser); a state that cannot be read falls back to the
//! defaults with a notice.

use super::OptivizApp;
use crate::scenario;
use crate::ui::deck::{BUILTIN, Deck};
use crate::ui::notices::Notices;
use crate::ui::page::Page;
use crate::ui::platform::StateStore;
use crate::ui::settings::Settings;
use crate::ui::surface::Source;

/// Seconds between automatic saves of the app state.
/// A browser gives the page no reliable last word when its tab closes, and local storage is
/// cheap, so it is written more often there.
const PERSIST_EVERY_SECS: f64 = if crate::ui::platform::HAS_FILES {
    20.0
} else {
    2.0
};

/// The stored settings and whether there were any (a broken file is a notice and defaults).
pub(super) fn read_settings(store: &StateStore, notices: &mut Notices) -> (Settings, bool) {
    let Some(stored) = store.read() else {
        return (Settings::default(), false);
    };
    match stored.and_then(|t| Settings::from_ron_lenient(&t).map_err(|e| e.to_string())) {
        Ok((s, unreadable)) => {
            let (s, reset) = s.validated(BUILTIN.len());
            if !unreadable.is_empty() {
                notices.error(format!(
                    "The saved state had values that could not be read ({}); those start from \
                     their defaults.",
                    unreadable.join(", ")
                ));
            }
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
                    Source::Unsaved => Deck::builtin_named(&s.spec.name),
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
        if !self.state.keeps() {
            return;
        }
        let now = ctx.input(|i| i.time);
        if now - self.last_persist >= PERSIST_EVERY_SECS && !self.exports.capturing() {
            self.last_persist = now;
            self.persist();
        }
        // An idle app draws no frames: come back when the next write is due, so a change made
        // just before the app went idle is kept too (one frame per period).
        ctx.request_repaint_after(web_time::Duration::from_secs_f64(
            (self.last_persist + PERSIST_EVERY_SECS - now).max(0.1),
        ));
    }

    /// Stores the state if anything changed since the last write.
    pub fn persist(&mut self) {
        if !self.state.keeps() {
            return;
        }
        let Ok(text) = self.snapshot_settings().to_ron() else {
            return;
        };
        if self.persisted.as_deref() == Some(text.as_str()) {
            return;
        }
        match self.state.write(&text) {
            Ok(()) => self.persisted = Some(text),
            Err(e) => self
                .notices
                .error(format!("Could not save the app state: {e}")),
        }
    }
}
