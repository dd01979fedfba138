//! The Network page's layout, checked on what a frame paints (egui_kittest, no window or GPU):
//! decision boundaries fill their panes whatever the data's aspect, log axes read whole
//! decades from the first frame, and at projector size the legend row sits above usable
//! metric plots with every tick label whole.
#![cfg(feature = "gui")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on purpose"
)]

mod common;

use common::{app_with_preset_sized, painted, painted_texts, preset, tempdir};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use optiviz::ui::OptivizApp;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The accessible names of the three metric plots.
const METRIC_PLOTS: [&str; 3] = ["loss (log)", "accuracy (%)", "|grad| (log)"];

/// The enabled runs' labels, in the runs' order.
fn run_labels(h: &Harness<'_, OptivizApp>) -> Vec<String> {
    h.state()
        .mlp()
        .unwrap()
        .scenario()
        .enabled_runs()
        .map(|r| r.label.clone())
        .collect()
}

/// The rect of the canvas labelled `label`.
fn canvas(h: &Harness<'_, OptivizApp>, label: &str) -> egui::Rect {
    h.get_by_label(label).rect()
}

/// Every textured mesh (not the font atlas) the last frame painted, as the part of it that was
/// visible (its bounds within its clip rect).
fn textured_meshes(h: &Harness<'_, OptivizApp>) -> Vec<egui::Rect> {
    painted(h)
        .into_iter()
        .filter_map(|(clip, shape)| match shape {
            egui::Shape::Mesh(mesh) if mesh.texture_id != egui::TextureId::default() => {
                Some(mesh.calc_bounds().intersect(clip))
            }
            _ => None,
        })
        .filter(egui::Rect::is_positive)
        .collect()
}

/// The metric plot (index into `plots`) and axis (0 for x, 1 for y) a text centred at `at`
/// belongs to: below a plot's frame (x ticks and title) or left of it (y ticks and title).
fn axis_owner(plots: &[egui::Rect], at: egui::Pos2) -> Option<(usize, usize)> {
    plots.iter().enumerate().find_map(|(k, p)| {
        let x_axis = at.x >= p.left() - 30.0
            && at.x <= p.right() + 30.0
            && at.y >= p.bottom()
            && at.y <= p.bottom() + 60.0;
        let y_axis = at.x >= p.left() - 90.0
            && at.x <= p.left()
            && at.y >= p.top() - 6.0
            && at.y <= p.bottom() + 6.0;
        if y_axis {
            Some((k, 1))
        } else if x_axis {
            Some((k, 0))
        } else {
            None
        }
    })
}

/// No painted text reads like the broken log axis (1e1000, 1e-1000, 1e-0), and no tick label
/// repeats within one metric plot.
fn assert_axes_read_well(h: &Harness<'_, OptivizApp>, when: &str) {
    let texts = painted_texts(h);
    for (t, _, _) in &texts {
        assert!(
            !t.contains("1e1000") && !t.contains("1e-1000") && t != "1e-0",
            "{when}: an axis label reads {t:?}"
        );
    }
    let plots: Vec<egui::Rect> = METRIC_PLOTS.iter().map(|l| canvas(h, l)).collect();
    let mut seen: HashMap<(usize, usize, String), usize> = HashMap::new();
    for (t, rect, _) in &texts {
        if let Some((k, axis)) = axis_owner(&plots, rect.center()) {
            *seen.entry((k, axis, t.clone())).or_default() += 1;
        }
    }
    for ((k, axis, t), n) in &seen {
        assert_eq!(
            *n,
            1,
            "{when}: {t:?} appears {n} times on the {} axis of {}",
            ["x", "y"][*axis],
            METRIC_PLOTS[*k]
        );
    }
    for (k, name) in METRIC_PLOTS.iter().enumerate() {
        for (axis, title) in [(0, "step"), (1, *name)] {
            let texts: Vec<&String> = seen
                .keys()
                .filter(|(p, a, _)| *p == k && *a == axis)
                .map(|(_, _, t)| t)
                .collect();
            assert!(
                texts.iter().any(|t| *t == title),
                "{when}: {name} titles its axis {title:?}: {texts:?}"
            );
            assert!(
                texts.len() >= 3,
                "{when}: the {} axis of {name} has at least two tick labels: {texts:?}",
                ["x", "y"][axis]
            );
        }
    }
}

/// A copy of the shipped preset `name` in the projector theme, in a scratch folder.
fn projector_copy(name: &str) -> PathBuf {
    let text = std::fs::read_to_string(preset(name)).unwrap();
    let end = text.rfind(')').unwrap();
    let themed = format!("{}    theme: Projector,\n)\n", &text[..end]);
    let path = tempdir().join(Path::new(name).file_name().unwrap());
    std::fs::write(&path, themed).unwrap();
    path
}

#[test]
fn decision_boundaries_fill_their_panes_whatever_the_data_aspect() {
    for name in [
        "mlp/04-bad-scaling.ron",
        "mlp/05-bad-scaling-normalized.ron",
    ] {
        let mut h = app_with_preset_sized(&preset(name), egui::vec2(1280.0, 720.0));
        h.run_steps(2);
        let meshes = textured_meshes(&h);
        let labels = run_labels(&h);
        assert_eq!(labels.len(), 3);
        for label in labels {
            let pane = canvas(&h, &format!("decision boundary {label}"));
            assert!(
                pane.width() >= 100.0 && pane.height() >= 100.0,
                "{name}: the pane of {label} is usable: {pane:?}"
            );
            let picture = meshes
                .iter()
                .filter(|m| pane.contains(m.center()))
                .map(|m| m.intersect(pane))
                .max_by(|a, b| a.area().total_cmp(&b.area()))
                .unwrap_or_else(|| panic!("{name}: {label} has a boundary picture"));
            let (w, hgt) = (
                picture.width() / pane.width(),
                picture.height() / pane.height(),
            );
            assert!(
                w >= 0.8 && hgt >= 0.8,
                "{name}: the picture of {label} covers {:.0}% x {:.0}% of its pane",
                w * 100.0,
                hgt * 100.0
            );
        }
        if name.contains("04") {
            // x2 spans 100 times x1: independent scales, which the axes must say.
            let texts = painted_texts(&h);
            for title in ["x1", "x2"] {
                assert!(
                    texts.iter().filter(|(t, _, _)| t == title).count() >= 3,
                    "{name}: every pane names its axis {title}"
                );
            }
        }
    }
}

#[test]
fn log_axes_read_whole_decades_before_and_during_training() {
    let mut h = app_with_preset_sized(&preset("mlp/04-bad-scaling.ron"), egui::vec2(1280.0, 720.0));
    h.run_steps(2);
    assert_eq!(h.state().mlp().unwrap().training().steps_done(), 0);
    assert_axes_read_well(&h, "before training");
    for _ in 0..5 {
        h.get_by_label("Step").click();
        h.run_steps(2);
    }
    assert_eq!(h.state().mlp().unwrap().training().steps_done(), 5);
    assert_axes_read_well(&h, "after 5 steps");
    h.get_by_label("Play").click();
    h.run_steps(30);
    h.get_by_label("Pause").click();
    h.run_steps(3);
    assert!(h.state().mlp().unwrap().training().steps_done() > 5);
    assert_axes_read_well(&h, "after playing");
}

#[test]
fn the_legend_row_sits_above_usable_plots_at_projector_size() {
    let path = projector_copy("mlp/04-bad-scaling.ron");
    let mut h = app_with_preset_sized(&path, egui::vec2(1200.0, 700.0));
    assert_eq!(
        h.state().effective_theme(),
        optiviz::scenario::Theme::Projector
    );
    h.get_by_label("Play").click();
    h.run_steps(20);
    h.get_by_label("Pause").click();
    h.run_steps(3);

    let plots: Vec<egui::Rect> = METRIC_PLOTS.iter().map(|l| canvas(&h, l)).collect();
    for (name, p) in METRIC_PLOTS.iter().zip(&plots) {
        assert!(p.height() >= 100.0, "{name} is {:.0} pt tall", p.height());
        assert!(p.width() >= 100.0, "{name} is {:.0} pt wide", p.width());
    }
    let top = plots
        .iter()
        .map(egui::Rect::top)
        .fold(f32::INFINITY, f32::min);
    let panes_bottom = run_labels(&h)
        .iter()
        .map(|l| canvas(&h, &format!("decision boundary {l}")).bottom())
        .fold(f32::NEG_INFINITY, f32::max);
    let left = plots
        .iter()
        .map(egui::Rect::left)
        .fold(f32::INFINITY, f32::min)
        - 90.0;
    let texts = painted_texts(&h);
    // The legend row: between the panes and the plots, over the plots' columns.
    let in_row = |r: &egui::Rect| r.top() >= panes_bottom && r.left() >= left;
    let mut xs = Vec::new();
    for label in run_labels(&h) {
        let entries: Vec<&egui::Rect> = texts
            .iter()
            .filter(|(t, r, _)| *t == label && in_row(r))
            .map(|(_, r, _)| r)
            .collect();
        assert_eq!(entries.len(), 1, "{label} is listed once in the legend row");
        let r = entries[0];
        for (name, p) in METRIC_PLOTS.iter().zip(&plots) {
            assert!(
                r.bottom() <= p.top() + 0.5,
                "the legend entry {label} ({r:?}) lies above {name} ({p:?})"
            );
        }
        assert!(r.bottom() <= top + 0.5);
        xs.push(r.center().x);
    }
    assert!(
        xs.windows(2).all(|w| w[0] < w[1]),
        "the legend lists the runs in their order: {xs:?}"
    );
    assert!(
        texts
            .iter()
            .any(|(t, r, _)| t.contains("dashed") && in_row(r) && r.bottom() <= top + 0.5),
        "the legend says how test curves are drawn"
    );

    for (t, r, clip) in &texts {
        if axis_owner(&plots, r.center()).is_some() {
            assert!(
                clip.expand(0.5).contains_rect(*r),
                "the axis label {t:?} ({r:?}) is clipped by {clip:?}"
            );
        }
    }
}
