//! Newton's method, optionally damped.
//!
//! x <- x - lr * (H + damping * I)^{-1} grad f(x)
//! On a quadratic with lr = 1 and damping = 0 it lands on the minimiser in one step (rate 0).
//! Near a saddle it is attracted to the saddle: the Hessian's negative eigenvalue flips the
//! step. damping > 0 (Levenberg-Marquardt) blends towards gradient descent with step lr/damping.
//! Needs the Hessian. Defaults: lr = 1, damping = 0.
//! Reference: Nocedal & Wright, "Numerical Optimization", 2nd ed., chapter 3.3.

use super::knobs::{Knobs, Real, Scale};
use super::{
    Method, Needs, Optimizer, Oracle, StepError, StepInfo, Tunable, ensure_len, non_negative,
    positive,
};
use crate::numerics::ParamError;
use nalgebra::{DMatrix, DVector};
use serde::{Deserialize, Serialize};

pub(crate) const RULE: &str = "x <- x - lr * (H(x) + damping I)^-1 grad f(x)";

/// Parameters of Newton's method.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NewtonParams {
    /// Step length along the Newton direction (1: the full step).
    pub lr: f64,
    /// Levenberg-Marquardt damping added to the Hessian's diagonal.
    pub damping: f64,
}

impl Default for NewtonParams {
    fn default() -> Self {
        Self {
            lr: 1.0,
            damping: 0.0,
        }
    }
}

impl NewtonParams {
    /// Checks ranges.
    pub fn validate(&self) -> Result<(), ParamError> {
        positive("lr", self.lr)?;
        non_negative("damping", self.damping)
    }
}

/// Newton state (work buffers only).
#[derive(Clone, Debug)]
pub struct Newton {
    p: NewtonParams,
    grad: DVector<f64>,
    hess: DMatrix<f64>,
}

impl Newton {
    /// A fresh optimizer.
    #[must_use]
    pub fn new(p: &NewtonParams) -> Self {
        Self {
            p: p.clone(),
            grad: DVector::zeros(0),
            hess: DMatrix::zeros(0, 0),
        }
    }
}

impl Tunable for Newton {
    fn lr(&self) -> f64 {
        self.p.lr
    }
    fn set_lr(&mut self, lr: f64) {
        self.p.lr = lr;
    }
}

impl Optimizer for Newton {
    fn step(
        &mut self,
        x: &mut DVector<f64>,
        oracle: &mut dyn Oracle,
    ) -> Result<StepInfo, StepError> {
        let n = x.len();
        ensure_len(&mut self.grad, n, 0.0);
        if self.hess.nrows() != n {
            self.hess = DMatrix::zeros(n, n);
        }
        let loss = oracle.eval(x, &mut self.grad);
        if !oracle.hessian(x, &mut self.hess) {
            return Err(StepError::NoHessian);
        }
        for i in 0..n {
            self.hess[(i, i)] += self.p.damping;
        }
        solve_in_place(&mut self.hess, &mut self.grad)?;
        for i in 0..n {
            x[i] -= self.p.lr * self.grad[i];
        }
        Ok(StepInfo {
            loss,
            evaluations: 1,
        })
    }
}

/// Solves A z = b by Gaussian elimination with partial pivoting, overwriting b with z and A with
/// its factors. No allocation. A pivot below 1e-13 of the matrix's scale counts as singular.
pub(crate) fn solve_in_place(a: &mut DMatrix<f64>, b: &mut DVector<f64>) -> Result<(), StepError> {
    let n = b.len();
    let scale = a.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    if !scale.is_finite() || scale == 0.0 {
        return Err(StepError::SingularHessian);
    }
    for k in 0..n {
        let (mut piv, mut best) = (k, a[(k, k)].abs());
        for r in k + 1..n {
            if a[(r, k)].abs() > best {
                piv = r;
                best = a[(r, k)].abs();
            }
        }
        if best <= 1e-13 * scale {
            return Err(StepError::SingularHessian);
        }
        if piv != k {
            a.swap_rows(k, piv);
            b.swap_rows(k, piv);
        }
        for r in k + 1..n {
            let f = a[(r, k)] / a[(k, k)];
            if f != 0.0 {
                for c in k..n {
                    a[(r, c)] -= f * a[(k, c)];
                }
                b[r] -= f * b[k];
            }
        }
    }
    for k in (0..n).rev() {
        let mut s = b[k];
        for c in k + 1..n {
            s -= a[(k, c)] * b[c];
        }
        b[k] = s / a[(k, k)];
    }
    Ok(())
}

impl Method for NewtonParams {
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
        Box::new(Newton::new(self))
    }

    fn needs(&self) -> Needs {
        Needs::Hessian
    }

    fn knobs(&mut self, k: &mut dyn Knobs) {
        let d = Self::default();
        k.real(
            Real {
                name: "damping",
                range: 0.0..=100.0,
                scale: Scale::Linear,
                default: d.damping,
                help: "Levenberg-Marquardt damping added to the Hessian's diagonal.",
            },
            &mut self.damping,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{QuadraticOracle, RosenbrockOracle, assert_close, v};
    use super::*;

    #[test]
    fn one_step_on_a_quadratic() {
        let a = DMatrix::from_row_slice(2, 2, &[4.0, 1.0, 1.0, 0.01]);
        let mut q = QuadraticOracle::new(a.clone(), v(&[1.0, 2.0]));
        let mut o = Newton::new(&NewtonParams::default());
        let mut x = v(&[-3.0, 7.0]);
        o.step(&mut x, &mut q).unwrap();
        let star = a.lu().solve(&v(&[1.0, 2.0])).unwrap();
        assert_close(&x, star.as_slice(), 1e-12);
        // and stays there
        o.step(&mut x, &mut q).unwrap();
        assert_close(&x, star.as_slice(), 1e-12);
    }

    #[test]
    fn first_two_steps_damped() {
        // f = 1/2 (x^2 + 10 y^2), damping 1, lr 1: z = g / (l + 1) = x l / (l + 1)
        let mut q = QuadraticOracle::diagonal(&[1.0, 10.0]);
        let mut o = Newton::new(&NewtonParams {
            lr: 1.0,
            damping: 1.0,
        });
        let mut x = v(&[1.0, 1.0]);
        o.step(&mut x, &mut q).unwrap();
        assert_close(&x, &[0.5, 1.0 / 11.0], 1e-15);
        o.step(&mut x, &mut q).unwrap();
        assert_close(&x, &[0.25, 1.0 / 121.0], 1e-15);
    }

    #[test]
    fn rosenbrock_converges_and_singular_is_an_error() {
        let mut o = Newton::new(&NewtonParams::default());
        let mut x = v(&[-1.2, 1.0]);
        for _ in 0..10 {
            o.step(&mut x, &mut RosenbrockOracle).unwrap();
        }
        assert_close(&x, &[1.0, 1.0], 1e-10);
        let mut q = QuadraticOracle::diagonal(&[1.0, 0.0]);
        let mut x = v(&[1.0, 1.0]);
        assert_eq!(o.step(&mut x, &mut q), Err(StepError::SingularHessian));
    }
}
