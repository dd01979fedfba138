//! A shipped preset's description is a claim: each test here runs the preset and checks what
//! its description tells students they will see.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failed unwrap is a failed test"
)]

use optiviz::numerics::mlp::Training;
use optiviz::scenario;

fn preset_text(file: &str) -> String {
    std::fs::read_to_string(format!("{}/presets/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// For each run of the preset (in its order), the first step whose loss is below `threshold`.
fn steps_to(text: &str, threshold: f64) -> Vec<Option<usize>> {
    let s = scenario::parse(text, "preset").unwrap();
    let mut sim = s.simulation(s.spec.steps + 1).unwrap();
    sim.advance_to(s.spec.steps);
    sim.runs()
        .iter()
        .map(|r| {
            assert!(r.status().is_running(), "{}", r.status().describe());
            assert_eq!(r.trajectory().stride(), 1);
            r.trajectory().losses().iter().position(|&f| f < threshold)
        })
        .collect()
}

fn about(got: Option<usize>, claimed: usize, what: &str) -> usize {
    let got = got.unwrap_or_else(|| panic!("{what} never reaches a loss of 1e-6"));
    let (lo, hi) = (claimed * 85 / 100, claimed * 115 / 100);
    assert!(
        (lo..=hi).contains(&got),
        "{what}: {got} steps, the description says about {claimed}"
    );
    got
}

/// 18: on the turned valley GD's step count is the same as along the axes, while Rprop and
/// Adam, which see the axes, are many times slower than along them (and Adam falls behind GD).
#[test]
fn rprop_and_adam_see_the_axes_and_gd_does_not() {
    let text = preset_text("18-rprop-rotation.ron");
    assert!(text.contains("angle_deg: 30.0"));
    // Runs: GD at a*, Adam, Rprop.
    let turned = steps_to(&text, 1e-6);
    let gd = about(turned[0], 700, "GD at 30 degrees");
    let adam = about(turned[1], 1000, "Adam at 30 degrees");
    let rprop = about(turned[2], 280, "Rprop at 30 degrees");
    assert!(rprop < gd && gd < adam, "{turned:?}");

    let aligned = steps_to(&text.replace("angle_deg: 30.0", "angle_deg: 0.0"), 1e-6);
    about(aligned[0], 700, "GD at 0 degrees");
    let adam_aligned = about(aligned[1], 110, "Adam at 0 degrees");
    let rprop_aligned = about(aligned[2], 45, "Rprop at 0 degrees");
    assert!(
        rprop > 5 * rprop_aligned && adam > 5 * adam_aligned,
        "turning the valley slows Rprop and Adam down: {aligned:?} -> {turned:?}"
    );
}

/// MLP 07: with the same AdamW on the first and last layers and the biases, Muon on the two
/// hidden matrices reaches a training loss of 0.01 in about 600 steps and AdamW in about
/// 1400; Muon's float64 iteration runs almost the same course as torch's bfloat16 one.
#[test]
fn muon_trains_the_spiral_s_hidden_layers_in_half_the_steps() {
    let text = std::fs::read_to_string(format!(
        "{}/presets/mlp/07-spiral-muon.ron",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let s = scenario::mlp::parse(&text, "07-spiral-muon.ron").unwrap();
    let mut t = Training::new(&s.training_config()).unwrap();
    while !t.is_done() {
        t.advance(1000);
    }
    // Runs: AdamW, Muon, Muon float64; evaluations every 50 steps.
    let steps: Vec<Option<usize>> = t
        .runs()
        .iter()
        .map(|r| {
            assert!(r.status().is_running(), "{}", r.status().describe());
            let h = r.history().records();
            h.iter().find(|e| e.train_loss < 0.01).map(|e| e.step)
        })
        .collect();
    println!("steps to a training loss of 0.01: {steps:?}");
    let adamw = about(steps[0], 1400, "AdamW");
    let muon = about(steps[1], 600, "Muon");
    let float64 = about(steps[2], 600, "Muon float64");
    assert!(2 * muon <= adamw, "about half: {steps:?}");
    assert!(
        muon.abs_diff(float64) <= 100,
        "almost the same course: {steps:?}"
    );
}
