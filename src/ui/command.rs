//! Everything the interface can ask for. Widgets return commands; `OptivizApp::apply` carries
//! them out in one place, which keeps behaviour testable without a window.

use crate::scenario::{ScenarioSpec, Theme};
use crate::ui::settings::Layout;
use std::path::PathBuf;

/// A request from the interface.
#[must_use]
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// Play or pause.
    TogglePlay,
    /// One step forward.
    Step,
    /// Back to step 0.
    Reset,
    /// Move the playback position.
    Seek(f64),
    /// Playback speed in steps per second.
    SetSpeed(f64),
    /// An edited document (validated when applied; an invalid one is refused with a notice).
    Edit(Box<ScenarioSpec>),
    /// Move the start point of one run (`Some(index)`) or of all runs.
    SetStart {
        /// Spec index of the run, or all runs.
        run: Option<usize>,
        /// New start point.
        point: [f64; 2],
    },
    /// Select a run (the one Shift-click moves, and whose arrows are drawn).
    SelectRun(usize),
    /// Open a preset file.
    Open(PathBuf),
    /// Open a shipped preset.
    OpenBuiltin(usize),
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
    /// Take a screenshot of the window.
    Screenshot,
    /// Encode the race as an animated GIF (progress bar, Cancel).
    ExportGif,
    /// Save one plot alone as PNG, at the chosen pixel density.
    ExportPlot(crate::ui::screenshot::Region),
    /// Change the screenshot folder.
    SetScreenshotDir(PathBuf),
    /// Full screen on or off.
    ToggleFullscreen,
    /// The keyboard help overlay.
    ToggleHelp,
    /// The eigenvalue (theory) panel.
    ToggleTheory,
    /// Overlay or side by side.
    SetLayout(Layout),
    /// Switch the theme (and store it in the scenario, so saving keeps it).
    SetTheme(Theme),
    /// Show the 2-D page or the network page.
    SetPage(crate::ui::app::Page),
    /// Open a shipped MLP preset on the network page.
    OpenBuiltinMlp(usize),
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
}
