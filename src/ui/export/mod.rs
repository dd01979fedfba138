//! Pictures out of the app: screenshots of the window or of one plot (`screenshot.rs` does the
//! capture), the `--screenshot` run of a script, and race GIFs encoded a slice per frame
//! (`gif.rs`). Files go to the screenshot folder (a browser downloads them); every outcome
//! becomes a notice.

pub mod gif;
pub mod screenshot;

use crate::scenario::{Scenario, Theme};
use crate::ui::export::gif::{GifExport, Status};
use crate::ui::export::screenshot::{Request, Saved, Screenshots};
use crate::ui::notices::Notices;
use crate::ui::region::{Region, Regions};
use std::path::{Path, PathBuf};

/// A `--screenshot` run: take one picture after the first frames, print its path, quit.
#[derive(Clone, Debug, PartialEq)]
pub struct ScriptedShot {
    /// The PNG file.
    pub path: PathBuf,
    /// One plot alone, or the window.
    pub region: Option<Region>,
    /// Pixel density (default 2).
    pub density: f32,
    /// Asked for already.
    pub requested: bool,
}

/// Screenshots, plot exports and GIFs in progress, and where the exportable plots are drawn.
#[derive(Default)]
pub struct Exports {
    screenshots: Screenshots,
    gif: Option<GifExport>,
    /// Where the exportable plots were drawn this frame (pages fill it in).
    pub regions: Regions,
    /// ... and in the previous frame (what the menu offers before this frame's are drawn).
    pub shown_regions: Regions,
    /// Set when a `--screenshot` run failed (the process exits non-zero).
    pub failure: Option<String>,
}

impl Exports {
    /// Starts a frame: last frame's regions are what the menu offers.
    pub fn begin_frame(&mut self) {
        self.shown_regions = std::mem::take(&mut self.regions);
    }

    /// True while a screenshot is being taken (the window may be enlarged: the zoom and the
    /// state file must not follow it).
    #[must_use]
    pub fn capturing(&self) -> bool {
        self.screenshots.busy()
    }

    /// True while a GIF is being encoded.
    #[must_use]
    pub fn gif_busy(&self) -> bool {
        self.gif.is_some()
    }

    /// A screenshot of the window (2x) or of one plot (at `density`) into `dir`.
    pub fn capture(
        &mut self,
        ctx: &egui::Context,
        dir: &Path,
        region: Option<Region>,
        density: f32,
    ) {
        let stamp = stamp(ctx);
        let name = match region {
            Some(r) => format!("optiviz-{}-{stamp}.png", r.slug()),
            None => format!("optiviz-{stamp}.png"),
        };
        self.screenshots.request(Request {
            path: dir.join(name),
            density: region.map_or(2.0, |_| density),
            region,
        });
    }

    /// Starts a race GIF of `scenario` in `theme` into `dir`, with the Taylor models at the
    /// point of enabled run `taylor` if given.
    pub fn start_gif(
        &mut self,
        ctx: &egui::Context,
        dir: &Path,
        scenario: &Scenario,
        theme: Theme,
        taylor: Option<usize>,
        notices: &mut Notices,
    ) {
        if self.gif.is_some() {
            return;
        }
        let path = dir.join(format!("optiviz-race-{}.gif", stamp(ctx)));
        match GifExport::start(scenario, theme, taylor, path) {
            Ok(g) => self.gif = Some(g),
            Err(e) => notices.error(format!("GIF not started: {e}")),
        }
    }

    /// Advances a GIF export and shows its progress with a Cancel button.
    pub fn gif_frame(&mut self, ctx: &egui::Context, notices: &mut Notices) {
        let Some(gif) = &mut self.gif else {
            return;
        };
        let status = gif.work();
        let mut cancel = false;
        egui::Window::new("Exporting GIF")
            .collapsible(false)
            .resizable(false)
            .anchor(egui::Align2::CENTER_CENTER, egui::Vec2::ZERO)
            .show(ctx, |ui| {
                ui.label(gif.path().display().to_string());
                ui.add(
                    egui::ProgressBar::new(gif.fraction())
                        .desired_width(320.0)
                        .show_percentage(),
                );
                cancel = ui
                    .button("Cancel")
                    .on_hover_text("Stop; nothing is written")
                    .clicked();
            });
        match status {
            Status::Working if cancel => {
                self.gif = None;
                notices.info("GIF export cancelled; nothing was written.");
            }
            Status::Working => ctx.request_repaint(),
            Status::Saved(delivered) => {
                self.gif = None;
                notices.info(delivered);
            }
            Status::Failed(e) => {
                self.gif = None;
                notices.error(format!("GIF not saved: {e}"));
            }
        }
    }

    /// Advances captures after the frame is drawn; takes a scripted shot once `ready`.
    pub fn screenshot_frame(
        &mut self,
        ctx: &egui::Context,
        script: Option<&mut ScriptedShot>,
        ready: bool,
        notices: &mut Notices,
    ) {
        let scripted = script.is_some();
        if let Some(shot) = script {
            if ready && !shot.requested {
                shot.requested = true;
                self.screenshots.request(Request {
                    path: shot.path.clone(),
                    density: shot.density,
                    region: shot.region,
                });
            } else if !shot.requested {
                // Nothing else may ask for frames (no pointer, no playback): keep them coming.
                ctx.request_repaint();
            }
        }
        for outcome in self.screenshots.frame(ctx, &self.regions) {
            match outcome {
                Ok(saved) => {
                    notices.info(saved_text(&saved));
                    if scripted {
                        println!("{}", saved.path.display());
                        ctx.send_viewport_cmd(egui::ViewportCommand::Close);
                    }
                }
                Err(e) => {
                    notices.error(format!("Screenshot not saved: {e}"));
                    if scripted {
                        self.failure = Some(e);
                        ctx.send_viewport_cmd(egui::ViewportCommand::Close);
                    }
                }
            }
        }
    }
}

/// "Saved PATH at 2x", and why at less than asked.
fn saved_text(saved: &Saved) -> String {
    let note = if saved.density >= saved.requested {
        String::new()
    } else {
        format!(
            " (at {}x: the window could not be enlarged to {}x)",
            saved.density, saved.requested
        )
    };
    format!("{} at {}x{note}", saved.delivered, saved.density)
}

/// A time stamp for file names without a date library: seconds since the Unix epoch, plus the
/// frame time for uniqueness.
fn stamp(ctx: &egui::Context) -> String {
    let secs = web_time::SystemTime::now()
        .duration_since(web_time::SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "milliseconds of frame time"
    )]
    let ms = (ctx.input(|i| i.time) * 1000.0) as u64 % 1000;
    format!("{secs}-{ms:03}")
}
