//! Screenshots of the window, or of one plot alone, at a chosen pixel density.
//!
//! For density d the window is enlarged d times and then the interface zoom grows d times, so
//! the layout is unchanged and every line and letter has d times the pixels; the frame is
//! captured (cropped to the plot's rectangle for a plot export), the zoom put back and then the
//! window, and the PNG encoded and written (atomically) on a worker thread so the interface
//! stays live. A window that cannot grow (full screen, or a window manager that refuses) is
//! captured at its own density and the notice says so.
//!
//! The window is never resized in a frame that changes the zoom. egui-winit converts a
//! `ViewportCommand::InnerSize` from points to pixels when it processes the command, after the
//! frame, with the zoom in effect then, while `set_zoom_factor` only takes effect when the next
//! frame begins: a resize sent together with a zoom change is converted with the old zoom, so
//! the window, once the new zoom is on, is the wrong size. Keeping the two apart makes every
//! resize mean what it says. Growing the window before the zoom, and shrinking it after, also
//! means no frame is laid out in fewer points than the window had (panels never get squeezed).

use crate::ui::platform;
use crate::ui::region::{Region, Regions};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};

/// Frames to wait for the window or the zoom to take a new value before giving up on it.
const MAX_WAIT_FRAMES: u32 = 20;

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

/// The window as it was before a capture enlarged it.
#[derive(Clone, Copy, Debug)]
struct Before {
    /// Inner size, in points at `zoom`.
    size: egui::Vec2,
    /// Interface zoom.
    zoom: f32,
}

enum Phase {
    Idle,
    /// Enlarge on the next frame.
    Start {
        request: Request,
    },
    /// The window was asked to grow `density` times; the zoom follows once it has.
    Growing {
        request: Request,
        before: Before,
        frames: u32,
    },
    /// The zoom was asked to grow as much; capture once the window has its old size in points.
    Zooming {
        request: Request,
        before: Before,
        frames: u32,
    },
    /// Captured (the picture is taken when this frame is painted): put the zoom back.
    Restore {
        before: Before,
    },
    /// The zoom was asked back; the window follows once it is.
    Unzooming {
        before: Before,
        fallback: Option<Request>,
        frames: u32,
    },
    /// The window was asked back; once it is, `fallback` (when the window did not grow) is
    /// captured at the window's own density.
    Shrinking {
        before: Before,
        fallback: Option<Request>,
        frames: u32,
    },
}

/// A written capture.
#[derive(Clone, Debug, PartialEq)]
pub struct Saved {
    /// The PNG file.
    pub path: PathBuf,
    /// Where it went ("Saved PATH", or "Downloaded NAME" in a browser).
    pub delivered: String,
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
            Phase::Start { request } => self.start(ctx, request, regions),
            Phase::Growing {
                request,
                before,
                frames,
            } => growing(ctx, request, before, frames),
            Phase::Zooming {
                request,
                before,
                frames,
            } => self.zooming(ctx, request, before, frames, regions),
            Phase::Restore { before } => {
                ctx.set_zoom_factor(before.zoom);
                Phase::Unzooming {
                    before,
                    fallback: None,
                    frames: 0,
                }
            }
            Phase::Unzooming {
                before,
                fallback,
                frames,
            } => {
                if zoom_is(ctx, before.zoom) || frames >= MAX_WAIT_FRAMES {
                    resize(ctx, before.size, before.zoom);
                    Phase::Shrinking {
                        before,
                        fallback,
                        frames: 0,
                    }
                } else {
                    Phase::Unzooming {
                        before,
                        fallback,
                        frames: frames + 1,
                    }
                }
            }
            Phase::Shrinking {
                before,
                fallback,
                frames,
            } => {
                if window_is(ctx, before.size) || frames >= MAX_WAIT_FRAMES {
                    if let Some(request) = fallback {
                        self.capture(ctx, request, 1.0, regions);
                    }
                    Phase::Idle
                } else {
                    Phase::Shrinking {
                        before,
                        fallback,
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

    /// Captures at once at 1x, or asks the window to grow.
    fn start(&mut self, ctx: &egui::Context, request: Request, regions: &Regions) -> Phase {
        let (rect, fullscreen, maximized) = ctx.input(|i| {
            (
                i.viewport().inner_rect,
                i.viewport().fullscreen,
                i.viewport().maximized,
            )
        });
        if request.density <= 1.0
            || !platform::CAN_RESIZE_WINDOW
            || rect.is_none()
            || fullscreen == Some(true)
            || maximized == Some(true)
        {
            self.capture(ctx, request, 1.0, regions);
            return Phase::Idle;
        }
        // The laid-out size, not `inner_rect`: in a frame where a new zoom takes effect egui
        // rescales the former to it, while the latter was measured with the old one.
        let before = Before {
            size: ctx.content_rect().size(),
            zoom: ctx.zoom_factor(),
        };
        resize(ctx, before.size * request.density, before.zoom);
        Phase::Growing {
            request,
            before,
            frames: 0,
        }
    }

    /// Captures once the zoom has grown and the window, measured with it, has its old size in
    /// points; gives up (to a capture at 1x) when that does not happen.
    fn zooming(
        &mut self,
        ctx: &egui::Context,
        request: Request,
        before: Before,
        frames: u32,
        regions: &Regions,
    ) -> Phase {
        // In the frame the zoom takes effect the window still measures d times its old size
        // (it was measured with the old zoom), so this cannot pass a frame early.
        if zoom_is(ctx, before.zoom * request.density) && window_is(ctx, before.size) {
            let d = request.density;
            self.capture(ctx, request, d, regions);
            Phase::Restore { before }
        } else if frames >= MAX_WAIT_FRAMES {
            ctx.set_zoom_factor(before.zoom);
            Phase::Unzooming {
                before,
                fallback: Some(request),
                frames: 0,
            }
        } else {
            Phase::Zooming {
                request,
                before,
                frames: frames + 1,
            }
        }
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
            // Encoding a large PNG takes a while: off the interface thread where there are
            // threads.
            platform::spawn(move || {
                let image = match crop {
                    Some(rect) => crop_image(&image, rect),
                    None => (*image).clone(),
                };
                let outcome = write_png(&path, &image).map(|delivered| Saved {
                    path,
                    delivered,
                    density,
                    requested,
                });
                let _ = tx.send(outcome);
                repaint.request_repaint();
            });
        });
    }
}

/// Grows the zoom once the window has grown; sends the window back (to a capture at 1x) when it
/// does not grow.
fn growing(ctx: &egui::Context, request: Request, before: Before, frames: u32) -> Phase {
    if window_is(ctx, before.size * request.density) {
        ctx.set_zoom_factor(before.zoom * request.density);
        Phase::Zooming {
            request,
            before,
            frames: 0,
        }
    } else if frames >= MAX_WAIT_FRAMES {
        // The zoom is untouched, so the window can go straight back.
        resize(ctx, before.size, before.zoom);
        Phase::Shrinking {
            before,
            fallback: Some(request),
            frames: 0,
        }
    } else {
        Phase::Growing {
            request,
            before,
            frames: frames + 1,
        }
    }
}

/// Asks for the window's inner size to be `size` points at zoom `zoom`.
///
/// egui-winit turns the points into pixels after this frame with the zoom of this frame
/// (`set_zoom_factor` takes effect when the next one begins), hence the scaling; it is 1 unless
/// a zoom change never arrived, because no phase resizes in a frame that changes the zoom.
fn resize(ctx: &egui::Context, size: egui::Vec2, zoom: f32) {
    let size = size * (zoom / ctx.zoom_factor());
    ctx.send_viewport_cmd(egui::ViewportCommand::InnerSize(size));
}

/// True when the zoom of this frame is `zoom`.
fn zoom_is(ctx: &egui::Context, zoom: f32) -> bool {
    (ctx.zoom_factor() - zoom).abs() < 1e-4
}

/// True when the window as measured for this frame, and the area laid out in it, are both
/// `size` points (to within rounding to whole pixels).
fn window_is(ctx: &egui::Context, size: egui::Vec2) -> bool {
    ctx.input(|i| {
        let close = |s: egui::Vec2| ((s - size) * i.pixels_per_point).abs().max_elem() < 2.0;
        i.viewport().inner_rect.is_some_and(|r| close(r.size())) && close(i.content_rect().size())
    })
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

/// Encodes an RGBA image as PNG and delivers it (written atomically, or downloaded in a
/// browser); refuses a blank image. Returns where it went.
pub fn write_png(path: &std::path::Path, image: &egui::ColorImage) -> Result<String, String> {
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
    let mut png = std::io::Cursor::new(Vec::new());
    buffer
        .write_to(&mut png, image::ImageFormat::Png)
        .map_err(|e| e.to_string())?;
    platform::deliver(path, png.get_ref())
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

    /// A window driven the way eframe and egui-winit 0.37 drive one: its size is in physical
    /// pixels; before a pass it is reported in points with the zoom of the last pass (egui-winit's
    /// `update_viewport_info` and `take_egui_input` run before the new zoom is applied); after
    /// the pass the frame is painted, taking the screenshots asked for in the pass before, and
    /// then the pass's commands are processed, `InnerSize` with the zoom still of this pass
    /// (`process_viewport_command`).
    struct Window {
        ctx: egui::Context,
        native_ppp: f32,
        pixels: egui::Vec2,
        /// What the window manager allows.
        max_pixels: egui::Vec2,
        /// The largest the window has been.
        largest: egui::Vec2,
        /// The smallest area a frame was laid out in, in points.
        smallest_layout: egui::Vec2,
        /// Screenshots asked for in the last pass, taken when the next one is painted.
        pending: Vec<egui::ScreenshotCallback>,
        passes: u32,
    }

    impl Window {
        fn new(points: egui::Vec2, zoom: f32, native_ppp: f32, max_pixels: egui::Vec2) -> Self {
            let ctx = egui::Context::default();
            // Set directly, as if it had been set long ago: a pending zoom would be a test of
            // its own.
            ctx.options_mut(|o| o.zoom_factor = zoom);
            let pixels = points * zoom * native_ppp;
            Self {
                ctx,
                native_ppp,
                pixels,
                max_pixels,
                largest: pixels,
                smallest_layout: points,
                pending: Vec::new(),
                passes: 0,
            }
        }

        fn pass(&mut self, shots: &mut Screenshots, regions: &Regions) -> Vec<Outcome> {
            let points = self.pixels / (self.ctx.zoom_factor() * self.native_ppp);
            let rect = egui::Rect::from_min_size(egui::Pos2::ZERO, points);
            let mut input = egui::RawInput {
                screen_rect: Some(rect),
                time: Some(f64::from(self.passes) / 60.0),
                ..Default::default()
            };
            let info = input.viewports.entry(egui::ViewportId::ROOT).or_default();
            info.native_pixels_per_point = Some(self.native_ppp);
            info.inner_rect = Some(rect);
            info.outer_rect = Some(rect);
            info.fullscreen = Some(false);
            info.maximized = Some(false);
            self.passes += 1;

            let mut done = Vec::new();
            let mut output = self
                .ctx
                .run_ui(input, |ui| done = shots.frame(ui.ctx(), regions));
            self.smallest_layout = self.smallest_layout.min(self.ctx.content_rect().size());

            // Painting: the font atlas is uploaded, and the screenshots are taken.
            output.textures_delta.clear();
            for callback in self.pending.drain(..) {
                callback.complete(Arc::new(painted(self.pixels)));
            }
            let ppp = self.ctx.zoom_factor() * self.native_ppp;
            let commands = output
                .viewport_output
                .remove(&egui::ViewportId::ROOT)
                .map(|v| v.commands)
                .unwrap_or_default();
            for command in commands {
                match command {
                    egui::ViewportCommand::InnerSize(size) => {
                        let asked = (size.max(egui::Vec2::splat(1.0)) * ppp).round();
                        self.pixels = asked.min(self.max_pixels);
                        self.largest = self.largest.max(self.pixels);
                    }
                    egui::ViewportCommand::Screenshot(callback) => self.pending.push(callback),
                    _ => {}
                }
            }
            done
        }
    }

    /// A frame with plenty of colours, `pixels` large.
    fn painted(pixels: egui::Vec2) -> egui::ColorImage {
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "test window sizes are small whole numbers"
        )]
        let [w, h] = [pixels.x as usize, pixels.y as usize];
        let mut image = egui::ColorImage::filled([w, h], egui::Color32::BLACK);
        for (i, p) in image.pixels.iter_mut().enumerate() {
            let (x, y) = (i % w, i / w);
            let [r, g] = [x, y].map(|v| u8::try_from(v % 251).unwrap_or(0));
            *p = egui::Color32::from_rgb(r, g, 90);
        }
        image
    }

    /// Takes one capture in `window` and returns what was saved, once the state machine is idle
    /// and the window has reported its size for a few passes.
    fn take(window: &mut Window, request: Request, regions: &Regions) -> Saved {
        let mut shots = Screenshots::default();
        for _ in 0..3 {
            window.pass(&mut shots, regions);
        }
        shots.request(request);
        let mut outcomes = Vec::new();
        let mut passes = 0;
        while !matches!(shots.phase, Phase::Idle) || !window.pending.is_empty() {
            outcomes.extend(window.pass(&mut shots, regions));
            passes += 1;
            assert!(passes < 200, "the capture ends");
        }
        if outcomes.is_empty() {
            // The PNG is written on a worker thread: wait for it, not for frames.
            let outcome = shots.rx.recv_timeout(std::time::Duration::from_mins(2));
            outcomes.push(outcome.expect("the worker reports"));
        }
        for _ in 0..4 {
            outcomes.extend(window.pass(&mut shots, regions));
        }
        assert_eq!(outcomes.len(), 1, "{outcomes:?}");
        outcomes.remove(0).expect("the capture is saved")
    }

    /// `None` when `a` is `b`, else what differs.
    fn differs(a: egui::Vec2, b: egui::Vec2, what: &str) -> Option<String> {
        ((a - b).length() >= 0.01).then(|| format!("{what} is {a:?}, not {b:?}"))
    }

    #[test]
    fn the_window_comes_back_to_its_size_and_zoom_after_every_capture() {
        let dir = std::env::temp_dir().join(format!("optiviz-shot-size-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let plot = egui::Rect::from_min_max(egui::pos2(100.0, 50.0), egui::pos2(500.0, 350.0));
        let mut regions = Regions::default();
        regions.set(Region::Contour, plot);
        let unlimited = egui::Vec2::splat(100_000.0);
        let small = egui::vec2(800.0, 450.0);

        // (window points, zoom, native pixels per point, largest window, density, region,
        //  density the PNG is taken at)
        let cases = [
            (small, 1.0, 1.0, unlimited, 1.0, None, 1.0),
            (small, 1.0, 1.0, unlimited, 2.0, None, 2.0),
            (small, 1.0, 1.0, unlimited, 4.0, None, 4.0),
            (small, 1.0, 1.0, unlimited, 1.0, Some(Region::Contour), 1.0),
            (small, 1.0, 1.0, unlimited, 2.0, Some(Region::Contour), 2.0),
            (small, 1.0, 1.0, unlimited, 3.0, Some(Region::Contour), 3.0),
            (small, 1.0, 1.0, unlimited, 4.0, Some(Region::Contour), 4.0),
            // A screen that cannot hold the enlarged window: the fallback at 1x.
            (small, 1.0, 1.0, egui::vec2(1000.0, 600.0), 2.0, None, 1.0),
            // A high-density screen with the interface zoomed in.
            (
                egui::vec2(640.0, 360.0),
                1.25,
                2.0,
                unlimited,
                2.0,
                Some(Region::Contour),
                2.0,
            ),
        ];
        let mut failures = Vec::new();
        for (i, (points, zoom, native_ppp, max_pixels, density, region, taken)) in
            cases.into_iter().enumerate()
        {
            let case = format!("case {i} ({density}x {region:?}, zoom {zoom}, {native_ppp} ppp)");
            let mut window = Window::new(points, zoom, native_ppp, max_pixels);
            let pixels = window.pixels;
            let path = dir.join(format!("shot-{i}.png"));
            let request = Request {
                path: path.clone(),
                density,
                region,
            };
            let saved = take(&mut window, request, &regions);

            let inner = window
                .ctx
                .input(|i| i.viewport().inner_rect.map(|r| r.size()));
            let zoom_now = window.ctx.zoom_factor();
            let png = region.map_or(points, |_| plot.size()) * taken * zoom * native_ppp;
            let written = image::image_dimensions(&path).expect("a PNG was written");
            let written = egui::vec2(written.0 as f32, written.1 as f32);
            failures.extend(
                [
                    differs(window.pixels, pixels, "the window in pixels"),
                    differs(inner.unwrap_or_default(), points, "the window in points"),
                    differs(
                        window.ctx.content_rect().size(),
                        points,
                        "the screen in points",
                    ),
                    ((zoom_now - zoom).abs() > 1e-6).then(|| format!("the zoom is {zoom_now}")),
                    (taken > 1.0)
                        .then(|| differs(window.largest, pixels * taken, "the enlarged window"))
                        .flatten(),
                    differs(written, png, "the PNG"),
                    differs(window.smallest_layout, points, "the smallest layout"),
                    ((saved.density, saved.requested) != (taken, density))
                        .then(|| format!("saved as {saved:?}")),
                ]
                .into_iter()
                .flatten()
                .map(|f| format!("{case}: {f}")),
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
        assert!(failures.is_empty(), "{}", failures.join("\n"));
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
        assert_eq!(
            write_png(&path, &drawn),
            Ok(format!("Saved {}", path.display()))
        );
        let bytes = std::fs::read(&path).unwrap_or_default();
        assert!(bytes.starts_with(b"\x89PNG"), "a PNG was written");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
