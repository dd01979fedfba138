//! Nesterov's accelerated gradient, in the course's form.
//!
//! y_n = x_n + c_n (x_n - x_{n-1}),   x_{n+1} = y_n - lr * grad f(y_n),   x_{-1} = x_0
//! with c_n = n / (n + 3) (the accelerated schedule, n = 0, 1, ...) or a constant momentum.
//! The recorded iterate is x_n; the gradient is taken at the look-ahead point y_n.
//! With a constant momentum mu, the look-ahead points y_n are exactly the iterates of
//! torch.optim.SGD(momentum = mu, nesterov = True) with the same lr.
//! Defaults: lr = 1e-3, momentum = the n/(n+3) schedule.
//! References: Nesterov, "A method for solving the convex programming problem with convergence
//! rate O(1/k^2)", 1983; Su, Boyd, Candes, JMLR 2016 (the n/(n+3) form).

use super::knobs::{Knobs, Real, Scale};
use super::{
    Method, Needs, Optimizer, Oracle, StepError, StepInfo, Tunable, beta, ensure_len, positive,
};
use crate::numerics::ParamError;
use nalgebra::DVector;
use serde::{Deserialize, Serialize};

pub(crate) const RULE: &str =
    "y = x_n + c_n (x_n - x_{n-1})        c_n = n/(n+3)  (or a constant momentum)
x_{n+1} = y - lr * grad f(y)";

/// How the extrapolation weight c_n is chosen.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum NagMomentum {
    /// c_n = n / (n + 3): the accelerated O(1/n^2) schedule for convex problems.
    Accelerated,
    /// A constant c_n = mu (the strongly convex variant when mu = (sqrt(k)-1)/(sqrt(k)+1)).
    Constant(f64),
}

/// Parameters of Nesterov's accelerated gradient.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NagParams {
    /// Step size.
    pub lr: f64,
    /// Extrapolation schedule.
    pub momentum: NagMomentum,
}

impl Default for NagParams {
    fn default() -> Self {
        Self {
            lr: 1e-3,
            momentum: NagMomentum::Accelerated,
        }
    }
}

impl NagParams {
    /// Checks ranges.
    pub fn validate(&self) -> Result<(), ParamError> {
        positive("lr", self.lr)?;
        if let NagMomentum::Constant(mu) = self.momentum {
            beta("momentum.0", mu)?;
        }
        Ok(())
    }
}

/// Accelerated-gradient state.
#[derive(Clone, Debug)]
pub struct Nag {
    p: NagParams,
    n: u64,
    prev: DVector<f64>,
    look: DVector<f64>,
    grad: DVector<f64>,
    velocity: DVector<f64>,
}

impl Nag {
    /// A fresh optimizer.
    #[must_use]
    pub fn new(p: &NagParams) -> Self {
        Self {
            p: p.clone(),
            n: 0,
            prev: DVector::zeros(0),
            look: DVector::zeros(0),
            grad: DVector::zeros(0),
            velocity: DVector::zeros(0),
        }
    }

    /// The extrapolation weight of step n.
    fn weight(&self) -> f64 {
        match self.p.momentum {
            NagMomentum::Accelerated => self.n as f64 / (self.n as f64 + 3.0),
            NagMomentum::Constant(mu) => mu,
        }
    }
}

impl Tunable for Nag {
    fn lr(&self) -> f64 {
        self.p.lr
    }
    fn set_lr(&mut self, lr: f64) {
        self.p.lr = lr;
    }
    fn set_momentum(&mut self, momentum: f64) -> bool {
        match &mut self.p.momentum {
            NagMomentum::Constant(mu) => {
                *mu = momentum;
                true
            }
            NagMomentum::Accelerated => false,
        }
    }
    fn velocity(&self) -> Option<&DVector<f64>> {
        (self.n > 0).then_some(&self.velocity)
    }
}

impl Optimizer for Nag {
    fn step(
        &mut self,
        x: &mut DVector<f64>,
        oracle: &mut dyn Oracle,
    ) -> Result<StepInfo, StepError> {
        let n = x.len();
        if ensure_len(&mut self.prev, n, 0.0) || self.n == 0 {
            self.prev.copy_from(x);
        }
        ensure_len(&mut self.look, n, 0.0);
        ensure_len(&mut self.grad, n, 0.0);
        ensure_len(&mut self.velocity, n, 0.0);
        let c = self.weight();
        for i in 0..n {
            self.look[i] = x[i] + c * (x[i] - self.prev[i]);
        }
        let loss = oracle.eval(&self.look, &mut self.grad);
        for i in 0..n {
            self.prev[i] = x[i];
            x[i] = self.look[i] - self.p.lr * self.grad[i];
            self.velocity[i] = x[i] - self.prev[i];
        }
        self.n += 1;
        Ok(StepInfo {
            loss,
            evaluations: 1,
        })
    }
}

/// What NAG's extrapolation weight does.
const NAG_HELP: &str =
    "Extrapolation weight: n/(n+3) (accelerated for convex problems) or a constant.";

impl Method for NagParams {
    fn lr(&self) -> f64 {
        self.lr
    }

    fn set_lr(&mut self, lr: f64) {
        self.lr = lr;
    }

    fn rule(&self) -> &'static str {
        RULE
    }

    fn validate(&self) -> Result<(), ParamError> {
        Self::validate(self)
    }

    fn build(&self) -> Box<dyn Optimizer> {
        Box::new(Nag::new(self))
    }

    fn needs(&self) -> Needs {
        Needs::GradientElsewhere
    }

    fn knobs(&mut self, k: &mut dyn Knobs) {
        let mut constant = usize::from(matches!(self.momentum, NagMomentum::Constant(_)));
        k.choice(
            "momentum",
            &mut constant,
            &["n/(n+3)", "constant"],
            NAG_HELP,
        );
        match (&mut self.momentum, constant == 1) {
            (NagMomentum::Constant(mu), true) => k.real(
                Real {
                    name: "mu",
                    range: 0.0..=0.999,
                    scale: Scale::Linear,
                    default: 0.9,
                    help: NAG_HELP,
                },
                mu,
            ),
            (m @ NagMomentum::Accelerated, true) => *m = NagMomentum::Constant(0.9),
            (m @ NagMomentum::Constant(_), false) => *m = NagMomentum::Accelerated,
            (NagMomentum::Accelerated, false) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{QuadraticOracle, assert_close, v};
    use super::super::{Sgd, SgdParams};
    use super::*;
    use nalgebra::DMatrix;

    #[test]
    fn first_two_steps() {
        let mut o = Nag::new(&NagParams {
            lr: 0.1,
            ..NagParams::default()
        });
        let mut q = QuadraticOracle::diagonal(&[1.0, 10.0]);
        let mut x = v(&[1.0, 1.0]);
        // n = 0: c = 0, y = x0, x1 = x0 - 0.1 (1, 10) = (0.9, 0)
        o.step(&mut x, &mut q).unwrap();
        assert_close(&x, &[0.9, 0.0], 1e-15);
        // n = 1: c = 1/4, y = (0.9, 0) + 0.25 (-0.1, -1) = (0.875, -0.25)
        // x2 = y - 0.1 (0.875, -2.5) = (0.7875, 0)
        o.step(&mut x, &mut q).unwrap();
        assert_close(&x, &[0.7875, 0.0], 1e-15);
    }

    /// With constant momentum, NAG's look-ahead y_n is torch SGD(nesterov)'s iterate p_n, and
    /// NAG's x_{n+1} = p_n - lr grad f(p_n).
    #[test]
    fn constant_momentum_matches_torch_nesterov() {
        let a = DMatrix::from_row_slice(2, 2, &[3.0, 1.0, 1.0, 0.5]);
        let mut q = QuadraticOracle::new(a, v(&[0.3, -0.2]));
        let (lr, mu) = (0.2, 0.7);
        let mut nag = Nag::new(&NagParams {
            lr,
            momentum: NagMomentum::Constant(mu),
        });
        let mut sgd = Sgd::new(&SgdParams {
            lr,
            momentum: mu,
            nesterov: true,
            ..SgdParams::default()
        });
        let mut x = v(&[1.5, -1.0]);
        let mut p = x.clone();
        let mut g = v(&[0.0, 0.0]);
        for _ in 0..40 {
            use super::super::Optimizer as _;
            q.eval(&p, &mut g);
            let expected_next = &p - &g * lr;
            nag.step(&mut x, &mut q).unwrap();
            assert_close(&x, expected_next.as_slice(), 1e-12);
            sgd.step(&mut p, &mut q).unwrap();
        }
    }

    #[test]
    fn accelerated_rate_beats_gd_on_an_ill_conditioned_quadratic() {
        let mut q = QuadraticOracle::diagonal(&[1.0, 0.001]);
        let mut nag = Nag::new(&NagParams {
            lr: 1.0,
            ..NagParams::default()
        });
        let mut gd = Sgd::new(&SgdParams {
            lr: 1.0,
            ..SgdParams::default()
        });
        let (mut x, mut y) = (v(&[1.0, 1.0]), v(&[1.0, 1.0]));
        let mut g = v(&[0.0, 0.0]);
        for _ in 0..300 {
            use super::super::Optimizer as _;
            nag.step(&mut x, &mut q).unwrap();
            gd.step(&mut y, &mut q).unwrap();
        }
        let fx = q.eval(&x, &mut g);
        let fy = q.eval(&y, &mut g);
        assert!(fx < 0.1 * fy, "NAG f = {fx}, GD f = {fy}");
    }
}
