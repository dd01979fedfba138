//! Window screenshots at twice the pixel density.
//!
//! The window is enlarged to twice its size while the interface zoom doubles, so the layout is
//! unchanged and every line and letter has twice the pixels; the frame is captured, the
//! window restored, and the PNG encoded and written (atomically) on a worker thread so the
//! interface stays live. A window that cannot grow (full screen, or a window manager that
//! refuses) is captured at its own density and the notice says so.

use crate::io;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};

/// Frames to wait for the window to reach the larger size before giving up on 2x.
const MAX_WAIT_FRAMES: u32 = 20;

enum Phase {
    Idle,
    /// Enlarge on the next frame.
    Start {
        path: PathBuf,
    },
    /// Waiting for the enlarged frame.
    Waiting {
        path: PathBuf,
        size: egui::Vec2,
        zoom: f32,
        frames: u32,
    },
    /// Captured; restore the window on the next frame.
    Restore {
        size: egui::Vec2,
        zoom: f32,
    },
    /// The window did not grow: restored, capture at its own density after a frame.
    Fallback {
        path: PathBuf,
        frames: u32,
    },
}

/// A finished screenshot: the file and its density, or what went wrong.
pub type Outcome = Result<(PathBuf, f32), String>;

/// The screenshot state machine.
pub struct Screenshots {
    phase: Phase,
    tx: Sender<Outcome>,
    rx: Receiver<Outcome>,
    in_flight: usize,
}

impl Default for Screenshots {
    fn default() -> Self {
        let (tx, rx) = channel();
        Self {
            phase: Phase::Idle,
            tx,
            rx,
            in_flight: 0,
        }
    }
}

impl Screenshots {
    /// Starts a screenshot to `path`.
    pub fn request(&mut self, path: PathBuf) {
        if matches!(self.phase, Phase::Idle) {
            self.phase = Phase::Start { path };
        }
    }

    /// True while a screenshot is being taken or written.
    #[must_use]
    pub fn busy(&self) -> bool {
        !matches!(self.phase, Phase::Idle) || self.in_flight > 0
    }

    /// Advances the state machine; call once per frame. Returns finished screenshots.
    pub fn frame(&mut self, ctx: &egui::Context) -> Vec<Outcome> {
        let phase = std::mem::replace(&mut self.phase, Phase::Idle);
        self.phase = match phase {
            Phase::Idle => Phase::Idle,
            Phase::Start { path } => {
                let (rect, fullscreen, maximized) = ctx.input(|i| {
                    (
                        i.viewport().inner_rect,
                        i.viewport().fullscreen,
                        i.viewport().maximized,
                    )
                });
                let zoom = ctx.zoom_factor();
                match rect {
                    Some(r) if fullscreen != Some(true) && maximized != Some(true) => {
                        ctx.send_viewport_cmd(egui::ViewportCommand::InnerSize(r.size() * 2.0));
                        ctx.set_zoom_factor(zoom * 2.0);
                        Phase::Waiting {
                            path,
                            size: r.size(),
                            zoom,
                            frames: 0,
                        }
                    }
                    _ => {
                        self.capture(ctx, path, 1.0);
                        Phase::Idle
                    }
                }
            }
            Phase::Waiting {
                path,
                size,
                zoom,
                frames,
            } => {
                let now = ctx.input(|i| i.viewport().inner_rect.map(|r| r.size()));
                // Sizes are in points: at double zoom a doubled window has the same size.
                let grown = now.is_some_and(|s| (s - size).length() < 2.0) && frames > 1;
                if grown {
                    self.capture(ctx, path, 2.0);
                    Phase::Restore { size, zoom }
                } else if frames >= MAX_WAIT_FRAMES {
                    ctx.set_zoom_factor(zoom);
                    ctx.send_viewport_cmd(egui::ViewportCommand::InnerSize(size));
                    ctx.request_repaint();
                    Phase::Fallback { path, frames: 0 }
                } else {
                    ctx.request_repaint();
                    Phase::Waiting {
                        path,
                        size,
                        zoom,
                        frames: frames + 1,
                    }
                }
            }
            Phase::Restore { size, zoom } => {
                ctx.set_zoom_factor(zoom);
                ctx.send_viewport_cmd(egui::ViewportCommand::InnerSize(size));
                Phase::Idle
            }
            Phase::Fallback { path, frames } => {
                if frames >= 2 {
                    self.capture(ctx, path, 1.0);
                    Phase::Idle
                } else {
                    ctx.request_repaint();
                    Phase::Fallback {
                        path,
                        frames: frames + 1,
                    }
                }
            }
        };
        let mut done = Vec::new();
        while let Ok(outcome) = self.rx.try_recv() {
            self.in_flight = self.in_flight.saturating_sub(1);
            done.push(outcome);
        }
        if self.busy() {
            ctx.request_repaint();
        }
        done
    }

    fn capture(&mut self, ctx: &egui::Context, path: PathBuf, density: f32) {
        let tx = self.tx.clone();
        let repaint = ctx.clone();
        self.in_flight += 1;
        ctx.request_screenshot(move |image: Arc<egui::ColorImage>| {
            // Encoding a large PNG takes a while: never on the interface thread.
            std::thread::spawn(move || {
                let outcome = write_png(&path, &image).map(|()| (path, density));
                let _ = tx.send(outcome);
                repaint.request_repaint();
            });
        });
    }
}

/// Fewer distinct colours than this means nothing was drawn (a cleared or black frame).
const MIN_COLORS: usize = 16;

/// Distinct colours in `image`, counting up to `limit`.
#[must_use]
pub fn distinct_colors(image: &egui::ColorImage, limit: usize) -> usize {
    let mut seen = std::collections::HashSet::new();
    for c in &image.pixels {
        if seen.insert(*c) && seen.len() >= limit {
            break;
        }
    }
    seen.len()
}

/// Encodes an RGBA image as PNG and writes it atomically; refuses a blank image.
pub fn write_png(path: &std::path::Path, image: &egui::ColorImage) -> Result<(), String> {
    let colors = distinct_colors(image, MIN_COLORS);
    if colors < MIN_COLORS {
        return Err(format!(
            "the captured image is blank ({colors} colours): the window was not drawn"
        ));
    }
    let [w, h] = image.size;
    let rgba: Vec<u8> = image
        .pixels
        .iter()
        .flat_map(egui::Color32::to_srgba_unmultiplied)
        .collect();
    let buffer = image::RgbaImage::from_raw(
        u32::try_from(w).map_err(|e| e.to_string())?,
        u32::try_from(h).map_err(|e| e.to_string())?,
        rgba,
    )
    .ok_or_else(|| "screenshot has an inconsistent size".to_owned())?;
    io::write_atomic_with(path, |f| {
        buffer
            .write_to(&mut std::io::BufWriter::new(f), image::ImageFormat::Png)
            .map_err(std::io::Error::other)
    })
    .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_images_are_refused_and_drawn_ones_written() {
        let dir = std::env::temp_dir().join(format!("optiviz-shot-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap_or_default();
        let blank = egui::ColorImage::filled([64, 32], egui::Color32::BLACK);
        let path = dir.join("blank.png");
        let err = write_png(&path, &blank).err().unwrap_or_default();
        assert!(err.contains("blank"), "{err}");
        assert!(!path.exists());

        let mut drawn = blank;
        for (i, p) in drawn.pixels.iter_mut().enumerate() {
            let v = u8::try_from(i % 256).unwrap_or(0);
            *p = egui::Color32::from_rgb(v, 255 - v, 7);
        }
        let path = dir.join("drawn.png");
        assert_eq!(write_png(&path, &drawn), Ok(()));
        let bytes = std::fs::read(&path).unwrap_or_default();
        assert!(bytes.starts_with(b"\x89PNG"), "a PNG was written");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
