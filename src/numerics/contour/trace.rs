//! Linking segments into iso-lines: during the scan, across the bands, and into polylines.
//!
//! Each segment end is an id (2 x segment + end) with a link to the end it meets. A crossing on
//! a cell's left or bottom side was made by the cell to the left or below, already visited,
//! whose open end waits in a table one grid row wide per level; the new end is linked to it at
//! once, and ends on the right and top sides take their places in the tables. No table the size
//! of the grid is needed. Ends on the bottom of a band's first row wait in its seam, which
//! [`Tracer::stitch`] links to the top row of the band below, bands in order, so the lines do
//! not depend on how many bands there were. Chaining a level into lines then only follows
//! links: backwards from a segment, then forwards, a closed line coming round to its start.

use super::IsoLine;

/// No segment end: an open line's last point, or an empty slot of the tracer's tables.
const NONE: u32 = u32::MAX;

/// A side of a grid cell, where a segment ends.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Side {
    Bottom,
    Right,
    Top,
    Left,
}

/// A segment end: the side it lies on and the crossing point.
pub(super) type End = (Side, [f64; 2]);

/// Which cell and level a segment belongs to.
#[derive(Clone, Copy)]
pub(super) struct Cell {
    /// Index of the level.
    pub(super) level: u16,
    /// Column of the cell in the row being scanned.
    pub(super) i: usize,
}

/// One level's segments and how their ends connect.
#[derive(Default)]
pub(super) struct LevelSegments {
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
pub(super) struct Tracer {
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
    pub(super) fn new(levels: usize, nx: usize, first_row: usize, rows: usize) -> Self {
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
    pub(super) fn start_row(&mut self, j: usize) {
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
    pub(super) fn add(&mut self, cell: Cell, segments: &[[End; 2]]) {
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
    pub(super) fn stitch(bands: &[Self], k: usize) -> LevelSegments {
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
    pub(super) fn into_lines(self, level: usize) -> Vec<IsoLine> {
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
