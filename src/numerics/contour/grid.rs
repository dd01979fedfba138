//! The objective sampled on a lattice of nodes, and the range of its finite values.
//!
//! Rows are sampled in parallel (one `values_on_row` call per row, so the objective dispatches
//! once per row, not once per node), and each row's range is taken while it is still in cache;
//! values that are not finite become NaN, and cells touching a NaN draw no contour. The range
//! search keeps eight independent minima and maxima without branches (compared in the tests
//! with a plain fold that skips what is not finite).

use crate::numerics::Vec2;
use crate::numerics::objectives::{Objective, ViewRect};
use crate::numerics::parallel::ROWS_PER_TASK;
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
        let mut sampler = GridSampler::new(view, nx, ny);
        sampler.sample_rows(f, usize::MAX);
        sampler.finish()
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

    /// The x of every column of nodes.
    pub(super) fn xs(&self) -> Vec<f64> {
        (0..self.nx)
            .map(|i| node(self.view.x, i, self.nx))
            .collect()
    }

    /// The y of every row of nodes.
    pub(super) fn ys(&self) -> Vec<f64> {
        (0..self.ny)
            .map(|j| node(self.view.y, j, self.ny))
            .collect()
    }
}

/// A [`Grid`] sampled a band of rows at a time, so that an objective that is slow to evaluate
/// can be sampled over several frames; the finished grid and range are
/// [`Grid::sample_with_range`]'s, whatever the bands.
#[derive(Clone, Debug)]
pub struct GridSampler {
    grid: Grid,
    xs: Vec<f64>,
    rows_done: usize,
    range: (f64, f64),
}

impl GridSampler {
    /// A grid of `nx` x `ny` nodes over `view` (at least 2 x 2), nothing sampled yet.
    #[must_use]
    pub fn new(view: ViewRect, nx: usize, ny: usize) -> Self {
        let (nx, ny) = (nx.max(2), ny.max(2));
        Self {
            xs: (0..nx).map(|i| node(view.x, i, nx)).collect(),
            grid: Grid {
                view,
                nx,
                ny,
                values: vec![0.0; nx * ny],
            },
            rows_done: 0,
            range: empty_range(),
        }
    }

    /// Samples the next `rows` rows (in parallel); returns how many were sampled.
    pub fn sample_rows<F: Objective + Sync + ?Sized>(&mut self, f: &F, rows: usize) -> usize {
        let (nx, ny, view) = (self.grid.nx, self.grid.ny, self.grid.view);
        let start = self.rows_done;
        let end = start.saturating_add(rows).min(ny);
        let xs = &self.xs;
        let band = &mut self.grid.values[start * nx..end * nx];
        let range = band
            .par_chunks_mut(nx)
            .enumerate()
            .with_min_len(ROWS_PER_TASK)
            .map(|(j, row)| {
                f.values_on_row(xs, node(view.y, start + j, ny), row);
                clean_range(row)
            })
            .reduce(empty_range, widen);
        self.range = widen(self.range, range);
        self.rows_done = end;
        end - start
    }

    /// Rows sampled so far, of [`GridSampler::rows`].
    #[must_use]
    pub fn rows_done(&self) -> usize {
        self.rows_done
    }

    /// Rows in all.
    #[must_use]
    pub fn rows(&self) -> usize {
        self.grid.ny
    }

    /// The rectangle being sampled.
    #[must_use]
    pub fn view(&self) -> ViewRect {
        self.grid.view
    }

    /// True once every row is sampled.
    #[must_use]
    pub fn is_done(&self) -> bool {
        self.rows_done == self.grid.ny
    }

    /// The grid and its finite range (rows not sampled yet are zero).
    #[must_use]
    pub fn finish(self) -> (Grid, Option<(f64, f64)>) {
        (self.grid, found(self.range))
    }
}

/// Values per parallel task of the range search.
const RANGE_CHUNK: usize = 1 << 15;

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

/// Coordinate of node i of n spread over [lo, hi].
fn node((lo, hi): (f64, f64), i: usize, n: usize) -> f64 {
    lo + (hi - lo) * i as f64 / (n - 1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_grid_sampled_in_bands_is_the_grid_sampled_in_one_go() {
        let f = crate::numerics::objectives::ObjectiveSpec::Rosenbrock(
            crate::numerics::objectives::RosenbrockParams::default(),
        )
        .build()
        .unwrap();
        let view = ViewRect {
            x: (-2.0, 2.0),
            y: (-1.0, 3.0),
        };
        let whole = Grid::sample_with_range(&f, view, 37, 29);
        let mut bands = GridSampler::new(view, 37, 29);
        let mut calls = 0;
        while !bands.is_done() {
            assert!(bands.sample_rows(&f, 4) > 0);
            calls += 1;
        }
        assert_eq!(calls, 8);
        assert_eq!(bands.rows_done(), bands.rows());
        assert_eq!(bands.finish(), whole);
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
}
