//! Adafactor, as torch.optim.Adafactor: Adam's second moment at a fraction of its memory (a
//! matrix keeps only row and column statistics) and a step relative to the parameter's size.
//!
//! t <- t + 1;   beta2_t = 1 - t^beta2_decay;   rho = min(lr, 1/sqrt(t))
//! alpha = max(eps2, RMS(x)) rho;   x <- x (1 - lr weight_decay)
//! matrix (rows x cols):  r_i <- beta2_t r_i + (1 - beta2_t) mean_j g_ij^2
//!                        c_j <- beta2_t c_j + (1 - beta2_t) mean_i g_ij^2
//!                        v_ij = r_i c_j / max(mean_i r_i, eps1)
//! vector:                v <- beta2_t v + (1 - beta2_t) g^2
//! u = g / sqrt(max(v, eps1^2));   x <- x - alpha u / max(1, RMS(u) / d)
//! Everything is per tensor, as torch holds them (a block of the [`ParamLayout`]): the RMS of
//! x and of u, the statistics, matrix or vector. `eps1 = None` (torch's default) is the
//! machine epsilon of the dtype, 2^-52 in float64. The 2-D view's point is the 1 x 2 matrix
//! [[x, y]]: its one row statistic is the mean of the two column statistics and cancels, so
//! v_j = c_j, the unfactored rule (to rounding).
//! Defaults (torch): lr = 1e-2, beta2_decay = -0.8, eps = (None, 1e-3), d = 1,
//! weight_decay = 0. Reference: Shazeer & Stern, "Adafactor: Adaptive learning rates with
//! sublinear memory cost", ICML 2018;
//! <https://pytorch.org/docs/stable/generated/torch.optim.Adafactor.html>.

use super::knobs::{self, Knobs, Real, Scale};
use super::layout::{Block, ParamLayout};
use super::{
    FirstOrder, Method, Optimizer, Tunable, clamp_min, ensure_len, finite, fma, lerp, non_negative,
    positive,
};
use crate::numerics::ParamError;
use nalgebra::DVector;
use serde::{Deserialize, Serialize};

pub(crate) const RULE: &str =
    "rho = min(lr, 1/sqrt(t))    alpha = max(eps2, RMS(x)) rho    x <- x (1 - lr wd)
v <- v + t^beta2_decay (g^2 - v)       matrices: v_ij = r_i c_j / mean(r), from the
          row and column means r, c of g^2, averaged the same way
u = g / sqrt(max(v, eps1^2))           x <- x - alpha u / max(1, RMS(u) / d)";

/// torch.optim.Adafactor's parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AdafactorParams {
    /// Learning rate: the largest relative step size rho, and the factor of the weight decay.
    pub lr: f64,
    /// The second moment's averaging weight at step t is t^beta2_decay.
    pub beta2_decay: f64,
    /// (eps1, eps2): the floor of the second moment's square root (`None`: the machine epsilon
    /// of the dtype, torch's default), and the floor of RMS(x) in the step size.
    pub eps: (Option<f64>, f64),
    /// Clipping threshold: the update is scaled down when its RMS exceeds d.
    pub d: f64,
    /// Decoupled weight decay: x <- x (1 - lr * weight_decay) each step.
    pub weight_decay: f64,
    /// Ascend instead of descend.
    pub maximize: bool,
}

impl Default for AdafactorParams {
    fn default() -> Self {
        Self {
            lr: 1e-2,
            beta2_decay: -0.8,
            eps: (None, 1e-3),
            d: 1.0,
            weight_decay: 0.0,
            maximize: false,
        }
    }
}

impl AdafactorParams {
    /// Checks ranges as torch does (beta2_decay <= 0, eps >= 0, d >= 1), plus finiteness.
    pub fn validate(&self) -> Result<(), ParamError> {
        positive("lr", self.lr)?;
        finite("beta2_decay", self.beta2_decay)?;
        if self.beta2_decay > 0.0 {
            return Err(ParamError::new(
                "beta2_decay",
                format!("must be <= 0, got {}", self.beta2_decay),
            ));
        }
        if let Some(eps1) = self.eps.0 {
            non_negative("eps.0", eps1)?;
        }
        non_negative("eps.1", self.eps.1)?;
        finite("d", self.d)?;
        if self.d < 1.0 {
            return Err(ParamError::new(
                "d",
                format!("the clipping threshold must be >= 1, got {}", self.d),
            ));
        }
        non_negative("weight_decay", self.weight_decay)
    }
}

/// A block and where its row and column statistics start (matrices only).
#[derive(Clone, Copy, Debug)]
struct Tensor {
    block: Block,
    row: usize,
    col: usize,
}

/// Adafactor state.
#[derive(Clone, Debug)]
pub struct Adafactor {
    p: AdafactorParams,
    layout: ParamLayout,
    tensors: Vec<Tensor>,
    step: f64,
    /// The row statistics r of every matrix, one after the other.
    row_var: Vec<f64>,
    /// The column statistics c of every matrix.
    col_var: Vec<f64>,
    /// The unfactored second moment of the vectors (at their own indices).
    variance: DVector<f64>,
    /// The update u of the step being taken.
    update: DVector<f64>,
    eff: DVector<f64>,
    grad: DVector<f64>,
}

impl Adafactor {
    /// A fresh optimizer for a vector with this layout.
    #[must_use]
    pub fn new(p: &AdafactorParams, layout: &ParamLayout) -> Self {
        Self {
            p: p.clone(),
            layout: layout.clone(),
            tensors: Vec::new(),
            step: 0.0,
            row_var: Vec::new(),
            col_var: Vec::new(),
            variance: DVector::zeros(0),
            update: DVector::zeros(0),
            eff: DVector::zeros(0),
            grad: DVector::zeros(0),
        }
    }

    /// Sizes the state for a vector of length n (the first step).
    fn size(&mut self, n: usize) {
        let (mut rows, mut cols) = (0, 0);
        self.tensors = self
            .layout
            .blocks(n)
            .into_iter()
            .map(|block| {
                let t = Tensor {
                    block,
                    row: rows,
                    col: cols,
                };
                if block.is_matrix() {
                    rows += block.rows;
                    cols += block.cols;
                }
                t
            })
            .collect();
        self.row_var = vec![0.0; rows];
        self.col_var = vec![0.0; cols];
        ensure_len(&mut self.variance, n, 0.0);
        ensure_len(&mut self.update, n, 0.0);
        ensure_len(&mut self.eff, n, 0.0);
    }
}

impl Tunable for Adafactor {
    fn lr(&self) -> f64 {
        self.p.lr
    }
    fn set_lr(&mut self, lr: f64) {
        self.p.lr = lr;
    }
    /// alpha / max(1, RMS(u) / d) / sqrt(max(v, eps1^2)): what multiplies each gradient entry.
    fn effective_lr(&self) -> Option<&DVector<f64>> {
        (self.step > 0.0).then_some(&self.eff)
    }
}

/// Python's `max(a, b)`: a unless b is larger (so a NaN b gives a, as in torch's code).
fn py_max(a: f64, b: f64) -> f64 {
    if b > a { b } else { a }
}

/// The 2-norm of a slice, summed in index order.
fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

impl FirstOrder for Adafactor {
    #[inline(always)]
    fn update(&mut self, x: &mut DVector<f64>, g: &DVector<f64>) {
        let n = x.len();
        if self.update.len() != n || self.tensors.is_empty() {
            self.size(n);
        }
        self.step += 1.0;
        let Self {
            p,
            tensors,
            step,
            row_var,
            col_var,
            variance,
            update,
            eff,
            ..
        } = self;
        let sign = if p.maximize { -1.0 } else { 1.0 };
        let eps1 = p.eps.0.unwrap_or(f64::EPSILON);
        let one_minus_beta2 = step.powf(p.beta2_decay);
        let rho = p.lr.min(1.0 / step.powf(0.5));
        let (x, g, u) = (x.as_mut_slice(), g.as_slice(), update.as_mut_slice());
        for t in tensors.iter() {
            let b = t.block;
            let len = b.len() as f64;
            let alpha = py_max(p.eps.1, norm(&x[b.range()]) / len.powf(0.5)) * rho;
            if p.weight_decay != 0.0 {
                let decay = 1.0 - p.lr * p.weight_decay;
                x[b.range()].iter_mut().for_each(|xi| *xi *= decay);
            }
            // u holds the second-moment estimate v first.
            if b.is_matrix() {
                // As torch: each mean of g^2 is a vector norm squared over the count.
                let (rows, cols) = (b.rows, b.cols);
                for i in 0..rows {
                    let s: f64 = (0..cols).map(|j| g[b.index(i, j)].powi(2)).sum();
                    let mean = s.sqrt() * s.sqrt() / cols as f64;
                    row_var[t.row + i] = lerp(row_var[t.row + i], mean, one_minus_beta2);
                }
                for j in 0..cols {
                    let s: f64 = (0..rows).map(|i| g[b.index(i, j)].powi(2)).sum();
                    let mean = s.sqrt() * s.sqrt() / rows as f64;
                    col_var[t.col + j] = lerp(col_var[t.col + j], mean, one_minus_beta2);
                }
                let r = &row_var[t.row..t.row + rows];
                let r_mean = clamp_min(r.iter().sum::<f64>() / rows as f64, eps1);
                for j in 0..cols {
                    for (i, &ri) in r.iter().enumerate() {
                        u[b.index(i, j)] = ri * col_var[t.col + j] / r_mean;
                    }
                }
            } else {
                for k in b.range() {
                    let gk = sign * g[k];
                    variance[k] = lerp(variance[k], gk * gk, one_minus_beta2);
                    u[k] = variance[k];
                }
            }
            for k in b.range() {
                let rsqrt = 1.0 / clamp_min(u[k], eps1 * eps1).sqrt();
                eff[k] = rsqrt;
                u[k] = rsqrt * (sign * g[k]);
            }
            let denom = py_max(1.0, norm(&u[b.range()]) / (len.powf(0.5) * p.d));
            let step_size = -alpha / denom;
            for k in b.range() {
                x[k] = fma(step_size, u[k], x[k]);
                eff[k] *= alpha / denom;
            }
        }
    }
    fn grad_buffer(&mut self) -> &mut DVector<f64> {
        &mut self.grad
    }
}

impl Method for AdafactorParams {
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
        self.build_for(&ParamLayout::point())
    }

    fn build_for(&self, layout: &ParamLayout) -> Box<dyn Optimizer> {
        Box::new(Adafactor::new(self, layout))
    }

    fn knobs(&mut self, k: &mut dyn Knobs) {
        let d = Self::default();
        k.real(
            Real {
                name: "beta2_decay",
                range: -3.0..=0.0,
                scale: Scale::Linear,
                default: d.beta2_decay,
                help: "The second moment averages g^2 with weight t^beta2_decay at step t (0: no memory).",
            },
            &mut self.beta2_decay,
        );
        let mut manual = usize::from(self.eps.0.is_some());
        k.choice(
            "eps1",
            &mut manual,
            &["auto", "value"],
            "Floor of sqrt(v). auto: the machine epsilon of the dtype (2.2e-16), torch's default.",
        );
        match (&mut self.eps.0, manual == 1) {
            (Some(eps1), true) => k.real(
                Real {
                    name: "eps1 value",
                    range: 0.0..=1.0,
                    scale: Scale::LogFromZero { smallest: 1e-30 },
                    default: f64::EPSILON,
                    help: "Floor of sqrt(v), the second moment's square root.",
                },
                eps1,
            ),
            (e @ None, true) => *e = Some(f64::EPSILON),
            (e @ Some(_), false) => *e = None,
            (None, false) => {}
        }
        k.real(
            Real {
                name: "eps2",
                range: 0.0..=1.0,
                scale: Scale::LogFromZero { smallest: 1e-8 },
                default: d.eps.1,
                help: "Floor of RMS(x) in the step size alpha = max(eps2, RMS(x)) rho.",
            },
            &mut self.eps.1,
        );
        k.real(
            Real {
                name: "d",
                range: 1.0..=1e3,
                scale: Scale::Log,
                default: d.d,
                help: "Clipping threshold: the update u is scaled down to RMS(u) = d.",
            },
            &mut self.d,
        );
        k.real(
            Real {
                name: "weight_decay",
                range: 0.0..=1.0,
                scale: Scale::LogFromZero { smallest: 1e-6 },
                default: d.weight_decay,
                help: "Decoupled weight decay: x <- x (1 - lr * weight_decay) before the step.",
            },
            &mut self.weight_decay,
        );
        knobs::maximize(k, &mut self.maximize);
    }
}

#[cfg(test)]
mod tests {
    use super::super::layout::{Block, BlockKind};
    use super::super::testing::{QuadraticOracle, assert_close, v};
    use super::*;

    #[test]
    fn the_first_step_on_a_vector_moves_every_coordinate_by_rho_times_rms_x() {
        // t = 1: v = g^2, u = sign(g), RMS(u) = 1 = d: x <- x - min(lr, 1) RMS(x) sign(g).
        let p = AdafactorParams {
            lr: 0.1,
            ..AdafactorParams::default()
        };
        let layout = ParamLayout::new(vec![Block::vector(0, 2)]);
        let mut o = Adafactor::new(&p, &layout);
        let mut q = QuadraticOracle::diagonal(&[1.0, 10.0]);
        let mut x = v(&[3.0, -4.0]);
        o.step(&mut x, &mut q).unwrap();
        let rms = (12.5_f64).sqrt();
        assert_close(&x, &[3.0 - 0.1 * rms, -4.0 + 0.1 * rms], 1e-15);
        // t = 2: beta2_t = 1 - 2^-0.8, rho = min(0.1, 1/sqrt 2) = 0.1.
        let (x1, y1) = (x[0], x[1]);
        let g = [x1, 10.0 * y1];
        let w = 2.0_f64.powf(-0.8);
        let var = |g0: f64, g1: f64| (1.0 - w) * g0 * g0 + w * g1 * g1;
        let u = [g[0] / var(3.0, g[0]).sqrt(), g[1] / var(-40.0, g[1]).sqrt()];
        let rms_u = f64::midpoint(u[0] * u[0], u[1] * u[1]).sqrt();
        let alpha = 0.1 * f64::midpoint(x1 * x1, y1 * y1).sqrt();
        o.step(&mut x, &mut q).unwrap();
        let e = |xi: f64, ui: f64| xi - alpha * ui / rms_u.max(1.0);
        assert_close(&x, &[e(x1, u[0]), e(y1, u[1])], 1e-14);
    }

    #[test]
    fn a_matrix_s_second_moment_is_the_outer_product_of_its_row_and_column_means() {
        // One step on a 2 x 2 matrix (column-major) with g = x: v_ij = r_i c_j / mean(r).
        let p = AdafactorParams {
            lr: 0.05,
            d: 1e3,
            ..AdafactorParams::default()
        };
        let layout = ParamLayout::new(vec![Block::matrix(0, 2, 2, BlockKind::HiddenMatrix)]);
        let mut o = Adafactor::new(&p, &layout);
        let mut q = QuadraticOracle::diagonal(&[1.0; 4]);
        // [[1, 2], [3, 4]] column-major.
        let mut x = v(&[1.0, 3.0, 2.0, 4.0]);
        o.step(&mut x, &mut q).unwrap();
        let (r, c) = ([2.5, 12.5], [5.0, 10.0]);
        let r_mean = 7.5;
        let alpha = 0.05 * 7.5_f64.sqrt();
        let g = [[1.0, 2.0], [3.0, 4.0]];
        let mut expected = Vec::new();
        for j in 0..2 {
            for i in 0..2 {
                let var: f64 = r[i] * c[j] / r_mean;
                expected.push(g[i][j] - alpha * g[i][j] / var.sqrt());
            }
        }
        assert_close(&x, &expected, 1e-15);
    }

    #[test]
    fn the_step_is_clipped_to_rms_d_and_weight_decay_is_decoupled() {
        // A 1 x 1 matrix: u = sign(g) at step 1, RMS(u) = 1; d = 1 leaves it. wd shrinks x
        // by 1 - lr wd before the step, alpha from the x before the decay.
        let p = AdafactorParams {
            lr: 0.5,
            weight_decay: 0.2,
            ..AdafactorParams::default()
        };
        let mut o = Adafactor::new(&p, &ParamLayout::point());
        let mut q = QuadraticOracle::diagonal(&[1.0]);
        let mut x = v(&[2.0]);
        o.step(&mut x, &mut q).unwrap();
        assert_close(&x, &[2.0 * 0.9 - 0.5 * 2.0], 1e-15);
    }

    #[test]
    fn validation_names_the_field() {
        let bad = |p: AdafactorParams| p.validate().unwrap_err().field;
        let d = AdafactorParams::default();
        assert_eq!(
            bad(AdafactorParams {
                beta2_decay: 0.1,
                ..d.clone()
            }),
            "beta2_decay"
        );
        assert_eq!(
            bad(AdafactorParams {
                eps: (Some(-1.0), 1e-3),
                ..d.clone()
            }),
            "eps.0"
        );
        assert_eq!(
            bad(AdafactorParams {
                eps: (None, f64::NAN),
                ..d.clone()
            }),
            "eps.1"
        );
        assert_eq!(
            bad(AdafactorParams {
                d: 0.5,
                ..d.clone()
            }),
            "d"
        );
        assert_eq!(
            bad(AdafactorParams {
                weight_decay: -0.1,
                ..d
            }),
            "weight_decay"
        );
    }
}
