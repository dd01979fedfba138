//! Playback in simulated time. The step on screen is `anchor_step + speed * (now - anchor_time)`,
//! read from the clock every frame, so slow, fast or irregular frames neither lose nor gain
//! steps. When the computation cannot keep up, playback waits for it and starts again from
//! where it is (no jump later), and the speed actually achieved is measured so the transport can
//! show it next to the speed that was set.

use crate::numerics::resume::Deadline;
use std::collections::VecDeque;
use web_time::{Duration, Instant};

/// The end of a frame's work budget: a step still running then is cut off and resumed in the
/// next frame ([`crate::numerics::resume`]).
#[derive(Clone, Copy, Debug)]
pub struct FrameDeadline(Instant);

impl FrameDeadline {
    /// The deadline `budget` after `start`.
    #[must_use]
    pub fn after(start: Instant, budget: Duration) -> Self {
        Self(start + budget)
    }
}

impl Deadline for FrameDeadline {
    fn passed(&self) -> bool {
        Instant::now() >= self.0
    }
}

/// Seconds of history the achieved speed is measured over.
const WINDOW_SECS: f64 = 1.0;
/// Achieved speeds within this fraction of the set speed count as keeping up.
const KEEPING_UP: f64 = 0.95;

/// The playback clock of one page.
#[derive(Clone, Debug, Default)]
pub struct Pace {
    /// (time, step) playback started from, while playing.
    anchor: Option<(f64, f64)>,
    /// (time, step shown) over the last second, for the achieved speed.
    recent: VecDeque<(f64, f64)>,
}

impl Pace {
    /// Starts (or restarts, after a seek or a speed change) the clock at `step` at `now_secs`.
    pub fn start(&mut self, now_secs: f64, step: f64) {
        self.anchor = Some((now_secs, step));
        self.recent.clear();
        self.recent.push_back((now_secs, step));
    }

    /// Stops the clock (pause).
    pub fn stop(&mut self) {
        self.anchor = None;
        self.recent.clear();
    }

    /// True while the clock runs.
    #[must_use]
    pub fn running(&self) -> bool {
        self.anchor.is_some()
    }

    /// The step that should be on screen at `now_secs` at `speed` steps per second, if playing.
    #[must_use]
    pub fn target(&self, now_secs: f64, speed: f64) -> Option<f64> {
        self.anchor
            .map(|(t0, s0)| s0 + speed * (now_secs - t0).max(0.0))
    }

    /// Tells the clock which step is on screen at `now_secs`: when it is behind the target
    /// (the computation lagged), playback goes on from there.
    pub fn shown(&mut self, now_secs: f64, step: f64, speed: f64) {
        if self.target(now_secs, speed).is_some_and(|t| step < t - 1.0) {
            self.anchor = Some((now_secs, step));
        }
        self.recent.push_back((now_secs, step));
        while self
            .recent
            .front()
            .is_some_and(|(t, _)| now_secs - t > WINDOW_SECS)
            && self.recent.len() > 2
        {
            self.recent.pop_front();
        }
    }

    /// The speed achieved over the last second, when it falls short of `speed` (after playing
    /// for most of a second); `None` while playback keeps up.
    #[must_use]
    pub fn lagging(&self, speed: f64) -> Option<f64> {
        let (&(t0, s0), &(t1, s1)) = (self.recent.front()?, self.recent.back()?);
        let span = t1 - t0;
        if self.anchor.is_none() || span < 0.8 * WINDOW_SECS {
            return None;
        }
        let achieved = (s1 - s0) / span;
        (achieved < KEEPING_UP * speed).then_some(achieved)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule_follows_the_clock_whatever_the_frames() {
        let mut p = Pace::default();
        p.start(10.0, 0.0);
        // Irregular frames, one of them half a second long: 15 steps per second all the same.
        let mut now = 10.0;
        for dt in [0.016, 0.5, 0.001, 0.2, 0.283] {
            now += dt;
            let t = p.target(now, 15.0).unwrap();
            p.shown(now, t, 15.0);
        }
        assert!((p.target(now, 15.0).unwrap() - 15.0).abs() < 1e-9);
        assert_eq!(p.lagging(15.0), None, "keeping up");
        p.stop();
        assert_eq!(p.target(now, 15.0), None);
    }

    #[test]
    fn a_lagging_computation_is_measured_and_waited_for() {
        let mut p = Pace::default();
        p.start(0.0, 0.0);
        // The computation delivers 6,500 steps per second against 10,000 asked for.
        for frame in 1..=60 {
            let now = f64::from(frame) / 60.0;
            let available = 6_500.0 * now;
            let shown = p.target(now, 10_000.0).unwrap().min(available);
            p.shown(now, shown, 10_000.0);
        }
        let achieved = p.lagging(10_000.0).expect("lagging");
        assert!((achieved - 6_500.0).abs() < 50.0, "{achieved}");
        // Playback goes on from where it is: no jump once the computation catches up.
        let t = p.target(1.0 + 1.0 / 60.0, 10_000.0).unwrap();
        assert!(t < 6_500.0 + 200.0, "{t}");
    }
}
