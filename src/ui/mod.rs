//! The desktop app (eframe/egui/egui_plot): the only module that uses GUI crates.
//!
//! Every page is built the same way: a session that owns its document, computation and
//! playback and knows no egui, views that draw it, and the `page::Page` trait through which
//! the chrome talks to it. `app` is the frame, the chrome's commands and `apply`, the one place
//! where state changes; `command` is every command and the table of actions (labels,
//! tooltips, shortcuts) that menus, keys, help and README come from; `chrome` draws the menu
//! bar. `surface` is the 2-D page (on `session`, with `contour_view`, `loss_view`, `heatmap`,
//! `theory_panel` and the side panel's `panels`); `network` is the network page (its
//! `session` and its `page`). `exports` takes screenshots (`screenshot`) and GIFs
//! (`gif_export`); `history` is undo/redo, `pace` playback's clock, `settings` what is kept
//! between sessions; `params`, `widgets`, `plot_items` and `theme` are the building blocks
//! every view uses; `deck`, `dialogs` and `notices` do what their names say; `frame_bench`
//! drives the whole app for `optiviz bench`.

mod app;
mod chrome;
mod command;
mod contour_view;
mod deck;
mod dialogs;
mod exports;
pub mod frame_bench;
mod gif_export;
mod heatmap;
mod history;
mod loss_view;
mod network;
mod notices;
mod pace;
mod page;
mod panels;
mod params;
mod plot_items;
mod screenshot;
mod session;
mod settings;
mod surface;
mod theme;
mod theory_panel;
mod widgets;

pub use app::OptivizApp;
pub use command::{Action, Command, help_lines};
pub use deck::BUILTIN;
pub use network::NetworkSession;
pub use page::PageKind;
pub use screenshot::Region;
pub use session::Session;
pub use settings::{Layout, Settings, ViewOption};
pub use surface::Source;

use std::path::PathBuf;

/// How the app starts.
#[derive(Clone, Debug, Default)]
pub struct LaunchOptions {
    /// A preset to open instead of the last state.
    pub preset: Option<PathBuf>,
    /// Take a screenshot to this file after the first frames, then quit.
    pub screenshot: Option<PathBuf>,
    /// ... of this plot only (the theory panel is opened for it).
    pub screenshot_plot: Option<Region>,
    /// ... at this density (default 2).
    pub screenshot_density: Option<f32>,
    /// Show this step (paused) once it is computed.
    pub at_step: Option<usize>,
    /// Window size in points (default 1280x800).
    pub window: Option<[f32; 2]>,
    /// Where state is kept between sessions (`None`: nothing is stored).
    pub state_file: Option<PathBuf>,
}

/// An sRGB triple as an egui colour.
#[must_use]
pub fn color32(c: [u8; 3]) -> egui::Color32 {
    egui::Color32::from_rgb(c[0], c[1], c[2])
}

/// Opens the window and runs until it is closed.
pub fn run_app(launch: LaunchOptions) -> anyhow::Result<()> {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("optiviz")
            .with_app_id("optiviz")
            .with_inner_size(launch.window.unwrap_or([1280.0, 800.0]))
            .with_min_inner_size([640.0, 400.0])
            .with_drag_and_drop(true),
        renderer: eframe::Renderer::Glow,
        ..Default::default()
    };
    let failure = std::sync::Arc::new(std::sync::Mutex::new(None::<String>));
    let failure_out = std::sync::Arc::clone(&failure);
    eframe::run_native(
        "optiviz",
        options,
        Box::new(move |cc| {
            Ok(Box::new(Reporter {
                app: {
                    let _ = cc;
                    OptivizApp::new(launch)
                },
                failure: failure_out,
            }))
        }),
    )
    .map_err(|e| anyhow::anyhow!("could not open the window: {e}"))?;
    if let Some(e) = failure.lock().ok().and_then(|mut f| f.take()) {
        anyhow::bail!("screenshot failed: {e}");
    }
    Ok(())
}

/// Carries a `--screenshot` failure out of eframe's event loop.
struct Reporter {
    app: OptivizApp,
    failure: std::sync::Arc<std::sync::Mutex<Option<String>>>,
}

impl eframe::App for Reporter {
    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        eframe::App::ui(&mut self.app, ui, frame);
        if let Some(e) = self.app.take_screenshot_failure()
            && let Ok(mut f) = self.failure.lock()
        {
            *f = Some(e);
        }
    }

    fn on_exit(&mut self, gl: Option<&eframe::glow::Context>) {
        eframe::App::on_exit(&mut self.app, gl);
    }
}
