//! A small multilayer perceptron on 2-D toy data, trained by the same optimizers as the 2-D
//! runs: its parameters are one flat vector, and a minibatch is an [`Oracle`] that returns
//! loss and gradient.
//!
//! # The network (samples are columns, B of them per batch)
//!
//! ```text
//! A_0 = X                                  (n_0 features x B)
//! Z_l = W_l A_{l-1} + b_l 1'               (n_l x B), l = 1 .. L
//! A_l = f(Z_l)  for hidden layers,  f in {relu, tanh, sigmoid, linear}
//! z   = Z_L                                (1 x B, the output layer is affine)
//! ```
//!
//! Classification (labels y in {0, 1}): p = sigma(z) = 1 / (1 + e^-z), and the binary
//! cross-entropy on the logit, computed stably in its log-sum-exp form
//!
//! ```text
//! BCE = 1/B sum_j [ log(1 + e^{z_j}) - y_j z_j ]
//!     = 1/B sum_j [ max(z_j, 0) - y_j z_j + log(1 + e^{-|z_j|}) ],   dBCE/dz_j = (p_j - y_j) / B
//! ```
//!
//! predicting class 1 when p >= 0.5 (z >= 0). Regression: the output is z itself and
//! MSE = 1/B sum_j (z_j - y_j)^2 (torch's MSELoss), dMSE/dz_j = 2 (z_j - y_j) / B.
//!
//! # Backward pass
//!
//! ```text
//! delta_L = dLoss/dz                                   (1 x B)
//! dW_l = delta_l A_{l-1}',   db_l = delta_l 1          (sum over the batch)
//! delta_{l-1} = (W_l' delta_l) .* f'(Z_{l-1}),  with f' from the outputs:
//!     tanh: 1 - a^2,  sigmoid: a (1 - a),  relu: [a > 0],  linear: 1
//! ```
//!
//! # Penalty (weights only, never biases)
//!
//! L2: lambda/2 sum w^2 (gradient lambda w, torch's `weight_decay`); L1: lambda sum |w|
//! (gradient lambda sign w, 0 at w = 0). The optimizers minimise mean data loss + penalty.
//!
//! # Initialisation (seeded; biases 0)
//!
//! He (Kaiming) normal for layers followed by ReLU: W ~ N(0, 2 / fan_in). Glorot (Xavier)
//! uniform for every other layer (tanh, sigmoid, linear, and the output layer):
//! W ~ U(-r, r), r = sqrt(6 / (fan_in + fan_out)). [`Init`] can force either everywhere.
//!
//! # Layout of the parameter vector
//!
//! Layer by layer from the input: W_l (n_l x n_{l-1}, column-major), then b_l (n_l).
//!
//! The rest: [`network`] (these formulas over a whole minibatch), [`data`] (data sets, split,
//! seeded batches), [`features`] (x1, x2, x1^2, ..., standardisation), [`training`] (runs in
//! lockstep on common batches, bounded history, divergence), [`landscape`] (the loss on the
//! plane of a trajectory's principal directions), [`sharpness`] (the largest Hessian eigenvalue
//! of the training loss, by power iteration on Hessian-vector products). The speed of a step lives apart from these
//! meanings: `kernels.rs` holds the matrix products, specialised for every layer width, and
//! `fast_tanh.rs` a tanh whose exponential vectorises, each tested against a plain reference
//! (straightforward loops; libm's `tanh` and `exp`).
//!
//! [`Oracle`]: crate::numerics::optimizers::Oracle

pub mod data;
mod fast_tanh;
pub mod features;
mod kernels;
pub mod landscape;
pub mod network;
pub mod sharpness;
pub mod training;

pub use data::{BatchSampler, DataConfig, DataSource, Dataset, Generator};
pub use features::{Feature, FeatureMap};
pub use landscape::{LandscapeSlice, SliceBuilder};
pub use network::{Activation, Init, Network, NetworkSpec, Regularization, Task, Workspace};
pub use training::{History, MlpRun, MlpRunConfig, Record, Training, TrainingConfig};

use rand::SeedableRng;
use rand_pcg::Pcg64Mcg;
use serde::{Deserialize, Serialize};

/// Most hidden layers.
pub const MAX_HIDDEN_LAYERS: usize = 6;
/// Most units in a hidden layer.
pub const MAX_UNITS: usize = 16;

/// A point of a data set: inputs (x1, x2) and the label (0 / 1) or regression target. Data
/// sets are made of them and features are computed from them, so both modules take it from
/// here.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct LabeledPoint {
    /// (x1, x2), after the input scale.
    pub x: [f64; 2],
    /// Class 0 or 1, or the target value.
    pub y: f64,
}

/// SplitMix64's finaliser: decorrelates seeds and stream numbers.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The generator for one purpose (`stream`) of one seed: portable and reproducible.
fn rng(seed: u64, stream: u64) -> Pcg64Mcg {
    Pcg64Mcg::seed_from_u64(mix(seed ^ mix(stream)))
}
