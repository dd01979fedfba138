//! `optiviz run` writes its rows as it steps, keeping none: what it writes is what the whole
//! in-memory simulation (every step kept, as `run` did before it streamed) says, every float
//! parsing back to the same f64, and the JSON byte for byte what serde_json writes for the
//! whole document.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failed unwrap is a failed test"
)]

use optiviz::cli::{Format, run};
use optiviz::numerics::objectives::Landmarks as _;
use optiviz::numerics::run::{Run, RunStatus, Sample, Simulation, Stop};
use optiviz::scenario::{self, Scenario};
use serde::Serialize;
use std::fmt::Write as _;
use std::path::Path;

fn output(scenario: &Scenario, steps: usize, format: Format) -> String {
    let mut out = Vec::new();
    run(scenario, Some(steps), format, false, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// Every run's samples, all kept.
fn in_memory(scenario: &Scenario, steps: usize) -> Simulation {
    let mut sim = scenario.simulation(steps + 1).unwrap();
    sim.advance_to(steps);
    sim
}

fn samples(sim: &Simulation, i: usize) -> Vec<Sample> {
    let t = sim.runs()[i].trajectory();
    (0..t.len()).map(|k| t.sample(k).unwrap()).collect()
}

fn field(v: Option<f64>) -> String {
    v.map_or_else(String::new, |v| zmij::Buffer::new().format(v).to_owned())
}

/// The CSV `run` wrote from the whole simulation, floats in their shortest form.
fn expected_csv(scenario: &Scenario, sim: &Simulation) -> String {
    let mut s =
        String::from("run,step,evaluations,x,y,loss,grad_norm,lr,eff_lr_x,eff_lr_y,avg_x,avg_y\n");
    for (i, r) in scenario.enabled_runs().enumerate() {
        let label = if r.label.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", r.label.replace('"', "\"\""))
        } else {
            r.label.clone()
        };
        for p in samples(sim, i) {
            let cols = [
                Some(p.point.x),
                Some(p.point.y),
                Some(p.loss),
                Some(p.grad_norm),
                Some(p.lr),
                p.effective_lr.map(|v| v.x),
                p.effective_lr.map(|v| v.y),
                p.averaged.map(|v| v.x),
                p.averaged.map(|v| v.y),
            ];
            let cols: Vec<String> = cols.into_iter().map(field).collect();
            writeln!(s, "{label},{},{},{}", p.step, p.evaluations, cols.join(",")).unwrap();
        }
    }
    s
}

#[derive(Serialize)]
struct Report<'a> {
    scenario: &'a str,
    objective: String,
    steps: usize,
    runs: Vec<ReportRun<'a>>,
}

#[derive(Serialize)]
struct ReportRun<'a> {
    label: &'a str,
    optimizer: &'static str,
    status: &'static str,
    stopped_at: Option<usize>,
    message: String,
    steps: Vec<ReportStep>,
}

#[derive(Serialize)]
struct ReportStep {
    step: usize,
    evaluations: u64,
    x: f64,
    y: f64,
    loss: f64,
    grad_norm: f64,
    lr: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    effective_lr: Option<[f64; 2]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    averaged: Option<[f64; 2]>,
}

/// The JSON document `run` built from the whole simulation.
fn expected_json(scenario: &Scenario, sim: &Simulation) -> String {
    let report = Report {
        scenario: &scenario.spec.name,
        objective: scenario.objective.formula(),
        steps: sim.runs().iter().map(Run::steps_done).max().unwrap_or(0),
        runs: scenario
            .enabled_runs()
            .enumerate()
            .map(|(i, r)| {
                let status = sim.runs()[i].status();
                let (state, stopped_at) = match status {
                    RunStatus::Running => ("ok", None),
                    RunStatus::Stopped {
                        step,
                        reason: Stop::Failed(_),
                    } => ("stopped", Some(*step)),
                    RunStatus::Stopped { step, .. } => ("diverged", Some(*step)),
                };
                ReportRun {
                    label: &r.label,
                    optimizer: r.config.optimizer.name(),
                    status: state,
                    stopped_at,
                    message: status.describe(),
                    steps: samples(sim, i)
                        .into_iter()
                        .map(|s| ReportStep {
                            step: s.step,
                            evaluations: s.evaluations,
                            x: s.point.x,
                            y: s.point.y,
                            loss: s.loss,
                            grad_norm: s.grad_norm,
                            lr: s.lr,
                            effective_lr: s.effective_lr.map(|v| [v.x, v.y]),
                            averaged: s.averaged.map(|v| [v.x, v.y]),
                        })
                        .collect(),
                }
            })
            .collect(),
    };
    serde_json::to_string(&report).unwrap() + "\n"
}

/// Every float of the CSV parses back to the sample's f64, bit for bit.
fn assert_floats_read_back(csv: &str, sim: &Simulation) {
    let mut rows = csv.lines().skip(1);
    for i in 0..sim.runs().len() {
        for s in samples(sim, i) {
            let row = rows.next().unwrap();
            // The label may hold commas: the numbers are the last eleven fields.
            let cols: Vec<&str> = row.rsplitn(12, ',').collect();
            let read = |c: &str| (!c.is_empty()).then(|| c.parse::<f64>().unwrap().to_bits());
            let bits = |v: f64| Some(v.to_bits());
            let want = [
                s.averaged.and_then(|v| bits(v.y)),
                s.averaged.and_then(|v| bits(v.x)),
                s.effective_lr.and_then(|v| bits(v.y)),
                s.effective_lr.and_then(|v| bits(v.x)),
                bits(s.lr),
                bits(s.grad_norm),
                bits(s.loss),
                bits(s.point.y),
                bits(s.point.x),
            ];
            for (c, w) in cols.iter().zip(want) {
                assert_eq!(read(c), w, "{row}");
            }
            assert_eq!(cols[9].parse::<u64>().unwrap(), s.evaluations, "{row}");
            assert_eq!(cols[10].parse::<usize>().unwrap(), s.step, "{row}");
        }
    }
    assert!(rows.next().is_none(), "no rows beyond the samples");
}

fn check(scenario: &Scenario, steps: usize, what: &str) {
    let sim = in_memory(scenario, steps);
    let csv = output(scenario, steps, Format::Csv);
    assert!(csv == expected_csv(scenario, &sim), "{what}: CSV differs");
    assert_floats_read_back(&csv, &sim);
    let json = output(scenario, steps, Format::Json);
    assert!(
        json == expected_json(scenario, &sim),
        "{what}: JSON differs"
    );
}

#[test]
fn streamed_output_is_the_whole_simulation_s_for_every_shipped_preset() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("presets");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .collect();
    files.sort();
    assert!(files.len() >= 10);
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let name = file.display().to_string();
        let scenario = scenario::parse(&text, &name).unwrap();
        // Past a chunk of steps, so rows cross the writes.
        let steps = scenario.spec.steps.max(10_000);
        check(&scenario, steps, &name);
    }
}

#[test]
fn streamed_output_agrees_on_averages_divergence_and_edge_cases() {
    let cases = [
        // An optimizer's own average (from step 1 on), Polyak's and a tail average, and a run
        // that diverges.
        "(objective: Rosenbrock(), runs: [
            (label: \"ASGD, \\\"own\\\" average\", optimizer: ASGD(lr: 0.001, t0: 5.0)),
            (optimizer: ScheduleFreeAdamW(lr: 0.01), averaging: Polyak(start: 10)),
            (optimizer: Adam(lr: 0.01), averaging: Tail(last: 7)),
            (optimizer: GD(lr: 0.01)),
            (optimizer: GD(lr: 0.1), enabled: false),
        ], noise: (kind: Gaussian(sigma: 0.5), seed: 3))",
        // A run whose start is not a point of the objective's domain records nothing.
        "(objective: Expression(text: \"sqrt(x) + y^2\"), runs: [
            (optimizer: GD(lr: 0.1), start: (-1.0, 1.0)),
            (optimizer: Adam(lr: 0.1), start: (1.0, 1.0)),
        ])",
    ];
    for (i, text) in cases.iter().enumerate() {
        let scenario = scenario::parse(text, "case.ron").unwrap();
        for steps in [0, 1, 2, 1023, 1024, 8191, 8192, 8193, 17_000] {
            check(&scenario, steps, &format!("case {i}, {steps} steps"));
        }
    }
}

/// `run --sharpness` adds the sharpness and edge columns, and they are the app's curve
/// (`sharpness::along` on the whole simulation) to the bit, across chunk and piece boundaries
/// (9000 steps: a chunk is 8192) where a schedule changes the learning rate every step, and for
/// an adaptive method, whose first row has no preconditioner yet.
#[test]
fn sharpness_columns_are_the_app_s_curve() {
    use optiviz::numerics::theory::sharpness;
    let text = "(objective: Quadratic(kappa: 10.0, l_max: 2.0, angle_deg: 20.0), runs: [\
        (label: \"gd\", optimizer: GD(lr: 0.9), start: (1.0, 1.0), schedule: Exponential(gamma: 0.9999)),\
        (label: \"adam\", optimizer: Adam(lr: 0.02), start: (1.0, 1.0), schedule: Exponential(gamma: 0.9999)),\
        (label: \"sgd\", optimizer: SGD(lr: 0.2, momentum: 0.9), start: (1.0, 1.0))])";
    let scenario = scenario::parse(text, "t.ron").unwrap();
    let steps = 9000;
    let mut buf = Vec::new();
    run(&scenario, Some(steps), Format::Csv, true, &mut buf).unwrap();
    let csv = String::from_utf8(buf).unwrap();
    let mut lines = csv.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .ends_with(",avg_x,avg_y,sharpness,edge")
    );
    let sim = in_memory(&scenario, steps);
    let mut rows = lines.map(|l| l.split(',').map(str::to_owned).collect::<Vec<_>>());
    for (i, r) in scenario.enabled_runs().enumerate() {
        let run = &sim.runs()[i];
        let curve = sharpness::along(&scenario.objective, &r.config, run.trajectory(), 0);
        let mut curve = curve.iter().peekable();
        for k in 0..=steps {
            let row = rows.next().unwrap();
            assert_eq!(row[0], r.label);
            assert_eq!(row[1], k.to_string());
            let (value, edge) = match curve.peek() {
                Some(c) if c.step == k => {
                    let c = curve.next().unwrap();
                    (Some(c.value), c.edge)
                }
                _ => (None, None),
            };
            assert_eq!(row[12], field(value), "{} step {k}", r.label);
            assert_eq!(row[13], field(edge), "{} step {k}", r.label);
        }
        assert!(curve.next().is_none());
    }
    assert!(rows.next().is_none());
    // JSON carries the same two fields.
    let mut buf = Vec::new();
    run(&scenario, Some(20), Format::Json, true, &mut buf).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&buf).unwrap();
    assert!(v["runs"][0]["steps"][0]["sharpness"].is_f64());
    assert!((v["runs"][0]["steps"][0]["edge"].as_f64().unwrap() - 2.0 / 0.9).abs() < 1e-12);
    assert!(
        v["runs"][1]["steps"][0].get("sharpness").is_none(),
        "Adam has no P before step 1"
    );
    assert!(v["runs"][1]["steps"][1]["sharpness"].is_f64());
}
