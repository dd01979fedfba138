//! Optimizers: one implementation for any dimension, stepping (never looping).
//!
//! An optimizer owns its state and performs one update per [`Optimizer::step`]: it asks an
//! [`Oracle`] for the loss and gradient (and, for Newton, the Hessian) wherever it needs them,
//! and moves the parameter vector in place. The same code drives a 2-D trajectory and the MLP's
//! flat weight vector.
//!
//! The torch.optim family (SGD, Adagrad, RMSprop, Adam, AdamW, NAdam, RAdam, Adadelta, Adamax,
//! Rprop, ASGD, Adafactor, Muon) implement [`FirstOrder`]: "given the gradient at x, update x", with torch's equations,
//! parameter names, defaults and even its order of floating-point operations, so float64
//! trajectories agree with torch's to rounding; so do Lion and Schedule-Free (AdamW, SGD) with
//! their reference packages' (lion-pytorch, schedulefree). Delta-bar-delta, which has neither,
//! is a [`FirstOrder`] method with the paper's rule (Jacobs 1988). The course's other additions
//! (Nesterov's accelerated gradient, Newton, BFGS, CG, L-BFGS) implement [`Optimizer`] directly
//! because they evaluate the gradient elsewhere (a look-ahead point, a line search) or need
//! the Hessian.
//!
//! A step allocates nothing: buffers are sized on the first step and reused.
//!
//! Two methods depend on the shapes torch would see (Adafactor factors matrices, Muon
//! orthogonalises hidden weight matrices): they are built for a [`ParamLayout`], which says
//! which slices of the vector are matrices and vectors; every other method ignores it.
//!
//! Adding an optimizer: one file with its update rule on top, its parameter struct (torch's
//! names and defaults, `validate`), the optimizer, and `impl Method` (rule, build and the
//! knobs the app's editor shows, see [`knobs`]); then `mod` it below and give it one line in
//! the `registry!` list. Presets, the menus, the editors, the tooltips and `optiviz check`
//! pick it up from there.

mod adadelta;
mod adafactor;
mod adagrad;
mod adam;
mod adamax;
mod asgd;
mod bfgs;
mod cg;
mod delta_bar_delta;
pub mod knobs;
pub mod layout;
mod lbfgs;
mod line_search;
mod lion;
mod muon;
mod nadam;
mod nag;
mod newton;
mod newton_schulz;
mod radam;
mod rmsprop;
mod rprop;
mod schedule_free;
mod sgd;

pub use adadelta::{Adadelta, AdadeltaParams};
pub use adafactor::{Adafactor, AdafactorParams};
pub use adagrad::{Adagrad, AdagradParams};
pub use adam::{Adam, AdamParams, AdamWParams};
pub use adamax::{Adamax, AdamaxParams};
pub use asgd::{Asgd, AsgdParams};
pub use bfgs::{Bfgs, BfgsParams};
pub use cg::{Cg, CgBeta, CgLineSearch, CgParams};
pub use delta_bar_delta::{DeltaBarDelta, DeltaBarDeltaParams};
pub use layout::{Block, BlockKind, ParamLayout};
pub use lbfgs::{Lbfgs, LbfgsParams};
pub use line_search::LineSearch;
pub use lion::{Lion, LionParams};
pub use muon::{AdjustLr, Muon, MuonParams, NsDtype};
pub use nadam::{NAdam, NAdamParams};
pub use nag::{Nag, NagMomentum, NagParams};
pub use newton::{Newton, NewtonParams};
pub use radam::{RAdam, RAdamParams};
pub use rmsprop::{RmsProp, RmsPropParams};
pub use rprop::{Rprop, RpropParams};
pub use schedule_free::{ScheduleFree, ScheduleFreeAdamWParams, ScheduleFreeSgdParams};
pub use sgd::{GdParams, Sgd, SgdParams};

use super::ParamError;
use knobs::Knobs;
use nalgebra::{DMatrix, DVector};
use serde::{Deserialize, Serialize};

/// Where an optimizer gets loss, gradient and curvature. One oracle serves one step: noise and
/// minibatch draws are fixed for the step, so every evaluation within it sees the same function.
pub trait Oracle {
    /// The loss at x; writes the gradient at x into `grad` (same length as x).
    fn eval(&mut self, x: &DVector<f64>, grad: &mut DVector<f64>) -> f64;
    /// Writes the Hessian at x into `hess` (d x d). Returns false when the objective has none.
    fn hessian(&mut self, x: &DVector<f64>, hess: &mut DMatrix<f64>) -> bool;
}

/// Hyperparameters and inspectable state every optimizer shares.
pub trait Tunable {
    /// The current learning rate.
    fn lr(&self) -> f64;
    /// Sets the learning rate (schedules call this before each step).
    fn set_lr(&mut self, lr: f64);
    /// Sets the momentum before a step (a momentum schedule does, as a torch loop setting
    /// `param_group["momentum"]` would); false, changing nothing, for methods without one.
    fn set_momentum(&mut self, _momentum: f64) -> bool {
        false
    }
    /// The per-coordinate effective step size of the last update, for adaptive methods:
    /// the factor that multiplies the (bias-corrected) gradient or momentum (Rprop's step
    /// sizes multiply the gradient's sign).
    fn effective_lr(&self) -> Option<&DVector<f64>> {
        None
    }
    /// The momentum / velocity vector, for methods that keep one.
    fn velocity(&self) -> Option<&DVector<f64>> {
        None
    }
    /// The point the optimizer itself reports as its answer when that is not the iterate
    /// (ASGD's averaged `ax`, Schedule-Free's x); the run records it as its averaged point.
    fn averaged(&self) -> Option<&DVector<f64>> {
        None
    }
    /// The sequence the optimizer takes its plain steps on when that is neither the iterate
    /// nor the average (Schedule-Free's z); the run records it beside them.
    fn base_sequence(&self) -> Option<&DVector<f64>> {
        None
    }
}

/// A method whose update needs only the gradient at the current point (the torch.optim form).
pub trait FirstOrder: Tunable {
    /// One update of x given the gradient g at x. Implementations are `#[inline(always)]`:
    /// [`Optimizer::step`] runs them inside [`crate::numerics::cpu::fast`].
    fn update(&mut self, x: &mut DVector<f64>, g: &DVector<f64>);
    /// The buffer the gradient is evaluated into (owned by the optimizer to avoid allocation).
    fn grad_buffer(&mut self) -> &mut DVector<f64>;
}

/// What went wrong in a step that could not be taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StepError {
    /// Newton needs second derivatives and the objective has none.
    #[error("this objective has no Hessian")]
    NoHessian,
    /// The (damped) Hessian could not be inverted.
    #[error("the Hessian is singular")]
    SingularHessian,
}

/// What a step did.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepInfo {
    /// Loss the oracle reported at the point the step started from.
    pub loss: f64,
    /// Number of oracle evaluations the step used.
    pub evaluations: usize,
}

/// One update of the parameters. Optimizers are plain data, so the runs of a simulation can
/// step on different threads.
pub trait Optimizer: Tunable + Send + dyn_clone::DynClone {
    /// Moves x by one step of the method.
    fn step(
        &mut self,
        x: &mut DVector<f64>,
        oracle: &mut dyn Oracle,
    ) -> Result<StepInfo, StepError>;
}

dyn_clone::clone_trait_object!(Optimizer);

impl<T: FirstOrder + Send + Clone> Optimizer for T {
    fn step(
        &mut self,
        x: &mut DVector<f64>,
        oracle: &mut dyn Oracle,
    ) -> Result<StepInfo, StepError> {
        let mut g = std::mem::take(self.grad_buffer());
        if g.len() != x.len() {
            g = DVector::zeros(x.len());
        }
        let loss = oracle.eval(x, &mut g);
        // The update inlines into a function compiled for this CPU's best instructions.
        crate::numerics::cpu::fast(
            #[inline(always)]
            || self.update(x, &g),
        );
        *self.grad_buffer() = g;
        Ok(StepInfo {
            loss,
            evaluations: 1,
        })
    }
}

/// What an optimizer's parameter struct tells the rest of optiviz: its learning rate, its
/// update rule as on a slide, what it needs of the objective, its checks, the optimizer it
/// builds and its knobs for the editor. Each optimizer implements it in its own file; the
/// registry below makes it a variant of [`OptimizerSpec`].
pub trait Method {
    /// The base learning rate.
    fn lr(&self) -> f64;
    /// Sets the base learning rate.
    fn set_lr(&mut self, lr: f64);
    /// The update rule, as on the slide (shown in the app's tooltip).
    fn rule(&self) -> &'static str;
    /// What the optimizer evaluates.
    fn needs(&self) -> Needs {
        Needs::Gradient
    }
    /// Checks ranges (torch's checks, plus finiteness); errors name the field.
    fn validate(&self) -> Result<(), ParamError>;
    /// A fresh optimizer with these (validated) hyperparameters.
    fn build(&self) -> Box<dyn Optimizer>;
    /// The same for a parameter vector with this layout; only the methods that depend on
    /// shapes (Adafactor, Muon) read it.
    fn build_for(&self, layout: &ParamLayout) -> Box<dyn Optimizer> {
        let _ = layout;
        self.build()
    }
    /// Lists every hyperparameter but the learning rate to an editor, in display order.
    fn knobs(&mut self, k: &mut dyn Knobs);
    /// After an edit (`before` is the value it started from), puts combinations torch would
    /// reject right again (SGD: nesterov needs momentum and no dampening).
    fn edited(&mut self, before: &Self)
    where
        Self: Sized,
    {
        let _ = before;
    }
    /// The plain momentum parameter, if the optimizer has one (torch's SGD and RMSprop).
    fn momentum_mut(&mut self) -> Option<&mut f64> {
        None
    }
}

/// The registry: one line per optimizer makes its parameter struct a variant of
/// [`OptimizerSpec`] (the name in presets is the variant's) and puts it in the menus.
macro_rules! registry {
    ($($(#[$doc:meta])* $variant:ident($params:ty),)*) => {
        /// Every optimizer with its hyperparameters, as written in a preset. Variant names
        /// follow torch.optim's class names.
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        #[allow(
            clippy::upper_case_acronyms,
            reason = "names match torch.optim's classes"
        )]
        pub enum OptimizerSpec {
            $($(#[$doc])* $variant($params),)*
        }

        impl OptimizerSpec {
            /// Every kind with default hyperparameters, in menu order.
            #[must_use]
            pub fn all_defaults() -> Vec<Self> {
                vec![$(Self::$variant(<$params>::default()),)*]
            }

            /// The name as written in presets (torch's class name where there is one).
            #[must_use]
            pub fn name(&self) -> &'static str {
                match self {
                    $(Self::$variant(_) => stringify!($variant),)*
                }
            }

            /// The parameters behind the common interface.
            fn method(&self) -> &dyn Method {
                match self {
                    $(Self::$variant(p) => p,)*
                }
            }

            /// The same, mutable.
            fn method_mut(&mut self) -> &mut dyn Method {
                match self {
                    $(Self::$variant(p) => p,)*
                }
            }

            /// Edits the hyperparameters through `k` (all but the learning rate), then puts
            /// combinations torch would reject right again.
            pub fn knobs(&mut self, k: &mut dyn Knobs) {
                match self {
                    $(Self::$variant(p) => {
                        let before = p.clone();
                        p.knobs(k);
                        p.edited(&before);
                    })*
                }
            }
        }
    };
}

registry! {
    /// Plain gradient descent: SGD without momentum.
    GD(GdParams),
    /// torch.optim.SGD (momentum, dampening, nesterov, weight decay).
    SGD(SgdParams),
    /// Nesterov's accelerated gradient, the course's form with the n/(n+3) schedule.
    NAG(NagParams),
    /// torch.optim.Adagrad.
    Adagrad(AdagradParams),
    /// torch.optim.RMSprop.
    RMSprop(RmsPropParams),
    /// torch.optim.Adam.
    Adam(AdamParams),
    /// torch.optim.AdamW.
    AdamW(AdamWParams),
    /// torch.optim.NAdam.
    NAdam(NAdamParams),
    /// torch.optim.RAdam.
    RAdam(RAdamParams),
    /// torch.optim.Adadelta.
    Adadelta(AdadeltaParams),
    /// torch.optim.Adamax.
    Adamax(AdamaxParams),
    /// torch.optim.Rprop.
    Rprop(RpropParams),
    /// Jacobs' delta-bar-delta: per-coordinate rates, raised additively, cut multiplicatively.
    DeltaBarDelta(DeltaBarDeltaParams),
    /// torch.optim.ASGD.
    ASGD(AsgdParams),
    /// Lion (sign of an interpolated momentum), as lion-pytorch.
    Lion(LionParams),
    /// Schedule-Free AdamW, as the schedulefree package's AdamWScheduleFree.
    ScheduleFreeAdamW(ScheduleFreeAdamWParams),
    /// Schedule-Free SGD, as the schedulefree package's SGDScheduleFree.
    ScheduleFreeSGD(ScheduleFreeSgdParams),
    /// torch.optim.Adafactor.
    Adafactor(AdafactorParams),
    /// torch.optim.Muon (with an AdamW for what is not a hidden weight matrix).
    Muon(MuonParams),
    /// Newton's method, optionally damped.
    Newton(NewtonParams),
    /// BFGS with a dense inverse-Hessian approximation.
    BFGS(BfgsParams),
    /// Nonlinear conjugate gradient (Fletcher-Reeves, Polak-Ribiere(+)) with restarts.
    CG(CgParams),
    /// torch.optim.LBFGS.
    LBFGS(LbfgsParams),
}

impl Default for OptimizerSpec {
    fn default() -> Self {
        Self::GD(GdParams::default())
    }
}

/// What an optimizer asks of the objective beyond the gradient.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Needs {
    /// Gradient at the current point only.
    Gradient,
    /// Gradient at other points too (look-ahead or line search), within the same step.
    GradientElsewhere,
    /// The Hessian.
    Hessian,
}

impl OptimizerSpec {
    /// The base learning rate.
    #[must_use]
    pub fn lr(&self) -> f64 {
        self.method().lr()
    }

    /// Sets the base learning rate.
    pub fn set_lr(&mut self, lr: f64) {
        self.method_mut().set_lr(lr);
    }

    /// The constant momentum a momentum schedule can warm up to: SGD's `momentum` when it is
    /// not 0, NAG's `Constant(mu)`; `None` for every other method.
    #[must_use]
    pub fn momentum(&self) -> Option<f64> {
        match self {
            Self::SGD(p) => (p.momentum != 0.0).then_some(p.momentum),
            Self::NAG(NagParams {
                momentum: NagMomentum::Constant(mu),
                ..
            }) => Some(*mu),
            _ => None,
        }
    }

    /// What the optimizer evaluates.
    #[must_use]
    pub fn needs(&self) -> Needs {
        self.method().needs()
    }

    /// The update rule, as on the slide.
    #[must_use]
    pub fn update_rule(&self) -> &'static str {
        self.method().rule()
    }

    /// Checks ranges as torch does (plus finiteness); errors name the field.
    pub fn validate(&self) -> Result<(), ParamError> {
        self.method().validate()
    }

    /// A fresh optimizer, after validation, for the 2-D view's point (the 1 x 2 matrix
    /// [[x, y]], see [`ParamLayout::point`]).
    pub fn build(&self) -> Result<Box<dyn Optimizer>, ParamError> {
        self.build_for(&ParamLayout::point())
    }

    /// A fresh optimizer, after validation, for a parameter vector with this layout (the
    /// MLP's weight matrices and biases).
    pub fn build_for(&self, layout: &ParamLayout) -> Result<Box<dyn Optimizer>, ParamError> {
        let m = self.method();
        m.validate()?;
        Ok(m.build_for(layout))
    }

    /// The plain momentum parameter, if the optimizer has one (torch's SGD and RMSprop).
    pub fn momentum_mut(&mut self) -> Option<&mut f64> {
        self.method_mut().momentum_mut()
    }
}

// ---------------------------------------------------------------------------------------------
// Shared helpers. Arithmetic follows ATen's CPU kernels operation by operation, so results
// agree with torch to the last bit: its `add_(x, alpha)`, `addcmul_` and `lerp_` kernels are
// compiled to fused multiply-adds (measured against torch 2.15 on x86-64), `addcdiv_` is not.

/// a * b + c with one rounding, as torch's fused CPU kernels compute it.
#[inline(always)]
pub(crate) fn fma(a: f64, b: f64, c: f64) -> f64 {
    a.mul_add(b, c)
}

/// torch.lerp: `a + w (b - a)` for |w| < 0.5, else `b + (w - 1)(b - a)`, each fused.
#[inline(always)]
pub(crate) fn lerp(a: f64, b: f64, w: f64) -> f64 {
    if w.abs() < 0.5 {
        fma(w, b - a, a)
    } else {
        fma(w - 1.0, b - a, b)
    }
}

/// torch's `clamp(min=lo)`: max(v, lo), NaN staying NaN (`f64::max` would drop it).
#[inline(always)]
pub(crate) fn clamp_min(v: f64, lo: f64) -> f64 {
    if v < lo { lo } else { v }
}

/// base^t along growing exponents t (a bias correction's beta^t): once it has underflowed to
/// zero it stays zero, and powf, slow on that underflow, is not called again. For a base in
/// (0, 1) pow falls with t, so the values are powf's own, bit for bit.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct DecayingPower {
    /// The base and the exponent at which powf first gave zero.
    zero_from: Option<(f64, f64)>,
}

impl DecayingPower {
    /// base.powf(t), for t not smaller than at the previous call.
    pub(crate) fn powf(&mut self, base: f64, t: f64) -> f64 {
        if let Some((b, t0)) = self.zero_from
            && b == base
            && t >= t0
        {
            return 0.0;
        }
        let v = base.powf(t);
        if v == 0.0 && base > 0.0 && base < 1.0 && t > 0.0 {
            self.zero_from = Some((base, t));
        }
        v
    }
}

/// Makes sure a state vector has length n (allocates only on the first step).
pub(crate) fn ensure_len(v: &mut DVector<f64>, n: usize, fill: f64) -> bool {
    if v.len() == n {
        false
    } else {
        *v = DVector::from_element(n, fill);
        true
    }
}

/// Dot product in index order (as torch's scalar dot for small vectors).
#[inline]
pub(crate) fn dot(a: &DVector<f64>, b: &DVector<f64>) -> f64 {
    a.iter().zip(b.iter()).map(|(x, y)| x * y).sum()
}

/// max_i |v_i|.
#[inline]
pub(crate) fn max_abs(v: &DVector<f64>) -> f64 {
    v.iter().fold(0.0_f64, |m, x| {
        if x.abs() > m || x.is_nan() {
            x.abs()
        } else {
            m
        }
    })
}

pub(crate) use crate::numerics::checks::{beta, count_in, finite, non_negative, positive};

#[cfg(test)]
pub(crate) mod testing {
    //! Oracles for tests: closed-form objectives in any dimension.
    use super::Oracle;
    use nalgebra::{DMatrix, DVector};

    /// f(x) = 1/2 x' A x - b' x.
    pub struct QuadraticOracle {
        pub a: DMatrix<f64>,
        pub b: DVector<f64>,
        pub evaluations: usize,
    }

    impl QuadraticOracle {
        pub fn new(a: DMatrix<f64>, b: DVector<f64>) -> Self {
            Self {
                a,
                b,
                evaluations: 0,
            }
        }

        pub fn diagonal(d: &[f64]) -> Self {
            let n = d.len();
            Self::new(
                DMatrix::from_diagonal(&DVector::from_column_slice(d)),
                DVector::zeros(n),
            )
        }
    }

    impl Oracle for QuadraticOracle {
        fn eval(&mut self, x: &DVector<f64>, grad: &mut DVector<f64>) -> f64 {
            self.evaluations += 1;
            let ax = &self.a * x;
            grad.copy_from(&(&ax - &self.b));
            0.5 * x.dot(&ax) - self.b.dot(x)
        }
        fn hessian(&mut self, _x: &DVector<f64>, hess: &mut DMatrix<f64>) -> bool {
            hess.copy_from(&self.a);
            true
        }
    }

    /// Rosenbrock in 2-D, for the quasi-Newton methods.
    pub struct RosenbrockOracle;

    impl Oracle for RosenbrockOracle {
        fn eval(&mut self, x: &DVector<f64>, grad: &mut DVector<f64>) -> f64 {
            let (a, b) = (x[0], x[1]);
            let w = b - a * a;
            grad[0] = -2.0 * (1.0 - a) - 400.0 * a * w;
            grad[1] = 200.0 * w;
            (1.0 - a).powi(2) + 100.0 * w * w
        }
        fn hessian(&mut self, x: &DVector<f64>, hess: &mut DMatrix<f64>) -> bool {
            hess[(0, 0)] = 2.0 - 400.0 * (x[1] - 3.0 * x[0] * x[0]);
            hess[(0, 1)] = -400.0 * x[0];
            hess[(1, 0)] = -400.0 * x[0];
            hess[(1, 1)] = 200.0;
            true
        }
    }

    pub fn v(x: &[f64]) -> DVector<f64> {
        DVector::from_column_slice(x)
    }

    pub fn assert_close(a: &DVector<f64>, b: &[f64], tol: f64) {
        for (i, (x, y)) in a.iter().zip(b).enumerate() {
            assert!(
                (x - y).abs() <= tol * (1.0 + y.abs()),
                "component {i}: got {x:.17e}, expected {y:.17e} (all: {a:?})"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::DecayingPower;

    #[test]
    fn a_decaying_power_is_powf_bit_for_bit_across_the_underflow() {
        // NAdam's 0.96^(t psi) for psi = 0.004 and psi = 0.1, and the betas presets use; each
        // past its first zero by a long way and at a few huge exponents.
        let cases: [(f64, f64); 7] = [
            (0.9, 1.0),
            (0.99, 1.0),
            (0.999, 1.0),
            (0.5, 1.0),
            (0.96, 0.004),
            (0.96, 0.1),
            (1e-3, 1.0),
        ];
        for (base, scale) in cases {
            let mut power = DecayingPower::default();
            let first_zero = (1..i32::MAX)
                .find(|&t| base.powf(f64::from(t) * scale) == 0.0)
                .unwrap();
            let ts = (1..first_zero + 200_000).chain([1 << 30, i32::MAX]);
            for t in ts {
                let t = f64::from(t) * scale;
                assert_eq!(
                    power.powf(base, t).to_bits(),
                    base.powf(t).to_bits(),
                    "{base}^{t}"
                );
            }
            assert!(power.zero_from.is_some(), "{base}: underflowed");
        }
        // A base that never underflows is never cached.
        let mut power = DecayingPower::default();
        assert_eq!(power.powf(1.0, 1e9), 1.0);
        assert!(power.zero_from.is_none());
    }
}
