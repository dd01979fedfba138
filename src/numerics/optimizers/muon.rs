//! Muon, as torch.optim.Muon: momentum, orthogonalised by a Newton-Schulz iteration, for the
//! hidden weight matrices; an AdamW for everything else, as torch's documentation advises.
//!
//! m <- momentum m + (1 - momentum) g                 (torch's lerp: an average, not a sum)
//! u = g + momentum (m - g) if nesterov, else m
//! O = NS_k(u / max(|u|_F, eps)):  k times  X <- a X + (b X X' + c (X X')^2) X
//! x <- x (1 - lr weight_decay) - lr adjust(rows, cols) O
//! adjust: original sqrt(max(1, rows/cols)), match_rms_adamw 0.2 sqrt(max(rows, cols)),
//! spectral_unclamped sqrt(rows/cols). The iteration runs in bfloat16, as torch's does
//! (`ns_dtype: Float64` is the same iteration in float64; see `newton_schulz.rs`).
//!
//! What Muon updates is decided by the [`ParamLayout`]: its hidden weight matrices. The biases
//! and the first and last layers' weights go to the AdamW in `adamw` (the course's addition:
//! torch leaves that second optimizer to the user); a schedule scales both learning rates by
//! the same factor. The 2-D view's point is the 1 x 2 matrix [[x, y]], whose orthogonalisation
//! is its direction times phi_k(1) (0.696 for the defaults): Muon there is normalised momentum,
//! a step of constant length lr phi_k(1) along u / |u|.
//! Defaults (torch): lr = 1e-3, weight_decay = 0.1, momentum = 0.95, nesterov = true,
//! ns_coefficients = (3.4445, -4.775, 2.0315), eps = 1e-7, ns_steps = 5,
//! adjust_lr_fn = None (original). Reference: Jordan et al., "Muon: An optimizer for hidden
//! layers in neural networks", 2024, <https://kellerjordan.github.io/posts/muon/>;
//! <https://pytorch.org/docs/stable/generated/torch.optim.Muon.html>.

use super::adam::{Adam, AdamWParams};
use super::knobs::{Knobs, Real, Scale};
use super::layout::{Block, BlockKind, ParamLayout};
use super::newton_schulz::{Iteration, Precision, Workspace};
use super::{
    FirstOrder, Method, Optimizer, Tunable, ensure_len, finite, fma, lerp, non_negative, positive,
};
use crate::numerics::ParamError;
use nalgebra::DVector;
use serde::{Deserialize, Serialize};

pub(crate) const RULE: &str =
    "m <- momentum m + (1 - momentum) g     u = nesterov ? g + momentum (m - g) : m
O = NS_5(u / |u|):  X <- a X + (b X X' + c (X X')^2) X     (bfloat16, as torch)
x <- x (1 - lr wd) - lr adjust(shape) O
2-D: [[x, y]] is 1 x 2, so O = phi u/|u|: normalised momentum, steps of length phi lr
     (phi = 0.696 for the default coefficients and 5 steps)
MLP: hidden weight matrices only; biases, first and last layers: AdamW (adamw_*)";

/// torch's `adjust_lr_fn`: how the step is scaled by the matrix's shape.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum AdjustLr {
    /// "original" (torch's default, `None`): sqrt(max(1, rows / cols)), Keller Jordan's.
    #[default]
    Original,
    /// "match_rms_adamw": 0.2 sqrt(max(rows, cols)), so AdamW's lr and weight decay carry over.
    MatchRmsAdamW,
    /// "spectral_unclamped": sqrt(rows / cols), Bernstein's.
    SpectralUnclamped,
}

impl AdjustLr {
    /// The factor on lr for a rows x cols matrix, as torch computes it.
    fn ratio(self, rows: usize, cols: usize) -> f64 {
        let (a, b) = (rows as f64, cols as f64);
        match self {
            Self::Original => (a / b).max(1.0).sqrt(),
            Self::MatchRmsAdamW => 0.2 * a.max(b).sqrt(),
            Self::SpectralUnclamped => (a / b).sqrt(),
        }
    }
}

/// The precision of the Newton-Schulz iteration (the course's addition: torch always uses
/// bfloat16).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum NsDtype {
    /// torch's: float32 arithmetic rounded to bfloat16 after every operation.
    #[default]
    BFloat16,
    /// The same iteration in float64.
    Float64,
}

/// torch.optim.Muon's parameters, with the AdamW for what Muon does not update.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MuonParams {
    /// Learning rate.
    pub lr: f64,
    /// Decoupled weight decay: x <- x (1 - lr * weight_decay).
    pub weight_decay: f64,
    /// The momentum average's decay rate.
    pub momentum: f64,
    /// Orthogonalise the Nesterov look-ahead g + momentum (m - g) instead of m.
    pub nesterov: bool,
    /// (a, b, c) of the Newton-Schulz quintic.
    pub ns_coefficients: (f64, f64, f64),
    /// Floor of the momentum's norm before the iteration.
    pub eps: f64,
    /// Newton-Schulz iterations.
    pub ns_steps: usize,
    /// How the step is scaled by the matrix's shape.
    pub adjust_lr_fn: AdjustLr,
    /// Precision of the iteration (course).
    pub ns_dtype: NsDtype,
    /// The AdamW of biases and the first and last layers' weights (course; MLP only).
    pub adamw: AdamWParams,
}

impl Default for MuonParams {
    fn default() -> Self {
        Self {
            lr: 1e-3,
            weight_decay: 0.1,
            momentum: 0.95,
            nesterov: true,
            ns_coefficients: (3.4445, -4.775, 2.0315),
            eps: 1e-7,
            ns_steps: 5,
            adjust_lr_fn: AdjustLr::Original,
            ns_dtype: NsDtype::BFloat16,
            adamw: AdamWParams::default(),
        }
    }
}

impl MuonParams {
    /// Checks ranges as torch does (momentum, weight decay >= 0, fewer than 100 steps), plus
    /// finiteness, eps >= 0 and the AdamW's own checks.
    pub fn validate(&self) -> Result<(), ParamError> {
        positive("lr", self.lr)?;
        non_negative("weight_decay", self.weight_decay)?;
        non_negative("momentum", self.momentum)?;
        let (a, b, c) = self.ns_coefficients;
        finite("ns_coefficients.0", a)?;
        finite("ns_coefficients.1", b)?;
        finite("ns_coefficients.2", c)?;
        non_negative("eps", self.eps)?;
        if self.ns_steps >= 100 {
            return Err(ParamError::new(
                "ns_steps",
                format!("must be < 100 (torch's limit), got {}", self.ns_steps),
            ));
        }
        self.adamw.validate().map_err(|e| e.within("adamw"))
    }

    fn iteration(&self) -> Iteration {
        Iteration {
            coefficients: self.ns_coefficients,
            steps: self.ns_steps,
            eps: self.eps,
            precision: match self.ns_dtype {
                NsDtype::BFloat16 => Precision::BFloat16,
                NsDtype::Float64 => Precision::Float64,
            },
        }
    }
}

/// Muon state, with the AdamW of the other parameters.
#[derive(Clone, Debug)]
pub struct Muon {
    p: MuonParams,
    /// lr as built: a schedule's factor is lr / base_lr, applied to the AdamW's lr too.
    base_lr: f64,
    layout: ParamLayout,
    /// The hidden weight matrices (Muon's).
    hidden: Vec<Block>,
    /// Indices of the rest (the AdamW's).
    rest: Vec<usize>,
    adamw: Adam,
    rest_x: DVector<f64>,
    rest_g: DVector<f64>,
    /// Muon's momentum buffer at its entries, the AdamW's first moment elsewhere.
    momentum: DVector<f64>,
    /// The matrix being orthogonalised, and the result.
    input: Vec<f64>,
    ortho: Vec<f64>,
    ns: Workspace,
    started: bool,
    grad: DVector<f64>,
}

impl Muon {
    /// A fresh optimizer for a vector with this layout.
    #[must_use]
    pub fn new(p: &MuonParams, layout: &ParamLayout) -> Self {
        Self {
            p: p.clone(),
            base_lr: p.lr,
            layout: layout.clone(),
            hidden: Vec::new(),
            rest: Vec::new(),
            adamw: Adam::new(&p.adamw.as_adam(), true),
            rest_x: DVector::zeros(0),
            rest_g: DVector::zeros(0),
            momentum: DVector::zeros(0),
            input: Vec::new(),
            ortho: Vec::new(),
            ns: Workspace::default(),
            started: false,
            grad: DVector::zeros(0),
        }
    }

    /// Splits a vector of length n between Muon and the AdamW (the first step).
    fn size(&mut self, n: usize) {
        let blocks = self.layout.blocks(n);
        self.hidden = blocks
            .iter()
            .copied()
            .filter(|b| b.kind == BlockKind::HiddenMatrix)
            .collect();
        self.rest = blocks
            .iter()
            .filter(|b| b.kind != BlockKind::HiddenMatrix)
            .flat_map(Block::range)
            .collect();
        let largest = self.hidden.iter().map(Block::len).max().unwrap_or(0);
        self.input = vec![0.0; largest];
        self.ortho = vec![0.0; largest];
        ensure_len(&mut self.momentum, n, 0.0);
        ensure_len(&mut self.rest_x, self.rest.len(), 0.0);
        ensure_len(&mut self.rest_g, self.rest.len(), 0.0);
    }
}

impl Tunable for Muon {
    fn lr(&self) -> f64 {
        self.p.lr
    }
    fn set_lr(&mut self, lr: f64) {
        self.p.lr = lr;
        self.adamw.set_lr(self.p.adamw.lr * (lr / self.base_lr));
    }
    fn velocity(&self) -> Option<&DVector<f64>> {
        self.started.then_some(&self.momentum)
    }
}

impl FirstOrder for Muon {
    #[inline(always)]
    fn update(&mut self, x: &mut DVector<f64>, g: &DVector<f64>) {
        let n = x.len();
        if self.momentum.len() != n || !self.started {
            self.size(n);
        }
        self.started = true;
        let it = self.p.iteration();
        let (lr, mu, nesterov) = (self.p.lr, self.p.momentum, self.p.nesterov);
        let decay = 1.0 - lr * self.p.weight_decay;
        for b in &self.hidden {
            let (input, ortho) = (&mut self.input[..b.len()], &mut self.ortho[..b.len()]);
            for (k, u) in b.range().zip(input.iter_mut()) {
                let m = lerp(self.momentum[k], g[k], 1.0 - mu);
                self.momentum[k] = m;
                *u = if nesterov { lerp(g[k], m, mu) } else { m };
            }
            self.ns.orthogonalize(&it, input, b.rows, b.cols, ortho);
            let adjusted_lr = lr * self.p.adjust_lr_fn.ratio(b.rows, b.cols);
            for (k, &o) in b.range().zip(ortho.iter()) {
                x[k] *= decay;
                x[k] = fma(-adjusted_lr, o, x[k]);
            }
        }
        if !self.rest.is_empty() {
            for (j, &k) in self.rest.iter().enumerate() {
                self.rest_x[j] = x[k];
                self.rest_g[j] = g[k];
            }
            self.adamw.update(&mut self.rest_x, &self.rest_g);
            let exp_avg = self.adamw.velocity();
            for (j, &k) in self.rest.iter().enumerate() {
                x[k] = self.rest_x[j];
                self.momentum[k] = exp_avg.map_or(0.0, |m| m[j]);
            }
        }
    }
    fn grad_buffer(&mut self) -> &mut DVector<f64> {
        &mut self.grad
    }
}

impl Method for MuonParams {
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
        Box::new(Muon::new(self, layout))
    }

    #[allow(clippy::too_many_lines, reason = "one call per knob, in display order")]
    fn knobs(&mut self, k: &mut dyn Knobs) {
        let d = Self::default();
        k.real(
            Real {
                name: "momentum",
                range: 0.0..=0.999,
                scale: Scale::Linear,
                default: d.momentum,
                help: "Decay rate of the momentum average m (torch's lerp: m <- m + (1 - momentum)(g - m)).",
            },
            &mut self.momentum,
        );
        k.flag(
            "nesterov",
            &mut self.nesterov,
            d.nesterov,
            "Orthogonalise the look-ahead g + momentum (m - g) instead of m.",
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
        k.count(
            "ns_steps",
            &mut self.ns_steps,
            0..=99,
            d.ns_steps,
            "Newton-Schulz iterations (0: the normalised momentum itself; torch allows < 100).",
        );
        let (a, b, c) = &mut self.ns_coefficients;
        for (name, value, range, default) in [
            ("ns a", a, -2.0..=6.0, d.ns_coefficients.0),
            ("ns b", b, -8.0..=2.0, d.ns_coefficients.1),
            ("ns c", c, -2.0..=4.0, d.ns_coefficients.2),
        ] {
            k.real(
                Real {
                    name,
                    range,
                    scale: Scale::Linear,
                    default,
                    help: "ns_coefficients (a, b, c): each step maps a singular value s to a s + b s^3 + c s^5 (cubic Newton-Schulz: 1.5, -0.5, 0).",
                },
                value,
            );
        }
        k.real(
            Real {
                name: "eps",
                range: 1e-16..=1.0,
                scale: Scale::Log,
                default: d.eps,
                help: "Floor of |u|_F when the momentum is normalised before the iteration.",
            },
            &mut self.eps,
        );
        let mut adjust = match self.adjust_lr_fn {
            AdjustLr::Original => 0,
            AdjustLr::MatchRmsAdamW => 1,
            AdjustLr::SpectralUnclamped => 2,
        };
        k.choice(
            "adjust_lr_fn",
            &mut adjust,
            &["original", "match_rms_adamw", "spectral_unclamped"],
            "lr times sqrt(max(1, rows/cols)), 0.2 sqrt(max(rows, cols)) or sqrt(rows/cols). The 2-D point is 1 x 2: 1, 0.28, 0.71.",
        );
        self.adjust_lr_fn = match adjust {
            1 => AdjustLr::MatchRmsAdamW,
            2 => AdjustLr::SpectralUnclamped,
            _ => AdjustLr::Original,
        };
        let mut dtype = usize::from(self.ns_dtype == NsDtype::Float64);
        k.choice(
            "ns_dtype",
            &mut dtype,
            &["bfloat16", "float64"],
            "Precision of the iteration: torch's bfloat16 (rounded after every operation) or float64.",
        );
        self.ns_dtype = if dtype == 1 {
            NsDtype::Float64
        } else {
            NsDtype::BFloat16
        };
        adamw_knobs(k, &mut self.adamw, &d.adamw);
    }
}

/// What the companion AdamW is for, on each of its knobs.
const ADAMW_HELP: &str = "MLP only: the AdamW that updates the biases and the first and last layers' weights (Muon takes the hidden weight matrices, as torch advises).";

/// The companion AdamW's knobs, named adamw_*.
fn adamw_knobs(k: &mut dyn Knobs, p: &mut AdamWParams, d: &AdamWParams) {
    for (name, value, range, scale, default) in [
        ("adamw_lr", &mut p.lr, 1e-5..=1.0, Scale::Log, d.lr),
        (
            "adamw_beta1",
            &mut p.betas.0,
            0.0..=0.9999,
            Scale::Linear,
            d.betas.0,
        ),
        (
            "adamw_beta2",
            &mut p.betas.1,
            0.0..=0.99999,
            Scale::Linear,
            d.betas.1,
        ),
        ("adamw_eps", &mut p.eps, 1e-16..=1.0, Scale::Log, d.eps),
        (
            "adamw_wd",
            &mut p.weight_decay,
            0.0..=1.0,
            Scale::LogFromZero { smallest: 1e-6 },
            d.weight_decay,
        ),
    ] {
        k.real(
            Real {
                name,
                range,
                scale,
                default,
                help: ADAMW_HELP,
            },
            value,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::OptimizerSpec;
    use super::super::layout::Block;
    use super::super::testing::{QuadraticOracle, assert_close, v};
    use super::*;

    fn phi(steps: usize) -> f64 {
        let (a, b, c) = (3.4445, -4.775, 2.0315);
        (0..steps).fold(1.0, |s: f64, _| a * s + b * s.powi(3) + c * s.powi(5))
    }

    #[test]
    fn in_2d_a_step_is_normalised_momentum_of_length_lr_phi() {
        let p = MuonParams {
            lr: 0.1,
            weight_decay: 0.0,
            ns_dtype: NsDtype::Float64,
            ..MuonParams::default()
        };
        let mut o = Muon::new(&p, &ParamLayout::point());
        let mut q = QuadraticOracle::diagonal(&[1.0, 10.0]);
        let mut x = v(&[1.0, 1.0]);
        // m = 0.05 g; Nesterov u = g + 0.95 (m - g), parallel to g = (1, 10).
        o.step(&mut x, &mut q).unwrap();
        let len = 101.0_f64.sqrt();
        let s = 0.1 * phi(5);
        assert_close(&x, &[1.0 - s / len, 1.0 - s * 10.0 / len], 1e-14);
        // Without Nesterov and with weight decay: x (1 - lr wd) - lr phi m/|m|.
        let p = MuonParams {
            lr: 0.1,
            weight_decay: 0.5,
            nesterov: false,
            ns_steps: 3,
            ns_dtype: NsDtype::Float64,
            ..MuonParams::default()
        };
        let mut o = Muon::new(&p, &ParamLayout::point());
        let mut x = v(&[3.0, -4.0]);
        let mut q = QuadraticOracle::diagonal(&[1.0, 1.0]);
        o.step(&mut x, &mut q).unwrap();
        let s = 0.1 * phi(3);
        assert_close(&x, &[3.0 * 0.95 - s * 0.6, -4.0 * 0.95 + s * 0.8], 1e-14);
    }

    #[test]
    fn the_adjustments_follow_torch() {
        assert_eq!(AdjustLr::Original.ratio(1, 2), 1.0);
        assert_eq!(AdjustLr::Original.ratio(8, 2), 2.0);
        assert_eq!(AdjustLr::MatchRmsAdamW.ratio(4, 16), 0.2 * 4.0);
        assert_eq!(AdjustLr::SpectralUnclamped.ratio(1, 4), 0.5);
    }

    #[test]
    fn everything_but_the_hidden_matrices_is_the_adamw_s() {
        // A 2 x 2 hidden matrix, then a bias of 2 and a 1 x 2 outer matrix.
        let layout = ParamLayout::new(vec![
            Block::matrix(0, 2, 2, BlockKind::HiddenMatrix),
            Block::vector(4, 2),
            Block::matrix(6, 1, 2, BlockKind::OuterMatrix),
        ]);
        let p = MuonParams {
            lr: 0.02,
            adamw: AdamWParams {
                lr: 0.01,
                ..AdamWParams::default()
            },
            ..MuonParams::default()
        };
        let d = [1.0, 2.0, 3.0, 4.0, 0.5, 1.5, 2.5, 3.5];
        let start = v(&[1.0, -1.0, 0.5, 2.0, 0.3, -0.2, 1.0, 1.0]);
        let mut muon = OptimizerSpec::Muon(p.clone()).build_for(&layout).unwrap();
        let mut adamw = Adam::new(&p.adamw.as_adam(), true);
        let (mut x, mut y) = (start.clone(), start.clone());
        let mut q = QuadraticOracle::diagonal(&d);
        let mut schedule = 1.0;
        for _ in 0..5 {
            // A schedule halves both learning rates each step.
            schedule *= 0.5;
            muon.set_lr(0.02 * schedule);
            adamw.set_lr(0.01 * schedule);
            muon.step(&mut x, &mut q).unwrap();
            adamw.step(&mut y, &mut q).unwrap();
        }
        for k in 4..8 {
            assert_eq!(x[k], y[k], "entry {k} is the AdamW's");
        }
        for k in 0..4 {
            assert!((x[k] - y[k]).abs() > 1e-6, "entry {k} is Muon's");
        }
    }

    #[test]
    fn validation_names_the_field() {
        let bad = |p: MuonParams| p.validate().unwrap_err().field;
        let d = MuonParams::default();
        assert_eq!(
            bad(MuonParams {
                ns_steps: 100,
                ..d.clone()
            }),
            "ns_steps"
        );
        assert_eq!(
            bad(MuonParams {
                ns_coefficients: (1.0, f64::INFINITY, 0.0),
                ..d.clone()
            }),
            "ns_coefficients.1"
        );
        assert_eq!(
            bad(MuonParams {
                momentum: -0.5,
                ..d.clone()
            }),
            "momentum"
        );
        assert_eq!(
            bad(MuonParams {
                adamw: AdamWParams {
                    lr: -1.0,
                    ..AdamWParams::default()
                },
                ..d
            }),
            "adamw.lr"
        );
    }
}
