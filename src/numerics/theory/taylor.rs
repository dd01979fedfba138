//! Taylor models at a point p, as curves to draw over the contour view (the course's "a smooth
//! function is locally linear, then quadratic"):
//!
//! - the first-order model m1(x) = f(p) + g'(x - p): its level line through p, perpendicular
//!   to g, and the descent direction -g;
//! - the second-order model m2(x) = m1(x) + 1/2 (x - p)' H (x - p): its level curves through p
//!   and halfway in (ellipses at a minimum of the model, hyperbolas at a saddle) and its
//!   stationary point p - H^-1 g, where Newton's step goes;
//! - where the objective's L and mu are known (a quadratic: l_max and l_min), the L-smooth
//!   upper bound f(p) + g'd + L/2 |d|^2 and the mu-strongly-convex lower bound f(p) + g'd +
//!   mu/2 |d|^2 (d = x - p): their level sets through p are circles with centres p - g/L (the
//!   gradient step with lr = 1/L, the upper bound's minimiser) and p - g/mu, and the objective's
//!   own level curve through p lies between them;
//! - the curvature along the gradient g'Hg / g'g: along -g the quadratic model's loss falls
//!   for steps a < 2 g'g / g'Hg and rises beyond ("the loss rises when a/2 g'Hg > g'g").

use super::Spectrum;
use crate::numerics::objectives::Hessian;
use crate::numerics::{Mat2, Vec2};

/// Points along each drawn curve.
const CURVE_POINTS: usize = 160;

/// The Taylor models of f at a point, as curves in the plane.
#[derive(Clone, Debug, PartialEq)]
pub struct TaylorModels {
    /// The point p.
    pub at: Vec2,
    /// f(p).
    pub value: f64,
    /// grad f(p).
    pub gradient: Vec2,
    /// The first-order model's level line through p (perpendicular to g, `reach` long each
    /// way); `None` where g = 0.
    pub tangent: Option<[Vec2; 2]>,
    /// The second-order model's level curves through p and at half its height above its
    /// stationary point, each as polylines (a hyperbola has two branches).
    pub quadratic_levels: Vec<Vec<Vec2>>,
    /// The second-order model's stationary point p - H^-1 g (Newton's full step), when H is
    /// invertible, and whether it is the model's minimum.
    pub newton: Option<(Vec2, bool)>,
    /// The level set through p of the L-smooth upper bound: centre p - g/L, radius |g|/L.
    pub upper: Option<Circle>,
    /// The level set through p of the mu-strongly-convex lower bound: centre p - g/mu.
    pub lower: Option<Circle>,
    /// g'Hg / g'g; `None` where g = 0.
    pub curvature_along_gradient: Option<f64>,
}

/// g'Hg / g'g, the curvature along the gradient g of a Hessian H; `None` where g = 0.
#[must_use]
pub fn curvature_along_gradient(g: Vec2, h: &Mat2) -> Option<f64> {
    let gg = g.norm_squared();
    (gg > 0.0).then(|| g.dot(&(h * g)) / gg)
}

/// A circle, sampled for drawing by [`Circle::points`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Circle {
    /// Centre.
    pub center: Vec2,
    /// Radius.
    pub radius: f64,
}

impl Circle {
    /// Closed polyline.
    #[must_use]
    pub fn points(&self) -> Vec<Vec2> {
        (0..=CURVE_POINTS)
            .map(|i| {
                let t = std::f64::consts::TAU * i as f64 / CURVE_POINTS as f64;
                self.center + Vec2::new(t.cos(), t.sin()) * self.radius
            })
            .collect()
    }
}

impl TaylorModels {
    /// The models of `f` at `p`; curves reach about `reach` from p (a third of the view, say);
    /// `bounds` are (L, mu) where the objective knows them. `None` where f, g or H is not
    /// finite.
    #[must_use]
    pub fn at<F: Hessian + ?Sized>(
        f: &F,
        p: Vec2,
        reach: f64,
        bounds: Option<(f64, f64)>,
    ) -> Option<Self> {
        let (value, g) = f.value_and_gradient(p);
        let h = f.hessian(p);
        if !(value.is_finite() && g.iter().all(|v| v.is_finite())) {
            return None;
        }
        let spectrum = Spectrum::of(&h)?;
        let gg = g.norm_squared();
        let tangent = (gg > 0.0).then(|| {
            let along = Vec2::new(-g.y, g.x) / gg.sqrt() * reach;
            [p - along, p + along]
        });
        let newton = h.try_inverse().map(|inverse| {
            let x = p - inverse * g;
            let minimum = spectrum.eigenvalues.iter().all(|&l| l > 0.0);
            (x, minimum)
        });
        let quadratic_levels = newton
            .map(|(center, _)| quadratic_levels(&h, &spectrum, center, p, reach))
            .unwrap_or_default();
        let circle = |c: f64| {
            (c > 0.0 && c.is_finite() && gg > 0.0).then(|| Circle {
                center: p - g / c,
                radius: gg.sqrt() / c,
            })
        };
        Some(Self {
            at: p,
            value,
            gradient: g,
            tangent,
            quadratic_levels,
            newton: newton.filter(|(x, _)| x.iter().all(|v| v.is_finite())),
            upper: bounds.and_then(|(l, _)| circle(l)),
            lower: bounds.and_then(|(_, mu)| circle(mu)),
            curvature_along_gradient: curvature_along_gradient(g, &h),
        })
    }

    /// The largest step along -g for which the second-order model's loss does not rise above
    /// f(p): 2 g'g / g'Hg (infinite where the curvature along g is not positive).
    #[must_use]
    pub fn rising_step(&self) -> Option<f64> {
        self.curvature_along_gradient
            .map(|c| if c > 0.0 { 2.0 / c } else { f64::INFINITY })
    }
}

/// Level curves of m2 - m* = 1/2 u' Lambda u (u: coordinates in H's eigenbasis about the
/// model's stationary point `center`) through `p` and at half that height: ellipses when both
/// eigenvalues are positive (or both negative), hyperbola branches cut to about `reach` when
/// they differ in sign.
fn quadratic_levels(h: &Mat2, s: &Spectrum, center: Vec2, p: Vec2, reach: f64) -> Vec<Vec<Vec2>> {
    let d = p - center;
    let height = 0.5 * d.dot(&(h * d));
    if !height.is_finite() || height == 0.0 {
        return Vec::new();
    }
    let [l1, l2] = s.eigenvalues;
    let [v1, v2] = s.eigenvectors;
    let to_plane = |u1: f64, u2: f64| center + v1 * u1 + v2 * u2;
    let mut curves = Vec::new();
    for level in [height, 0.5 * height] {
        if l1.signum() == l2.signum() {
            // 1/2 (l1 u1^2 + l2 u2^2) = level, with level of the eigenvalues' sign.
            let (a, b) = ((2.0 * level / l1).sqrt(), (2.0 * level / l2).sqrt());
            if a.is_finite() && b.is_finite() {
                curves.push(
                    (0..=CURVE_POINTS)
                        .map(|i| {
                            let t = std::f64::consts::TAU * i as f64 / CURVE_POINTS as f64;
                            to_plane(a * t.cos(), b * t.sin())
                        })
                        .collect(),
                );
            }
        } else {
            // A saddle of the model: the eigenvalue with the level's sign gives the axis the
            // branches cross.
            let (across, along, cross_axis) = if level * l1 > 0.0 {
                (l1, l2, 0)
            } else {
                (l2, l1, 1)
            };
            let a = (2.0 * level / across).sqrt();
            let b = (2.0 * level / -along).sqrt();
            if !(a.is_finite() && b.is_finite() && a > 0.0 && b > 0.0) {
                continue;
            }
            let s_max = (reach / b).asinh();
            for sign in [1.0, -1.0] {
                curves.push(
                    (0..=CURVE_POINTS)
                        .map(|i| {
                            let s = s_max * (2.0 * i as f64 / CURVE_POINTS as f64 - 1.0);
                            let (u_across, u_along) = (sign * a * s.cosh(), b * s.sinh());
                            if cross_axis == 0 {
                                to_plane(u_across, u_along)
                            } else {
                                to_plane(u_along, u_across)
                            }
                        })
                        .collect(),
                );
            }
        }
    }
    curves
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::objectives::{Objective, ObjectiveSpec, QuadraticParams, SaddleParams};

    fn m2(t: &TaylorModels, h: &Mat2, x: Vec2) -> f64 {
        let d = x - t.at;
        t.value + t.gradient.dot(&d) + 0.5 * d.dot(&(h * d))
    }

    #[test]
    fn on_a_quadratic_the_second_order_model_is_the_function_and_newton_finds_its_minimum() {
        let f = ObjectiveSpec::Quadratic(QuadraticParams {
            l_max: 1.0,
            kappa: 10.0,
            angle_deg: 30.0,
            center: (0.5, -1.0),
        })
        .build()
        .unwrap();
        let p = Vec2::new(-2.0, 1.5);
        let t = TaylorModels::at(&f, p, 2.0, Some((1.0, 0.1))).unwrap();
        let (newton, minimum) = t.newton.unwrap();
        assert!((newton - Vec2::new(0.5, -1.0)).norm() < 1e-12 && minimum);
        // Every level curve lies on a level of the model (= f here): f(p) and halfway down.
        let h = f.hessian(p);
        let f_star = f.value(newton);
        for (k, curve) in t.quadratic_levels.iter().enumerate() {
            let want = if k == 0 {
                t.value
            } else {
                f_star + 0.5 * (t.value - f_star)
            };
            for x in curve {
                assert!((m2(&t, &h, *x) - want).abs() < 1e-9, "{k}");
                assert!((f.value(*x) - want).abs() < 1e-9, "{k}");
            }
        }
        // The tangent line is the first-order model's level f(p): perpendicular to g.
        let [a, b] = t.tangent.unwrap();
        assert!((b - a).dot(&t.gradient).abs() < 1e-12);
        // The bounds' circles pass through p; the upper one's centre is the 1/L gradient step.
        let (up, low) = (t.upper.unwrap(), t.lower.unwrap());
        assert!(((up.center - p).norm() - up.radius).abs() < 1e-12);
        assert!(((low.center - p).norm() - low.radius).abs() < 1e-12);
        assert!((up.center - (p - t.gradient)).norm() < 1e-15);
        // The objective's level set through p lies between them: f <= f(p) inside the upper
        // bound's circle, f >= f(p) outside the lower bound's.
        for x in up.points() {
            let inside = up.center + (x - up.center) * 0.999;
            assert!(f.value(inside) <= t.value + 1e-12);
        }
        for x in low.points() {
            let outside = low.center + (x - low.center) * 1.001;
            assert!(f.value(outside) >= t.value - 1e-12);
        }
        // g'Hg / g'g lies between the eigenvalues; the model's loss along -g is back to f(p)
        // at a = 2 g'g / g'Hg.
        let c = t.curvature_along_gradient.unwrap();
        assert!((0.1..=1.0).contains(&c), "{c}");
        let a = t.rising_step().unwrap();
        assert!((m2(&t, &h, p - t.gradient * a) - t.value).abs() < 1e-9);
        assert!(m2(&t, &h, p - t.gradient * (0.5 * a)) < t.value);
    }

    #[test]
    fn at_a_saddle_the_model_has_hyperbolas_and_no_minimum() {
        let f = ObjectiveSpec::Saddle(SaddleParams {
            scale: 1.0,
            quartic: 0.0,
        })
        .build()
        .unwrap();
        let p = Vec2::new(1.0, 0.5);
        let t = TaylorModels::at(&f, p, 3.0, None).unwrap();
        let (newton, minimum) = t.newton.unwrap();
        assert!(newton.norm() < 1e-12 && !minimum);
        assert_eq!(
            t.quadratic_levels.len(),
            4,
            "two branches at each of two levels"
        );
        let h = f.hessian(p);
        for x in &t.quadratic_levels[0] {
            assert!((m2(&t, &h, *x) - t.value).abs() < 1e-9);
        }
        assert!(t.upper.is_none() && t.lower.is_none());
        // The curvature along g = (2, -1) is (4 - 1) * 2 / 5 > 0 here.
        assert!((t.curvature_along_gradient.unwrap() - 1.2).abs() < 1e-12);
    }

    #[test]
    fn at_a_stationary_point_there_is_no_tangent_and_nothing_is_drawn_that_is_not_finite() {
        let f = ObjectiveSpec::Saddle(SaddleParams {
            scale: 1.0,
            quartic: 0.0,
        })
        .build()
        .unwrap();
        let t = TaylorModels::at(&f, Vec2::zeros(), 1.0, Some((2.0, 1.0))).unwrap();
        assert!(t.tangent.is_none() && t.curvature_along_gradient.is_none());
        assert!(t.quadratic_levels.is_empty());
        assert!(t.upper.is_none());
        assert!(TaylorModels::at(&f, Vec2::new(f64::NAN, 0.0), 1.0, None).is_none());
    }
}
