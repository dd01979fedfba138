//! A run's path as it should be drawn: every step's point goes in, and out comes a polyline
//! with few vertices that stays within `tolerance` of every point the run visited.
//!
//! The recorded trajectory keeps every stride-th step once a run is long (a bounded memory), and
//! joining those samples cuts corners: after two million steps a path along a curved valley is
//! drawn as chords straight across its wall. Here every step is looked at once, online, by the
//! sleeve method (Zhao and Saalfeld 1997): from the last vertex, the directions that keep all
//! points since then within `tolerance` of one ray form a wedge; a point that would leave it
//! (or double back) makes the previous point a vertex. The wedge is two unit vectors, so a step
//! costs a few multiplications and one square root. If the vertices outgrow their budget, the
//! tolerance doubles and the vertices are simplified again (no point of the run is ever more
//! than the current tolerance from the line drawn through the vertices kept before it).

use super::Vec2;

/// The polyline to draw for a path, built one point at a time.
#[derive(Clone, Debug, Default)]
pub struct PathShape {
    tolerance: f64,
    budget: usize,
    /// Vertices and the step each one is.
    points: Vec<Vec2>,
    steps: Vec<usize>,
    /// The latest point, not yet a vertex: the end of the current straight piece.
    pending: Option<(usize, Vec2)>,
    /// Directions from the last vertex that keep every point since within the tolerance.
    wedge: Option<(Vec2, Vec2)>,
    /// Farthest distance from the last vertex so far (a point much closer doubles back).
    reach: f64,
    /// Bumped when the vertices are simplified again (a cache key for the picture).
    generation: u64,
}

impl PathShape {
    /// An empty shape: vertices at most `tolerance` (plot units) off the path, at most about
    /// `budget` of them (at least 16).
    #[must_use]
    pub fn new(tolerance: f64, budget: usize) -> Self {
        Self {
            tolerance: if tolerance.is_finite() && tolerance > 0.0 {
                tolerance
            } else {
                1e-9
            },
            budget: budget.max(16),
            ..Self::default()
        }
    }

    /// The vertices so far (the latest point is [`Self::latest`], not yet among them).
    #[must_use]
    pub fn points(&self) -> &[Vec2] {
        &self.points
    }

    /// The step of each vertex.
    #[must_use]
    pub fn steps(&self) -> &[usize] {
        &self.steps
    }

    /// The latest point and its step, if it is not a vertex.
    #[must_use]
    pub fn latest(&self) -> Option<(usize, Vec2)> {
        self.pending
    }

    /// How far the drawn line may be from the path now.
    #[must_use]
    pub fn tolerance(&self) -> f64 {
        self.tolerance
    }

    /// Changes whenever the vertices are simplified again.
    #[must_use]
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Heap memory held by the vertices, in bytes (bounded by the budget).
    #[must_use]
    pub fn heap_bytes(&self) -> usize {
        self.points.capacity() * std::mem::size_of::<Vec2>()
            + self.steps.capacity() * std::mem::size_of::<usize>()
    }

    /// Number of vertices at steps up to `step`.
    #[must_use]
    pub fn vertices_upto(&self, step: usize) -> usize {
        self.steps.partition_point(|&s| s <= step)
    }

    /// The last vertex at a step up to `step` (what a stroke to the point shown at `step`
    /// starts from), if any.
    #[must_use]
    pub fn last_vertex_upto(&self, step: usize) -> Option<Vec2> {
        self.vertices_upto(step)
            .checked_sub(1)
            .map(|i| self.points[i])
    }

    /// Adds the point of `step` (steps come in increasing order). Non-finite points are ignored
    /// (a run stops at them).
    pub fn push(&mut self, step: usize, p: Vec2) {
        if !(p.x.is_finite() && p.y.is_finite()) {
            return;
        }
        self.push_point(step, p);
        if self.points.len() > self.budget {
            self.coarsen();
        }
    }

    fn push_point(&mut self, step: usize, p: Vec2) {
        let Some(&anchor) = self.points.last() else {
            self.points.push(p);
            self.steps.push(step);
            return;
        };
        if self.pending.is_some() && !self.fits(anchor, p) {
            // The straight piece ends at the previous point: it becomes a vertex, and the new
            // point starts the next piece.
            if let Some((s, q)) = self.pending.take() {
                self.points.push(q);
                self.steps.push(s);
            }
            self.wedge = None;
            self.reach = 0.0;
            return self.push_point(step, p);
        }
        self.narrow(anchor, p);
        self.pending = Some((step, p));
    }

    /// True when `p` can end the straight piece from `anchor`: its direction is inside the
    /// wedge and it does not double back.
    fn fits(&self, anchor: Vec2, p: Vec2) -> bool {
        // Squared distances and unnormalised directions: signs and comparisons need no root.
        let v = p - anchor;
        let d2 = v.norm_squared();
        let back = self.reach - self.tolerance;
        if back > 0.0 && d2 < back * back {
            return false;
        }
        match self.wedge {
            None => true,
            Some(_) if d2 <= self.tolerance * self.tolerance => self.reach <= self.tolerance,
            Some((lo, hi)) => cross(lo, v) >= 0.0 && cross(v, hi) >= 0.0 && lo.dot(&v) > 0.0,
        }
    }

    /// Intersects the wedge with the directions that pass within the tolerance of `p`.
    fn narrow(&mut self, anchor: Vec2, p: Vec2) {
        // A run that has settled lands within the tolerance of its last vertex step after
        // step: that costs a multiply-add and a comparison, no root. (`reach` only matters
        // once it exceeds the tolerance, so it need not follow such points.)
        let v = p - anchor;
        let d2 = v.norm_squared();
        let t = self.tolerance;
        if d2 <= t * t {
            return;
        }
        let d = d2.sqrt();
        self.reach = self.reach.max(d);
        // The two tangents from the anchor to the circle of radius t around p, as unit
        // vectors: v / d turned by +-asin(t / d), with d cos = sqrt(d^2 - t^2) and d sin = t.
        // The two roots and the one division do not wait for each other.
        let (c, s) = ((d2 - t * t).sqrt(), 1.0 / d2);
        let lo = Vec2::new((v.x * c + v.y * t) * s, (v.y * c - v.x * t) * s);
        let hi = Vec2::new((v.x * c - v.y * t) * s, (v.y * c + v.x * t) * s);
        self.wedge = Some(match self.wedge {
            None => (lo, hi),
            Some((a, b)) => (
                if cross(a, lo) > 0.0 { lo } else { a },
                if cross(hi, b) > 0.0 { hi } else { b },
            ),
        });
    }

    /// Twice the tolerance, and the vertices simplified again with it.
    fn coarsen(&mut self) {
        let tolerance = self.tolerance * 2.0;
        let (points, steps) = (
            std::mem::take(&mut self.points),
            std::mem::take(&mut self.steps),
        );
        let mut again = Self {
            tolerance,
            budget: self.budget,
            ..Self::default()
        };
        for (s, p) in steps.iter().zip(&points) {
            again.push_point(*s, *p);
        }
        // The last vertex is where the current piece starts: it stays a vertex.
        if let Some((s, q)) = again.pending.take() {
            again.points.push(q);
            again.steps.push(s);
        }
        self.points = again.points;
        self.steps = again.steps;
        self.tolerance = tolerance;
        self.generation += 1;
    }
}

/// A path thinned on a grid of square cells for drawing, the one rule the app and the figures
/// share. A vertex in a cell the path has already drawn through is left out and the pen is
/// lifted; the next vertex in a new cell starts a new stroke from the vertex just before it.
/// Every drawn segment is a piece of the path (no chord is ever drawn), and a run that circles
/// its minimum a million times draws its circle once.
#[derive(Clone, Debug, Default)]
pub struct Thinning {
    cell: f64,
    points: Vec<Vec2>,
    steps: Vec<usize>,
    starts: Vec<bool>,
    visited: std::collections::HashSet<(i64, i64)>,
    lifted: Option<(Vec2, usize)>,
}

impl Thinning {
    /// An empty thinning on cells of side `cell` (plane units; about a pixel).
    #[must_use]
    pub fn new(cell: f64) -> Self {
        Self {
            cell: if cell.is_finite() && cell > 0.0 {
                cell
            } else {
                f64::MIN_POSITIVE
            },
            ..Self::default()
        }
    }

    /// The thinning of all of `shape`'s vertices.
    #[must_use]
    pub fn of(shape: &PathShape, cell: f64) -> Self {
        let mut t = Self::new(cell);
        for (p, s) in shape.points().iter().zip(shape.steps()) {
            t.push(*p, *s);
        }
        t
    }

    /// The cell side.
    #[must_use]
    pub fn cell(&self) -> f64 {
        self.cell
    }

    /// Kept points.
    #[must_use]
    pub fn points(&self) -> &[Vec2] {
        &self.points
    }

    /// The step of each kept point.
    #[must_use]
    pub fn steps(&self) -> &[usize] {
        &self.steps
    }

    /// Adds the next vertex (steps in increasing order).
    pub fn push(&mut self, p: Vec2, step: usize) {
        if !(p.x.is_finite() && p.y.is_finite()) {
            return;
        }
        #[allow(
            clippy::cast_possible_truncation,
            reason = "a drawn plane's cells are far inside i64"
        )]
        let cell = (
            (p.x / self.cell).floor() as i64,
            (p.y / self.cell).floor() as i64,
        );
        if self.visited.insert(cell) || self.points.is_empty() {
            if let Some((q, qs)) = self.lifted.take() {
                self.keep(q, qs, true);
            }
            let first = self.points.is_empty();
            self.keep(p, step, first);
        } else {
            self.lifted = Some((p, step));
        }
    }

    fn keep(&mut self, p: Vec2, step: usize, start: bool) {
        self.points.push(p);
        self.steps.push(step);
        self.starts.push(start);
    }

    /// The strokes up to `step`, the last ending at `current` (the point shown there), joined
    /// to it from `previous` (the path's vertex before it) when the pen is up there.
    #[must_use]
    pub fn strokes(&self, step: usize, current: Vec2, previous: Option<Vec2>) -> Vec<Vec<Vec2>> {
        let n = self.steps.partition_point(|&s| s <= step);
        let mut strokes: Vec<Vec<Vec2>> = Vec::new();
        for (p, start) in self.points[..n].iter().zip(&self.starts) {
            match strokes.last_mut() {
                Some(stroke) if !start => stroke.push(*p),
                _ => strokes.push(vec![*p]),
            }
        }
        let last_kept = self.points[..n].last().copied();
        if self.steps.get(n.wrapping_sub(1)) != Some(&step) {
            match (previous, strokes.last_mut()) {
                (Some(q), Some(stroke)) if Some(q) == last_kept => stroke.push(current),
                (Some(q), _) => strokes.push(vec![q, current]),
                (None, Some(stroke)) => stroke.push(current),
                (None, None) => strokes.push(vec![current]),
            }
        }
        strokes
    }
}

fn cross(a: Vec2, b: Vec2) -> f64 {
    a.x * b.y - a.y * b.x
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Distance from `p` to the segment a-b.
    fn to_segment(p: Vec2, a: Vec2, b: Vec2) -> f64 {
        let ab = b - a;
        let t = if ab.norm_squared() > 0.0 {
            ((p - a).dot(&ab) / ab.norm_squared()).clamp(0.0, 1.0)
        } else {
            0.0
        };
        (a + ab * t - p).norm()
    }

    /// The largest distance from a point of `path` to the polyline drawn up to its step.
    fn worst_error(shape: &PathShape, path: &[Vec2]) -> f64 {
        let mut line: Vec<(usize, Vec2)> = shape
            .steps()
            .iter()
            .copied()
            .zip(shape.points().iter().copied())
            .collect();
        if let Some(l) = shape.latest() {
            line.push(l);
        }
        let mut worst: f64 = 0.0;
        for w in line.windows(2) {
            let ((s0, a), (s1, b)) = (w[0], w[1]);
            for p in &path[s0..=s1] {
                worst = worst.max(to_segment(*p, a, b));
            }
        }
        worst
    }

    #[test]
    fn a_curve_is_followed_within_the_tolerance_with_few_vertices() {
        // Two million steps around a tight bend: chords of every 32nd point would cut it.
        let n = 2_000_000;
        let path: Vec<Vec2> = (0..n)
            .map(|k| {
                let t = f64::from(k) / f64::from(n) * std::f64::consts::PI;
                Vec2::new(t.cos(), 0.2 * t.sin())
            })
            .collect();
        let tol = 1e-4;
        let mut shape = PathShape::new(tol, 1 << 16);
        for (k, p) in path.iter().enumerate() {
            shape.push(k, *p);
        }
        let err = worst_error(&shape, &path);
        assert!(err <= tol * 1.000_001, "{err}");
        assert!(
            shape.points().len() < 2_000,
            "{} vertices",
            shape.points().len()
        );
        assert_eq!(shape.generation(), 0, "no coarsening needed");
    }

    #[test]
    fn a_zigzag_and_a_path_that_doubles_back_keep_their_turns() {
        // GD across a valley: every point is a turn.
        let mut shape = PathShape::new(1e-3, 1000);
        let path: Vec<Vec2> = (0..50)
            .map(|k| Vec2::new(f64::from(k) * 0.01, if k % 2 == 0 { 1.0 } else { -1.0 }))
            .collect();
        for (k, p) in path.iter().enumerate() {
            shape.push(k, *p);
        }
        assert_eq!(shape.points().len() + 1, path.len(), "every corner kept");
        assert!(worst_error(&shape, &path) <= 1e-3);
        // Out along a line and back along it: the far end must stay.
        let mut back = PathShape::new(1e-3, 1000);
        let line: Vec<Vec2> = [0.0, 1.0, 2.0, 3.0, 2.0, 1.0]
            .iter()
            .map(|&x| Vec2::new(x, 0.0))
            .collect();
        for (k, p) in line.iter().enumerate() {
            back.push(k, *p);
        }
        assert!(
            back.points().iter().any(|p| p.x == 3.0),
            "{:?}",
            back.points()
        );
        assert!(worst_error(&back, &line) <= 1e-3);
    }

    #[test]
    fn thinning_draws_a_circle_once_and_never_a_chord() {
        // Ten turns of the same circle: the first is drawn, the others add nothing.
        let path: Vec<Vec2> = (0..10_000)
            .map(|k| {
                let t = f64::from(k) * std::f64::consts::TAU / 1000.0;
                Vec2::new(t.cos(), t.sin())
            })
            .collect();
        let mut t = Thinning::new(0.01);
        for (k, p) in path.iter().enumerate() {
            t.push(*p, k);
        }
        assert!(t.points().len() <= 1_100, "{}", t.points().len());
        let strokes = t.strokes(9_999, path[9_999], Some(path[9_998]));
        // Every segment joins points at most one step of the circle apart, or the last
        // vertex to the point shown: no chord across the circle.
        for stroke in &strokes {
            for w in stroke.windows(2) {
                assert!((w[0] - w[1]).norm() < 0.05, "{w:?}");
            }
        }
        // A path that leaves a visited cell and enters a new one starts a new stroke there.
        let mut back = Thinning::new(1.0);
        for (k, x) in [0.0, 5.0, 0.2, 10.0].iter().enumerate() {
            back.push(Vec2::new(*x, 0.0), k);
        }
        let s = back.strokes(3, Vec2::new(10.0, 0.0), Some(Vec2::new(0.2, 0.0)));
        assert_eq!(s.len(), 2, "{s:?}");
        assert_eq!(s[1], vec![Vec2::new(0.2, 0.0), Vec2::new(10.0, 0.0)]);
    }

    #[test]
    fn a_path_beyond_the_budget_is_coarsened_and_stays_within_the_new_tolerance() {
        let mut shape = PathShape::new(1e-9, 64);
        // A spiral: every point would be a vertex at this tolerance.
        let path: Vec<Vec2> = (0..20_000)
            .map(|k| {
                let t = f64::from(k) * 0.01;
                Vec2::new(t.cos(), t.sin()) * (1.0 + 0.001 * t)
            })
            .collect();
        for (k, p) in path.iter().enumerate() {
            shape.push(k, *p);
        }
        assert!(shape.points().len() <= 65, "{}", shape.points().len());
        assert!(shape.generation() > 0);
        // Each coarsening is measured against the vertices it simplified: the errors add up
        // to at most twice the final tolerance.
        let err = worst_error(&shape, &path);
        assert!(
            err <= 2.0 * shape.tolerance(),
            "{err} vs {}",
            shape.tolerance()
        );
        // Non-finite points are left out.
        shape.push(20_000, Vec2::new(f64::NAN, 0.0));
        assert_eq!(shape.latest().map(|l| l.0), Some(19_999));
    }
}
