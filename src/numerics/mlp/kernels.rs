//! The network's matrix products, fast: each kernel is compiled for every layer width 1 to 16,
//! so that its partial sums are fixed-size arrays kept in registers, and writes into buffers
//! allocated once.
//!
//! Samples are the columns of every matrix (column-major slices, B samples). The products are
//! loops over columns: Z = W A + b 1' as z_j = b + sum_k W[:, k] a_kj, dW += delta A' as a sum
//! of the columns of delta scaled by a row of A, and W' delta from a copy of W' as a sum of
//! scaled columns (vectorisable, where a dot product per entry is a chain of dependent
//! additions). For these shapes (at most 16 x 16 x B) that is faster than nalgebra's general
//! routines, whose per-call overhead dominates at this size, and it never allocates: nalgebra's
//! `gemm` on dynamic matrices hands anything larger than 5 x 5 to matrixmultiply, which
//! allocates a packing buffer on every call. Every sum runs in the same order as the plain
//! loops of the `reference` module (sample by sample, column by column), whatever the width,
//! so the tests require the kernels to match them bit for bit for every width and several
//! batch sizes.
//!
//! Each kernel runs inside [`cpu::fast`]: compiled for AVX2 + FMA where the CPU has them (four
//! lanes), the same arithmetic in the same order, so the same bits.

use super::MAX_UNITS;
use crate::numerics::cpu;

/// Z = W A + b 1' for a whole batch: z_j = b + sum_k W[:, k] a_kj, with W column-major
/// (bias.len() x cols), A (cols x B) and Z (bias.len() x B).
pub(super) fn affine(z: &mut [f64], w: &[f64], bias: &[f64], a: &[f64]) {
    let cols = w.len() / bias.len().max(1);
    cpu::fast(
        #[inline(always)]
        || by_width!(bias.len(), affine_n(z, w, bias, a, cols)),
    );
}

/// db += sum_j delta_j, with delta (db.len() x B).
pub(super) fn add_bias_gradient(gb: &mut [f64], delta: &[f64]) {
    cpu::fast(
        #[inline(always)]
        || by_width!(gb.len(), sum_columns(gb, delta)),
    );
}

/// dW += sum_j delta_j a_j', with dW column-major (rows x cols), delta (rows x B) and A
/// (cols x B); `row` (B) is scratch space.
pub(super) fn add_weight_gradient(gw: &mut [f64], delta: &[f64], a: &[f64], row: &mut [f64]) {
    let b = row.len();
    if b == 0 {
        return;
    }
    let (rows, cols) = (delta.len() / b, a.len() / b);
    if rows == 1 && cols <= MAX_UNITS {
        // One row (the output layer): dW' = sum_j a_j delta_j, a sum of whole columns of A.
        cpu::fast(
            #[inline(always)]
            || by_width!(cols, add_columns(gw, a, delta)),
        );
    } else {
        cpu::fast(
            #[inline(always)]
            || by_width!(rows, weight_gradient_n(gw, delta, a, row)),
        );
    }
}

/// prev_j = W' delta_j for a whole batch (the deltas of the layer below before the derivative
/// of its activation), with W column-major (rows x cols), delta (rows x B) and prev (cols x B);
/// `wt` (rows x cols) is scratch space for W'.
pub(super) fn back_propagate(
    prev: &mut [f64],
    w: &[f64],
    rows: usize,
    delta: &[f64],
    wt: &mut [f64],
) {
    let rows = rows.max(1);
    let cols = w.len() / rows;
    let wt = &mut wt[..w.len()];
    for (i, wti) in wt.chunks_exact_mut(cols.max(1)).enumerate() {
        for (k, v) in wti.iter_mut().enumerate() {
            *v = w[k * rows + i];
        }
    }
    cpu::fast(
        #[inline(always)]
        || by_width!(cols, back_propagate_n(prev, wt, delta, rows)),
    );
}

/// Calls `$kernel::<N>(args)` with the const N equal to the width `$n` (1 to [`MAX_UNITS`]),
/// so that the kernel's accumulators are fixed-size arrays the compiler keeps in registers;
/// any other width gets N = 0, which the kernels treat as "width known only at run time".
macro_rules! by_width {
    ($n:expr, $kernel:ident($($arg:expr),* $(,)?)) => {
        match $n {
            1 => $kernel::<1>($($arg),*),
            2 => $kernel::<2>($($arg),*),
            3 => $kernel::<3>($($arg),*),
            4 => $kernel::<4>($($arg),*),
            5 => $kernel::<5>($($arg),*),
            6 => $kernel::<6>($($arg),*),
            7 => $kernel::<7>($($arg),*),
            8 => $kernel::<8>($($arg),*),
            9 => $kernel::<9>($($arg),*),
            10 => $kernel::<10>($($arg),*),
            11 => $kernel::<11>($($arg),*),
            12 => $kernel::<12>($($arg),*),
            13 => $kernel::<13>($($arg),*),
            14 => $kernel::<14>($($arg),*),
            15 => $kernel::<15>($($arg),*),
            16 => $kernel::<16>($($arg),*),
            _ => $kernel::<0>($($arg),*),
        }
    };
}
use by_width;

// The kernels below sum every entry in the same order (sample by sample, column by column),
// whatever N: a fixed width changes where the partial sums live, never the result.
const _: () = assert!(MAX_UNITS == 16, "by_width! covers widths 1 to 16");

/// out += sum_k m[:, k] s_k, with m column-major (out.len() rows, s.len() columns): the
/// kernel of every product here. N is out.len() (0: any length).
#[inline(always)]
fn add_columns<const N: usize>(out: &mut [f64], m: &[f64], s: &[f64]) {
    if N == 0 || out.len() != N {
        let n = out.len().max(1);
        for (col, &sk) in m.chunks_exact(n).zip(s) {
            for (o, &c) in out.iter_mut().zip(col) {
                *o += c * sk;
            }
        }
        return;
    }
    let mut acc = [0.0; N];
    acc.copy_from_slice(out);
    for (col, &sk) in m.as_chunks::<N>().0.iter().zip(s) {
        for (a, &c) in acc.iter_mut().zip(col) {
            *a += c * sk;
        }
    }
    out.copy_from_slice(&acc);
}

/// dW += sum_j delta_j a_j' for a whole batch, with dW column-major (rows x cols), delta
/// (rows x B) and A (cols x B): column k of dW is sum_j delta_j a_kj, a sum of the columns
/// of delta once row k of A is gathered into `row` (B). N is rows (0: any).
#[inline(always)]
fn weight_gradient_n<const N: usize>(gw: &mut [f64], delta: &[f64], a: &[f64], row: &mut [f64]) {
    let b = row.len().max(1);
    let rows = (delta.len() / b).max(1);
    let cols = (a.len() / b).max(1);
    for (k, gk) in gw.chunks_exact_mut(rows).enumerate() {
        for (r, aj) in row.iter_mut().zip(a.chunks_exact(cols)) {
            *r = aj[k];
        }
        add_columns::<N>(gk, delta, row);
    }
}

/// out += sum_j m[:, j], with m column-major (out.len() rows). N is out.len() (0: any).
#[inline(always)]
fn sum_columns<const N: usize>(out: &mut [f64], m: &[f64]) {
    if N == 0 || out.len() != N {
        let n = out.len().max(1);
        for col in m.chunks_exact(n) {
            for (o, &c) in out.iter_mut().zip(col) {
                *o += c;
            }
        }
        return;
    }
    let mut acc = [0.0; N];
    acc.copy_from_slice(out);
    for col in m.as_chunks::<N>().0 {
        for (a, &c) in acc.iter_mut().zip(col) {
            *a += c;
        }
    }
    out.copy_from_slice(&acc);
}

/// Z = W A + b 1' for a whole batch: z_j = b + sum_k W[:, k] a_kj, with W column-major
/// (bias.len() x cols) and A, Z column-major (one sample per column). N is bias.len()
/// (0: any).
#[inline(always)]
fn affine_n<const N: usize>(z: &mut [f64], w: &[f64], bias: &[f64], a: &[f64], cols: usize) {
    let rows = bias.len().max(1);
    let cols = cols.max(1);
    if N == 0 || rows != N {
        for (zj, aj) in z.chunks_exact_mut(rows).zip(a.chunks_exact(cols)) {
            zj.copy_from_slice(bias);
            add_columns::<0>(zj, w, aj);
        }
        return;
    }
    let mut b0 = [0.0; N];
    b0.copy_from_slice(bias);
    for (zj, aj) in z
        .as_chunks_mut::<N>()
        .0
        .iter_mut()
        .zip(a.chunks_exact(cols))
    {
        let mut acc = b0;
        for (col, &ak) in w.as_chunks::<N>().0.iter().zip(aj) {
            for (s, &c) in acc.iter_mut().zip(col) {
                *s += c * ak;
            }
        }
        *zj = acc;
    }
}

/// prev_j = W' delta_j for a whole batch, with wt = W' column-major (N x rows), delta
/// (rows x B) and prev (N x B). N is the width of the layer below (0: any).
#[inline(always)]
fn back_propagate_n<const N: usize>(prev: &mut [f64], wt: &[f64], delta: &[f64], rows: usize) {
    let rows = rows.max(1);
    let cols = wt.len() / rows;
    if N == 0 || cols != N {
        for (dp, dj) in prev
            .chunks_exact_mut(cols.max(1))
            .zip(delta.chunks_exact(rows))
        {
            dp.fill(0.0);
            add_columns::<0>(dp, wt, dj);
        }
        return;
    }
    for (dp, dj) in prev
        .as_chunks_mut::<N>()
        .0
        .iter_mut()
        .zip(delta.chunks_exact(rows))
    {
        let mut acc = [0.0; N];
        for (col, &d) in wt.as_chunks::<N>().0.iter().zip(dj) {
            for (s, &c) in acc.iter_mut().zip(col) {
                *s += c * d;
            }
        }
        *dp = acc;
    }
}

/// The same products as plain loops over the formulas' indices, one entry at a time: what
/// the kernels must equal bit for bit.
#[cfg(test)]
mod reference {
    /// z_ij = b_i + sum_k W_ik a_kj.
    pub fn affine(z: &mut [f64], w: &[f64], bias: &[f64], a: &[f64]) {
        let rows = bias.len();
        let cols = w.len() / rows;
        for j in 0..z.len() / rows {
            for i in 0..rows {
                let mut s = bias[i];
                for k in 0..cols {
                    s += w[k * rows + i] * a[j * cols + k];
                }
                z[j * rows + i] = s;
            }
        }
    }

    /// db_i += sum_j delta_ij.
    pub fn add_bias_gradient(gb: &mut [f64], delta: &[f64]) {
        let rows = gb.len();
        for j in 0..delta.len() / rows {
            for i in 0..rows {
                gb[i] += delta[j * rows + i];
            }
        }
    }

    /// dW_ik += sum_j delta_ij a_kj.
    pub fn add_weight_gradient(gw: &mut [f64], delta: &[f64], a: &[f64], b: usize) {
        let (rows, cols) = (delta.len() / b, a.len() / b);
        for k in 0..cols {
            for i in 0..rows {
                let mut s = gw[k * rows + i];
                for j in 0..b {
                    s += delta[j * rows + i] * a[j * cols + k];
                }
                gw[k * rows + i] = s;
            }
        }
    }

    /// prev_kj = sum_i W_ik delta_ij.
    pub fn back_propagate(prev: &mut [f64], w: &[f64], rows: usize, delta: &[f64]) {
        let cols = w.len() / rows;
        for j in 0..delta.len() / rows {
            for k in 0..cols {
                let mut s = 0.0;
                for i in 0..rows {
                    s += w[k * rows + i] * delta[j * rows + i];
                }
                prev[j * cols + k] = s;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::mlp::rng;
    use rand::RngExt;

    /// `n` values in [-2, 2), some of them exact zeros (a ReLU's outputs).
    fn random(n: usize, seed: u64) -> Vec<f64> {
        let mut r = rng(seed, 0xC0DE);
        (0..n)
            .map(|_| {
                if r.random_bool(0.1) {
                    0.0
                } else {
                    r.random_range(-2.0..2.0)
                }
            })
            .collect()
    }

    fn bits(v: &[f64]) -> Vec<u64> {
        v.iter().map(|x| x.to_bits()).collect()
    }

    /// Every pair of widths the network can have (and 17, past the specialised ones), on
    /// batches of one, a few, the default 32 and an odd size: the kernels give the reference's
    /// results bit for bit.
    #[test]
    fn kernels_equal_the_plain_loops_for_every_width() {
        let mut seed = 0;
        for rows in 1..=MAX_UNITS + 1 {
            for cols in 1..=MAX_UNITS + 1 {
                for b in [1, 2, 7, 32, 33] {
                    seed += 1;
                    let w = random(rows * cols, seed);
                    let bias = random(rows, seed + 1000);
                    let a = random(cols * b, seed + 2000);
                    let delta = random(rows * b, seed + 3000);
                    let start = random(rows * cols, seed + 4000);
                    let case = format!("{rows} x {cols}, B = {b}");

                    let (mut z, mut z_ref) = (vec![0.0; rows * b], vec![0.0; rows * b]);
                    affine(&mut z, &w, &bias, &a);
                    reference::affine(&mut z_ref, &w, &bias, &a);
                    assert_eq!(bits(&z), bits(&z_ref), "affine {case}");

                    let (mut gb, mut gb_ref) = (start[..rows].to_vec(), start[..rows].to_vec());
                    add_bias_gradient(&mut gb, &delta);
                    reference::add_bias_gradient(&mut gb_ref, &delta);
                    assert_eq!(bits(&gb), bits(&gb_ref), "bias gradient {case}");

                    let (mut gw, mut gw_ref) = (start.clone(), start.clone());
                    add_weight_gradient(&mut gw, &delta, &a, &mut vec![0.0; b]);
                    reference::add_weight_gradient(&mut gw_ref, &delta, &a, b);
                    assert_eq!(bits(&gw), bits(&gw_ref), "weight gradient {case}");

                    let (mut prev, mut prev_ref) = (vec![0.0; cols * b], vec![0.0; cols * b]);
                    back_propagate(&mut prev, &w, rows, &delta, &mut vec![0.0; rows * cols]);
                    reference::back_propagate(&mut prev_ref, &w, rows, &delta);
                    assert_eq!(bits(&prev), bits(&prev_ref), "back-propagation {case}");
                }
            }
        }
    }

    /// The width-generic path (N = 0) of each kernel, which serves any width the dispatch
    /// does not specialise, gives the specialised path's results.
    #[test]
    fn the_generic_path_equals_the_specialised_one() {
        let (rows, cols, b) = (5, 3, 9);
        let w = random(rows * cols, 1);
        let bias = random(rows, 2);
        let a = random(cols * b, 3);
        let delta = random(rows * b, 4);

        let (mut z0, mut z5) = (vec![0.0; rows * b], vec![0.0; rows * b]);
        affine_n::<0>(&mut z0, &w, &bias, &a, cols);
        affine_n::<5>(&mut z5, &w, &bias, &a, cols);
        assert_eq!(bits(&z0), bits(&z5));

        let (mut g0, mut g5) = (bias.clone(), bias.clone());
        sum_columns::<0>(&mut g0, &delta);
        sum_columns::<5>(&mut g5, &delta);
        assert_eq!(bits(&g0), bits(&g5));

        let (mut w0, mut w5) = (w.clone(), w.clone());
        weight_gradient_n::<0>(&mut w0, &delta, &a, &mut vec![0.0; b]);
        weight_gradient_n::<5>(&mut w5, &delta, &a, &mut vec![0.0; b]);
        assert_eq!(bits(&w0), bits(&w5));

        // W' is cols x rows: the generic path against N = cols.
        let mut wt = vec![0.0; rows * cols];
        for (i, wti) in wt.chunks_exact_mut(cols).enumerate() {
            for (k, v) in wti.iter_mut().enumerate() {
                *v = w[k * rows + i];
            }
        }
        let (mut p0, mut p3) = (vec![0.0; cols * b], vec![0.0; cols * b]);
        back_propagate_n::<0>(&mut p0, &wt, &delta, rows);
        back_propagate_n::<3>(&mut p3, &wt, &delta, rows);
        assert_eq!(bits(&p0), bits(&p3));
    }
}
