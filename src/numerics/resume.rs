//! Steps that do not fit in a frame. An optimizer step whose gradients are slow (minibatch
//! noise over many copies, a long formula, an L-BFGS step of many evaluations, a network on a
//! large batch) is cut off once the caller's time is up, and taken again in the next slice
//! from the state before it. Every gradient and Hessian the step computed is kept and served
//! again in the order asked (runs are deterministic, so the retry asks for the same points),
//! and a sum over a minibatch cut off part-way resumes at the copy it reached, adding in the
//! same order: the finished step is bit for bit the step taken in one go, and every slice adds
//! at least one new term, so the step always ends.
//!
//! Only the app slices steps: the command line runs each step to its end.

use nalgebra::{DMatrix, DVector};

/// Tells long work when the caller's time is up (numerics has no clock: the app passes its
/// frame budget, on the web build's clock too).
pub trait Deadline: Sync {
    /// True once the time given is spent.
    fn passed(&self) -> bool;
}

/// Minibatch copies of a 2-D objective summed between two looks at the deadline (a copy
/// costs well under a microsecond, a look tens of nanoseconds).
pub const COPIES_PER_LOOK: usize = 32;

/// A deadline and the step's kept work, when the step may be cut off (the app); None when
/// it runs to its end (the command line).
pub type Slicing<'a> = Option<(&'a dyn Deadline, &'a mut Resume)>;

/// What a sum adds up: `terms` terms at x, each adding to a value and `width` numbers
/// (a gradient or a Hessian), looking at the deadline every `per_look` terms.
#[derive(Clone, Copy, Debug)]
pub struct Terms {
    /// Terms in the sum.
    pub count: usize,
    /// Numbers each term adds to besides the value.
    pub width: usize,
    /// Terms between two looks at the deadline.
    pub per_look: usize,
    /// A sum of Hessians (kept apart from a gradient's sum at the same point).
    pub hessian: bool,
}

/// A sum of terms at x (`term(i, value, sum)` adds term i) into `out` (`terms.width`
/// numbers, overwritten): in one go, or resumable under the deadline. The terms are added in
/// the same order either way, so the result is the same to the bit; in one go nothing is
/// allocated. Returns the value, or None when cut off.
pub fn sum_into(
    slicing: &mut Slicing<'_>,
    x: &DVector<f64>,
    terms: Terms,
    out: &mut [f64],
    mut term: impl FnMut(usize, &mut f64, &mut [f64]),
) -> Option<f64> {
    if let Some((deadline, resume)) = slicing {
        let (v, s) = resume.sum(x, terms, *deadline, term)?;
        out.copy_from_slice(&s);
        return Some(v);
    }
    out.fill(0.0);
    let mut v = 0.0;
    for i in 0..terms.count {
        term(i, &mut v, out);
    }
    Some(v)
}

/// Before a gradient evaluation under slicing: the kept value at x (written into `grad`), or
/// NaN when the attempt is cut off now (what the optimizer makes of it is thrown away); None
/// when the evaluation is to be computed (and then kept with [`Resume::keep_eval`]).
pub fn before_eval(
    slicing: &mut Slicing<'_>,
    x: &DVector<f64>,
    grad: &mut DVector<f64>,
) -> Option<f64> {
    let (deadline, resume) = slicing.as_mut()?;
    if let Some(v) = resume.replay_eval(x, grad) {
        return Some(v);
    }
    if resume.should_stop(*deadline) {
        grad.fill(f64::NAN);
        return Some(f64::NAN);
    }
    None
}

/// What a step cut off has computed so far, and the attempt in progress.
#[derive(Debug, Default)]
pub struct Resume {
    evals: Vec<Kept>,
    hessians: Vec<(DVector<f64>, DMatrix<f64>)>,
    partial: Option<Partial>,
    /// Sums the step finished, in the order computed (a later one may be cut off).
    sums: Vec<Partial>,
    served_evals: usize,
    served_hessians: usize,
    served_sums: usize,
    /// This attempt has computed something new (it may stop only after that: progress).
    fresh: bool,
    interrupted: bool,
}

/// A gradient evaluation of the step: where, the loss, the gradient as the optimizer got it.
#[derive(Debug)]
struct Kept {
    x: DVector<f64>,
    value: f64,
    grad: DVector<f64>,
}

/// A sum over terms cut off part-way: at which point, for what, the next term and the sums.
#[derive(Debug)]
struct Partial {
    x: DVector<f64>,
    hessian: bool,
    next: usize,
    terms: usize,
    value: f64,
    sum: Vec<f64>,
}

/// How far a step cut off has got, for the progress line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// Evaluations (gradients and Hessians) computed and kept.
    pub kept: usize,
    /// A sum cut off part-way: terms added, of how many.
    pub terms: Option<(usize, usize)>,
}

impl Resume {
    /// Starts an attempt at the step (the first or a retry).
    pub fn begin(&mut self) {
        self.served_evals = 0;
        self.served_hessians = 0;
        self.served_sums = 0;
        self.fresh = false;
        self.interrupted = false;
    }

    /// The step is done: forgets its work.
    pub fn finish(&mut self) {
        self.evals.clear();
        self.hessians.clear();
        self.partial = None;
        self.sums.clear();
        self.begin();
    }

    /// True when this attempt was cut off (its results are to be thrown away).
    #[must_use]
    pub fn interrupted(&self) -> bool {
        self.interrupted
    }

    /// True when a step was cut off and waits for its retry.
    #[must_use]
    pub fn pending(&self) -> bool {
        !self.evals.is_empty()
            || !self.hessians.is_empty()
            || !self.sums.is_empty()
            || self.partial.is_some()
    }

    /// How far the pending step has got.
    #[must_use]
    pub fn progress(&self) -> Progress {
        Progress {
            kept: self.evals.len() + self.hessians.len(),
            terms: self.partial.as_ref().map(|p| (p.next, p.terms)),
        }
    }

    /// The kept evaluation at x, if the step computed it before (written into `grad`).
    pub fn replay_eval(&mut self, x: &DVector<f64>, grad: &mut DVector<f64>) -> Option<f64> {
        let kept = self.evals.get(self.served_evals)?;
        if kept.x != *x || kept.grad.len() != grad.len() {
            // Not the same path (cannot happen for a deterministic step): recompute from here.
            self.evals.truncate(self.served_evals);
            return None;
        }
        grad.copy_from(&kept.grad);
        self.served_evals += 1;
        Some(kept.value)
    }

    /// Keeps an evaluation just computed.
    pub fn keep_eval(&mut self, x: &DVector<f64>, value: f64, grad: &DVector<f64>) {
        self.evals.push(Kept {
            x: x.clone(),
            value,
            grad: grad.clone(),
        });
        self.served_evals = self.evals.len();
        self.fresh = true;
    }

    /// The kept Hessian at x, if the step computed it before (written into `hess`).
    pub fn replay_hessian(&mut self, x: &DVector<f64>, hess: &mut DMatrix<f64>) -> bool {
        let Some((at, h)) = self.hessians.get(self.served_hessians) else {
            return false;
        };
        if at != x || h.shape() != hess.shape() {
            self.hessians.truncate(self.served_hessians);
            return false;
        }
        hess.copy_from(h);
        self.served_hessians += 1;
        true
    }

    /// Keeps a Hessian just computed.
    pub fn keep_hessian(&mut self, x: &DVector<f64>, hess: &DMatrix<f64>) {
        self.hessians.push((x.clone(), hess.clone()));
        self.served_hessians = self.hessians.len();
        self.fresh = true;
    }

    /// True when the attempt must stop before new work: the deadline has passed and the
    /// attempt has already computed something (or was cut off before).
    pub fn should_stop(&mut self, deadline: &dyn Deadline) -> bool {
        if !self.interrupted && self.fresh && deadline.passed() {
            self.interrupted = true;
        }
        self.interrupted
    }

    /// Adds the terms of a sum at x (`term(i, value, sum)` adds term i), resuming a sum cut
    /// off before at the term it reached; the result is added in the same order as in one
    /// go. None when cut off now (the deadline passed).
    pub fn sum(
        &mut self,
        x: &DVector<f64>,
        terms: Terms,
        deadline: &dyn Deadline,
        mut term: impl FnMut(usize, &mut f64, &mut [f64]),
    ) -> Option<(f64, Vec<f64>)> {
        if self.interrupted {
            return None;
        }
        let same = |p: &Partial| {
            p.x == *x
                && p.hessian == terms.hessian
                && p.terms == terms.count
                && p.sum.len() == terms.width
        };
        if let Some(done) = self.sums.get(self.served_sums) {
            if same(done) {
                self.served_sums += 1;
                return Some((done.value, done.sum.clone()));
            }
            self.sums.truncate(self.served_sums);
        }
        let (mut next, mut value, mut sum) = match self.partial.take() {
            Some(p) if same(&p) => (p.next, p.value, p.sum),
            _ => (0, 0.0, vec![0.0; terms.width]),
        };
        while next < terms.count {
            let end = (next + terms.per_look.max(1)).min(terms.count);
            for i in next..end {
                term(i, &mut value, &mut sum);
            }
            next = end;
            self.fresh = true;
            if next < terms.count && deadline.passed() {
                self.partial = Some(Partial {
                    x: x.clone(),
                    hessian: terms.hessian,
                    next,
                    terms: terms.count,
                    value,
                    sum,
                });
                self.interrupted = true;
                return None;
            }
        }
        // Kept: a later sum of the step may be cut off, and the retry asks for this one again.
        self.sums.push(Partial {
            x: x.clone(),
            hessian: terms.hessian,
            next,
            terms: terms.count,
            value,
            sum: sum.clone(),
        });
        self.served_sums = self.sums.len();
        Some((value, sum))
    }
}

/// A deadline that passes after `n` looks, then at every look: slices as short as the app's
/// on the slowest steps, without a clock (for tests).
#[cfg(test)]
pub(crate) struct AfterLooks(std::sync::atomic::AtomicUsize);

#[cfg(test)]
impl AfterLooks {
    pub(crate) fn new(n: usize) -> Self {
        Self(std::sync::atomic::AtomicUsize::new(n))
    }
}

#[cfg(test)]
impl Deadline for AfterLooks {
    fn passed(&self) -> bool {
        use std::sync::atomic::Ordering;
        self.0
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
            .is_err()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[test]
    fn a_sum_cut_off_resumes_where_it_stopped_with_the_same_result() {
        let x = DVector::from_vec(vec![1.0, 2.0]);
        let terms = 1000;
        let add = |i: usize, v: &mut f64, s: &mut [f64]| {
            let t = (i as f64).sqrt().sin();
            *v += t;
            s[0] += t * 0.3;
            s[1] -= t / 7.0;
        };
        let mut whole = Resume::default();
        let never = AfterLooks::new(usize::MAX);
        let shape = Terms {
            count: terms,
            width: 2,
            per_look: COPIES_PER_LOOK,
            hessian: false,
        };
        let expected = whole.sum(&x, shape, &never, add).unwrap();
        let mut resume = Resume::default();
        let calls = Cell::new(0);
        let mut attempts = 0;
        let got = loop {
            attempts += 1;
            resume.begin();
            let soon = AfterLooks::new(2);
            let counted = |i: usize, v: &mut f64, s: &mut [f64]| {
                calls.set(calls.get() + 1);
                add(i, v, s);
            };
            if let Some(r) = resume.sum(&x, shape, &soon, counted) {
                break r;
            }
            assert!(resume.pending());
        };
        assert_eq!(got.0.to_bits(), expected.0.to_bits());
        assert_eq!(got.1, expected.1);
        // Every term was added once, over several attempts.
        assert_eq!(calls.get(), terms);
        assert!(attempts > 3, "{attempts}");
    }

    #[test]
    fn a_finished_sum_is_served_again_when_a_later_one_is_cut_off() {
        // Two sums in one step (a training set, then a test set): the second is cut off; the
        // retry gets the first back without adding its terms again.
        let x = DVector::from_vec(vec![0.5]);
        let shape = |count, width| Terms {
            count,
            width,
            per_look: 1,
            hessian: false,
        };
        let added = Cell::new(0);
        let add = |i: usize, v: &mut f64, s: &mut [f64]| {
            added.set(added.get() + 1);
            *v += i as f64;
            s[0] += 1.0;
        };
        let mut r = Resume::default();
        let never = AfterLooks::new(usize::MAX);
        let now = AfterLooks::new(0);
        r.begin();
        assert_eq!(r.sum(&x, shape(10, 2), &never, add).unwrap().0, 45.0);
        assert!(r.sum(&x, shape(10, 1), &now, add).is_none());
        assert_eq!(added.get(), 11);
        r.begin();
        assert_eq!(r.sum(&x, shape(10, 2), &now, add).unwrap().0, 45.0);
        assert_eq!(added.get(), 11, "served, not added again");
        assert_eq!(r.sum(&x, shape(10, 1), &never, add).unwrap().0, 45.0);
        assert_eq!(
            added.get(),
            20,
            "the cut-off sum went on from its second term"
        );
    }

    #[test]
    fn kept_evaluations_are_served_in_order_and_a_new_path_recomputes() {
        let mut r = Resume::default();
        let a = DVector::from_vec(vec![0.0, 1.0]);
        let b = DVector::from_vec(vec![2.0, 3.0]);
        r.begin();
        r.keep_eval(&a, 1.5, &DVector::from_vec(vec![4.0, 5.0]));
        r.keep_eval(&b, 2.5, &DVector::from_vec(vec![6.0, 7.0]));
        r.begin();
        let mut g = DVector::zeros(2);
        assert_eq!(r.replay_eval(&a, &mut g), Some(1.5));
        assert_eq!(g.as_slice(), &[4.0, 5.0]);
        // A different second point: the kept one is dropped, not served.
        assert_eq!(r.replay_eval(&a, &mut g), None);
        assert_eq!(r.progress().kept, 1);
        r.finish();
        assert!(!r.pending());
    }

    #[test]
    fn an_attempt_stops_only_after_new_work() {
        let mut r = Resume::default();
        let passed = AfterLooks::new(0);
        r.begin();
        assert!(!r.should_stop(&passed), "no work done yet: go on");
        r.keep_eval(&DVector::zeros(2), 0.0, &DVector::zeros(2));
        assert!(r.should_stop(&passed));
        assert!(r.interrupted());
    }
}
