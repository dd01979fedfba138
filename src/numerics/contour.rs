//! Contour plots without any drawing library: sample f on a grid, choose log-spaced levels,
//! and extract iso-lines by marching squares.
//!
//! Extraction makes one pass over the cells for all levels: each cell looks up only the levels
//! between its smallest and largest corner (a binary search), so the cost grows with the number
//! of crossings, not with cells x levels. Segments are then joined into polylines through the
//! grid edges they share. Saddle cells are resolved with the cell's mean value.
//! Values are shown on a log scale, `log(f - f_lo + delta)`, so that a Rosenbrock valley and a
//! kappa = 1000 quadratic both show structure near their minimum.

use super::Vec2;
use super::objectives::{Objective, ViewRect};

/// f sampled on an `nx` x `ny` lattice of nodes covering `view` (corners included).
#[derive(Clone, Debug, PartialEq)]
pub struct Grid {
    /// The rectangle sampled.
    pub view: ViewRect,
    /// Nodes along x (>= 2).
    pub nx: usize,
    /// Nodes along y (>= 2).
    pub ny: usize,
    /// Row-major values: `values[j * nx + i]` at x_i, y_j (row 0 is the bottom, y.0).
    pub values: Vec<f64>,
}

impl Grid {
    /// Samples `f`; non-finite values are kept as NaN (cells touching them draw no contour).
    #[must_use]
    pub fn sample<F: Objective + ?Sized>(f: &F, view: ViewRect, nx: usize, ny: usize) -> Self {
        let nx = nx.max(2);
        let ny = ny.max(2);
        let mut values = Vec::with_capacity(nx * ny);
        for j in 0..ny {
            let y = node(view.y, j, ny);
            for i in 0..nx {
                let v = f.value(Vec2::new(node(view.x, i, nx), y));
                values.push(if v.is_finite() { v } else { f64::NAN });
            }
        }
        Self {
            view,
            nx,
            ny,
            values,
        }
    }

    /// Smallest and largest finite value, if any.
    #[must_use]
    pub fn finite_range(&self) -> Option<(f64, f64)> {
        let mut range: Option<(f64, f64)> = None;
        for &v in &self.values {
            if v.is_finite() {
                range = Some(range.map_or((v, v), |(lo, hi)| (lo.min(v), hi.max(v))));
            }
        }
        range
    }

    /// Plot coordinates of node (i, j).
    #[must_use]
    pub fn point(&self, i: usize, j: usize) -> Vec2 {
        Vec2::new(node(self.view.x, i, self.nx), node(self.view.y, j, self.ny))
    }
}

#[allow(clippy::cast_precision_loss, reason = "grid sizes are small")]
fn node((lo, hi): (f64, f64), i: usize, n: usize) -> f64 {
    lo + (hi - lo) * i as f64 / (n - 1) as f64
}

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
    #[allow(clippy::cast_precision_loss, reason = "a few dozen levels")]
    let step = ratio.ln() / count as f64;
    (1..=count)
        .map(|k| {
            #[allow(clippy::cast_precision_loss, reason = "a few dozen levels")]
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

/// One iso-line: a polyline (closed when its first and last points coincide).
#[derive(Clone, Debug, PartialEq)]
pub struct IsoLine {
    /// Index into the levels it was extracted for.
    pub level: usize,
    /// Points in plot coordinates.
    pub points: Vec<[f64; 2]>,
}

/// A segment between two crossing points, each identified by the grid edge it lies on.
#[derive(Clone, Copy)]
struct Segment {
    ends: [(u64, [f64; 2]); 2],
}

/// Extracts iso-lines for every level in one pass over the cells. `levels` must be sorted.
#[must_use]
pub fn extract(grid: &Grid, levels: &[f64]) -> Vec<IsoLine> {
    let (nx, ny) = (grid.nx, grid.ny);
    let v = &grid.values;
    let mut per_level: Vec<Vec<Segment>> = vec![Vec::new(); levels.len()];
    // Edge ids: horizontal edge from node (i, j) to (i+1, j) is 2 (j nx + i); the vertical
    // edge from (i, j) to (i, j+1) is 2 (j nx + i) + 1.
    let h_edge = |i: usize, j: usize| 2 * (j * nx + i) as u64;
    let v_edge = |i: usize, j: usize| 2 * (j * nx + i) as u64 + 1;
    // Each node's bucket: how many levels lie at or below its value (NAN_BUCKET for NaN). A
    // value is >= level k exactly when its bucket is > k, so cells are classified with integer
    // comparisons, and most cells (all corners in one bucket) are skipped at once.
    // Neighbouring nodes have close values: walking from the previous node's bucket costs a
    // step or two where a binary search would cost log2(levels).
    let mut bucket = Vec::with_capacity(v.len());
    let mut at = 0_usize;
    for &x in v {
        if x.is_nan() {
            bucket.push(NAN_BUCKET);
            continue;
        }
        while at < levels.len() && levels[at] <= x {
            at += 1;
        }
        while at > 0 && levels[at - 1] > x {
            at -= 1;
        }
        bucket.push(u32::try_from(at).unwrap_or(NAN_BUCKET - 1));
    }
    for j in 0..ny - 1 {
        for i in 0..nx - 1 {
            let (n00, n10, n11, n01) = (
                j * nx + i,
                j * nx + i + 1,
                (j + 1) * nx + i + 1,
                (j + 1) * nx + i,
            );
            let (ba, bb, bc, bd) = (bucket[n00], bucket[n10], bucket[n11], bucket[n01]);
            // Levels k with first <= k < last cross this cell.
            let first = ba.min(bb).min(bc).min(bd);
            let last = ba.max(bb).max(bc).max(bd);
            if first == last || last == NAN_BUCKET {
                continue;
            }
            let (a, b, c, d) = (v[n00], v[n10], v[n11], v[n01]);
            let p00 = grid.point(i, j);
            let p11 = grid.point(i + 1, j + 1);
            for k in first..last {
                let level = levels[k as usize];
                let bottom = || {
                    (
                        h_edge(i, j),
                        lerp_point(p00.x, p11.x, a, b, level, p00.y, true),
                    )
                };
                let right = || {
                    (
                        v_edge(i + 1, j),
                        lerp_point(p00.y, p11.y, b, c, level, p11.x, false),
                    )
                };
                let top = || {
                    (
                        h_edge(i, j + 1),
                        lerp_point(p00.x, p11.x, d, c, level, p11.y, true),
                    )
                };
                let left = || {
                    (
                        v_edge(i, j),
                        lerp_point(p00.y, p11.y, a, d, level, p00.x, false),
                    )
                };
                let case = usize::from(ba > k)
                    | usize::from(bb > k) << 1
                    | usize::from(bc > k) << 2
                    | usize::from(bd > k) << 3;
                let out = &mut per_level[k as usize];
                let mut seg =
                    |e0: (u64, [f64; 2]), e1: (u64, [f64; 2])| out.push(Segment { ends: [e0, e1] });
                match case {
                    1 | 14 => seg(left(), bottom()),
                    2 | 13 => seg(bottom(), right()),
                    3 | 12 => seg(left(), right()),
                    4 | 11 => seg(right(), top()),
                    6 | 9 => seg(bottom(), top()),
                    7 | 8 => seg(left(), top()),
                    5 | 10 => {
                        // Saddle: the mean decides which diagonal corners connect.
                        let center_above = (a + b + c + d) / 4.0 >= level;
                        if (case == 5) == center_above {
                            seg(left(), top());
                            seg(bottom(), right());
                        } else {
                            seg(left(), bottom());
                            seg(right(), top());
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    let mut lines = Vec::new();
    // Who meets at each grid edge, reused across levels (only touched slots are reset).
    let mut slots = vec![[NO_SEGMENT; 2]; 2 * nx * ny];
    for (k, segments) in per_level.into_iter().enumerate() {
        join(k, &segments, &mut slots, &mut lines);
    }
    lines
}

/// The bucket of a NaN node: cells touching one draw no contour.
const NAN_BUCKET: u32 = u32::MAX;
/// An empty slot in the edge table.
const NO_SEGMENT: u32 = u32::MAX;

/// The crossing of `level` on the edge from value `fa` at `s0` to value `fb` at `s1`, with the
/// other coordinate fixed at `fixed`.
fn lerp_point(
    s0: f64,
    s1: f64,
    fa: f64,
    fb: f64,
    level: f64,
    fixed: f64,
    along_x: bool,
) -> [f64; 2] {
    let t = if fb == fa {
        0.5
    } else {
        ((level - fa) / (fb - fa)).clamp(0.0, 1.0)
    };
    let s = s0 + t * (s1 - s0);
    if along_x { [s, fixed] } else { [fixed, s] }
}

/// Chains one level's segments into polylines through shared edges. `slots` is indexed by edge
/// id, all empty on entry and left empty on return.
fn join(level: usize, segments: &[Segment], slots: &mut [[u32; 2]], lines: &mut Vec<IsoLine>) {
    // Each crossing point is shared by at most two segments.
    for (s, seg) in segments.iter().enumerate() {
        let s = u32::try_from(s).unwrap_or(NO_SEGMENT);
        for (key, _) in seg.ends {
            let slot = &mut slots[edge_index(key)];
            if slot[0] == NO_SEGMENT {
                slot[0] = s;
            } else {
                slot[1] = s;
            }
        }
    }
    let mut used = vec![false; segments.len()];
    for start in 0..segments.len() {
        if used[start] {
            continue;
        }
        used[start] = true;
        let [(k0, p0), (k1, p1)] = segments[start].ends;
        // Walk forwards from end 1, then backwards from end 0.
        let mut forward = vec![p0, p1];
        walk(segments, &mut used, slots, start, k1, &mut forward);
        let mut backward = Vec::new();
        walk(segments, &mut used, slots, start, k0, &mut backward);
        backward.reverse();
        backward.extend(forward);
        lines.push(IsoLine {
            level,
            points: backward,
        });
    }
    for seg in segments {
        for (key, _) in seg.ends {
            slots[edge_index(key)] = [NO_SEGMENT; 2];
        }
    }
}

/// The segment other than `s` that meets at edge `key`.
fn other(slots: &[[u32; 2]], key: u64, s: usize) -> Option<usize> {
    let e = slots[edge_index(key)];
    let s = u32::try_from(s).ok()?;
    let o = if e[0] == s { e[1] } else { e[0] };
    (o != NO_SEGMENT && o != s).then_some(o as usize)
}

#[allow(
    clippy::cast_possible_truncation,
    reason = "edge ids index a table of 2 nx ny slots"
)]
fn edge_index(key: u64) -> usize {
    key as usize
}

fn walk(
    segments: &[Segment],
    used: &mut [bool],
    slots: &[[u32; 2]],
    mut current: usize,
    mut key: u64,
    out: &mut Vec<[f64; 2]>,
) {
    while let Some(next) = other(slots, key, current) {
        if used[next] {
            break;
        }
        used[next] = true;
        let [(ka, pa), (kb, pb)] = segments[next].ends;
        let (far_key, far_point) = if ka == key { (kb, pb) } else { (ka, pa) };
        out.push(far_point);
        current = next;
        key = far_key;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::objectives::{Expression, ObjectiveSpec, QuadraticParams};

    fn circle_grid(n: usize) -> Grid {
        let f = Expression::parse("x^2 + y^2").unwrap();
        Grid::sample(&f, ViewRect::around(Vec2::zeros(), 2.0), n, n)
    }

    #[test]
    fn a_circle_is_one_closed_line_on_the_circle() {
        let g = circle_grid(101);
        let lines = extract(&g, &[1.0]);
        assert_eq!(lines.len(), 1);
        let pts = &lines[0].points;
        assert_eq!(pts.first(), pts.last(), "closed");
        assert!(pts.len() > 100);
        for p in pts {
            let r = (p[0] * p[0] + p[1] * p[1]).sqrt();
            assert!((r - 1.0).abs() < 2e-3, "r = {r}");
        }
    }

    #[test]
    fn every_level_is_extracted_in_one_pass() {
        let g = circle_grid(64);
        let levels = [0.25, 1.0, 2.25, 3.0];
        let lines = extract(&g, &levels);
        for k in 0..levels.len() {
            assert_eq!(
                lines.iter().filter(|l| l.level == k).count(),
                1,
                "level {k}"
            );
        }
        // The corners reach 8: a level of 5 cuts four arcs off the corners.
        assert_eq!(extract(&g, &[5.0]).len(), 4);
        // Levels outside the range give nothing.
        assert!(extract(&g, &[100.0]).is_empty());
    }

    #[test]
    fn saddle_cells_and_nan_do_not_break_extraction() {
        let f = Expression::parse("x*y").unwrap();
        let g = Grid::sample(&f, ViewRect::around(Vec2::zeros(), 1.0), 2, 2);
        assert_eq!(extract(&g, &[0.0]).len(), 2);
        let f = Expression::parse("sqrt(x) + y").unwrap();
        let g = Grid::sample(&f, ViewRect::around(Vec2::zeros(), 1.0), 30, 30);
        assert!(g.values.iter().any(|v| v.is_nan()));
        let lines = extract(&g, &[0.5]);
        assert!(!lines.is_empty());
        assert!(lines.iter().flat_map(|l| &l.points).all(|p| p[0] >= -1e-12));
    }

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

    #[test]
    fn ill_conditioned_quadratic_has_nested_ellipses() {
        let f = ObjectiveSpec::Quadratic(QuadraticParams {
            kappa: 1000.0,
            ..QuadraticParams::default()
        })
        .build()
        .unwrap();
        let g = Grid::sample(&f, ViewRect::around(Vec2::zeros(), 2.5), 200, 200);
        let (lo, hi) = g.finite_range().unwrap();
        let lines = extract(&g, &log_levels(lo, hi, 24));
        assert!(lines.len() >= 20, "{} lines", lines.len());
    }
}
