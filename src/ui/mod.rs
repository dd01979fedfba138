//! The desktop app (eframe/egui/egui_plot): the only module that uses GUI crates.
//!
//! Every page is built the same way: a session that owns its document, computation and
//! playback and knows no egui, views that draw it, and the `page::Page` trait through which
//! the chrome talks to it. Layers, each using only those below it:
//!
//! - `app` (the frame, the chrome's commands and `apply`, the one place where state changes)
//!   and `frame_bench` (drives the whole app headless for `optiviz bench`);
//! - the parts: `chrome` (menu bar, dropped files, dialogs), `surface` (the 2-D page: its
//!   `session`, `contour_view`, `loss_view`, `heatmap`, `theory_panel` and the side panel's
//!   `panels`), `network` (the network page: `session`, `page`, `plots`, `editors`) and
//!   `export` (screenshots, plot exports and race GIFs);
//! - `platform`: the only module that knows whether the app is on the desktop or in a browser
//!   (files, the file picker, stored state, threads, the window and the page's address);
//! - the base: `command` (every command and the table of actions whose labels, tooltips and
//!   shortcuts the menus, keys, help and README come from), `page` (the trait), `region`
//!   (the exportable plots), `settings` (what is kept between sessions), `deck`, `history`
//!   (undo/redo), `pace` (playback's clock), `notices`, `theme` and `widgets` (sliders, the
//!   optimizer editors in `params`, and `plot_items`, what every plot is made of).

mod app;
mod chrome;
mod command;
mod deck;
mod export;
pub mod frame_bench;
mod history;
mod network;
mod notices;
mod pace;
mod page;
mod platform;
mod region;
mod settings;
mod surface;
mod theme;
mod widgets;

#[cfg(not(target_arch = "wasm32"))]
pub use app::run_app;
#[cfg(target_arch = "wasm32")]
pub use app::start_web;
pub use app::{LaunchOptions, OptivizApp};
pub use command::{Action, Command, help_lines};
pub use deck::BUILTIN;
pub use network::NetworkSession;
pub use page::{PageKind, Playback};
pub use region::Region;
pub use settings::{Layout, Settings, ViewOption};
pub use surface::Source;
pub use surface::session::Session;
