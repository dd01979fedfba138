//! Prediction against measurement: [`predict`] gives the closed-form rate of a run's
//! configuration, [`measured_rate`] fits the geometric rate of an observed error sequence, and
//! [`RunFit`] does both for one run as the theory panel plots it and `optiviz analyze` prints
//! it (one rule for the floor, the window and the double root).

use super::curves::evenly_spaced;
use super::{
    Roots, gd_rate, heavy_ball_rate, heavy_ball_roots, nesterov_rate, nesterov_roots, newton_rate,
};
use crate::numerics::Vec2;
use crate::numerics::optimizers::{NagMomentum, OptimizerSpec};
use crate::numerics::run::{Clip, RunConfig, Trajectory};
use crate::numerics::schedule::Schedule;

/// What theory predicts for a run near a minimum with the given Hessian eigenvalues.
#[derive(Clone, Debug, PartialEq)]
pub enum Prediction {
    /// A closed-form asymptotic rate: |x_k - x*| ~ C rate^k (or C k rate^k with a double root).
    Rate {
        /// The contraction per step.
        rate: f64,
        /// The formula, as on the slide.
        formula: &'static str,
        /// True when a slowest mode has a double root, so the error behaves like k rate^k.
        double_root: bool,
    },
    /// No closed form for this configuration; says why.
    NoClosedForm(String),
}

/// Most measured samples per run in the theory panel's time plots (and in the benchmark of
/// what the panel computes).
pub const PANEL_CURVE_POINTS: usize = 1500;

/// Slide text of GD's rate.
pub const GD_RATE_FORMULA: &str = "max_i |1 - lr l_i|";
/// Slide text of the heavy ball's rate.
pub const HEAVY_BALL_RATE_FORMULA: &str = "max_i rho([[1 + m - lr l_i, -m], [1, 0]])";
/// Slide text of the heavy ball's rate with dampening d: the buffer is (1 - d) times the
/// undampened one (from the first step on, or in torch's form from the second, which changes
/// only the start), so it is the heavy ball with step (1 - d) lr.
pub const DAMPENED_HEAVY_BALL_RATE_FORMULA: &str =
    "max_i rho([[1 + m - (1 - d) lr l_i, -m], [1, 0]])";
/// Slide text of Nesterov's rate with a constant momentum m.
pub const NESTEROV_RATE_FORMULA: &str =
    "max_i rho([[(1 + m)(1 - lr l_i), -m (1 - lr l_i)], [1, 0]])";
/// Slide text of damped Newton's rate.
pub const NEWTON_RATE_FORMULA: &str = "max_i |1 - lr l_i / (l_i + damping)|";

/// The predicted rate of a run with exact gradients: GD and SGD without momentum give
/// [`gd_rate`]; SGD with momentum and dampening 0 gives [`heavy_ball_rate`], or with Nesterov
/// [`nesterov_rate`], as does NAG with a constant momentum; Newton gives [`newton_rate`];
/// anything else (other optimizers, NAG's n/(n+3) schedule, weight decay, maximize, schedules,
/// clipping) has no closed form here. Gradient noise is not looked at: the prediction is for
/// the exact iteration.
#[must_use]
pub fn predict(config: &RunConfig, eigenvalues: &[f64]) -> Prediction {
    let none = |why: &str| Prediction::NoClosedForm(why.to_owned());
    if config.schedule != Schedule::Constant {
        return none("no closed form with a learning-rate schedule");
    }
    if config.clip != Clip::None {
        return none("no closed form with gradient clipping");
    }
    let gd = |lr: f64| Prediction::Rate {
        rate: gd_rate(lr, eigenvalues),
        formula: GD_RATE_FORMULA,
        double_root: false,
    };
    let nesterov = |lr: f64, momentum: f64| Prediction::Rate {
        rate: nesterov_rate(lr, momentum, eigenvalues),
        formula: NESTEROV_RATE_FORMULA,
        double_root: slowest_is_double(eigenvalues, |l| nesterov_roots(lr, momentum, l)),
    };
    match &config.optimizer {
        OptimizerSpec::GD(p) => gd(p.lr),
        OptimizerSpec::NAG(p) => match p.momentum {
            NagMomentum::Constant(m) => nesterov(p.lr, m),
            NagMomentum::Accelerated => none(
                "no linear rate for the n/(n+3) schedule (its momentum tends to 1); its \
                 guarantee is f - f* <= 2 L |x0 - x*|^2 / (k + 1)^2",
            ),
        },
        OptimizerSpec::Newton(p) => Prediction::Rate {
            rate: newton_rate(p.lr, p.damping, eigenvalues),
            formula: NEWTON_RATE_FORMULA,
            double_root: false,
        },
        OptimizerSpec::SGD(p) => {
            if p.maximize {
                none("no closed form: SGD maximizes")
            } else if p.weight_decay != 0.0 {
                none("no closed form with weight decay")
            } else if p.momentum == 0.0 {
                gd(p.lr)
            } else if p.dampening != 0.0 {
                let lr = (1.0 - p.dampening) * p.lr;
                Prediction::Rate {
                    rate: heavy_ball_rate(lr, p.momentum, eigenvalues),
                    formula: DAMPENED_HEAVY_BALL_RATE_FORMULA,
                    double_root: slowest_is_double(eigenvalues, |l| {
                        heavy_ball_roots(lr, p.momentum, l)
                    }),
                }
            } else if p.nesterov {
                nesterov(p.lr, p.momentum)
            } else {
                Prediction::Rate {
                    rate: heavy_ball_rate(p.lr, p.momentum, eigenvalues),
                    formula: HEAVY_BALL_RATE_FORMULA,
                    double_root: slowest_is_double(eigenvalues, |l| {
                        heavy_ball_roots(p.lr, p.momentum, l)
                    }),
                }
            }
        }
        other => Prediction::NoClosedForm(format!("no closed form for {}", other.name())),
    }
}

/// True when a slowest mode (its spectral radius the largest, to rounding) has a double root.
fn slowest_is_double(eigenvalues: &[f64], roots: impl Fn(f64) -> Roots) -> bool {
    let all: Vec<Roots> = eigenvalues.iter().map(|&l| roots(l)).collect();
    let rate = all.iter().map(Roots::spectral_radius).fold(0.0, f64::max);
    all.iter()
        .any(|r| matches!(r, Roots::Double(_)) && r.spectral_radius() >= rate * (1.0 - 1e-12))
}

/// Errors below this are treated as exact zeros by the fits.
const TINY: f64 = 1e-300;

/// The geometric rate of a positive error sequence (`errors[k]` after k steps): exp of the
/// least-squares slope of log(error) against k over the last `window` entries. Entries that
/// are not finite, not positive or below 1e-300 are skipped. `None` with fewer than two
/// usable points or a non-finite fit.
#[must_use]
pub fn measured_rate(errors: &[f64], window: usize) -> Option<f64> {
    fit_log_slope(errors, window, 0.0)
}

/// The rate rho of an error sequence that behaves like C k rho^k, as it does at a double root
/// (heavy ball at its optimal (a*, b*)): the [`measured_rate`] of `errors[k] / k` (k = 0
/// skipped). Fitting the plain errors there would be biased by a factor of about (1 + 1/k).
#[must_use]
pub fn measured_rate_double_root(errors: &[f64], window: usize) -> Option<f64> {
    fit_log_slope(errors, window, 1.0)
}

/// Least-squares slope of log(errors[k]) - power log(k) against k over the last `window`
/// entries, exponentiated.
fn fit_log_slope(errors: &[f64], window: usize, power: f64) -> Option<f64> {
    let first = errors.len().saturating_sub(window);
    let points = || {
        errors
            .iter()
            .enumerate()
            .skip(first)
            .filter(move |&(k, &e)| e.is_finite() && e >= TINY && (power == 0.0 || k > 0))
            .map(move |(k, &e)| {
                let k = k as f64;
                let y = if power == 0.0 {
                    e.ln()
                } else {
                    e.ln() - power * k.ln()
                };
                (k, y)
            })
    };
    let (mut n, mut sum_k, mut sum_y) = (0.0, 0.0, 0.0);
    for (k, y) in points() {
        n += 1.0;
        sum_k += k;
        sum_y += y;
    }
    if n < 2.0 {
        return None;
    }
    let (mean_k, mean_y) = (sum_k / n, sum_y / n);
    let (mut skk, mut sky) = (0.0, 0.0);
    for (k, y) in points() {
        skk += (k - mean_k) * (k - mean_k);
        sky += (k - mean_k) * (y - mean_y);
    }
    let rate = (sky / skk).exp();
    rate.is_finite().then_some(rate)
}

/// The part of an error sequence before it first drops below `floor` (or stops being finite):
/// past that point rounding, not the method, sets the error.
#[must_use]
pub fn until_floor(errors: &[f64], floor: f64) -> &[f64] {
    let end = errors
        .iter()
        .position(|e| !(e.is_finite() && *e >= floor))
        .unwrap_or(errors.len());
    &errors[..end]
}

/// The predicted error curve e0 * rate^j for j = 0, ..., k.
#[must_use]
pub fn predicted_errors(e0: f64, rate: f64, k: usize) -> Vec<f64> {
    (0..=k).map(|j| e0 * rate.powf(j as f64)).collect()
}

/// Errors below this fraction of the first one are rounding of x_k, not the method: a fit of
/// the rate stops where the error first falls below it.
pub const FIT_FLOOR: f64 = 1e-12;

/// Most segments of a predicted line: a straight line on a log axis needs few points.
const PREDICTED_SEGMENTS: usize = 200;

/// A measured rate and the steps it was fitted over.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RateFit {
    /// The contraction per step.
    pub rate: f64,
    /// First and last step of the fit.
    pub steps: [usize; 2],
}

/// The measured rate of an error sequence whose sample i is step i * `stride`: a least-squares
/// fit over the last half (at least two samples) of the part before the error first falls
/// below [`FIT_FLOOR`] times its first value, of error / k when `double_root` (the error then
/// behaves like k rho^k, see [`measured_rate_double_root`]), as a rate per step. `None` with
/// fewer than two usable samples.
#[must_use]
pub fn fit_rate(errors: &[f64], stride: usize, double_root: bool) -> Option<RateFit> {
    let floor = errors.first().copied().unwrap_or(0.0) * FIT_FLOOR;
    let usable = until_floor(errors, floor);
    let window = (usable.len() / 2).max(2);
    let per_sample = if double_root {
        measured_rate_double_root(usable, window)
    } else {
        measured_rate(usable, window)
    }?;
    let rate = per_sample.powf(1.0 / stride as f64);
    Some(RateFit {
        rate,
        steps: [
            usable.len().saturating_sub(window) * stride,
            (usable.len() - 1) * stride,
        ],
    })
}

/// One run measured against its prediction, up to a step: the curves of the theory panel's
/// "measured against predicted" plot, and the numbers of its table and of `optiviz analyze`.
#[derive(Clone, Debug, PartialEq)]
pub struct RunFit {
    /// (step, log10 error) at evenly spaced stored samples, at most the number asked for;
    /// zero and non-finite errors are left out.
    pub measured: Vec<[f64; 2]>,
    /// (step, log10 e_0 + step log10 rate) from step 0 to the step, in at most 200 segments;
    /// empty without a positive predicted rate and a positive first error.
    pub predicted: Vec<[f64; 2]>,
    /// The prediction the run was compared with.
    pub prediction: Prediction,
    /// The measured rate ([`fit_rate`]), when there are enough usable samples.
    pub fit: Option<RateFit>,
    /// The error at the last sample up to the step.
    pub final_error: Option<f64>,
}

impl RunFit {
    /// The error |x_k - x*| of `trajectory` up to `step`, fitted and set beside `prediction`;
    /// the measured curve keeps at most `max_points` samples.
    #[must_use]
    pub fn new(
        trajectory: &Trajectory,
        x_star: Vec2,
        prediction: Prediction,
        step: usize,
        max_points: usize,
    ) -> Self {
        let stride = trajectory.stride();
        let n = (step / stride).saturating_add(1).min(trajectory.len());
        let errors: Vec<f64> = trajectory.points()[..n]
            .iter()
            .map(|p| (p - x_star).norm())
            .collect();
        Self::of_errors(&errors, stride, prediction, step, max_points)
    }

    /// The same for any error sequence whose sample i is step i * `stride`, all of it up to
    /// `step` (`optiviz analyze` fits |grad f(x_k)| where no minimum is known).
    #[must_use]
    pub fn of_errors(
        errors: &[f64],
        stride: usize,
        prediction: Prediction,
        step: usize,
        max_points: usize,
    ) -> Self {
        let measured = evenly_spaced(errors.len(), max_points)
            .map(|i| ((i * stride) as f64, errors[i]))
            .filter(|&(_, e)| e > 0.0 && e.is_finite())
            .map(|(k, e)| [k, e.log10()])
            .collect();
        let double_root = matches!(
            prediction,
            Prediction::Rate {
                double_root: true,
                ..
            }
        );
        let fit = fit_rate(errors, stride, double_root);
        let predicted = match (&prediction, errors.first()) {
            (Prediction::Rate { rate, .. }, Some(&e0)) if *rate > 0.0 && e0 > 0.0 => {
                predicted_line(e0, *rate, step)
            }
            _ => Vec::new(),
        };
        Self {
            measured,
            predicted,
            prediction,
            fit,
            final_error: errors.last().copied(),
        }
    }

    /// The measured rate per step, if one could be fitted.
    #[must_use]
    pub fn measured_rate(&self) -> Option<f64> {
        self.fit.map(|f| f.rate)
    }

    /// The predicted rate per step, if there is a closed form.
    #[must_use]
    pub fn predicted_rate(&self) -> Option<f64> {
        match self.prediction {
            Prediction::Rate { rate, .. } => Some(rate),
            Prediction::NoClosedForm(_) => None,
        }
    }
}

/// (j, log10 e0 + j log10 rate) for j from 0 to `step` (at least 1), in at most
/// [`PREDICTED_SEGMENTS`] segments.
fn predicted_line(e0: f64, rate: f64, step: usize) -> Vec<[f64; 2]> {
    let n = step.max(1);
    (0..=n)
        .step_by(n.div_ceil(PREDICTED_SEGMENTS).max(1))
        .map(|j| {
            let jf = j as f64;
            [jf, e0.log10() + jf * rate.log10()]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::Vec2;
    use crate::numerics::noise::NoiseSpec;
    use crate::numerics::objectives::{ObjectiveSpec, Quadratic, QuadraticParams, ViewRect};
    use crate::numerics::optimizers::{AdamParams, GdParams, SgdParams};
    use crate::numerics::run::{Averaging, Simulation};
    use crate::numerics::theory::test_support::assert_close;
    use crate::numerics::theory::{
        Spectrum, gd_one_over_l_step, gd_optimal_step, heavy_ball_optimal,
    };

    #[test]
    fn measured_rate_fits_geometric_sequences() {
        let e = predicted_errors(3.0, 0.9, 100);
        assert_eq!(e.len(), 101);
        assert_eq!(e[0], 3.0);
        assert_close(e[100], 3.0 * 0.9f64.powi(100), 1e-15);
        assert_close(measured_rate(&e, 50).unwrap(), 0.9, 1e-13);
        assert_close(measured_rate(&e, 1000).unwrap(), 0.9, 1e-13);
        // Growth is measured too.
        assert_close(
            measured_rate(&predicted_errors(1.0, 1.05, 40), 20).unwrap(),
            1.05,
            1e-13,
        );
        // Bad entries are skipped without shifting the others.
        let mut holes = e.clone();
        holes[95] = f64::NAN;
        holes[96] = 0.0;
        holes[97] = -1.0;
        holes[98] = 1e-301;
        holes[99] = f64::INFINITY;
        assert_close(measured_rate(&holes, 50).unwrap(), 0.9, 1e-13);
        // Too few points.
        assert_eq!(measured_rate(&e, 1), None);
        assert_eq!(measured_rate(&[], 10), None);
        assert_eq!(measured_rate(&[1.0, f64::NAN, 0.0], 10), None);
        // k rho^k: the plain fit is biased by about 1/k, the double-root fit is exact.
        let jordan: Vec<f64> = (0..200).map(|k| f64::from(k) * 0.8f64.powi(k)).collect();
        assert_close(measured_rate_double_root(&jordan, 100).unwrap(), 0.8, 1e-13);
        let plain = measured_rate(&jordan, 100).unwrap();
        assert!(plain > 0.8 * 1.005, "{plain}");
    }

    #[test]
    fn until_floor_stops_at_the_first_tiny_or_bad_value() {
        let e = [1.0, 0.1, 1e-13, 0.5];
        assert_eq!(until_floor(&e, 1e-12), &e[..2]);
        assert_eq!(until_floor(&e, 0.0), &e[..]);
        assert_eq!(until_floor(&[1.0, f64::NAN, 1.0], 1e-12), &[1.0]);
    }

    fn config(optimizer: OptimizerSpec) -> RunConfig {
        RunConfig {
            optimizer,
            start: Vec2::new(-1.5, 0.5),
            schedule: Schedule::Constant,
            momentum_schedule: crate::numerics::schedule::MomentumSchedule::Constant,
            clip: Clip::None,
            averaging: Averaging::Off,
            noise: NoiseSpec::default(),
            examples: 1,
            domain: None,
        }
    }

    fn sgd(lr: f64, momentum: f64) -> SgdParams {
        SgdParams {
            lr,
            momentum,
            ..SgdParams::default()
        }
    }

    #[test]
    fn predictions_for_each_kind_of_run() {
        let ls = [0.01, 1.0];
        let rate = |p: Prediction| match p {
            Prediction::Rate { rate, .. } => rate,
            Prediction::NoClosedForm(why) => panic!("{why}"),
        };
        let gd = predict(&config(OptimizerSpec::GD(GdParams { lr: 1.5 })), &ls);
        assert_eq!(rate(gd), gd_rate(1.5, &ls));
        let sgd0 = predict(&config(OptimizerSpec::SGD(sgd(1.5, 0.0))), &ls);
        assert_eq!(rate(sgd0), gd_rate(1.5, &ls));
        let (a, b) = heavy_ball_optimal(0.01, 1.0);
        let hb = predict(&config(OptimizerSpec::SGD(sgd(a, b))), &ls);
        assert!(matches!(
            hb,
            Prediction::Rate {
                double_root: true,
                formula: HEAVY_BALL_RATE_FORMULA,
                ..
            }
        ));
        let hb = predict(&config(OptimizerSpec::SGD(sgd(1.0, 0.9))), &ls);
        assert!(matches!(
            hb,
            Prediction::Rate {
                double_root: false,
                ..
            }
        ));
        assert_close(rate(hb), 0.9f64.sqrt(), 1e-15);

        // torch's Nesterov SGD and NAG with the same constant momentum share one rate.
        let nesterov = SgdParams {
            nesterov: true,
            ..sgd(1.0, 0.9)
        };
        let nag = crate::numerics::optimizers::NagParams {
            lr: 1.0,
            momentum: crate::numerics::optimizers::NagMomentum::Constant(0.9),
        };
        for c in [
            config(OptimizerSpec::SGD(nesterov.clone())),
            config(OptimizerSpec::NAG(nag)),
        ] {
            assert_eq!(
                predict(&c, &ls),
                Prediction::Rate {
                    rate: crate::numerics::theory::nesterov_rate(1.0, 0.9, &ls),
                    formula: NESTEROV_RATE_FORMULA,
                    double_root: false,
                },
                "{c:?}"
            );
        }
        // Dampening d: the heavy ball with step (1 - d) lr, in torch's form and the EMA form.
        for dampen_first_step in [false, true] {
            let damped = SgdParams {
                dampening: 0.5,
                dampen_first_step,
                ..sgd(1.0, 0.9)
            };
            assert_eq!(
                predict(&config(OptimizerSpec::SGD(damped)), &ls),
                Prediction::Rate {
                    rate: heavy_ball_rate(0.5, 0.9, &ls),
                    formula: DAMPENED_HEAVY_BALL_RATE_FORMULA,
                    double_root: false,
                }
            );
        }
        let decay = SgdParams {
            weight_decay: 0.1,
            ..sgd(1.0, 0.0)
        };
        let mut scheduled = config(OptimizerSpec::GD(GdParams { lr: 1.0 }));
        scheduled.schedule = Schedule::Exponential { gamma: 0.99 };
        let mut clipped = config(OptimizerSpec::GD(GdParams { lr: 1.0 }));
        clipped.clip = Clip::Norm(1.0);
        for c in [
            config(OptimizerSpec::NAG(
                crate::numerics::optimizers::NagParams::default(),
            )),
            config(OptimizerSpec::SGD(decay)),
            config(OptimizerSpec::Adam(AdamParams::default())),
            scheduled,
            clipped,
        ] {
            assert!(
                matches!(predict(&c, &ls), Prediction::NoClosedForm(_)),
                "{c:?}"
            );
        }
        let Prediction::NoClosedForm(why) =
            predict(&config(OptimizerSpec::Adam(AdamParams::default())), &ls)
        else {
            panic!()
        };
        assert_eq!(why, "no closed form for Adam");
    }

    /// The measured rate of a real run on a quadratic, with the rate theory predicts and the
    /// step range fitted.
    struct Measured {
        rate: f64,
        predicted: f64,
        fitted: (usize, usize),
    }

    fn measure(l_max: f64, kappa: f64, optimizer: OptimizerSpec, max_steps: usize) -> Measured {
        let params = QuadraticParams {
            l_max,
            kappa,
            angle_deg: 25.0,
            center: (0.5, -1.0),
        };
        let q = Quadratic::new(&params).unwrap();
        let spectrum = Spectrum::of_quadratic(&q);
        let objective = ObjectiveSpec::Quadratic(params).build().unwrap();
        let x_star = q.minimizer();
        let view = ViewRect::around(x_star, 2.5);
        let mut c = config(optimizer);
        // A generic start: both eigen-directions carry error.
        c.start = x_star + Vec2::new(-2.0, 1.5);
        let Prediction::Rate {
            rate: predicted,
            double_root,
            ..
        } = predict(&c, &spectrum.eigenvalues)
        else {
            panic!("theory applies");
        };
        let mut sim = Simulation::new(objective, &view, vec![c], max_steps + 1).unwrap();
        sim.advance_to(max_steps);
        let t = sim.runs()[0].trajectory();
        assert_eq!(t.stride(), 1);
        let errors: Vec<f64> = t.points().iter().map(|p| (p - x_star).norm()).collect();
        // Below 1e-12 of the initial error, rounding of x_k (|x*| eps ~ 1e-16) starts to show.
        let usable = until_floor(&errors, 1e-12 * errors[0]);
        // The last half of the usable part: long after the faster modes have died out, and
        // many oscillation periods long where the roots are complex.
        let window = usable.len() / 2;
        // At a double root (heavy ball at (a*, b*)) the error is (c + d k) rho^k: fitting the
        // plain error would measure rho (1 + 1/k), about 1% too slow at k ~ 100, so the fit is
        // of |x_k - x*| / k, whose rate is rho up to O(1/k^2).
        let measured = if double_root {
            measured_rate_double_root(usable, window)
        } else {
            measured_rate(usable, window)
        }
        .unwrap();
        Measured {
            rate: measured,
            predicted,
            fitted: (usable.len() - window, usable.len() - 1),
        }
    }

    #[test]
    fn measured_rates_of_real_runs_are_within_one_percent_of_theory() {
        let mut cases: Vec<(String, f64, f64, OptimizerSpec)> = Vec::new();
        for (l_max, kappa) in [(1.0, 10.0), (1.0, 100.0), (4.0, 1000.0)] {
            let l_min = l_max / kappa;
            let (a, b) = heavy_ball_optimal(l_min, l_max);
            let gd = |lr| OptimizerSpec::GD(GdParams { lr });
            for (name, opt) in [
                ("GD a*", gd(gd_optimal_step(l_min, l_max))),
                ("GD 1/L", gd(gd_one_over_l_step(l_max))),
                ("GD 1.9/l_max", gd(1.9 / l_max)),
                ("HB a*, b*", OptimizerSpec::SGD(sgd(a, b))),
                (
                    "HB 0.5/l_max, 0.3",
                    OptimizerSpec::SGD(sgd(0.5 / l_max, 0.3)),
                ),
                ("HB 1/l_max, 0.9", OptimizerSpec::SGD(sgd(1.0 / l_max, 0.9))),
            ] {
                cases.push((name.to_owned(), l_max, kappa, opt));
            }
        }
        for (name, l_max, kappa, opt) in cases {
            let m = measure(l_max, kappa, opt, 40_000);
            let err = (m.rate / m.predicted - 1.0).abs();
            println!(
                "{name:<18} kappa {kappa:<6} predicted {:.6}  measured {:.6}  \
                 rel. diff {err:.1e}  steps {}..{}",
                m.predicted, m.rate, m.fitted.0, m.fitted.1
            );
            assert!(
                m.fitted.1 - m.fitted.0 >= 20,
                "{name}, kappa {kappa}: window too short"
            );
            assert!(
                err <= 0.01,
                "{name}, kappa {kappa}: measured {} predicted {}",
                m.rate,
                m.predicted
            );
        }
    }

    #[test]
    fn fit_rate_stops_at_the_floor_and_converts_strides_to_steps() {
        // 0.5^k falls below 1e-12 of its start after 40 steps: the fit is of steps 0..=39,
        // the last half of them.
        let e = predicted_errors(2.0, 0.5, 100);
        let fit = fit_rate(&e, 1, false).unwrap();
        assert_close(fit.rate, 0.5, 1e-13);
        assert_eq!(fit.steps, [20, 39]);
        // Samples four steps apart: the rate per sample is rho^4.
        let strided = predicted_errors(1.0, 0.9f64.powi(4), 50);
        let fit = fit_rate(&strided, 4, false).unwrap();
        assert_close(fit.rate, 0.9, 1e-13);
        assert_eq!(fit.steps, [104, 200]);
        // Two samples are enough; one is not.
        assert_close(fit_rate(&[1.0, 0.25], 1, false).unwrap().rate, 0.25, 1e-15);
        assert_eq!(fit_rate(&[1.0, 0.0, 1.0], 1, false), None);
        assert_eq!(fit_rate(&[], 1, false), None);
        // At a double root, the fit is of e_k / k.
        let jordan: Vec<f64> = (0..200).map(|k| f64::from(k) * 0.8f64.powi(k)).collect();
        assert_close(fit_rate(&jordan, 1, true).unwrap().rate, 0.8, 1e-13);
    }

    #[test]
    fn a_run_fit_has_the_measured_curve_the_prediction_and_the_fit() {
        let rate = 0.9;
        let errors = predicted_errors(3.0, rate, 1000);
        let prediction = Prediction::Rate {
            rate,
            formula: GD_RATE_FORMULA,
            double_root: false,
        };
        let fit = RunFit::of_errors(&errors, 1, prediction.clone(), 1000, 100);
        assert_eq!(fit.predicted_rate(), Some(rate));
        assert_close(fit.measured_rate().unwrap(), rate, 1e-12);
        assert_eq!(fit.final_error, errors.last().copied());
        // At most 100 points, evenly spaced, from step 0.
        assert!(fit.measured.len() <= 100, "{}", fit.measured.len());
        assert_eq!(fit.measured[0], [0.0, 3f64.log10()]);
        assert_eq!(fit.measured[1][0], 11.0);
        // The predicted line starts at the first error and falls by log10(rate) a step.
        assert_eq!(fit.predicted[0], [0.0, 3f64.log10()]);
        let [k, y] = *fit.predicted.last().unwrap();
        assert_eq!(k, 1000.0);
        assert_close(y, 3f64.log10() + 1000.0 * rate.log10(), 1e-12);
        assert!(fit.predicted.len() <= 201);
        // Without a closed form: no line, but still a measurement.
        let none = RunFit::of_errors(
            &errors,
            1,
            Prediction::NoClosedForm("why".to_owned()),
            1000,
            100,
        );
        assert!(none.predicted.is_empty());
        assert_eq!(none.predicted_rate(), None);
        assert_eq!(none.fit, fit.fit);
        // Zeros are not drawn on a log axis.
        let zeros = RunFit::of_errors(&[1.0, 0.0, 0.0], 1, prediction, 2, 10);
        assert_eq!(zeros.measured, vec![[0.0, 0.0]]);
    }

    #[test]
    fn a_run_fit_of_a_trajectory_stops_at_the_step() {
        let params = QuadraticParams {
            l_max: 1.0,
            kappa: 10.0,
            angle_deg: 25.0,
            center: (0.5, -1.0),
        };
        let q = Quadratic::new(&params).unwrap();
        let objective = ObjectiveSpec::Quadratic(params).build().unwrap();
        let c = config(OptimizerSpec::GD(GdParams { lr: 1.0 }));
        let prediction = predict(&c, &Spectrum::of_quadratic(&q).eigenvalues);
        let view = ViewRect::around(q.minimizer(), 2.5);
        let mut sim = Simulation::new(objective, &view, vec![c], 1000).unwrap();
        sim.advance_to(100);
        let t = sim.runs()[0].trajectory();
        let at_50 = RunFit::new(t, q.minimizer(), prediction.clone(), 50, 1000);
        assert_eq!(at_50.measured.len(), 51);
        assert_eq!(
            at_50.final_error,
            Some((t.points()[50] - q.minimizer()).norm())
        );
        let errors: Vec<f64> = t.points()[..=50]
            .iter()
            .map(|p| (p - q.minimizer()).norm())
            .collect();
        assert_eq!(at_50, RunFit::of_errors(&errors, 1, prediction, 50, 1000));
        assert_close(at_50.measured_rate().unwrap(), 0.9, 1e-6);
        // Beyond what is computed: everything there is.
        let beyond = RunFit::new(
            t,
            q.minimizer(),
            Prediction::NoClosedForm(String::new()),
            500,
            1000,
        );
        assert_eq!(beyond.measured.len(), 101);
    }
}
