//! What the theory panel plots, as plain numbers: gradient descent's rate against the step
//! size ([`GdRateCurve`]), the heavy ball's rate over (a, b) with its iso-rate lines
//! ([`HeavyBallMap`]), a run's error along the Hessian's eigenvectors ([`EigenErrors`]) and the
//! per-coordinate step sizes of adaptive optimizers ([`EffectiveSteps`]). The sampling is
//! decided here; colours, textures and plot items are the panel's.

use super::{
    Spectrum, gd_divergence_step, gd_factor, gd_one_over_l_step, gd_optimal_step, gd_rate,
    heavy_ball_divergence_step, heavy_ball_optimal, heavy_ball_optimal_rate, heavy_ball_rate,
};
use crate::numerics::Vec2;
use crate::numerics::contour::{Grid, extract};
use crate::numerics::objectives::ViewRect;
use crate::numerics::optimizers::OptimizerSpec;
use crate::numerics::run::Trajectory;

/// The rate curve spans step sizes from this fraction of 1 / l_max ...
const GD_CURVE_LOW: f64 = 0.01;
/// ... to this multiple of it: past the divergence edge 2 / l_max, so all three regimes show.
const GD_CURVE_HIGH: f64 = 3.0;

/// The momentum map spans steps up to this multiple of 1 / l_max (the heavy ball's edge
/// 2 (1 + b) / l_max is below it for every b < 1).
const MAP_A_MAX: f64 = 4.0;
/// ... and momenta up to this, just short of b = 1, where the heavy ball stops converging.
const MAP_B_MAX: f64 = 0.999;
/// The iso-rate lines lie at 1 - (1 - r*) c for these c: each is slower than the optimum r*
/// by a fixed factor in steps per decade.
const ISO_RATE_FACTORS: [f64; 6] = [0.9, 0.7, 0.5, 0.3, 0.15, 0.05];

/// True when the rate curve and the map make sense: both eigenvalues positive and finite.
fn positive(s: &Spectrum) -> bool {
    s.l_min() > 0.0 && s.l_max().is_finite()
}

/// At most `max` (at least one) evenly spaced indices of `0..count`, starting at 0.
pub(super) fn evenly_spaced(count: usize, max: usize) -> impl Iterator<Item = usize> {
    (0..count).step_by(count.div_ceil(max.max(1)).max(1))
}

/// (lr, momentum) of a run that is plain GD (momentum 0) or SGD without dampening or Nesterov
/// momentum: where it sits on the rate curve and on the momentum map.
#[must_use]
pub fn heavy_ball_params(optimizer: &OptimizerSpec) -> Option<(f64, f64)> {
    match optimizer {
        OptimizerSpec::GD(p) => Some((p.lr, 0.0)),
        OptimizerSpec::SGD(p) if p.dampening == 0.0 && !p.nesterov => Some((p.lr, p.momentum)),
        _ => None,
    }
}

/// One step size of the GD rate curve.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GdRateSample {
    /// log10 of the step size (the curve is evenly spaced in it).
    pub log10_a: f64,
    /// The step size a.
    pub a: f64,
    /// |1 - a l_min|.
    pub factor_l_min: f64,
    /// |1 - a l_max|.
    pub factor_l_max: f64,
    /// The rate max_i |1 - a l_i|.
    pub rate: f64,
}

/// GD's rate against the step size on a log axis, with the named steps.
#[derive(Clone, Debug, PartialEq)]
pub struct GdRateCurve {
    /// log10 of the smallest and the largest step sampled: 0.01 / l_max and 3 / l_max.
    pub log10_a_range: (f64, f64),
    /// The samples, evenly spaced in log10(a), both ends included.
    pub samples: Vec<GdRateSample>,
    /// a* = 2 / (l_min + l_max).
    pub optimal_step: f64,
    /// 1/L = 1 / l_max.
    pub one_over_l_step: f64,
    /// The divergence edge 2 / l_max.
    pub divergence_step: f64,
    /// The eigenvalues the rates are of.
    pub eigenvalues: [f64; 2],
}

impl GdRateCurve {
    /// The curve at `samples` step sizes (at least 2) for the spectrum's eigenvalues; `None`
    /// unless both are positive.
    #[must_use]
    pub fn new(s: &Spectrum, samples: usize) -> Option<Self> {
        if !positive(s) {
            return None;
        }
        let (l_min, l_max) = (s.l_min(), s.l_max());
        let lo = (GD_CURVE_LOW / l_max).log10();
        let hi = (GD_CURVE_HIGH / l_max).log10();
        let samples = samples.max(2);
        let samples = (0..samples)
            .map(|i| {
                let t = i as f64 / (samples - 1) as f64;
                let log10_a = lo + (hi - lo) * t;
                let a = 10f64.powf(log10_a);
                GdRateSample {
                    log10_a,
                    a,
                    factor_l_min: gd_factor(a, l_min),
                    factor_l_max: gd_factor(a, l_max),
                    rate: gd_rate(a, &s.eigenvalues),
                }
            })
            .collect();
        Some(Self {
            log10_a_range: (lo, hi),
            samples,
            optimal_step: gd_optimal_step(l_min, l_max),
            one_over_l_step: gd_one_over_l_step(l_max),
            divergence_step: gd_divergence_step(l_max),
            eigenvalues: s.eigenvalues,
        })
    }

    /// The rate max_i |1 - a l_i| at any step a (a run's lr, between the samples).
    #[must_use]
    pub fn rate_at(&self, a: f64) -> f64 {
        gd_rate(a, &self.eigenvalues)
    }
}

/// An iso-rate line of the momentum map.
#[derive(Clone, Debug, PartialEq)]
pub struct IsoRate {
    /// The rate along it.
    pub rate: f64,
    /// (a, b) points.
    pub points: Vec<[f64; 2]>,
}

/// The heavy ball's rate over a grid of (a, b), with iso-rate lines and the optimum.
#[derive(Clone, Debug, PartialEq)]
pub struct HeavyBallMap {
    /// Nodes along a.
    pub nx: usize,
    /// Nodes along b.
    pub ny: usize,
    /// Steps run over [0, a_max] with a_max = 4 / l_max.
    pub a_max: f64,
    /// Momenta run over [0, b_max] with b_max = 0.999.
    pub b_max: f64,
    /// Row-major rates: `rates[j * nx + i]` at a = a_max i / (nx - 1), b = b_max j / (ny - 1)
    /// (row 0 is b = 0).
    pub rates: Vec<f64>,
    /// The optimal rate r* (capped at 0.999999, so that 1 - r* stays positive for a log scale).
    pub optimal_rate: f64,
    /// The optimal (a*, b*).
    pub optimum: (f64, f64),
    /// Lines of equal rate 1 - (1 - r*) c, from the fastest c = 0.9 to the slowest.
    pub iso_rates: Vec<IsoRate>,
    /// The divergence edge a = 2 (1 + b) / l_max from b = 0 to b_max: momentum moves GD's
    /// edge 2 / l_max out.
    pub edge: [[f64; 2]; 2],
}

impl HeavyBallMap {
    /// The map on an `nx` by `ny` grid (each at least 2) for the spectrum's eigenvalues;
    /// `None` unless both are positive.
    #[must_use]
    pub fn new(s: &Spectrum, [nx, ny]: [usize; 2]) -> Option<Self> {
        if !positive(s) {
            return None;
        }
        let (nx, ny) = (nx.max(2), ny.max(2));
        let a_max = MAP_A_MAX / s.l_max();
        let optimal_rate = heavy_ball_optimal_rate(s.l_min(), s.l_max()).min(0.999_999);
        let mut rates = Vec::with_capacity(nx * ny);
        for j in 0..ny {
            for i in 0..nx {
                let (a, b) = (
                    a_max * i as f64 / (nx - 1) as f64,
                    MAP_B_MAX * j as f64 / (ny - 1) as f64,
                );
                rates.push(heavy_ball_rate(a, b, &s.eigenvalues));
            }
        }
        let levels: Vec<f64> = ISO_RATE_FACTORS
            .iter()
            .map(|c| 1.0 - (1.0 - optimal_rate) * c)
            .collect();
        let grid = Grid {
            view: ViewRect {
                x: (0.0, a_max),
                y: (0.0, MAP_B_MAX),
            },
            nx,
            ny,
            values: rates,
        };
        let iso_rates = extract(&grid, &levels)
            .into_iter()
            .map(|l| IsoRate {
                rate: levels[l.level],
                points: l.points,
            })
            .collect();
        Some(Self {
            nx,
            ny,
            a_max,
            b_max: MAP_B_MAX,
            rates: grid.values,
            optimal_rate,
            optimum: heavy_ball_optimal(s.l_min(), s.l_max()),
            iso_rates,
            edge: [0.0, MAP_B_MAX].map(|b| [heavy_ball_divergence_step(b, s.l_max()), b]),
        })
    }

    /// The rate at node (i, j): a = a_max i / (nx - 1), b = b_max j / (ny - 1).
    #[must_use]
    pub fn rate(&self, i: usize, j: usize) -> f64 {
        self.rates.get(j * self.nx + i).copied().unwrap_or(f64::NAN)
    }
}

/// A run's error x_k - x* in the eigenbasis of a quadratic, over k.
#[derive(Clone, Debug, PartialEq)]
pub struct EigenErrors {
    /// (step, (x_k - x*) . v_min): the slow direction.
    pub along_min: Vec<[f64; 2]>,
    /// (step, (x_k - x*) . v_max): the steep direction.
    pub along_max: Vec<[f64; 2]>,
}

impl EigenErrors {
    /// The components of `trajectory`'s error from `x_star` along `eigenvectors` (of l_min,
    /// then l_max) up to `step`, at most `max_points` evenly spaced stored samples.
    #[must_use]
    pub fn new(
        trajectory: &Trajectory,
        x_star: Vec2,
        eigenvectors: [Vec2; 2],
        step: usize,
        max_points: usize,
    ) -> Self {
        let stride = trajectory.stride();
        let count = (step / stride).saturating_add(1).min(trajectory.len());
        let mut components = [Vec::new(), Vec::new()];
        for i in evenly_spaced(count, max_points) {
            let e = trajectory.points()[i] - x_star;
            let k = (i * stride) as f64;
            for (c, v) in components.iter_mut().zip(eigenvectors) {
                c.push([k, e.dot(&v)]);
            }
        }
        let [along_min, along_max] = components;
        Self {
            along_min,
            along_max,
        }
    }
}

/// The per-coordinate effective step sizes of an adaptive optimizer, over k.
#[derive(Clone, Debug, PartialEq)]
pub struct EffectiveSteps {
    /// (step, log10 of the effective step size along x).
    pub x: Vec<[f64; 2]>,
    /// (step, log10 of the effective step size along y).
    pub y: Vec<[f64; 2]>,
}

impl EffectiveSteps {
    /// The effective steps of `trajectory` up to `step` (step 0, before any update, left out),
    /// at most `max_points` evenly spaced stored samples; zero and non-finite sizes are left
    /// out. `None` for an optimizer without per-coordinate steps.
    #[must_use]
    pub fn new(trajectory: &Trajectory, step: usize, max_points: usize) -> Option<Self> {
        if !trajectory.has_effective_lr() {
            return None;
        }
        let stride = trajectory.stride();
        let count = (step / stride).saturating_add(1).min(trajectory.len());
        let mut series = [Vec::new(), Vec::new()];
        for i in evenly_spaced(count, max_points).skip(1) {
            if let Some(e) = trajectory.sample(i).and_then(|s| s.effective_lr) {
                let k = (i * stride) as f64;
                for (c, v) in series.iter_mut().zip([e.x, e.y]) {
                    if v > 0.0 && v.is_finite() {
                        c.push([k, v.log10()]);
                    }
                }
            }
        }
        let [x, y] = series;
        Some(Self { x, y })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::Mat2;
    use crate::numerics::optimizers::{AdamParams, GdParams, SgdParams};
    use crate::numerics::theory::test_support::assert_close;

    fn spectrum(l_min: f64, l_max: f64) -> Spectrum {
        Spectrum::of(&Mat2::new(l_min, 0.0, 0.0, l_max)).unwrap()
    }

    #[test]
    fn the_gd_curve_spans_all_three_regimes_and_names_the_steps() {
        let s = spectrum(0.01, 1.0);
        let c = GdRateCurve::new(&s, 400).unwrap();
        assert_eq!(c.samples.len(), 400);
        let (lo, hi) = c.log10_a_range;
        assert_close(lo, -2.0, 1e-15);
        assert_close(hi, 3f64.log10(), 1e-15);
        assert_eq!(c.samples[0].log10_a, lo);
        assert_close(c.samples[399].log10_a, hi, 1e-15);
        for p in &c.samples {
            assert_eq!(p.rate, p.factor_l_min.max(p.factor_l_max));
            assert_eq!(p.rate, gd_rate(p.a, &s.eigenvalues));
        }
        assert_close(c.optimal_step, 2.0 / 1.01, 1e-15);
        assert_eq!(c.one_over_l_step, 1.0);
        assert_eq!(c.divergence_step, 2.0);
        assert_close(c.rate_at(0.5), 0.995, 1e-15);
        // Monotone (rate < 1) at the left end, diverging (rate > 1) at the right.
        assert!(c.samples[0].rate < 1.0 && c.samples[399].rate > 1.0);
        // No curve without a minimum.
        assert_eq!(GdRateCurve::new(&spectrum(-1.0, 1.0), 400), None);
        assert_eq!(GdRateCurve::new(&spectrum(0.0, 1.0), 400), None);
    }

    #[test]
    fn the_momentum_map_holds_the_rates_and_lines_of_equal_rate() {
        let s = spectrum(0.01, 1.0);
        let m = HeavyBallMap::new(&s, [160, 120]).unwrap();
        assert_eq!((m.nx, m.ny, m.rates.len()), (160, 120, 160 * 120));
        assert_eq!(m.a_max, 4.0);
        assert_eq!(m.rate(0, 0), 1.0, "a = 0 does not move");
        assert_eq!(
            m.rate(159, 119),
            heavy_ball_rate(4.0, 0.999, &s.eigenvalues)
        );
        assert_close(m.optimal_rate, 9.0 / 11.0, 1e-15);
        assert_eq!(m.optimum, heavy_ball_optimal(0.01, 1.0));
        // Levels from the fastest to the slowest; every line point lies between grid nodes
        // whose rates bracket its level (the rate is interpolated linearly between them).
        let levels: Vec<f64> = m.iso_rates.iter().map(|l| l.rate).collect();
        assert!(levels.windows(2).all(|w| w[0] <= w[1]), "{levels:?}");
        assert!(!m.iso_rates.is_empty());
        let (da, db) = (m.a_max / 159.0, m.b_max / 119.0);
        for line in &m.iso_rates {
            for &[a, b] in &line.points {
                assert!((0.0..=m.a_max).contains(&a) && (0.0..=m.b_max).contains(&b));
                #[allow(
                    clippy::cast_possible_truncation,
                    clippy::cast_sign_loss,
                    reason = "node indices of a point inside the grid"
                )]
                let nodes = |x: f64| [x.floor() as usize, x.ceil() as usize];
                let rates: Vec<f64> = nodes(a / da)
                    .into_iter()
                    .flat_map(|i| nodes(b / db).map(|j| m.rate(i, j)))
                    .collect();
                let lo = rates.iter().copied().fold(f64::INFINITY, f64::min);
                let hi = rates.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let tol = 1e-12;
                assert!(
                    lo - tol <= line.rate && line.rate <= hi + tol,
                    "level {} at ({a}, {b}) between nodes of rates {rates:?}",
                    line.rate
                );
            }
        }
        assert_eq!(HeavyBallMap::new(&spectrum(-1.0, 1.0), [160, 120]), None);
        assert!(m.rate(160, 119).is_nan(), "off the grid");
        // The divergence edge: just inside it the heavy ball contracts, just outside it grows.
        assert_eq!(m.edge, [[2.0, 0.0], [2.0 * 1.999, 0.999]]);
        for t in [0.0, 0.3, 0.7, 1.0] {
            let [[a0, b0], [a1, b1]] = m.edge;
            let (a, b) = (a0 + t * (a1 - a0), b0 + t * (b1 - b0));
            assert!(
                heavy_ball_rate(a * (1.0 - 1e-6), b, &s.eigenvalues) < 1.0,
                "{t}"
            );
            assert!(
                heavy_ball_rate(a * (1.0 + 1e-6), b, &s.eigenvalues) > 1.0,
                "{t}"
            );
        }
    }

    #[test]
    fn gd_and_the_heavy_ball_have_coordinates_on_the_map() {
        let gd = OptimizerSpec::GD(GdParams { lr: 0.3 });
        assert_eq!(heavy_ball_params(&gd), Some((0.3, 0.0)));
        let hb = OptimizerSpec::SGD(SgdParams {
            lr: 0.1,
            momentum: 0.9,
            ..SgdParams::default()
        });
        assert_eq!(heavy_ball_params(&hb), Some((0.1, 0.9)));
        let nesterov = OptimizerSpec::SGD(SgdParams {
            nesterov: true,
            momentum: 0.9,
            ..SgdParams::default()
        });
        assert_eq!(heavy_ball_params(&nesterov), None);
        assert_eq!(
            heavy_ball_params(&OptimizerSpec::Adam(AdamParams::default())),
            None
        );
    }

    #[test]
    fn evenly_spaced_indices_start_at_zero_and_keep_to_the_budget() {
        assert_eq!(evenly_spaced(5, 10).collect::<Vec<_>>(), [0, 1, 2, 3, 4]);
        assert_eq!(evenly_spaced(10, 3).collect::<Vec<_>>(), [0, 4, 8]);
        assert_eq!(evenly_spaced(0, 3).count(), 0);
        assert_eq!(evenly_spaced(7, 0).collect::<Vec<_>>(), [0]);
    }
}
