//! Helpers the app's UI tests share: a harness around the whole app, shipped presets by name,
//! scratch folders, pointer gestures, and the shapes a frame painted.
#![allow(dead_code, reason = "each test file uses the helpers it needs")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on purpose"
)]

use egui_kittest::Harness;
use optiviz::ui::{LaunchOptions, OptivizApp};
use std::path::{Path, PathBuf};

/// The app in a 1280 x 800 harness, after a few frames (the simulation is time-sliced).
pub fn harness(launch: LaunchOptions) -> Harness<'static, OptivizApp> {
    harness_sized(launch, egui::vec2(1280.0, 800.0))
}

/// The app in a harness of `size` points, after a few frames.
pub fn harness_sized(launch: LaunchOptions, size: egui::Vec2) -> Harness<'static, OptivizApp> {
    let mut h = Harness::builder().with_size(size).build_ui_state(
        |ui, app: &mut OptivizApp| app.ui_root(ui),
        OptivizApp::new(launch),
    );
    h.run_steps(6);
    h
}

/// The app on a preset file, 1280 x 800.
pub fn app_with_preset(path: &Path) -> Harness<'static, OptivizApp> {
    harness(LaunchOptions {
        preset: Some(path.to_path_buf()),
        ..LaunchOptions::default()
    })
}

/// The app on a preset file, in a window of `size` points.
pub fn app_with_preset_sized(path: &Path, size: egui::Vec2) -> Harness<'static, OptivizApp> {
    harness_sized(
        LaunchOptions {
            preset: Some(path.to_path_buf()),
            ..LaunchOptions::default()
        },
        size,
    )
}

/// A shipped preset by file name (`"04-momentum-vs-gd.ron"`, `"mlp/04-bad-scaling.ron"`).
pub fn preset(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("presets")
        .join(name)
}

/// Runs frames until every run is computed (at most 1000 frames: a busy machine computes less
/// per frame).
pub fn compute_all(h: &mut Harness<'_, OptivizApp>) {
    for _ in 0..1000 {
        if !h.state().session().computing() {
            break;
        }
        h.run_steps(1);
    }
    assert!(!h.state().session().computing(), "computed in 1000 frames");
}

/// A fresh, empty folder under the target directory (no extra crates for temp dirs).
pub fn tempdir() -> PathBuf {
    static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("ui-test-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Every notice the app shows.
pub fn notice_texts(h: &Harness<'_, OptivizApp>) -> Vec<String> {
    let items = h.state().notices().items();
    items.iter().map(|n| n.text.clone()).collect()
}

/// Presses the primary button at `at`, moves through `path` one frame per point, releases at
/// the last point.
pub fn drag_along(h: &mut Harness<'_, OptivizApp>, at: egui::Pos2, path: &[egui::Pos2]) {
    push(h, egui::Event::PointerMoved(at));
    h.step();
    push(h, button(at, true));
    h.step();
    for p in path {
        push(h, egui::Event::PointerMoved(*p));
        h.step();
    }
    push(h, button(*path.last().unwrap_or(&at), false));
    h.run_steps(2);
}

/// A primary click (press, and release a frame later, without moving) at `at`.
pub fn click_at(h: &mut Harness<'_, OptivizApp>, at: egui::Pos2) {
    push(h, egui::Event::PointerMoved(at));
    push(h, button(at, true));
    h.step();
    push(h, button(at, false));
    h.run_steps(2);
}

/// A primary double-click at `at`: the second press in the frame of the first release, so the
/// two clicks are a frame (a quarter of a second in the harness) apart.
pub fn double_click_at(h: &mut Harness<'_, OptivizApp>, at: egui::Pos2) {
    push(h, egui::Event::PointerMoved(at));
    push(h, button(at, true));
    h.step();
    push(h, button(at, false));
    push(h, button(at, true));
    h.step();
    push(h, button(at, false));
    h.run_steps(2);
}

/// Adds `event` to the next frame's input (several events can share one frame).
pub fn push(h: &mut Harness<'_, OptivizApp>, event: egui::Event) {
    h.input_mut().events.push(event);
}

fn button(pos: egui::Pos2, pressed: bool) -> egui::Event {
    egui::Event::PointerButton {
        pos,
        button: egui::PointerButton::Primary,
        pressed,
        modifiers: egui::Modifiers::NONE,
    }
}

/// Every shape the last frame painted, nested lists flattened, in paint order, with the clip
/// rectangle it was painted in.
pub fn painted(h: &Harness<'_, OptivizApp>) -> Vec<(egui::Rect, egui::Shape)> {
    fn flatten(clip: egui::Rect, shape: &egui::Shape, out: &mut Vec<(egui::Rect, egui::Shape)>) {
        if let egui::Shape::Vec(shapes) = shape {
            for s in shapes {
                flatten(clip, s, out);
            }
        } else {
            out.push((clip, shape.clone()));
        }
    }
    let mut out = Vec::new();
    for clipped in &h.output().shapes {
        flatten(clipped.clip_rect, &clipped.shape, &mut out);
    }
    out
}

/// The texts the last frame painted, with where they were painted and their clip rectangle.
pub fn painted_texts(h: &Harness<'_, OptivizApp>) -> Vec<(String, egui::Rect, egui::Rect)> {
    painted(h)
        .into_iter()
        .filter_map(|(clip, s)| match s {
            egui::Shape::Text(t) => {
                Some((t.galley.text().to_owned(), t.visual_bounding_rect(), clip))
            }
            _ => None,
        })
        .collect()
}
