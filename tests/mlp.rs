//! The MLP training core end to end: it learns the classic toy problems, races are fair
//! (common initial weights and batches), time slicing changes nothing, divergence stops a run
//! without NaN, memory is bounded, a training step allocates nothing, and the landscape slice
//! and the decision-boundary grid are consistent with the run.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failed unwrap is a failed test"
)]

use optiviz::numerics::mlp::{
    Activation, DataConfig, DataSource, Feature, Generator, MlpRunConfig, NetworkSpec,
    Regularization, Training, TrainingConfig, training::HISTORY_CAPACITY,
};
use optiviz::numerics::optimizers::{
    AdafactorParams, AdamParams, AdamWParams, AsgdParams, LionParams, MuonParams, OptimizerSpec,
    RpropParams, ScheduleFreeAdamWParams, ScheduleFreeSgdParams, SgdParams,
};
use optiviz::numerics::run::{Clip, RunStatus};
use optiviz::numerics::schedule::Schedule;

fn adam(lr: f64) -> OptimizerSpec {
    OptimizerSpec::Adam(AdamParams {
        lr,
        ..AdamParams::default()
    })
}

fn sgd(lr: f64, momentum: f64) -> OptimizerSpec {
    OptimizerSpec::SGD(SgdParams {
        lr,
        momentum,
        ..SgdParams::default()
    })
}

fn run(optimizer: OptimizerSpec) -> MlpRunConfig {
    MlpRunConfig {
        optimizer,
        schedule: Schedule::Constant,
        clip: Clip::None,
    }
}

fn config(
    generator: Generator,
    hidden: Vec<usize>,
    steps: usize,
    runs: Vec<MlpRunConfig>,
) -> TrainingConfig {
    TrainingConfig {
        data: DataConfig {
            source: DataSource::Generated(generator),
            points: 400,
            noise: 0.0,
            train_fraction: 0.5,
            seed: 1,
            features: vec![Feature::X1, Feature::X2],
            input_scale: (1.0, 1.0),
            normalize: false,
        },
        network: NetworkSpec {
            hidden,
            activation: Activation::Tanh,
            ..NetworkSpec::default()
        },
        batch_size: 32,
        steps,
        seed: 1,
        eval_every: None,
        sharpness: false,
        runs,
    }
}

fn final_train_acc(t: &Training, i: usize) -> f64 {
    t.runs()[i].history().latest().unwrap().train_acc.unwrap()
}

/// XOR with a 2-8-8-1 tanh network and Adam (lr 0.01, B = 32): 100 % of the training points
/// within 1,500 steps.
#[test]
fn xor_is_learned_perfectly() {
    let mut t = Training::new(&config(
        Generator::Xor,
        vec![8, 8],
        1500,
        vec![run(adam(0.01))],
    ))
    .unwrap();
    t.advance(1500);
    assert!(t.runs()[0].status().is_running());
    let acc = final_train_acc(&t, 0);
    assert_eq!(acc, 1.0, "train accuracy {acc}");
    println!("xor: train accuracy {acc} after 1500 steps");
}

/// The two-arm spiral with a 2-16-16-16-1 tanh network and Adam (lr 0.01, B = 32): at least
/// 97 % of the training points within 6,000 steps.
#[test]
fn spiral_is_learned_by_adam() {
    let mut t = Training::new(&config(
        Generator::Spiral,
        vec![16, 16, 16],
        6000,
        vec![run(adam(0.01))],
    ))
    .unwrap();
    t.advance(6000);
    let acc = final_train_acc(&t, 0);
    println!("spiral: train accuracy {acc} after 6000 steps");
    assert!(acc >= 0.97, "train accuracy {acc}");
}

fn small(steps: usize, runs: Vec<MlpRunConfig>) -> TrainingConfig {
    let mut c = config(Generator::Circle, vec![6], steps, runs);
    c.data.points = 120;
    c.data.noise = 0.3;
    c
}

/// Every run starts from the same weights and sees the same batches: two identical runs stay
/// bit-identical, and the step-0 records of all runs agree.
#[test]
fn runs_share_initial_weights_and_batches() {
    let mut t = Training::new(&small(
        300,
        vec![run(sgd(0.05, 0.9)), run(adam(0.01)), run(sgd(0.05, 0.9))],
    ))
    .unwrap();
    for r in t.runs() {
        assert_eq!(r.params(), t.initial_params());
        let (a, b) = (r.history().records()[0], t.runs()[0].history().records()[0]);
        assert_eq!(
            (a.train_loss, a.test_loss, a.train_acc, a.grad_norm),
            (b.train_loss, b.test_loss, b.train_acc, b.grad_norm)
        );
    }
    t.advance(300);
    assert_eq!(t.runs()[0].params(), t.runs()[2].params());
    assert_eq!(
        t.runs()[0].history().records(),
        t.runs()[2].history().records()
    );
    assert_ne!(t.runs()[0].params(), t.runs()[1].params());
}

/// Advancing in slices (as the app does every frame) gives exactly the same runs as one go;
/// reset and a rebuilt training reproduce them too.
#[test]
fn time_slicing_and_reset_change_nothing() {
    let c = small(250, vec![run(adam(0.02)), run(sgd(0.1, 0.5))]);
    let mut whole = Training::new(&c).unwrap();
    assert_eq!(whole.advance(1000), 250, "the budget caps the steps");
    let mut sliced = Training::new(&c).unwrap();
    while !sliced.is_done() {
        sliced.advance(7);
    }
    assert_eq!(sliced.steps_done(), 250);
    for (a, b) in whole.runs().iter().zip(sliced.runs()) {
        assert_eq!(a.params(), b.params());
        assert_eq!(a.history().records(), b.history().records());
    }
    let before = whole.runs()[0].params().clone();
    whole.reset();
    assert_eq!(whole.steps_done(), 0);
    assert_eq!(whole.runs()[0].params(), whole.initial_params());
    whole.advance(250);
    assert_eq!(whole.runs()[0].params(), &before);
    // A new draw of the data: other points, same initial weights.
    let points = whole.dataset().train_points().to_vec();
    whole.regenerate(77);
    assert_eq!(whole.steps_done(), 0);
    assert_ne!(whole.dataset().train_points(), points.as_slice());
    assert_eq!(whole.initial_params(), sliced.initial_params());
}

/// A learning rate of 1e6 on the regression plane blows up: the run stops with a status
/// naming the step, keeps finite weights and records, and the other run goes on.
#[test]
fn divergence_stops_the_run_without_nan() {
    let mut c = config(
        Generator::Plane,
        vec![8],
        400,
        vec![run(sgd(1e6, 0.0)), run(sgd(0.01, 0.0))],
    );
    c.eval_every = Some(1);
    let mut t = Training::new(&c).unwrap();
    t.advance(400);
    let bad = &t.runs()[0];
    let RunStatus::Stopped { step, .. } = bad.status() else {
        panic!("lr 1e6 should diverge: {:?}", bad.status());
    };
    assert!(*step >= 1 && *step < 400);
    assert!(
        bad.status()
            .describe()
            .starts_with(&format!("diverged at step {step}"))
    );
    assert!(bad.params().iter().all(|v| v.is_finite()));
    assert!(bad.steps_done() <= *step);
    for r in bad.history().records() {
        assert!(r.train_loss.is_finite() && r.test_loss.is_finite() && r.grad_norm.is_finite());
        assert!(r.train_acc.is_none(), "regression has no accuracy");
    }
    assert!(t.runs()[1].status().is_running());
    assert_eq!(t.runs()[1].steps_done(), 400);
    let mut grid = Vec::new();
    assert!(t.predict_grid(0, (-6.0, 6.0), (-6.0, 6.0), 9, 9, &mut grid));
    assert!(grid.iter().all(|v| v.is_finite()));
}

/// History and snapshots stay bounded however long the run; the latest record is the last
/// step.
#[test]
fn history_is_bounded_by_thinning() {
    let mut c = small(3 * HISTORY_CAPACITY + 5, vec![run(adam(0.01))]);
    c.network.hidden = vec![2];
    c.eval_every = Some(1);
    let mut t = Training::new(&c).unwrap();
    t.advance(usize::MAX);
    let h = t.runs()[0].history();
    assert!(h.records().len() <= HISTORY_CAPACITY);
    assert_eq!(h.interval(), 4);
    assert_eq!(h.latest().unwrap().step, 3 * HISTORY_CAPACITY + 5);
    for (i, r) in h.records().iter().enumerate() {
        assert_eq!(r.step, i * h.interval());
    }
}

fn muon(lr: f64, adamw_lr: f64) -> OptimizerSpec {
    OptimizerSpec::Muon(MuonParams {
        lr,
        adamw: AdamWParams {
            lr: adamw_lr,
            ..AdamWParams::default()
        },
        ..MuonParams::default()
    })
}

/// A training step allocates nothing once the optimizer's buffers exist, evaluations
/// included (two hidden layers, so that Muon has a hidden weight matrix).
#[test]
fn training_steps_allocate_nothing() {
    let mut c = small(
        100_000,
        vec![
            run(adam(0.01)),
            run(sgd(0.1, 0.9)),
            run(muon(0.02, 0.01)),
            run(OptimizerSpec::Adafactor(AdafactorParams::default())),
        ],
    );
    c.network.hidden = vec![6, 6];
    let mut t = Training::new(&c).unwrap();
    t.advance(t.eval_every() + 1);
    let info = allocation_counter::measure(|| {
        t.advance(10 * t.eval_every());
    });
    assert_eq!(info.count_total, 0, "{info:?}");
}

/// An L2 penalty keeps the weights smaller.
#[test]
fn weight_decay_shrinks_the_weights() {
    let norm = |reg| {
        let mut c = small(800, vec![run(adam(0.02))]);
        c.network.regularization = reg;
        let mut t = Training::new(&c).unwrap();
        t.advance(800);
        t.runs()[0].params().norm()
    };
    let (plain, decayed) = (norm(Regularization::None), norm(Regularization::L2(0.05)));
    assert!(decayed < 0.8 * plain, "{decayed} vs {plain}");
}

/// The landscape slice: orthonormal directions, the path is the snapshots' projection and
/// ends at the origin, and each value is the training objective at that point of the plane.
#[test]
fn landscape_slice_is_the_loss_on_the_trajectory_plane() {
    let mut t = Training::new(&small(600, vec![run(sgd(0.1, 0.9))])).unwrap();
    assert!(t.landscape(0, 11).is_none(), "one snapshot spans no plane");
    assert!(t.landscape(5, 11).is_none());
    t.advance(600);
    let s = t.landscape(0, 11).unwrap();
    let [d1, d2] = &s.directions;
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    assert!((dot(d1, d1) - 1.0).abs() < 1e-12 && (dot(d2, d2) - 1.0).abs() < 1e-12);
    assert!(dot(d1, d2).abs() < 1e-10);
    assert_eq!(*s.path.last().unwrap(), [0.0, 0.0]);
    assert_eq!(*s.path_steps.last().unwrap(), 600);
    assert!(s.path.len() >= 3 && s.path_steps.windows(2).all(|w| w[0] < w[1]));
    assert!(s.explained[0] >= s.explained[1] && s.explained[1] > 0.0);
    assert!(s.explained[0] + s.explained[1] <= 1.0 + 1e-12);
    assert_eq!(s.loss.len(), 121);
    for q in &s.path {
        assert!((s.alpha.0..=s.alpha.1).contains(&q[0]) && (s.beta.0..=s.beta.1).contains(&q[1]));
    }
    // Recompute two grid values from the directions.
    let net = t.network();
    let final_w = t.runs()[0].params().as_slice();
    let (x, y) = t.dataset().train_matrix();
    let mut ws = optiviz::numerics::mlp::Workspace::new(net, 64);
    for (i, j) in [(0, 0), (7, 3)] {
        let a = s.alpha.0 + (s.alpha.1 - s.alpha.0) * f64::from(j) / 10.0;
        let b = s.beta.0 + (s.beta.1 - s.beta.0) * f64::from(i) / 10.0;
        let w: Vec<f64> = (0..final_w.len())
            .map(|k| final_w[k] + a * d1[k] + b * d2[k])
            .collect();
        let (data, _) = net.evaluate(&w, x, y, &mut ws, None);
        let expected = data + net.penalty(&w);
        let got = s.loss[usize::try_from(i * 11 + j).unwrap()];
        assert!((got - expected).abs() < 1e-12, "{got} vs {expected}");
    }
}

/// The decision-boundary grid agrees with the recorded accuracy: thresholding the grid's
/// probability at each training point classifies exactly as the evaluation did.
#[test]
fn predict_grid_agrees_with_the_recorded_accuracy() {
    let mut t = Training::new(&small(300, vec![run(adam(0.02))])).unwrap();
    t.advance(300);
    let mut out = Vec::new();
    assert!(!t.predict_grid(3, (0.0, 1.0), (0.0, 1.0), 2, 2, &mut out));
    assert!(out.is_empty());
    assert!(t.predict_grid(0, (-6.0, 6.0), (-5.0, 5.0), 31, 21, &mut out));
    assert_eq!(out.len(), 31 * 21);
    assert!(out.iter().all(|p| (0.0..=1.0).contains(p)));
    let points = t.dataset().train_points();
    let mut right = 0;
    for p in points {
        t.predict_grid(0, (p.x[0], p.x[0]), (p.x[1], p.x[1]), 1, 1, &mut out);
        right += usize::from((out[0] >= 0.5) == (p.y == 1.0));
    }
    let acc = t.runs()[0].history().latest().unwrap().train_acc.unwrap();
    let measured = right as f64 / points.len() as f64;
    assert_eq!(measured, acc);
    assert!(acc > 0.9, "the circle is learned: {acc}");
}

/// Every optimizer of the core trains the network unchanged (Newton, which needs a Hessian,
/// stops with a message); nothing records NaN.
#[test]
fn every_optimizer_trains_the_network() {
    for optimizer in OptimizerSpec::all_defaults() {
        let name = optimizer.name();
        let mut t = Training::new(&small(60, vec![run(optimizer)])).unwrap();
        t.advance(60);
        let r = &t.runs()[0];
        if name == "Newton" {
            assert_eq!(
                r.status().describe(),
                "stopped at step 1: this objective has no Hessian"
            );
            continue;
        }
        assert!(r.status().is_running(), "{name}: {:?}", r.status());
        let h = r.history();
        assert!(
            h.records().iter().all(|x| x.train_loss.is_finite()),
            "{name}"
        );
        assert_eq!(h.latest().unwrap().step, 60, "{name}");
    }
}

/// Rprop (full batch: its sign rule is meant for exact gradients) and ASGD (minibatches, with
/// averaging from step 50) train the network on its flat weight vector: the training loss stays
/// finite at every evaluation and falls well below where it started.
#[test]
fn rprop_and_asgd_train_the_network() {
    for (optimizer, batch_size) in [
        (OptimizerSpec::Rprop(RpropParams::default()), 1000),
        (
            OptimizerSpec::ASGD(AsgdParams {
                lr: 0.1,
                t0: 50.0,
                ..AsgdParams::default()
            }),
            32,
        ),
    ] {
        let name = optimizer.name();
        let mut c = small(300, vec![run(optimizer)]);
        c.batch_size = batch_size;
        c.eval_every = Some(10);
        let mut t = Training::new(&c).unwrap();
        t.advance(300);
        let r = &t.runs()[0];
        assert!(r.status().is_running(), "{name}: {:?}", r.status());
        let losses: Vec<f64> = r.history().records().iter().map(|x| x.train_loss).collect();
        assert!(losses.iter().all(|l| l.is_finite()), "{name}: {losses:?}");
        let (first, last) = (losses[0], *losses.last().unwrap());
        println!("{name}: training loss {first} -> {last}");
        assert!(last < 0.6 * first, "{name}: {first} -> {last}");
    }
}

/// Lion and both Schedule-Free variants train the network from the flat weight vector as the
/// torch.optim family does: every record finite, and the training loss well down after 300
/// steps (the network is evaluated at the weights the optimizer steps: Schedule-Free's y).
#[test]
fn lion_and_schedule_free_train_the_network() {
    let optimizers = [
        OptimizerSpec::Lion(LionParams {
            lr: 0.003,
            weight_decay: 0.01,
            ..LionParams::default()
        }),
        OptimizerSpec::ScheduleFreeAdamW(ScheduleFreeAdamWParams {
            lr: 0.02,
            warmup_steps: 20,
            ..ScheduleFreeAdamWParams::default()
        }),
        OptimizerSpec::ScheduleFreeSGD(ScheduleFreeSgdParams {
            lr: 0.5,
            warmup_steps: 20,
            ..ScheduleFreeSgdParams::default()
        }),
    ];
    let runs = optimizers.iter().cloned().map(run).collect();
    let mut t = Training::new(&small(300, runs)).unwrap();
    t.advance(300);
    for (r, optimizer) in t.runs().iter().zip(&optimizers) {
        let name = optimizer.name();
        assert!(r.status().is_running(), "{name}: {:?}", r.status());
        let records = r.history().records();
        assert!(
            records
                .iter()
                .all(|x| x.train_loss.is_finite() && x.grad_norm.is_finite())
        );
        let (first, last) = (records[0].train_loss, r.history().latest().unwrap());
        println!(
            "{name}: train loss {first} -> {} at step {}",
            last.train_loss, last.step
        );
        assert_eq!(last.step, 300, "{name}");
        assert!(
            last.train_loss < 0.7 * first,
            "{name}: {first} -> {}",
            last.train_loss
        );
    }
}

/// Adafactor (every tensor: factored weight matrices, unfactored biases) and Muon (the hidden
/// 8 x 8 matrix; an AdamW for the first and last layers and the biases) train a 2-8-8-1
/// network on the circle: the training loss stays finite and falls well below where it started.
#[test]
fn adafactor_and_muon_train_the_network() {
    for optimizer in [
        OptimizerSpec::Adafactor(AdafactorParams {
            lr: 0.05,
            ..AdafactorParams::default()
        }),
        muon(0.02, 0.01),
    ] {
        let name = optimizer.name();
        let mut c = small(400, vec![run(optimizer)]);
        c.network.hidden = vec![8, 8];
        c.eval_every = Some(20);
        let mut t = Training::new(&c).unwrap();
        t.advance(400);
        let r = &t.runs()[0];
        assert!(r.status().is_running(), "{name}: {:?}", r.status());
        let losses: Vec<f64> = r.history().records().iter().map(|x| x.train_loss).collect();
        assert!(losses.iter().all(|l| l.is_finite()), "{name}: {losses:?}");
        let (first, last) = (losses[0], *losses.last().unwrap());
        println!("{name}: training loss {first} -> {last}");
        assert!(last < 0.6 * first, "{name}: {first} -> {last}");
    }
}

/// A deadline that has always passed: the shortest slices the app can take.
struct Passed;

impl optiviz::numerics::resume::Deadline for Passed {
    fn passed(&self) -> bool {
        true
    }
}

/// Steps cut off at the app's deadline (a large batch, L-BFGS's many gradients per step) and
/// resumed in later calls are the steps taken in one go, to the bit; every call moves on.
#[test]
fn steps_cut_off_at_a_deadline_are_the_steps_taken_in_one_go() {
    let lbfgs = OptimizerSpec::LBFGS(optiviz::numerics::optimizers::LbfgsParams {
        lr: 0.5,
        max_iter: 5,
        ..Default::default()
    });
    let mut c = config(
        Generator::Circle,
        vec![16, 16],
        6,
        vec![run(adam(0.01)), run(lbfgs), run(sgd(0.05, 0.9))],
    );
    c.data.points = 2000;
    c.batch_size = 1000;
    let mut whole = Training::new(&c).unwrap();
    whole.advance(6);
    let mut sliced = Training::new(&c).unwrap();
    let mut calls = 0;
    let mut cut = 0;
    let state = |t: &Training| {
        let taken: usize = t
            .runs()
            .iter()
            .map(optiviz::numerics::mlp::MlpRun::steps_done)
            .sum();
        (taken, t.cut_off())
    };
    while !sliced.is_done() {
        let before = state(&sliced);
        sliced.advance_within(6, Some(&Passed));
        calls += 1;
        cut += usize::from(sliced.cut_off().is_some());
        assert!(calls < 10_000, "never finishes");
        assert_ne!(state(&sliced), before, "a call did nothing");
    }
    assert!(
        cut > 6,
        "L-BFGS's steps were cut off ({cut} of {calls} calls)"
    );
    for (a, b) in whole.runs().iter().zip(sliced.runs()) {
        assert_eq!(a.params(), b.params());
        assert_eq!(a.status(), b.status());
        let losses = |r: &optiviz::numerics::mlp::MlpRun| {
            r.history()
                .records()
                .iter()
                .map(|x| x.train_loss.to_bits())
                .collect::<Vec<_>>()
        };
        assert_eq!(losses(a), losses(b));
    }
}

/// The recorded sharpness is the largest eigenvalue of the full-batch training objective's
/// Hessian (data loss + L2 penalty): compared with the whole Hessian built column by column
/// from central differences of the gradient and diagonalised, at step 0 and after training.
#[test]
fn the_recorded_sharpness_is_the_hessian_s_largest_eigenvalue() {
    use nalgebra::{DMatrix, SymmetricEigen};
    use optiviz::numerics::mlp::Workspace;
    let mut c = small(40, vec![run(sgd(0.5, 0.0))]);
    c.data.points = 40;
    c.network.hidden = vec![3];
    c.network.regularization = Regularization::L2(1e-3);
    c.eval_every = Some(20);
    c.sharpness = true;
    let mut t = Training::new(&c).unwrap();
    t.advance(40);
    let net = t.network();
    let (x, y) = t.dataset().train_matrix();
    let mut ws = Workspace::new(net, y.len());
    let n = net.param_count();
    let mut gradient = |w: &[f64]| {
        let mut g = vec![0.0; n];
        net.loss_and_gradient(w, x.as_slice(), y, &mut ws, &mut g);
        g
    };
    // Step 0's weights are the initial ones; the last record's are the run's current ones.
    let records = t.runs()[0].history().records().to_vec();
    assert_eq!(records.len(), 3);
    for (weights, record) in [
        (t.initial_params().as_slice().to_vec(), records[0]),
        (t.runs()[0].params().as_slice().to_vec(), records[2]),
    ] {
        let h = 1e-5;
        let mut hessian = DMatrix::zeros(n, n);
        for j in 0..n {
            let (mut plus, mut minus) = (weights.clone(), weights.clone());
            plus[j] += h;
            minus[j] -= h;
            let (gp, gm) = (gradient(&plus), gradient(&minus));
            for i in 0..n {
                hessian[(i, j)] = (gp[i] - gm[i]) / (2.0 * h);
            }
        }
        let symmetric = (&hessian + hessian.transpose()) * 0.5;
        let expected = SymmetricEigen::new(symmetric).eigenvalues.max();
        let found = record.sharpness.unwrap();
        assert!(
            (found - expected).abs() <= 1e-5 * expected.abs(),
            "step {}: {found} vs {expected}",
            record.step
        );
    }
}
