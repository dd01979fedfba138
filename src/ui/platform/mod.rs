//! The one place in `ui/` that knows which platform the app runs on: the desktop
//! (`native.rs`) or a browser (`web.rs`, the wasm32 build). Everything else asks here, through
//! the same functions on both:
//!
//! - files the app writes (saved presets, screenshots, plot exports, GIFs) are [`deliver`]ed:
//!   written atomically under their path on the desktop, downloaded under their file name in a
//!   browser;
//! - opening a preset: the desktop shows the app's own file dialog; a browser shows its file
//!   picker ([`pick_preset`]), whose answer arrives in a later frame ([`take_picked`]);
//! - the state kept between sessions ([`StateStore`]): a file on the desktop, the page's local
//!   storage in a browser;
//! - work off the interface thread ([`spawn`]): a thread on the desktop, at once in a browser
//!   (no blocking threads there; long work is time-sliced per frame everywhere);
//! - the window: title, full screen, and in a browser what the page may read of the app
//!   ([`expose`]: the title and `data-optiviz-*` attributes of the page's body) and the link in
//!   its address ([`address_link`]);
//! - where links point ([`link_base`]).
//!
//! The clock is `web_time` everywhere (std's `Instant` panics in a browser).

#[cfg(not(target_arch = "wasm32"))]
mod native;
#[cfg(not(target_arch = "wasm32"))]
use native as imp;

#[cfg(target_arch = "wasm32")]
mod web;
#[cfg(target_arch = "wasm32")]
use web as imp;

use std::path::{Path, PathBuf};

/// True where the app can list folders and open or save files by path (the desktop): decks of
/// preset files, the screenshot folder, Save to the file a preset came from.
pub const HAS_FILES: bool = imp::HAS_FILES;

/// True where the app may resize its window (the desktop), which screenshots at a higher
/// pixel density than the screen's do; a browser captures at the page's density.
pub const CAN_RESIZE_WINDOW: bool = imp::HAS_FILES;

/// Writes `bytes` as the file `path` (desktop: atomically, creating its folder) or downloads
/// them under `path`'s file name (browser). Returns how to say where it went ("Saved ...").
pub fn deliver(path: &Path, bytes: &[u8]) -> Result<String, String> {
    imp::deliver(path, bytes)
}

/// Runs `work` off the interface thread where there are threads (the desktop), else at once.
pub fn spawn(work: impl FnOnce() + Send + 'static) {
    imp::spawn(work);
}

/// Asks the browser's file picker for a preset (desktop: nothing; the app's own dialog is used).
pub fn pick_preset(ctx: &egui::Context) {
    imp::pick_preset(ctx);
}

/// A preset the browser's file picker delivered since the last call: its file name and its text,
/// or why it could not be read.
#[must_use]
pub fn take_picked() -> Option<(String, Result<String, String>)> {
    imp::take_picked()
}

/// A preset file dropped on the window: its path to open (desktop), or `None` when its text
/// arrives in a later frame through [`take_picked`] (browser, which gives no paths).
#[must_use]
pub fn dropped(ctx: &egui::Context, file: &egui::DroppedFileHandle) -> Option<PathBuf> {
    imp::dropped(ctx, file)
}

/// Full screen on or off.
pub fn toggle_fullscreen(ctx: &egui::Context) {
    imp::toggle_fullscreen(ctx);
}

/// Sets the window's (or the browser tab's) title.
pub fn set_title(ctx: &egui::Context, title: &str) {
    imp::set_title(ctx, title);
}

/// What the page around the app may read (the web build's tests and measurements), as
/// `data-optiviz-*` attributes of the page's body: the document on screen, its playback, the
/// error dialog's first line, and the app's own time per frame.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Exposed {
    /// The document's name.
    pub scenario: String,
    /// The step on screen.
    pub step: usize,
    /// Steps computed (the 2-D page) or trained (the network page).
    pub computed: usize,
    /// The step budget.
    pub total: usize,
    /// Runs stepping (the 2-D page's enabled runs; the network page's runs).
    pub runs: usize,
    /// Playing or paused.
    pub playing: bool,
    /// Frames drawn so far.
    pub frames: u64,
    /// The app's own time per frame (drawing the interface and the frame's work, not the
    /// browser's painting) over the last 30 frames: "median / 90th percentile" in ms.
    pub frame_ms: String,
    /// The first line of the error dialog on screen, if one is.
    pub error: Option<String>,
}

/// Shows `status` to the page around the app (browser; the desktop has no page).
pub fn expose(status: &Exposed) {
    imp::expose(status);
}

/// A link in the page's address that has not been opened yet (browser: at start, and after the
/// address's `#...` changes; desktop: never).
#[must_use]
pub fn address_link() -> Option<String> {
    imp::address_link()
}

/// The web address links point to: where this page is served (browser), else
/// `$OPTIVIZ_LINK_BASE`, else the local web build ([`crate::scenario::link::DEFAULT_BASE`]).
#[must_use]
pub fn link_base() -> String {
    imp::link_base()
}

/// Where the state is kept between sessions.
#[derive(Clone, Debug, Default)]
pub enum StateStore {
    /// Nothing is kept (`--fresh`, `--screenshot`, tests).
    #[default]
    Nowhere,
    /// A file (the desktop).
    File(std::path::PathBuf),
    /// The page's local storage (a browser).
    Local,
}

impl StateStore {
    /// The stored text: `None` when nothing is stored, else the text or why it cannot be read.
    #[must_use]
    pub fn read(&self) -> Option<Result<String, String>> {
        match self {
            Self::Nowhere => None,
            Self::File(path) => path
                .exists()
                .then(|| crate::io::read_text(path).map_err(|e| e.to_string())),
            Self::Local => imp::read_local(),
        }
    }

    /// Stores `text` (a file atomically; local storage at once).
    pub fn write(&self, text: &str) -> Result<(), String> {
        match self {
            Self::Nowhere => Ok(()),
            Self::File(path) => {
                if let Some(dir) = path.parent() {
                    let _ = crate::io::create_dir(dir);
                }
                crate::io::write_atomic(path, text.as_bytes()).map_err(|e| e.to_string())
            }
            Self::Local => imp::write_local(text),
        }
    }

    /// True when something is kept.
    #[must_use]
    pub fn keeps(&self) -> bool {
        !matches!(self, Self::Nowhere)
    }
}
