//! What a shipped preset's description tells the students, measured on its runs: the claim
//! holds on the preset as shipped, and (for noisy presets) on other noise seeds as well, so
//! the slide does not rest on a lucky draw.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failed unwrap is a failed test"
)]

use optiviz::scenario;

fn preset_text(name: &str) -> String {
    std::fs::read_to_string(format!("{}/presets/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// Every run's loss at every step 0..=steps, in the preset's run order.
fn losses(text: &str, source: &str) -> Vec<Vec<f64>> {
    let s = scenario::parse(text, source).unwrap();
    let mut sim = s.simulation(s.spec.steps + 1).unwrap();
    sim.advance_to(s.spec.steps);
    sim.runs()
        .iter()
        .map(|r| {
            assert!(r.status().is_running(), "{source}: {:?}", r.status());
            let t = r.trajectory();
            assert_eq!(t.stride(), 1);
            t.losses().to_vec()
        })
        .collect()
}

/// The mean of `v` over steps `a..=b`.
fn mean(v: &[f64], a: usize, b: usize) -> f64 {
    let w = &v[a..=b];
    #[allow(clippy::cast_precision_loss, reason = "a few hundred steps")]
    let n = w.len() as f64;
    w.iter().sum::<f64>() / n
}

/// Preset 18's four runs, as measured: mean losses over most of the run (steps 100 to 600)
/// and over the last 100 steps.
struct ScheduleFreeRace {
    constant_end: f64,
    cosine_1000_mid: f64,
    cosine_1000_end: f64,
    cosine_2000_end: f64,
    schedule_free_mid: f64,
    schedule_free_end: f64,
}

impl ScheduleFreeRace {
    fn measure(text: &str, source: &str) -> Self {
        let l = losses(text, source);
        assert_eq!(
            l.len(),
            4,
            "{source}: constant, cosine 1000, cosine 2000, Schedule-Free"
        );
        let (mid, end) = (
            |v: &[f64]| mean(v, 100, 600),
            |v: &[f64]| mean(v, 900, 1000),
        );
        Self {
            constant_end: end(&l[0]),
            cosine_1000_mid: mid(&l[1]),
            cosine_1000_end: end(&l[1]),
            cosine_2000_end: end(&l[2]),
            schedule_free_mid: mid(&l[3]),
            schedule_free_end: end(&l[3]),
        }
    }
}

/// "Constant lr: stuck in its noise ball. Cosine shrinks it on its own timetable: planned for
/// these 1000 steps it wins at the very end; planned for 2000 it is still noisy at 1000.
/// Schedule-Free AdamW (same lr, no schedule) leads for most of the run and at the end trails
/// only the cosine that knew when it ends."
#[test]
fn schedule_free_leads_most_of_the_run_and_cosine_needs_to_know_the_end() {
    let name = "18-schedule-free.ron";
    let text = preset_text(name);
    let r = ScheduleFreeRace::measure(&text, name);
    println!(
        "end: constant {:.2e}, cosine 1000 {:.2e}, cosine 2000 {:.2e}, Schedule-Free {:.2e}; \
         steps 100-600: cosine 1000 {:.2e}, Schedule-Free {:.2e}",
        r.constant_end,
        r.cosine_1000_end,
        r.cosine_2000_end,
        r.schedule_free_end,
        r.cosine_1000_mid,
        r.schedule_free_mid
    );
    // The noise ball: the constant lr ends well above the rest.
    assert!(r.constant_end > 3.0 * r.schedule_free_end);
    assert!(r.constant_end > r.cosine_2000_end);
    // The cosine planned for this run is best at its end, the one planned for 2000 behind
    // Schedule-Free, which leads the best cosine for most of the run.
    assert!(r.cosine_1000_end < r.schedule_free_end);
    assert!(r.cosine_2000_end > 1.5 * r.schedule_free_end);
    assert!(r.schedule_free_mid < r.cosine_1000_mid / 1.5);

    // Not a lucky seed: on twelve other draws of the noise the lesson stands, mostly.
    let mut held = [0_usize; 4];
    let seeds = 1..=12;
    for seed in seeds.clone() {
        let other = text.replace("seed: 111)", &format!("seed: {seed})"));
        assert_ne!(other, text, "the preset's noise seed is 111");
        let r = ScheduleFreeRace::measure(&other, &format!("{name} with seed {seed}"));
        for (count, claim) in held.iter_mut().zip([
            r.schedule_free_end < r.constant_end,
            r.cosine_1000_end < r.schedule_free_end,
            r.schedule_free_end < r.cosine_2000_end,
            r.schedule_free_mid < r.cosine_1000_mid,
        ]) {
            *count += usize::from(claim);
        }
    }
    let n = seeds.count();
    println!(
        "of {n} seeds: Schedule-Free ends below constant {}, cosine 1000 ends below Schedule-Free {}, Schedule-Free ends below cosine 2000 {}, Schedule-Free leads mid-run {}",
        held[0], held[1], held[2], held[3]
    );
    assert!(held[0] >= 11 && held[2] >= 10, "{held:?} of {n}");
    assert!(held[1] >= 9 && held[3] >= 10, "{held:?} of {n}");
}
