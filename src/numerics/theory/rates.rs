//! Closed forms on a quadratic: gradient descent's rate max_i |1 - a l_i|, its optimal, safe
//! and divergent steps, the heavy ball's 2x2 iteration with its roots, rate and optimal
//! (a*, b*), and [`QuadraticTheory`], the slides' table of steps and rates for one minimum.
//! Pure functions of the eigenvalues; the formulas are derived in the module documentation.

use crate::numerics::Mat2;
use crate::numerics::optimizers::OptimizerSpec;

/// |1 - a l|: how much one GD step of size a shrinks the error along an eigenvalue l.
#[must_use]
pub fn gd_factor(a: f64, l: f64) -> f64 {
    (1.0 - a * l).abs()
}

/// rate(a) = max_i |1 - a l_i|: GD's contraction per step on a quadratic (0 for no eigenvalues).
#[must_use]
pub fn gd_rate(a: f64, eigenvalues: &[f64]) -> f64 {
    max_or_nan(eigenvalues.iter().map(|&l| gd_factor(a, l)))
}

/// a* = 2 / (l_min + l_max): the constant GD step with the smallest rate.
#[must_use]
pub fn gd_optimal_step(l_min: f64, l_max: f64) -> f64 {
    2.0 / (l_min + l_max)
}

/// rate(a*) = (kappa - 1) / (kappa + 1), computed as (l_max - l_min) / (l_max + l_min).
#[must_use]
pub fn gd_optimal_rate(l_min: f64, l_max: f64) -> f64 {
    (l_max - l_min) / (l_max + l_min)
}

/// a = 1/L = 1 / l_max: the textbook safe step, with rate 1 - 1/kappa.
#[must_use]
pub fn gd_one_over_l_step(l_max: f64) -> f64 {
    1.0 / l_max
}

/// a = 2 / l_max: the divergence edge; any larger step makes GD diverge (rate > 1).
#[must_use]
pub fn gd_divergence_step(l_max: f64) -> f64 {
    2.0 / l_max
}

/// The heavy ball's iteration matrix along an eigenvalue l: [[1 + b - a l, -b], [1, 0]],
/// acting on (e_k, e_{k-1}).
#[must_use]
pub fn heavy_ball_matrix(a: f64, b: f64, l: f64) -> Mat2 {
    Mat2::new((1.0 + b) - a * l, -b, 1.0, 0.0)
}

/// The two eigenvalues of a 2x2 iteration matrix with real coefficients.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Roots {
    /// Two real roots, the larger in modulus first.
    Real(f64, f64),
    /// One real root of multiplicity two: the error behaves like (c + d k) z^k.
    Double(f64),
    /// A complex-conjugate pair modulus * exp(+-i angle_rad): the error oscillates.
    Complex {
        /// |z|, which is sqrt(b) for the heavy ball.
        modulus: f64,
        /// The argument of z, in [0, pi].
        angle_rad: f64,
    },
}

impl Roots {
    /// The spectral radius: the largest root modulus.
    #[must_use]
    pub fn spectral_radius(&self) -> f64 {
        match *self {
            Self::Real(z1, z2) => max_or_nan([z1.abs(), z2.abs()].into_iter()),
            Self::Double(z) => z.abs(),
            Self::Complex { modulus, .. } => modulus,
        }
    }
}

/// Relative size below which a factor of the discriminant counts as zero: a few roundings of
/// the inputs. A double root is infinitely sensitive (a perturbation eps of a or b moves the
/// roots by sqrt(eps)), so a discriminant that vanishes within the rounding of a and b is
/// treated as exactly zero; that is what makes the rate at a rounded (a*, b*) equal the
/// closed form to rounding instead of to 1e-8.
const DOUBLE_ROOT_TOL: f64 = 32.0 * f64::EPSILON;

/// The roots of z^2 - (1 + b - a l) z + b = 0, the heavy ball's characteristic polynomial along
/// eigenvalue l.
///
/// With t = 1 + b - a l the discriminant t^2 - 4b is computed as the product
/// ((1 - sqrt b)^2 - a l) ((1 + sqrt b)^2 - a l) = (t - 2 sqrt b)(t + 2 sqrt b), which has no
/// cancellation between t^2 and 4b; the smaller real root is b / z_1 (Vieta), not a difference.
#[must_use]
pub fn heavy_ball_roots(a: f64, b: f64, l: f64) -> Roots {
    let al = a * l;
    let t = (1.0 + b) - al;
    if b == 0.0 {
        // z (z - t) = 0: plain gradient descent.
        return Roots::Real(t, 0.0);
    }
    if b < 0.0 {
        // t^2 - 4b = t^2 + 4|b| > 0: two real roots of opposite signs.
        let d = t.mul_add(t, -4.0 * b);
        let z1 = 0.5 * (t + d.sqrt().copysign(t));
        return Roots::Real(z1, b / z1);
    }
    let s = b.sqrt();
    let (lo, hi) = (1.0 - s, 1.0 + s);
    let f1 = lo * lo - al; // t - 2 sqrt(b)
    let f2 = hi * hi - al; // t + 2 sqrt(b)
    // Each factor's rounding: its terms plus the propagated rounding of b through sqrt(b).
    let tol1 = DOUBLE_ROOT_TOL * (lo * lo + al.abs() + 2.0 * lo.abs() * s);
    let tol2 = DOUBLE_ROOT_TOL * (hi * hi + al.abs() + 2.0 * hi * s);
    if f1.abs() <= tol1 {
        Roots::Double(s)
    } else if f2.abs() <= tol2 {
        Roots::Double(-s)
    } else if f1 < 0.0 && f2 > 0.0 {
        // |t| < 2 sqrt(b): z = sqrt(b) exp(+-i angle) with cos(angle) = t / (2 sqrt(b)).
        Roots::Complex {
            modulus: s,
            angle_rad: (t / (2.0 * s)).clamp(-1.0, 1.0).acos(),
        }
    } else {
        let d = f1 * f2;
        let z1 = 0.5 * (t + d.sqrt().copysign(t));
        Roots::Real(z1, b / z1)
    }
}

/// The heavy ball's contraction along one eigenvalue: the spectral radius of
/// [[1 + b - a l, -b], [1, 0]].
#[must_use]
pub fn heavy_ball_factor(a: f64, b: f64, l: f64) -> f64 {
    heavy_ball_roots(a, b, l).spectral_radius()
}

/// rate(a, b) = max_i rho([[1 + b - a l_i, -b], [1, 0]]): heavy-ball momentum's asymptotic
/// contraction per step on a quadratic (0 for no eigenvalues). With b = 0 this is [`gd_rate`].
#[must_use]
pub fn heavy_ball_rate(a: f64, b: f64, eigenvalues: &[f64]) -> f64 {
    max_or_nan(eigenvalues.iter().map(|&l| heavy_ball_factor(a, b, l)))
}

/// The roots of z^2 - t z + d = 0 (real t and d), with a double root when the discriminant
/// t^2 - 4d vanishes within the rounding of its two terms.
fn monic_roots(t: f64, d: f64) -> Roots {
    let disc = t.mul_add(t, -4.0 * d);
    if disc.abs() <= DOUBLE_ROOT_TOL * t.mul_add(t, 4.0 * d.abs()) {
        Roots::Double(0.5 * t)
    } else if disc < 0.0 {
        Roots::Complex {
            modulus: d.sqrt(),
            angle_rad: (t / (2.0 * d.sqrt())).clamp(-1.0, 1.0).acos(),
        }
    } else {
        // The larger root without cancellation, the other by Vieta (0 when d = 0).
        let z1 = 0.5 * (t + disc.sqrt().copysign(t));
        Roots::Real(z1, if z1 == 0.0 { 0.0 } else { d / z1 })
    }
}

/// The roots of Nesterov's iteration along eigenvalue l, with step a and constant momentum b:
/// y_k = x_k + b (x_k - x_(k-1)), x_(k+1) = y_k - a l y_k gives
/// e_(k+1) = (1 - a l) ((1 + b) e_k - b e_(k-1)), whose characteristic polynomial is
/// z^2 - (1 + b)(1 - a l) z + b (1 - a l). torch's SGD(nesterov = True) with lr a and momentum
/// b has the same one (its iterates are the look-ahead points y_k).
#[must_use]
pub fn nesterov_roots(a: f64, b: f64, l: f64) -> Roots {
    let shrink = 1.0 - a * l;
    monic_roots((1.0 + b) * shrink, b * shrink)
}

/// rate(a, b) = max_i rho([[(1 + b)(1 - a l_i), -b (1 - a l_i)], [1, 0]]): Nesterov's
/// contraction per step on a quadratic with a constant momentum b. At a = 1/l_max and
/// b = (sqrt(kappa) - 1)/(sqrt(kappa) + 1) the slowest mode has the double root
/// 1 - 1/sqrt(kappa).
#[must_use]
pub fn nesterov_rate(a: f64, b: f64, eigenvalues: &[f64]) -> f64 {
    max_or_nan(
        eigenvalues
            .iter()
            .map(|&l| nesterov_roots(a, b, l).spectral_radius()),
    )
}

/// Damped Newton's contraction per step on a quadratic: x_(k+1) = x_k - lr (H + damping I)^-1
/// grad f multiplies the error along eigenvalue l by 1 - lr l / (l + damping), so the rate is
/// max_i |1 - lr l_i / (l_i + damping)|: |1 - lr| without damping (0 for the full step, at a
/// minimum, saddle or maximum alike: Newton is drawn to every non-degenerate stationary point).
#[must_use]
pub fn newton_rate(lr: f64, damping: f64, eigenvalues: &[f64]) -> f64 {
    max_or_nan(
        eigenvalues
            .iter()
            .map(|&l| (1.0 - lr * l / (l + damping)).abs()),
    )
}

/// (a*, b*) = ((2 / (sqrt(l_max) + sqrt(l_min)))^2, ((sqrt(kappa) - 1) / (sqrt(kappa) + 1))^2):
/// the heavy ball's optimal step and momentum.
#[must_use]
pub fn heavy_ball_optimal(l_min: f64, l_max: f64) -> (f64, f64) {
    let (r_min, r_max) = (l_min.sqrt(), l_max.sqrt());
    let a = (2.0 / (r_max + r_min)).powi(2);
    let b = heavy_ball_optimal_rate(l_min, l_max).powi(2);
    (a, b)
}

/// rate(a*, b*) = (sqrt(kappa) - 1) / (sqrt(kappa) + 1), computed as
/// (sqrt(l_max) - sqrt(l_min)) / (sqrt(l_max) + sqrt(l_min)).
#[must_use]
pub fn heavy_ball_optimal_rate(l_min: f64, l_max: f64) -> f64 {
    let (r_min, r_max) = (l_min.sqrt(), l_max.sqrt());
    (r_max - r_min) / (r_max + r_min)
}

/// The heavy ball's divergence edge along l_max: with 0 <= b < 1 it converges exactly when
/// 0 < a l < 2 (1 + b) for every eigenvalue, so the largest stable step is 2 (1 + b) / l_max.
#[must_use]
pub fn heavy_ball_divergence_step(b: f64, l_max: f64) -> f64 {
    2.0 * (1.0 + b) / l_max
}

/// The learning rate beyond which `optimizer` diverges on a quadratic whose largest eigenvalue
/// is `l_max`, for the methods with a closed form: GD and SGD without momentum (2 / l_max) and
/// heavy-ball SGD (dampening 0, no Nesterov: 2 (1 + b) / l_max); `None` for the others, or
/// with weight decay or maximize, or when l_max is not positive.
#[must_use]
pub fn divergence_edge(optimizer: &OptimizerSpec, l_max: f64) -> Option<f64> {
    if !(l_max.is_finite() && l_max > 0.0) {
        return None;
    }
    match optimizer {
        OptimizerSpec::GD(_) => Some(gd_divergence_step(l_max)),
        OptimizerSpec::SGD(p)
            if !p.maximize && p.weight_decay == 0.0 && !p.nesterov && p.dampening == 0.0 =>
        {
            Some(heavy_ball_divergence_step(p.momentum, l_max))
        }
        _ => None,
    }
}

/// The step sizes and rates the slides derive for a minimum with eigenvalues l_min <= l_max.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct QuadraticTheory {
    /// Smallest Hessian eigenvalue.
    pub l_min: f64,
    /// Largest Hessian eigenvalue.
    pub l_max: f64,
    /// kappa = l_max / l_min.
    pub kappa: f64,
    /// GD's optimal step a* = 2 / (l_min + l_max).
    pub gd_optimal_step: f64,
    /// GD's rate at a*: (kappa - 1) / (kappa + 1).
    pub gd_optimal_rate: f64,
    /// The step 1/L = 1 / l_max.
    pub gd_one_over_l_step: f64,
    /// GD's rate at 1/L: 1 - 1/kappa.
    pub gd_one_over_l_rate: f64,
    /// The divergence edge 2 / l_max.
    pub gd_divergence_step: f64,
    /// Heavy ball's optimal step a* = (2 / (sqrt(l_max) + sqrt(l_min)))^2.
    pub heavy_ball_step: f64,
    /// Heavy ball's optimal momentum b* = ((sqrt(kappa) - 1) / (sqrt(kappa) + 1))^2.
    pub heavy_ball_momentum: f64,
    /// Heavy ball's rate at (a*, b*): (sqrt(kappa) - 1) / (sqrt(kappa) + 1).
    pub heavy_ball_rate: f64,
}

impl QuadraticTheory {
    /// The theory for eigenvalues 0 < l_min <= l_max (both finite); `None` otherwise.
    #[must_use]
    pub fn new(l_min: f64, l_max: f64) -> Option<Self> {
        if !(l_min > 0.0 && l_min <= l_max && l_max.is_finite()) {
            return None;
        }
        let (heavy_ball_step, heavy_ball_momentum) = heavy_ball_optimal(l_min, l_max);
        Some(Self {
            l_min,
            l_max,
            kappa: l_max / l_min,
            gd_optimal_step: gd_optimal_step(l_min, l_max),
            gd_optimal_rate: gd_optimal_rate(l_min, l_max),
            gd_one_over_l_step: gd_one_over_l_step(l_max),
            gd_one_over_l_rate: gd_rate(gd_one_over_l_step(l_max), &[l_min, l_max]),
            gd_divergence_step: gd_divergence_step(l_max),
            heavy_ball_step,
            heavy_ball_momentum,
            heavy_ball_rate: heavy_ball_optimal_rate(l_min, l_max),
        })
    }
}

/// The maximum of non-negative values, NaN if any is NaN, 0 for none.
pub(super) fn max_or_nan(values: impl Iterator<Item = f64>) -> f64 {
    values.fold(0.0, |m, v| if v > m || v.is_nan() { v } else { m })
}

#[cfg(test)]
mod nesterov_and_newton_tests {
    use super::*;
    use crate::numerics::theory::test_support::assert_close;

    /// The rate read off iterating the method itself on e_(k+1) = (1 - a l) ((1 + b) e_k - b
    /// e_(k-1)) for many steps.
    fn iterated_rate(a: f64, b: f64, l: f64) -> f64 {
        let (mut prev, mut e) = (1.0_f64, 0.5_f64);
        // ln of the size, accumulated over steps 2000..4000 while the state is kept at size 1.
        let mut log_growth = 0.0;
        for k in 0..4000 {
            let next = (1.0 - a * l) * ((1.0 + b) * e - b * prev);
            let size = next.abs().max(e.abs());
            (prev, e) = (e / size, next / size);
            if k >= 2000 {
                log_growth += size.ln();
            }
        }
        (log_growth / 2000.0).exp()
    }

    #[test]
    fn nesterov_s_rate_is_the_spectral_radius_of_its_iteration() {
        for (a, b, l) in [
            (1.0, 0.5, 0.3),
            (0.5, 0.9, 1.0),
            (1.0, 0.0, 0.2),
            (0.1, 0.95, 3.0),
        ] {
            let rate = nesterov_rate(a, b, &[l]);
            assert_close(iterated_rate(a, b, l), rate, 2e-3);
        }
        // b = 0 is gradient descent.
        assert_close(
            nesterov_rate(0.7, 0.0, &[0.5, 2.0]),
            gd_rate(0.7, &[0.5, 2.0]),
            1e-15,
        );
        // a = 1/L and b = (sqrt(kappa) - 1)/(sqrt(kappa) + 1): a double root 1 - 1/sqrt(kappa)
        // at l_min (preset 08's constant-momentum run).
        let b = 9.0 / 11.0;
        assert!(matches!(nesterov_roots(1.0, b, 0.01), Roots::Double(_)));
        assert_close(nesterov_rate(1.0, b, &[0.01, 1.0]), 0.9, 1e-12);
    }

    #[test]
    fn newton_s_rate_is_one_minus_lr_anywhere_without_damping() {
        assert_eq!(newton_rate(1.0, 0.0, &[0.01, 100.0]), 0.0);
        assert_close(newton_rate(0.5, 0.0, &[-2.0, 2.0]), 0.5, 1e-15);
        // Damping slows the flat direction most: 1 - 1 * 1/(1 + 1) = 0.5.
        assert_close(newton_rate(1.0, 1.0, &[1.0, 100.0]), 0.5, 1e-15);
        // and repels from a saddle's negative curvature when |l| < damping.
        assert!(newton_rate(1.0, 1.0, &[-0.5, 2.0]) > 1.0);
    }
}

#[cfg(test)]
mod divergence_edge_tests {
    use super::*;
    use crate::numerics::optimizers::{GdParams, SgdParams};

    #[test]
    fn the_edge_is_where_the_rate_crosses_one() {
        let eigenvalues = [0.1, 4.0];
        let gd = OptimizerSpec::GD(GdParams { lr: 0.1 });
        let edge = divergence_edge(&gd, 4.0).unwrap();
        assert_eq!(edge, 0.5);
        assert!(gd_rate(edge * 0.999, &eigenvalues) < 1.0);
        assert!(gd_rate(edge * 1.001, &eigenvalues) > 1.0);
        for b in [0.0, 0.5, 0.9] {
            let hb = OptimizerSpec::SGD(SgdParams {
                momentum: b,
                ..SgdParams::default()
            });
            let edge = divergence_edge(&hb, 4.0).unwrap();
            assert!(
                heavy_ball_rate(edge * 0.999, b, &eigenvalues) < 1.0,
                "b = {b}"
            );
            assert!(
                heavy_ball_rate(edge * 1.001, b, &eigenvalues) > 1.0,
                "b = {b}"
            );
        }
        let nesterov = OptimizerSpec::SGD(SgdParams {
            momentum: 0.9,
            nesterov: true,
            ..SgdParams::default()
        });
        assert_eq!(divergence_edge(&nesterov, 4.0), None);
        assert_eq!(divergence_edge(&gd, 0.0), None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::theory::test_support::{assert_close, close};
    use proptest::prelude::*;

    #[test]
    fn closed_forms_match_hand_computed_values() {
        // (l_min, l_max, a*, GD rate, 1/L rate, edge, heavy-ball a*, b*, rate), from 30-digit
        // arithmetic (mpmath).
        #[allow(
            clippy::type_complexity,
            clippy::excessive_precision,
            reason = "a table of numbers, with the digits mpmath printed"
        )]
        let table: [(f64, f64, f64, f64, f64, f64, f64, f64, f64); 4] = [
            (1.0, 1.0, 1.0, 0.0, 0.0, 2.0, 1.0, 0.0, 0.0),
            (
                0.01,
                1.0,
                1.980_198_019_801_980_198,
                0.980_198_019_801_980_198,
                0.99,
                2.0,
                3.305_785_123_966_942_148_76,
                0.669_421_487_603_305_785_12,
                0.818_181_818_181_818_181_82,
            ),
            (
                1e-3,
                1.0,
                1.998_001_998_001_998_002,
                0.998_001_998_001_998_002,
                0.999,
                2.0,
                3.758_531_090_837_113_042_41,
                0.881_144_810_963_975_077_73,
                0.938_693_139_936_568_982_34,
            ),
            (
                2.0,
                50.0,
                0.038_461_538_461_538_461_54,
                0.923_076_923_076_923_076_92,
                0.96,
                0.04,
                0.055_555_555_555_555_555_56,
                0.444_444_444_444_444_444_44,
                0.666_666_666_666_666_666_67,
            ),
        ];
        let tol = 4.0 * f64::EPSILON;
        for (l_min, l_max, a, gd, one_over_l, edge, hb_a, hb_b, hb) in table {
            let t = QuadraticTheory::new(l_min, l_max).unwrap();
            assert_close(t.gd_optimal_step, a, tol);
            assert_close(t.gd_optimal_rate, gd, tol);
            assert_close(gd_rate(a, &[l_min, l_max]), gd, tol);
            assert_close(t.gd_one_over_l_step, 1.0 / l_max, tol);
            assert_close(t.gd_one_over_l_rate, one_over_l, tol);
            assert_close(t.gd_divergence_step, edge, tol);
            assert_close(t.heavy_ball_step, hb_a, tol);
            assert_close(t.heavy_ball_momentum, hb_b, tol);
            assert_close(t.heavy_ball_rate, hb, tol);
            assert_close(t.kappa, l_max / l_min, 0.0);
            // The course writes both rates with kappa.
            let k = l_max / l_min;
            assert_close(t.gd_optimal_rate, (k - 1.0) / (k + 1.0), tol);
            assert_close(t.heavy_ball_rate, (k.sqrt() - 1.0) / (k.sqrt() + 1.0), tol);
        }
        assert_eq!(QuadraticTheory::new(0.0, 1.0), None);
        assert_eq!(QuadraticTheory::new(2.0, 1.0), None);
        assert_eq!(QuadraticTheory::new(-1.0, 1.0), None);
    }

    const KAPPAS: [f64; 9] = [1.0, 1.5, 2.0, 10.0, 25.0, 100.0, 1e3, 1e4, 1e8];

    #[test]
    fn rates_at_the_optimal_parameters_are_the_closed_forms() {
        for l_max in [1.0, 50.0, 3e-3] {
            for kappa in KAPPAS {
                let l_min = l_max / kappa;
                let ls = [l_min, l_max];
                let a = gd_optimal_step(l_min, l_max);
                let gd = gd_rate(a, &ls);
                assert_close(gd, gd_optimal_rate(l_min, l_max), 1e-14);
                let (a, b) = heavy_ball_optimal(l_min, l_max);
                let rate = heavy_ball_optimal_rate(l_min, l_max);
                let hb = heavy_ball_rate(a, b, &ls);
                // A double root: a naive discriminant would be off by ~1e-8 here.
                assert!(
                    (hb - rate).abs() <= 1e-12,
                    "kappa {kappa}, l_max {l_max}: {hb:.17e} vs {rate:.17e}"
                );
                if kappa > 1.0 {
                    assert!(matches!(heavy_ball_roots(a, b, l_min), Roots::Double(z) if z > 0.0));
                    assert!(matches!(heavy_ball_roots(a, b, l_max), Roots::Double(z) if z < 0.0));
                }
                // Eigenvalues in between have complex roots of the same modulus sqrt(b*).
                let mid = (l_min * l_max).sqrt();
                assert_close(heavy_ball_factor(a, b, mid), b.sqrt(), 1e-15);
                // The heavy ball beats GD for every kappa > 1.
                assert!(hb <= gd);
            }
        }
        // The values written in presets/04-momentum-vs-gd.ron, to 16 digits.
        let ls = [0.01, 1.0];
        let hb = heavy_ball_rate(3.305_785_123_966_942, 0.669_421_487_603_305_9, &ls);
        assert!((hb - 9.0 / 11.0).abs() <= 1e-12, "{hb}");
        assert_close(gd_rate(1.980_198_019_801_980_2, &ls), 99.0 / 101.0, 1e-14);
    }

    #[test]
    fn rates_exceed_one_beyond_the_divergence_edge() {
        let ls = [0.1, 1.0];
        assert_close(gd_rate(gd_divergence_step(1.0), &ls), 1.0, 1e-15);
        assert!(gd_rate(2.05, &ls) > 1.0);
        assert_close(gd_rate(2.05, &ls), 1.05, 1e-15);
        assert!(gd_rate(1.99, &ls) < 1.0);
        // Heavy ball: the edge is a = 2 (1 + b) / l_max (t = -(1 + b), roots -1 and -b).
        for b in [0.0, 0.3, 0.9] {
            let edge = 2.0 * (1.0 + b);
            assert!(heavy_ball_rate(edge * 0.999, b, &ls) < 1.0);
            assert!(heavy_ball_rate(edge * 1.001, b, &ls) > 1.0);
            assert_close(heavy_ball_rate(edge, b, &ls), 1.0, 1e-15);
        }
        // Momentum b >= 1 never converges.
        assert!(heavy_ball_rate(0.1, 1.2, &ls) > 1.0);
    }

    #[test]
    fn roots_in_each_regime() {
        // Complex: t = 1 + 0.9 - 1 = 0.9 < 2 sqrt(0.9).
        let Roots::Complex { modulus, angle_rad } = heavy_ball_roots(1.0, 0.9, 1.0) else {
            panic!("expected complex roots");
        };
        assert_close(modulus, 0.9f64.sqrt(), 1e-15);
        assert_close(angle_rad.cos(), 0.9 / (2.0 * 0.9f64.sqrt()), 1e-15);
        // Real: t = 1.3 - 0.05 = 1.25, roots (1.25 +- sqrt(1.5625 - 1.2)) / 2.
        let Roots::Real(z1, z2) = heavy_ball_roots(0.5, 0.3, 0.1) else {
            panic!("expected real roots");
        };
        let d = 0.3625f64.sqrt();
        assert_close(z1, 0.5 * (1.25 + d), 1e-15);
        assert_close(z2, 0.5 * (1.25 - d), 1e-14);
        // Negative momentum (not torch's, but defined): real roots of opposite signs.
        let Roots::Real(z1, z2) = heavy_ball_roots(0.5, -0.25, 1.0) else {
            panic!("expected real roots");
        };
        assert_close(z1 * z2, -0.25, 1e-15);
        assert_close(z1 + z2, 0.25, 1e-15);
        // No momentum: the GD factor and 0.
        assert_eq!(heavy_ball_roots(0.5, 0.0, 1.0), Roots::Real(0.5, 0.0));
        // Non-finite input gives NaN, not a wrong number.
        assert!(heavy_ball_rate(f64::NAN, 0.5, &[1.0]).is_nan());
        assert!(gd_rate(1.0, &[1.0, f64::NAN]).is_nan());
        assert_eq!(gd_rate(1.0, &[]), 0.0);
    }

    proptest! {
        #[test]
        fn heavy_ball_without_momentum_is_gd(
            a in 0.0..5.0f64, l1 in 1e-3..10.0f64, l2 in 1e-3..10.0f64,
        ) {
            prop_assert_eq!(heavy_ball_rate(a, 0.0, &[l1, l2]), gd_rate(a, &[l1, l2]));
        }

        #[test]
        fn heavy_ball_factor_is_the_spectral_radius_of_its_matrix(
            a in 0.0..4.0f64, b in 0.0..1.2f64, l in 1e-3..2.0f64,
        ) {
            let m = heavy_ball_matrix(a, b, l);
            let radius = m
                .complex_eigenvalues()
                .iter()
                .map(|z| z.norm())
                .fold(0.0, f64::max);
            let ours = heavy_ball_factor(a, b, l);
            // Near a double root the eigen-solver (not ours) only has sqrt(eps) accuracy.
            let t = m[(0, 0)];
            let gap = (t * t - 4.0 * b).abs() / (t * t + 4.0 * b);
            let tol = if gap > 1e-6 { 1e-12 } else { 1e-6 };
            prop_assert!(close(ours, radius, tol), "{} vs nalgebra {}", ours, radius);
        }

        #[test]
        fn nothing_beats_the_optimal_parameters(
            l_min in 1e-3..1.0f64, ratio in 1.0..1e3f64, a in 1e-3..5.0f64, b in 0.0..1.0f64,
        ) {
            let l_max = l_min * ratio;
            let ls = [l_min, l_max];
            let a = a / l_max;
            let gd_best = gd_optimal_rate(l_min, l_max);
            prop_assert!(gd_rate(a, &ls) >= gd_best * (1.0 - 1e-12));
            let hb_best = heavy_ball_optimal_rate(l_min, l_max);
            prop_assert!(heavy_ball_rate(a, b, &ls) >= hb_best * (1.0 - 1e-9));
            let (a_opt, b_opt) = heavy_ball_optimal(l_min, l_max);
            prop_assert!((heavy_ball_rate(a_opt, b_opt, &ls) - hb_best).abs() <= 1e-12);
        }
    }
}
