//! Screenshots of the window, or of one plot alone, at a chosen pixel density.
//!
//! For density d the window is enlarged d times while the interface zoom grows d times, so the
//! layout is unchanged and every line and letter has d times the pixels; the frame is captured
//! (cropped to the plot's rectangle for a plot export), the window restored, and the PNG encoded
//! and written (atomically) on a worker thread so the interface stays live. A window that
//! cannot grow (full screen, or a window manager that refuses) is captured at its own density
//! and the notice says so.

use crate::io;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};

/// Frames to wait for the window to reach the larger size before giving up on 2x.
const MAX_WAIT_FRAMES: u32 = 20;

/// A part of the window that can be exported alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Region {
    /// The contour view (all panes).
    Contour,
    /// The loss plot.
    Loss,
    /// The theory panel (its visible part).
    Theory,
}

impl Region {
    /// Every region, in menu order.
    pub const ALL: [Self; 3] = [Self::Contour, Self::Loss, Self::Theory];

    /// Menu text.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Contour => "Contour view",
            Self::Loss => "Loss plot",
            Self::Theory => "Theory panel",
        }
    }

    /// File name part.
    #[must_use]
    pub fn slug(self) -> &'static str {
        match self {
            Self::Contour => "contour",
            Self::Loss => "loss",
            Self::Theory => "theory",
        }
    }
}

/// Where each exportable region was drawn this frame, in points.
#[derive(Clone, Copy, Debug, Default)]
pub struct Regions(pub [Option<egui::Rect>; 3]);

impl Regions {
    /// The rectangle of `region`, if it is on screen.
    #[must_use]
    pub fn get(&self, region: Region) -> Option<egui::Rect> {
        self.0[region as usize]
    }

    /// Records where `region` was drawn.
    pub fn set(&mut self, region: Region, rect: egui::Rect) {
        self.0[region as usize] = Some(rect);
    }
}

/// What to capture.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    /// The PNG file.
    pub path: PathBuf,
    /// Pixels per point relative to the screen (1 to 4).
    pub density: f32,
    /// One plot alone, or the whole window.
    pub region: Option<Region>,
}

enum Phase {
    Idle,
    /// Enlarge on the next frame.
    Start {
        request: Request,
    },
    /// Waiting for the enlarged frame.
    Waiting {
        request: Request,
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
        request: Request,
        frames: u32,
    },
}

/// A written capture.
#[derive(Clone, Debug, PartialEq)]
pub struct Saved {
    /// The PNG file.
    pub path: PathBuf,
    /// The density it was taken at.
    pub density: f32,
    /// The density asked for (more than `density` when the window could not grow).
    pub requested: f32,
}

/// A finished capture, or what went wrong.
pub type Outcome = Result<Saved, String>;

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
    /// Starts a capture; ignored while another one is being taken.
    pub fn request(&mut self, mut request: Request) {
        request.density = request.density.clamp(1.0, 4.0).round();
        if matches!(self.phase, Phase::Idle) {
            self.phase = Phase::Start { request };
        }
    }

    /// True while a screenshot is being taken or written.
    #[must_use]
    pub fn busy(&self) -> bool {
        !matches!(self.phase, Phase::Idle) || self.in_flight > 0
    }

    /// Advances the state machine; call once per frame, after drawing, with where the
    /// exportable regions were drawn. Returns finished captures.
    pub fn frame(&mut self, ctx: &egui::Context, regions: &Regions) -> Vec<Outcome> {
        let phase = std::mem::replace(&mut self.phase, Phase::Idle);
        self.phase = match phase {
            Phase::Idle => Phase::Idle,
            Phase::Start { request } if request.density <= 1.0 => {
                self.capture(ctx, request, 1.0, regions);
                Phase::Idle
            }
            Phase::Start { request } => {
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
                        let d = request.density;
                        ctx.send_viewport_cmd(egui::ViewportCommand::InnerSize(r.size() * d));
                        ctx.set_zoom_factor(zoom * d);
                        Phase::Waiting {
                            request,
                            size: r.size(),
                            zoom,
                            frames: 0,
                        }
                    }
                    _ => {
                        self.capture(ctx, request, 1.0, regions);
                        Phase::Idle
                    }
                }
            }
            Phase::Waiting {
                request,
                size,
                zoom,
                frames,
            } => {
                let now = ctx.input(|i| i.viewport().inner_rect.map(|r| r.size()));
                // Sizes are in points: at d times the zoom a window d times larger has the
                // same size.
                let grown = now.is_some_and(|s| (s - size).length() < 2.0) && frames > 1;
                if grown {
                    let d = request.density;
                    self.capture(ctx, request, d, regions);
                    Phase::Restore { size, zoom }
                } else if frames >= MAX_WAIT_FRAMES {
                    ctx.set_zoom_factor(zoom);
                    ctx.send_viewport_cmd(egui::ViewportCommand::InnerSize(size));
                    ctx.request_repaint();
                    Phase::Fallback { request, frames: 0 }
                } else {
                    ctx.request_repaint();
                    Phase::Waiting {
                        request,
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
            Phase::Fallback { request, frames } => {
                if frames >= 2 {
                    self.capture(ctx, request, 1.0, regions);
                    Phase::Idle
                } else {
                    ctx.request_repaint();
                    Phase::Fallback {
                        request,
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

    fn capture(&mut self, ctx: &egui::Context, request: Request, density: f32, regions: &Regions) {
        let crop = request.region.map(|r| (r, regions.get(r)));
        let crop = match crop {
            None => None,
            Some((_, Some(rect))) => Some(rect * ctx.pixels_per_point()),
            Some((region, None)) => {
                let _ = self.tx.send(Err(format!(
                    "the {} is not on screen",
                    region.label().to_lowercase()
                )));
                ctx.request_repaint();
                return;
            }
        };
        let tx = self.tx.clone();
        let repaint = ctx.clone();
        let path = request.path;
        let requested = request.density;
        self.in_flight += 1;
        ctx.request_screenshot(move |image: Arc<egui::ColorImage>| {
            // Encoding a large PNG takes a while: never on the interface thread.
            std::thread::spawn(move || {
                let image = match crop {
                    Some(rect) => crop_image(&image, rect),
                    None => (*image).clone(),
                };
                let outcome = write_png(&path, &image).map(|()| Saved {
                    path,
                    density,
                    requested,
                });
                let _ = tx.send(outcome);
                repaint.request_repaint();
            });
        });
    }
}

/// The pixels of `image` inside `rect` (in pixels, clamped to the image).
#[must_use]
pub fn crop_image(image: &egui::ColorImage, rect: egui::Rect) -> egui::ColorImage {
    let [w, h] = image.size;
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "clamped to the image, which is far smaller than usize::MAX"
    )]
    let clamp = |v: f32, max: usize| (v.round().max(0.0) as usize).min(max);
    let (x0, x1) = (clamp(rect.min.x, w), clamp(rect.max.x, w));
    let (y0, y1) = (clamp(rect.min.y, h), clamp(rect.max.y, h));
    let mut out =
        egui::ColorImage::filled([x1 - x0.min(x1), y1 - y0.min(y1)], egui::Color32::BLACK);
    for (row, y) in (y0..y1).enumerate() {
        let src = &image.pixels[y * w + x0..y * w + x1.max(x0)];
        let dst_w = out.size[0];
        out.pixels[row * dst_w..(row + 1) * dst_w].copy_from_slice(src);
    }
    out
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
    fn cropping_keeps_the_pixels_inside_the_rectangle() {
        let mut image = egui::ColorImage::filled([10, 6], egui::Color32::BLACK);
        image.pixels[3 * 10 + 4] = egui::Color32::RED;
        let out = crop_image(
            &image,
            egui::Rect::from_min_max(egui::pos2(2.0, 1.0), egui::pos2(7.0, 5.0)),
        );
        assert_eq!(out.size, [5, 4]);
        assert_eq!(out.pixels[2 * 5 + 2], egui::Color32::RED);
        assert_eq!(
            out.pixels
                .iter()
                .filter(|&&c| c == egui::Color32::RED)
                .count(),
            1
        );
        let outside = crop_image(
            &image,
            egui::Rect::from_min_max(egui::pos2(8.0, 4.0), egui::pos2(30.0, 30.0)),
        );
        assert_eq!(outside.size, [2, 2], "clamped to the image");
    }

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
