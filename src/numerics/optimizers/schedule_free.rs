//! Schedule-Free AdamW and Schedule-Free SGD, as the `schedulefree` package's
//! `AdamWScheduleFree` and `SGDScheduleFree` compute them (its main classes, not the
//! `...Reference`, `...Closure` or wrapper ones).
//!
//! Three sequences: gradients are taken at y, z takes plain (SGD or Adam-normalised) steps,
//! and x, the answer, is a weighted average of the z's. At step t = 1, 2, ...:
//! lr_t = lr min(1, t / warmup_steps);  lr_max = max over steps of lr_t
//! w_t = t^r lr_max^weight_lr_power;    c_t = w_t / (w_1 + ... + w_t)
//! g' = g                                        (SGD)
//! g' = g / (sqrt(v / (1 - beta2^t)) + eps),  v <- beta2 v + (1 - beta2) g^2   (AdamW)
//! g' <- g' + weight_decay * y
//! z <- z - lr_t g';   x <- (1 - c_t) x + c_t z;   y <- (1 - beta1) z + beta1 x
//! (beta1 is `momentum` in the SGD variant). With r = 0 and no warm-up, c_t = 1/t: x is the
//! plain average of the z's, and no learning-rate schedule is needed.
//!
//! The package keeps only y (the parameters in train mode) and z, and updates y in place:
//! y <- y + c_t (z - y) + lr_t (beta1 (1 - c_t) - 1) g', then z <- z - lr_t g'; its
//! `eval()` recovers x = y + (1 - 1/beta1)(z - y). The same operations, in the same order,
//! are done here; x is computed as `eval()` would (which needs beta1 > 0) and reported
//! through [`Tunable::averaged`]. The run's point is y.
//! Defaults (schedulefree 1.4.1): AdamW lr = 0.0025, betas = (0.9, 0.999), eps = 1e-8;
//! SGD lr = 1.0, momentum = 0.9; both weight_decay = 0, warmup_steps = 0, r = 0,
//! weight_lr_power = 2. References: Defazio et al., "The Road Less Scheduled", NeurIPS 2024
//! (arXiv:2405.15682); <https://github.com/facebookresearch/schedule_free>.

use super::knobs::{self, Knobs, Real, Scale};
use super::{
    DecayingPower, FirstOrder, Method, Optimizer, Tunable, beta, finite, fma, lerp, non_negative,
    positive,
};
use crate::numerics::ParamError;
use nalgebra::DVector;
use serde::{Deserialize, Serialize};

pub(crate) const RULE_ADAMW: &str =
    "v <- beta2 v + (1 - beta2) g^2      g' = g / (sqrt(v / (1 - beta2^t)) + eps) + wd * y
z <- z - lr g'       x <- (1 - c_t) x + c_t z       y <- (1 - beta1) z + beta1 x
c_t = w_t / sum w,  w_t = t^r lr_max^weight_lr_power   (g taken at y; x is the answer)";
pub(crate) const RULE_SGD: &str = "g' = g + weight_decay * y
z <- z - lr g'       x <- (1 - c_t) x + c_t z       y <- (1 - momentum) z + momentum x
c_t = w_t / sum w,  w_t = t^r lr_max^weight_lr_power   (g taken at y; x is the answer)";

/// schedulefree's `AdamWScheduleFree` parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScheduleFreeAdamWParams {
    /// Learning rate of the z sequence.
    pub lr: f64,
    /// Interpolation y = (1 - beta1) z + beta1 x, and the second-moment decay rate.
    pub betas: (f64, f64),
    /// Added to the denominator.
    pub eps: f64,
    /// L2 penalty, taken at y and added to the normalised gradient.
    pub weight_decay: f64,
    /// Steps of linear learning-rate warm-up.
    pub warmup_steps: usize,
    /// Power of the polynomial weighting t^r of the average.
    pub r: f64,
    /// The average's weights grow like lr_max^weight_lr_power (matters during warm-up).
    pub weight_lr_power: f64,
}

impl Default for ScheduleFreeAdamWParams {
    fn default() -> Self {
        Self {
            lr: 0.0025,
            betas: (0.9, 0.999),
            eps: 1e-8,
            weight_decay: 0.0,
            warmup_steps: 0,
            r: 0.0,
            weight_lr_power: 2.0,
        }
    }
}

/// schedulefree's `SGDScheduleFree` parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScheduleFreeSgdParams {
    /// Learning rate of the z sequence.
    pub lr: f64,
    /// Interpolation y = (1 - momentum) z + momentum x.
    pub momentum: f64,
    /// L2 penalty, taken at y and added to the gradient.
    pub weight_decay: f64,
    /// Steps of linear learning-rate warm-up.
    pub warmup_steps: usize,
    /// Power of the polynomial weighting t^r of the average.
    pub r: f64,
    /// The average's weights grow like lr_max^weight_lr_power (matters during warm-up).
    pub weight_lr_power: f64,
}

impl Default for ScheduleFreeSgdParams {
    fn default() -> Self {
        Self {
            lr: 1.0,
            momentum: 0.9,
            weight_decay: 0.0,
            warmup_steps: 0,
            r: 0.0,
            weight_lr_power: 2.0,
        }
    }
}

/// x = y + (1 - 1/beta1)(z - y) divides by beta1: it must not be 0.
fn interpolation(field: &str, v: f64, one_allowed: bool) -> Result<(), ParamError> {
    let upper_ok = if one_allowed { v <= 1.0 } else { v < 1.0 };
    if v > 0.0 && upper_ok {
        Ok(())
    } else {
        let range = if one_allowed { "(0, 1]" } else { "(0, 1)" };
        Err(ParamError::new(
            field,
            format!("must be in {range} (x is recovered from y and z by dividing by it), got {v}"),
        ))
    }
}

impl ScheduleFreeAdamWParams {
    /// Checks ranges. The package checks nothing here; these are torch's Adam checks, its
    /// SGD variant's weight_decay >= 0, beta1 > 0 (its `eval()` divides by beta1), and
    /// finiteness.
    pub fn validate(&self) -> Result<(), ParamError> {
        positive("lr", self.lr)?;
        interpolation("betas.0", self.betas.0, true)?;
        beta("betas.1", self.betas.1)?;
        non_negative("eps", self.eps)?;
        non_negative("weight_decay", self.weight_decay)?;
        finite("r", self.r)?;
        finite("weight_lr_power", self.weight_lr_power)
    }
}

impl ScheduleFreeSgdParams {
    /// The package's checks (lr, weight_decay >= 0; momentum strictly between 0 and 1), with
    /// lr > 0 as everywhere in optiviz, plus finiteness.
    pub fn validate(&self) -> Result<(), ParamError> {
        positive("lr", self.lr)?;
        interpolation("momentum", self.momentum, false)?;
        non_negative("weight_decay", self.weight_decay)?;
        finite("r", self.r)?;
        finite("weight_lr_power", self.weight_lr_power)
    }
}

/// What normalises the gradient before the z step.
#[derive(Clone, Copy, Debug)]
enum Kind {
    /// Nothing: g' = g.
    Sgd,
    /// Adam's second moment, bias-corrected.
    AdamW { beta2: f64, eps: f64 },
}

/// Schedule-Free state (either variant).
#[derive(Clone, Debug)]
pub struct ScheduleFree {
    kind: Kind,
    lr: f64,
    beta1: f64,
    weight_decay: f64,
    warmup_steps: usize,
    r: f64,
    weight_lr_power: f64,
    /// Steps taken.
    k: usize,
    beta2_t: DecayingPower,
    weight_sum: f64,
    lr_max: f64,
    z: DVector<f64>,
    exp_avg_sq: DVector<f64>,
    x: DVector<f64>,
    eff: DVector<f64>,
    grad: DVector<f64>,
}

impl ScheduleFree {
    fn new(kind: Kind, lr: f64, beta1: f64, weight_decay: f64) -> Self {
        Self {
            kind,
            lr,
            beta1,
            weight_decay,
            warmup_steps: 0,
            r: 0.0,
            weight_lr_power: 2.0,
            k: 0,
            beta2_t: DecayingPower::default(),
            weight_sum: 0.0,
            lr_max: -1.0,
            z: DVector::zeros(0),
            exp_avg_sq: DVector::zeros(0),
            x: DVector::zeros(0),
            eff: DVector::zeros(0),
            grad: DVector::zeros(0),
        }
    }

    /// A fresh Schedule-Free AdamW.
    #[must_use]
    pub fn adamw(p: &ScheduleFreeAdamWParams) -> Self {
        let kind = Kind::AdamW {
            beta2: p.betas.1,
            eps: p.eps,
        };
        Self {
            warmup_steps: p.warmup_steps,
            r: p.r,
            weight_lr_power: p.weight_lr_power,
            ..Self::new(kind, p.lr, p.betas.0, p.weight_decay)
        }
    }

    /// A fresh Schedule-Free SGD.
    #[must_use]
    pub fn sgd(p: &ScheduleFreeSgdParams) -> Self {
        Self {
            warmup_steps: p.warmup_steps,
            r: p.r,
            weight_lr_power: p.weight_lr_power,
            ..Self::new(Kind::Sgd, p.lr, p.momentum, p.weight_decay)
        }
    }

    /// The z sequence (the plain steps the average is taken of), once a step was taken.
    #[must_use]
    pub fn z(&self) -> Option<&DVector<f64>> {
        (self.k > 0).then_some(&self.z)
    }

    /// Counts the step t = k + 1 and returns its learning rate and averaging weight c_t, in
    /// the package's arithmetic.
    fn schedule(&mut self) -> (f64, f64) {
        let t = (self.k + 1) as f64;
        let sched = if self.k < self.warmup_steps {
            t / self.warmup_steps as f64
        } else {
            1.0
        };
        let lr = self.lr * sched;
        // Python's max(lr, lr_max): lr unless lr_max is larger.
        self.lr_max = if self.lr_max > lr { self.lr_max } else { lr };
        let weight = t.powf(self.r) * self.lr_max.powf(self.weight_lr_power);
        self.weight_sum += weight;
        // The package catches the division by zero and uses 0.
        let ckp1 = if self.weight_sum == 0.0 {
            0.0
        } else {
            weight / self.weight_sum
        };
        self.k += 1;
        (lr, ckp1)
    }
}

impl Tunable for ScheduleFree {
    fn lr(&self) -> f64 {
        self.lr
    }
    fn set_lr(&mut self, lr: f64) {
        self.lr = lr;
    }
    fn effective_lr(&self) -> Option<&DVector<f64>> {
        (matches!(self.kind, Kind::AdamW { .. }) && self.k > 0).then_some(&self.eff)
    }
    fn averaged(&self) -> Option<&DVector<f64>> {
        (self.k > 0).then_some(&self.x)
    }
    fn base_sequence(&self) -> Option<&DVector<f64>> {
        self.z()
    }
}

impl FirstOrder for ScheduleFree {
    #[inline(always)]
    fn update(&mut self, y: &mut DVector<f64>, g: &DVector<f64>) {
        let n = y.len();
        if self.z.len() != n {
            self.z = y.clone();
            self.x = y.clone();
            self.exp_avg_sq = DVector::zeros(n);
            self.eff = DVector::zeros(n);
        }
        let (lr, ckp1) = self.schedule();
        let (beta1, decay) = (self.beta1, self.weight_decay);
        let y_step = lr * (beta1 * (1.0 - ckp1) - 1.0);
        let to_x = 1.0 - 1.0 / beta1;
        // self.k is t now. Python's float ** int is C's pow on the exponent as a double.
        let bias_correction2 = match self.kind {
            Kind::AdamW { beta2, .. } => 1.0 - self.beta2_t.powf(beta2, self.k as f64),
            Kind::Sgd => 1.0,
        };
        for i in 0..n {
            let mut gi = g[i];
            if let Kind::AdamW { beta2, eps } = self.kind {
                let v = fma((1.0 - beta2) * gi, gi, self.exp_avg_sq[i] * beta2);
                self.exp_avg_sq[i] = v;
                let denom = (v / bias_correction2).sqrt() + eps;
                gi /= denom;
                self.eff[i] = lr / denom;
            }
            if decay != 0.0 {
                gi = fma(decay, y[i], gi);
            }
            let yi = fma(y_step, gi, lerp(y[i], self.z[i], ckp1));
            let zi = fma(-lr, gi, self.z[i]);
            y[i] = yi;
            self.z[i] = zi;
            self.x[i] = lerp(yi, zi, to_x);
        }
    }
    fn grad_buffer(&mut self) -> &mut DVector<f64> {
        &mut self.grad
    }
}

/// The knobs both variants share, after their own: warmup_steps, r and weight_lr_power, with
/// their defaults.
fn common_knobs(
    k: &mut dyn Knobs,
    (warmup_steps, r, weight_lr_power): (&mut usize, &mut f64, &mut f64),
    defaults: (usize, f64, f64),
) {
    k.count(
        "warmup_steps",
        warmup_steps,
        0..=5000,
        defaults.0,
        "Linear warm-up: lr rises from lr/warmup_steps to lr over these steps (0: none).",
    );
    k.real(
        Real {
            name: "r",
            range: 0.0..=10.0,
            scale: Scale::Linear,
            default: defaults.1,
            help: "Polynomial weighting: step t's z counts t^r in the average x (0: plain mean).",
        },
        r,
    );
    k.real(
        Real {
            name: "weight_lr_power",
            range: 0.0..=10.0,
            scale: Scale::Linear,
            default: defaults.2,
            help: "Weights of the average grow like lr_max^power, so warm-up steps count less.",
        },
        weight_lr_power,
    );
}

impl Method for ScheduleFreeAdamWParams {
    fn lr(&self) -> f64 {
        self.lr
    }

    fn set_lr(&mut self, lr: f64) {
        self.lr = lr;
    }

    fn rule(&self) -> &'static str {
        RULE_ADAMW
    }

    fn validate(&self) -> Result<(), ParamError> {
        Self::validate(self)
    }

    fn build(&self) -> Box<dyn Optimizer> {
        Box::new(ScheduleFree::adamw(self))
    }

    fn knobs(&mut self, k: &mut dyn Knobs) {
        let d = Self::default();
        k.real(
            Real {
                name: "beta1",
                range: 0.01..=1.0,
                scale: Scale::Linear,
                default: d.betas.0,
                help: "Where gradients are taken: y = (1 - beta1) z + beta1 x (1: at the average x).",
            },
            &mut self.betas.0,
        );
        k.real(
            Real {
                name: "beta2",
                range: 0.0..=0.99999,
                scale: Scale::Linear,
                default: d.betas.1,
                help: "Decay rate of the running mean of squared gradients (second moment).",
            },
            &mut self.betas.1,
        );
        knobs::eps(k, &mut self.eps, d.eps);
        knobs::weight_decay(k, &mut self.weight_decay, d.weight_decay);
        common_knobs(
            k,
            (
                &mut self.warmup_steps,
                &mut self.r,
                &mut self.weight_lr_power,
            ),
            (d.warmup_steps, d.r, d.weight_lr_power),
        );
    }
}

impl Method for ScheduleFreeSgdParams {
    fn lr(&self) -> f64 {
        self.lr
    }

    fn set_lr(&mut self, lr: f64) {
        self.lr = lr;
    }

    fn rule(&self) -> &'static str {
        RULE_SGD
    }

    fn validate(&self) -> Result<(), ParamError> {
        Self::validate(self)
    }

    fn build(&self) -> Box<dyn Optimizer> {
        Box::new(ScheduleFree::sgd(self))
    }

    fn knobs(&mut self, k: &mut dyn Knobs) {
        let d = Self::default();
        k.real(
            Real {
                name: "momentum",
                range: 0.01..=0.999,
                scale: Scale::Linear,
                default: d.momentum,
                help: "Where gradients are taken: y = (1 - momentum) z + momentum x (not heavy ball).",
            },
            &mut self.momentum,
        );
        knobs::weight_decay(k, &mut self.weight_decay, d.weight_decay);
        common_knobs(
            k,
            (
                &mut self.warmup_steps,
                &mut self.r,
                &mut self.weight_lr_power,
            ),
            (d.warmup_steps, d.r, d.weight_lr_power),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::Optimizer;
    use super::super::testing::{QuadraticOracle, assert_close, v};
    use super::*;

    fn sgd(lr: f64, momentum: f64) -> ScheduleFree {
        ScheduleFree::sgd(&ScheduleFreeSgdParams {
            lr,
            momentum,
            ..ScheduleFreeSgdParams::default()
        })
    }

    #[test]
    fn sgd_by_hand_x_is_the_mean_of_the_zs_and_y_interpolates() {
        // f = 1/2 x^2 from 1, lr = 0.5, momentum (beta) = 0.5; r = 0: c_t = 1/t.
        let mut o = sgd(0.5, 0.5);
        let mut q = QuadraticOracle::diagonal(&[1.0]);
        let mut y = v(&[1.0]);
        // t = 1: g = 1, z1 = 1 - 0.5 = 0.5, x1 = z1, y1 = 0.5 z1 + 0.5 x1 = 0.5.
        o.step(&mut y, &mut q).unwrap();
        assert_close(&y, &[0.5], 1e-15);
        assert_close(o.averaged().unwrap(), &[0.5], 1e-15);
        assert_close(o.z().unwrap(), &[0.5], 1e-15);
        // t = 2: g = y1 = 0.5, z2 = 0.25, x2 = (z1 + z2)/2 = 0.375, y2 = 0.3125.
        o.step(&mut y, &mut q).unwrap();
        assert_close(o.z().unwrap(), &[0.25], 1e-15);
        assert_close(o.averaged().unwrap(), &[0.375], 1e-15);
        assert_close(&y, &[0.3125], 1e-15);
        // t = 3: g = 0.3125, z3 = 0.09375, x3 = (0.5 + 0.25 + 0.09375)/3.
        o.step(&mut y, &mut q).unwrap();
        let x3 = (0.5 + 0.25 + 0.09375) / 3.0;
        assert_close(o.averaged().unwrap(), &[x3], 1e-15);
        assert_close(&y, &[0.5 * 0.09375 + 0.5 * x3], 1e-15);
    }

    #[test]
    fn adamw_first_step_is_a_sign_step_of_z_and_y_follows() {
        // Step 1: v = (1 - beta2) g^2, bias-corrected to g^2, so g' = g/|g| (eps = 0).
        let p = ScheduleFreeAdamWParams {
            lr: 0.1,
            eps: 0.0,
            ..ScheduleFreeAdamWParams::default()
        };
        let mut o = ScheduleFree::adamw(&p);
        let mut q = QuadraticOracle::diagonal(&[1.0, 100.0]);
        let mut y = v(&[2.0, -1.0]);
        o.step(&mut y, &mut q).unwrap();
        // c_1 = 1: x1 = z1 = y0 - 0.1 sign(g), and y1 = z1.
        assert_close(o.z().unwrap(), &[1.9, -0.9], 1e-15);
        assert_close(o.averaged().unwrap(), &[1.9, -0.9], 1e-15);
        assert_close(&y, &[1.9, -0.9], 1e-15);
        assert_close(o.effective_lr().unwrap(), &[0.1 / 2.0, 0.1 / 100.0], 1e-15);
    }

    #[test]
    fn warmup_weights_the_average_by_lr_squared() {
        // warmup_steps = 2: lr_1 = lr/2, lr_2 = lr; w_t = lr_max^2: c_2 = 1 / (1/4 + 1) = 0.8.
        let p = ScheduleFreeSgdParams {
            lr: 0.4,
            warmup_steps: 2,
            ..ScheduleFreeSgdParams::default()
        };
        let mut o = ScheduleFree::sgd(&p);
        let (lr1, c1) = o.schedule();
        assert_close(&v(&[lr1, c1]), &[0.2, 1.0], 1e-15);
        let (lr2, c2) = o.schedule();
        assert_close(&v(&[lr2, c2]), &[0.4, 0.8], 1e-15);
        // r = 1 without warm-up: w_t = t lr^2, so c_t = t / (1 + ... + t) = 2 / (t + 1).
        let mut o = ScheduleFree::sgd(&ScheduleFreeSgdParams {
            r: 1.0,
            ..ScheduleFreeSgdParams::default()
        });
        for t in 1..=5 {
            let c = o.schedule().1;
            assert!((c - 2.0 / f64::from(t + 1)).abs() < 1e-15, "t = {t}: {c}");
        }
    }

    #[test]
    fn weight_decay_is_taken_at_y() {
        // A flat objective: only the decay moves. g' = 0.5 y0, z1 = y0 - lr 0.5 y0.
        let p = ScheduleFreeSgdParams {
            lr: 0.1,
            weight_decay: 0.5,
            ..ScheduleFreeSgdParams::default()
        };
        let mut o = ScheduleFree::sgd(&p);
        let mut q = QuadraticOracle::diagonal(&[0.0]);
        let mut y = v(&[2.0]);
        o.step(&mut y, &mut q).unwrap();
        assert_close(&y, &[1.9], 1e-15);
    }

    #[test]
    fn checks_name_the_field() {
        let bad = ScheduleFreeAdamWParams {
            betas: (0.0, 0.999),
            ..ScheduleFreeAdamWParams::default()
        };
        assert_eq!(bad.validate().unwrap_err().field, "betas.0");
        let ok = ScheduleFreeAdamWParams {
            betas: (1.0, 0.0),
            ..ScheduleFreeAdamWParams::default()
        };
        assert!(ok.validate().is_ok());
        let bad = ScheduleFreeAdamWParams {
            betas: (0.9, 1.0),
            ..ScheduleFreeAdamWParams::default()
        };
        assert_eq!(bad.validate().unwrap_err().field, "betas.1");
        for momentum in [0.0, 1.0] {
            let bad = ScheduleFreeSgdParams {
                momentum,
                ..ScheduleFreeSgdParams::default()
            };
            assert_eq!(bad.validate().unwrap_err().field, "momentum");
        }
        let bad = ScheduleFreeSgdParams {
            r: f64::NAN,
            ..ScheduleFreeSgdParams::default()
        };
        assert_eq!(bad.validate().unwrap_err().field, "r");
        let bad = ScheduleFreeSgdParams {
            weight_decay: -1.0,
            ..ScheduleFreeSgdParams::default()
        };
        assert_eq!(bad.validate().unwrap_err().field, "weight_decay");
    }
}
