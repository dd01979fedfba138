//! Where a run ends, and what the local theory predicts there: `optiviz analyze` fits each
//! run's rate towards the stationary point it ends at, which may be a saddle as well as a
//! minimum (gradient descent started on a saddle's stable line converges to it; Newton is drawn
//! to every non-degenerate stationary point).

use super::{Character, PointOfAnalysis, Prediction, predict};
use crate::numerics::Vec2;
use crate::numerics::objectives::{AnyObjective, Landmarks, PointKind};
use crate::numerics::run::RunConfig;

/// The stationary point a run ends at, for its asymptotic rate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RunEnd {
    /// The point errors |x_k - x*| are measured from; `None` when the objective knows none
    /// (then |grad f(x_k)| is fitted).
    pub x_star: Option<Vec2>,
    /// The Hessian there, or at the run's last point when that is stationary and the
    /// objective knows no points; `None` otherwise or when it is not finite.
    pub point: Option<PointOfAnalysis>,
}

impl RunEnd {
    /// For a non-quadratic `f` and a run whose last point is `last`: the known critical point
    /// (of any kind) nearest to it, or without known points, `last` itself if it is
    /// (near-)stationary.
    #[must_use]
    pub fn of(f: &AnyObjective, last: Vec2) -> Self {
        let nearest = f
            .critical_points()
            .into_iter()
            .map(|c| c.p)
            .min_by(|a, b| (a - last).norm().total_cmp(&(b - last).norm()));
        match nearest {
            Some(x) => Self {
                x_star: Some(x),
                point: PointOfAnalysis::local(f, x),
            },
            None => Self {
                x_star: None,
                point: PointOfAnalysis::local(f, last)
                    .filter(|p| matches!(p.character, Character::Stationary(_))),
            },
        }
    }
}

/// A prediction at a run's end, with the caveat that goes with the kind of point.
#[derive(Clone, Debug, PartialEq)]
pub struct EndPrediction {
    /// The rate, or why there is none.
    pub prediction: Prediction,
    /// What limits it: at a saddle, that it holds on the stable line only.
    pub caveat: Option<&'static str>,
}

/// What the local theory predicts for a run with `config` ending at `point`: at a minimum
/// [`predict`] over the eigenvalues; at a saddle or maximum the same when the iteration
/// contracts in every direction (Newton), else the rate along the stable directions (l > 0),
/// which only a run started exactly on them sees; at a degenerate point no linear rate.
#[must_use]
pub fn predict_at_end(config: &RunConfig, point: Option<&PointOfAnalysis>) -> EndPrediction {
    let plain = |why: &str| EndPrediction {
        prediction: Prediction::NoClosedForm(why.to_owned()),
        caveat: None,
    };
    let Some(p) = point else {
        return plain("no known stationary point to linearise at");
    };
    let eigenvalues = &p.spectrum.eigenvalues;
    match p.character.kind() {
        None => plain("the end point is not stationary"),
        Some(PointKind::Degenerate) => {
            plain("degenerate: no linear rate (the curvature vanishes at the point)")
        }
        Some(PointKind::Minimum) => EndPrediction {
            prediction: predict(config, eigenvalues),
            caveat: None,
        },
        Some(kind @ (PointKind::Saddle | PointKind::Maximum)) => {
            let all = predict(config, eigenvalues);
            match all {
                Prediction::Rate { rate, .. } if rate < 1.0 => EndPrediction {
                    prediction: all,
                    caveat: Some(
                        "it contracts in every direction: drawn to the point from all sides",
                    ),
                },
                Prediction::Rate { .. } => {
                    let stable: Vec<f64> =
                        eigenvalues.iter().copied().filter(|&l| l > 0.0).collect();
                    if kind == PointKind::Maximum || stable.is_empty() {
                        plain("a maximum: the iteration is repelled from it")
                    } else {
                        EndPrediction {
                            prediction: predict(config, &stable),
                            caveat: Some(
                                "at a saddle: on its stable line (l > 0) only, any step off it \
                                 along l < 0 grows",
                            ),
                        }
                    }
                }
                Prediction::NoClosedForm(_) => EndPrediction {
                    prediction: all,
                    caveat: None,
                },
            }
        }
    }
}
