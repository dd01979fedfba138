//! `optiviz analyze`: the convergence theory of a preset and each run's predicted and measured
//! rate.
//!
//! The numbers come from the `numerics::theory` functions the theory panel draws. The
//! Hessian is taken where [`theory::point_of_analysis`] says: for a quadratic the exact one at
//! its minimum (from the parameters); for any other objective at each run's start point (what
//! the panel shows for that run at step 0) and at the stationary point the run ends at
//! ([`theory::RunEnd`]: the known critical point nearest to its last point, a saddle as well as
//! a minimum), where the local theory predicts the asymptotic rate. Only a (near-)stationary
//! point is given a kind; elsewhere the report says "not stationary" with |g|. The measured rate is [`theory::RunFit`]'s: a least-squares
//! fit of log |x_k - x*| over the last half of the run before the error falls below 1e-12 of
//! its start (past that, rounding of x_k rather than the method sets the error).

use crate::numerics::Vec2;
use crate::numerics::noise::NoiseKind;
use crate::numerics::objectives::{Landmarks, PointKind};
use crate::numerics::optimizers::OptimizerSpec;
use crate::numerics::run::{Run, RunStatus, Stop};
use crate::numerics::theory::{
    self, Character, EndPrediction, PointOfAnalysis, Prediction, RunEnd, RunFit,
};
use crate::scenario::{CheckedRun, Scenario};
use anyhow::{Context, Result};
use serde::Serialize;
use serde_json::Value;
use std::fmt::Write as _;
use std::io::Write;

/// Samples kept per run: longer runs are thinned, and the fit converts back to steps. The
/// app's capacity (`ui::session::CAPACITY`), so that a long run is thinned, and fitted, as the
/// theory panel sees it.
const CAPACITY: usize = 1 << 17;
/// Points of the measured curves, which are for drawing: analyze prints only the numbers.
const CURVE_POINTS: usize = 1;

/// Everything `analyze` reports (the JSON document).
#[derive(Debug, Serialize)]
pub struct Report {
    scenario: String,
    objective: String,
    /// True when the Hessian is constant and exact (a quadratic).
    quadratic: bool,
    steps: usize,
    /// The quadratic's Hessian at its minimum; `None` for other objectives.
    hessian: Option<HessianReport>,
    runs: Vec<RunReport>,
}

/// The spectrum of a Hessian at a point.
#[derive(Debug, Serialize)]
struct HessianReport {
    at: [f64; 2],
    matrix: [[f64; 2]; 2],
    /// Ascending.
    eigenvalues: [f64; 2],
    /// Unit, one per eigenvalue.
    eigenvectors: [[f64; 2]; 2],
    /// |l|max / |l|min; null when the Hessian is singular (infinite).
    kappa: Option<f64>,
    /// "minimum", "saddle", "maximum", "degenerate" (no linear rate) or "not stationary".
    kind: &'static str,
    /// |grad f| at the point.
    grad_norm: f64,
    /// g'Hg / g'g, the curvature along the gradient: along -g the second-order model's loss
    /// rises for steps beyond 2 g'g / g'Hg. Null where g = 0.
    curvature_along_gradient: Option<f64>,
    /// Optimal steps and rates of the local quadratic model, where both eigenvalues are
    /// positive (at a point that is not stationary they describe the local curvature only).
    gd: Option<GdReport>,
    heavy_ball: Option<HeavyBallReport>,
}

#[derive(Debug, Serialize)]
struct GdReport {
    optimal_step: f64,
    optimal_rate: f64,
    one_over_l_step: f64,
    one_over_l_rate: f64,
    divergence_step: f64,
}

#[derive(Debug, Serialize)]
struct HeavyBallReport {
    lr: f64,
    momentum: f64,
    rate: f64,
}

#[derive(Debug, Serialize)]
struct RunReport {
    label: String,
    optimizer: &'static str,
    /// As in the preset (every field, defaults included).
    hyperparameters: Value,
    start: [f64; 2],
    /// "ok", "diverged" or "stopped".
    status: &'static str,
    message: String,
    /// The run sees gradient noise (the theory is for exact gradients).
    noisy: bool,
    /// The run is projected onto a box domain (the theory is for the whole plane).
    projected: bool,
    /// Not a quadratic: the Hessian at the start point.
    start_hessian: Option<HessianReport>,
    /// Not a quadratic: the Hessian at the stationary point the run ends at (the known critical
    /// point nearest to its last point, of any kind).
    end_hessian: Option<HessianReport>,
    /// The formula of the prediction, or why there is none.
    theory: String,
    predicted_rate: Option<f64>,
    /// The slowest mode has a double root: the error behaves like k rate^k.
    double_root: bool,
    /// What the measured rate is fitted to.
    error: &'static str,
    measured_rate: Option<f64>,
    /// First and last step of the fit.
    fitted_steps: Option<[usize; 2]>,
    /// The error at the last step (|x_k - x*| or |grad f(x_k)|).
    final_error: Option<f64>,
    /// Per-example gradient evaluations the run spent (its cost, see `Sample::evaluations`).
    evaluations: u64,
    /// Not a quadratic, but convex with a known L from this run's start: the sublinear view.
    sublinear: Option<SublinearReport>,
}

/// The course's sublinear bounds against a run (`theory::SmoothConvex`), at its last step k.
#[derive(Debug, Serialize)]
struct SublinearReport {
    /// L: the largest curvature on the sublevel set of the start.
    l: f64,
    x_star: [f64; 2],
    /// |x_0 - x*|^2.
    distance2: f64,
    /// The last step k.
    step: usize,
    /// f(x_k) - f*.
    gap: f64,
    /// k (f(x_k) - f*): bounded for a 1/k rate.
    k_gap: f64,
    /// k^2 (f(x_k) - f*): bounded for a 1/k^2 rate.
    k2_gap: f64,
    /// Least-squares slope of log(f - f*) against log k over the last decade of steps.
    log_log_slope: Option<f64>,
    /// GD's bound L r^2 / (2k) at lr = 1/L.
    gd_bound: f64,
    /// Nesterov's bound 2 L r^2 / (k + 1)^2 at lr = 1/L.
    nesterov_bound: f64,
    /// The first-order lower bound 3 L r^2 / (32 (k + 1)^2) (worst case in many dimensions).
    lower_bound: f64,
}

/// The sublinear report of a run that ended at step `k`, when the bounds apply.
#[allow(clippy::cast_precision_loss, reason = "step counts far below 2^52")]
fn sublinear_report(
    scenario: &Scenario,
    checked: &CheckedRun,
    run: &Run,
) -> Option<SublinearReport> {
    let b = theory::smooth_convex(&scenario.objective, checked.config.start, &scenario.view)?;
    let t = run.trajectory();
    let latest = t.latest()?;
    let k = latest.step;
    let gap = latest.loss - b.f_star;
    let steps: Vec<usize> = (0..t.len()).map(|i| i * t.stride()).collect();
    let from = steps.partition_point(|s| *s < (k / 10).max(1));
    let kf = k as f64;
    Some(SublinearReport {
        l: b.l,
        x_star: [b.x_star.x, b.x_star.y],
        distance2: b.distance2,
        step: k,
        gap,
        k_gap: kf * gap,
        k2_gap: kf * kf * gap,
        log_log_slope: theory::log_log_slope(&steps[from..], &t.losses()[from..], b.f_star),
        gd_bound: b.gd_bound(kf),
        nesterov_bound: b.nesterov_bound(kf),
        lower_bound: b.lower_bound(kf),
    })
}

/// Analyzes the scenario and writes text or JSON.
pub fn write(scenario: &Scenario, json: bool, out: &mut dyn Write) -> Result<()> {
    let report = analyze(scenario)?;
    if json {
        serde_json::to_writer_pretty(&mut *out, &report).context("writing JSON")?;
        writeln!(out)?;
    } else {
        write_text(&report, out)?;
    }
    Ok(())
}

/// Simulates every enabled run for the scenario's steps and compares it with the theory.
pub fn analyze(scenario: &Scenario) -> Result<Report> {
    let f = &scenario.objective;
    let steps = scenario.spec.steps;
    let mut sim = scenario
        .simulation(CAPACITY.min(steps.saturating_add(1)))
        .context("building the runs")?;
    sim.advance_to(steps);
    // Without a run's point the rule gives a quadratic's exact minimum, and nothing otherwise.
    let exact = theory::point_of_analysis(f, None);
    let runs = scenario
        .enabled_runs()
        .zip(sim.runs())
        .map(|(checked, run)| {
            let last = run
                .trajectory()
                .latest()
                .map_or(checked.config.start, |s| s.point);
            // A quadratic's minimum is exact; otherwise the stationary point the run ends at.
            let end = match &exact {
                Some(p) => RunEnd {
                    x_star: p.minimum(),
                    point: Some(*p),
                },
                None => RunEnd::of(f, last),
            };
            // What the panel shows for this run at step 0 (a quadratic's is the one above).
            let (start_hessian, end_hessian) = if exact.is_some() {
                (None, None)
            } else {
                (
                    theory::point_of_analysis(f, Some(checked.config.start))
                        .map(|p| hessian_report(&p)),
                    end.point.as_ref().map(hessian_report),
                )
            };
            let prediction = theory::predict_at_end(&checked.config, end.point.as_ref());
            let mut report = run_report(
                checked,
                run,
                steps,
                end.x_star,
                prediction,
                start_hessian,
                end_hessian,
            );
            if exact.is_none() {
                report.sublinear = sublinear_report(scenario, checked, run);
            }
            report
        })
        .collect();
    let hessian = exact.as_ref().map(hessian_report);
    Ok(Report {
        scenario: scenario.spec.name.clone(),
        objective: f.formula(),
        quadratic: exact.is_some(),
        steps,
        hessian,
        runs,
    })
}

fn kind_name(character: Character) -> &'static str {
    match character {
        Character::Stationary(PointKind::Minimum) => "minimum",
        Character::Stationary(PointKind::Maximum) => "maximum",
        Character::Stationary(PointKind::Saddle) => "saddle",
        Character::Stationary(PointKind::Degenerate) => "degenerate",
        Character::NotStationary => "not stationary",
    }
}

fn hessian_report(p: &PointOfAnalysis) -> HessianReport {
    let (at, h, s) = (p.at, &p.hessian, &p.spectrum);
    let theory = s.theory();
    HessianReport {
        at: [at.x, at.y],
        matrix: [[h[(0, 0)], h[(0, 1)]], [h[(1, 0)], h[(1, 1)]]],
        eigenvalues: s.eigenvalues,
        eigenvectors: s.eigenvectors.map(|v| [v.x, v.y]),
        kappa: s.kappa.is_finite().then_some(s.kappa),
        kind: kind_name(p.character),
        grad_norm: p.gradient.x.hypot(p.gradient.y),
        curvature_along_gradient: theory::curvature_along_gradient(p.gradient, h),
        gd: theory.map(|t| GdReport {
            optimal_step: t.gd_optimal_step,
            optimal_rate: t.gd_optimal_rate,
            one_over_l_step: t.gd_one_over_l_step,
            one_over_l_rate: t.gd_one_over_l_rate,
            divergence_step: t.gd_divergence_step,
        }),
        heavy_ball: theory.map(|t| HeavyBallReport {
            lr: t.heavy_ball_step,
            momentum: t.heavy_ball_momentum,
            rate: t.heavy_ball_rate,
        }),
    }
}

/// The optimizer's parameters as a JSON object (the variant's content).
fn params_value(spec: &OptimizerSpec) -> Value {
    match serde_json::to_value(spec) {
        Ok(Value::Object(map)) => map.into_iter().next().map_or(Value::Null, |(_, v)| v),
        _ => Value::Null,
    }
}

fn run_report(
    checked: &CheckedRun,
    run: &Run,
    steps: usize,
    x_star: Option<Vec2>,
    end: EndPrediction,
    start_hessian: Option<HessianReport>,
    end_hessian: Option<HessianReport>,
) -> RunReport {
    let EndPrediction { prediction, caveat } = end;
    let (mut theory, predicted_rate, double_root) = match &prediction {
        Prediction::Rate {
            rate,
            formula,
            double_root,
        } => ((*formula).to_owned(), Some(*rate), *double_root),
        Prediction::NoClosedForm(why) => (why.clone(), None, false),
    };
    if let Some(caveat) = caveat {
        let _ = write!(theory, " ({caveat})");
    }
    let t = run.trajectory();
    // |x_k - x*| when the end point is known, else |grad f(x_k)| (same asymptotic rate near a
    // non-degenerate stationary point).
    let (fit, error) = match x_star {
        Some(x) => (
            RunFit::new(t, x, prediction, steps, CURVE_POINTS),
            if double_root {
                "|x_k - x*| / k"
            } else {
                "|x_k - x*|"
            },
        ),
        None => (
            RunFit::of_errors(t.grad_norms(), t.stride(), prediction, steps, CURVE_POINTS),
            "|grad f(x_k)|",
        ),
    };
    let status = match run.status() {
        RunStatus::Running => "ok",
        RunStatus::Stopped {
            reason: Stop::Failed(_),
            ..
        } => "stopped",
        RunStatus::Stopped { .. } => "diverged",
    };
    let start = checked.config.start;
    RunReport {
        label: checked.label.clone(),
        optimizer: checked.config.optimizer.name(),
        hyperparameters: params_value(&checked.config.optimizer),
        start: [start.x, start.y],
        status,
        message: run.status().describe(),
        noisy: checked.config.noise.kind != NoiseKind::None,
        projected: checked.config.domain.is_some(),
        start_hessian,
        end_hessian,
        theory,
        predicted_rate,
        double_root,
        error,
        measured_rate: fit.measured_rate(),
        fitted_steps: fit.fit.map(|f| f.steps),
        final_error: fit.final_error,
        evaluations: t.latest().map_or(0, |s| s.evaluations),
        sublinear: None,
    }
}

// ---------------------------------------------------------------------------------------------
// Text output.

/// A number for reading: 7 significant digits, trailing zeros dropped.
fn num(x: f64) -> String {
    if x.is_nan() {
        return "NaN".to_owned();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.to_owned();
    }
    if x == 0.0 {
        return "0".to_owned();
    }
    let a = x.abs();
    if (1e-4..1e7).contains(&a) {
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "log10 of a number in [1e-4, 1e7) is in [-4, 7)"
        )]
        let decimals = (6 - a.log10().floor() as i32).clamp(0, 12) as usize;
        trim_zeros(&format!("{x:.decimals$}"))
    } else {
        let s = format!("{x:.6e}");
        match s.split_once('e') {
            Some((mantissa, exp)) => format!("{}e{exp}", trim_zeros(mantissa)),
            None => s,
        }
    }
}

fn trim_zeros(s: &str) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s.to_owned()
    }
}

fn point(p: [f64; 2]) -> String {
    format!("({}, {})", num(p[0]), num(p[1]))
}

/// A hyperparameter value written as in a preset.
fn ron_value(v: &Value) -> String {
    match v {
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(ron_value).collect();
            format!("({})", parts.join(", "))
        }
        // An enum variant with data: `Constant(0.8)`, `Polyak(start: 10)`.
        Value::Object(map) if map.len() == 1 && map.keys().all(|k| is_variant(k)) => map
            .iter()
            .map(|(k, v)| match v {
                Value::Object(_) | Value::Array(_) => format!("{k}{}", ron_value(v)),
                _ => format!("{k}({})", ron_value(v)),
            })
            .collect(),
        Value::Object(map) => {
            let parts: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{k}: {}", ron_value(v)))
                .collect();
            format!("({})", parts.join(", "))
        }
        // A unit enum variant is written bare, as in a preset.
        Value::String(text) if is_variant(text) => text.clone(),
        Value::Number(n) => match n.as_f64() {
            // Rust's shortest round-trip form: 1 rather than 1.0, the preset's digits otherwise.
            Some(x) => format!("{x}"),
            None => n.to_string(),
        },
        other => other.to_string(),
    }
}

/// True for names like `StrongWolfe`: serde's spelling of an enum variant.
fn is_variant(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_uppercase()) && name.chars().all(char::is_alphanumeric)
}

/// "SGD(lr: 1, momentum: 0.9)": the learning rate and every parameter that is not torch's
/// default.
fn optimizer_text(name: &str, params: &Value) -> String {
    let default = OptimizerSpec::all_defaults()
        .into_iter()
        .find(|d| d.name() == name)
        .map(|d| params_value(&d));
    let Value::Object(map) = params else {
        return name.to_owned();
    };
    // lr first, then the others in name order.
    let lr = map.get("lr").map(|v| format!("lr: {}", ron_value(v)));
    let parts: Vec<String> = lr
        .into_iter()
        .chain(
            map.iter()
                .filter(|(k, v)| {
                    k.as_str() != "lr"
                        && default.as_ref().and_then(|d| d.get(k.as_str())) != Some(*v)
                })
                .map(|(k, v)| format!("{k}: {}", ron_value(v))),
        )
        .collect();
    format!("{name}({})", parts.join(", "))
}

/// A unit vector's components, with rounding noise (|v_i| < 1e-14) shown as 0.
fn direction(v: [f64; 2]) -> String {
    point(v.map(|x| if x.abs() < 1e-14 { 0.0 } else { x }))
}

/// Width of the label column of every block, so that the tables line up.
const LABEL: usize = 12;

fn label(text: &str) -> String {
    format!("{text:<LABEL$}")
}

fn write_hessian(out: &mut dyn Write, indent: &str, h: &HessianReport) -> std::io::Result<()> {
    let [l1, l2] = h.eigenvalues;
    let [v1, v2] = h.eigenvectors;
    let kappa = h
        .kappa
        .map_or_else(|| "inf (the Hessian is singular)".to_owned(), num);
    write_table(
        out,
        indent,
        &[
            vec![label("eigenvalues"), num(l1), num(l2)],
            vec![label("eigenvectors"), direction(v1), direction(v2)],
            vec![label("kappa"), kappa],
        ],
    )?;
    // Its own line: a long kind would widen the table's columns.
    writeln!(out, "{indent}{}  {}", label("kind"), kind_text(h))?;
    if let Some(c) = h.curvature_along_gradient {
        let rises = if c > 0.0 {
            format!(
                "the model's loss rises for lr > 2 g'g/g'Hg = {}",
                num(2.0 / c)
            )
        } else {
            "the model's loss never rises along -g".to_owned()
        };
        writeln!(
            out,
            "{indent}{}  g'Hg/g'g = {}: {rises}",
            label("along -g"),
            num(c)
        )?;
    }
    let (Some(gd), Some(hb)) = (&h.gd, &h.heavy_ball) else {
        return Ok(());
    };
    let cell = |s: &str| s.to_owned();
    write_table(
        out,
        indent,
        &[
            vec![
                label("GD"),
                cell("a* = 2/(l_min + l_max) ="),
                num(gd.optimal_step),
                cell("rate (kappa - 1)/(kappa + 1) ="),
                num(gd.optimal_rate),
            ],
            vec![
                label(""),
                cell("1/L = 1/l_max ="),
                num(gd.one_over_l_step),
                cell("rate 1 - 1/kappa ="),
                num(gd.one_over_l_rate),
            ],
            vec![
                label(""),
                cell("divergence edge 2/l_max ="),
                num(gd.divergence_step),
            ],
        ],
    )?;
    write_table(
        out,
        indent,
        &[
            vec![
                label("heavy ball"),
                cell("a* = (2/(sqrt(l_max) + sqrt(l_min)))^2 ="),
                num(hb.lr),
            ],
            vec![
                label(""),
                cell("b* = ((sqrt(kappa) - 1)/(sqrt(kappa) + 1))^2 ="),
                num(hb.momentum),
            ],
            vec![
                label(""),
                cell("rate (sqrt(kappa) - 1)/(sqrt(kappa) + 1) ="),
                num(hb.rate),
            ],
        ],
    )
}

/// The kind row: what the point is, and what follows for the theory.
fn kind_text(h: &HessianReport) -> String {
    match h.kind {
        "not stationary" => format!(
            "not stationary, |g| = {} (the eigenvalues are the local curvature only)",
            num(h.grad_norm)
        ),
        "degenerate" => "degenerate: no linear rate (the curvature vanishes here)".to_owned(),
        kind => kind.to_owned(),
    }
}

/// Writes rows as left-aligned columns separated by two spaces.
fn write_table(out: &mut dyn Write, indent: &str, rows: &[Vec<String>]) -> std::io::Result<()> {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in rows {
        let mut line = indent.to_owned();
        for (c, cell) in row.iter().enumerate() {
            line.push_str(cell);
            if c + 1 < row.len() {
                line.push_str(&" ".repeat(widths[c] - cell.chars().count() + 2));
            }
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

/// Labels of the runs, as a list for a heading.
fn labels(runs: &[&RunReport]) -> String {
    let names: Vec<String> = runs.iter().map(|r| format!("\"{}\"", r.label)).collect();
    names.join(", ")
}

/// The distinct Hessians of the runs (start points, then minima), each with the runs it
/// belongs to, in order of first appearance.
fn distinct_hessians<'a>(
    runs: &'a [RunReport],
    pick: impl Fn(&'a RunReport) -> Option<&'a HessianReport>,
) -> Vec<(&'a HessianReport, Vec<&'a RunReport>)> {
    let mut groups: Vec<(&HessianReport, Vec<&RunReport>)> = Vec::new();
    for run in runs {
        if let Some(h) = pick(run) {
            match groups.iter_mut().find(|(g, _)| g.at == h.at) {
                Some((_, members)) => members.push(run),
                None => groups.push((h, vec![run])),
            }
        }
    }
    groups
}

/// What a run's end point is called in a heading: "minimum", "saddle", "maximum", "degenerate
/// point" or "point".
fn end_name(h: &HessianReport) -> &'static str {
    match h.kind {
        "degenerate" => "degenerate point",
        "not stationary" => "point",
        kind => kind,
    }
}

/// Not a quadratic: the Hessians at the runs' start points and at the points they end at.
fn write_local_hessians(out: &mut dyn Write, runs: &[RunReport]) -> std::io::Result<()> {
    writeln!(
        out,
        "\nNot a quadratic: Hessians at the runs' start points, and at the stationary point \
         each run ends at (the known one nearest to its last point)."
    )?;
    for (h, members) in distinct_hessians(runs, |run| run.start_hessian.as_ref()) {
        let s = if members.len() == 1 { "" } else { "s" };
        writeln!(
            out,
            "\nHessian at {}, the start of run{s} {}",
            point(h.at),
            labels(&members)
        )?;
        write_hessian(out, "  ", h)?;
    }
    for (h, members) in distinct_hessians(runs, |run| run.end_hessian.as_ref()) {
        writeln!(
            out,
            "\nHessian at the {} {}, where {} end{}",
            end_name(h),
            point(h.at),
            labels(&members),
            if members.len() == 1 { "s" } else { "" }
        )?;
        write_hessian(out, "  ", h)?;
    }
    let lost: Vec<&RunReport> = runs
        .iter()
        .filter(|run| run.end_hessian.is_none())
        .collect();
    if !lost.is_empty() {
        writeln!(out, "\nNo known stationary point for {}.", labels(&lost))?;
    }
    Ok(())
}

fn write_text(r: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "{}", r.scenario)?;
    writeln!(out, "objective: {}", r.objective)?;
    if let Some(h) = &r.hessian {
        writeln!(
            out,
            "\nHessian at the minimum {} (exact: the objective is a quadratic)",
            point(h.at)
        )?;
        write_hessian(out, "  ", h)?;
    } else {
        write_local_hessians(out, &r.runs)?;
    }
    writeln!(
        out,
        "\nRuns, {} steps. Predicted: the asymptotic rate |x_(k+1) - x*| / |x_k - x*| from the\n\
         Hessian at x*. Measured: a least-squares fit of log |x_k - x*| over the last half of the\n\
         run before the error falls below 1e-12 of its start.",
        r.steps
    )?;
    let mut rows = vec![
        [
            "run",
            "optimizer",
            "predicted",
            "measured",
            "fitted steps",
            "status",
        ]
        .map(str::to_owned)
        .to_vec(),
    ];
    for run in &r.runs {
        rows.push(vec![
            run.label.clone(),
            optimizer_text(run.optimizer, &run.hyperparameters),
            run.predicted_rate.map_or_else(|| "-".to_owned(), num),
            run.measured_rate.map_or_else(|| "-".to_owned(), num),
            run.fitted_steps
                .map_or_else(|| "-".to_owned(), |[a, b]| format!("{a}..{b}")),
            run.message.clone(),
        ]);
    }
    write_table(out, "  ", &rows)?;
    writeln!(out)?;
    let notes: Vec<Vec<String>> = r
        .runs
        .iter()
        .map(|run| {
            let mut note = if run.predicted_rate.is_some() {
                format!("rate = {}; fitted {}", run.theory, run.error)
            } else {
                format!("{}; fitted {}", run.theory, run.error)
            };
            if run.double_root {
                note.push_str(" (a double root: the error behaves like k rate^k)");
            }
            if run.noisy {
                note.push_str("; noisy gradients, the theory is for exact ones");
            }
            if run.projected {
                note.push_str("; projected onto the domain, the theory is for the whole plane");
            }
            // Near a stationary point of a non-quadratic the rate is only local.
            if let (Some(h), Some(last), Some(_)) =
                (&run.end_hessian, run.final_error, run.predicted_rate)
                && last > 1e-3 * (1.0 + (h.at[0] - run.start[0]).hypot(h.at[1] - run.start[1]))
            {
                let _ = write!(
                    note,
                    "; ends {} from the {}, the local rate holds only close to it",
                    num(last),
                    end_name(h)
                );
            }
            vec![format!("{}:", run.label), note]
        })
        .collect();
    write_table(out, "  ", &notes)?;
    write_sublinear(out, &r.runs)
}

/// The sublinear table, for runs on a convex objective with a known L (not a quadratic).
fn write_sublinear(out: &mut dyn Write, runs: &[RunReport]) -> std::io::Result<()> {
    let with: Vec<(&RunReport, &SublinearReport)> = runs
        .iter()
        .filter_map(|r| r.sublinear.as_ref().map(|s| (r, s)))
        .collect();
    let Some((_, first)) = with.first() else {
        return Ok(());
    };
    writeln!(
        out,
        "\nSublinear rates. Convex on the sublevel set of the start: L = {} (the largest curvature\n\
         there), x* = {}.\n\
         Bounds at the last step k for lr = 1/L: GD L r^2/(2k), Nesterov 2 L r^2/(k+1)^2 (the lower\n\
         bound 3 L r^2/(32 (k+1)^2) binds only a worst-case function in many dimensions). Slope: of\n\
         log(f - f*) against log k over the last decade of steps (-1 for 1/k, -2 for 1/k^2).",
        num(first.l),
        point(first.x_star)
    )?;
    let mut rows = vec![
        [
            "run",
            "f - f*",
            "k (f - f*)",
            "k^2 (f - f*)",
            "slope",
            "GD bound",
            "Nesterov bound",
        ]
        .map(str::to_owned)
        .to_vec(),
    ];
    for (r, s) in with {
        rows.push(vec![
            r.label.clone(),
            num(s.gap),
            num(s.k_gap),
            num(s.k2_gap),
            s.log_log_slope.map_or_else(|| "-".to_owned(), num),
            num(s.gd_bound),
            num(s.nesterov_bound),
        ]);
    }
    write_table(out, "  ", &rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(num(1.980_198_019_801_980_2), "1.980198");
        assert_eq!(num(0.980_198_019_801_980_2), "0.980198");
        assert_eq!(num(0.818_181_818_181_818_2), "0.8181818");
        assert_eq!(num(0.01), "0.01");
        assert_eq!(num(100.0), "100");
        assert_eq!(num(-2.5), "-2.5");
        assert_eq!(num(1e-9), "1e-9");
        assert_eq!(num(1.234_567_89e12), "1.234568e12");
        assert_eq!(num(f64::INFINITY), "inf");
        assert_eq!(num(0.0), "0");
    }

    #[test]
    fn optimizer_text_shows_lr_and_what_differs_from_the_defaults() {
        let spec = OptimizerSpec::SGD(crate::numerics::optimizers::SgdParams {
            lr: 1.0,
            momentum: 0.9,
            ..Default::default()
        });
        assert_eq!(
            optimizer_text(spec.name(), &params_value(&spec)),
            "SGD(lr: 1, momentum: 0.9)"
        );
        let adam = OptimizerSpec::Adam(crate::numerics::optimizers::AdamParams {
            betas: (0.5, 0.999),
            ..Default::default()
        });
        assert_eq!(
            optimizer_text(adam.name(), &params_value(&adam)),
            "Adam(lr: 0.001, betas: (0.5, 0.999))"
        );
        let nag = OptimizerSpec::NAG(crate::numerics::optimizers::NagParams {
            momentum: crate::numerics::optimizers::NagMomentum::Constant(0.8),
            ..Default::default()
        });
        assert!(
            optimizer_text(nag.name(), &params_value(&nag)).contains("momentum: Constant(0.8)")
        );
        let lbfgs = OptimizerSpec::LBFGS(crate::numerics::optimizers::LbfgsParams {
            line_search_fn: crate::numerics::optimizers::LineSearch::StrongWolfe,
            ..Default::default()
        });
        assert!(
            optimizer_text(lbfgs.name(), &params_value(&lbfgs))
                .contains("line_search_fn: StrongWolfe")
        );
    }
}
