//! How the app starts ([`LaunchOptions`]) and, on the desktop, eframe's native runner around
//! it (the browser's runner is `browser.rs`).

#[cfg(not(target_arch = "wasm32"))]
use super::OptivizApp;
use crate::ui::region::Region;
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
    /// A link to open instead of the last state (`optiviz 'https://...#s=...'`).
    pub link: Option<String>,
}

/// Opens the window and runs until it is closed.
#[cfg(not(target_arch = "wasm32"))]
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
#[cfg(not(target_arch = "wasm32"))]
struct Reporter {
    app: OptivizApp,
    failure: std::sync::Arc<std::sync::Mutex<Option<String>>>,
}

#[cfg(not(target_arch = "wasm32"))]
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
