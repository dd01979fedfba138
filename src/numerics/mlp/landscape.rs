//! A two-dimensional slice of the loss landscape around the final weights, in the plane of
//! the run's own trajectory (Li et al., "Visualizing the Loss Landscape of Neural Nets",
//! NeurIPS 2018, section 7).
//!
//! With stored weight snapshots theta_0 .. theta_{m-1} and the final weights theta*:
//! D_i = theta_i - theta*; the directions d_1, d_2 are the first two principal directions of
//! the (centred) rows D_i, computed from the m x m Gram matrix (m is small, the parameter
//! count is not): G = D_c D_c', G u_k = l_k u_k, d_k = D_c' u_k / sqrt(l_k) (unit length,
//! orthogonal). The path is (alpha_i, beta_i) = (D_i . d_1, D_i . d_2), so theta* sits at the
//! origin; the slice is L(theta* + alpha d_1 + beta d_2) on an n x n grid covering the path
//! with a 25 % margin, L being the training objective (mean data loss over the training set
//! plus the weight penalty). `explained` gives l_k / sum l: how much of the path's spread the
//! plane shows.

use super::network::{Network, Workspace};
use nalgebra::{DMatrix, SymmetricEigen};

/// The loss on the plane through the final weights spanned by the trajectory's two
/// principal directions, with the projected path.
#[derive(Clone, Debug, PartialEq)]
pub struct LandscapeSlice {
    /// Range of alpha (first direction), left to right.
    pub alpha: (f64, f64),
    /// Range of beta (second direction), bottom to top.
    pub beta: (f64, f64),
    /// Grid side: `loss` holds n x n values.
    pub n: usize,
    /// Loss at (alpha_j, beta_i), row-major: index i * n + j, alpha_j = alpha.0 + j (alpha.1 -
    /// alpha.0) / (n - 1), beta_i likewise. Always finite (a non-finite value is replaced by
    /// the largest finite one).
    pub loss: Vec<f64>,
    /// (alpha, beta) of each snapshot, oldest first; the last is the final weights (0, 0).
    pub path: Vec<[f64; 2]>,
    /// The step of each path point.
    pub path_steps: Vec<usize>,
    /// Fraction of the path's variance along each direction.
    pub explained: [f64; 2],
    /// The two directions d_1, d_2 in parameter space (unit length, orthogonal).
    pub directions: [Vec<f64>; 2],
}

/// Most grid points per side.
pub const MAX_SIDE: usize = 201;

/// Computes the slice; `None` when the snapshots do not span a plane (fewer than three
/// distinct points, or all on a line).
#[must_use]
pub fn slice(
    net: &Network,
    final_params: &[f64],
    final_step: usize,
    snapshots: &[(usize, &[f64])],
    x: &DMatrix<f64>,
    y: &[f64],
    n: usize,
) -> Option<LandscapeSlice> {
    let mut builder = SliceBuilder::new(net, final_params, final_step, snapshots, n)?;
    while !builder.is_done() {
        builder.add_cell(net, x, y);
    }
    Some(builder.finish())
}

/// A [`slice()`] computed a grid cell at a time (each cell is a pass over the training set), so
/// that the app can spread it over frames; the finished slice is [`slice()`]'s.
#[derive(Clone, Debug)]
pub struct SliceBuilder {
    slice: LandscapeSlice,
    final_params: Vec<f64>,
    theta: Vec<f64>,
    ws: Workspace,
}

impl SliceBuilder {
    /// The plane, its ranges and the projected path (quick); None where [`slice()`] is.
    #[must_use]
    pub fn new(
        net: &Network,
        final_params: &[f64],
        final_step: usize,
        snapshots: &[(usize, &[f64])],
        n: usize,
    ) -> Option<Self> {
        let p = final_params.len();
        let m = snapshots.len();
        if m < 2 || p == 0 {
            return None;
        }
        let n = n.clamp(2, MAX_SIDE);
        let d = DMatrix::from_fn(m, p, |i, j| snapshots[i].1[j] - final_params[j]);
        let mean = d.row_mean();
        let mut dc = d.clone();
        for mut row in dc.row_iter_mut() {
            row -= &mean;
        }
        let gram = &dc * dc.transpose();
        let eig = SymmetricEigen::new(gram);
        let mut order: Vec<usize> = (0..m).collect();
        order.sort_by(|&a, &b| eig.eigenvalues[b].total_cmp(&eig.eigenvalues[a]));
        let total: f64 = eig.eigenvalues.iter().map(|l| l.max(0.0)).sum();
        let (l1, l2) = (eig.eigenvalues[order[0]], eig.eigenvalues[order[1]]);
        if !(total.is_finite() && l1 > 0.0 && l2 > 1e-12 * l1) {
            return None;
        }
        let direction = |k: usize, l: f64| {
            let v = dc.transpose() * eig.eigenvectors.column(k) / l.sqrt();
            let norm = v.norm();
            if norm > 0.0 { v / norm } else { v }
        };
        let d1 = direction(order[0], l1);
        let d2 = direction(order[1], l2);
        let mut path: Vec<[f64; 2]> = (0..m)
            .map(|i| [d.row(i).dot(&d1.transpose()), d.row(i).dot(&d2.transpose())])
            .collect();
        path.push([0.0, 0.0]);
        let mut path_steps: Vec<usize> = snapshots.iter().map(|s| s.0).collect();
        path_steps.push(final_step);
        let range = |c: usize| {
            let lo = path.iter().map(|q| q[c]).fold(0.0_f64, f64::min);
            let hi = path.iter().map(|q| q[c]).fold(0.0_f64, f64::max);
            let margin = 0.25 * (hi - lo).max(1e-9);
            (lo - margin, hi + margin)
        };
        let (alpha, beta) = (range(0), range(1));
        Some(Self {
            slice: LandscapeSlice {
                alpha,
                beta,
                n,
                loss: Vec::with_capacity(n * n),
                path,
                path_steps,
                explained: [l1 / total, l2 / total],
                directions: [d1.as_slice().to_vec(), d2.as_slice().to_vec()],
            },
            final_params: final_params.to_vec(),
            theta: vec![0.0; p],
            ws: Workspace::new(net, 256),
        })
    }

    /// Cells computed so far, of n x n.
    #[must_use]
    pub fn progress(&self) -> (usize, usize) {
        (self.slice.loss.len(), self.slice.n * self.slice.n)
    }

    /// True once every cell is computed.
    #[must_use]
    pub fn is_done(&self) -> bool {
        self.slice.loss.len() >= self.slice.n * self.slice.n
    }

    /// Computes the next cell: the training objective at its weights (x, y: the training
    /// set, as for [`slice()`]).
    pub fn add_cell(&mut self, net: &Network, x: &DMatrix<f64>, y: &[f64]) {
        let s = &mut self.slice;
        let n = s.n;
        let cell = s.loss.len();
        if cell >= n * n {
            return;
        }
        let at = |r: (f64, f64), k: usize| r.0 + (r.1 - r.0) * k as f64 / (n - 1) as f64;
        let (a, b) = (at(s.alpha, cell % n), at(s.beta, cell / n));
        let [d1, d2] = &s.directions;
        for (k, t) in self.theta.iter_mut().enumerate() {
            *t = self.final_params[k] + a * d1[k] + b * d2[k];
        }
        let (data, _) = net.evaluate(&self.theta, x, y, &mut self.ws, None);
        s.loss.push(data + net.penalty(&self.theta));
    }

    /// The slice (non-finite values replaced by the largest finite one).
    #[must_use]
    pub fn finish(self) -> LandscapeSlice {
        let mut slice = self.slice;
        let max_finite = slice
            .loss
            .iter()
            .copied()
            .filter(|v| v.is_finite())
            .fold(f64::NEG_INFINITY, f64::max);
        let fill = if max_finite.is_finite() {
            max_finite
        } else {
            0.0
        };
        for v in &mut slice.loss {
            if !v.is_finite() {
                *v = fill;
            }
        }
        slice
    }
}
