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
use rayon::prelude::*;

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
    pub fn sample<F: Objective + Sync + ?Sized>(
        f: &F,
        view: ViewRect,
        nx: usize,
        ny: usize,
    ) -> Self {
        Self::sample_with_range(f, view, nx, ny).0
    }

    /// [`Grid::sample`] and [`Grid::finite_range`] at once: each row's range is taken while
    /// the row is still in cache, which saves a second pass over the grid.
    #[must_use]
    pub fn sample_with_range<F: Objective + Sync + ?Sized>(
        f: &F,
        view: ViewRect,
        nx: usize,
        ny: usize,
    ) -> (Self, Option<(f64, f64)>) {
        let nx = nx.max(2);
        let ny = ny.max(2);
        let xs: Vec<f64> = (0..nx).map(|i| node(view.x, i, nx)).collect();
        let mut values = vec![0.0; nx * ny];
        let (lo, hi) = values
            .par_chunks_mut(nx)
            .enumerate()
            .with_min_len(ROWS_PER_TASK)
            .map(|(j, row)| {
                f.values_on_row(&xs, node(view.y, j, ny), row);
                clean_range(row)
            })
            .reduce(empty_range, widen);
        let grid = Self {
            view,
            nx,
            ny,
            values,
        };
        (grid, found((lo, hi)))
    }

    /// Smallest and largest finite value, if any.
    #[must_use]
    pub fn finite_range(&self) -> Option<(f64, f64)> {
        found(
            self.values
                .par_chunks(RANGE_CHUNK)
                .map(chunk_range)
                .reduce(empty_range, widen),
        )
    }

    /// Plot coordinates of node (i, j).
    #[must_use]
    pub fn point(&self, i: usize, j: usize) -> Vec2 {
        Vec2::new(node(self.view.x, i, self.nx), node(self.view.y, j, self.ny))
    }
}

/// The range found, if any value widened the empty one.
fn found((lo, hi): (f64, f64)) -> Option<(f64, f64)> {
    (lo <= hi).then_some((lo, hi))
}

/// The range of no values: everything widens it.
fn empty_range() -> (f64, f64) {
    (f64::INFINITY, f64::NEG_INFINITY)
}

/// The range covering two ranges.
fn widen((a, b): (f64, f64), (c, d): (f64, f64)) -> (f64, f64) {
    (a.min(c), b.max(d))
}

/// Lanes of the range search: independent minima and maxima the compiler keeps in vector
/// registers.
const LANES: usize = 8;

/// Smallest and largest finite value of `values` (infinite and NaN if there is none).
fn chunk_range(values: &[f64]) -> (f64, f64) {
    let mut range = Lanes::new();
    let (chunks, rest) = values.as_chunks::<LANES>();
    for chunk in chunks {
        range.add(chunk.map(finite_or_nan));
    }
    for &v in rest {
        range.add_one(finite_or_nan(v));
    }
    range.total()
}

/// Replaces every value that is not finite by NaN and returns [`chunk_range`] of the row, in
/// one pass while the row is in cache (a separate clean-up pass made sampling a third slower).
fn clean_range(values: &mut [f64]) -> (f64, f64) {
    let mut range = Lanes::new();
    let (chunks, rest) = values.as_chunks_mut::<LANES>();
    for chunk in chunks {
        *chunk = chunk.map(finite_or_nan);
        range.add(*chunk);
    }
    for v in rest {
        *v = finite_or_nan(*v);
        range.add_one(*v);
    }
    range.total()
}

/// NaN for infinities, the value otherwise.
#[allow(clippy::eq_op, reason = "v - v tests finiteness")]
fn finite_or_nan(v: f64) -> f64 {
    // v - v is 0 exactly when v is finite: a select, where `is_finite` would branch.
    if v - v == 0.0 { v } else { f64::NAN }
}

/// Running minima and maxima of NaN or finite values, in [`LANES`] lanes without branches. A
/// comparison with NaN is false, so `if v < lo` passes over NaN, and compiles to one `min`
/// instruction where `f64::min` needs three.
struct Lanes {
    lo: [f64; LANES],
    hi: [f64; LANES],
}

impl Lanes {
    fn new() -> Self {
        Self {
            lo: [f64::INFINITY; LANES],
            hi: [f64::NEG_INFINITY; LANES],
        }
    }

    fn add(&mut self, values: [f64; LANES]) {
        for (k, v) in values.into_iter().enumerate() {
            self.lo[k] = if v < self.lo[k] { v } else { self.lo[k] };
            self.hi[k] = if v > self.hi[k] { v } else { self.hi[k] };
        }
    }

    fn add_one(&mut self, v: f64) {
        self.add([v; LANES]);
    }

    fn total(&self) -> (f64, f64) {
        (
            self.lo.iter().copied().fold(f64::INFINITY, f64::min),
            self.hi.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        )
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

/// Iso-lines at `count` log-spaced levels over `range`, the grid's finite range (none when the
/// grid has no finite value): what every contour plot of an objective draws.
#[must_use]
pub fn log_iso_lines(grid: &Grid, range: Option<(f64, f64)>, count: usize) -> Vec<IsoLine> {
    range.map_or_else(Vec::new, |(lo, hi)| {
        extract(grid, &log_levels(lo, hi, count))
    })
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

/// Extracts iso-lines for every level in one pass over the cells. `levels` must be sorted; at
/// most [`MAX_LEVELS`] are used.
///
/// Segments are linked to their neighbours while the cells are scanned: a crossing on a cell's
/// left or bottom edge was made by the cell to the left or below, already visited, whose open
/// end waits in a table one grid row wide per level. No table the size of the grid is needed,
/// and the joining afterwards only follows links.
#[must_use]
pub fn extract(grid: &Grid, levels: &[f64]) -> Vec<IsoLine> {
    on_pool(|| extract_here(grid, levels))
}

/// Runs `work` on a thread of rayon's pool (at once when already on one). Every parallel step
/// started from outside the pool hands its work over and wakes a sleeping thread, which costs
/// tens of microseconds on a small machine; started from inside, the steps of `work` only split
/// their work among threads that are awake.
pub fn on_pool<R: Send>(work: impl FnOnce() -> R + Send) -> R {
    rayon::scope(|_| work())
}

/// Makes the calling thread (the app's UI thread) one of the threads of rayon's global pool;
/// call it first thing, before anything uses the pool. The thread's parallel work then starts
/// on it at once and the other threads join in, where otherwise the work would be handed to a
/// pool thread while the caller waits: when the pool has gone to sleep between frames, waking
/// it costs about 0.1 ms on a small virtual machine, a twentieth of a contour rebuild. Changes
/// nothing when the pool exists already or threads are unavailable (the pool then works as
/// before).
pub fn enlist_in_pool() {
    // An error means one of those two cases, and leaves the pool usable.
    let _ = rayon::ThreadPoolBuilder::new()
        .use_current_thread()
        .build_global();
}

/// [`extract`] on the current thread, which should be one of rayon's.
fn extract_here(grid: &Grid, levels: &[f64]) -> Vec<IsoLine> {
    let levels = &levels[..levels.len().min(MAX_LEVELS)];
    let (nx, ny) = (grid.nx, grid.ny);
    if nx < 2 || ny < 2 || grid.values.len() < nx * ny || levels.is_empty() {
        return Vec::new();
    }
    // Bands of cell rows are scanned in parallel, then stitched in order.
    let cell_rows = ny - 1;
    let bands = (2 * rayon::current_num_threads())
        .min(cell_rows.div_ceil(ROWS_PER_TASK))
        .max(1);
    let per_band = cell_rows.div_ceil(bands);
    let scan = Scan {
        grid,
        levels,
        fences: fences(levels),
        xs: (0..nx).map(|i| node(grid.view.x, i, nx)).collect(),
        ys: (0..ny).map(|j| node(grid.view.y, j, ny)).collect(),
    };
    let tracers: Vec<Tracer> = (0..bands)
        .into_par_iter()
        .map(|b| scan.band(b * per_band, ((b + 1) * per_band).min(cell_rows)))
        .collect();
    // Each level is stitched across the bands and chained into lines on its own, in parallel.
    let per_level: Vec<Vec<IsoLine>> = (0..levels.len())
        .into_par_iter()
        .map(|k| Tracer::stitch(&tracers, k).into_lines(k))
        .collect();
    per_level.into_iter().flatten().collect()
}

/// What every band of the scan reads.
struct Scan<'a> {
    grid: &'a Grid,
    levels: &'a [f64],
    /// The levels between sentinels (see [`bucket_row`]).
    fences: Vec<f64>,
    xs: Vec<f64>,
    ys: Vec<f64>,
}

impl Scan<'_> {
    /// Scans cell rows `first..end` into a tracer of their own.
    fn band(&self, first: usize, end: usize) -> Tracer {
        use Side::{Bottom, Left, Right, Top};
        let (levels, v) = (self.levels, &self.grid.values);
        let (xs, ys) = (&self.xs, &self.ys);
        let nx = self.grid.nx;
        let mut tracer = Tracer::new(levels.len(), nx, first, end - first);
        // One flag per cell, padded with zeros to whole words of eight (see `marked`).
        let mut mixed = vec![0_u8; (nx - 1).div_ceil(8) * 8];
        // The buckets of the cells' bottom and top rows of nodes, computed row by row so that
        // they are still in cache when the cells are scanned.
        let (mut lower, mut upper) = (vec![NAN_BUCKET; nx], vec![NAN_BUCKET; nx]);
        bucket_row(&v[first * nx..(first + 1) * nx], &self.fences, &mut lower);
        for j in first..end {
            let (row0, row1) = (j * nx, (j + 1) * nx);
            let (y0, y1) = (ys[j], ys[j + 1]);
            if j > first {
                std::mem::swap(&mut lower, &mut upper);
            }
            bucket_row(&v[row1..row1 + nx], &self.fences, &mut upper);
            tracer.start_row(j);
            // Most cells have all four corners in one bucket and no line. Marking the others
            // is a loop over the row the compiler vectorises; only marked cells are visited.
            for ((m, b), t) in mixed[..nx - 1]
                .iter_mut()
                .zip(lower.windows(2))
                .zip(upper.windows(2))
            {
                *m = u8::from((b[0] ^ b[1]) | (b[0] ^ t[0]) | (b[0] ^ t[1]) != 0);
            }
            for i in marked(&mixed) {
                let (ba, bb, bc, bd) = (lower[i], lower[i + 1], upper[i + 1], upper[i]);
                // Levels k with first <= k < last cross this cell.
                let low = ba.min(bb).min(bc).min(bd);
                let high = ba.max(bb).max(bc).max(bd);
                if high == NAN_BUCKET {
                    continue;
                }
                let (a, b, c, d) = (v[row0 + i], v[row0 + i + 1], v[row1 + i + 1], v[row1 + i]);
                let (x0, x1) = (xs[i], xs[i + 1]);
                for k in low..high {
                    let level = levels[usize::from(k)];
                    let end = |side: Side| -> End {
                        let point = match side {
                            Side::Bottom => [lerp(x0, x1, a, b, level), y0],
                            Side::Right => [x1, lerp(y0, y1, b, c, level)],
                            Side::Top => [lerp(x0, x1, d, c, level), y1],
                            Side::Left => [x0, lerp(y0, y1, a, d, level)],
                        };
                        (side, point)
                    };
                    let case = usize::from(ba > k)
                        | usize::from(bb > k) << 1
                        | usize::from(bc > k) << 2
                        | usize::from(bd > k) << 3;
                    let cell = Cell { level: k, i };
                    match case {
                        1 | 14 => tracer.add(cell, &[[end(Left), end(Bottom)]]),
                        2 | 13 => tracer.add(cell, &[[end(Bottom), end(Right)]]),
                        3 | 12 => tracer.add(cell, &[[end(Left), end(Right)]]),
                        4 | 11 => tracer.add(cell, &[[end(Right), end(Top)]]),
                        6 | 9 => tracer.add(cell, &[[end(Bottom), end(Top)]]),
                        7 | 8 => tracer.add(cell, &[[end(Left), end(Top)]]),
                        5 | 10 => {
                            // Saddle: the mean decides which diagonal corners connect.
                            let center_above = (a + b + c + d) / 4.0 >= level;
                            if (case == 5) == center_above {
                                tracer
                                    .add(cell, &[[end(Left), end(Top)], [end(Bottom), end(Right)]]);
                            } else {
                                tracer
                                    .add(cell, &[[end(Left), end(Bottom)], [end(Right), end(Top)]]);
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
        tracer
    }
}

/// Rows of nodes per parallel task: enough work to be worth handing to another thread.
const ROWS_PER_TASK: usize = 16;
/// Values per parallel task of the range search.
const RANGE_CHUNK: usize = 1 << 15;

/// Indices of the non-zero entries of `flags` (each 0 or 1; the length a multiple of eight),
/// eight flags read as one word and words of zeros passed over at once.
fn marked(flags: &[u8]) -> Marked<'_> {
    Marked {
        words: flags.as_chunks::<8>().0,
        next: 0,
        bits: 0,
    }
}

/// The iterator of [`marked`].
struct Marked<'a> {
    words: &'a [[u8; 8]],
    /// The word after the one in `bits`.
    next: usize,
    /// What is left of the current word: a flag is one bit, the lowest of its byte.
    bits: u64,
}

impl Iterator for Marked<'_> {
    type Item = usize;

    #[inline]
    fn next(&mut self) -> Option<usize> {
        while self.bits == 0 {
            self.bits = u64::from_le_bytes(*self.words.get(self.next)?);
            self.next += 1;
        }
        let byte = self.bits.trailing_zeros() / 8;
        // Each set byte holds a single bit: clearing the lowest set bit clears its flag.
        self.bits &= self.bits - 1;
        Some(8 * (self.next - 1) + byte as usize)
    }
}

/// The most levels [`extract`] draws (a node's level index is stored in 16 bits).
pub const MAX_LEVELS: usize = 65_534;

/// The bucket of a NaN node: cells touching one draw no contour.
const NAN_BUCKET: u16 = u16::MAX;
/// No segment end: an open line's last point, or an empty slot of the tracer's tables.
const NONE: u32 = u32::MAX;

/// The levels between two sentinels on each side: a finite x in bucket b has
/// `fences[b + 1] <= x < fences[b + 2]`, and the walks of [`bucket_row`] cannot leave the
/// table. The low sentinels are the lowest finite value, so that no finite x lies below them
/// and -inf does not lie in bucket 0.
fn fences(levels: &[f64]) -> Vec<f64> {
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
fn bucket_row(values: &[f64], fences: &[f64], out: &mut [u16]) {
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

/// The crossing of `level` between value `fa` at `s0` and value `fb` at `s1`.
fn lerp(s0: f64, s1: f64, fa: f64, fb: f64, level: f64) -> f64 {
    let t = if fb == fa {
        0.5
    } else {
        ((level - fa) / (fb - fa)).clamp(0.0, 1.0)
    };
    s0 + t * (s1 - s0)
}

/// A side of a grid cell, where a segment ends.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Bottom,
    Right,
    Top,
    Left,
}

/// A segment end: the side it lies on and the crossing point.
type End = (Side, [f64; 2]);

/// Which cell and level a segment belongs to.
#[derive(Clone, Copy)]
struct Cell {
    level: u16,
    i: usize,
}

/// One level's segments and how their ends connect.
#[derive(Default)]
struct LevelSegments {
    /// The two end points of each segment.
    points: Vec<[[f64; 2]; 2]>,
    /// For each segment end, the end it meets (`2 * segment + end`), or `NONE`.
    links: Vec<[u32; 2]>,
}

/// An open segment end waiting for the cell across its edge, tagged with where that edge is.
#[derive(Clone, Copy)]
struct Waiting {
    tag: u32,
    end: u32,
}

const NOBODY: Waiting = Waiting {
    tag: NONE,
    end: NONE,
};

/// Links segments while a band of cells is scanned row by row, left to right.
struct Tracer {
    levels: Vec<LevelSegments>,
    /// Per level and column: the end on the top edge of the cell below, tagged with the node
    /// row of that edge.
    below: Vec<Waiting>,
    /// Per level: the end on the right edge of the cell to the left, tagged with its column.
    left: Vec<Waiting>,
    /// Per level and column: the end on the bottom edge of the band's first row, which the
    /// band below links to when the bands are stitched (`NONE` where there is none).
    seam: Vec<u32>,
    nx: usize,
    /// The band's first row of cells, as a tag.
    first: u32,
    /// The row being scanned, as a tag.
    row: u32,
}

impl Tracer {
    /// A tracer for a band of `rows` rows of cells starting at `first_row`.
    fn new(levels: usize, nx: usize, first_row: usize, rows: usize) -> Self {
        let first = u32::try_from(first_row).unwrap_or(NONE);
        // Room for a line across the band and back without growing (growing copies, and the
        // copies cost a tenth of the extraction); only the pages used are ever touched.
        let room = nx + 2 * rows;
        Self {
            levels: (0..levels)
                .map(|_| LevelSegments {
                    points: Vec::with_capacity(room),
                    links: Vec::with_capacity(room),
                })
                .collect(),
            below: vec![NOBODY; levels * nx],
            left: vec![NOBODY; levels],
            seam: vec![NONE; levels * nx],
            nx,
            first,
            row: first,
        }
    }

    /// Starts row `j` of cells.
    fn start_row(&mut self, j: usize) {
        self.row = u32::try_from(j).unwrap_or(NONE);
        self.left.fill(NOBODY);
    }

    /// Adds a cell's segments for one level (one, or two in a saddle). Ends on the left and
    /// bottom sides are linked first, before the ends on the right and top sides take their
    /// places in the tables (a saddle's second segment may read what its first would write).
    #[allow(
        clippy::inline_always,
        reason = "each call site passes fixed sides; inlined, the matches on them fold away \
                  (a tenth fewer instructions per extraction, measured with callgrind)"
    )]
    #[inline(always)]
    fn add(&mut self, cell: Cell, segments: &[[End; 2]]) {
        let k = usize::from(cell.level);
        let slot = k * self.nx + cell.i;
        let column = u32::try_from(cell.i).unwrap_or(NONE);
        let level = &mut self.levels[k];
        let first = level.points.len();
        for (s, [(side0, p0), (side1, p1)]) in segments.iter().enumerate() {
            level.points.push([*p0, *p1]);
            level.links.push([NONE; 2]);
            for (e, side) in [(0, side0), (1, side1)] {
                let here = end_id(first + s, e);
                let (w, tag) = match side {
                    Side::Bottom if self.row == self.first => {
                        self.seam[slot] = here;
                        continue;
                    }
                    Side::Bottom => (self.below[slot], self.row),
                    Side::Left => (self.left[k], column),
                    Side::Right | Side::Top => continue,
                };
                if w.tag == tag {
                    link(&mut level.links, here, w.end);
                }
            }
        }
        for (s, [(side0, _), (side1, _)]) in segments.iter().enumerate() {
            for (e, side) in [(0, side0), (1, side1)] {
                let end = end_id(first + s, e);
                match side {
                    Side::Top => {
                        self.below[slot] = Waiting {
                            tag: self.row + 1,
                            end,
                        };
                    }
                    Side::Right => {
                        self.left[k] = Waiting {
                            tag: column + 1,
                            end,
                        };
                    }
                    Side::Bottom | Side::Left => {}
                }
            }
        }
    }

    /// Level `k`'s segments of all bands, bottom band first, in one list: the ends that meet on
    /// the row of edges between two bands are linked.
    fn stitch(bands: &[Self], k: usize) -> LevelSegments {
        let total = bands.iter().map(|t| t.levels[k].points.len()).sum();
        let mut all = LevelSegments {
            points: Vec::with_capacity(total),
            links: Vec::with_capacity(total),
        };
        // The top row of waiting ends of the band below, and where its segments start.
        let mut below: Option<(&[Waiting], u32)> = None;
        for band in bands {
            let offset = end_id(all.points.len(), 0);
            let shift = |end: u32| if end == NONE { NONE } else { end + offset };
            let theirs = &band.levels[k];
            all.points.extend_from_slice(&theirs.points);
            all.links
                .extend(theirs.links.iter().map(|&[a, b]| [shift(a), shift(b)]));
            let row = k * band.nx..(k + 1) * band.nx;
            if let Some((waiting, base)) = below {
                for (w, &seam) in waiting.iter().zip(&band.seam[row.clone()]) {
                    if seam != NONE && w.tag == band.first {
                        link(&mut all.links, w.end + base, seam + offset);
                    }
                }
            }
            below = Some((&band.below[row], offset));
        }
        all
    }
}

impl LevelSegments {
    /// The polylines of level `level`.
    fn into_lines(self, level: usize) -> Vec<IsoLine> {
        let mut lines = Vec::new();
        let mut used = vec![false; self.points.len()];
        for start in 0..self.points.len() {
            if used[start] {
                continue;
            }
            used[start] = true;
            let [p0, p1] = self.points[start];
            // Walk backwards from end 0, turn the points round, then walk forwards from end
            // 1. A closed line comes round to its start in the first walk.
            let mut points = Vec::new();
            walk(&self, &mut used, self.links[start][0], &mut points);
            points.reverse();
            points.push(p0);
            points.push(p1);
            walk(&self, &mut used, self.links[start][1], &mut points);
            lines.push(IsoLine { level, points });
        }
        lines
    }
}

/// Connects two segment ends.
fn link(links: &mut [[u32; 2]], a: u32, b: u32) {
    let (a, b) = (a as usize, b as usize);
    links[a / 2][a % 2] = u32::try_from(b).unwrap_or(NONE);
    links[b / 2][b % 2] = u32::try_from(a).unwrap_or(NONE);
}

/// The id of end `e` of segment `s`.
fn end_id(s: usize, e: usize) -> u32 {
    u32::try_from(2 * s + e).unwrap_or(NONE)
}

/// Follows links from the end `next` (of the segment after the current one), pushing the far
/// end of each segment reached, until a line ends or closes.
fn walk(segs: &LevelSegments, used: &mut [bool], mut next: u32, out: &mut Vec<[f64; 2]>) {
    while next != NONE {
        let (s, e) = (next as usize / 2, next as usize % 2);
        if used[s] {
            break;
        }
        used[s] = true;
        let far = 1 - e;
        out.push(segs.points[s][far]);
        next = segs.links[s][far];
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

    proptest::proptest! {
        /// The lane-wise ranges agree with a plain scan that skips what is not finite, and
        /// cleaning leaves NaN exactly where the value was not finite.
        #[test]
        fn ranges_skip_what_is_not_finite(
            values in proptest::collection::vec(
                proptest::prop_oneof![
                    -1e6_f64..1e6,
                    proptest::strategy::Just(f64::NAN),
                    proptest::strategy::Just(f64::INFINITY),
                    proptest::strategy::Just(f64::NEG_INFINITY),
                    proptest::strategy::Just(f64::MAX),
                    proptest::strategy::Just(f64::MIN),
                ],
                0..40,
            ),
        ) {
            let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
            let expected = (
                finite.iter().copied().fold(f64::INFINITY, f64::min),
                finite.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            );
            proptest::prop_assert_eq!(chunk_range(&values), expected);
            let mut cleaned = values.clone();
            proptest::prop_assert_eq!(clean_range(&mut cleaned), expected);
            for (v, c) in values.iter().zip(&cleaned) {
                if v.is_finite() {
                    proptest::prop_assert_eq!(v, c);
                } else {
                    proptest::prop_assert!(c.is_nan());
                }
            }
        }
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

    /// Every crossing of every level as a segment, cell by cell, with no joining: the
    /// reference the joined lines are checked against.
    fn reference_segments(g: &Grid, level: f64) -> Vec<[[u64; 2]; 2]> {
        let key = |p: [f64; 2]| [p[0].to_bits(), p[1].to_bits()];
        let mut out = Vec::new();
        for j in 0..g.ny - 1 {
            for i in 0..g.nx - 1 {
                let at = |i: usize, j: usize| g.values[j * g.nx + i];
                let (a, b, c, d) = (at(i, j), at(i + 1, j), at(i + 1, j + 1), at(i, j + 1));
                if [a, b, c, d].iter().any(|v| v.is_nan()) {
                    continue;
                }
                let (p0, p1) = (g.point(i, j), g.point(i + 1, j + 1));
                let bottom = key([lerp(p0.x, p1.x, a, b, level), p0.y]);
                let right = key([p1.x, lerp(p0.y, p1.y, b, c, level)]);
                let top = key([lerp(p0.x, p1.x, d, c, level), p1.y]);
                let left = key([p0.x, lerp(p0.y, p1.y, a, d, level)]);
                let above = [a >= level, b >= level, c >= level, d >= level];
                let mut crossing = Vec::new();
                for (k, edge) in [bottom, right, top, left].into_iter().enumerate() {
                    if above[k] != above[(k + 1) % 4] {
                        crossing.push(edge);
                    }
                }
                if crossing.len() == 2 {
                    out.push([crossing[0], crossing[1]]);
                } else if crossing.len() == 4 {
                    // Saddle: corners a and c above, or b and d; the mean decides.
                    let [bo, ri, to, le] = [crossing[0], crossing[1], crossing[2], crossing[3]];
                    let center_above = (a + b + c + d) / 4.0 >= level;
                    if above[0] == center_above {
                        out.push([le, to]);
                        out.push([bo, ri]);
                    } else {
                        out.push([le, bo]);
                        out.push([ri, to]);
                    }
                }
            }
        }
        out
    }

    #[test]
    fn joined_lines_use_every_crossing_once_and_cannot_be_joined_further() {
        use std::collections::HashMap;
        let cases = [
            ("sin(3*x)*sin(2*y) + 0.1*x", 200, 150),
            ("sqrt(x + 0.3) * cos(4*y) + y^2", 181, 240),
            ("x*y", 2, 2),
            ("x^2 - y^2", 3, 40),
            ("sin(5*x)*cos(5*y)", 97, 33),
        ];
        for (text, nx, ny) in cases {
            let f = Expression::parse(text).unwrap();
            let g = Grid::sample(&f, ViewRect::around(Vec2::new(0.1, -0.05), 1.3), nx, ny);
            let (lo, hi) = g.finite_range().unwrap();
            let levels = log_levels(lo, hi, 12);
            let lines = extract(&g, &levels);
            for (k, &level) in levels.iter().enumerate() {
                let unordered = |p: [[u64; 2]; 2]| if p[0] <= p[1] { p } else { [p[1], p[0]] };
                let mut expected: HashMap<[[u64; 2]; 2], i32> = HashMap::new();
                let mut ends: HashMap<[u64; 2], i32> = HashMap::new();
                for seg in reference_segments(&g, level) {
                    *expected.entry(unordered(seg)).or_default() += 1;
                    *ends.entry(seg[0]).or_default() += 1;
                    *ends.entry(seg[1]).or_default() += 1;
                }
                let mut found: HashMap<[[u64; 2]; 2], i32> = HashMap::new();
                for line in lines.iter().filter(|l| l.level == k) {
                    let keys: Vec<[u64; 2]> = line
                        .points
                        .iter()
                        .map(|p| [p[0].to_bits(), p[1].to_bits()])
                        .collect();
                    for w in keys.windows(2) {
                        *found.entry(unordered([w[0], w[1]])).or_default() += 1;
                    }
                    let (first, last) = (keys[0], keys[keys.len() - 1]);
                    if first != last {
                        // An open line ends where no other segment continues it.
                        assert_eq!(ends[&first], 1, "{text} level {k}: open start");
                        assert_eq!(ends[&last], 1, "{text} level {k}: open end");
                    }
                }
                assert_eq!(found, expected, "{text} {nx}x{ny} level {k}");
            }
        }
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
