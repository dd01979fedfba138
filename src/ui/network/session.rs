//! The network on screen: its validated document, the training of its runs and playback, with
//! no egui in sight, so it is tested like the 2-D page's `Session`.
//!
//! Training is time-sliced: each frame trains up to the step the clock says (the speed in
//! simulated time, see `pace.rs`), but never longer than `STEP_BUDGET`, so the interface
//! stays live whatever the network; a frame that cannot keep up goes on from where it is.

use crate::numerics::ParamError;
use crate::numerics::mlp::{DataSource, LandscapeSlice, MlpRun, SliceBuilder, Training};
use crate::numerics::resume::{Deadline, Progress};
use crate::scenario::mlp::{MlpScenario, MlpSpec};
use crate::ui::pace::{FrameDeadline, Pace};
use web_time::{Duration, Instant};

/// Longest time a frame spends training.
pub const STEP_BUDGET: Duration = Duration::from_millis(8);
/// Fastest training speed, in steps per second.
pub const MAX_SPEED: f64 = crate::scenario::mlp::MAX_SPEED;
/// Nodes per side of the loss-landscape slice.
const LANDSCAPE_SIDE: usize = 41;

/// A loss-landscape slice of one run at one step.
#[derive(Clone, Debug)]
pub struct Slice {
    /// Index of the run among the enabled runs.
    pub run: usize,
    /// The step it was computed at.
    pub step: usize,
    /// Training generation it belongs to.
    pub generation: u64,
    /// The numbers.
    pub landscape: LandscapeSlice,
}

/// The network scenario, its training and playback.
pub struct NetworkSession {
    scenario: MlpScenario,
    training: Training,
    /// The document as loaded or saved.
    saved: MlpSpec,
    playing: bool,
    pace: Pace,
    /// Bumped whenever the training is rebuilt (a cache key for pictures).
    generation: u64,
    slice: Option<Slice>,
    /// A slice being computed over several frames: of which run, at which step.
    slicing: Option<(usize, usize, SliceBuilder)>,
    /// A message about the last refused edit or slice.
    error: Option<String>,
    /// Milliseconds the last frame spent training.
    last_train_ms: f64,
    /// The step Step asked for while it takes longer than a frame (finished in later frames).
    step_to: Option<usize>,
}

impl std::fmt::Debug for NetworkSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NetworkSession")
            .field("scenario", &self.scenario.spec.name)
            .field("steps", &self.training.steps_done())
            .field("playing", &self.playing)
            .finish_non_exhaustive()
    }
}

impl NetworkSession {
    /// A session on `scenario` at step 0, paused.
    pub fn new(scenario: MlpScenario) -> Result<Self, ParamError> {
        let training = scenario.training()?;
        Ok(Self {
            saved: scenario.spec.clone(),
            scenario,
            training,
            playing: false,
            pace: Pace::default(),
            generation: 0,
            slice: None,
            slicing: None,
            error: None,
            last_train_ms: 0.0,
            step_to: None,
        })
    }

    /// The validated scenario.
    #[must_use]
    pub fn scenario(&self) -> &MlpScenario {
        &self.scenario
    }

    /// The document.
    #[must_use]
    pub fn spec(&self) -> &MlpSpec {
        &self.scenario.spec
    }

    /// The document as loaded or last saved.
    #[must_use]
    pub fn saved(&self) -> &MlpSpec {
        &self.saved
    }

    /// The training in progress.
    #[must_use]
    pub fn training(&self) -> &Training {
        &self.training
    }

    /// True while playing.
    #[must_use]
    pub fn playing(&self) -> bool {
        self.playing
    }

    /// Changes whenever the training is rebuilt.
    #[must_use]
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// True when the document differs from what was loaded or saved (speed aside: it is a
    /// viewing choice, not an edit).
    #[must_use]
    pub fn modified(&self) -> bool {
        self.scenario.spec != self.keeping_speed(self.saved.clone())
    }

    /// Marks the document as saved.
    pub fn mark_saved(&mut self) {
        self.saved = self.scenario.spec.clone();
    }

    /// The loss-landscape slice last computed, if any.
    #[must_use]
    pub fn slice(&self) -> Option<&Slice> {
        self.slice.as_ref()
    }

    /// The step of the loss-landscape slice on screen, if one was computed.
    #[must_use]
    pub fn landscape_step(&self) -> Option<usize> {
        self.slice.as_ref().map(|l| l.step)
    }

    /// The last refused edit's message.
    #[must_use]
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// Milliseconds the last frame spent training.
    #[must_use]
    pub fn last_train_ms(&self) -> f64 {
        self.last_train_ms
    }

    /// Training speed in steps per second (clamped to 1 to `MAX_SPEED`).
    pub fn set_speed(&mut self, speed: f64) {
        if speed.is_finite() {
            self.scenario.spec.speed = speed.clamp(1.0, MAX_SPEED);
        }
        self.pace.stop();
    }

    /// The speed training actually reaches, when it falls short of the one set.
    #[must_use]
    pub fn lagging(&self) -> Option<f64> {
        if self.playing {
            self.pace.lagging(self.scenario.spec.speed)
        } else {
            None
        }
    }

    /// Play or pause (at the end, Play starts over).
    pub fn toggle_play(&mut self) {
        if !self.playing && self.training.is_done() {
            self.reset();
        }
        self.playing = !self.playing;
        self.pace.stop();
    }

    /// One training step of every run, within `STEP_BUDGET`: a step that takes longer goes
    /// on in the next frames ([`NetworkSession::tick`]).
    pub fn step(&mut self) {
        self.playing = false;
        self.pace.stop();
        let target = self.step_to.unwrap_or(self.training.steps_done()) + 1;
        self.step_to = Some(target);
        self.finish_step();
    }

    /// Works on the step Step asked for, within `STEP_BUDGET`.
    fn finish_step(&mut self) {
        let Some(target) = self.step_to else {
            return;
        };
        let start = Instant::now();
        let deadline = FrameDeadline::after(start, STEP_BUDGET);
        // The step's evaluations too: a step is done once its records are.
        let pending = |t: &Training| (t.steps_done() < target || t.evaluating()) && !t.is_done();
        while pending(&self.training) {
            let want = target.saturating_sub(self.training.steps_done());
            self.training.advance_within(want, Some(&deadline));
            if deadline.passed() {
                break;
            }
        }
        if !pending(&self.training) {
            self.step_to = None;
        }
        self.last_train_ms = start.elapsed().as_secs_f64() * 1e3;
    }

    /// The run whose step was cut off at the last frame's deadline (an index among the
    /// training's runs) and how far it has got.
    #[must_use]
    pub fn cut_off(&self) -> Option<(usize, Progress)> {
        self.training.cut_off()
    }

    /// Back to the initial weights.
    pub fn reset(&mut self) {
        self.training.reset();
        self.pace.stop();
        self.slice = None;
        self.slicing = None;
        self.step_to = None;
    }

    /// Replaces the document; an invalid one is refused (the message is kept for the side
    /// panel) and changes nothing. Returns whether it was taken.
    pub fn replace(&mut self, spec: MlpSpec) -> bool {
        let csv = match &self.scenario.source {
            DataSource::Imported { points, .. } => Some(points.clone()),
            DataSource::Generated(_) => None,
        };
        let result = MlpScenario::from_spec(spec, csv)
            .map_err(|errors| {
                errors
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ")
            })
            .and_then(|s| s.training().map(|t| (s, t)).map_err(|e| e.to_string()));
        match result {
            Ok((scenario, training)) => {
                self.scenario = scenario;
                self.training = training;
                self.generation += 1;
                self.pace.stop();
                self.slice = None;
                self.step_to = None;
                self.error = None;
                true
            }
            Err(e) => {
                self.error = Some(format!("Change not applied: {e}"));
                false
            }
        }
    }

    /// `spec` with the speed on screen (undo and revert keep the viewer's speed).
    #[must_use]
    pub fn keeping_speed(&self, mut spec: MlpSpec) -> MlpSpec {
        spec.speed = self.scenario.spec.speed;
        spec
    }

    /// Computes the loss-landscape slice of enabled run `run` at its current step, within
    /// `STEP_BUDGET`: a slice that takes longer (a large training set: every cell is a pass
    /// over it) goes on in the next frames ([`NetworkSession::tick`]), the last slice staying on
    /// screen until it is done.
    pub fn compute_slice(&mut self, run: usize) {
        let Some(steps) = self.training.runs().get(run).map(MlpRun::steps_done) else {
            return;
        };
        match self.training.landscape_builder(run, LANDSCAPE_SIDE) {
            Some(builder) => {
                self.slicing = Some((run, steps, builder));
                self.work_on_slice(&FrameDeadline::after(Instant::now(), STEP_BUDGET));
            }
            None => {
                self.error = Some(
                    "No landscape yet: the run needs a few recorded steps that span a plane."
                        .to_owned(),
                );
            }
        }
    }

    /// Computes cells of the slice under way until the deadline (at least one).
    fn work_on_slice(&mut self, deadline: &FrameDeadline) {
        let Some((_, _, builder)) = &mut self.slicing else {
            return;
        };
        loop {
            self.training.landscape_cell(builder);
            if builder.is_done() || deadline.passed() {
                break;
            }
        }
        if builder.is_done()
            && let Some((run, step, builder)) = self.slicing.take()
        {
            self.slice = Some(Slice {
                run,
                step,
                generation: self.generation,
                landscape: builder.finish(),
            });
        }
    }

    /// How far the slice under way has got (cells done, of how many), while there is one.
    #[must_use]
    pub fn slice_progress(&self) -> Option<(usize, usize)> {
        self.slicing.as_ref().map(|(_, _, b)| b.progress())
    }

    /// True when the slice on screen is of `run` at its current step.
    #[must_use]
    pub fn slice_is_current(&self, run: usize) -> bool {
        let steps = self.training.runs().get(run).map(MlpRun::steps_done);
        self.slice.as_ref().is_some_and(|l| {
            l.run == run && l.generation == self.generation && Some(l.step) == steps
        })
    }

    /// Trains towards `step` within `STEP_BUDGET` (for `--at-step`); true once there.
    pub fn train_towards(&mut self, step: usize) -> bool {
        let start = Instant::now();
        let deadline = FrameDeadline::after(start, STEP_BUDGET);
        while self.training.steps_done() < step.min(self.training.total_steps())
            && start.elapsed() < STEP_BUDGET
        {
            let want = (step - self.training.steps_done()).min(64);
            if self.training.advance_within(want, Some(&deadline)) == 0 {
                break;
            }
        }
        self.training.steps_done() >= step.min(self.training.total_steps())
            || self.training.runs().is_empty()
    }

    /// Trains for this frame up to the step the clock says at `now_secs`, within
    /// `STEP_BUDGET`. Returns true while there is more to do (the caller asks for another
    /// frame).
    pub fn tick(&mut self, now_secs: f64) -> bool {
        if self.slicing.is_some() {
            // A slice under way has this frame's budget; training goes on once it is done.
            let start = Instant::now();
            self.work_on_slice(&FrameDeadline::after(start, STEP_BUDGET));
            self.last_train_ms = start.elapsed().as_secs_f64() * 1e3;
            self.pace.stop();
            return true;
        }
        if !self.playing {
            // Paused in the middle of a slow step: it is finished, so every run stands at
            // the same step.
            if self.step_to.is_none() {
                if self.training.in_step() {
                    self.step_to = Some(self.training.steps_done() + 1);
                } else if self.training.evaluating() {
                    self.step_to = Some(self.training.steps_done());
                }
            }
            self.finish_step();
            return self.step_to.is_some();
        }
        self.step_to = None;
        let speed = self.scenario.spec.speed;
        let done = self.training.steps_done() as f64;
        if !self.pace.running() {
            self.pace.start(now_secs, done);
        }
        let mut owed = self.pace.target(now_secs, speed).map_or(0.0, |t| t - done);
        let start = Instant::now();
        let deadline = FrameDeadline::after(start, STEP_BUDGET);
        let mut chunk = 1;
        let mut taken_total = 0;
        while owed >= 1.0 && !self.training.is_done() {
            #[allow(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "owed is positive and bounded by the speed"
            )]
            let want = (owed as usize).min(chunk);
            let taken = self.training.advance_within(want, Some(&deadline));
            {
                owed -= taken as f64;
            }
            taken_total += taken;
            let elapsed = start.elapsed();
            if taken == 0 || elapsed >= STEP_BUDGET {
                break;
            }
            // The next chunk is what fits in the time left at the rate measured so far.
            let per_step = elapsed.as_secs_f64() / taken_total as f64;
            let left = STEP_BUDGET.saturating_sub(elapsed).as_secs_f64();
            #[allow(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "a positive count, clamped"
            )]
            let fits = (left / per_step.max(1e-9)) as usize;
            chunk = fits.clamp(1, 4096);
        }
        self.last_train_ms = start.elapsed().as_secs_f64() * 1e3;
        self.pace
            .shown(now_secs, self.training.steps_done() as f64, speed);
        if self.training.is_done() {
            self.playing = false;
        }
        self.playing
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::builtin::BUILTIN_MLP;

    fn session() -> NetworkSession {
        let b = BUILTIN_MLP[0];
        NetworkSession::new(crate::scenario::mlp::parse(b.text, b.file).unwrap()).unwrap()
    }

    #[test]
    fn a_step_slower_than_a_frame_goes_on_in_the_next_frames() {
        // L-BFGS at its limits on a full batch of 5,000 points through six layers: Step
        // returns within its budget with the step cut off, and the paused page's frames
        // finish it, asking for frames until then.
        let text = "(dataset: (kind: Circle, points: 5000, train_fraction: 0.9), network: \
                    (hidden: [16, 16, 16, 16, 16, 16]), runs: [(optimizer: LBFGS(max_iter: \
                    1000, max_eval: 1250, tolerance_grad: 0, tolerance_change: 0))], \
                    batch_size: 4500, steps: 3)";
        let mut s =
            NetworkSession::new(crate::scenario::mlp::parse(text, "slow.ron").unwrap()).unwrap();
        s.step();
        assert_eq!(s.training().steps_done(), 0, "one step is far over a frame");
        // Gradients kept, then batch parts of the next one.
        let done = |p: Progress| (p.kept, p.terms.map_or(0, |t| t.0));
        let first = done(s.cut_off().expect("cut off").1);
        assert!(s.tick(1.0), "paused, but the step asks for more frames");
        let second = done(s.cut_off().expect("still going").1);
        assert!(second > first, "{first:?} -> {second:?}");
        s.reset();
        assert!(s.cut_off().is_none());
        assert!(!s.tick(2.0), "reset drops the step asked for");
    }

    #[test]
    fn playback_trains_at_the_speed_in_simulated_time() {
        let mut s = session();
        s.set_speed(40.0);
        s.toggle_play();
        assert!(s.playing());
        s.tick(10.0);
        s.tick(10.5);
        // 40 steps/s for half a second, unless a slow machine's 8 ms slice ran out first.
        let done = s.training().steps_done();
        assert!((1..=20).contains(&done), "{done}");
        s.toggle_play();
        assert!(!s.tick(11.0), "paused: nothing to do");
        s.step();
        assert_eq!(s.training().steps_done(), done + 1);
        s.reset();
        assert_eq!(s.training().steps_done(), 0);
    }

    #[test]
    fn edits_rebuild_the_training_and_bad_ones_change_nothing() {
        let mut s = session();
        let mut spec = s.spec().clone();
        spec.batch_size = 7;
        assert!(s.replace(spec));
        assert_eq!(s.generation(), 1);
        assert!(s.modified());
        let mut bad = s.spec().clone();
        bad.batch_size = 0;
        assert!(!s.replace(bad));
        assert!(s.error().is_some_and(|e| e.contains("batch_size")));
        assert_eq!(s.spec().batch_size, 7);
        s.set_speed(123.0);
        s.mark_saved();
        s.set_speed(5.0);
        assert!(!s.modified(), "speed is not an edit");
    }

    #[test]
    fn a_slice_is_computed_over_frames_and_is_the_slice_in_one_go() {
        // Each of the 41 x 41 cells is a pass over the 360 training points: far more than
        // one frame's work in all (a debug build takes about half a second), so the slice
        // takes several frames; finished, it is the slice in one go.
        let text = "(dataset: (kind: Circle, points: 400, train_fraction: 0.9), network: \
                    (hidden: [8, 8]), runs: [(optimizer: Adam(lr: 0.01))], batch_size: 8, \
                    steps: 10, eval_every: 1)";
        let mut s =
            NetworkSession::new(crate::scenario::mlp::parse(text, "big.ron").unwrap()).unwrap();
        for _ in 0..4 {
            s.step();
            while s.tick(1.0) {}
        }
        assert_eq!(s.training().steps_done(), 4);
        let expected = s.training().landscape(0, LANDSCAPE_SIDE).unwrap();
        s.compute_slice(0);
        let (done, cells) = s.slice_progress().expect("far over a frame");
        assert!(done >= 1 && done < cells, "{done} of {cells}");
        let mut frames = 0;
        while s.slice_progress().is_some() {
            assert!(s.tick(1.0));
            frames += 1;
            assert!(frames < 100_000);
        }
        assert!(frames > 1, "over several frames ({frames})");
        assert_eq!(s.slice().unwrap().landscape, expected);
        assert!(s.slice_is_current(0));
    }

    #[test]
    fn a_slice_needs_a_few_steps_and_is_of_the_current_weights() {
        let mut s = session();
        s.compute_slice(0);
        assert!(s.slice().is_none() && s.error().is_some());
        for _ in 0..200 {
            s.step();
        }
        s.compute_slice(0);
        // Finished within Step's budget or in the frames that follow.
        let mut frames = 0;
        while s.slice_progress().is_some() {
            assert!(s.tick(1.0), "a slice under way asks for frames");
            frames += 1;
            assert!(frames < 10_000);
        }
        assert_eq!(s.landscape_step(), Some(200));
        assert!(s.slice_is_current(0));
        s.step();
        assert!(!s.slice_is_current(0), "one step later it is not");
    }
}
