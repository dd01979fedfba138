//! Training: every optimizer run of a scenario on the same data, from the same initial
//! weights, on the same sequence of minibatches (common random numbers), stepped in lockstep.
//!
//! Step k: the sampler's batch k is gathered once; each running run sets lr_k from its
//! schedule and takes one optimizer step through an [`Oracle`] whose loss is the batch's
//! mean data loss plus the weight penalty (gradient clipped as in 2-D runs).
//!
//! Evaluation policy: the full training and test sets are evaluated (losses, accuracies, the
//! norm of the full-batch gradient of the training objective) at step 0, every `eval_every`
//! steps, and at the last step of the budget. By default eval_every = ceil(4 N / B), N being
//! all points: an evaluation passes every point forward (and the training points backward),
//! at most N samples' worth of forward and backward work, against 4N for the steps between
//! two evaluations, so evaluating costs at most about a quarter of training. History and weight snapshots are bounded: when full, every
//! other entry is dropped and the interval doubles (as [`crate::numerics::run::Trajectory`]
//! does), which also makes evaluations rarer on long runs.
//!
//! A step that yields a non-finite loss or weights stops the run with a status naming the
//! step; its weights go back to the last finite ones, so nothing downstream sees NaN.

use super::data::{BatchSampler, DataConfig, Dataset};
use super::landscape::{LandscapeSlice, SliceBuilder};
use super::network::{Network, NetworkSpec, Task, Workspace};
use crate::numerics::ParamError;
use crate::numerics::optimizers::{Optimizer, OptimizerSpec, Oracle};
use crate::numerics::resume::{self, Deadline, Progress, Resume};
use crate::numerics::run::{Clip, RunStatus, Stop};
use crate::numerics::schedule::{Schedule, Scheduler};
use nalgebra::{DMatrix, DVector};
use std::fmt;

/// Records kept per run before thinning.
pub const HISTORY_CAPACITY: usize = 4096;
/// Weight snapshots kept per run (for the landscape) before thinning.
pub const SNAPSHOT_CAPACITY: usize = 64;
/// Columns evaluated at once on the full data sets.
const EVAL_CHUNK: usize = 256;

/// Samples of a batch passed forward and back at once: a larger batch is summed in parts of
/// this size, so that the app can stop between two parts at a frame's deadline.
pub const BATCH_PART: usize = 512;

/// Multiply-adds of one batch gradient (batch size x weights) from which a step in the app is
/// taken so that it can be cut off at the frame's deadline: about 100 microseconds.
const CAREFUL_GRADIENT_WORK: usize = 100_000;

/// One run's optimizer, schedule and clipping (validated).
#[derive(Clone, Debug, PartialEq)]
pub struct MlpRunConfig {
    /// Optimizer and hyperparameters.
    pub optimizer: OptimizerSpec,
    /// Learning-rate schedule.
    pub schedule: Schedule,
    /// Gradient clipping.
    pub clip: Clip,
}

/// Everything a training needs (validated by the scenario layer).
#[derive(Clone, Debug, PartialEq)]
pub struct TrainingConfig {
    /// The data set.
    pub data: DataConfig,
    /// The network.
    pub network: NetworkSpec,
    /// Minibatch size B (clamped to the training set's size).
    pub batch_size: usize,
    /// Step budget.
    pub steps: usize,
    /// Seed of the initial weights and of the batch order.
    pub seed: u64,
    /// Steps between full evaluations (default: see the module documentation).
    pub eval_every: Option<usize>,
    /// Also record the sharpness of the training loss at every evaluation
    /// ([`super::sharpness`]: power iteration on Hessian-vector products, each product two
    /// full-batch gradients, so an evaluation costs a few dozen gradients more).
    pub sharpness: bool,
    /// The runs, in order.
    pub runs: Vec<MlpRunConfig>,
}

/// One evaluation of a run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Record {
    /// Updates taken.
    pub step: usize,
    /// Mean data loss on the training set (without the penalty).
    pub train_loss: f64,
    /// Mean data loss on the test set.
    pub test_loss: f64,
    /// Fraction of training points classified right (`None` for regression).
    pub train_acc: Option<f64>,
    /// Fraction of test points classified right (`None` for regression).
    pub test_acc: Option<f64>,
    /// |grad| of the full-batch training objective (data loss + penalty).
    pub grad_norm: f64,
    /// Learning rate of the next update.
    pub lr: f64,
    /// The sharpness of the full-batch training objective (data loss + penalty): the largest
    /// eigenvalue of its Hessian, when the training records it.
    pub sharpness: Option<f64>,
}

/// A run's evaluations, bounded: at most [`HISTORY_CAPACITY`] records at multiples of
/// `interval()` steps, plus the latest one.
#[derive(Clone, Debug, Default)]
pub struct History {
    records: Vec<Record>,
    every: usize,
    stride: usize,
    latest: Option<Record>,
}

impl History {
    fn new(every: usize) -> Self {
        Self {
            records: Vec::with_capacity(HISTORY_CAPACITY),
            every: every.max(1),
            stride: 1,
            latest: None,
        }
    }

    /// Steps between stored records.
    #[must_use]
    pub fn interval(&self) -> usize {
        self.every * self.stride
    }

    /// The stored records, oldest first.
    #[must_use]
    pub fn records(&self) -> &[Record] {
        &self.records
    }

    /// The latest evaluation, stored or not.
    #[must_use]
    pub fn latest(&self) -> Option<&Record> {
        self.latest.as_ref()
    }

    fn wants(&self, step: usize) -> bool {
        step.is_multiple_of(self.interval())
    }

    fn push(&mut self, r: Record) {
        self.latest = Some(r);
        if !self.wants(r.step) {
            return;
        }
        if self.records.len() >= HISTORY_CAPACITY {
            let mut i = 0;
            self.records.retain(|_| {
                i += 1;
                i % 2 == 1
            });
            self.stride *= 2;
            if !self.wants(r.step) {
                return;
            }
        }
        self.records.push(r);
    }
}

/// Weight snapshots, bounded like [`History`].
#[derive(Clone, Debug, Default)]
struct Snapshots {
    dim: usize,
    every: usize,
    stride: usize,
    steps: Vec<usize>,
    data: Vec<f64>,
}

impl Snapshots {
    fn new(dim: usize, every: usize) -> Self {
        Self {
            dim,
            every: every.max(1),
            stride: 1,
            steps: Vec::with_capacity(SNAPSHOT_CAPACITY),
            data: Vec::with_capacity(SNAPSHOT_CAPACITY * dim),
        }
    }

    fn push(&mut self, step: usize, w: &[f64]) {
        if !step.is_multiple_of(self.every * self.stride) {
            return;
        }
        if self.steps.len() >= SNAPSHOT_CAPACITY {
            let kept: Vec<usize> = (0..self.steps.len()).step_by(2).collect();
            for (to, &from) in kept.iter().enumerate() {
                self.steps[to] = self.steps[from];
                self.data
                    .copy_within(from * self.dim..(from + 1) * self.dim, to * self.dim);
            }
            self.steps.truncate(kept.len());
            self.data.truncate(kept.len() * self.dim);
            self.stride *= 2;
            if !step.is_multiple_of(self.every * self.stride) {
                return;
            }
        }
        self.steps.push(step);
        self.data.extend_from_slice(w);
    }

    fn list(&self) -> Vec<(usize, &[f64])> {
        self.steps
            .iter()
            .enumerate()
            .map(|(i, &s)| (s, &self.data[i * self.dim..(i + 1) * self.dim]))
            .collect()
    }
}

/// One optimizer training the network.
pub struct MlpRun {
    config: MlpRunConfig,
    optimizer: Box<dyn Optimizer>,
    /// The learning-rate schedule in motion (ReduceLROnPlateau watches the batch losses).
    scheduler: Scheduler,
    params: DVector<f64>,
    previous: DVector<f64>,
    status: RunStatus,
    steps_done: usize,
    history: History,
    snapshots: Snapshots,
    /// The work of a step cut off at the app's deadline, kept for its retry.
    resume: Resume,
    /// The sums of an evaluation on the full data sets cut off at the app's deadline.
    eval_resume: Resume,
    /// Its last step asked for more than one gradient (L-BFGS): the next may be slow.
    many_evaluations: bool,
    /// The last sharpness evaluation's eigenvector, the next one's start (empty at first).
    top_vector: Vec<f64>,
}

impl fmt::Debug for MlpRun {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MlpRun")
            .field("config", &self.config)
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

impl MlpRun {
    /// Optimizer, schedule and clipping.
    #[must_use]
    pub fn config(&self) -> &MlpRunConfig {
        &self.config
    }

    /// Running, or stopped at a named step.
    #[must_use]
    pub fn status(&self) -> &RunStatus {
        &self.status
    }

    /// The recorded evaluations.
    #[must_use]
    pub fn history(&self) -> &History {
        &self.history
    }

    /// Current weights (always finite).
    #[must_use]
    pub fn params(&self) -> &DVector<f64> {
        &self.params
    }

    /// Updates this run has taken (less than the training's when it stopped early).
    #[must_use]
    pub fn steps_done(&self) -> usize {
        self.steps_done
    }
}

/// The batch of one step, in the optimizer's vector form.
struct BatchOracle<'a> {
    net: &'a Network,
    ws: &'a mut Workspace,
    x: &'a [f64],
    y: &'a [f64],
    clip: Clip,
    /// Gradients asked for so far.
    evaluations: usize,
    /// In the app, the frame's deadline and the step's kept work (see
    /// [`crate::numerics::resume`]); None on the command line.
    slicing: resume::Slicing<'a>,
}

impl Oracle for BatchOracle<'_> {
    fn eval(&mut self, x: &DVector<f64>, grad: &mut DVector<f64>) -> f64 {
        self.evaluations += 1;
        if let Some(v) = resume::before_eval(&mut self.slicing, x, grad) {
            return v;
        }
        let b = self.y.len();
        let loss = if b <= BATCH_PART {
            self.net
                .loss_and_gradient(x.as_slice(), self.x, self.y, self.ws, grad.as_mut_slice())
        } else {
            // A large batch in parts, so that a frame can stop between two (in every build,
            // so the app and the command line add up the same numbers).
            let (net, ws, f) = (self.net, &mut *self.ws, self.net.inputs());
            let (xs, ys) = (self.x, self.y);
            let scale = 1.0 / b as f64;
            let terms = resume::Terms {
                count: b.div_ceil(BATCH_PART),
                width: grad.len(),
                per_look: 1,
                hessian: false,
            };
            let params = x.as_slice();
            let part = |i: usize, v: &mut f64, g: &mut [f64]| {
                let (lo, hi) = (i * BATCH_PART, ((i + 1) * BATCH_PART).min(b));
                let (x, y) = (&xs[lo * f..hi * f], &ys[lo..hi]);
                *v += net.add_part(params, x, y, scale, ws, Some(g)).0;
            };
            let out = grad.as_mut_slice();
            let Some(data_loss) = resume::sum_into(&mut self.slicing, x, terms, out, part) else {
                grad.fill(f64::NAN);
                return f64::NAN;
            };
            net.add_penalty_gradient(params, grad.as_mut_slice());
            data_loss + net.penalty(params)
        };
        self.clip.apply(grad.as_mut_slice());
        if let Some((_, resume)) = &mut self.slicing {
            resume.keep_eval(x, loss, grad);
        }
        loss
    }

    fn hessian(&mut self, _x: &DVector<f64>, _hess: &mut DMatrix<f64>) -> bool {
        false
    }
}

/// Mean data loss and accuracy over a data set and (with a `grad` buffer) the gradient of the
/// mean data loss + penalty, written into `grad`, in chunks of `EVAL_CHUNK` samples:
/// [`Network::evaluate`]'s numbers to the bit, resumable between two chunks under the
/// slicing's deadline (None when cut off). `sums` is scratch of at least the gradient's
/// length + 1. An empty set gives (0, 0) and leaves `grad` as it is.
fn data_set_sum(
    net: &Network,
    params: &DVector<f64>,
    (x, y): (&DMatrix<f64>, &[f64]),
    ws: &mut Workspace,
    grad: Option<&mut [f64]>,
    sums: &mut [f64],
    slicing: &mut resume::Slicing<'_>,
) -> Option<(f64, f64)> {
    let n = y.len().min(x.ncols());
    if n == 0 {
        return Some((0.0, 0.0));
    }
    let f = net.inputs();
    // The gradient, then the count of correct samples (exact in an f64).
    let with_grad = grad.is_some();
    let width = grad.as_ref().map_or(0, |g| g.len()) + 1;
    let terms = resume::Terms {
        count: n.div_ceil(EVAL_CHUNK),
        width,
        per_look: 1,
        hessian: false,
    };
    let scale = 1.0 / n as f64;
    let (w, xs) = (params.as_slice(), x.as_slice());
    let chunk = |c: usize, v: &mut f64, sums: &mut [f64]| {
        let (lo, hi) = (c * EVAL_CHUNK, ((c + 1) * EVAL_CHUNK).min(n));
        let (g, correct) = sums.split_at_mut(width - 1);
        let g = with_grad.then_some(g);
        let (l, right) = net.add_part(w, &xs[lo * f..hi * f], &y[lo..hi], scale, ws, g);
        *v += l;
        correct[0] += right as f64;
    };
    let sums = &mut sums[..width];
    let loss = resume::sum_into(slicing, params, terms, sums, chunk)?;
    if let Some(grad) = grad {
        grad.copy_from_slice(&sums[..width - 1]);
        net.add_penalty_gradient(w, grad);
    }
    Some((loss, sums[width - 1] / n as f64))
}

/// The largest Hessian eigenvalue of the full-batch training objective at `w` (see
/// [`super::sharpness`]), starting from `start` and leaving the eigenvector found there;
/// `None` when a gradient is not finite.
fn training_sharpness(
    net: &Network,
    train: (&DMatrix<f64>, &[f64]),
    ws: &mut Workspace,
    sums: &mut [f64],
    w: &[f64],
    start: &mut Vec<f64>,
) -> Option<f64> {
    let mut point = DVector::zeros(w.len());
    let mut gradient = |at: &[f64], g: &mut [f64]| {
        point.as_mut_slice().copy_from_slice(at);
        if data_set_sum(net, &point, train, ws, Some(g), sums, &mut None).is_none() {
            g.fill(f64::NAN);
        }
    };
    let mut scratch = [Vec::new(), Vec::new(), Vec::new()];
    start.resize(w.len(), 0.0);
    super::sharpness::largest_eigenvalue(
        |v, out| super::sharpness::hessian_vector_product(&mut gradient, w, v, &mut scratch, out),
        start,
    )
    .map(|t| t.value)
}

/// True when no entry is infinite or NaN. No early exit: a loop the compiler vectorises,
/// for the one answer every step expects (all finite).
fn all_finite(v: &[f64]) -> bool {
    !v.iter().fold(false, |bad, x| bad | !x.is_finite())
}

/// All runs of an MLP scenario, trained together (see the module documentation).
#[derive(Debug)]
pub struct Training {
    config: TrainingConfig,
    dataset: Dataset,
    network: Network,
    init: DVector<f64>,
    sampler: BatchSampler,
    runs: Vec<MlpRun>,
    ws: Workspace,
    eval_ws: Workspace,
    batch_x: DMatrix<f64>,
    batch_y: Vec<f64>,
    grad: DVector<f64>,
    /// Scratch for an evaluation's sums (the gradient and the count of correct samples).
    eval_sums: Vec<f64>,
    eval_every: usize,
    steps_done: usize,
    /// Within the step in progress, the first run still to take it (the ones before have):
    /// a step cut off at the app's deadline goes on from here in the next call.
    next_run: usize,
    /// The evaluations due at the step just taken, from this run on (cut off at the app's
    /// deadline, they go on in the next call).
    eval_from: Option<usize>,
}

impl Training {
    /// Builds the data set, the initial weights and every run (recording step 0). The error
    /// names the run's field.
    pub fn new(config: &TrainingConfig) -> Result<Self, ParamError> {
        let dataset = Dataset::new(&config.data);
        let network = Network::new(dataset.feature_map().len(), &config.network, dataset.task());
        let init = DVector::from_vec(network.initial_params(config.seed));
        let n_train = dataset.train_points().len();
        let sampler = BatchSampler::new(n_train, config.batch_size, config.seed);
        let b = sampler.batch_size();
        let eval_every = config.eval_every.unwrap_or_else(|| {
            let n_all = n_train + dataset.test_points().len();
            (4 * n_all).div_ceil(b).max(1)
        });
        let mut training = Self {
            ws: Workspace::new(&network, b),
            eval_ws: Workspace::new(&network, EVAL_CHUNK),
            batch_x: DMatrix::zeros(network.inputs(), b),
            batch_y: vec![0.0; b],
            grad: DVector::zeros(network.param_count()),
            eval_sums: vec![0.0; network.param_count() + 1],
            runs: Vec::with_capacity(config.runs.len()),
            config: config.clone(),
            dataset,
            network,
            init,
            sampler,
            eval_every,
            steps_done: 0,
            next_run: 0,
            eval_from: None,
        };
        for (i, rc) in config.runs.iter().enumerate() {
            let optimizer = rc
                .optimizer
                .build_for(&training.network.layout())
                .map_err(|e| e.within(&format!("runs[{i}].optimizer")))?;
            training.runs.push(MlpRun {
                config: rc.clone(),
                optimizer,
                scheduler: Scheduler::new(&rc.schedule, rc.optimizer.lr()),
                params: training.init.clone(),
                previous: training.init.clone(),
                status: RunStatus::Running,
                steps_done: 0,
                history: History::new(eval_every),
                snapshots: Snapshots::new(training.init.len(), eval_every),
                resume: Resume::default(),
                eval_resume: Resume::default(),
                many_evaluations: false,
                top_vector: Vec::new(),
            });
        }
        for i in 0..training.runs.len() {
            training.evaluate(i, 0);
        }
        Ok(training)
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &TrainingConfig {
        &self.config
    }

    /// The data set (points for scatter plots, features).
    #[must_use]
    pub fn dataset(&self) -> &Dataset {
        &self.dataset
    }

    /// The network's shape, activation, loss and penalty.
    #[must_use]
    pub fn network(&self) -> &Network {
        &self.network
    }

    /// The initial weights every run starts from.
    #[must_use]
    pub fn initial_params(&self) -> &DVector<f64> {
        &self.init
    }

    /// The runs, in the configuration's order.
    #[must_use]
    pub fn runs(&self) -> &[MlpRun] {
        &self.runs
    }

    /// Updates taken so far (by every run still running).
    #[must_use]
    pub fn steps_done(&self) -> usize {
        self.steps_done
    }

    /// The step budget.
    #[must_use]
    pub fn total_steps(&self) -> usize {
        self.config.steps
    }

    /// True when the budget is reached or no run is running.
    #[must_use]
    pub fn is_done(&self) -> bool {
        (self.steps_done >= self.config.steps && self.eval_from.is_none())
            || self.runs.iter().all(|r| !r.status.is_running())
    }

    /// Steps between full evaluations (before thinning).
    #[must_use]
    pub fn eval_every(&self) -> usize {
        self.eval_every
    }

    /// The minibatch size in use.
    #[must_use]
    pub fn batch_size(&self) -> usize {
        self.sampler.batch_size()
    }

    /// "2-16-16-1 tanh, BCE, L2 1e-4".
    #[must_use]
    pub fn describe(&self) -> String {
        self.network.to_string()
    }

    /// Steps every running run by up to `steps` updates; returns the updates taken.
    pub fn advance(&mut self, steps: usize) -> usize {
        self.advance_within(steps, None)
    }

    /// [`Training::advance`], stopping once `deadline` has passed (after some progress): a
    /// step not every run has taken goes on with the next run in the next call, and a run's
    /// step cut off inside is resumed with its gradients kept (see
    /// [`crate::numerics::resume`]). The updates are the same as in one go, to the bit.
    pub fn advance_within(&mut self, steps: usize, deadline: Option<&dyn Deadline>) -> usize {
        let mut taken = 0;
        let mut progressed = false;
        let late = |progressed: bool| progressed && deadline.is_some_and(Deadline::passed);
        if !self.evaluate_due(deadline, &mut progressed) {
            return taken;
        }
        while taken < steps && !self.is_done() && self.steps_done < self.config.steps {
            let k = self.steps_done;
            let batch = self.sampler.batch(k);
            let (x_train, y_train) = self.dataset.train_matrix();
            // Columns as plain slices (nalgebra's column copies go element by element).
            let f = x_train.nrows();
            let (src, dst) = (x_train.as_slice(), self.batch_x.as_mut_slice());
            for ((col, &i), y) in dst.chunks_exact_mut(f).zip(batch).zip(&mut self.batch_y) {
                col.copy_from_slice(&src[i * f..(i + 1) * f]);
                *y = y_train[i];
            }
            // Work of one gradient, in multiply-adds: above this a step may not fit in a
            // frame, and is taken so that it can be cut off.
            let gradient_work = self.batch_y.len() * self.network.param_count();
            // Runs stay in lockstep unless a step is slow: only then may a call end between
            // two runs' steps.
            let slow = gradient_work >= CAREFUL_GRADIENT_WORK
                || self.runs.iter().any(|r| r.many_evaluations);
            while self.next_run < self.runs.len() {
                if slow && late(progressed) {
                    return taken;
                }
                let run = &mut self.runs[self.next_run];
                self.next_run += 1;
                if !run.status.is_running() {
                    continue;
                }
                let lr = run.scheduler.lr(k);
                if !lr.is_finite() {
                    run.status = RunStatus::Stopped {
                        step: k + 1,
                        reason: Stop::NonFiniteLr,
                    };
                    continue;
                }
                run.optimizer.set_lr(lr);
                run.previous
                    .as_mut_slice()
                    .copy_from_slice(run.params.as_slice());
                let careful = deadline.filter(|_| {
                    run.many_evaluations
                        || run.resume.pending()
                        || gradient_work >= CAREFUL_GRADIENT_WORK
                });
                let before = careful.map(|_| dyn_clone::clone_box(&*run.optimizer));
                run.resume.begin();
                let mut oracle = BatchOracle {
                    net: &self.network,
                    ws: &mut self.ws,
                    x: self.batch_x.as_slice(),
                    y: &self.batch_y,
                    clip: run.config.clip,
                    evaluations: 0,
                    slicing: careful.map(|d| (d, &mut run.resume)),
                };
                let result = run.optimizer.step(&mut run.params, &mut oracle);
                run.many_evaluations = oracle.evaluations > 1;
                progressed = true;
                if let Some(optimizer) = before {
                    if run.resume.interrupted() {
                        // Cut off: the state before the step, its gradients kept; this run
                        // goes on from here in the next call.
                        run.optimizer = optimizer;
                        run.params.copy_from(&run.previous);
                        self.next_run -= 1;
                        return taken;
                    }
                    run.resume.finish();
                }
                let stop = match result {
                    Err(e) => Some(Stop::Failed(e)),
                    Ok(info) if !info.loss.is_finite() => Some(Stop::NonFiniteValue),
                    Ok(_) if !all_finite(run.params.as_slice()) => Some(Stop::NonFinitePoint),
                    Ok(info) => {
                        run.scheduler.observe(info.loss);
                        None
                    }
                };
                if let Some(reason) = stop {
                    run.params.copy_from(&run.previous);
                    run.status = RunStatus::Stopped {
                        step: k + 1,
                        reason,
                    };
                } else {
                    run.steps_done = k + 1;
                }
            }
            self.next_run = 0;
            self.steps_done += 1;
            taken += 1;
            self.eval_from = Some(0);
            if !self.evaluate_due(deadline, &mut progressed) {
                return taken;
            }
        }
        taken
    }

    /// The evaluations due at the step just taken (runs from `eval_from` on); false when cut
    /// off at the deadline. Only evaluations of large data sets are cut off: otherwise all
    /// runs' records of a step appear together.
    fn evaluate_due(&mut self, deadline: Option<&dyn Deadline>, progressed: &mut bool) -> bool {
        let s = self.steps_done;
        let points = self.dataset.train_points().len() + self.dataset.test_points().len();
        let deadline =
            deadline.filter(|_| points * self.network.param_count() >= CAREFUL_GRADIENT_WORK);
        while let Some(i) = self.eval_from {
            if i >= self.runs.len() {
                self.eval_from = None;
                break;
            }
            let run = &self.runs[i];
            if run.status.is_running() && (run.history.wants(s) || s == self.config.steps) {
                if *progressed
                    && !run.eval_resume.pending()
                    && deadline.is_some_and(Deadline::passed)
                {
                    return false;
                }
                *progressed = true;
                if !self.evaluate_within(i, s, deadline) {
                    return false;
                }
            }
            self.eval_from = Some(i + 1);
        }
        true
    }

    /// True while a step is taken by some runs and not yet by all (a slow step cut off at
    /// the app's deadline): the runs are not in lockstep until it is finished.
    #[must_use]
    pub fn in_step(&self) -> bool {
        self.next_run > 0 || self.runs.iter().any(|r| r.resume.pending())
    }

    /// True while the evaluations due at the step just taken (counted in
    /// [`Training::steps_done`]) are not all recorded: cut off at the app's deadline.
    #[must_use]
    pub fn evaluating(&self) -> bool {
        self.eval_from.is_some()
    }

    /// The run whose step was cut off at the last deadline and how far it has got.
    #[must_use]
    pub fn cut_off(&self) -> Option<(usize, Progress)> {
        self.runs.iter().enumerate().find_map(|(i, r)| {
            [&r.resume, &r.eval_resume]
                .into_iter()
                .find(|w| w.pending())
                .map(|w| (i, w.progress()))
        })
    }

    /// Evaluates run i at step s on the full data sets and records it (stopping the run if
    /// anything is non-finite).
    fn evaluate(&mut self, i: usize, s: usize) {
        self.evaluate_within(i, s, None);
    }

    /// [`Training::evaluate`], resumable under a deadline: false when cut off between two
    /// chunks of the data (its sums are kept, and the next call goes on from there).
    fn evaluate_within(&mut self, i: usize, s: usize, deadline: Option<&dyn Deadline>) -> bool {
        let run = &mut self.runs[i];
        let (net, ws, sums) = (&self.network, &mut self.eval_ws, &mut self.eval_sums);
        run.eval_resume.begin();
        let mut slicing: resume::Slicing = deadline.map(|d| (d, &mut run.eval_resume));
        let (params, grad) = (&run.params, self.grad.as_mut_slice());
        let train = self.dataset.train_matrix();
        let Some((train_loss, train_acc)) =
            data_set_sum(net, params, train, ws, Some(grad), sums, &mut slicing)
        else {
            return false;
        };
        let test = self.dataset.test_matrix();
        let Some((test_loss, test_acc)) =
            data_set_sum(net, params, test, ws, None, sums, &mut slicing)
        else {
            return false;
        };
        run.eval_resume.finish();
        // nalgebra's own sum (bit-identical as before), rescued when only the squares overflow.
        let mut grad_norm = self.grad.norm();
        if !grad_norm.is_finite() {
            grad_norm = crate::numerics::norm(self.grad.as_slice());
        }
        if !(train_loss.is_finite() && test_loss.is_finite() && grad_norm.is_finite()) {
            run.status = RunStatus::Stopped {
                step: s,
                reason: Stop::NonFiniteValue,
            };
            return true;
        }
        let sharpness = if self.config.sharpness {
            let value = training_sharpness(
                net,
                train,
                ws,
                sums,
                run.params.as_slice(),
                &mut run.top_vector,
            );
            if value.is_none() {
                run.status = RunStatus::Stopped {
                    step: s,
                    reason: Stop::NonFiniteValue,
                };
                return true;
            }
            value
        } else {
            None
        };
        let classify = self.network.task() == Task::Classification;
        run.history.push(Record {
            step: s,
            train_loss,
            test_loss,
            train_acc: classify.then_some(train_acc),
            test_acc: classify.then_some(test_acc),
            grad_norm,
            lr: run.scheduler.lr(s),
            sharpness,
        });
        run.snapshots.push(s, run.params.as_slice());
        true
    }

    /// Back to step 0: every run restarts from the initial weights with fresh optimizer
    /// state.
    pub fn reset(&mut self) {
        let configs: Vec<MlpRunConfig> = self.runs.iter().map(|r| r.config.clone()).collect();
        let mut config = self.config.clone();
        config.runs = configs;
        if let Ok(fresh) = Self::new(&config) {
            *self = fresh;
        }
    }

    /// A new draw of the data set with `seed` (the same weights and batch order), then
    /// [`Self::reset`].
    pub fn regenerate(&mut self, seed: u64) {
        let mut config = self.config.clone();
        config.data.seed = seed;
        if let Ok(fresh) = Self::new(&config) {
            *self = fresh;
        }
    }

    /// The output of run `run` (probability of class 1, or the regression value) on an
    /// nx x ny grid of input points over the given ranges (the coordinates of the data
    /// points), row-major from (x.0, y.0): index iy * nx + ix. Returns false (and leaves
    /// `out` empty) when there is no such run.
    pub fn predict_grid(
        &self,
        run: usize,
        x_range: (f64, f64),
        y_range: (f64, f64),
        nx: usize,
        ny: usize,
        out: &mut Vec<f64>,
    ) -> bool {
        out.clear();
        let Some(run) = self.runs.get(run) else {
            return false;
        };
        let map = self.dataset.feature_map();
        let mut ws = Workspace::new(&self.network, EVAL_CHUNK);
        let mut chunk = DMatrix::zeros(map.len(), EVAL_CHUNK);
        let mut values = Vec::with_capacity(EVAL_CHUNK);
        let at = |r: (f64, f64), k: usize, n: usize| {
            if n <= 1 {
                r.0
            } else {
                r.0 + (r.1 - r.0) * k as f64 / (n - 1) as f64
            }
        };
        let total = nx * ny;
        out.reserve(total);
        let mut start = 0;
        while start < total {
            let b = EVAL_CHUNK.min(total - start);
            for c in 0..b {
                let idx = start + c;
                let p = [at(x_range, idx % nx, nx), at(y_range, idx / nx, ny)];
                map.map_into(p, chunk.column_mut(c).as_mut_slice());
            }
            self.network.predict(
                run.params.as_slice(),
                &chunk.as_slice()[..b * map.len()],
                &mut ws,
                &mut values,
            );
            out.extend(values.iter().map(|v| if v.is_finite() { *v } else { 0.5 }));
            start += b;
        }
        true
    }

    /// The loss landscape around run `run`'s current weights in the plane of its trajectory
    /// (see [`super::landscape`]); `None` without such a run or before the stored
    /// snapshots span a plane.
    #[must_use]
    pub fn landscape(&self, run: usize, n: usize) -> Option<LandscapeSlice> {
        let mut builder = self.landscape_builder(run, n)?;
        while !builder.is_done() {
            self.landscape_cell(&mut builder);
        }
        Some(builder.finish())
    }

    /// [`Training::landscape`] to be computed a cell at a time ([`Training::landscape_cell`]),
    /// so the app can spread it over frames.
    #[must_use]
    pub fn landscape_builder(&self, run: usize, n: usize) -> Option<SliceBuilder> {
        let r = self.runs.get(run)?;
        let mut snaps = r.snapshots.list();
        let last = r.steps_done;
        snaps.retain(|s| s.0 != last);
        SliceBuilder::new(&self.network, r.params.as_slice(), last, &snaps, n)
    }

    /// The next cell of a landscape slice of this training (a pass over the training set).
    pub fn landscape_cell(&self, builder: &mut SliceBuilder) {
        let (x, y) = self.dataset.train_matrix();
        builder.add_cell(&self.network, x, y);
    }
}
