//! The app's frame cost measured headless: an egui context runs the whole app (layout, plots,
//! panels) and tessellates its shapes into triangles, as eframe does before handing them to the
//! GPU. What is not measured: uploading and drawing those triangles.

use super::app::{LaunchOptions, OptivizApp};
use super::command::Command;
use crate::scenario::workloads::long_scenario;
use std::time::{Duration, Instant};

/// The window size the app is measured at.
const SCREEN: egui::Vec2 = egui::vec2(1280.0, 800.0);

/// Drives one app through frames of simulated time.
struct Driver {
    ctx: egui::Context,
    app: OptivizApp,
    time: f64,
}

impl Driver {
    fn new() -> Self {
        Self {
            ctx: egui::Context::default(),
            app: OptivizApp::new(LaunchOptions::default()),
            time: 0.0,
        }
    }

    /// One frame at 60 frames per second: the app's UI and the tessellation of its output.
    fn frame(&mut self) {
        self.time += 1.0 / 60.0;
        let input = egui::RawInput {
            screen_rect: Some(egui::Rect::from_min_size(egui::Pos2::ZERO, SCREEN)),
            time: Some(self.time),
            predicted_dt: 1.0 / 60.0,
            ..egui::RawInput::default()
        };
        let app = &mut self.app;
        let mut output = self.ctx.run_ui(input, |ui| app.ui_root(ui));
        // No GPU takes the texture uploads (the heat map): drop them deliberately.
        output.textures_delta.clear();
        let shapes = std::mem::take(&mut output.shapes);
        let triangles = self.ctx.tessellate(shapes, output.pixels_per_point);
        std::hint::black_box(triangles);
    }

    /// Runs frames until the simulation has computed everything (time-sliced per frame).
    fn settle(&mut self) {
        self.frame();
        for _ in 0..100_000 {
            if !self.app.session().computing() {
                break;
            }
            self.frame();
        }
        self.frame();
    }
}

/// The app playing a long scenario, ready to time frames.
pub struct FrameBench {
    driver: Driver,
}

impl FrameBench {
    /// `runs` runs of `steps` steps, all computed, paused at the middle, then playing at 10,000
    /// steps per second.
    #[must_use]
    pub fn new(runs: usize, steps: usize) -> Self {
        let mut d = Driver::new();
        d.frame();
        let ctx = d.ctx.clone();
        d.app
            .apply(&ctx, Command::Edit(Box::new(long_scenario(runs, steps))));
        d.settle();
        // Start in the middle, so that long paths are on screen, and play.
        d.app.apply(&ctx, Command::Seek(steps as f64 / 2.0));
        d.app.apply(&ctx, Command::TogglePlay);
        for _ in 0..5 {
            d.frame();
        }
        Self { driver: d }
    }

    /// Heap memory of all runs' recorded trajectories, in bytes.
    #[must_use]
    pub fn trajectory_bytes(&self) -> usize {
        self.driver
            .app
            .session()
            .sim()
            .runs()
            .iter()
            .map(|r| r.trajectory().heap_bytes())
            .sum()
    }

    /// Runs and times one frame (back to the middle when playback reached the end).
    pub fn frame(&mut self) -> Duration {
        if !self.driver.app.session().playing() {
            let ctx = self.driver.ctx.clone();
            let middle = self.driver.app.session().steps() as f64 / 2.0;
            self.driver.app.apply(&ctx, Command::Seek(middle));
            self.driver.app.apply(&ctx, Command::TogglePlay);
        }
        let t = Instant::now();
        self.driver.frame();
        t.elapsed()
    }
}

/// Durations of `frames` frames of [`FrameBench`].
#[must_use]
pub fn frame_times(runs: usize, steps: usize, frames: usize) -> Vec<Duration> {
    let mut bench = FrameBench::new(runs, steps);
    (0..frames).map(|_| bench.frame()).collect()
}

/// Durations of `frames` frames of the network page training the shipped spiral race
/// (three runs, 2-16-16-16-1 tanh) at `speed` steps per second: training slice, decision
/// boundaries, plots and tessellation.
#[must_use]
pub fn network_frame_times(speed: f64, frames: usize) -> Vec<Duration> {
    let mut d = Driver::new();
    d.frame();
    let ctx = d.ctx.clone();
    d.app.apply(
        &ctx,
        Command::OpenBuiltinMlp(crate::scenario::builtin::DEFAULT_BUILTIN_MLP),
    );
    d.app.apply(&ctx, Command::SetSpeed(speed));
    d.app.apply(&ctx, Command::TogglePlay);
    d.frame();
    (0..frames)
        .map(|_| {
            if d.app.mlp().is_some_and(|m| !m.playing()) {
                d.app.apply(&ctx, Command::Reset);
                d.app.apply(&ctx, Command::TogglePlay);
            }
            let t = Instant::now();
            d.frame();
            t.elapsed()
        })
        .collect()
}

/// Time from creating the app to the end of its first frame, `repeats` times.
#[must_use]
pub fn startup_times(repeats: usize) -> Vec<Duration> {
    (0..repeats)
        .map(|_| {
            let t = Instant::now();
            let mut d = Driver::new();
            d.frame();
            t.elapsed()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_frame_workload_plays_the_long_scenario() {
        let mut d = Driver::new();
        d.frame();
        let ctx = d.ctx.clone();
        d.app
            .apply(&ctx, Command::Edit(Box::new(long_scenario(8, 2_000))));
        d.settle();
        assert_eq!(d.app.session().sim().runs().len(), 8);
        assert!(!d.app.session().computing());
        d.app.apply(&ctx, Command::TogglePlay);
        let before = d.app.session().shown_step();
        for _ in 0..10 {
            d.frame();
        }
        assert!(d.app.session().shown_step() > before, "it plays");
        assert_eq!(frame_times(2, 1_000, 3).len(), 3);
        assert_eq!(network_frame_times(1_000.0, 3).len(), 3);
    }
}
