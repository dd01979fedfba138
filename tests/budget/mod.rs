//! The time and memory budget the fuzzers hold every accepted input to, and the headless
//! app frames they run it through (with the `gui` feature).
//!
//! Memory is the peak of the bytes allocated while the input is exercised, counted by
//! allocation-counter on one thread: the work runs in a one-thread rayon pool, so the
//! contour and run workers' allocations are counted too. `OPTIVIZ_FUZZ_MEMORY_MB` sets the
//! budget (1024 by default), `OPTIVIZ_FUZZ_BUDGET_MS` a time budget (none by default: CI
//! asserts no timings).
#![allow(dead_code, reason = "each fuzzer uses the helpers it needs")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on purpose"
)]

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// An environment variable as a number, or the default.
pub fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The largest peak any input reached so far, in bytes (printed by the fuzzers).
pub static LARGEST_PEAK: AtomicU64 = AtomicU64::new(0);

/// Runs `exercise` within the memory budget (and the time budget, when set); `what` names
/// the input in the failure message.
pub fn within_budget(what: &str, exercise: impl FnOnce() + Send) {
    static POOL: OnceLock<rayon::ThreadPool> = OnceLock::new();
    let pool = POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
    });
    let started = std::time::Instant::now();
    let info = pool.install(|| allocation_counter::measure(exercise));
    let took = started.elapsed().as_millis();
    LARGEST_PEAK.fetch_max(info.bytes_max, Ordering::Relaxed);
    let memory = env_usize("OPTIVIZ_FUZZ_MEMORY_MB", 1024) as u64;
    assert!(
        info.bytes_max <= memory << 20,
        "{} MB at the peak (budget {memory} MB) for {what}",
        info.bytes_max >> 20
    );
    if let Some(budget) = std::env::var("OPTIVIZ_FUZZ_BUDGET_MS")
        .ok()
        .and_then(|v| v.parse::<u128>().ok())
    {
        assert!(took <= budget, "{took} ms (budget {budget} ms) for {what}");
    }
}

/// Opens `text` in the headless app as a user opening the file would (with `files` beside
/// it: a CSV the preset names), plays a few frames and checks the app took it and shows it
/// on its page (`network`: the Network page). Every `OPTIVIZ_FUZZ_APP_EVERY`-th input (10 by
/// default; 1 for the long form): a harness costs far more than parsing.
#[cfg(feature = "gui")]
pub fn app_frames(text: &str, network: bool, files: &[(String, String)]) {
    use optiviz::ui::{LaunchOptions, OptivizApp, PageKind, Source};
    static SEEN: AtomicU64 = AtomicU64::new(0);
    let n = SEEN.fetch_add(1, Ordering::Relaxed);
    let every = env_usize("OPTIVIZ_FUZZ_APP_EVERY", 10).max(1) as u64;
    if !n.is_multiple_of(every) {
        return;
    }
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("fuzz-app-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, contents) in files {
        // Only a plain relative name can be put beside the preset (and nowhere else).
        let relative = std::path::Path::new(name)
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)));
        let target = dir.join(name);
        let written = relative
            && target
                .parent()
                .is_some_and(|p| std::fs::create_dir_all(p).is_ok())
            && std::fs::write(&target, contents).is_ok();
        if !written {
            let _ = std::fs::remove_dir_all(&dir);
            return;
        }
    }
    let path = dir.join("fuzz.ron");
    std::fs::write(&path, text).unwrap();
    let mut h = egui_kittest::Harness::builder()
        .with_size(egui::vec2(960.0, 640.0))
        .build_ui_state(
            |ui, app: &mut OptivizApp| app.ui_root(ui),
            OptivizApp::new(LaunchOptions {
                preset: Some(path.clone()),
                ..LaunchOptions::default()
            }),
        );
    h.run_steps(3);
    assert!(
        h.state().load_errors().is_none(),
        "the app refused what the loader took: {:?}\n{text}",
        h.state().load_errors()
    );
    h.key_press(egui::Key::Space);
    h.run_steps(3);
    if network {
        assert_eq!(h.state().page(), PageKind::Network, "{text}");
    } else {
        assert_eq!(h.state().source(), &Source::File(path.clone()), "{text}");
    }
    drop(h);
    let _ = std::fs::remove_dir_all(&dir);
}
