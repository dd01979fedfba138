//! Runtime CPU dispatch: the hot loops run with the best instructions this CPU has, in one
//! binary that still runs on any x86-64 (and on aarch64 and wasm32).
//!
//! The release build targets baseline x86-64 (SSE2): there `f64::mul_add` is a call to a
//! software-dispatched fma routine and the vector loops are two lanes wide. [`fast`] runs a
//! closure inside a function compiled for AVX2 + FMA when the CPU has them (fearless_simd's
//! `Simd::vectorize`, detected once per process), so that whatever the closure inlines, a
//! kernel, an optimizer's update, compiles to fused multiply-add instructions and four-lane
//! vectors. Functions it calls must be `#[inline(always)]` to be compiled that way; a call
//! that is not inlined runs its baseline code, which is the same arithmetic.
//!
//! Results do not depend on the path: an FMA instruction and the fma routine both round once,
//! and Rust never contracts a separate multiply and add into an FMA or reorders a sum, so
//! every value is bit for bit the one the baseline code computes (the MLP kernels' tests
//! compare them with plain loops, the optimizers' with torch's numbers).
//!
//! `OPTIVIZ_CPU=baseline` in the environment turns the dispatch off, so that one binary can be
//! timed both ways (`optiviz bench` prints which path it measured).

use fearless_simd::Level;
use std::sync::OnceLock;

/// The instruction level [`fast`] uses, decided on first use: this CPU's, or none when
/// `OPTIVIZ_CPU=baseline`.
fn level() -> Option<Level> {
    static LEVEL: OnceLock<Option<Level>> = OnceLock::new();
    *LEVEL.get_or_init(|| {
        let baseline = std::env::var_os("OPTIVIZ_CPU").is_some_and(|v| v == "baseline");
        (!baseline).then(Level::new)
    })
}

/// The instructions [`fast`] runs with, for `optiviz bench`'s machine line.
#[must_use]
pub fn describe() -> &'static str {
    match level() {
        #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
        Some(Level::Avx2(_)) => "AVX2 + FMA",
        #[cfg(target_arch = "aarch64")]
        Some(Level::Neon(_)) => "NEON",
        Some(_) => "baseline (this CPU has no AVX2 + FMA)",
        None => "baseline (OPTIVIZ_CPU=baseline)",
    }
}

/// Runs `f` compiled for the best instruction set this CPU supports (see the module doc).
/// Give the closure `#[inline(always)]`, or it may stay a baseline function of its own.
#[inline(always)]
pub fn fast<R>(f: impl FnOnce() -> R) -> R {
    match level() {
        #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
        Some(Level::Avx2(avx2)) => fearless_simd::Simd::vectorize(avx2, f),
        #[cfg(target_arch = "aarch64")]
        Some(Level::Neon(neon)) => fearless_simd::Simd::vectorize(neon, f),
        _ => f(),
    }
}

#[cfg(test)]
mod tests {
    use super::fast;

    #[inline(always)]
    fn fused_sum(a: &[f64], b: &[f64]) -> f64 {
        a.iter().zip(b).fold(0.0, |s, (x, y)| x.mul_add(*y, s))
    }

    #[test]
    fn the_fast_path_computes_the_baseline_s_bits() {
        let a: Vec<f64> = (0..1000)
            .map(|i| (f64::from(i) * 0.37).sin() * 1e3)
            .collect();
        let b: Vec<f64> = (0..1000)
            .map(|i| (f64::from(i) * 1.91).cos() / 7.0)
            .collect();
        let fast_sum = fast(|| fused_sum(&a, &b));
        // Inlined here, outside `fast`: the baseline code.
        let base_sum = fused_sum(&a, &b);
        assert_eq!(fast_sum.to_bits(), base_sum.to_bits());
        // fma rounds once: the fused product of 1 + 2^-30 with itself keeps the 2^-60 term a
        // separate multiply and add would round away.
        let e = 1.0 + f64::EPSILON.sqrt() / 2.0_f64.powi(4);
        let fused = fast(|| e.mul_add(e, -1.0));
        assert_eq!(fused.to_bits(), e.mul_add(e, -1.0).to_bits());
        assert_ne!(fused, e * e - 1.0, "mul_add is fused on this path");
    }
}
