//! The Newton-Schulz iteration of torch's Muon (`_zeropower_via_newtonschulz`), in float64 or
//! in the bfloat16 arithmetic torch runs it in.
//!
//! For a rows x cols matrix M (transposed first when rows > cols, so X is r x c with r <= c):
//!
//! X <- M / max(|M|_F, eps)
//! k times:  G = X X';   H = b G + c G G;   X <- a X + H X
//!
//! which drives every singular value s of X through s <- a s + b s^3 + c s^5 towards about 1
//! (0.7 to 1.1 with torch's coefficients), keeping the singular vectors: about U V' for
//! M = U S V'. A 1 x n matrix has one singular value, 1 after the normalisation, so the result
//! is phi_k(1) M / |M| with phi_k the polynomial applied k times (0.696 for torch's defaults).
//!
//! bfloat16 as torch computes it on the CPU (checked bit for bit against torch 2.15 on random
//! matrices up to 16 x 16): M is rounded to bfloat16 through float32 (two roundings, as
//! `Tensor.to` does); every operation computes in float32 from bfloat16 operands and rounds
//! its result to bfloat16 (round to nearest even): the norm (squares summed in float32), the
//! division, and each matrix product, whose bfloat16 x bfloat16 products are exact in float32
//! and are summed in float32; `addmm(C, A, B, beta, alpha)` is `fma(beta, C, alpha * AB)` in
//! float32, rounded once. The coefficients and eps enter as float32, as torch's scalars do.
//! The order of the float32 sums inside one product is torch's kernel's business; it changes
//! a bfloat16 result about once in 50,000.
//!
//! float64 as torch's float64 kernels compute it (measured the same way): the norm's squares
//! are summed with fused multiply-adds, a product's are not, and `addmm` is alpha AB + beta C
//! with both terms rounded.

/// The precision the iteration runs in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Precision {
    /// torch's bfloat16 (float32 arithmetic, results rounded to bfloat16).
    BFloat16,
    /// Plain float64.
    Float64,
}

/// Buffers of the iteration, sized on first use and reused.
#[derive(Clone, Debug, Default)]
pub(crate) struct Workspace {
    bf16: Buffers<f32>,
    f64: Buffers<f64>,
}

#[derive(Clone, Debug, Default)]
struct Buffers<F> {
    x: Vec<F>,
    gram: Vec<F>,
    update: Vec<F>,
    next: Vec<F>,
}

impl<F: Copy + Default> Buffers<F> {
    /// Room for an r x c iterate (allocates only when a larger matrix comes).
    fn reserve(&mut self, r: usize, c: usize) {
        if self.x.len() < r * c || self.gram.len() < r * r {
            self.x = vec![F::default(); r * c];
            self.next = vec![F::default(); r * c];
            self.gram = vec![F::default(); r * r];
            self.update = vec![F::default(); r * r];
        }
    }
}

/// The arithmetic of one precision: what values are computed in, and how results are stored.
trait Arithmetic {
    /// What operations compute in.
    type F: Copy
        + Default
        + PartialOrd
        + std::ops::Add<Output = Self::F>
        + std::ops::Mul<Output = Self::F>
        + std::ops::Div<Output = Self::F>;
    /// A float64 value converted to the stored type.
    fn convert(v: f64) -> Self::F;
    /// A float64 scalar (a coefficient) as torch's kernels take it: in the computing type,
    /// not rounded to the stored one.
    fn scalar(v: f64) -> Self::F;
    /// A result rounded to the stored type.
    fn round(v: Self::F) -> Self::F;
    /// a * b + c with one rounding.
    fn mul_add(a: Self::F, b: Self::F, c: Self::F) -> Self::F;
    /// The last operation of `addmm(C, A, B, beta, alpha)`: alpha AB + beta C, before the
    /// result is stored.
    fn addmm(alpha: Self::F, ab: Self::F, beta: Self::F, c: Self::F) -> Self::F;
    /// Square root.
    fn sqrt(v: Self::F) -> Self::F;
    /// Back to float64 (exact).
    fn widen(v: Self::F) -> f64;
}

struct BFloat16;

impl Arithmetic for BFloat16 {
    type F = f32;
    #[allow(
        clippy::cast_possible_truncation,
        reason = "rounding to float32 is the conversion torch makes"
    )]
    fn convert(v: f64) -> f32 {
        round_bf16(v as f32)
    }
    #[allow(
        clippy::cast_possible_truncation,
        reason = "torch hands addmm's scalars to its float32 kernels as float32"
    )]
    fn scalar(v: f64) -> f32 {
        v as f32
    }
    fn round(v: f32) -> f32 {
        round_bf16(v)
    }
    fn mul_add(a: f32, b: f32, c: f32) -> f32 {
        a.mul_add(b, c)
    }
    fn addmm(alpha: f32, ab: f32, beta: f32, c: f32) -> f32 {
        beta.mul_add(c, alpha * ab)
    }
    fn sqrt(v: f32) -> f32 {
        v.sqrt()
    }
    fn widen(v: f32) -> f64 {
        f64::from(v)
    }
}

struct Float64;

impl Arithmetic for Float64 {
    type F = f64;
    fn convert(v: f64) -> f64 {
        v
    }
    fn scalar(v: f64) -> f64 {
        v
    }
    fn round(v: f64) -> f64 {
        v
    }
    fn mul_add(a: f64, b: f64, c: f64) -> f64 {
        a.mul_add(b, c)
    }
    fn addmm(alpha: f64, ab: f64, beta: f64, c: f64) -> f64 {
        alpha * ab + beta * c
    }
    fn sqrt(v: f64) -> f64 {
        v.sqrt()
    }
    fn widen(v: f64) -> f64 {
        v
    }
}

/// float32 to bfloat16, round to nearest even (c10's `round_to_nearest_even`), as a float32.
pub(crate) fn round_bf16(v: f32) -> f32 {
    if v.is_nan() {
        return f32::NAN;
    }
    let bits = v.to_bits();
    let bias = 0x7FFF + ((bits >> 16) & 1);
    f32::from_bits(bits.wrapping_add(bias) & 0xFFFF_0000)
}

/// The iteration's parameters.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Iteration {
    /// (a, b, c) of the quintic.
    pub coefficients: (f64, f64, f64),
    /// Number of iterations k.
    pub steps: usize,
    /// Floor of the Frobenius norm.
    pub eps: f64,
    /// bfloat16 or float64.
    pub precision: Precision,
}

impl Workspace {
    /// Orthogonalises the rows x cols matrix `m` (column-major) into `out` (the same shape).
    pub(crate) fn orthogonalize(
        &mut self,
        it: &Iteration,
        m: &[f64],
        rows: usize,
        cols: usize,
        out: &mut [f64],
    ) {
        match it.precision {
            Precision::BFloat16 => run::<BFloat16>(&mut self.bf16, it, m, rows, cols, out),
            Precision::Float64 => run::<Float64>(&mut self.f64, it, m, rows, cols, out),
        }
    }
}

/// The iteration in arithmetic A; X is held r x c row-major.
fn run<A: Arithmetic>(
    buf: &mut Buffers<A::F>,
    it: &Iteration,
    m: &[f64],
    rows: usize,
    cols: usize,
    out: &mut [f64],
) {
    let transposed = rows > cols;
    let (r, c) = if transposed {
        (cols, rows)
    } else {
        (rows, cols)
    };
    // Entry (i, j) of the r x c iterate is entry (i, j) of M, or (j, i) when transposed.
    let at = |i: usize, j: usize| {
        if transposed {
            j + i * rows
        } else {
            i + j * rows
        }
    };
    buf.reserve(r, c);
    let Buffers {
        x,
        gram,
        update,
        next,
    } = buf;
    let (x, next) = (&mut x[..r * c], &mut next[..r * c]);
    let (gram, update) = (&mut gram[..r * r], &mut update[..r * r]);
    for i in 0..r {
        for j in 0..c {
            x[i * c + j] = A::convert(m[at(i, j)]);
        }
    }
    let zero = A::F::default();
    let squares = x.iter().fold(zero, |s, &v| A::mul_add(v, v, s));
    let norm = A::round(A::sqrt(squares));
    let floor = A::convert(it.eps);
    // clamp(min = eps), NaN staying NaN.
    let norm = if norm < floor { floor } else { norm };
    for v in x.iter_mut() {
        *v = A::round(*v / norm);
    }
    let (a, b, cc) = it.coefficients;
    let (a, b, cc, one) = (A::scalar(a), A::scalar(b), A::scalar(cc), A::scalar(1.0));
    for _ in 0..it.steps {
        // G = X X'
        for i in 0..r {
            for k in 0..r {
                let dot = (0..c).fold(zero, |s, j| s + x[i * c + j] * x[k * c + j]);
                gram[i * r + k] = A::round(dot);
            }
        }
        // H = b G + c G G
        for i in 0..r {
            for k in 0..r {
                let dot = (0..r).fold(zero, |s, l| s + gram[i * r + l] * gram[l * r + k]);
                update[i * r + k] = A::round(A::addmm(cc, dot, b, gram[i * r + k]));
            }
        }
        // X <- a X + H X
        for i in 0..r {
            for j in 0..c {
                let dot = (0..r).fold(zero, |s, l| s + update[i * r + l] * x[l * c + j]);
                next[i * c + j] = A::round(A::addmm(one, dot, a, x[i * c + j]));
            }
        }
        x.swap_with_slice(next);
    }
    for i in 0..r {
        for j in 0..c {
            out[at(i, j)] = A::widen(x[i * c + j]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iterate(
        precision: Precision,
        steps: usize,
        m: &[f64],
        rows: usize,
        cols: usize,
    ) -> Vec<f64> {
        let mut ws = Workspace::default();
        let mut out = vec![0.0; m.len()];
        let it = Iteration {
            coefficients: (3.4445, -4.775, 2.0315),
            steps,
            eps: 1e-7,
            precision,
        };
        ws.orthogonalize(&it, m, rows, cols, &mut out);
        out
    }

    #[test]
    fn bfloat16_rounds_to_nearest_even() {
        // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: even is 1; 1 + 3 * 2^-8 goes up.
        assert_eq!(round_bf16(1.0 + 2.0_f32.powi(-8)), 1.0);
        assert_eq!(
            round_bf16(1.0 + 3.0 * 2.0_f32.powi(-8)),
            1.0 + 2.0_f32.powi(-6)
        );
        assert_eq!(
            round_bf16(1.0 + 2.0_f32.powi(-8) + 2.0_f32.powi(-20)),
            1.0 + 2.0_f32.powi(-7)
        );
        assert_eq!(round_bf16(f32::MAX), f32::INFINITY);
        assert!(round_bf16(f32::NAN).is_nan());
        // float64 goes through float32: 1 + 2^-8 + 2^-30 rounds to the tie first, then to 1.
        assert_eq!(
            BFloat16::convert(1.0 + 2.0_f64.powi(-8) + 2.0_f64.powi(-30)),
            1.0
        );
    }

    #[test]
    fn a_row_becomes_phi_k_of_one_times_its_direction() {
        let m = [3.0, -4.0];
        let mut phi = 1.0_f64;
        for _ in 0..5 {
            phi = 3.4445 * phi - 4.775 * phi.powi(3) + 2.0315 * phi.powi(5);
        }
        let o = iterate(Precision::Float64, 5, &m, 1, 2);
        assert!(
            (o[0] - phi * 0.6).abs() < 1e-14 && (o[1] + phi * 0.8).abs() < 1e-14,
            "{o:?}"
        );
        // bfloat16 moves it by 2 %: torch 2.15 gives exactly these.
        let o = iterate(Precision::BFloat16, 5, &m, 1, 2);
        assert_eq!(o, [105.0 / 256.0, -140.0 / 256.0]);
        assert!((o[0] - phi * 0.6).abs() < 0.03 && (o[1] + phi * 0.8).abs() < 0.03);
    }

    #[test]
    fn orthogonalising_a_tall_matrix_is_the_transpose_of_orthogonalising_its_transpose() {
        // 3 x 2 column-major and its 2 x 3 transpose.
        let tall = [1.0, 0.5, -2.0, 0.3, 1.5, 0.7];
        let wide = [1.0, 0.3, 0.5, 1.5, -2.0, 0.7];
        for precision in [Precision::BFloat16, Precision::Float64] {
            let t = iterate(precision, 5, &tall, 3, 2);
            let w = iterate(precision, 5, &wide, 2, 3);
            for i in 0..3 {
                for j in 0..2 {
                    assert_eq!(t[i + 3 * j], w[j + 2 * i]);
                }
            }
        }
        // Many steps of the classic cubic (1.5, -0.5, 0) converge to U V': O O' = I.
        let mut ws = Workspace::default();
        let mut o = [0.0; 6];
        let it = Iteration {
            coefficients: (1.5, -0.5, 0.0),
            steps: 60,
            eps: 1e-7,
            precision: Precision::Float64,
        };
        ws.orthogonalize(&it, &wide, 2, 3, &mut o);
        for i in 0..2 {
            for k in 0..2 {
                let dot: f64 = (0..3).map(|j| o[i + 2 * j] * o[k + 2 * j]).sum();
                let expected = if i == k { 1.0 } else { 0.0 };
                assert!((dot - expected).abs() < 1e-12, "{i} {k}: {dot}");
            }
        }
    }
}
