//! Plane-to-pixel mapping, path thinning and clipping, and axis ticks.

use super::canvas::{P, Rect};
use crate::numerics::Vec2;
use crate::numerics::objectives::ViewRect;

/// Maps the plane to pixels with equal scales on both axes (as the app's plot does): the
/// requested view is centred and fully shown, and the other axis is widened to fill the plot.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Mapping {
    /// The plot rectangle in pixels.
    pub rect: Rect,
    /// The plane rectangle it shows.
    pub bounds: ViewRect,
}

impl Mapping {
    /// Fits `view` into `rect`.
    #[must_use]
    pub fn fit(view: ViewRect, rect: Rect) -> Self {
        let s = view.size();
        let (w, h) = (f64::from(rect.w.max(1.0)), f64::from(rect.h.max(1.0)));
        let units_per_px = (s.x / w).max(s.y / h);
        let c = view.center();
        Self {
            rect,
            bounds: ViewRect {
                x: (c.x - units_per_px * w / 2.0, c.x + units_per_px * w / 2.0),
                y: (c.y - units_per_px * h / 2.0, c.y + units_per_px * h / 2.0),
            },
        }
    }

    /// Pixel position of a plane point (may lie outside the plot; not clamped).
    #[must_use]
    pub fn px(&self, p: Vec2) -> P {
        let (bx, by) = (self.bounds.x, self.bounds.y);
        let u = (p.x - bx.0) / (bx.1 - bx.0);
        let v = (p.y - by.0) / (by.1 - by.0);
        #[allow(clippy::cast_possible_truncation, reason = "pixel coordinates fit f32")]
        let out = [
            self.rect.x + (u * f64::from(self.rect.w)) as f32,
            self.rect.bottom() - (v * f64::from(self.rect.h)) as f32,
        ];
        out
    }
}

/// A polyline thinned for drawing (the figures' iso-lines; runs' paths are thinned by
/// `numerics::path_shape::Thinning`, the app's rule): kept points and the index of the point
/// each came from.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Thinned {
    /// Kept points, in pixels.
    pub points: Vec<P>,
    /// Sample index of each kept point.
    pub samples: Vec<usize>,
}

impl Thinned {
    /// Keeps a point when it is at least `tolerance` pixels (in x or y) from the last kept one:
    /// zig-zags stay, what cannot be seen goes. The first point is always kept.
    #[must_use]
    pub fn new(points: &[P], tolerance: f32) -> Self {
        let mut out = Self::default();
        for (i, p) in points.iter().enumerate() {
            if !(p[0].is_finite() && p[1].is_finite()) {
                continue;
            }
            let keep = out.points.last().is_none_or(|q| {
                (p[0] - q[0]).abs() >= tolerance || (p[1] - q[1]).abs() >= tolerance
            });
            if keep {
                out.points.push(*p);
                out.samples.push(i);
            }
        }
        out
    }
}

/// Splits a polyline into the pieces inside `rect` (segments clipped with Liang-Barsky), so
/// that far-away points of a diverging run never reach the rasteriser.
#[must_use]
pub fn clip_polyline(points: &[P], rect: Rect) -> Vec<Vec<P>> {
    let mut out: Vec<Vec<P>> = Vec::new();
    let mut current: Vec<P> = Vec::new();
    for w in points.windows(2) {
        if let Some((a, b, a_moved, b_moved)) = clip_segment(w[0], w[1], rect) {
            if a_moved || current.is_empty() {
                if current.len() >= 2 {
                    out.push(std::mem::take(&mut current));
                }
                current.clear();
                current.push(a);
            }
            current.push(b);
            if b_moved {
                out.push(std::mem::take(&mut current));
            }
        } else {
            if current.len() >= 2 {
                out.push(std::mem::take(&mut current));
            }
            current.clear();
        }
    }
    if current.len() >= 2 {
        out.push(current);
    }
    out
}

/// The part of segment a-b inside `rect`, with flags telling whether each end was moved.
fn clip_segment(a: P, b: P, rect: Rect) -> Option<(P, P, bool, bool)> {
    if !(a[0].is_finite() && a[1].is_finite() && b[0].is_finite() && b[1].is_finite()) {
        return None;
    }
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let (mut t0, mut t1) = (0.0_f32, 1.0_f32);
    for (p, q) in [
        (-dx, a[0] - rect.x),
        (dx, rect.right() - a[0]),
        (-dy, a[1] - rect.y),
        (dy, rect.bottom() - a[1]),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let r = q / p;
            if p < 0.0 {
                t0 = t0.max(r);
            } else {
                t1 = t1.min(r);
            }
        }
    }
    if t0 > t1 {
        return None;
    }
    let at = |t: f32| [a[0] + t * dx, a[1] + t * dy];
    Some((at(t0), at(t1), t0 > 0.0, t1 < 1.0))
}

/// `lines` cut into dashes `dash` pixels long with `gap` pixels between them, the pattern
/// running on along each line through its corners.
#[must_use]
pub fn dashed(lines: &[Vec<P>], dash: f32, gap: f32) -> Vec<Vec<P>> {
    let period = dash + gap;
    let mut out = Vec::new();
    if !(dash > 0.0 && gap >= 0.0 && period.is_finite()) {
        return lines.to_vec();
    }
    for line in lines {
        // Where we are in the pattern: [0, dash) draws, [dash, period) does not.
        let mut phase = 0.0_f32;
        let mut current: Vec<P> = Vec::new();
        if let Some(&first) = line.first() {
            current.push(first);
        }
        for w in line.windows(2) {
            let (a, b) = (w[0], w[1]);
            let len = ((b[0] - a[0]).powi(2) + (b[1] - a[1]).powi(2)).sqrt();
            if !len.is_finite() || len == 0.0 {
                continue;
            }
            let at = |d: f32| {
                [
                    a[0] + (b[0] - a[0]) * d / len,
                    a[1] + (b[1] - a[1]) * d / len,
                ]
            };
            let mut done = 0.0_f32;
            while done < len {
                let drawing = phase < dash;
                let to_switch = if drawing {
                    dash - phase
                } else {
                    period - phase
                };
                let step = to_switch.min(len - done);
                done += step;
                phase += step;
                if drawing {
                    current.push(at(done));
                }
                if phase >= period {
                    phase -= period;
                    current.push(at(done));
                } else if drawing && phase >= dash {
                    if current.len() >= 2 {
                        out.push(std::mem::take(&mut current));
                    }
                    current.clear();
                }
                if !drawing && phase < dash && current.is_empty() {
                    current.push(at(done));
                }
            }
        }
        if current.len() >= 2 {
            out.push(current);
        }
    }
    out
}

/// "Nice" tick values (1, 2 or 5 times a power of ten apart) inside [lo, hi], about `target`
/// of them, and the step.
#[must_use]
pub fn ticks(lo: f64, hi: f64, target: usize) -> (Vec<f64>, f64) {
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo {
        return (Vec::new(), 1.0);
    }
    let raw = (hi - lo) / target.max(1) as f64;
    let power = 10_f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * power);
    let first = (lo / step).ceil();
    let mut out = Vec::new();
    let mut k = first;
    while k * step <= hi + 1e-9 * step && out.len() < 1000 {
        let v = k * step;
        out.push(if v.abs() < 1e-12 * step { 0.0 } else { v });
        k += 1.0;
    }
    (out, step)
}

/// A tick label with as many decimals as the step needs, and a true minus sign.
#[must_use]
pub fn tick_label(v: f64, step: f64) -> String {
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "a small count of decimals"
    )]
    let decimals = (-step.log10().floor()).max(0.0) as usize;
    let text = if v.abs() >= 1e6 || (v != 0.0 && v.abs() < 1e-4) {
        format!("{v:e}")
    } else {
        format!("{v:.decimals$}")
    };
    text.replace('-', "\u{2212}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dashes_have_their_length_and_follow_corners() {
        // 25 px along x, then 25 up: dashes of 8 with gaps of 2 start every 10 px.
        let d = dashed(&[vec![[0.0, 0.0], [25.0, 0.0], [25.0, 25.0]]], 8.0, 2.0);
        let length = |l: &Vec<P>| {
            l.windows(2)
                .map(|w| ((w[1][0] - w[0][0]).powi(2) + (w[1][1] - w[0][1]).powi(2)).sqrt())
                .sum::<f32>()
        };
        assert_eq!(d.len(), 5, "{d:?}");
        assert!(d.iter().all(|l| (length(l) - 8.0).abs() < 1e-4), "{d:?}");
        assert_eq!(d[1][0], [10.0, 0.0]);
        // The third dash turns the corner.
        assert_eq!(d[2], vec![[20.0, 0.0], [25.0, 0.0], [25.0, 3.0]]);
        assert_eq!(d[4][0], [25.0, 15.0]);
        // No gap: the line itself.
        assert_eq!(
            length(&dashed(&[vec![[0.0, 0.0], [5.0, 0.0]]], 1.0, 0.0).concat()),
            5.0
        );
    }

    #[test]
    fn nice_ticks() {
        let (t, step) = ticks(-2.0, 2.0, 8);
        assert_eq!(step, 0.5);
        assert_eq!(t.first(), Some(&-2.0));
        assert_eq!(t.last(), Some(&2.0));
        let (t, step) = ticks(-1.37, 3.1, 5);
        assert_eq!(step, 1.0);
        assert_eq!(t, vec![-1.0, 0.0, 1.0, 2.0, 3.0]);
        assert_eq!(tick_label(-0.5, 0.5), "\u{2212}0.5");
        assert_eq!(tick_label(2.0, 1.0), "2");
        assert_eq!(tick_label(0.25, 0.05), "0.25");
        assert!(ticks(1.0, 1.0, 5).0.is_empty());
    }

    #[test]
    fn mapping_keeps_equal_scales_and_shows_the_view() {
        let view = ViewRect {
            x: (-2.0, 2.0),
            y: (-1.0, 3.0),
        };
        let rect = Rect {
            x: 10.0,
            y: 20.0,
            w: 800.0,
            h: 400.0,
        };
        let m = Mapping::fit(view, rect);
        assert_eq!(m.bounds.y, (-1.0, 3.0));
        assert!(m.bounds.x.0 < -2.0 && m.bounds.x.1 > 2.0);
        let sx = (m.bounds.x.1 - m.bounds.x.0) / 800.0;
        let sy = (m.bounds.y.1 - m.bounds.y.0) / 400.0;
        assert!((sx - sy).abs() < 1e-12);
        assert_eq!(m.px(Vec2::new(m.bounds.x.0, m.bounds.y.0)), [10.0, 420.0]);
    }

    #[test]
    fn thinning_keeps_the_first_point_and_drops_what_cannot_be_seen() {
        let pts: Vec<P> = (0..100).map(|i| [i as f32 * 0.1, 0.0]).collect();
        let t = Thinned::new(&pts, 1.0);
        assert!(t.points.len() < 15);
        assert_eq!(t.samples[0], 0);
    }

    #[test]
    fn clipping_splits_at_the_edges() {
        let rect = Rect {
            x: 0.0,
            y: 0.0,
            w: 10.0,
            h: 10.0,
        };
        let pieces = clip_polyline(&[[5.0, 5.0], [15.0, 5.0], [15.0, 8.0], [5.0, 8.0]], rect);
        assert_eq!(pieces.len(), 2);
        assert_eq!(pieces[0], vec![[5.0, 5.0], [10.0, 5.0]]);
        assert_eq!(pieces[1], vec![[10.0, 8.0], [5.0, 8.0]]);
        let far = clip_polyline(&[[5.0, 5.0], [1e30, 1e30]], rect);
        assert_eq!(far.len(), 1);
        assert!(far[0].iter().all(|p| rect.contains(*p)));
        assert!(clip_polyline(&[[20.0, 20.0], [30.0, 30.0]], rect).is_empty());
    }
}
