//! Tuning a run's learning rate for a fair race: the same budget, criterion and noise draws
//! for every run, and a stated search.
//!
//! The search: a log grid of [`GRID_CELLS`] learning rates from lr / 10^3 to lr * 10^3 (four per
//! decade) around the run's own lr, then a finer log grid of [`REFINE_CELLS`] between the best
//! grid point's neighbours. Every candidate is a [`sweep`] cell: the run from its start with
//! only lr changed (schedule, clipping, noise and domain as the preset says), for the budget,
//! measured by the criterion (final loss, or steps to a tolerance). A run that diverges or does
//! not reach the tolerance ranks below every run that does; among equals the smaller lr wins,
//! and the run's own lr stays unless a candidate is strictly better (so a method whose exact
//! line search ignores lr keeps it).

use super::objectives::{AnyObjective, ViewRect};
use super::run::RunConfig;
use super::sweep::{self, Axis, AxisScale, Cell, Metric, SweepError, SweepSpec};

/// Learning rates of the first, coarse grid.
pub const GRID_CELLS: usize = 25;
/// Decades the coarse grid spans on each side of the run's own lr.
pub const GRID_DECADES: f64 = 3.0;
/// Learning rates of the refinement between the best grid point's neighbours.
pub const REFINE_CELLS: usize = 9;

/// A run's tuned learning rate and what it was compared with.
#[derive(Clone, Debug, PartialEq)]
pub struct Tuned {
    /// The run's own lr.
    pub lr: f64,
    /// The criterion at the run's own lr.
    pub at_lr: Cell,
    /// The best lr found.
    pub tuned_lr: f64,
    /// The criterion there.
    pub at_tuned: Cell,
    /// Runs the search took (grid and refinement).
    pub runs: usize,
}

/// Tunes `base`'s learning rate on `objective` for `steps` steps by `metric` (see the module
/// documentation).
pub fn tune_lr(
    objective: &AnyObjective,
    view: ViewRect,
    base: &RunConfig,
    steps: usize,
    metric: Metric,
) -> Result<Tuned, SweepError> {
    let lr = base.optimizer.lr();
    let axis = |from: f64, to: f64, cells: usize| Axis {
        knob: sweep::LR.to_owned(),
        from,
        to,
        scale: AxisScale::Log,
        cells,
    };
    let spread = 10f64.powf(GRID_DECADES);
    let measure = |x: Axis| {
        sweep::compute(SweepSpec {
            objective: objective.clone(),
            view,
            base: base.clone(),
            x,
            y: None,
            metric,
            steps,
        })
    };
    let grid = measure(axis(lr / spread, lr * spread, GRID_CELLS))?;
    let best = best_index(&grid.cells);
    let lr_of = |i: usize| grid.x.value(i);
    let (lo, hi) = (
        lr_of(best.saturating_sub(1)),
        lr_of((best + 1).min(GRID_CELLS - 1)),
    );
    let fine = measure(axis(lo, hi, REFINE_CELLS))?;
    let fine_best = best_index(&fine.cells);
    let (tuned_lr, at_tuned) = if rank(&fine.cells[fine_best]) < rank(&grid.cells[best]) {
        (fine.x.value(fine_best), fine.cells[fine_best])
    } else {
        (lr_of(best), grid.cells[best])
    };
    // The criterion at the run's own lr: an axis's first value is its `from`, exactly.
    let own = measure(axis(lr, lr * 2.0, 2))?;
    let at_lr = own.cells[0];
    // Nothing better than the preset's own lr (a method an exact line search makes blind to
    // lr ties everywhere): it stays.
    let (tuned_lr, at_tuned) = if rank(&at_lr) <= rank(&at_tuned) {
        (lr, at_lr)
    } else {
        (tuned_lr, at_tuned)
    };
    Ok(Tuned {
        lr,
        at_lr,
        tuned_lr,
        at_tuned,
        runs: GRID_CELLS + REFINE_CELLS + 2,
    })
}

/// The order of cells: values (smaller better), then not reached, diverged, failed.
fn rank(cell: &Cell) -> (u8, f64) {
    match *cell {
        Cell::Value(v) if v.is_finite() => (0, v),
        Cell::Value(_) | Cell::NotReached => (1, 0.0),
        Cell::Diverged { .. } => (2, 0.0),
        Cell::Failed { .. } => (3, 0.0),
    }
}

/// The first best cell.
fn best_index(cells: &[Cell]) -> usize {
    let mut best = 0;
    for (i, c) in cells.iter().enumerate() {
        let (a, b) = (rank(c), rank(&cells[best]));
        if a.0 < b.0 || (a.0 == b.0 && a.1 < b.1) {
            best = i;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::Vec2;
    use crate::numerics::noise::NoiseSpec;
    use crate::numerics::objectives::{Landmarks, ObjectiveSpec, QuadraticParams};
    use crate::numerics::optimizers::{GdParams, OptimizerSpec};
    use crate::numerics::run::{Averaging, Clip};
    use crate::numerics::schedule::{MomentumSchedule, Schedule};

    #[test]
    fn gd_on_a_quadratic_is_tuned_near_the_theory_s_best_step() {
        // l_max = 1, kappa = 10: GD's best constant step is a* = 2 / (l_min + l_max) = 1.82.
        let objective = ObjectiveSpec::Quadratic(QuadraticParams {
            kappa: 10.0,
            l_max: 1.0,
            angle_deg: 30.0,
            ..QuadraticParams::default()
        })
        .build()
        .unwrap();
        let base = RunConfig {
            optimizer: OptimizerSpec::GD(GdParams { lr: 0.05 }),
            start: Vec2::new(-2.0, 1.5),
            schedule: Schedule::Constant,
            momentum_schedule: MomentumSchedule::Constant,
            clip: Clip::None,
            averaging: Averaging::Off,
            noise: NoiseSpec::default(),
            examples: 1,
            domain: None,
        };
        let view = objective.default_view();
        let tuned = tune_lr(&objective, view, &base, 100, Metric::FinalLoss).unwrap();
        assert_eq!(tuned.lr, 0.05);
        let (Cell::Value(before), Cell::Value(after)) = (tuned.at_lr, tuned.at_tuned) else {
            panic!("{tuned:?}")
        };
        assert!(after < before * 1e-6, "{tuned:?}");
        let a_star = 2.0 / 1.1;
        assert!(
            (tuned.tuned_lr / a_star - 1.0).abs() < 0.1,
            "tuned {} vs a* {a_star}",
            tuned.tuned_lr
        );
        assert!(tuned.tuned_lr < 2.0, "below the edge 2 / l_max");
    }

    #[test]
    fn ranks_put_values_before_misses_and_divergence() {
        let cells = [
            Cell::Diverged { step: 3 },
            Cell::NotReached,
            Cell::Value(2.0),
            Cell::Value(1.0),
            Cell::Value(1.0),
        ];
        assert_eq!(best_index(&cells), 3);
        assert_eq!(best_index(&cells[..2]), 1);
    }
}
