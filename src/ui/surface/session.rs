//! The scenario on screen: its validated document, the simulation of its runs, and playback.
//!
//! Work is sliced: each frame computes runs ahead for a bounded time, so a long scenario never
//! blocks the interface. Playback reveals the computed steps at the scenario's speed; the
//! timeline can scrub anywhere in what has been computed.

use crate::numerics::objectives::Landmarks;
use crate::numerics::resume::Progress;
use crate::numerics::run::Simulation;
use crate::numerics::{ParamError, Vec2};
use crate::scenario::{Scenario, ScenarioSpec};
use crate::ui::pace::{FrameDeadline, Pace};
use web_time::{Duration, Instant};

/// Samples kept per run in the app; beyond this, trajectories are thinned (memory stays
/// bounded: about 7 MB per run).
pub const CAPACITY: usize = 1 << 17;

/// Fastest playback, in steps per second (the speed slider's end and the presets' limit).
pub const MAX_SPEED: f64 = crate::scenario::MAX_SPEED;

/// Time per frame spent computing runs ahead, so the interface never stutters.
pub const COMPUTE_BUDGET: Duration = Duration::from_millis(6);

/// Most steps each run takes per slice of computation.
const CHUNK: usize = 2_000;

/// Steps each run takes in a frame's first slice, before the rate is measured: one, as a
/// step may be slow (an L-BFGS step of 1,250 evaluations, minibatch noise over 100,000
/// copies); the next slices grow to what the measured rate fits in the frame.
const FIRST_CHUNK: usize = 1;

/// The current scenario, its simulation and the playback position.
pub struct Session {
    scenario: Scenario,
    sim: Simulation,
    /// Displayed step; fractional while playing.
    cursor: f64,
    playing: bool,
    /// Playback's clock (simulated time).
    pace: Pace,
    generation: u64,
    objective_generation: u64,
    view_generation: u64,
    f_star: Option<f64>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("scenario", &self.scenario.spec.name)
            .field("cursor", &self.cursor)
            .field("playing", &self.playing)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// Starts a session on a validated scenario, at step 0, paused.
    pub fn new(scenario: Scenario) -> Result<Self, ParamError> {
        let sim = scenario.simulation(CAPACITY)?;
        let f_star = known_minimum(&scenario);
        Ok(Self {
            scenario,
            sim,
            cursor: 0.0,
            playing: false,
            pace: Pace::default(),
            generation: 0,
            objective_generation: 0,
            view_generation: 0,
            f_star,
        })
    }

    /// Replaces the document after an edit: re-simulates from the start and keeps the playback
    /// position, so the picture follows a slider while it is dragged.
    pub fn replace(&mut self, spec: ScenarioSpec) -> Result<(), Vec<ParamError>> {
        if same_simulation(&spec, &self.scenario.spec) {
            // Name, description, theme or focus: nothing to recompute.
            self.scenario.spec = spec;
            return Ok(());
        }
        let scenario = Scenario::from_spec(spec)?;
        let sim = scenario.simulation(CAPACITY).map_err(|e| vec![e])?;
        let objective_changed = scenario.spec.objective != self.scenario.spec.objective;
        let view_changed = objective_changed || scenario.spec.view != self.scenario.spec.view;
        self.f_star = known_minimum(&scenario);
        self.scenario = scenario;
        self.sim = sim;
        self.generation += 1;
        if objective_changed {
            self.objective_generation += 1;
        }
        if view_changed {
            self.view_generation += 1;
        }
        self.cursor = self.cursor.min(self.steps() as f64);
        Ok(())
    }

    /// Loads a different scenario (a new slide): back to step 0, view reset.
    pub fn load(&mut self, scenario: Scenario) -> Result<(), ParamError> {
        let mut next = Self::new(scenario)?;
        next.generation = self.generation + 1;
        next.objective_generation = self.objective_generation + 1;
        next.view_generation = self.view_generation + 1;
        *self = next;
        Ok(())
    }

    /// The validated scenario.
    #[must_use]
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// The document.
    #[must_use]
    pub fn spec(&self) -> &ScenarioSpec {
        &self.scenario.spec
    }

    /// The simulation.
    #[must_use]
    pub fn sim(&self) -> &Simulation {
        &self.sim
    }

    /// Index in `spec.runs` of simulated run `i` (`Scenario::spec_index`, the one map).
    #[must_use]
    pub fn spec_index(&self, i: usize) -> usize {
        self.scenario.spec_index(i).unwrap_or(i)
    }

    /// The simulated run of spec run `spec`, if it is enabled.
    #[must_use]
    pub fn sim_index(&self, spec: usize) -> Option<usize> {
        self.scenario.sim_index(spec)
    }

    /// Changes whenever the runs are re-simulated (a cache key).
    #[must_use]
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Changes when the objective changes (heat map and contours depend only on it).
    #[must_use]
    pub fn objective_generation(&self) -> u64 {
        self.objective_generation
    }

    /// Changes when the plot should return to the scenario's view.
    #[must_use]
    pub fn view_generation(&self) -> u64 {
        self.view_generation
    }

    /// The lowest known value of f (the global minimum), if the objective documents one.
    #[must_use]
    pub fn f_star(&self) -> Option<f64> {
        self.f_star
    }

    /// The step budget.
    #[must_use]
    pub fn steps(&self) -> usize {
        self.scenario.spec.steps
    }

    /// Steps computed for every run (a stopped run counts as complete).
    #[must_use]
    pub fn frontier(&self) -> usize {
        self.sim
            .runs()
            .iter()
            .map(|r| {
                if r.status().is_running() {
                    r.steps_done()
                } else {
                    usize::MAX
                }
            })
            .min()
            .unwrap_or(usize::MAX)
            .min(self.steps())
    }

    /// True while runs still have steps to compute.
    #[must_use]
    pub fn computing(&self) -> bool {
        self.frontier() < self.steps()
    }

    /// The run whose step was cut off at the last frame's deadline and how far it has got,
    /// for the progress line (slow steps take several frames).
    #[must_use]
    pub fn cut_off(&self) -> Option<(usize, Progress)> {
        self.sim
            .runs()
            .iter()
            .enumerate()
            .find_map(|(i, r)| r.cut_off().map(|p| (i, p)))
    }

    /// Computes ahead for at most `budget`; returns true when everything is computed. The
    /// steps per slice follow the rate measured so far (from `FIRST_CHUNK` up to `CHUNK`),
    /// and a step still running when the budget is spent is cut off and resumed in the next
    /// call, so slow steps (minibatch noise over many copies, long formulas, L-BFGS) overrun
    /// the budget by about one gradient, or 32 minibatch copies of one.
    pub fn compute(&mut self, budget: Duration) -> bool {
        let start = Instant::now();
        let deadline = FrameDeadline::after(start, budget);
        let target = self.steps();
        let mut chunk = FIRST_CHUNK;
        let mut taken = 0;
        loop {
            let done = self.sim.advance_within(target, chunk, Some(&deadline));
            let elapsed = start.elapsed();
            if done || elapsed >= budget {
                return done;
            }
            // Steps asked of each run so far: the measure of the work done.
            taken += chunk;
            let per_step = elapsed.as_secs_f64() / taken as f64;
            let left = budget.saturating_sub(elapsed).as_secs_f64();
            #[allow(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "a positive count, clamped"
            )]
            let fits = (left / per_step.max(1e-9)) as usize;
            chunk = fits.clamp(1, CHUNK);
        }
    }

    /// The step on screen (whole steps, never beyond what is computed).
    #[must_use]
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "cursor is clamped to [0, steps]"
    )]
    pub fn shown_step(&self) -> usize {
        (self.cursor.max(0.0).floor() as usize).min(self.frontier())
    }

    /// True while playing.
    #[must_use]
    pub fn playing(&self) -> bool {
        self.playing
    }

    /// Advances playback to what the clock says at `now_secs` (the scenario's speed in
    /// simulated time: frames of any length neither lose nor gain steps), never beyond what is
    /// computed; stops at the end.
    pub fn tick(&mut self, now_secs: f64) {
        if !self.playing {
            return;
        }
        let speed = self.scenario.spec.speed;
        if !self.pace.running() {
            self.pace.start(now_secs, self.cursor);
        }
        let end = self.steps() as f64;
        let target = self.pace.target(now_secs, speed).unwrap_or(self.cursor);
        self.cursor = target.min(self.frontier() as f64);
        self.pace.shown(now_secs, self.cursor, speed);
        if self.cursor >= end {
            self.cursor = end;
            self.playing = false;
            self.pace.stop();
        }
    }

    /// The speed playback actually achieves, when it falls short of the one set (the
    /// computation cannot keep up); `None` while it keeps up or is paused.
    #[must_use]
    pub fn lagging(&self) -> Option<f64> {
        if self.playing {
            self.pace.lagging(self.scenario.spec.speed)
        } else {
            None
        }
    }

    /// Play or pause; playing from the end starts over.
    pub fn set_playing(&mut self, playing: bool) {
        if playing && self.shown_step() >= self.steps() {
            self.cursor = 0.0;
        }
        self.playing = playing;
        self.pace.stop();
    }

    /// One step forward, paused.
    pub fn step(&mut self) {
        self.playing = false;
        self.pace.stop();
        self.cursor = (self.cursor.floor() + 1.0).min(self.steps() as f64);
    }

    /// Back to step 0, paused.
    pub fn reset(&mut self) {
        self.playing = false;
        self.pace.stop();
        self.cursor = 0.0;
    }

    /// Moves the playback position (the timeline slider); playback goes on from there.
    pub fn seek(&mut self, step: f64) {
        self.cursor = step.clamp(0.0, self.steps() as f64);
        self.pace.stop();
    }

    /// Sets the playback speed in steps per second (from the step on screen on).
    pub fn set_speed(&mut self, speed: f64) {
        self.scenario.spec.speed = speed.clamp(1.0, MAX_SPEED);
        self.pace.stop();
    }

    /// Start point of spec run `index` (explicit or the objective's default).
    #[must_use]
    pub fn start_of(&self, index: usize) -> Vec2 {
        self.scenario.runs.get(index).map_or_else(
            || self.scenario.objective.default_start(),
            |r| r.config.start,
        )
    }
}

/// True when two documents differ at most in what does not change any run.
fn same_simulation(a: &ScenarioSpec, b: &ScenarioSpec) -> bool {
    let cosmetic = |s: &ScenarioSpec| ScenarioSpec {
        name: String::new(),
        description: String::new(),
        theme: None,
        focus: None,
        trail: None,
        loss_plot: crate::scenario::LossPlot::default(),
        speed: 1.0,
        ..s.clone()
    };
    a.speed.is_finite() && (1.0..=MAX_SPEED).contains(&a.speed) && cosmetic(a) == cosmetic(b)
}

/// The lowest known minimum ([`theory::lowest_minimum`]: degenerate minima count), if it lies
/// in the scenario's domain (one outside it is no floor for projected runs).
fn known_minimum(s: &Scenario) -> Option<f64> {
    crate::numerics::theory::lowest_minimum(&s.objective, &s.view)
        .filter(|c| s.spec.domain.is_none_or(|d| d.contains(c.p)))
        .map(|c| c.value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario;

    fn session(text: &str) -> Session {
        Session::new(scenario::parse(text, "t.ron").unwrap()).unwrap()
    }

    #[test]
    fn a_frame_measures_before_it_takes_big_slices() {
        // However slow one step is (an L-BFGS step may evaluate 1,250 times), a frame's
        // first slice is FIRST_CHUNK steps, and the next ones are what the measured rate fits.
        let mut s =
            session("(objective: Rastrigin(), steps: 100000, runs: [(optimizer: GD(lr: 0.001))])");
        let before = s.frontier();
        assert!(!s.compute(Duration::ZERO));
        assert_eq!(s.frontier(), before + FIRST_CHUNK);
        assert!(s.compute(Duration::from_secs(30)));
    }

    #[test]
    fn playback_reveals_computed_steps_at_the_scenario_speed() {
        let mut s = session("(steps: 100, speed: 20.0, runs: [(optimizer: GD(lr: 0.1))])");
        assert!(s.compute(Duration::from_secs(5)));
        assert_eq!(s.frontier(), 100);
        s.set_playing(true);
        s.tick(7.0);
        s.tick(7.5);
        assert_eq!(s.shown_step(), 10);
        s.tick(107.5);
        assert_eq!(s.shown_step(), 100);
        assert!(!s.playing(), "stops at the end");
        s.set_playing(true);
        assert_eq!(s.shown_step(), 0, "playing from the end starts over");
        s.step();
        assert_eq!(s.shown_step(), 1);
        assert!(!s.playing());
        s.reset();
        assert_eq!(s.shown_step(), 0);
    }

    #[test]
    fn edits_resimulate_and_keep_the_position() {
        let mut s = session("(steps: 50, runs: [(optimizer: GD(lr: 0.1))])");
        s.compute(Duration::from_secs(5));
        s.seek(30.0);
        let before = s.sim().runs()[0].trajectory().at_step(30).unwrap().point;
        let mut spec = s.spec().clone();
        spec.runs[0].optimizer.set_lr(0.2);
        s.replace(spec).unwrap();
        s.compute(Duration::from_secs(5));
        assert_eq!(s.shown_step(), 30);
        let after = s.sim().runs()[0].trajectory().at_step(30).unwrap().point;
        assert_ne!(before, after);
        assert_eq!(s.objective_generation(), 0, "the objective did not change");
        let mut bad = s.spec().clone();
        bad.runs[0].optimizer.set_lr(-1.0);
        assert!(s.replace(bad).is_err());
        assert_eq!(
            s.spec().runs[0].optimizer.lr(),
            0.2,
            "an invalid edit changes nothing"
        );
    }

    #[test]
    fn playback_waits_for_computation() {
        let mut s = session("(steps: 100000, speed: 10000.0, runs: [(optimizer: GD(lr: 0.1))])");
        s.set_playing(true);
        s.tick(0.0);
        s.tick(5.0);
        assert_eq!(s.shown_step(), 0, "nothing computed yet");
        s.compute(Duration::from_millis(1));
        s.tick(10.0);
        assert!(s.shown_step() <= s.frontier());
        assert!(s.shown_step() > 0);
    }
}
