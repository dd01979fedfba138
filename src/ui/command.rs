//! Everything the interface can ask for. Widgets, menus and keys return commands;
//! `OptivizApp::apply` carries them out in one place, which keeps behaviour testable without a
//! window.
//!
//! The commands a user can name (a menu item, a key) are [`Action`]s, and [`TABLE`] gives each
//! its label, tooltip, shortcuts and line of help: the menus, the keyboard handler, the F1
//! overlay and the README's shortcut table (a test compares) all come from it.

use crate::scenario::mlp::MlpSpec;
use crate::scenario::{ScenarioSpec, Theme};
use crate::ui::settings::{Layout, ViewOption};
use egui::{Key, Modifiers};
use std::path::PathBuf;

/// A request from the interface.
#[must_use]
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// Play or pause the page on screen.
    TogglePlay,
    /// One step forward.
    Step,
    /// Back to step 0.
    Reset,
    /// Move the playback position (2-D page).
    Seek(f64),
    /// Playback speed in steps per second.
    SetSpeed(f64),
    /// An edited 2-D document (validated when applied; an invalid one is refused with a notice).
    Edit(Box<ScenarioSpec>),
    /// An edited network document (likewise).
    EditNetwork(Box<MlpSpec>),
    /// Move the start point of one run (`Some(index)`) or of all runs.
    SetStart {
        /// Spec index of the run, or all runs.
        run: Option<usize>,
        /// New start point.
        point: [f64; 2],
    },
    /// Select a run (the one Shift-drag moves, and whose arrows are drawn).
    SelectRun(usize),
    /// Compute the loss-landscape slice of this network run (its index among enabled runs).
    ComputeSlice(usize),
    /// Open a preset file.
    Open(PathBuf),
    /// Open the scenario a link carries (`scenario::link`), at its step if it names one.
    OpenLink(String),
    /// Open a preset given as text (the browser's file picker, a file dropped on a page).
    OpenText {
        /// The file's name (errors name it).
        name: String,
        /// Its text.
        text: String,
    },
    /// Put a link to the page's document (and the step on screen, when paused) on the
    /// clipboard.
    CopyLink,
    /// Open a shipped preset.
    OpenBuiltin(usize),
    /// Open a shipped MLP preset on the network page.
    OpenBuiltinMlp(usize),
    /// Next (+1) or previous (-1) preset of the deck.
    Deck(isize),
    /// Save to the current file, or ask for a name.
    Save,
    /// Save to this file.
    SaveAs(PathBuf),
    /// Show the open dialog.
    ShowOpenDialog,
    /// Show the save dialog.
    ShowSaveDialog,
    /// Show the dialog that picks the screenshot folder.
    ShowFolderDialog,
    /// Take a screenshot of the window.
    Screenshot,
    /// Encode the race as an animated GIF (progress bar, Cancel).
    ExportGif,
    /// Save one plot alone as PNG, at the chosen pixel density.
    ExportPlot(crate::ui::region::Region),
    /// Pixel density of plot exports (1 to 4).
    SetExportDensity(f32),
    /// Change the screenshot folder.
    SetScreenshotDir(PathBuf),
    /// Full screen on or off.
    ToggleFullscreen,
    /// The keyboard help overlay.
    ToggleHelp,
    /// The eigenvalue (theory) panel.
    ToggleTheory,
    /// Show or hide one part of the 2-D view (heat map, contours, loss plot, arrows).
    SetViewOption(ViewOption, bool),
    /// Overlay or side by side.
    SetLayout(Layout),
    /// The interface zoom changed (egui's own Ctrl+Plus / Ctrl+Minus): remember it.
    RememberZoom(f32),
    /// Switch the theme (and store it in the scenario, so saving keeps it).
    SetTheme(Theme),
    /// Draw only each path's last this many steps, or whole paths (`None`); stored in the
    /// 2-D scenario, so saving keeps it.
    SetTrail(Option<usize>),
    /// The loss plot's axes and references; stored in the 2-D scenario, so saving keeps them.
    SetLossPlot(crate::scenario::LossPlot),
    /// Show the 2-D page or the network page.
    SetPage(PageKind),
    /// Focus mode off (show everything) or back on, for a preset that has one.
    ToggleFocus,
    /// Undo the last edit of the page's document.
    Undo,
    /// Redo what was undone.
    Redo,
    /// Back to the preset as it was opened or last saved (undoable).
    Revert,
    /// Go on with a command that leaves a modified document, discarding its edits.
    DiscardAndContinue(Box<Command>),
    /// Close a dialog (cancelled, answered or dismissed).
    CloseDialog(Dialog),
}

/// The app's dialogs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialog {
    /// Open, save or pick a folder.
    File,
    /// The errors of a file that could not be opened.
    LoadErrors,
    /// "Discard changes?" (closing it keeps editing).
    Leaving,
    /// The keyboard and mouse help.
    Help,
}

/// The two pages of the app.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageKind {
    /// Optimizers on 2-D surfaces.
    Surfaces,
    /// A small network trained by the same optimizers.
    Network,
}

/// The commands a user can name: each has a row in the command table (`TABLE`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Play / pause.
    TogglePlay,
    /// One step.
    Step,
    /// Back to step 0.
    Reset,
    /// Next preset of the deck.
    NextPreset,
    /// Previous preset of the deck.
    PreviousPreset,
    /// Open a preset.
    Open,
    /// Save.
    Save,
    /// Save as.
    SaveAs,
    /// Undo an edit.
    Undo,
    /// Redo an edit.
    Redo,
    /// All edits undone.
    Revert,
    /// Screenshot of the window.
    Screenshot,
    /// Race GIF.
    ExportGif,
    /// Screenshot folder.
    ScreenshotFolder,
    /// A link to the scenario.
    CopyLink,
    /// Full screen.
    Fullscreen,
    /// Keyboard help.
    Help,
    /// Theory panel.
    Theory,
    /// Focus mode.
    Focus,
}

impl Action {
    /// The command this action asks for.
    pub fn command(self) -> Command {
        match self {
            Self::TogglePlay => Command::TogglePlay,
            Self::Step => Command::Step,
            Self::Reset => Command::Reset,
            Self::NextPreset => Command::Deck(1),
            Self::PreviousPreset => Command::Deck(-1),
            Self::Open => Command::ShowOpenDialog,
            Self::Save => Command::Save,
            Self::SaveAs => Command::ShowSaveDialog,
            Self::Undo => Command::Undo,
            Self::Redo => Command::Redo,
            Self::Revert => Command::Revert,
            Self::Screenshot => Command::Screenshot,
            Self::ExportGif => Command::ExportGif,
            Self::ScreenshotFolder => Command::ShowFolderDialog,
            Self::CopyLink => Command::CopyLink,
            Self::Fullscreen => Command::ToggleFullscreen,
            Self::Help => Command::ToggleHelp,
            Self::Theory => Command::ToggleTheory,
            Self::Focus => Command::ToggleFocus,
        }
    }

    /// This action's row of the command table.
    #[must_use]
    pub fn row(self) -> &'static Row {
        TABLE.iter().find(|r| r.action == self).unwrap_or(&TABLE[0])
    }

    /// "Save as…  (Ctrl+Shift+S)": the menu text.
    #[must_use]
    pub fn menu_text(self) -> String {
        let row = self.row();
        match row.keys.first() {
            Some(k) => format!("{}  ({})", row.label, k.text()),
            None => row.label.to_owned(),
        }
    }

    /// The tooltip, with the first shortcut.
    #[must_use]
    pub fn hover_text(self) -> String {
        let row = self.row();
        match row.keys.first() {
            Some(k) => format!("{} ({})", row.tooltip, k.text()),
            None => row.tooltip.to_owned(),
        }
    }
}

/// A key with its modifiers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shortcut {
    /// Ctrl (Cmd on a Mac), Shift, ...
    pub modifiers: Modifiers,
    /// The key.
    pub key: Key,
    /// Taken even while a text field is being typed into (Ctrl+S, F12), or only otherwise
    /// (Space, Ctrl+Z: a text field has its own).
    pub while_typing: bool,
}

impl Shortcut {
    const fn plain(key: Key) -> Self {
        Self {
            modifiers: Modifiers::NONE,
            key,
            while_typing: false,
        }
    }

    const fn function(key: Key) -> Self {
        Self {
            modifiers: Modifiers::NONE,
            key,
            while_typing: true,
        }
    }

    const fn ctrl(key: Key, while_typing: bool) -> Self {
        Self {
            modifiers: Modifiers::COMMAND,
            key,
            while_typing,
        }
    }

    const fn ctrl_shift(key: Key, while_typing: bool) -> Self {
        Self {
            modifiers: Modifiers::COMMAND.plus(Modifiers::SHIFT),
            key,
            while_typing,
        }
    }

    /// "Ctrl+Shift+S", "PageDown", "Right arrow".
    #[must_use]
    pub fn text(self) -> String {
        let key = match self.key {
            Key::ArrowRight => "Right arrow".to_owned(),
            Key::ArrowLeft => "Left arrow".to_owned(),
            k => k.name().to_owned(),
        };
        let mut parts = Vec::new();
        if self.modifiers.command || self.modifiers.ctrl {
            parts.push("Ctrl");
        }
        if self.modifiers.shift {
            parts.push("Shift");
        }
        parts.push(&key);
        parts.join("+")
    }
}

/// One action's label, tooltip, shortcuts and line in the help overlay.
#[derive(Clone, Copy, Debug)]
pub struct Row {
    /// Which action.
    pub action: Action,
    /// Menu and button text.
    pub label: &'static str,
    /// What it does, on hover.
    pub tooltip: &'static str,
    /// Its keys, the first one shown in menus.
    pub keys: &'static [Shortcut],
    /// Its line in the help overlay and the README, after the keys; empty: not listed.
    pub help: &'static str,
}

/// Every action. Order: the help overlay's.
pub const TABLE: [Row; 19] = [
    Row {
        action: Action::TogglePlay,
        label: "Play / pause",
        tooltip: "Play or pause the runs",
        keys: &[Shortcut::plain(Key::Space)],
        help: "play / pause",
    },
    Row {
        action: Action::Step,
        label: "Step",
        tooltip: "One step forward",
        keys: &[Shortcut::plain(Key::ArrowRight)],
        help: "one step",
    },
    Row {
        action: Action::Reset,
        label: "Reset",
        tooltip: "Back to step 0",
        keys: &[Shortcut::plain(Key::R)],
        help: "reset to step 0",
    },
    Row {
        action: Action::NextPreset,
        label: "Next preset",
        tooltip: "Next preset of the deck",
        keys: &[Shortcut::plain(Key::PageDown)],
        help: "",
    },
    Row {
        action: Action::PreviousPreset,
        label: "Previous preset",
        tooltip: "Previous preset of the deck",
        keys: &[Shortcut::plain(Key::PageUp)],
        help: "",
    },
    Row {
        action: Action::Fullscreen,
        label: "Full screen",
        tooltip: "Full screen on or off",
        keys: &[Shortcut::function(Key::F11)],
        help: "full screen",
    },
    Row {
        action: Action::Screenshot,
        label: "Screenshot",
        tooltip: "Save the window as PNG at 2x pixel density in the screenshot folder",
        keys: &[Shortcut::function(Key::F12)],
        help: "screenshot of the window (PNG, 2x)",
    },
    Row {
        action: Action::Help,
        label: "Keyboard help",
        tooltip: "Every key and mouse gesture",
        keys: &[Shortcut::function(Key::F1)],
        help: "this help",
    },
    Row {
        action: Action::Theory,
        label: "Theory panel",
        tooltip: "Eigenvalues, rate curves, measured against predicted",
        keys: &[Shortcut::plain(Key::T)],
        help: "theory panel: eigenvalues, rate curves, measured against predicted",
    },
    Row {
        action: Action::Focus,
        label: "Focus mode",
        tooltip: "Only what the preset names, or everything",
        keys: &[Shortcut::plain(Key::F)],
        help: "focus mode on / off (for presets that hide controls)",
    },
    Row {
        action: Action::Open,
        label: "Open…",
        tooltip: "Open a preset file",
        keys: &[Shortcut::ctrl(Key::O, true)],
        help: "open a preset",
    },
    Row {
        action: Action::Save,
        label: "Save",
        tooltip: "Save the scenario",
        keys: &[Shortcut::ctrl(Key::S, true)],
        help: "",
    },
    Row {
        action: Action::SaveAs,
        label: "Save as…",
        tooltip: "Save under a new name",
        keys: &[Shortcut::ctrl_shift(Key::S, true)],
        help: "",
    },
    Row {
        action: Action::Undo,
        label: "Undo",
        tooltip: "Undo the last edit",
        keys: &[Shortcut::ctrl(Key::Z, false)],
        help: "",
    },
    Row {
        action: Action::Redo,
        label: "Redo",
        tooltip: "Redo what was undone",
        keys: &[
            Shortcut::ctrl_shift(Key::Z, false),
            Shortcut::ctrl(Key::Y, false),
        ],
        help: "",
    },
    Row {
        action: Action::Revert,
        label: "Revert to preset",
        tooltip: "Back to the preset as it was opened or last saved (Undo brings the edits back)",
        keys: &[],
        help: "",
    },
    Row {
        action: Action::ExportGif,
        label: "Export race as GIF",
        tooltip: "An animated GIF of the runs from step 0 to the step budget (960 x 600, 30 \
                  frames per second, 6 seconds), in the current theme",
        keys: &[],
        help: "",
    },
    Row {
        action: Action::CopyLink,
        label: "Copy link",
        tooltip: "A link that opens this scenario in optiviz's web build (at the step on \
                  screen, when paused): copied to the clipboard and shown",
        keys: &[Shortcut::ctrl(Key::L, false)],
        help: "copy a link to the scenario (opens in the web build)",
    },
    Row {
        action: Action::ScreenshotFolder,
        label: "Screenshot folder…",
        tooltip: "Where screenshots, plot exports and GIFs go",
        keys: &[],
        help: "",
    },
];

/// Pairs of actions the help overlay lists on one line ("Ctrl+S / Ctrl+Shift+S": save / save
/// as), with that line's text.
const PAIRS: [(Action, Action, &str); 3] = [
    (
        Action::NextPreset,
        Action::PreviousPreset,
        "next / previous preset of the deck (presenter clickers)",
    ),
    (Action::Save, Action::SaveAs, "save / save as"),
    (
        Action::Undo,
        Action::Redo,
        "undo / redo an edit (Edit > Revert to preset: all of them)",
    ),
];

/// What the mouse does, for the help overlay.
const MOUSE: [(&str, &str); 6] = [
    (
        "Ctrl + / Ctrl - / Ctrl 0",
        "larger / smaller / normal interface",
    ),
    (
        "Left drag on the plot",
        "move the start point of every run (a click never moves it)",
    ),
    ("Shift + left drag", "move the selected run's start only"),
    ("Right drag, wheel", "pan, zoom"),
    ("Double-click on the plot", "back to the scenario's view"),
    ("Double-click a slider", "back to its default"),
];

/// Every line of the help overlay (and of the README's table): keys, then what they do.
#[must_use]
pub fn help_lines() -> Vec<(String, String)> {
    let mut lines = Vec::new();
    for row in &TABLE {
        if let Some((a, b, text)) = PAIRS.iter().find(|(a, _, _)| *a == row.action) {
            let key = |x: Action| x.row().keys.first().map(|k| k.text()).unwrap_or_default();
            lines.push((format!("{} / {}", key(*a), key(*b)), (*text).to_owned()));
        } else if !row.help.is_empty()
            && let Some(k) = row.keys.first()
        {
            lines.push((k.text(), row.help.to_owned()));
        }
    }
    lines.extend(
        MOUSE
            .iter()
            .map(|(k, t)| ((*k).to_owned(), (*t).to_owned())),
    );
    lines
}

/// The actions whose shortcuts were pressed this frame. `typing`: a text field has the
/// keyboard (then only the shortcuts marked `while_typing` count).
pub fn pressed(ctx: &egui::Context, typing: bool) -> Vec<Action> {
    let mut hits = Vec::new();
    // Longer combinations first, so Ctrl+Shift+S is not taken for Ctrl+S.
    let mut keys: Vec<(Action, Shortcut)> = TABLE
        .iter()
        .flat_map(|r| r.keys.iter().map(move |k| (r.action, *k)))
        .filter(|(_, k)| !typing || k.while_typing)
        .collect();
    keys.sort_by_key(|(_, k)| std::cmp::Reverse(u8::from(k.modifiers.shift)));
    for (action, k) in keys {
        let hit = if k.modifiers.is_none() {
            // A plain key counts without modifiers; function keys with any.
            ctx.input(|i| i.key_pressed(k.key) && (k.while_typing || !i.modifiers.any()))
        } else {
            ctx.input_mut(|i| i.consume_shortcut(&egui::KeyboardShortcut::new(k.modifiers, k.key)))
        };
        if hit && !hits.contains(&action) {
            hits.push(action);
        }
    }
    hits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_one_row_and_no_key_is_taken_twice() {
        for row in &TABLE {
            assert_eq!(
                TABLE.iter().filter(|r| r.action == row.action).count(),
                1,
                "{:?}",
                row.action
            );
            assert!(!row.label.is_empty() && !row.tooltip.is_empty());
        }
        let keys: Vec<Shortcut> = TABLE.iter().flat_map(|r| r.keys.iter().copied()).collect();
        for (i, a) in keys.iter().enumerate() {
            assert!(
                keys[i + 1..]
                    .iter()
                    .all(|b| (a.modifiers, a.key) != (b.modifiers, b.key)),
                "{} twice",
                a.text()
            );
        }
    }

    #[test]
    fn shortcut_texts_and_help_lines() {
        assert_eq!(Action::SaveAs.row().keys[0].text(), "Ctrl+Shift+S");
        assert_eq!(Action::Step.row().keys[0].text(), "Right arrow");
        assert_eq!(Action::SaveAs.menu_text(), "Save as…  (Ctrl+Shift+S)");
        let lines = help_lines();
        assert!(lines.contains(&("Space".to_owned(), "play / pause".to_owned())));
        assert!(lines.contains(&(
            "Ctrl+S / Ctrl+Shift+S".to_owned(),
            "save / save as".to_owned()
        )));
        assert!(lines.iter().any(|(k, _)| k == "PageDown / PageUp"));
        assert!(lines.iter().any(|(k, _)| k == "Ctrl+Z / Ctrl+Shift+Z"));
    }
}
