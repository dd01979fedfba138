//! The network: layout of the flat parameter vector, initialisation, forward and backward
//! passes over a whole minibatch, the losses and the weight penalty (the formulas are in
//! [`super`]'s documentation).
//!
//! Samples are the columns of every matrix (A_l is n_l x B, column-major), held in buffers
//! allocated once (a [`Workspace`]). The products are written in `kernels.rs` (specialised for
//! every layer width, checked against plain loops) and tanh in `fast_tanh.rs` (a table-driven
//! exponential, checked against libm); this file says what is computed, in the formulas'
//! order.

use super::fast_tanh::{tanh, tanh_all};
use super::{MAX_HIDDEN_LAYERS, MAX_UNITS, kernels, rng};
use crate::numerics::ParamError;
use crate::numerics::optimizers::{Block, BlockKind, ParamLayout};
use nalgebra::DMatrix;
use rand::RngExt;
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The nonlinearity of the hidden layers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Activation {
    /// max(0, z).
    ReLU,
    /// tanh z.
    #[default]
    Tanh,
    /// 1 / (1 + e^-z).
    Sigmoid,
    /// z (the network is then an affine map).
    Linear,
}

impl Activation {
    /// Every activation, in menu order.
    pub const ALL: [Self; 4] = [Self::ReLU, Self::Tanh, Self::Sigmoid, Self::Linear];

    /// Lower-case name, as on a slide.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::ReLU => "relu",
            Self::Tanh => "tanh",
            Self::Sigmoid => "sigmoid",
            Self::Linear => "linear",
        }
    }

    /// f(z).
    #[inline]
    #[must_use]
    pub fn apply(self, z: f64) -> f64 {
        match self {
            Self::ReLU => z.max(0.0),
            Self::Tanh => tanh(z),
            Self::Sigmoid => sigmoid(z),
            Self::Linear => z,
        }
    }

    /// Replaces every z of `v` by f(z), exactly as [`Self::apply`] does (one loop per
    /// activation; tanh's vectorises).
    pub fn apply_all(self, v: &mut [f64]) {
        crate::numerics::cpu::fast(
            #[inline(always)]
            || match self {
                Self::Tanh => tanh_all(v),
                Self::ReLU => {
                    for z in v {
                        *z = Self::ReLU.apply(*z);
                    }
                }
                Self::Sigmoid => {
                    for z in v {
                        *z = sigmoid(*z);
                    }
                }
                Self::Linear => {}
            },
        );
    }

    /// d_i *= f'(z_i) for every i, from the outputs a = f(z) (as
    /// [`Self::derivative_from_output`]).
    pub fn multiply_by_derivative(self, d: &mut [f64], a: &[f64]) {
        crate::numerics::cpu::fast(
            #[inline(always)]
            || {
                // One loop per activation, so that each is a plain vectorisable loop.
                match self {
                    Self::ReLU => {
                        for (d, &a) in d.iter_mut().zip(a) {
                            *d *= Self::ReLU.derivative_from_output(a);
                        }
                    }
                    Self::Tanh => {
                        for (d, &a) in d.iter_mut().zip(a) {
                            *d *= Self::Tanh.derivative_from_output(a);
                        }
                    }
                    Self::Sigmoid => {
                        for (d, &a) in d.iter_mut().zip(a) {
                            *d *= Self::Sigmoid.derivative_from_output(a);
                        }
                    }
                    // f' = 1.
                    Self::Linear => {}
                }
            },
        );
    }

    /// f'(z) written in terms of the output a = f(z) (what the backward pass keeps).
    #[inline]
    #[must_use]
    pub fn derivative_from_output(self, a: f64) -> f64 {
        match self {
            Self::ReLU => {
                if a > 0.0 {
                    1.0
                } else {
                    0.0
                }
            }
            Self::Tanh => 1.0 - a * a,
            Self::Sigmoid => a * (1.0 - a),
            Self::Linear => 1.0,
        }
    }
}

/// The logistic function 1 / (1 + e^-z), without overflow for large |z|.
#[inline]
#[must_use]
pub fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// How the weights are drawn (biases start at 0).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Init {
    /// He for the layers followed by ReLU, Glorot (Xavier) uniform for every other layer
    /// (tanh, sigmoid, linear, and the output layer).
    #[default]
    Auto,
    /// Glorot / Xavier uniform everywhere: W ~ U(-r, r), r = sqrt(6 / (fan_in + fan_out)).
    Xavier,
    /// He (Kaiming) normal everywhere: W ~ N(0, 2 / fan_in).
    He,
}

/// The weight penalty added to the data loss (weights only, never biases).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub enum Regularization {
    /// No penalty.
    #[default]
    None,
    /// lambda * sum |w| (gradient lambda * sign(w), 0 at w = 0).
    L1(f64),
    /// lambda / 2 * sum w^2 (gradient lambda * w, torch's `weight_decay`).
    L2(f64),
}

impl Regularization {
    /// Checks lambda.
    pub fn validate(&self) -> Result<(), ParamError> {
        match *self {
            Self::None => Ok(()),
            Self::L1(l) | Self::L2(l) => crate::numerics::checks::non_negative("0", l),
        }
    }

    /// The penalty at weight w.
    #[inline]
    fn value(self, w: f64) -> f64 {
        match self {
            Self::None => 0.0,
            Self::L1(l) => l * w.abs(),
            Self::L2(l) => 0.5 * l * w * w,
        }
    }

    /// Its derivative.
    #[inline]
    fn gradient(self, w: f64) -> f64 {
        match self {
            Self::None => 0.0,
            Self::L1(l) => {
                if w > 0.0 {
                    l
                } else if w < 0.0 {
                    -l
                } else {
                    0.0
                }
            }
            Self::L2(l) => l * w,
        }
    }
}

/// What the network predicts, which fixes its output and loss.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Task {
    /// Labels 0 / 1; sigmoid output p = sigma(z), binary cross-entropy, accuracy at p >= 0.5.
    #[default]
    Classification,
    /// Real targets; linear output, mean squared error.
    Regression,
}

/// The network as written in a preset.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NetworkSpec {
    /// Units of each hidden layer, input side first (0 to 6 layers of 1 to 16 units).
    pub hidden: Vec<usize>,
    /// Nonlinearity of every hidden layer.
    pub activation: Activation,
    /// Weight initialisation.
    pub init: Init,
    /// Weight penalty.
    pub regularization: Regularization,
}

impl Default for NetworkSpec {
    fn default() -> Self {
        Self {
            hidden: vec![8, 8],
            activation: Activation::Tanh,
            init: Init::Auto,
            regularization: Regularization::None,
        }
    }
}

impl NetworkSpec {
    /// Checks the layer sizes and the penalty; errors name the field.
    pub fn validate(&self) -> Result<(), ParamError> {
        if self.hidden.len() > MAX_HIDDEN_LAYERS {
            return Err(ParamError::new(
                "hidden",
                format!(
                    "at most {MAX_HIDDEN_LAYERS} hidden layers, got {}",
                    self.hidden.len()
                ),
            ));
        }
        for (i, &n) in self.hidden.iter().enumerate() {
            if !(1..=MAX_UNITS).contains(&n) {
                return Err(ParamError::new(
                    format!("hidden[{i}]"),
                    format!("a layer has 1 to {MAX_UNITS} units, got {n}"),
                ));
            }
        }
        self.regularization
            .validate()
            .map_err(|e| e.within("regularization"))
    }
}

/// A fully connected network: sizes, activation, loss, penalty, and where each layer's
/// weights and biases sit in the flat parameter vector.
///
/// Layer l (1..=L) maps n_{l-1} inputs to n_l outputs; its weight matrix W_l (n_l x n_{l-1},
/// column-major) comes first in the vector, then its bias b_l (n_l).
#[derive(Clone, Debug, PartialEq)]
pub struct Network {
    /// n_0 (inputs = features), n_1 .. n_{L-1} (hidden), n_L = 1 (output).
    sizes: Vec<usize>,
    activation: Activation,
    task: Task,
    init: Init,
    regularization: Regularization,
    /// Offset of W_l for each layer; the bias follows it.
    offsets: Vec<usize>,
    params: usize,
}

impl Network {
    /// A network on `inputs` features (validated spec; `inputs` >= 1).
    #[must_use]
    pub fn new(inputs: usize, spec: &NetworkSpec, task: Task) -> Self {
        let mut sizes = vec![inputs.max(1)];
        sizes.extend(spec.hidden.iter().map(|&n| n.max(1)));
        sizes.push(1);
        let mut offsets = Vec::with_capacity(sizes.len() - 1);
        let mut params = 0;
        for w in sizes.windows(2) {
            offsets.push(params);
            params += w[1] * w[0] + w[1];
        }
        Self {
            sizes,
            activation: spec.activation,
            task,
            init: spec.init,
            regularization: spec.regularization,
            offsets,
            params,
        }
    }

    /// Length of the flat parameter vector.
    #[must_use]
    pub fn param_count(&self) -> usize {
        self.params
    }

    /// Layer widths: inputs, hidden layers, output (1).
    #[must_use]
    pub fn sizes(&self) -> &[usize] {
        &self.sizes
    }

    /// Number of inputs (features).
    #[must_use]
    pub fn inputs(&self) -> usize {
        self.sizes[0]
    }

    /// Classification or regression.
    #[must_use]
    pub fn task(&self) -> Task {
        self.task
    }

    /// The hidden layers' activation.
    #[must_use]
    pub fn activation(&self) -> Activation {
        self.activation
    }

    /// The weight penalty.
    #[must_use]
    pub fn regularization(&self) -> Regularization {
        self.regularization
    }

    fn layers(&self) -> usize {
        self.sizes.len() - 1
    }

    /// (offset of W, rows, cols) of layer index l (0-based: l = 0 maps the inputs).
    fn layer(&self, l: usize) -> (usize, usize, usize) {
        (self.offsets[l], self.sizes[l + 1], self.sizes[l])
    }

    /// True for indices of the flat vector that hold weights (false: biases).
    #[must_use]
    pub fn is_weight(&self, index: usize) -> bool {
        (0..self.layers()).any(|l| {
            let (off, rows, cols) = self.layer(l);
            (off..off + rows * cols).contains(&index)
        })
    }

    /// The tensors of the flat vector for the optimizers that depend on shapes: per layer its
    /// weight matrix (n_l x n_{l-1}, as torch's nn.Linear weight, column-major here), a
    /// hidden one between two hidden layers, else outer, then its bias.
    #[must_use]
    pub fn layout(&self) -> ParamLayout {
        let layers = self.layers();
        let mut blocks = Vec::with_capacity(2 * layers);
        for l in 0..layers {
            let (off, rows, cols) = self.layer(l);
            let kind = if l == 0 || l + 1 == layers {
                BlockKind::OuterMatrix
            } else {
                BlockKind::HiddenMatrix
            };
            blocks.push(Block::matrix(off, rows, cols, kind));
            blocks.push(Block::vector(off + rows * cols, rows));
        }
        ParamLayout::new(blocks)
    }

    /// Seeded initial parameters (see [`Init`]); biases are 0.
    #[must_use]
    pub fn initial_params(&self, seed: u64) -> Vec<f64> {
        let mut rng = rng(seed, 0x1417);
        let mut p = vec![0.0; self.params];
        for l in 0..self.layers() {
            let (off, rows, cols) = self.layer(l);
            let (fan_in, fan_out) = (cols as f64, rows as f64);
            let hidden_relu = l + 1 < self.layers() && self.activation == Activation::ReLU;
            let he = match self.init {
                Init::Auto => hidden_relu,
                Init::Xavier => false,
                Init::He => true,
            };
            for w in &mut p[off..off + rows * cols] {
                *w = if he {
                    (2.0 / fan_in).sqrt() * rng.sample::<f64, _>(StandardNormal)
                } else {
                    let r = (6.0 / (fan_in + fan_out)).sqrt();
                    rng.random_range(-r..r)
                };
            }
        }
        p
    }

    /// The weight penalty R(w) of a parameter vector.
    #[must_use]
    pub fn penalty(&self, params: &[f64]) -> f64 {
        if self.regularization == Regularization::None {
            return 0.0;
        }
        let mut r = 0.0;
        for l in 0..self.layers() {
            let (off, rows, cols) = self.layer(l);
            r += params[off..off + rows * cols]
                .iter()
                .map(|&w| self.regularization.value(w))
                .sum::<f64>();
        }
        r
    }

    /// Adds the weight penalty's gradient to `grad`.
    pub fn add_penalty_gradient(&self, params: &[f64], grad: &mut [f64]) {
        if self.regularization == Regularization::None {
            return;
        }
        for l in 0..self.layers() {
            let (off, rows, cols) = self.layer(l);
            for (g, &w) in grad[off..off + rows * cols]
                .iter_mut()
                .zip(&params[off..off + rows * cols])
            {
                *g += self.regularization.gradient(w);
            }
        }
    }

    /// Forward pass of `b` samples, `x` holding their features column-major (sample j at
    /// `x[j * n_0..(j + 1) * n_0]`): fills the workspace's activations; the output layer's
    /// pre-activation z_L is the last buffer.
    fn forward(&self, params: &[f64], x: &[f64], b: usize, ws: &mut Workspace) {
        let layers = self.layers();
        for l in 0..layers {
            let (off, rows, cols) = self.layer(l);
            let w = &params[off..off + rows * cols];
            let bias = &params[off + rows * cols..off + rows * cols + rows];
            let (before, after) = ws.acts.split_at_mut(l);
            let input: &[f64] = if l == 0 { x } else { &before[l - 1] };
            let out = &mut after[0][..rows * b];
            // Z_l = W_l A_{l-1} + b_l 1', then A_l = f(Z_l) below the output layer.
            kernels::affine(out, w, bias, &input[..cols * b]);
            if l + 1 < layers {
                self.activation.apply_all(out);
            }
        }
    }

    /// Adds the data loss of `y.len()` samples times `scale` and, when `grad` is given, adds
    /// its gradient times `scale`; returns (scaled loss sum, correct predictions).
    fn accumulate(
        &self,
        params: &[f64],
        x: &[f64],
        y: &[f64],
        scale: f64,
        ws: &mut Workspace,
        grad: Option<&mut [f64]>,
    ) -> (f64, usize) {
        let b = y.len();
        self.forward(params, x, b, ws);
        let last = self.layers() - 1;
        let mut loss = 0.0;
        let mut correct = 0;
        let (z_out, delta_out) = (&ws.acts[last][..b], &mut ws.deltas[last][..b]);
        for ((&z, &t), delta) in z_out.iter().zip(y).zip(delta_out) {
            let (l, d) = match self.task {
                Task::Classification => {
                    // log(1 + e^z) - t z, written so that it never overflows. e^-|z| serves
                    // the loss and sigma(z) (it is the e^-z or e^z that `sigmoid` takes).
                    let e = (-z.abs()).exp();
                    let l = z.max(0.0) - z * t + e.ln_1p();
                    correct += usize::from((z >= 0.0) == (t >= 0.5));
                    let p = if z >= 0.0 {
                        1.0 / (1.0 + e)
                    } else {
                        e / (1.0 + e)
                    };
                    (l, p - t)
                }
                Task::Regression => {
                    let r = z - t;
                    (r * r, 2.0 * r)
                }
            };
            loss += l;
            *delta = scale * d;
        }
        if let Some(grad) = grad {
            self.backward(params, x, b, ws, grad);
        }
        (scale * loss, correct)
    }

    /// Backward pass from the last delta buffer (dLoss/dz_L per sample): adds the gradient
    /// of every weight and bias to `grad`.
    fn backward(&self, params: &[f64], x: &[f64], b: usize, ws: &mut Workspace, grad: &mut [f64]) {
        for l in (0..self.layers()).rev() {
            let (off, rows, cols) = self.layer(l);
            let (gw, rest) = grad[off..].split_at_mut(rows * cols);
            let gb = &mut rest[..rows];
            let (d_before, d_after) = ws.deltas.split_at_mut(l);
            let delta = &d_after[0][..rows * b];
            let input: &[f64] = if l == 0 {
                &x[..cols * b]
            } else {
                &ws.acts[l - 1][..cols * b]
            };
            // db_l += sum_j delta_j, dW_l += sum_j delta_j a_j' (each entry summed over j in
            // sample order).
            kernels::add_bias_gradient(gb, delta);
            kernels::add_weight_gradient(gw, delta, input, &mut ws.row[..b]);
            if l == 0 {
                // The inputs are data: no delta for them.
                break;
            }
            // delta_{l-1} = (W_l' delta_l) .* f'(a_{l-1}).
            let w = &params[off..off + rows * cols];
            let prev = &mut d_before[l - 1][..cols * b];
            let a = &ws.acts[l - 1][..cols * b];
            kernels::back_propagate(prev, w, rows, delta, &mut ws.transposed[..rows * cols]);
            self.activation.multiply_by_derivative(prev, a);
        }
    }

    /// The training objective on one batch: mean data loss + penalty; writes its gradient.
    /// `x` holds the batch's features column-major (`y.len()` samples of `inputs()` values),
    /// at most the workspace's capacity of samples.
    pub fn loss_and_gradient(
        &self,
        params: &[f64],
        x: &[f64],
        y: &[f64],
        ws: &mut Workspace,
        grad: &mut [f64],
    ) -> f64 {
        grad.fill(0.0);
        let scale = 1.0 / y.len().max(1) as f64;
        let (loss, _) = self.accumulate(params, x, y, scale, ws, Some(grad));
        self.add_penalty_gradient(params, grad);
        loss + self.penalty(params)
    }

    /// Part of a data set: `scale` times the data loss of samples `x`, `y` (at most the
    /// workspace's capacity) and how many of them are classified correctly; their gradient is
    /// added to `grad` when given. A batch or data set summed in parts, then
    /// [`Network::add_penalty_gradient`], is [`Network::loss_and_gradient`] or
    /// [`Network::evaluate`] (up to the order of the additions: in the same parts, exactly).
    pub fn add_part(
        &self,
        params: &[f64],
        x: &[f64],
        y: &[f64],
        scale: f64,
        ws: &mut Workspace,
        grad: Option<&mut [f64]>,
    ) -> (f64, usize) {
        self.accumulate(params, x, y, scale, ws, grad)
    }

    /// Mean data loss (no penalty) and accuracy (fraction correct; meaningless for
    /// regression) over any number of samples (`x`: features x samples), in chunks of the
    /// workspace's capacity. When `grad` is given it receives the gradient of mean data loss
    /// + penalty.
    pub fn evaluate(
        &self,
        params: &[f64],
        x: &DMatrix<f64>,
        y: &[f64],
        ws: &mut Workspace,
        mut grad: Option<&mut [f64]>,
    ) -> (f64, f64) {
        let n = y.len().min(x.ncols());
        if n == 0 {
            return (0.0, 0.0);
        }
        if let Some(g) = grad.as_deref_mut() {
            g.fill(0.0);
        }
        let scale = 1.0 / n as f64;
        let (mut loss, mut correct) = (0.0, 0);
        let f = self.inputs();
        let mut start = 0;
        while start < n {
            let b = ws.capacity.min(n - start);
            let xc = &x.as_slice()[start * f..(start + b) * f];
            let (l, c) = self.accumulate(
                params,
                xc,
                &y[start..start + b],
                scale,
                ws,
                grad.as_deref_mut(),
            );
            loss += l;
            correct += c;
            start += b;
        }
        if let Some(g) = grad {
            self.add_penalty_gradient(params, g);
        }
        let acc = correct as f64 / n as f64;
        (loss, acc)
    }

    /// The network's output for every sample of `x` (features column-major): probability
    /// sigma(z) for classification, the value z for regression. `out` is cleared and filled.
    pub fn predict(&self, params: &[f64], x: &[f64], ws: &mut Workspace, out: &mut Vec<f64>) {
        let f = self.inputs();
        let n = x.len() / f;
        out.clear();
        let mut start = 0;
        while start < n {
            let b = ws.capacity.min(n - start);
            self.forward(params, &x[start * f..(start + b) * f], b, ws);
            let z = &ws.acts[self.layers() - 1];
            out.extend(z[..b].iter().map(|&z| match self.task {
                Task::Classification => sigmoid(z),
                Task::Regression => z,
            }));
            start += b;
        }
    }
}
impl fmt::Display for Network {
    /// "2-16-16-1 tanh, BCE, L2 1e-4".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sizes: Vec<String> = self.sizes.iter().map(ToString::to_string).collect();
        write!(f, "{}", sizes.join("-"))?;
        if self.sizes.len() > 2 {
            write!(f, " {}", self.activation.name())?;
        }
        write!(
            f,
            ", {}",
            match self.task {
                Task::Classification => "BCE",
                Task::Regression => "MSE",
            }
        )?;
        match self.regularization {
            Regularization::None => Ok(()),
            Regularization::L1(l) => write!(f, ", L1 {l:e}"),
            Regularization::L2(l) => write!(f, ", L2 {l:e}"),
        }
    }
}

/// Buffers of the forward and backward passes for batches of up to `capacity` samples,
/// allocated once.
#[derive(Clone, Debug)]
pub struct Workspace {
    capacity: usize,
    /// Per layer l: its outputs a_l (n_l x capacity, column-major); the last holds z_L.
    acts: Vec<Vec<f64>>,
    /// Per layer l: dLoss/dz_l (n_l x capacity, column-major).
    deltas: Vec<Vec<f64>>,
    /// W_l' of the layer being back-propagated (n_{l-1} x n_l, column-major).
    transposed: Vec<f64>,
    /// One row of an activation matrix (capacity).
    row: Vec<f64>,
}

impl Workspace {
    /// Buffers for `net` and batches of at most `capacity` samples.
    #[must_use]
    pub fn new(net: &Network, capacity: usize) -> Self {
        let capacity = capacity.max(1);
        let acts = net.sizes[1..]
            .iter()
            .map(|&n| vec![0.0; n * capacity])
            .collect();
        let deltas = net.sizes[1..]
            .iter()
            .map(|&n| vec![0.0; n * capacity])
            .collect();
        let largest = net.sizes.windows(2).map(|w| w[0] * w[1]).max().unwrap_or(0);
        Self {
            capacity,
            acts,
            deltas,
            transposed: vec![0.0; largest],
            row: vec![0.0; capacity],
        }
    }

    /// Largest batch the buffers hold.
    #[must_use]
    pub fn capacity(&self) -> usize {
        self.capacity
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::mlp::rng;

    /// A batch of `b` random inputs with labels (0/1) or targets.
    fn batch(inputs: usize, b: usize, task: Task, seed: u64) -> (DMatrix<f64>, Vec<f64>) {
        let mut r = rng(seed, 99);
        let x = DMatrix::from_fn(inputs, b, |_, _| r.random_range(-2.0..2.0));
        let y = (0..b)
            .map(|_| match task {
                Task::Classification => f64::from(u8::from(r.random_bool(0.5))),
                Task::Regression => r.random_range(-1.0..1.0),
            })
            .collect();
        (x, y)
    }

    fn spec(activation: Activation, regularization: Regularization) -> NetworkSpec {
        NetworkSpec {
            hidden: vec![5, 4],
            activation,
            init: Init::Auto,
            regularization,
        }
    }

    /// Backprop against central differences, every parameter, for every activation, both
    /// losses and every penalty.
    #[test]
    fn gradients_match_central_differences() {
        for activation in Activation::ALL {
            for task in [Task::Classification, Task::Regression] {
                for reg in [
                    Regularization::None,
                    Regularization::L1(0.03),
                    Regularization::L2(0.05),
                ] {
                    let net = Network::new(3, &spec(activation, reg), task);
                    let mut params = net.initial_params(11);
                    // Non-zero biases, and no weight near the L1 kink at 0.
                    let mut r = rng(5, 5);
                    for (i, p) in params.iter_mut().enumerate() {
                        if net.is_weight(i) {
                            if p.abs() < 1e-2 {
                                *p += 0.05;
                            }
                        } else {
                            *p = r.random_range(-0.5..0.5);
                        }
                    }
                    let (x, y) = batch(3, 7, task, 3);
                    let mut ws = Workspace::new(&net, 7);
                    let mut grad = vec![0.0; net.param_count()];
                    let f0 = net.loss_and_gradient(&params, x.as_slice(), &y, &mut ws, &mut grad);
                    assert!(f0.is_finite());
                    let h = 1e-6;
                    let mut scratch = vec![0.0; net.param_count()];
                    for i in 0..params.len() {
                        let mut p = params.clone();
                        p[i] += h;
                        let up = net.loss_and_gradient(&p, x.as_slice(), &y, &mut ws, &mut scratch);
                        p[i] -= 2.0 * h;
                        let down =
                            net.loss_and_gradient(&p, x.as_slice(), &y, &mut ws, &mut scratch);
                        let g_fd = (up - down) / (2.0 * h);
                        let err = (grad[i] - g_fd).abs();
                        assert!(
                            err <= 1e-6 * (1.0 + g_fd.abs()),
                            "{activation:?} {task:?} {reg:?} param {i}: backprop {} vs {}",
                            grad[i],
                            g_fd
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn cross_entropy_is_stable_for_huge_logits() {
        // A 1-1 network with no hidden layer: z = w x + b.
        let net = Network::new(
            1,
            &NetworkSpec {
                hidden: vec![],
                ..NetworkSpec::default()
            },
            Task::Classification,
        );
        let x = DMatrix::from_element(1, 1, 1.0);
        let mut ws = Workspace::new(&net, 1);
        let mut g = vec![0.0; 2];
        for (z, y, expected) in [
            (1000.0, 1.0, 0.0),
            (1000.0, 0.0, 1000.0),
            (-1000.0, 1.0, 1000.0),
            (0.0, 1.0, std::f64::consts::LN_2),
        ] {
            let loss = net.loss_and_gradient(&[z, 0.0], x.as_slice(), &[y], &mut ws, &mut g);
            assert!((loss - expected).abs() < 1e-12, "z {z} y {y}: {loss}");
            assert!(g.iter().all(|v| v.is_finite()));
        }
    }

    #[test]
    fn chunked_evaluation_equals_one_batch() {
        let net = Network::new(
            2,
            &spec(Activation::Tanh, Regularization::L2(0.1)),
            Task::Classification,
        );
        let params = net.initial_params(2);
        let (x, y) = batch(2, 23, Task::Classification, 8);
        let mut big = Workspace::new(&net, 23);
        let mut g1 = vec![0.0; net.param_count()];
        let f1 = net.loss_and_gradient(&params, x.as_slice(), &y, &mut big, &mut g1);
        let mut small = Workspace::new(&net, 5);
        let mut g2 = vec![0.0; net.param_count()];
        let (data, acc) = net.evaluate(&params, &x, &y, &mut small, Some(&mut g2));
        assert!((f1 - (data + net.penalty(&params))).abs() < 1e-14);
        for (a, b) in g1.iter().zip(&g2) {
            assert!((a - b).abs() < 1e-14);
        }
        let mut p = Vec::new();
        net.predict(&params, x.as_slice(), &mut small, &mut p);
        let right = p
            .iter()
            .zip(&y)
            .filter(|(p, y)| (**p >= 0.5) == (**y == 1.0))
            .count() as f64
            / 23.0;
        assert_eq!(acc, right);
    }

    #[test]
    fn initialisation_scales_and_layout() {
        let relu = Network::new(
            16,
            &NetworkSpec {
                hidden: vec![16, 16],
                activation: Activation::ReLU,
                ..NetworkSpec::default()
            },
            Task::Classification,
        );
        assert_eq!(relu.param_count(), 3 * (16 * 16 + 16) - 15 * 16 - 15);
        let p = relu.initial_params(4);
        // Layer 2 (16 -> 16, followed by ReLU): He, std sqrt(2/16).
        let (off, rows, cols) = relu.layer(1);
        let w = &p[off..off + rows * cols];
        let sd = (w.iter().map(|v| v * v).sum::<f64>() / 256.0).sqrt();
        assert!((sd - (2.0_f64 / 16.0).sqrt()).abs() < 0.05, "He std {sd}");
        // Output layer (16 -> 1): Glorot uniform, |w| <= sqrt(6 / 17).
        let (off, rows, cols) = relu.layer(2);
        let r = (6.0_f64 / 17.0).sqrt();
        assert!(p[off..off + rows * cols].iter().all(|v| v.abs() <= r));
        // Biases start at 0.
        assert!(p[off + rows * cols..].iter().all(|&b| b == 0.0));
        assert_eq!(p, relu.initial_params(4), "seeded");
        let tanh = Network::new(
            2,
            &spec(Activation::Tanh, Regularization::None),
            Task::Classification,
        );
        let (off, rows, cols) = tanh.layer(1);
        let r = (6.0_f64 / 9.0).sqrt();
        let w = &tanh.initial_params(1)[off..off + rows * cols];
        assert!(w.iter().all(|v| v.abs() <= r) && w.iter().any(|v| v.abs() > 0.5 * r));
    }

    #[test]
    fn the_layout_names_each_layer_s_weight_matrix_and_bias() {
        let net = Network::new(
            2,
            &NetworkSpec {
                hidden: vec![4, 3],
                ..NetworkSpec::default()
            },
            Task::Classification,
        );
        let blocks = net.layout().blocks(net.param_count());
        let shapes: Vec<_> = blocks
            .iter()
            .map(|b| (b.offset, b.rows, b.cols, b.kind))
            .collect();
        assert_eq!(
            shapes,
            [
                (0, 4, 2, BlockKind::OuterMatrix),
                (8, 4, 1, BlockKind::Vector),
                (12, 3, 4, BlockKind::HiddenMatrix),
                (24, 3, 1, BlockKind::Vector),
                (27, 1, 3, BlockKind::OuterMatrix),
                (30, 1, 1, BlockKind::Vector),
            ]
        );
        assert_eq!(net.param_count(), 31);
        // Entry (i, j) of W_2 is the weight from unit j of layer 1 to unit i of layer 2.
        assert_eq!(blocks[2].index(2, 1), 12 + 2 + 3);
    }

    #[test]
    fn describes_itself_as_on_a_slide() {
        let net = Network::new(
            2,
            &NetworkSpec {
                hidden: vec![16, 16],
                regularization: Regularization::L2(1e-4),
                ..NetworkSpec::default()
            },
            Task::Classification,
        );
        assert_eq!(net.to_string(), "2-16-16-1 tanh, BCE, L2 1e-4");
        let lin = Network::new(
            3,
            &NetworkSpec {
                hidden: vec![],
                ..NetworkSpec::default()
            },
            Task::Regression,
        );
        assert_eq!(lin.to_string(), "3-1, MSE");
    }
}
