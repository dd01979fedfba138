//! Log-spaced levels, the log scale of the heat map, and each node's bucket among the levels.
//!
//! Levels are equally spaced in log(f - f_lo + delta), delta a ten-thousandth of the range, so
//! that a Rosenbrock valley and a kappa = 1000 quadratic both show structure near their
//! minimum; [`LogScale`] maps f to [0, 1] on the same scale. A node's bucket is how many levels
//! lie at or below its value, so the scan classifies cells by comparing integers, and a cell
//! whose corners share a bucket has no line. [`bucket_row`] finds buckets eight nodes at a
//! time without branches, relying on neighbouring nodes having close values; the tests compare
//! it with counting the levels.

/// The offset that makes a log scale of f useful: f - f_lo + delta with delta a small part of
/// the range (and never zero).
#[must_use]
pub fn log_offset(lo: f64, hi: f64) -> f64 {
    let span = (hi - lo).abs();
    if span > 0.0 && span.is_finite() {
        span * 1e-4
    } else {
        1e-12_f64.max(lo.abs() * 1e-12)
    }
}

/// `count` levels between `lo` and `hi`, equally spaced in log(f - lo + delta): dense near the
/// minimum, sparse on the walls.
#[must_use]
pub fn log_levels(lo: f64, hi: f64, count: usize) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo || count == 0 {
        return Vec::new();
    }
    let delta = log_offset(lo, hi);
    let ratio = (hi - lo + delta) / delta;
    let step = ratio.ln() / count as f64;
    (1..=count)
        .map(|k| {
            let t = k as f64 - 0.5;
            lo + delta * (step * t).exp() - delta
        })
        .collect()
}

/// Maps f to [0, 1] on the log scale used by the heat map.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LogScale {
    lo: f64,
    delta: f64,
    log_span: f64,
}

impl LogScale {
    /// A scale spanning [lo, hi].
    #[must_use]
    pub fn new(lo: f64, hi: f64) -> Self {
        let delta = log_offset(lo, hi);
        let log_span = ((hi - lo + delta) / delta).ln().max(f64::MIN_POSITIVE);
        Self {
            lo,
            delta,
            log_span,
        }
    }

    /// Position of f on the scale, clamped to [0, 1] (NaN stays NaN).
    #[must_use]
    pub fn unit(&self, f: f64) -> f64 {
        (((f - self.lo).max(0.0) + self.delta) / self.delta)
            .ln()
            .clamp(0.0, self.log_span)
            / self.log_span
    }
}

/// The most levels [`extract`](super::extract) draws (a node's level index is stored in 16 bits).
pub const MAX_LEVELS: usize = 65_534;

/// The bucket of a NaN node: cells touching one draw no contour.
pub(super) const NAN_BUCKET: u16 = u16::MAX;

/// The levels between two sentinels on each side: a finite x in bucket b has
/// `fences[b + 1] <= x < fences[b + 2]`, and the walks of [`bucket_row`] cannot leave the
/// table. The low sentinels are the lowest finite value, so that no finite x lies below them
/// and -inf does not lie in bucket 0.
pub(super) fn fences(levels: &[f64]) -> Vec<f64> {
    [f64::MIN, f64::MIN]
        .into_iter()
        .chain(levels.iter().copied())
        .chain([f64::INFINITY, f64::INFINITY])
        .collect()
}

/// Nodes per step of [`bucket_row`]'s fast path.
const BUCKET_CHUNK: usize = 8;

/// Each node's bucket: how many levels lie at or below its value (`NAN_BUCKET` for NaN). A
/// value is >= level k exactly when its bucket is > k, so cells are classified with integer
/// comparisons, and most cells (all corners in one bucket) are skipped at once.
///
/// Neighbouring nodes have close values: a node's bucket is nearly always the one of the node
/// before, or next to it. Nodes are taken eight at a time and placed, without branches, within
/// one bucket of the last node's; only when one of them lies further off (or is not finite)
/// are the eight walked to their buckets one by one. Walking every node (a step or two where a
/// binary search would cost log2(levels)) cost a mispredicted branch at every change of
/// bucket, a third of the extraction.
pub(super) fn bucket_row(values: &[f64], fences: &[f64], out: &mut [u16]) {
    let mut at = 0_usize;
    let (chunks, rest) = values.as_chunks::<BUCKET_CHUNK>();
    let (outs, rest_out) = out.as_chunks_mut::<BUCKET_CHUNK>();
    for (xs, bs) in chunks.iter().zip(outs) {
        // Buckets at - 1, at and at + 1 are [g[0], g[1]), [g[1], g[2]) and [g[2], g[3]).
        let g = &fences[at..at + 4];
        let base = u16::try_from(at).unwrap_or(NAN_BUCKET - 1);
        let mut near = true;
        for (b, &x) in bs.iter_mut().zip(xs) {
            #[allow(
                clippy::needless_bitwise_bool,
                reason = "no branch: the loop vectorises"
            )]
            let inside = (g[0] <= x) & (x < g[3]);
            near &= inside;
            *b = base
                .wrapping_add(u16::from(x >= g[2]))
                .wrapping_sub(u16::from(x < g[1]));
        }
        if near {
            at = usize::from(bs[BUCKET_CHUNK - 1]);
        } else {
            at = walk_buckets(xs, fences, at, bs);
        }
    }
    walk_buckets(rest, fences, at, rest_out);
}

/// [`bucket_row`] one node at a time, walking from bucket `at`; returns the last finite node's
/// bucket (or `at`).
fn walk_buckets(values: &[f64], fences: &[f64], mut at: usize, out: &mut [u16]) -> usize {
    for (b, &x) in out.iter_mut().zip(values) {
        *b = if x.is_finite() {
            while fences[at + 2] <= x {
                at += 1;
            }
            while fences[at + 1] > x {
                at -= 1;
            }
            u16::try_from(at).unwrap_or(NAN_BUCKET - 1)
        } else {
            NAN_BUCKET
        };
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_levels_cluster_near_the_minimum() {
        let levels = log_levels(0.0, 1000.0, 10);
        assert_eq!(levels.len(), 10);
        assert!(levels.windows(2).all(|w| w[0] < w[1]));
        assert!(levels[0] < 1.0 && levels[9] < 1000.0 && levels[9] > 300.0);
        let s = LogScale::new(0.0, 1000.0);
        assert_eq!(s.unit(0.0), 0.0);
        assert!((s.unit(1000.0) - 1.0).abs() < 1e-12);
        assert!(
            s.unit(1.0) > 0.2,
            "0.1% of the range is a quarter of the colour scale"
        );
        assert!(log_levels(1.0, 1.0, 5).is_empty());
    }

    proptest::proptest! {
        /// Buckets are counts of the levels at or below each value, however far apart
        /// neighbouring values are and whatever is not finite, on both the fast path and the
        /// walk.
        #[test]
        fn buckets_count_the_levels_at_or_below(
            picks in proptest::collection::vec(0_usize..40, 0..60),
            level_count in 1_usize..12,
            drift in proptest::collection::vec(-2_i32..3, 0..60),
        ) {
            let levels: Vec<f64> = (0..level_count).map(|k| f64::from(u8::try_from(k).unwrap()) * 0.5).collect();
            // Values on levels, between them, beyond them, and not finite; a slow drift
            // across the levels makes the fast path's cases common too.
            let specials = [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, f64::MIN, f64::MAX, -1e300];
            let mut at = 0.0;
            let values: Vec<f64> = picks
                .iter()
                .zip(drift.iter().chain(std::iter::repeat(&1)))
                .map(|(&p, &d)| {
                    at += f64::from(d) * 0.25;
                    match p {
                        0..6 => specials[p],
                        6..12 => f64::from(u8::try_from(p - 6).unwrap()) * 0.5,
                        _ => at,
                    }
                })
                .collect();
            let mut out = vec![0_u16; values.len()];
            bucket_row(&values, &fences(&levels), &mut out);
            for (&x, &b) in values.iter().zip(&out) {
                let expected = if x.is_finite() {
                    u16::try_from(levels.iter().filter(|&&l| l <= x).count()).unwrap()
                } else {
                    NAN_BUCKET
                };
                proptest::prop_assert_eq!(b, expected, "value {}", x);
            }
        }
    }
}
