//! criterion benches of the standard workloads (the same functions `optiviz bench` times).
//! Run: `cargo bench` (add `-- contour` to pick one).

use criterion::{Criterion, criterion_group, criterion_main};
use optiviz::cli::bench::{
    BUILTIN_STEPS, CONTOUR_GRID, CONTOUR_LEVELS, MLP_WORKLOAD, RESIM_STEPS, contour_pipeline,
    contour_setup, extract_levels, mlp_training_rate, render_figure, render_gif, resimulate,
    stepping_rate,
};
use optiviz::numerics::contour::Grid;
use optiviz::numerics::optimizers::{AdamParams, OptimizerSpec, SgdParams};
use optiviz::scenario::workloads::default_scenario;
use std::hint::black_box;

/// The allocator the `optiviz` binary uses (src/main.rs), so that these figures match its own.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn contour(c: &mut Criterion) {
    let (f, view) = contour_setup();
    c.bench_function("contour pipeline 512x512 x 24 levels", |b| {
        b.iter(|| black_box(contour_pipeline(&f, view, CONTOUR_GRID, CONTOUR_LEVELS)));
    });
    let grid = Grid::sample(&f, view, CONTOUR_GRID, CONTOUR_GRID);
    c.bench_function("contour extraction 24 levels", |b| {
        b.iter(|| black_box(extract_levels(&grid, CONTOUR_LEVELS)));
    });
}

fn resimulation(c: &mut Criterion) {
    let scenario = default_scenario(RESIM_STEPS);
    c.bench_function(
        "re-simulation default scenario 1000 steps + contours",
        |b| {
            b.iter(|| black_box(resimulate(&scenario)));
        },
    );
}

fn stepping(c: &mut Criterion) {
    let mut group = c.benchmark_group("stepping 10000 steps");
    for (name, optimizer) in [
        (
            "SGD momentum",
            OptimizerSpec::SGD(SgdParams {
                lr: 0.5,
                momentum: 0.9,
                ..SgdParams::default()
            }),
        ),
        (
            "Adam",
            OptimizerSpec::Adam(AdamParams {
                lr: 0.01,
                ..AdamParams::default()
            }),
        ),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| black_box(stepping_rate(&optimizer, 10_000)));
        });
    }
    group.finish();
}

fn mlp_training(c: &mut Criterion) {
    c.bench_function("MLP training 2-16-16-1 tanh B=32 Adam, 1000 steps", |b| {
        let (width, batch) = MLP_WORKLOAD;
        b.iter(|| black_box(mlp_training_rate(width, batch, 1000, false)));
    });
}

fn figures(c: &mut Criterion) {
    let scenario = default_scenario(BUILTIN_STEPS);
    let Ok(sim) = optiviz::render::simulate(&scenario, BUILTIN_STEPS) else {
        return;
    };
    c.bench_function("figure 1920x1080 PNG", |b| {
        b.iter(|| black_box(render_figure(&scenario, &sim, false)));
    });
    c.bench_function("figure 1920x1080 SVG", |b| {
        b.iter(|| black_box(render_figure(&scenario, &sim, true)));
    });
    let mut group = c.benchmark_group("figure GIF");
    group.sample_size(10);
    group.bench_function("960x600 x 180 frames", |b| {
        b.iter(|| black_box(render_gif(&scenario)));
    });
    group.finish();
}

#[cfg(feature = "gui")]
fn ui_frame(c: &mut Criterion) {
    let mut app = optiviz::ui::frame_bench::FrameBench::new(8, 100_000);
    c.bench_function("UI frame 8 runs x 100000 steps", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| app.frame()).sum());
    });
}

#[cfg(not(feature = "gui"))]
fn ui_frame(_c: &mut Criterion) {}

criterion_group! {
    name = benches;
    // As the binary does: the bench thread works in rayon's pool (src/main.rs).
    config = {
        optiviz::numerics::parallel::enlist_in_pool();
        Criterion::default().sample_size(20)
    };
    targets = contour, resimulation, stepping, mlp_training, figures, ui_frame
}
criterion_main!(benches);
