//! Runs: one optimizer stepping on a 2-D objective under a schedule, clipping, noise and
//! Polyak averaging, recorded into a [`Trajectory`].
//!
//! Per step k: lr_k = schedule(lr, k) (ReduceLROnPlateau: from the losses so far, see
//! [`Scheduler`]); the noise draw of step k is fixed; the optimizer asks the
//! oracle (objective + noise + clipping) for gradients and moves x_k to x_{k+1}. The trajectory
//! records, for every kept step, the point, the true loss f(x_k) and gradient norm
//! |grad f(x_k)| (without noise), the learning rate, the optimizer's effective per-coordinate
//! step size and velocity where it has them, and the averaged iterate when averaging is on.
//! A step that produces a non-finite value or leaves a huge box around the view stops the run
//! with a status naming the step; nothing non-finite is ever recorded.
//!
//! With a box domain ([`RunConfig::domain`]) the iterate is projected onto it after every
//! update, each coordinate clamped: projected online gradient descent's x_{k+1} =
//! P(x_k - lr g_k), and what a torch loop that clamps its parameters after
//! `optimizer.step()` computes (torch.optim itself has no constraints). Only the iterate is
//! projected: everything else is what the optimizer computed inside its step, from the
//! projected point it started at. So NAG's look-ahead point and line searches' trial points
//! may lie outside the box within a step, BFGS and L-BFGS remember the step they took before
//! the projection (all of L-BFGS's inner iterations happen within one step), and an
//! optimizer's own sequences (ASGD's average, Schedule-Free's x and z) are not projected.

use super::noise::{Draw, NoiseSampler, NoiseSpec};
use super::objectives::{AnyObjective, Hessian, Objective, ViewRect};
use super::optimizers::{Optimizer, OptimizerSpec, Oracle, StepError};
use super::parallel::STEPS_WORTH_SHARING;
use super::path_shape::PathShape;
use super::resume::{self, Deadline, Progress, Resume};
use super::schedule::{MomentumSchedule, Schedule, Scheduler};
use super::{Mat2, ParamError, Vec2};
use nalgebra::{DMatrix, DVector};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Gradient clipping, applied to the (noisy) gradient before the optimizer sees it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub enum Clip {
    /// No clipping.
    #[default]
    None,
    /// torch's clip_grad_norm_: g <- g * min(1, max_norm / (|g| + 1e-6)).
    Norm(f64),
    /// torch's clip_grad_value_: each coordinate clamped to [-c, c].
    Value(f64),
}

impl Clip {
    /// Checks the threshold.
    pub fn validate(&self) -> Result<(), ParamError> {
        match *self {
            Self::None => Ok(()),
            Self::Norm(c) | Self::Value(c) => super::checks::positive("0", c),
        }
    }

    /// Clips g in place.
    pub fn apply(&self, g: &mut [f64]) {
        match *self {
            Self::None => {}
            Self::Norm(max_norm) => {
                let total = g.iter().map(|v| v * v).sum::<f64>().sqrt();
                let coef = max_norm / (total + 1e-6);
                if coef < 1.0 {
                    for v in g.iter_mut() {
                        *v *= coef;
                    }
                }
            }
            Self::Value(c) => {
                for v in g.iter_mut() {
                    *v = v.clamp(-c, c);
                }
            }
        }
    }
}

/// Iterate averaging.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub enum Averaging {
    /// No averaging.
    #[default]
    Off,
    /// Polyak-Ruppert: the mean of x_start, ..., x_k (before `start`, the iterate itself).
    Polyak {
        /// First step included in the average.
        start: usize,
    },
    /// Tail averaging: the mean of the last `last` iterates x_{k-last+1}, ..., x_k (of all of
    /// them while there are fewer).
    Tail {
        /// How many iterates, 1 to [`MAX_AVERAGE_WINDOW`].
        last: usize,
    },
}

/// The longest tail average (its iterates are kept).
pub const MAX_AVERAGE_WINDOW: usize = 100_000;

impl Averaging {
    /// Checks the window's length.
    pub fn validate(&self) -> Result<(), ParamError> {
        match *self {
            Self::Tail { last } if !(1..=MAX_AVERAGE_WINDOW).contains(&last) => {
                Err(ParamError::new(
                    "last",
                    format!("must be 1 to {MAX_AVERAGE_WINDOW}, got {last}"),
                ))
            }
            _ => Ok(()),
        }
    }
}

/// The running mean of the last iterates, with the window kept (allocated once).
#[derive(Clone, Debug, Default)]
struct TailMean {
    window: std::collections::VecDeque<Vec2>,
    sum: Vec2,
    /// Pushes since the sum was last added up afresh (so rounding cannot accumulate).
    since_exact: usize,
}

impl TailMean {
    fn new(last: usize) -> Self {
        Self {
            window: std::collections::VecDeque::with_capacity(last),
            ..Self::default()
        }
    }

    /// Adds `p`, dropping the oldest iterate beyond `last`; the mean of what is kept.
    fn push(&mut self, p: Vec2, last: usize) -> Vec2 {
        if self.window.len() == last
            && let Some(old) = self.window.pop_front()
        {
            self.sum -= old;
        }
        self.window.push_back(p);
        self.sum += p;
        self.since_exact += 1;
        if self.since_exact >= last {
            self.sum = self.window.iter().sum();
            self.since_exact = 0;
        }
        self.sum / self.window.len() as f64
    }
}

/// Everything needed to start one run (validated).
#[derive(Clone, Debug, PartialEq)]
pub struct RunConfig {
    /// The optimizer and its hyperparameters.
    pub optimizer: OptimizerSpec,
    /// Start point x_0.
    pub start: Vec2,
    /// Learning-rate schedule.
    pub schedule: Schedule,
    /// Momentum schedule (SGD with momentum, NAG with a constant momentum).
    pub momentum_schedule: MomentumSchedule,
    /// Gradient clipping.
    pub clip: Clip,
    /// Iterate averaging.
    pub averaging: Averaging,
    /// The gradient noise this run sees (runs of a scenario share seed and draws).
    pub noise: NoiseSpec,
    /// Examples in the objective: N for a scenario whose noise is a finite sum of N copies
    /// (`Minibatch`), 1 otherwise. An exact gradient costs this many per-example gradients, a
    /// minibatch gradient costs its batch size (see [`Sample::evaluations`]).
    pub examples: usize,
    /// The box the iterate is projected onto after every update (the start must lie in it);
    /// `None`: the whole plane. See the module's documentation for what is projected.
    pub domain: Option<ViewRect>,
}

/// Why a run stopped early.
#[derive(Clone, Debug, PartialEq)]
pub enum Stop {
    /// x became NaN or infinite.
    NonFinitePoint,
    /// f(x) or its gradient is NaN or infinite at the new point.
    NonFiniteValue,
    /// x left the box of 100 view sizes around the view.
    LeftBox,
    /// The schedule's learning rate for the next step overflowed (e.g. an exponential
    /// schedule with gamma > 1, far out).
    NonFiniteLr,
    /// The optimizer could not take a step.
    Failed(StepError),
}

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NonFinitePoint => write!(f, "the iterate is not a finite number"),
            Self::NonFiniteValue => write!(f, "f or its gradient is not finite there"),
            Self::LeftBox => write!(f, "the iterate left the region around the view"),
            Self::NonFiniteLr => write!(f, "the schedule's learning rate is not finite"),
            Self::Failed(e) => write!(f, "{e}"),
        }
    }
}

/// Where a run stands.
#[derive(Clone, Debug, PartialEq)]
pub enum RunStatus {
    /// Stepping normally.
    Running,
    /// Stopped at `step` (the update that went wrong); the trajectory ends at step - 1.
    Stopped {
        /// 1-based index of the update that failed (0: the start point itself is invalid).
        step: usize,
        /// What happened.
        reason: Stop,
    },
}

impl RunStatus {
    /// True while the run can take more steps.
    #[must_use]
    pub fn is_running(&self) -> bool {
        matches!(self, Self::Running)
    }

    /// Short text: "ok" or "diverged at step k: ...".
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            Self::Running => "ok".to_owned(),
            Self::Stopped {
                step,
                reason: reason @ Stop::Failed(_),
            } => format!("stopped at step {step}: {reason}"),
            Self::Stopped { step, reason } => format!("diverged at step {step}: {reason}"),
        }
    }
}

/// A recorded step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sample {
    /// Step index k.
    pub step: usize,
    /// x_k.
    pub point: Vec2,
    /// f(x_k).
    pub loss: f64,
    /// |grad f(x_k)|.
    pub grad_norm: f64,
    /// Learning rate of the update from x_k.
    pub lr: f64,
    /// Effective per-coordinate step size after the update that produced x_k.
    pub effective_lr: Option<Vec2>,
    /// Velocity (momentum) after the update that produced x_k.
    pub velocity: Option<Vec2>,
    /// Averaged iterate at step k.
    pub averaged: Option<Vec2>,
    /// The optimizer's base sequence at step k (Schedule-Free's z), where it has one.
    pub base: Option<Vec2>,
    /// Per-example gradient evaluations spent to reach x_k (0 at the start): every gradient
    /// the optimizer asked for (line-search trials and look-ahead points included) times the
    /// examples it averages, the batch size B for a minibatch, N for an exact gradient of a
    /// finite sum, 1 otherwise. Hessians (Newton) are not counted.
    pub evaluations: u64,
}

/// Most points a [`Trajectory::trail`] is drawn with.
pub const MAX_TRAIL_POINTS: usize = 4096;

/// One of the sequences a run records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sequence {
    /// The iterate x_k.
    Iterate,
    /// Its averaged iterate (Polyak, tail, ASGD's ax, Schedule-Free's x).
    Averaged,
    /// The base sequence (Schedule-Free's z).
    Base,
}

/// The recorded history of a run. Memory is bounded: when `capacity` samples are stored, every
/// other one is dropped and from then on only every `stride`-th step is kept (the latest step is
/// always available).
#[derive(Clone, Debug, Default)]
pub struct Trajectory {
    stride: usize,
    capacity: usize,
    steps_done: usize,
    points: Vec<Vec2>,
    loss: Vec<f64>,
    grad_norm: Vec<f64>,
    lr: Vec<f64>,
    evaluations: Vec<u64>,
    effective_lr: Vec<Vec2>,
    velocity: Vec<Vec2>,
    averaged: Vec<Vec2>,
    base: Vec<Vec2>,
    latest: Option<Sample>,
    /// Every step's point, simplified for drawing (the samples above are strided).
    shape: PathShape,
    /// Every step's averaged point, simplified the same way (empty without averaging).
    averaged_shape: PathShape,
    /// The same for the base sequence (Schedule-Free's z).
    base_shape: PathShape,
}

/// Most vertices a run's drawn shape keeps before its tolerance doubles.
const SHAPE_BUDGET: usize = 1 << 16;

impl Trajectory {
    /// An empty trajectory keeping at most `capacity` samples (rounded up to even, >= 2), and
    /// a shape for drawing that stays within `shape_tolerance` (plot units) of every step.
    #[must_use]
    pub fn with_capacity(capacity: usize, shape_tolerance: f64) -> Self {
        Self {
            stride: 1,
            capacity: capacity.max(2).next_multiple_of(2),
            shape: PathShape::new(shape_tolerance, SHAPE_BUDGET),
            averaged_shape: PathShape::new(shape_tolerance, SHAPE_BUDGET),
            base_shape: PathShape::new(shape_tolerance, SHAPE_BUDGET),
            ..Self::default()
        }
    }

    /// A trajectory that keeps only the latest step (`capacity` 0): for a run whose samples
    /// go to a [`SampleStream`] instead.
    fn latest_only() -> Self {
        Self {
            stride: 1,
            ..Self::default()
        }
    }

    /// The path for drawing: every step's point went into it, so unlike the strided samples it
    /// never cuts a corner by more than its tolerance.
    #[must_use]
    pub fn shape(&self) -> &PathShape {
        &self.shape
    }

    /// The averaged iterate's path for drawing, like [`Self::shape`]; `None` without averaging.
    #[must_use]
    pub fn averaged_shape(&self) -> Option<&PathShape> {
        (!self.averaged.is_empty()).then_some(&self.averaged_shape)
    }

    /// The base sequence's path for drawing (Schedule-Free's z); `None` without one.
    #[must_use]
    pub fn base_shape(&self) -> Option<&PathShape> {
        (!self.base.is_empty()).then_some(&self.base_shape)
    }

    /// Number of stored samples.
    #[must_use]
    pub fn len(&self) -> usize {
        self.points.len()
    }

    /// True before the start point is recorded.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// Steps between stored samples (1 until the capacity is first reached).
    #[must_use]
    pub fn stride(&self) -> usize {
        self.stride
    }

    /// The stored points, sample i being step i * stride.
    #[must_use]
    pub fn points(&self) -> &[Vec2] {
        &self.points
    }

    /// The stored losses.
    #[must_use]
    pub fn losses(&self) -> &[f64] {
        &self.loss
    }

    /// The stored gradient norms.
    #[must_use]
    pub fn grad_norms(&self) -> &[f64] {
        &self.grad_norm
    }

    /// The stored cumulative gradient evaluations ([`Sample::evaluations`]).
    #[must_use]
    pub fn evaluations(&self) -> &[u64] {
        &self.evaluations
    }

    /// The stored averaged iterates (empty without averaging).
    #[must_use]
    pub fn averaged(&self) -> &[Vec2] {
        &self.averaged
    }

    /// Number of updates taken so far (the latest step index).
    #[must_use]
    pub fn steps_done(&self) -> usize {
        self.steps_done
    }

    /// The latest step, stored or not.
    #[must_use]
    pub fn latest(&self) -> Option<Sample> {
        self.latest
    }

    /// Stored sample i.
    #[must_use]
    pub fn sample(&self, i: usize) -> Option<Sample> {
        let point = *self.points.get(i)?;
        let vec_at = |v: &[Vec2]| if i == 0 { None } else { v.get(i).copied() };
        Some(Sample {
            step: i * self.stride,
            point,
            loss: self.loss[i],
            grad_norm: self.grad_norm[i],
            lr: self.lr[i],
            effective_lr: vec_at(&self.effective_lr),
            velocity: vec_at(&self.velocity),
            averaged: self.averaged.get(i).copied(),
            base: self.base.get(i).copied(),
            evaluations: self.evaluations[i],
        })
    }

    /// A trail: the stored points of one of the run's sequences from step `from` (rounded up to
    /// a stored sample) to `step`, ending at the sequence's point at `step` (the latest one
    /// even between stored samples), at most [`MAX_TRAIL_POINTS`] of them (a longer stretch is
    /// thinned evenly). Empty when the sequence is not recorded.
    #[must_use]
    pub fn trail(&self, sequence: Sequence, from: usize, step: usize) -> Vec<Vec2> {
        let (stored, at) = match sequence {
            Sequence::Iterate => (&self.points, self.at_step(step).map(|s| s.point)),
            Sequence::Averaged => (&self.averaged, self.at_step(step).and_then(|s| s.averaged)),
            Sequence::Base => (&self.base, self.at_step(step).and_then(|s| s.base)),
        };
        let Some(at) = at else {
            return Vec::new();
        };
        let first = from.div_ceil(self.stride).min(stored.len());
        let last = (step / self.stride + 1).min(stored.len()).max(first);
        let every = (last - first).div_ceil(MAX_TRAIL_POINTS).max(1);
        let mut trail: Vec<Vec2> = stored[first..last].iter().step_by(every).copied().collect();
        if trail.last() != Some(&at) {
            trail.push(at);
        }
        trail
    }

    /// The stored sample at or just before `step`, or the latest one if `step` is beyond it.
    #[must_use]
    pub fn at_step(&self, step: usize) -> Option<Sample> {
        if let Some(latest) = self.latest
            && step >= latest.step
        {
            return Some(latest);
        }
        self.sample((step / self.stride).min(self.len().checked_sub(1)?))
    }

    fn push(&mut self, s: Sample) {
        self.steps_done = s.step;
        self.latest = Some(s);
        if self.capacity == 0 {
            return;
        }
        self.shape.push(s.step, s.point);
        // An optimizer's own sequences (ASGD's ax, Schedule-Free's x and z) begin after its
        // first step: their paths begin at the start point.
        let start = self.points.first().copied();
        for (shape, p) in [
            (&mut self.averaged_shape, s.averaged),
            (&mut self.base_shape, s.base),
        ] {
            if let Some(p) = p {
                if shape.points().is_empty()
                    && s.step > 0
                    && let Some(start) = start
                {
                    shape.push(0, start);
                }
                shape.push(s.step, p);
            }
        }
        if !s.step.is_multiple_of(self.stride) {
            return;
        }
        if self.points.len() >= self.capacity {
            self.thin();
            if !s.step.is_multiple_of(self.stride) {
                return;
            }
        }
        self.points.push(s.point);
        self.loss.push(s.loss);
        self.grad_norm.push(s.grad_norm);
        self.lr.push(s.lr);
        self.evaluations.push(s.evaluations);
        // Step 0 has no update yet: a zero placeholder keeps the arrays aligned.
        if let Some(e) = s.effective_lr.or((s.step == 0).then_some(Vec2::zeros()))
            && self.effective_lr.len() + 1 == self.points.len()
        {
            self.effective_lr.push(e);
        }
        if let Some(v) = s.velocity.or((s.step == 0).then_some(Vec2::zeros()))
            && self.velocity.len() + 1 == self.points.len()
        {
            self.velocity.push(v);
        }
        if let Some(a) = s.averaged {
            // An optimizer reports its own average only once it has stepped (ASGD's ax): until
            // then its iterate stands for it, which keeps sample i's average at step i.
            while self.averaged.len() + 1 < self.points.len() {
                self.averaged.push(self.points[self.averaged.len()]);
            }
            self.averaged.push(a);
        }
        if let Some(z) = s.base {
            // As for an optimizer's own average: the start stands in before the first step.
            while self.base.len() + 1 < self.points.len() {
                self.base.push(self.points[self.base.len()]);
            }
            self.base.push(z);
        }
    }

    /// Keeps every other sample and doubles the stride.
    fn thin(&mut self) {
        fn keep_even<T: Copy>(v: &mut Vec<T>) {
            let mut i = 0;
            v.retain(|_| {
                i += 1;
                i % 2 == 1
            });
        }
        keep_even(&mut self.points);
        keep_even(&mut self.loss);
        keep_even(&mut self.grad_norm);
        keep_even(&mut self.lr);
        keep_even(&mut self.evaluations);
        keep_even(&mut self.effective_lr);
        keep_even(&mut self.velocity);
        keep_even(&mut self.averaged);
        keep_even(&mut self.base);
        self.stride *= 2;
    }

    /// Heap memory held by the recorded samples, in bytes (bounded by the capacity, however
    /// many steps were taken).
    #[must_use]
    pub fn heap_bytes(&self) -> usize {
        let v2 = std::mem::size_of::<Vec2>();
        let f = std::mem::size_of::<f64>();
        (self.points.capacity()
            + self.effective_lr.capacity()
            + self.velocity.capacity()
            + self.averaged.capacity()
            + self.base.capacity())
            * v2
            + (self.loss.capacity() + self.grad_norm.capacity() + self.lr.capacity()) * f
            + self.evaluations.capacity() * std::mem::size_of::<u64>()
            + self.shape.heap_bytes()
            + self.averaged_shape.heap_bytes()
            + self.base_shape.heap_bytes()
    }

    /// True when effective step sizes are recorded.
    #[must_use]
    pub fn has_effective_lr(&self) -> bool {
        !self.effective_lr.is_empty() && self.effective_lr.len() == self.points.len()
    }
}

/// A run's samples handed out as they are recorded, for writers that must not keep a whole
/// run (`optiviz run`): every step, with the values [`Trajectory::sample`] gives for it in a
/// trajectory that was never thinned, none of them stored for longer than the caller waits.
///
/// Like a trajectory, it has no effective step size or velocity at step 0 and none after the
/// first step without one. An optimizer's own average and base sequence begin with its first
/// step; the start point stands for them at step 0, so step 0 waits for step 1.
#[derive(Clone, Debug, Default)]
pub struct SampleStream {
    ready: Vec<Sample>,
    /// Step 0, until step 1 says whether the optimizer has its own sequences.
    start: Option<Sample>,
    /// False from the first step without a (finite) effective step size on.
    effective_lr_kept: bool,
    /// The same for the velocity.
    velocity_kept: bool,
}

impl SampleStream {
    fn push(&mut self, mut s: Sample) {
        if s.step == 0 {
            s.effective_lr = None;
            s.velocity = None;
            self.effective_lr_kept = true;
            self.velocity_kept = true;
            self.start = Some(s);
            return;
        }
        self.effective_lr_kept &= s.effective_lr.is_some();
        self.velocity_kept &= s.velocity.is_some();
        if !self.effective_lr_kept {
            s.effective_lr = None;
        }
        if !self.velocity_kept {
            s.velocity = None;
        }
        if let Some(mut start) = self.start.take() {
            start.averaged = start.averaged.or(s.averaged.map(|_| start.point));
            start.base = start.base.or(s.base.map(|_| start.point));
            self.ready.push(start);
        }
        self.ready.push(s);
    }

    /// Moves the samples that are final into `out`; with `to_the_end` (no step follows), all.
    fn take(&mut self, out: &mut Vec<Sample>, to_the_end: bool) {
        out.append(&mut self.ready);
        if to_the_end {
            out.extend(self.start.take());
        }
    }
}

/// The square box outside which a run counts as diverged: 100 view sizes around the view.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DivergenceBox {
    center: Vec2,
    half: f64,
}

impl DivergenceBox {
    /// The box for a view.
    #[must_use]
    pub fn around(view: &ViewRect) -> Self {
        let size = view.size();
        Self {
            center: view.center(),
            half: 100.0 * size.x.max(size.y),
        }
    }

    /// True when p is inside.
    #[must_use]
    pub fn contains(&self, p: Vec2) -> bool {
        (p - self.center).amax() <= self.half
    }
}

/// Per-example gradient evaluations of a step beyond which the next step is taken so that it
/// can be cut off at the app's deadline (below it, a step costs microseconds).
const CAREFUL_WORK: u64 = 16;

/// Objective + noise draw + clipping for one step, in the optimizer's vector form.
struct PlaneOracle<'a> {
    f: &'a AnyObjective,
    draw: Draw<'a>,
    clip: Clip,
    /// Examples an exact gradient averages ([`RunConfig::examples`]).
    examples: usize,
    /// Per-example gradient evaluations so far.
    evaluations: u64,
    /// In the app, the frame's deadline and the step's kept work: the step may be cut off
    /// and resumed (see [`super::resume`]). None on the command line: steps run to the end.
    slicing: resume::Slicing<'a>,
    /// The objective's value and gradient at the point the run recorded last ([`Known`]).
    known: Known,
}

/// f and grad f at the point a run recorded last: the run evaluates them there to record the
/// step, and the next step usually asks for them at the same point first.
#[derive(Clone, Copy, Debug, Default)]
struct Known(Option<(Vec2, f64, Vec2)>);

impl Known {
    /// f(p) and grad f(p), from the kept values when p is their point (bit for bit, so the
    /// values are the ones `f` would return), else from `f`.
    #[inline]
    fn value_and_gradient(self, f: &AnyObjective, p: Vec2) -> (f64, Vec2) {
        match self.0 {
            Some((q, v, g)) if q.x.to_bits() == p.x.to_bits() && q.y.to_bits() == p.y.to_bits() => {
                (v, g)
            }
            _ => f.value_and_gradient(p),
        }
    }
}

impl PlaneOracle<'_> {
    /// The loss and gradient at p under the step's draw; None when the step is cut off.
    fn value_and_gradient(&mut self, x: &DVector<f64>) -> Option<(f64, Vec2)> {
        let p = Vec2::new(x[0], x[1]);
        let f = self.f;
        let known = self.known;
        Some(match self.draw {
            Draw::None => known.value_and_gradient(f, p),
            Draw::Gradient(xi) => {
                let (v, g) = known.value_and_gradient(f, p);
                (v, g + Vec2::new(xi[0], xi[1]))
            }
            Draw::Tilt(xi) => {
                let xi = Vec2::new(xi[0], xi[1]);
                let (v, g) = known.value_and_gradient(f, p);
                (v - xi.dot(&p), g - xi)
            }
            Draw::Batch(batch, shifts) => {
                let term = |j: usize, v: &mut f64, g: &mut [f64]| {
                    let i = batch[j];
                    let (vi, gi) =
                        f.value_and_gradient(p - Vec2::new(shifts[2 * i], shifts[2 * i + 1]));
                    *v += vi;
                    g[0] += gi.x;
                    g[1] += gi.y;
                };
                let mut g = [0.0; 2];
                let shape = copies(batch.len(), 2, false);
                let v = resume::sum_into(&mut self.slicing, x, shape, &mut g, term)?;
                let b = batch.len() as f64;
                (v / b, Vec2::new(g[0], g[1]) / b)
            }
            Draw::Scaled(batch, weights) => {
                let w = batch.iter().map(|&i| weights[i]).sum::<f64>() / batch.len() as f64;
                let (v, g) = known.value_and_gradient(f, p);
                (w * v, w * g)
            }
        })
    }

    /// The Hessian at p under the step's draw; None when the step is cut off.
    fn hessian_at(&mut self, x: &DVector<f64>) -> Option<Mat2> {
        let p = Vec2::new(x[0], x[1]);
        let f = self.f;
        Some(match self.draw {
            Draw::Batch(batch, shifts) => {
                let term = |j: usize, _: &mut f64, h: &mut [f64]| {
                    let i = batch[j];
                    let hi = f.hessian(p - Vec2::new(shifts[2 * i], shifts[2 * i + 1]));
                    for (s, e) in h.iter_mut().zip(hi.iter()) {
                        *s += e;
                    }
                };
                let mut h = [0.0; 4];
                let shape = copies(batch.len(), 4, true);
                resume::sum_into(&mut self.slicing, x, shape, &mut h, term)?;
                let b = batch.len() as f64;
                Mat2::from_column_slice(&h) / b
            }
            Draw::Scaled(batch, weights) => {
                let w = batch.iter().map(|&i| weights[i]).sum::<f64>() / batch.len() as f64;
                w * f.hessian(p)
            }
            _ => f.hessian(p),
        })
    }
}

/// A sum over a minibatch's copies of gradients (width 2) or Hessians (width 4).
fn copies(count: usize, width: usize, hessian: bool) -> resume::Terms {
    resume::Terms {
        count,
        width,
        per_look: resume::COPIES_PER_LOOK,
        hessian,
    }
}

impl Oracle for PlaneOracle<'_> {
    fn eval(&mut self, x: &DVector<f64>, grad: &mut DVector<f64>) -> f64 {
        self.evaluations += match self.draw {
            Draw::Batch(batch, _) | Draw::Scaled(batch, _) => batch.len(),
            _ => self.examples,
        } as u64;
        if let Some(v) = resume::before_eval(&mut self.slicing, x, grad) {
            return v;
        }
        let Some((v, g)) = self.value_and_gradient(x) else {
            grad.fill(f64::NAN);
            return f64::NAN;
        };
        grad[0] = g.x;
        grad[1] = g.y;
        self.clip.apply(grad.as_mut_slice());
        if let Some((_, resume)) = &mut self.slicing {
            resume.keep_eval(x, v, grad);
        }
        v
    }

    fn hessian(&mut self, x: &DVector<f64>, hess: &mut DMatrix<f64>) -> bool {
        if let Some((deadline, resume)) = &mut self.slicing {
            if resume.replay_hessian(x, hess) {
                return true;
            }
            if resume.should_stop(*deadline) {
                hess.fill(f64::NAN);
                return true;
            }
        }
        let Some(h) = self.hessian_at(x) else {
            hess.fill(f64::NAN);
            return true;
        };
        hess.copy_from(&h);
        if let Some((_, resume)) = &mut self.slicing {
            resume.keep_hessian(x, hess);
        }
        true
    }
}

/// One optimizer's run on a 2-D objective.
pub struct Run {
    config: RunConfig,
    optimizer: Box<dyn Optimizer>,
    noise: NoiseSampler,
    x: DVector<f64>,
    avg_sum: Vec2,
    tail: TailMean,
    /// Per-example gradient evaluations so far ([`Sample::evaluations`]).
    evaluations: u64,
    /// The learning-rate schedule in motion (ReduceLROnPlateau watches the losses).
    scheduler: Scheduler,
    status: RunStatus,
    trajectory: Trajectory,
    /// Where the samples go instead of the trajectory, for [`Run::streaming`].
    stream: Option<SampleStream>,
    /// The work of a step cut off at the app's deadline, kept for its retry.
    resume: Resume,
    /// f and grad f at the latest recorded point.
    known: Known,
    /// The learning rate of the next step, once the last step has found it.
    next_lr: Option<(usize, f64)>,
}

impl fmt::Debug for Run {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Run")
            .field("config", &self.config)
            .field("status", &self.status)
            .field("steps", &self.trajectory.steps_done())
            .finish_non_exhaustive()
    }
}

impl Run {
    /// Builds the optimizer and records the start point.
    pub fn new(
        config: RunConfig,
        objective: &AnyObjective,
        capacity: usize,
        shape_tolerance: f64,
    ) -> Result<Self, ParamError> {
        let trajectory = Trajectory::with_capacity(capacity, shape_tolerance);
        Self::build(config, objective, trajectory, None)
    }

    /// A run whose trajectory keeps only its latest step: every sample waits in a
    /// [`SampleStream`] until [`Run::take_samples`] moves it out, so memory stays flat
    /// however long the run.
    pub fn streaming(config: RunConfig, objective: &AnyObjective) -> Result<Self, ParamError> {
        let stream = Some(SampleStream::default());
        Self::build(config, objective, Trajectory::latest_only(), stream)
    }

    /// A run that keeps nothing but its latest step (no trajectory, no stream): for callers
    /// that only need where a run gets to, such as the cells of a hyperparameter map
    /// (`numerics::sweep`). Its steps are those of [`Run::new`], to the bit.
    pub fn unrecorded(config: RunConfig, objective: &AnyObjective) -> Result<Self, ParamError> {
        Self::build(config, objective, Trajectory::latest_only(), None)
    }

    fn build(
        config: RunConfig,
        objective: &AnyObjective,
        trajectory: Trajectory,
        stream: Option<SampleStream>,
    ) -> Result<Self, ParamError> {
        config
            .schedule
            .validate()
            .map_err(|e| e.within("schedule"))?;
        config.clip.validate().map_err(|e| e.within("clip"))?;
        config
            .momentum_schedule
            .validate()
            .map_err(|e| e.within("momentum_schedule"))?;
        if config.momentum_schedule != MomentumSchedule::Constant
            && config.optimizer.momentum().is_none()
        {
            return Err(ParamError::new(
                "momentum_schedule",
                "needs SGD with a momentum above 0 or NAG with a constant momentum",
            ));
        }
        config.noise.validate().map_err(|e| e.within("noise"))?;
        config
            .averaging
            .validate()
            .map_err(|e| e.within("averaging"))?;
        if let Some(domain) = &config.domain {
            domain.validate().map_err(|e| e.within("domain"))?;
            let start = config.start;
            if start.x.is_finite() && start.y.is_finite() && !domain.contains(start) {
                return Err(ParamError::new(
                    "start",
                    format!(
                        "({}, {}) lies outside the domain {}",
                        super::short(start.x),
                        super::short(start.y),
                        domain.describe()
                    ),
                ));
            }
        }
        let optimizer = config
            .optimizer
            .build()
            .map_err(|e| e.within("optimizer"))?;
        let x = DVector::from_column_slice(&[config.start.x, config.start.y]);
        let mut run = Self {
            noise: NoiseSampler::new(&config.noise, 2),
            optimizer,
            x,
            avg_sum: Vec2::zeros(),
            tail: match config.averaging {
                Averaging::Tail { last } => TailMean::new(last),
                _ => TailMean::default(),
            },
            evaluations: 0,
            scheduler: Scheduler::new(&config.schedule, config.optimizer.lr()),
            status: RunStatus::Running,
            trajectory,
            stream,
            resume: Resume::default(),
            known: Known::default(),
            next_lr: None,
            config,
        };
        let start = run.config.start;
        if !(start.x.is_finite() && start.y.is_finite()) {
            run.status = RunStatus::Stopped {
                step: 0,
                reason: Stop::NonFinitePoint,
            };
            return Ok(run);
        }
        let (f, g) = objective.value_and_gradient(start);
        if !(f.is_finite() && g.x.is_finite() && g.y.is_finite()) {
            run.status = RunStatus::Stopped {
                step: 0,
                reason: Stop::NonFiniteValue,
            };
            return Ok(run);
        }
        run.known = Known(Some((start, f, g)));
        let lr = run.scheduler.lr(0);
        run.record(0, start, f, norm(g), lr);
        Ok(run)
    }

    /// The configuration the run started from.
    #[must_use]
    pub fn config(&self) -> &RunConfig {
        &self.config
    }

    /// Running or stopped, and why.
    #[must_use]
    pub fn status(&self) -> &RunStatus {
        &self.status
    }

    /// The recorded history.
    #[must_use]
    pub fn trajectory(&self) -> &Trajectory {
        &self.trajectory
    }

    /// Updates taken so far.
    #[must_use]
    pub fn steps_done(&self) -> usize {
        self.trajectory.steps_done()
    }

    /// How far the next step has got when it was cut off at the app's deadline.
    #[must_use]
    pub fn cut_off(&self) -> Option<Progress> {
        self.resume.pending().then(|| self.resume.progress())
    }

    /// For a [`Run::streaming`] run, moves the samples recorded since the last call into
    /// `out`, oldest first (nothing for other runs). `to_the_end`: no more steps will be
    /// asked for, so a sample waiting for the next step is final too.
    pub fn take_samples(&mut self, out: &mut Vec<Sample>, to_the_end: bool) {
        let to_the_end = to_the_end || !self.status.is_running();
        if let Some(stream) = &mut self.stream {
            stream.take(out, to_the_end);
        }
    }

    /// Records x_step = p with its loss, gradient norm and the learning rate of the update
    /// from it.
    fn record(&mut self, step: usize, p: Vec2, loss: f64, grad_norm: f64, lr: f64) {
        let to2 = |v: &DVector<f64>| Vec2::new(v[0], v[1]);
        // An optimizer's own averaged point (ASGD, Schedule-Free) is the run's averaged point;
        // Polyak averaging, when asked for, averages the iterates of the others.
        let own = self.optimizer.averaged().map(to2);
        let averaged = match self.config.averaging {
            _ if own.is_some() => own,
            Averaging::Off => None,
            Averaging::Polyak { start } => {
                if step < start {
                    Some(p)
                } else {
                    self.avg_sum += p;
                    let count = (step - start + 1) as f64;
                    Some(self.avg_sum / count)
                }
            }
            Averaging::Tail { last } => Some(self.tail.push(p, last)),
        };
        let finite2 = |v: Vec2| v.x.is_finite() && v.y.is_finite();
        let sample = Sample {
            step,
            point: p,
            loss,
            grad_norm,
            lr,
            effective_lr: self
                .optimizer
                .effective_lr()
                .map(to2)
                .filter(|v| finite2(*v)),
            velocity: self.optimizer.velocity().map(to2).filter(|v| finite2(*v)),
            averaged,
            base: self
                .optimizer
                .base_sequence()
                .map(to2)
                .filter(|v| finite2(*v)),
            evaluations: self.evaluations,
        };
        if let Some(stream) = &mut self.stream {
            stream.push(sample);
        }
        self.trajectory.push(sample);
    }

    /// The learning rate of the update from x_k: the one the last step found, or the
    /// scheduler's.
    fn lr_at(&self, k: usize) -> f64 {
        match self.next_lr {
            Some((step, lr)) if step == k => lr,
            _ => self.scheduler.lr(k),
        }
    }

    /// Takes up to `steps` updates (fewer if the run stops). Returns the number taken.
    pub fn advance(
        &mut self,
        objective: &AnyObjective,
        bounds: &DivergenceBox,
        steps: usize,
    ) -> usize {
        self.advance_within(objective, bounds, steps, None)
    }

    /// [`Run::advance`], stopping early once `deadline` has passed: a step cut off inside
    /// (slow gradients) keeps its work and is resumed by the next call (see
    /// [`super::resume`]); the steps taken are the same as in one go, to the bit.
    pub fn advance_within(
        &mut self,
        objective: &AnyObjective,
        bounds: &DivergenceBox,
        steps: usize,
        deadline: Option<&dyn Deadline>,
    ) -> usize {
        let mut taken = 0;
        // Only a step that may be slow pays for the bookkeeping: the first of the call, any
        // on a formula (its cost is unknown), after a step of many evaluations, or a retry.
        let mut careful = deadline.is_some();
        while taken < steps && self.status.is_running() {
            if taken > 0 && careful && deadline.is_some_and(Deadline::passed) {
                break;
            }
            let k = self.trajectory.steps_done();
            let lr = self.lr_at(k);
            self.optimizer.set_lr(lr);
            if self.config.momentum_schedule != MomentumSchedule::Constant
                && let Some(target) = self.config.optimizer.momentum()
            {
                let m = self.config.momentum_schedule.momentum(target, k);
                self.optimizer.set_momentum(m);
            }
            let slicing = deadline.filter(|_| careful);
            let before = slicing.map(|_| {
                self.resume.begin();
                (dyn_clone::clone_box(&*self.optimizer), self.x.clone())
            });
            let mut oracle = PlaneOracle {
                f: objective,
                draw: self.noise.draw(k),
                clip: self.config.clip,
                examples: self.config.examples.max(1),
                evaluations: 0,
                slicing: slicing.map(|d| (d, &mut self.resume)),
                known: self.known,
            };
            let stepped = self.optimizer.step(&mut self.x, &mut oracle);
            let work = oracle.evaluations;
            if let Some((optimizer, x)) = before {
                if self.resume.interrupted() {
                    // Cut off at the deadline: back to the state before the step, its work
                    // kept for the next call.
                    self.optimizer = optimizer;
                    self.x = x;
                    break;
                }
                self.resume.finish();
            }
            careful = deadline.is_some()
                && (work >= CAREFUL_WORK || matches!(objective, AnyObjective::Expression(_)));
            self.evaluations = self.evaluations.saturating_add(work);
            if let Err(e) = stepped {
                self.status = RunStatus::Stopped {
                    step: k + 1,
                    reason: Stop::Failed(e),
                };
                break;
            }
            taken += 1;
            if let Some(domain) = &self.config.domain
                && self.x.iter().all(|v| v.is_finite())
            {
                // A non-finite step is not projected: it stops the run below.
                let p = domain.project(Vec2::new(self.x[0], self.x[1]));
                (self.x[0], self.x[1]) = (p.x, p.y);
            }
            let p = Vec2::new(self.x[0], self.x[1]);
            let own_average_finite = self
                .optimizer
                .averaged()
                .is_none_or(|a| a.iter().all(|v| v.is_finite()));
            let stop = if !(p.x.is_finite() && p.y.is_finite() && own_average_finite) {
                Some(Stop::NonFinitePoint)
            } else if !bounds.contains(p) {
                Some(Stop::LeftBox)
            } else {
                None
            };
            if let Some(reason) = stop {
                self.status = RunStatus::Stopped {
                    step: k + 1,
                    reason,
                };
                break;
            }
            let (f, g) = objective.value_and_gradient(p);
            self.known = Known(Some((p, f, g)));
            let grad_norm = norm(g);
            self.scheduler.observe(f);
            let next_lr = self.scheduler.lr(k + 1);
            self.next_lr = Some((k + 1, next_lr));
            let stop = if !(f.is_finite() && grad_norm.is_finite()) {
                Some(Stop::NonFiniteValue)
            } else if !next_lr.is_finite() {
                Some(Stop::NonFiniteLr)
            } else {
                None
            };
            if let Some(reason) = stop {
                self.status = RunStatus::Stopped {
                    step: k + 1,
                    reason,
                };
                break;
            }
            self.record(k + 1, p, f, grad_norm, next_lr);
        }
        taken
    }
}

/// |g|, also when |g|^2 overflows although both components are finite (then scaled, as
/// `hypot` computes it); the plain formula otherwise, so recorded norms stay bit-identical.
#[must_use]
pub fn norm(g: Vec2) -> f64 {
    let plain = g.norm();
    if plain.is_finite() || !(g.x.is_finite() && g.y.is_finite()) {
        plain
    } else {
        g.x.hypot(g.y)
    }
}

/// All runs of a scenario on one objective, stepped together.
#[derive(Debug)]
pub struct Simulation {
    objective: AnyObjective,
    bounds: DivergenceBox,
    runs: Vec<Run>,
    /// The run that goes first in the next slice under a deadline.
    turn: usize,
}

impl Simulation {
    /// Builds every run; the error names the run index and field.
    pub fn new(
        objective: AnyObjective,
        view: &ViewRect,
        configs: Vec<RunConfig>,
        capacity: usize,
    ) -> Result<Self, ParamError> {
        // Drawn paths stay within a ten-thousandth of the view's diagonal of every step: well
        // under a pixel, and about one when zoomed in tenfold.
        let tolerance = view.size().norm() * 1e-4;
        let runs = configs
            .into_iter()
            .enumerate()
            .map(|(i, c)| {
                Run::new(c, &objective, capacity, tolerance)
                    .map_err(|e| e.within(&format!("runs[{i}]")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            bounds: DivergenceBox::around(view),
            objective,
            runs,
            turn: 0,
        })
    }

    /// The objective.
    #[must_use]
    pub fn objective(&self) -> &AnyObjective {
        &self.objective
    }

    /// The runs.
    #[must_use]
    pub fn runs(&self) -> &[Run] {
        &self.runs
    }

    /// Steps every running run until it has taken `target` updates.
    pub fn advance_to(&mut self, target: usize) {
        self.advance_towards(target, usize::MAX);
    }

    /// Steps every run towards `target`, at most `max_steps` updates per run; returns true when
    /// all runs reached the target or stopped. Lets the app slice work across frames.
    ///
    /// Runs are independent (each has its own optimizer state and noise stream), so they step
    /// in parallel on rayon's pool when there is enough work to share; the results are the
    /// same on any number of threads.
    pub fn advance_towards(&mut self, target: usize, max_steps: usize) -> bool {
        self.advance_within(target, max_steps, None)
    }

    /// [`Simulation::advance_towards`], stopping once `deadline` has passed; a step that
    /// does not fit is cut off and resumed by the next call (the app's frames).
    pub fn advance_within(
        &mut self,
        target: usize,
        max_steps: usize,
        deadline: Option<&dyn Deadline>,
    ) -> bool {
        let (objective, bounds) = (&self.objective, &self.bounds);
        let advance = |run: &mut Run| {
            let todo = target.saturating_sub(run.steps_done()).min(max_steps);
            run.advance_within(objective, bounds, todo, deadline);
            !run.status().is_running() || run.steps_done() >= target
        };
        let work: usize = self
            .runs
            .iter()
            .filter(|r| r.status().is_running())
            .map(|r| target.saturating_sub(r.steps_done()).min(max_steps))
            .sum();
        if self.runs.len() > 1 && work >= STEPS_WORTH_SHARING {
            self.runs
                .par_iter_mut()
                .map(advance)
                .reduce(|| true, |a, b| a && b)
        } else {
            // Under a deadline, the runs take turns to go first, and once it has passed the
            // rest wait for the next call: slow steps cost a frame one run's overrun, not
            // every run's, and every run moves on in turn.
            let n = self.runs.len();
            self.turn = if deadline.is_some() && n > 0 {
                (self.turn + 1) % n
            } else {
                0
            };
            let mut done = true;
            for i in 0..n {
                let run = &mut self.runs[(self.turn + i) % n];
                if i > 0 && deadline.is_some_and(Deadline::passed) {
                    done &= !run.status().is_running() || run.steps_done() >= target;
                    continue;
                }
                done &= advance(run);
            }
            done
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::noise::NoiseKind;
    use crate::numerics::objectives::{ObjectiveSpec, QuadraticParams};
    use crate::numerics::optimizers::{
        AdamParams, AsgdParams, GdParams, NewtonParams, ScheduleFreeSgdParams, SgdParams,
    };

    fn quadratic(kappa: f64) -> AnyObjective {
        ObjectiveSpec::Quadratic(QuadraticParams {
            kappa,
            ..QuadraticParams::default()
        })
        .build()
        .unwrap()
    }

    fn config(optimizer: OptimizerSpec) -> RunConfig {
        RunConfig {
            optimizer,
            start: Vec2::new(2.0, 1.5),
            schedule: Schedule::Constant,
            momentum_schedule: crate::numerics::schedule::MomentumSchedule::Constant,
            clip: Clip::None,
            averaging: Averaging::Off,
            noise: NoiseSpec::default(),
            examples: 1,
            domain: None,
        }
    }

    fn simulate(
        f: AnyObjective,
        noise: &NoiseSpec,
        configs: Vec<RunConfig>,
        steps: usize,
    ) -> Simulation {
        let view = ViewRect::around(Vec2::zeros(), 2.5);
        let configs = configs
            .into_iter()
            .map(|c| RunConfig {
                noise: noise.clone(),
                examples: 1,
                ..c
            })
            .collect();
        let mut sim = Simulation::new(f, &view, configs, 1 << 20).unwrap();
        sim.advance_to(steps);
        sim
    }

    #[test]
    fn gd_on_a_quadratic_follows_the_closed_form() {
        let sim = simulate(
            quadratic(10.0),
            &NoiseSpec::default(),
            vec![config(OptimizerSpec::GD(GdParams { lr: 0.5 }))],
            20,
        );
        let t = sim.runs()[0].trajectory();
        assert_eq!(t.len(), 21);
        for (k, p) in t.points().iter().enumerate() {
            let k = i32::try_from(k).unwrap();
            assert!((p.x - 2.0 * 0.5f64.powi(k)).abs() < 1e-14);
            assert!((p.y - 1.5 * 0.95f64.powi(k)).abs() < 1e-14);
        }
        let s = t.sample(3).unwrap();
        assert!((s.loss - 0.5 * (s.point.x.powi(2) + 0.1 * s.point.y.powi(2))).abs() < 1e-15);
        assert!((s.grad_norm - Vec2::new(s.point.x, 0.1 * s.point.y).norm()).abs() < 1e-15);
    }

    #[test]
    fn divergence_stops_the_run_and_names_the_step() {
        // a * l_max = 2.5 > 2: |1 - a l| = 1.5 per step, so x = 2 * 1.5^k leaves the box
        // (100 view sizes = 500) when 1.5^k > 250, k > 13.6: at step 14.
        let sim = simulate(
            quadratic(10.0),
            &NoiseSpec::default(),
            vec![config(OptimizerSpec::GD(GdParams { lr: 2.5 }))],
            100,
        );
        let run = &sim.runs()[0];
        assert_eq!(
            run.status(),
            &RunStatus::Stopped {
                step: 14,
                reason: Stop::LeftBox
            }
        );
        assert_eq!(run.trajectory().len(), 14);
        assert!(run.status().describe().starts_with("diverged at step 14"));
        assert!(run.trajectory().losses().iter().all(|v| v.is_finite()));
        // absurd learning rates never produce NaN downstream either
        let sim = simulate(
            quadratic(10.0),
            &NoiseSpec::default(),
            vec![config(OptimizerSpec::GD(GdParams { lr: 1e300 }))],
            10,
        );
        assert!(!sim.runs()[0].status().is_running());
        assert_eq!(sim.runs()[0].trajectory().len(), 1);
    }

    #[test]
    fn common_random_numbers_make_identical_runs_identical() {
        let noise = NoiseSpec {
            kind: NoiseKind::Gaussian { sigma: 0.5 },
            seed: 9,
        };
        let c = config(OptimizerSpec::SGD(SgdParams {
            lr: 0.1,
            momentum: 0.5,
            ..SgdParams::default()
        }));
        let sim = simulate(quadratic(5.0), &noise, vec![c.clone(), c.clone()], 200);
        assert_eq!(
            sim.runs()[0].trajectory().points(),
            sim.runs()[1].trajectory().points()
        );
        let exact = simulate(quadratic(5.0), &NoiseSpec::default(), vec![c.clone()], 200);
        assert_ne!(
            sim.runs()[0].trajectory().points(),
            exact.runs()[0].trajectory().points()
        );
        // Stepping in slices gives the same path as one go.
        let view = ViewRect::around(Vec2::zeros(), 2.5);
        let mut sliced = Simulation::new(
            quadratic(5.0),
            &view,
            vec![RunConfig { noise, ..c }],
            1 << 20,
        )
        .unwrap();
        while !sliced.advance_towards(200, 7) {}
        assert_eq!(
            sliced.runs()[0].trajectory().points(),
            sim.runs()[0].trajectory().points()
        );
    }

    use crate::numerics::resume::AfterLooks;

    #[test]
    fn steps_cut_off_at_a_deadline_and_resumed_are_the_steps_taken_in_one_go() {
        // Every optimizer, on minibatch noise whose sums are cut off part-way, and on
        // a formula (every step careful): the sliced runs equal the runs in one go, bit for
        // bit, and every slice moves on.
        let objectives = [
            ObjectiveSpec::Rosenbrock(crate::numerics::objectives::RosenbrockParams::default())
                .build()
                .unwrap(),
            ObjectiveSpec::Expression(crate::numerics::objectives::ExpressionParams {
                text: "(1 - x)^2 + 10*(y - x^2)^2 + 0.1*sin(3*x)*y".to_owned(),
            })
            .build()
            .unwrap(),
        ];
        let noise = NoiseSpec {
            kind: NoiseKind::Minibatch {
                n: 300,
                batch_size: 200,
                spread: 0.2,
                copies: crate::numerics::noise::Copies::Shifted,
                stream: false,
            },
            seed: 3,
        };
        let steps = 12;
        for (o, objective) in objectives.iter().enumerate() {
            for optimizer in OptimizerSpec::all_defaults() {
                let mut optimizer = optimizer;
                optimizer.set_lr(optimizer.lr().min(1e-3));
                let c = RunConfig {
                    noise: if o == 0 {
                        noise.clone()
                    } else {
                        NoiseSpec::default()
                    },
                    start: Vec2::new(-1.2, 1.0),
                    ..config(optimizer.clone())
                };
                let whole = simulate(objective.clone(), &c.noise, vec![c.clone()], steps);
                let view = ViewRect::around(Vec2::zeros(), 2.5);
                let mut sliced =
                    Simulation::new(objective.clone(), &view, vec![c.clone()], 1 << 20).unwrap();
                let mut calls = 0;
                loop {
                    let before = sliced.runs()[0].cut_off();
                    let done_before = sliced.runs()[0].steps_done();
                    if sliced.advance_within(steps, 3, Some(&AfterLooks::new(0))) {
                        break;
                    }
                    calls += 1;
                    assert!(calls < 100_000, "{optimizer:?} never finishes");
                    // Progress: a step taken, or more work kept than before.
                    let after = sliced.runs()[0].cut_off();
                    assert!(
                        sliced.runs()[0].steps_done() > done_before || after != before,
                        "{optimizer:?}: a slice did nothing"
                    );
                }
                let (a, b) = (whole.runs()[0].trajectory(), sliced.runs()[0].trajectory());
                assert_eq!(a.points(), b.points(), "{optimizer:?} on objective {o}");
                assert_eq!(a.losses(), b.losses(), "{optimizer:?}");
                assert_eq!(whole.runs()[0].status(), sliced.runs()[0].status());
                let evals =
                    |s: &Simulation| s.runs()[0].trajectory().latest().map(|x| x.evaluations);
                assert_eq!(evals(&whole), evals(&sliced), "{optimizer:?}");
                if o == 0 {
                    assert!(
                        calls > steps,
                        "{optimizer:?}: the sums were cut off ({calls})"
                    );
                }
            }
        }
    }

    #[test]
    fn a_slice_past_its_deadline_adds_only_a_few_terms_of_a_huge_minibatch() {
        // 100,000 copies at the limit: each call past the deadline adds one look's worth
        // (32 terms), so a frame is never held for the whole sum.
        let noise = NoiseSpec {
            kind: NoiseKind::Minibatch {
                n: 100_000,
                batch_size: 100_000,
                spread: 0.2,
                copies: crate::numerics::noise::Copies::Shifted,
                stream: false,
            },
            seed: 1,
        };
        let c = RunConfig {
            noise,
            ..config(OptimizerSpec::GD(GdParams { lr: 0.01 }))
        };
        let view = ViewRect::around(Vec2::zeros(), 2.5);
        let mut sim = Simulation::new(quadratic(4.0), &view, vec![c], 1 << 10).unwrap();
        assert!(!sim.advance_within(1, 1, Some(&AfterLooks::new(0))));
        let progress = sim.runs()[0].cut_off().unwrap();
        assert_eq!(progress.terms, Some((32, 100_000)));
        assert!(!sim.advance_within(1, 1, Some(&AfterLooks::new(0))));
        assert_eq!(sim.runs()[0].cut_off().unwrap().terms, Some((64, 100_000)));
        assert_eq!(sim.runs()[0].steps_done(), 0);
    }

    #[test]
    fn runs_stepped_in_parallel_match_runs_stepped_one_by_one() {
        let noise = NoiseSpec {
            kind: NoiseKind::Gaussian { sigma: 0.3 },
            seed: 4,
        };
        let configs: Vec<RunConfig> = [
            OptimizerSpec::SGD(SgdParams {
                lr: 0.1,
                momentum: 0.9,
                ..SgdParams::default()
            }),
            OptimizerSpec::Adam(AdamParams::default()),
            OptimizerSpec::GD(GdParams { lr: 5.0 }),
            OptimizerSpec::Newton(NewtonParams::default()),
        ]
        .into_iter()
        .map(|o| RunConfig {
            noise: noise.clone(),
            examples: 1,
            ..config(o)
        })
        .collect();
        let view = ViewRect::around(Vec2::zeros(), 2.5);
        let build = || Simulation::new(quadratic(20.0), &view, configs.clone(), 1 << 20).unwrap();
        // 4 runs x 3,000 steps are shared among threads; slices of 4 x 50 steps are not.
        let mut parallel = build();
        parallel.advance_to(3_000);
        let mut serial = build();
        while !serial.advance_towards(3_000, 50) {}
        assert!(
            !parallel.runs()[2].status().is_running(),
            "GD lr 5 diverges"
        );
        for (p, s) in parallel.runs().iter().zip(serial.runs()) {
            assert_eq!(p.status(), s.status());
            assert_eq!(p.trajectory().points(), s.trajectory().points());
        }
    }

    #[test]
    fn minibatch_noise_falls_with_batch_size_and_full_batch_is_exact() {
        let f = quadratic(1.0);
        let spread = |b: usize| {
            let noise = NoiseSpec {
                kind: NoiseKind::Minibatch {
                    n: 400,
                    batch_size: b,
                    spread: 1.0,
                    copies: crate::numerics::noise::Copies::Shifted,
                    stream: false,
                },
                seed: 5,
            };
            let mut sampler = NoiseSampler::new(&noise, 2);
            let x = DVector::from_column_slice(&[0.3, -0.2]);
            let mut g = DVector::zeros(2);
            let mut sum2 = 0.0;
            for k in 0..2000 {
                let mut o = PlaneOracle {
                    f: &f,
                    draw: sampler.draw(k),
                    clip: Clip::None,
                    examples: 1,
                    evaluations: 0,
                    slicing: None,
                    known: Known::default(),
                };
                o.eval(&x, &mut g);
                sum2 += (g[0] - 0.3).powi(2) + (g[1] + 0.2).powi(2);
            }
            (sum2 / 2000.0).sqrt()
        };
        let (s4, s16, s400) = (spread(4), spread(16), spread(400));
        assert!(s400 < 1e-14, "full batch is exact, got {s400}");
        let ratio = s4 / s16;
        assert!(
            (ratio - 2.0).abs() < 0.25,
            "noise should halve when B quadruples, ratio {ratio}"
        );
    }

    #[test]
    fn a_tail_average_is_the_mean_of_the_last_iterates_and_has_its_own_path() {
        let mut c = config(OptimizerSpec::GD(GdParams { lr: 0.1 }));
        c.averaging = Averaging::Tail { last: 3 };
        let sim = simulate(quadratic(10.0), &NoiseSpec::default(), vec![c.clone()], 50);
        let t = sim.runs()[0].trajectory();
        let p = t.points();
        for k in 0..=50_usize {
            let window = &p[k.saturating_sub(2)..=k];
            let mean = window.iter().sum::<Vec2>() / window.len() as f64;
            let avg = t.sample(k).unwrap().averaged.unwrap();
            assert!(
                (avg - mean).norm() < 1e-14,
                "step {k}: {avg} against {mean}"
            );
        }
        let shape = t
            .averaged_shape()
            .expect("an averaged run has an averaged path");
        assert_eq!(shape.points().first(), Some(&p[0]));
        assert!(
            shape.points().len() >= 2,
            "the average moves, so its path has vertices"
        );
        assert!(
            sim.runs()[0].trajectory().averaged_shape().is_some()
                && simulate(
                    quadratic(10.0),
                    &NoiseSpec::default(),
                    vec![config(c.optimizer)],
                    5
                )
                .runs()[0]
                    .trajectory()
                    .averaged_shape()
                    .is_none(),
            "only averaged runs have an averaged path"
        );
        for last in [0, MAX_AVERAGE_WINDOW + 1] {
            let err = Averaging::Tail { last }.validate().unwrap_err();
            assert_eq!(err.field, "last");
            assert!(err.message.contains("100000"), "{}", err.message);
        }
    }

    #[test]
    fn clipping_polyak_and_schedules_are_recorded() {
        let mut g = [3.0, 4.0];
        Clip::Norm(1.0).apply(&mut g);
        assert!((g[0] - 3.0 / (5.0 + 1e-6)).abs() < 1e-15);
        let mut g = [3.0, -4.0];
        Clip::Value(1.0).apply(&mut g);
        assert_eq!(g, [1.0, -1.0]);

        let mut c = config(OptimizerSpec::GD(GdParams { lr: 0.5 }));
        c.averaging = Averaging::Polyak { start: 0 };
        c.schedule = Schedule::Step {
            step_size: 2,
            gamma: 0.5,
        };
        let sim = simulate(quadratic(10.0), &NoiseSpec::default(), vec![c], 4);
        let t = sim.runs()[0].trajectory();
        let avg = t.sample(2).unwrap().averaged.unwrap();
        let mean = (t.points()[0] + t.points()[1] + t.points()[2]) / 3.0;
        assert!((avg - mean).norm() < 1e-15);
        let lrs: Vec<f64> = (0..4).map(|i| t.sample(i).unwrap().lr).collect();
        assert_eq!(lrs, vec![0.5, 0.5, 0.25, 0.25]);
    }

    #[test]
    fn an_optimizer_s_own_average_is_recorded_at_every_step_from_the_start() {
        // ASGD with t0 = 2 averages the iterates from step 4 on; before its first step the
        // start point stands for its average.
        let c = config(OptimizerSpec::ASGD(AsgdParams {
            lr: 0.3,
            t0: 2.0,
            ..AsgdParams::default()
        }));
        let sim = simulate(quadratic(10.0), &NoiseSpec::default(), vec![c], 6);
        let t = sim.runs()[0].trajectory();
        assert_eq!(t.averaged().len(), t.points().len());
        let p = t.points();
        for (k, &pk) in p.iter().enumerate().take(4) {
            assert_eq!(t.sample(k).unwrap().averaged, Some(pk), "step {k}");
        }
        let mean = (p[4] + p[5] + p[6]) / 3.0;
        let avg = t.sample(6).unwrap().averaged.unwrap();
        assert!((avg - mean).norm() < 1e-15, "{avg:?} against {mean:?}");
    }

    #[test]
    fn schedule_free_records_y_x_and_z_and_their_paths_begin_at_the_start() {
        let c = config(OptimizerSpec::ScheduleFreeSGD(ScheduleFreeSgdParams {
            lr: 0.5,
            ..ScheduleFreeSgdParams::default()
        }));
        let sim = simulate(quadratic(10.0), &NoiseSpec::default(), vec![c], 30);
        let t = sim.runs()[0].trajectory();
        let start = t.points()[0];
        assert_eq!(t.sample(0).unwrap().base, Some(start), "z_0 is the start");
        // y = (1 - momentum) z + momentum x at every step (momentum 0.9).
        for k in 1..=30 {
            let s = t.sample(k).unwrap();
            let (x, z) = (s.averaged.unwrap(), s.base.unwrap());
            assert!((s.point - (0.1 * z + 0.9 * x)).norm() < 1e-12, "step {k}");
        }
        for shape in [t.averaged_shape().unwrap(), t.base_shape().unwrap()] {
            assert_eq!(shape.points()[0], start);
            assert_eq!(shape.steps()[0], 0);
        }
        let plain = simulate(
            quadratic(10.0),
            &NoiseSpec::default(),
            vec![config(OptimizerSpec::default())],
            3,
        );
        assert!(plain.runs()[0].trajectory().base_shape().is_none());
    }

    #[test]
    fn an_optimizer_s_own_average_is_recorded_beside_every_point_from_the_start() {
        let mut c = config(OptimizerSpec::ScheduleFreeSGD(ScheduleFreeSgdParams {
            lr: 0.5,
            ..ScheduleFreeSgdParams::default()
        }));
        // Its own average takes the place of Polyak's.
        c.averaging = Averaging::Polyak { start: 0 };
        let view = ViewRect::around(Vec2::zeros(), 2.5);
        let run = |capacity| {
            let mut sim =
                Simulation::new(quadratic(10.0), &view, vec![c.clone()], capacity).unwrap();
            sim.advance_to(40);
            sim
        };
        let (full, thinned) = (run(1 << 10), run(8));
        let (full, thinned) = (full.runs()[0].trajectory(), thinned.runs()[0].trajectory());
        assert_eq!(full.averaged().len(), 41);
        assert_eq!(full.averaged()[0], full.points()[0], "x_0 is the start");
        assert_ne!(full.averaged()[40], full.points()[40], "x is not y");
        assert!(thinned.stride() > 1);
        assert_eq!(thinned.averaged().len(), thinned.points().len());
        for i in 0..thinned.len() {
            let (a, b) = (
                thinned.sample(i).unwrap(),
                full.sample(i * thinned.stride()).unwrap(),
            );
            assert_eq!((a.point, a.averaged), (b.point, b.averaged), "sample {i}");
        }
    }

    #[test]
    fn adaptive_methods_record_effective_step_sizes() {
        let sim = simulate(
            quadratic(10.0),
            &NoiseSpec::default(),
            vec![config(OptimizerSpec::Adam(AdamParams {
                lr: 0.1,
                ..AdamParams::default()
            }))],
            5,
        );
        let t = sim.runs()[0].trajectory();
        assert!(t.has_effective_lr());
        assert!(t.sample(0).unwrap().effective_lr.is_none());
        let e = t.sample(1).unwrap().effective_lr.unwrap();
        // first Adam step: lr / (|g| + eps)
        assert!((e.x - 0.1 / (2.0 + 1e-8)).abs() < 1e-12);
        assert!(t.sample(3).unwrap().velocity.is_some());
    }

    #[test]
    fn trajectory_memory_is_bounded_by_thinning() {
        let c = config(OptimizerSpec::SGD(SgdParams {
            lr: 0.01,
            ..SgdParams::default()
        }));
        let view = ViewRect::around(Vec2::zeros(), 2.5);
        let mut sim = Simulation::new(quadratic(10.0), &view, vec![c], 64).unwrap();
        sim.advance_to(1000);
        let t = sim.runs()[0].trajectory();
        assert!(t.len() <= 64);
        assert_eq!(t.stride(), 16);
        assert_eq!(t.latest().unwrap().step, 1000);
        assert_eq!(t.sample(10).unwrap().step, 160);
        // the kept samples are exactly the ones a full recording has at those steps
        let mut full = Simulation::new(
            quadratic(10.0),
            &view,
            vec![config(OptimizerSpec::SGD(SgdParams {
                lr: 0.01,
                ..SgdParams::default()
            }))],
            1 << 20,
        )
        .unwrap();
        full.advance_to(1000);
        assert_eq!(full.runs()[0].trajectory().points()[160], t.points()[10]);
        assert_eq!(t.at_step(165).unwrap().step, 160);
        assert_eq!(t.at_step(5000).unwrap().step, 1000);

        // A trail: the stored samples from the first one at or after `from`, ending at the
        // point at `step` (here the latest, between stored samples).
        let trail = t.trail(Sequence::Iterate, 100, 1000);
        assert_eq!(trail.first(), Some(&t.points()[7]));
        assert_eq!(trail.last(), Some(&t.latest().unwrap().point));
        assert_eq!(trail.len(), t.len() - 7 + 1);
        // Up to a stored step it ends there; beyond `step` nothing; without averaging, empty.
        assert_eq!(t.trail(Sequence::Iterate, 160, 160), vec![t.points()[10]]);
        assert_eq!(t.trail(Sequence::Iterate, 0, 32).len(), 3);
        assert!(t.trail(Sequence::Averaged, 0, 1000).is_empty());
        // A stretch longer than MAX_TRAIL_POINTS is thinned evenly.
        let long = full.runs()[0].trajectory();
        let drawn = long.trail(Sequence::Iterate, 0, 1000);
        assert_eq!(drawn.len(), 1001);
        let mut longer = Simulation::new(
            quadratic(10.0),
            &view,
            vec![config(OptimizerSpec::SGD(SgdParams {
                lr: 0.01,
                ..SgdParams::default()
            }))],
            1 << 20,
        )
        .unwrap();
        longer.advance_to(3 * MAX_TRAIL_POINTS);
        let thinned =
            longer.runs()[0]
                .trajectory()
                .trail(Sequence::Iterate, 0, 3 * MAX_TRAIL_POINTS);
        assert!(thinned.len() <= MAX_TRAIL_POINTS + 1, "{}", thinned.len());
    }

    #[test]
    fn a_streamed_run_hands_out_the_samples_its_trajectory_keeps() {
        let noise = NoiseSpec {
            kind: NoiseKind::Gaussian { sigma: 0.3 },
            seed: 11,
        };
        let view = ViewRect::around(Vec2::zeros(), 2.5);
        let f = quadratic(10.0);
        let bounds = DivergenceBox::around(&view);
        let mut optimizers = OptimizerSpec::all_defaults();
        optimizers.push(OptimizerSpec::GD(GdParams { lr: 2.5 }));
        for optimizer in optimizers {
            for averaging in [
                Averaging::Off,
                Averaging::Polyak { start: 3 },
                Averaging::Tail { last: 4 },
            ] {
                let c = RunConfig {
                    noise: noise.clone(),
                    examples: 1,
                    averaging,
                    ..config(optimizer.clone())
                };
                let mut sim = Simulation::new(f.clone(), &view, vec![c.clone()], 1 << 10).unwrap();
                sim.advance_to(60);
                let t = sim.runs()[0].trajectory();
                let kept: Vec<Sample> = (0..t.len()).filter_map(|i| t.sample(i)).collect();
                let mut run = Run::streaming(c, &f).unwrap();
                let mut streamed = Vec::new();
                run.take_samples(&mut streamed, false);
                assert!(streamed.is_empty(), "step 0 waits for step 1");
                for chunk in [1, 2, 7, 50] {
                    run.advance(&f, &bounds, chunk);
                    run.take_samples(&mut streamed, false);
                }
                run.take_samples(&mut streamed, true);
                let name = optimizer.name();
                assert_eq!(streamed, kept, "{name} {averaging:?}");
                assert_eq!(run.status(), sim.runs()[0].status(), "{name}");
                assert!(run.trajectory().is_empty(), "{name}: nothing kept");
                assert_eq!(run.trajectory().latest(), t.latest(), "{name}");
            }
        }
        // A run asked for no step at all still hands out its start.
        let mut run = Run::streaming(config(OptimizerSpec::default()), &f).unwrap();
        let mut streamed = Vec::new();
        run.take_samples(&mut streamed, true);
        assert_eq!(streamed.len(), 1);
    }

    #[test]
    fn newton_on_a_singular_hessian_stops_with_a_message() {
        let f = ObjectiveSpec::Expression(crate::numerics::objectives::ExpressionParams {
            text: "x^2".into(),
        })
        .build()
        .unwrap();
        let sim = simulate(
            f,
            &NoiseSpec::default(),
            vec![config(OptimizerSpec::Newton(NewtonParams::default()))],
            3,
        );
        assert_eq!(
            sim.runs()[0].status().describe(),
            "stopped at step 1: the Hessian is singular"
        );
    }

    fn expression(text: &str) -> AnyObjective {
        ObjectiveSpec::Expression(crate::numerics::objectives::ExpressionParams {
            text: text.into(),
        })
        .build()
        .unwrap()
    }

    #[test]
    fn a_box_domain_clamps_each_coordinate_after_the_step() {
        let domain = ViewRect {
            x: (-1.0, 1.0),
            y: (-0.5, 2.0),
        };
        assert_eq!(domain.project(Vec2::new(3.0, -7.0)), Vec2::new(1.0, -0.5));
        assert_eq!(domain.project(Vec2::new(0.25, 0.5)), Vec2::new(0.25, 0.5));
        assert!(domain.project(Vec2::new(f64::NAN, 0.0)).x.is_nan());
        // GD lr 0.4 on x - 2y: the step (-0.4, 0.8) until each coordinate meets its bound.
        let c = RunConfig {
            start: Vec2::new(0.0, 0.0),
            domain: Some(domain),
            ..config(OptimizerSpec::GD(GdParams { lr: 0.4 }))
        };
        let sim = simulate(expression("x - 2*y"), &NoiseSpec::default(), vec![c], 4);
        let expected = [
            (0.0, 0.0),
            (-0.4, 0.8),
            (-0.8, 1.6),
            (-1.0, 2.0),
            (-1.0, 2.0),
        ];
        let points = sim.runs()[0].trajectory().points();
        assert_eq!(points.len(), expected.len());
        for (p, (x, y)) in points.iter().zip(expected) {
            assert!((p - Vec2::new(x, y)).norm() < 1e-15, "{p:?}");
        }
        assert!(sim.runs()[0].status().is_running(), "a bound is no stop");
    }

    #[test]
    fn projected_runs_with_cyclic_tilts_are_projected_online_gradient_descent() {
        // Step k's loss is f(x) - t_k'x, t_k = tilts[k mod 3]; x_(k+1) = P(x_k - lr_k g_k).
        let tilts = [(-4.0, 1.0), (2.0, 0.0), (2.0, -1.0)];
        let noise = NoiseSpec {
            kind: NoiseKind::Cyclic {
                tilts: tilts.to_vec(),
            },
            seed: 1,
        };
        let domain = ViewRect {
            x: (-1.0, 1.0),
            y: (-1.0, 1.0),
        };
        let c = RunConfig {
            start: Vec2::new(0.3, -0.2),
            domain: Some(domain),
            schedule: Schedule::InverseTime { tau: 1, power: 0.5 },
            ..config(OptimizerSpec::GD(GdParams { lr: 0.5 }))
        };
        let sim = simulate(expression("x + 0.5*y^2"), &noise, vec![c], 60);
        let points = sim.runs()[0].trajectory().points();
        let mut x = Vec2::new(0.3, -0.2);
        for (k, p) in points.iter().enumerate() {
            assert!((p - x).norm() < 1e-14, "step {k}: {p:?} against {x:?}");
            let (tx, ty) = tilts[k % 3];
            let g = Vec2::new(1.0 - tx, x.y - ty);
            x = domain.project(x - 0.5 / ((k + 1) as f64).sqrt() * g);
        }
        // The recorded loss is the noise-free objective.
        let s = sim.runs()[0].trajectory().sample(7).unwrap();
        assert_eq!(s.loss, s.point.x + 0.5 * s.point.y * s.point.y);
    }

    #[test]
    fn every_optimizer_stays_in_the_domain() {
        // The quadratic's minimum (0, 0) lies outside the box: every method is pushed against
        // it, and its iterate never leaves it (whatever its own sequences do).
        let domain = ViewRect {
            x: (0.5, 3.0),
            y: (0.5, 2.0),
        };
        let noise = NoiseSpec {
            kind: NoiseKind::Gaussian { sigma: 0.3 },
            seed: 2,
        };
        for optimizer in OptimizerSpec::all_defaults() {
            let name = optimizer.name();
            let mut optimizer = optimizer;
            let lr = optimizer.lr();
            optimizer.set_lr(lr * 100.0);
            let c = RunConfig {
                domain: Some(domain),
                ..config(optimizer)
            };
            let sim = simulate(quadratic(10.0), &noise, vec![c], 200);
            let run = &sim.runs()[0];
            assert!(
                !matches!(
                    run.status(),
                    RunStatus::Stopped {
                        reason: Stop::LeftBox | Stop::NonFinitePoint,
                        ..
                    }
                ),
                "{name}: {}",
                run.status().describe()
            );
            let t = run.trajectory();
            assert!(t.points().iter().all(|p| domain.contains(*p)), "{name}");
        }
    }

    #[test]
    fn a_start_outside_the_domain_or_a_bad_domain_is_refused() {
        let f = quadratic(10.0);
        let outside = RunConfig {
            domain: Some(ViewRect::around(Vec2::zeros(), 1.0)),
            ..config(OptimizerSpec::default())
        };
        let e = Run::new(outside, &f, 10, 1e-3).unwrap_err();
        assert_eq!(e.field, "start");
        assert_eq!(
            e.message,
            "(2, 1.5) lies outside the domain x in [-1, 1], y in [-1, 1]"
        );
        let empty = RunConfig {
            domain: Some(ViewRect {
                x: (1.0, 1.0),
                y: (0.0, 2.0),
            }),
            ..config(OptimizerSpec::default())
        };
        assert_eq!(Run::new(empty, &f, 10, 1e-3).unwrap_err().field, "domain.x");
    }
}
