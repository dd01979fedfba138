//! Marching squares over a band of cell rows, for every level in one pass.
//!
//! A cell's corners are compared with a level through their buckets (see [`super::levels`]):
//! corner values at or above the level set the bits of the cell's case, and the case's table
//! entry says which sides the level's segment joins; in a saddle (two opposite corners above)
//! the cell's mean value decides which pairs of sides join. Crossings on a side are
//! interpolated linearly. Most cells have all four corners in one bucket and no line: a vectorised pass
//! over the row marks the others, and only marked cells are visited, eight flags read as one
//! word. A cell then handles only the levels between its lowest and highest corner bucket, so
//! the cost grows with the number of crossings, not with cells x levels. Each segment goes
//! straight to the band's [`Tracer`], which links it to its neighbours. The tests in
//! [`super`] check the result against a plain cell-by-cell reference.

use super::Grid;
use super::levels::{NAN_BUCKET, bucket_row, fences};
use super::trace::{Cell, End, Side, Tracer};

/// What every band of the scan reads.
pub(super) struct Scan<'a> {
    grid: &'a Grid,
    levels: &'a [f64],
    /// The levels between sentinels (see [`fences`]).
    fences: Vec<f64>,
    xs: Vec<f64>,
    ys: Vec<f64>,
}

impl<'a> Scan<'a> {
    /// A scan of `grid` for `levels` (sorted; at most [`super::MAX_LEVELS`]).
    pub(super) fn new(grid: &'a Grid, levels: &'a [f64]) -> Self {
        Self {
            grid,
            levels,
            fences: fences(levels),
            xs: grid.xs(),
            ys: grid.ys(),
        }
    }

    /// Scans cell rows `first..end` into a tracer of their own.
    pub(super) fn band(&self, first: usize, end: usize) -> Tracer {
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

/// The crossing of `level` between value `fa` at `s0` and value `fb` at `s1`.
#[inline]
pub(super) fn lerp(s0: f64, s1: f64, fa: f64, fb: f64, level: f64) -> f64 {
    let t = if fb == fa {
        0.5
    } else {
        ((level - fa) / (fb - fa)).clamp(0.0, 1.0)
    };
    s0 + t * (s1 - s0)
}
