//! Hyperparameters as an editor sees them, described by each optimizer's own file: every
//! optimizer lists its knobs (name, range, scale, torch's default, what it does) to a
//! [`Knobs`] visitor, which the app's editor implements with sliders and check boxes. So an
//! optimizer brings its editor with it, and the numerical core knows no GUI.
//!
//! Knob names are torch's parameter names (shortened only where a label must fit); the
//! learning rate is not a knob here (its slider's range depends on the objective, see
//! `ui::widgets::params::lr_slider_range`).

use std::ops::RangeInclusive;

/// How a real-valued knob's slider is scaled.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Scale {
    /// Evenly spaced values.
    Linear,
    /// Evenly spaced decades (the range must be positive).
    Log,
    /// Decades down to `smallest`, and zero at the left end (weight decay: 0 or 1e-6 .. 1).
    LogFromZero {
        /// The smallest positive value on the slider.
        smallest: f64,
    },
}

/// A real-valued knob.
#[derive(Clone, Debug, PartialEq)]
pub struct Real {
    /// Label (torch's parameter name).
    pub name: &'static str,
    /// The slider's range.
    pub range: RangeInclusive<f64>,
    /// The slider's scale.
    pub scale: Scale,
    /// torch's default (double-click restores it).
    pub default: f64,
    /// What the parameter does.
    pub help: &'static str,
}

/// What an editor does with each kind of knob. The optimizer calls one method per knob, in
/// the order the editor shows them, with a mutable reference to the value.
pub trait Knobs {
    /// A real number.
    fn real(&mut self, knob: Real, value: &mut f64);
    /// On or off.
    fn flag(&mut self, name: &'static str, value: &mut bool, default: bool, help: &'static str);
    /// A whole number in `range`.
    fn count(
        &mut self,
        name: &'static str,
        value: &mut usize,
        range: RangeInclusive<usize>,
        default: usize,
        help: &'static str,
    );
    /// One of `options` (an index into it).
    fn choice(
        &mut self,
        name: &'static str,
        value: &mut usize,
        options: &'static [&'static str],
        help: &'static str,
    );
    /// A whole number, or `None` for the rule described by `automatic` (a value in `range`
    /// starting at `manual` when the automatic rule is switched off).
    fn optional_count(
        &mut self,
        name: &'static str,
        value: &mut Option<usize>,
        automatic: &'static str,
        range: RangeInclusive<usize>,
        manual: usize,
        help: &'static str,
    );
}

/// What `eps` does wherever it appears.
pub const EPS_HELP: &str = "Added to the denominator for numerical stability.";
/// What `weight_decay` does in the optimizers that add it to the gradient.
pub const WEIGHT_DECAY_HELP: &str =
    "Weight decay: adds weight_decay * x to the gradient (an L2 penalty).";
/// What `maximize` does.
pub const MAXIMIZE_HELP: &str = "Maximize the objective instead of minimizing it.";
/// What `decoupled_weight_decay` does.
pub const DECOUPLED_HELP: &str =
    "Decoupled weight decay: shrink x by (1 - lr * weight_decay) instead (AdamW style).";
/// What `amsgrad` does.
pub const AMSGRAD_HELP: &str = "AMSGrad: use the largest second moment seen so far.";
/// What `amsgrad_max_corrected` does.
pub const AMSGRAD_MAX_CORRECTED_HELP: &str = "The course's AMSGrad: the largest bias-corrected \
     v / (1 - beta2^t) so far, instead of torch's largest raw v divided by today's correction. \
     An early large gradient then bounds every later step. Turns amsgrad on.";
/// What `momentum` does in torch's SGD and RMSprop.
pub const MOMENTUM_HELP: &str =
    "Momentum factor: the share of the previous update carried into the next (heavy ball).";
/// What `tolerance_grad` does in BFGS and L-BFGS.
pub const TOLERANCE_GRAD_HELP: &str =
    "Do not move when the largest gradient component is at most this.";
/// What `tolerance_change` does in BFGS and L-BFGS.
pub const TOLERANCE_CHANGE_HELP: &str = "Stop when steps or loss changes are below this.";

/// The `eps` knob (log scale from 1e-16 to 1).
pub fn eps(k: &mut dyn Knobs, value: &mut f64, default: f64) {
    k.real(
        Real {
            name: "eps",
            range: 1e-16..=1.0,
            scale: Scale::Log,
            default,
            help: EPS_HELP,
        },
        value,
    );
}

/// The `weight_decay` knob (0, or 1e-6 to 1 on a log scale).
pub fn weight_decay(k: &mut dyn Knobs, value: &mut f64, default: f64) {
    k.real(
        Real {
            name: "weight_decay",
            range: 0.0..=1.0,
            scale: Scale::LogFromZero { smallest: 1e-6 },
            default,
            help: WEIGHT_DECAY_HELP,
        },
        value,
    );
}

/// The two `betas` of the Adam family, as `beta1` and `beta2`.
pub fn betas(k: &mut dyn Knobs, value: &mut (f64, f64), default: (f64, f64)) {
    k.real(
        Real {
            name: "beta1",
            range: 0.0..=0.9999,
            scale: Scale::Linear,
            default: default.0,
            help: "Decay rate of the running mean of gradients (first moment).",
        },
        &mut value.0,
    );
    k.real(
        Real {
            name: "beta2",
            range: 0.0..=0.99999,
            scale: Scale::Linear,
            default: default.1,
            help: "Decay rate of the running mean of squared gradients (second moment).",
        },
        &mut value.1,
    );
}

/// The `maximize` flag (torch's default: off).
pub fn maximize(k: &mut dyn Knobs, value: &mut bool) {
    k.flag("maximize", value, false, MAXIMIZE_HELP);
}

/// The `momentum` knob of torch's SGD and RMSprop (0 to 0.999).
pub fn momentum(k: &mut dyn Knobs, value: &mut f64, default: f64) {
    k.real(
        Real {
            name: "momentum",
            range: 0.0..=0.999,
            scale: Scale::Linear,
            default,
            help: MOMENTUM_HELP,
        },
        value,
    );
}

/// The stopping tolerances of BFGS and L-BFGS (log scale from 1e-15 to 1).
pub fn tolerances(k: &mut dyn Knobs, grad: &mut f64, change: &mut f64, defaults: (f64, f64)) {
    k.real(
        Real {
            name: "tolerance_grad",
            range: 1e-15..=1.0,
            scale: Scale::Log,
            default: defaults.0,
            help: TOLERANCE_GRAD_HELP,
        },
        grad,
    );
    k.real(
        Real {
            name: "tolerance_change",
            range: 1e-15..=1.0,
            scale: Scale::Log,
            default: defaults.1,
            help: TOLERANCE_CHANGE_HELP,
        },
        change,
    );
}

/// A visitor that only collects the knobs' names, in order (tests, and the docs check).
#[derive(Debug, Default)]
pub struct Names(pub Vec<&'static str>);

impl Knobs for Names {
    fn real(&mut self, knob: Real, _: &mut f64) {
        self.0.push(knob.name);
    }
    fn flag(&mut self, name: &'static str, _: &mut bool, _: bool, _: &'static str) {
        self.0.push(name);
    }
    fn count(
        &mut self,
        name: &'static str,
        _: &mut usize,
        _: RangeInclusive<usize>,
        _: usize,
        _: &'static str,
    ) {
        self.0.push(name);
    }
    fn choice(&mut self, name: &'static str, _: &mut usize, _: &'static [&'static str], _: &str) {
        self.0.push(name);
    }
    fn optional_count(
        &mut self,
        name: &'static str,
        _: &mut Option<usize>,
        _: &'static str,
        _: RangeInclusive<usize>,
        _: usize,
        _: &'static str,
    ) {
        self.0.push(name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::optimizers::OptimizerSpec;

    /// Moves every knob away from its default (`restore` false), or sets it to its default.
    struct Set {
        restore: bool,
    }

    impl Knobs for Set {
        fn real(&mut self, knob: Real, value: &mut f64) {
            *value = if self.restore {
                knob.default
            } else {
                f64::midpoint(knob.default, *knob.range.end())
            };
        }
        fn flag(&mut self, _: &'static str, value: &mut bool, default: bool, _: &'static str) {
            *value = if self.restore { default } else { !default };
        }
        fn count(
            &mut self,
            _: &'static str,
            value: &mut usize,
            range: RangeInclusive<usize>,
            default: usize,
            _: &'static str,
        ) {
            *value = if self.restore { default } else { *range.end() };
        }
        fn choice(&mut self, _: &'static str, _: &mut usize, _: &'static [&'static str], _: &str) {}
        fn optional_count(
            &mut self,
            _: &'static str,
            _: &mut Option<usize>,
            _: &'static str,
            _: RangeInclusive<usize>,
            _: usize,
            _: &'static str,
        ) {
        }
    }

    #[test]
    fn every_knob_s_default_is_its_optimizer_s_default_and_the_knobs_change_the_spec() {
        for default in OptimizerSpec::all_defaults() {
            let mut names = Names::default();
            default.clone().knobs(&mut names);
            let unique: std::collections::BTreeSet<_> = names.0.iter().collect();
            assert_eq!(
                unique.len(),
                names.0.len(),
                "{}: {:?}",
                default.name(),
                names.0
            );

            let mut spec = default.clone();
            spec.knobs(&mut Set { restore: true });
            assert_eq!(spec, default, "a knob's default differs from torch's");

            spec.knobs(&mut Set { restore: false });
            if names
                .0
                .iter()
                .any(|n| !matches!(*n, "momentum" | "line_search_fn"))
            {
                assert_ne!(
                    spec,
                    default,
                    "{}: the knobs change nothing",
                    default.name()
                );
            }
            spec.knobs(&mut Set { restore: true });
            assert_eq!(
                spec,
                default,
                "{}: restoring every knob does not give the default",
                default.name()
            );
            assert!(spec.validate().is_ok());
        }
    }

    #[test]
    fn the_knobs_are_torch_s_parameter_names() {
        let mut names = Names::default();
        OptimizerSpec::Adam(crate::numerics::optimizers::AdamParams::default()).knobs(&mut names);
        assert_eq!(
            names.0,
            [
                "beta1",
                "beta2",
                "eps",
                "weight_decay",
                "decoupled wd",
                "amsgrad",
                "amsgrad max of v^",
                "bias_correction",
                "eps inside sqrt",
                "maximize"
            ]
        );
    }
}
