//! Contour plots without any drawing library: the objective sampled on a grid (`grid.rs`),
//! log-spaced levels and each node's bucket among them (`levels.rs`), iso-lines extracted by
//! marching squares (`scan.rs`) and linked into polylines (`trace.rs`); plain data, no drawing
//! types.
//!
//! One pass over the cells serves all levels. Sampling, and then bucketing and the scan, run
//! in bands of rows on rayon's pool; each level is then stitched across the bands in order and
//! chained into lines, the levels in parallel, so the result does not depend on the number of
//! threads. Callers that sample and extract enter the pool once for both (see
//! [`crate::numerics::parallel`]). Where threads are unavailable (wasm32) rayon runs it all on
//! the calling thread.

mod grid;
mod levels;
mod scan;
mod trace;

pub use grid::{Grid, GridSampler};
pub use levels::{LogScale, MAX_LEVELS, log_levels, log_offset};

use super::parallel::{self, on_pool};
use rayon::prelude::*;
use scan::Scan;
use trace::Tracer;

/// One iso-line: a polyline (closed when its first and last points coincide).
#[derive(Clone, Debug, PartialEq)]
pub struct IsoLine {
    /// Index into the levels it was extracted for.
    pub level: usize,
    /// Points in plot coordinates.
    pub points: Vec<[f64; 2]>,
}

/// Iso-lines at `count` log-spaced levels over `range`, the grid's finite range (none when the
/// grid has no finite value): what every contour plot of an objective draws.
#[must_use]
pub fn log_iso_lines(grid: &Grid, range: Option<(f64, f64)>, count: usize) -> Vec<IsoLine> {
    range.map_or_else(Vec::new, |(lo, hi)| {
        extract(grid, &log_levels(lo, hi, count))
    })
}

/// Extracts iso-lines for every level in one pass over the cells. `levels` must be sorted; at
/// most [`MAX_LEVELS`] are used. Saddle cells are resolved with the cell's mean value; cells
/// touching a NaN draw nothing.
#[must_use]
pub fn extract(grid: &Grid, levels: &[f64]) -> Vec<IsoLine> {
    on_pool(|| extract_here(grid, levels))
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
    let bands = parallel::bands(cell_rows);
    let per_band = cell_rows.div_ceil(bands);
    let scan = Scan::new(grid, levels);
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

#[cfg(test)]
mod tests {
    use super::scan::lerp;
    use super::*;
    use crate::numerics::Vec2;
    use crate::numerics::objectives::ViewRect;
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
