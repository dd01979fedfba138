//! When work goes to rayon's thread pool: the whole program's policy in one place.
//!
//! Handing work to the pool costs tens of microseconds on a small machine (a sleeping thread
//! has to be woken), about a thousand optimizer steps or a tenth of a contour rebuild, so the
//! rules are about handing over seldom. The binary's main (UI) thread is itself one of the
//! pool's threads ([`enlist_in_pool`], first thing in `main`), so its parallel work starts on it
//! at once and the others join in. Whoever starts a piece of parallel work from outside the
//! pool enters the pool once for all of it ([`on_pool`]: a contour rebuild samples, scans and
//! stitches inside one call). Work is split only into pieces worth a hand-over:
//! [`STEPS_WORTH_SHARING`] optimizer steps among the runs of a simulation, [`ROWS_PER_TASK`]
//! grid rows of a contour. Nothing computed in parallel depends on the number of threads: each
//! run owns its state and noise stream, and contour bands are stitched in order. Where threads
//! are unavailable (wasm32) rayon runs everything on the calling thread.

/// Runs `work` on a thread of rayon's pool (at once when already on one). Every parallel step
/// started from outside the pool hands its work over and wakes a sleeping thread; started from
/// inside, the steps of `work` only split their work among threads that are awake.
pub fn on_pool<R: Send>(work: impl FnOnce() -> R + Send) -> R {
    rayon::scope(|_| work())
}

/// Makes the calling thread (the app's UI thread) one of the threads of rayon's global pool;
/// call it first thing, before anything uses the pool. The thread's parallel work then starts
/// on it at once and the other threads join in, where otherwise the work would be handed to a
/// pool thread while the caller waits: when the pool has gone to sleep between frames, waking
/// it costs about 0.1 ms on a small virtual machine, a twentieth of a contour rebuild. Changes
/// nothing when the pool exists already or threads are unavailable (the pool then works as
/// before).
pub fn enlist_in_pool() {
    // An error means one of those two cases, and leaves the pool usable.
    let _ = rayon::ThreadPoolBuilder::new()
        .use_current_thread()
        .build_global();
}

/// Steps to share among threads before the runs of a simulation step in parallel: a hand-over
/// costs about a thousand steps.
pub const STEPS_WORTH_SHARING: usize = 2_000;

/// Rows of grid nodes per parallel task of the contour pipeline: enough work to be worth
/// handing to another thread.
pub const ROWS_PER_TASK: usize = 16;

/// How many bands `rows` rows are cut into for a parallel scan: two per thread (so a thread
/// that finishes early takes another), none thinner than [`ROWS_PER_TASK`], at least one.
pub(crate) fn bands(rows: usize) -> usize {
    (2 * rayon::current_num_threads())
        .min(rows.div_ceil(ROWS_PER_TASK))
        .max(1)
}
