//! In front of 200 students: what a lecturer met when driving the app through the shipped
//! presets, one test per problem (issue 14), so that no later change brings one back. The app
//! runs headless under egui_kittest; what is checked is what was painted (shapes and texts) or
//! what the document became.
#![cfg(feature = "gui")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on purpose"
)]

mod common;

use common::{
    app_with_preset, app_with_preset_sized, click_at, compute_all, double_click_at, drag_along,
    harness_sized, painted, painted_texts, preset, push, tempdir,
};
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use optiviz::scenario::palette::distinguishability;
use optiviz::scenario::{self, RunColor, Theme};
use optiviz::ui::{Command, LaunchOptions, OptivizApp};

/// The app on a shipped preset, showing its last step.
fn at_the_end(name: &str) -> Harness<'static, OptivizApp> {
    let mut h = harness_sized(
        LaunchOptions {
            preset: Some(preset(name)),
            at_step: Some(10_000_000),
            ..LaunchOptions::default()
        },
        egui::vec2(1280.0, 720.0),
    );
    compute_all(&mut h);
    h.run_steps(3);
    h
}

fn color32(c: [u8; 3]) -> egui::Color32 {
    egui::Color32::from_rgb(c[0], c[1], c[2])
}

/// The colours the enabled runs of the app's 2-D scenario are drawn in.
fn run_colors(h: &Harness<'_, OptivizApp>) -> Vec<egui::Color32> {
    let theme = h.state().effective_theme();
    h.state()
        .session()
        .scenario()
        .enabled_runs()
        .map(|r| color32(r.color.rgb(theme)))
        .collect()
}

fn key(h: &mut Harness<'_, OptivizApp>, modifiers: egui::Modifiers, k: egui::Key) {
    h.key_press_modifiers(modifiers, k);
    h.run_steps(2);
}

// 1. Paths drawn as big filled polygons.
#[test]
fn no_path_loss_curve_or_metric_line_is_drawn_as_a_filled_band() {
    for name in [
        "11-newton-bfgs-gd.ron",
        "27-adaptive-coordinates.ron",
        "12-rosenbrock.ron",
    ] {
        let h = at_the_end(name);
        let shapes = painted(&h);
        let bands = shapes
            .iter()
            .filter(|(_, s)| matches!(s, egui::Shape::Band(_)))
            .count();
        let colors = run_colors(&h);
        let paths = shapes
            .iter()
            .filter(|(_, s)| {
                matches!(s, egui::Shape::Path(p) if p.points.len() > 2
                    && colors.iter().any(|c| p.stroke.color == egui_color(*c)))
            })
            .count();
        assert_eq!(bands, 0, "{name}: {bands} lines were drawn as filled bands");
        assert!(
            paths >= colors.len(),
            "{name}: the runs' paths were drawn as lines ({paths})"
        );
    }
    // The network page's metric lines too, once trained a while.
    let mut h = app_with_preset(&preset("mlp/03-spiral.ron"));
    h.get_by_label("Play").click();
    h.run_steps(20);
    let bands = painted(&h)
        .iter()
        .filter(|(_, s)| matches!(s, egui::Shape::Band(_)))
        .count();
    assert_eq!(bands, 0, "network page: {bands} bands");
}

fn egui_color(c: egui::Color32) -> egui::epaint::ColorMode {
    egui::epaint::ColorMode::Solid(c)
}

// 3. A stray click moves every run's start point, with no undo.
#[test]
fn only_a_deliberate_drag_moves_starts_and_every_edit_can_be_undone() {
    let mut h = app_with_preset(&preset("04-momentum-vs-gd.ron"));
    let starts = |h: &Harness<'_, OptivizApp>| {
        (0..3)
            .map(|i| h.state().session().start_of(i))
            .collect::<Vec<_>>()
    };
    let original = starts(&h);
    let plot = h.get_by_label("contour plot").rect();
    let p = plot.center() + egui::vec2(80.0, -60.0);

    click_at(&mut h, p);
    assert_eq!(starts(&h), original, "a click moves nothing");
    double_click_at(&mut h, p);
    assert_eq!(starts(&h), original, "a double-click moves nothing");
    drag_along(
        &mut h,
        p,
        &[p + egui::vec2(3.0, 0.0), p + egui::vec2(5.0, 1.0)],
    );
    assert_eq!(starts(&h), original, "a 5 px slip moves nothing");
    assert!(!h.state().modified());

    let to = p + egui::vec2(60.0, -30.0);
    drag_along(&mut h, p, &[p + egui::vec2(20.0, -10.0), to]);
    let moved = starts(&h);
    assert_ne!(moved, original, "a real drag moves the starts");
    assert!(h.state().modified());

    key(&mut h, egui::Modifiers::COMMAND, egui::Key::Z);
    assert_eq!(starts(&h), original, "Ctrl+Z undoes the whole drag at once");
    assert!(!h.state().modified());
    key(
        &mut h,
        egui::Modifiers::COMMAND | egui::Modifiers::SHIFT,
        egui::Key::Z,
    );
    assert_eq!(starts(&h), moved, "Ctrl+Shift+Z redoes it");

    // A slider edit is undone the same way.
    h.get_all_by_label("lr")
        .next()
        .unwrap()
        .set_value_accesskit(0.25);
    h.run_steps(3);
    assert_eq!(h.state().session().spec().runs[0].optimizer.lr(), 0.25);
    key(&mut h, egui::Modifiers::COMMAND, egui::Key::Z);
    assert_ne!(h.state().session().spec().runs[0].optimizer.lr(), 0.25);
    assert_eq!(starts(&h), moved, "one undo, one edit");

    // Revert to preset brings back the preset, and is undoable itself.
    h.get_by_label("Revert to preset").click();
    h.run_steps(3);
    assert_eq!(starts(&h), original);
    assert!(!h.state().modified());
    key(&mut h, egui::Modifiers::COMMAND, egui::Key::Z);
    assert_eq!(starts(&h), moved, "the revert was undone");
}

#[test]
fn double_click_on_the_plot_resets_the_view_only() {
    let mut h = app_with_preset(&preset("04-momentum-vs-gd.ron"));
    let plot = h.get_by_label("contour plot").rect();
    let ticks = |h: &Harness<'_, OptivizApp>| {
        let mut t: Vec<String> = painted_texts(h)
            .into_iter()
            .filter(|(text, rect, _)| {
                plot.expand(40.0).contains(rect.center()) && text.parse::<f64>().is_ok()
            })
            .map(|(text, ..)| text)
            .collect();
        t.sort();
        t
    };
    let before = ticks(&h);
    let start = h.state().session().start_of(0);
    h.hover_at(plot.center());
    h.run_steps(1);
    for _ in 0..3 {
        push(
            &mut h,
            egui::Event::MouseWheel {
                unit: egui::MouseWheelUnit::Line,
                delta: egui::vec2(0.0, -20.0),
                phase: egui::TouchPhase::Move,
                source: egui::MouseWheelSource::Wheel,
                modifiers: egui::Modifiers::NONE,
            },
        );
        h.run_steps(2);
    }
    h.run_steps(10);
    assert_ne!(ticks(&h), before, "the wheel zoomed");
    double_click_at(&mut h, plot.center());
    h.run_steps(2);
    assert_eq!(ticks(&h), before, "double-click brought the view back");
    assert_eq!(h.state().session().start_of(0), start, "and moved no start");
}

// 4. The formula box can disagree with the plot.
#[test]
fn the_formula_box_shows_what_is_plotted_or_says_it_is_a_draft() {
    let mut h = app_with_preset(&preset("17-your-own-function.ron"));
    let formula = |h: &Harness<'_, OptivizApp>| match &h.state().session().spec().objective {
        optiviz::numerics::objectives::ObjectiveSpec::Expression(p) => p.text.clone(),
        other => panic!("not a typed formula: {other:?}"),
    };
    let shipped = formula(&h);
    let input = |h: &Harness<'_, OptivizApp>| {
        h.get_by_role_and_label(Role::MultilineTextInput, "f(x, y) =")
            .value()
            .unwrap_or_default()
    };
    assert_eq!(input(&h), shipped);

    // Invalid text: the plot keeps its formula and the box says the text is not applied.
    h.get_by_role_and_label(Role::MultilineTextInput, "f(x, y) =")
        .focus();
    h.run_steps(1);
    h.get_by_role_and_label(Role::MultilineTextInput, "f(x, y) =")
        .type_text(" + 3*");
    h.run_steps(2);
    assert_eq!(formula(&h), shipped, "an invalid formula is not plotted");
    assert!(input(&h).ends_with(" + 3*"), "{}", input(&h));
    assert!(
        h.query_by_label_contains("Draft, not applied").is_some(),
        "the box is marked as an unapplied draft"
    );
    assert!(
        h.query_by_label_contains(&format!("The plot shows f = {shipped}"))
            .is_some()
    );

    // Away and back: the box shows the preset's formula again.
    h.get_all_by_label(">").next().unwrap().click();
    h.run_steps(3);
    assert_ne!(h.state().session().spec().name, "", "moved on");
    h.get_all_by_label("<").next().unwrap().click();
    h.run_steps(3);
    assert_eq!(input(&h), formula(&h));
    assert_eq!(formula(&h), shipped);
    assert!(h.query_by_label_contains("Draft, not applied").is_none());

    // A valid edit is plotted; leaving asks first, and coming back shows the preset again.
    h.get_by_role_and_label(Role::MultilineTextInput, "f(x, y) =")
        .focus();
    h.run_steps(1);
    h.get_by_role_and_label(Role::MultilineTextInput, "f(x, y) =")
        .type_text(" + 1");
    h.run_steps(2);
    assert_eq!(formula(&h), format!("{shipped} + 1"));
    h.get_all_by_label(">").next().unwrap().click();
    h.run_steps(4);
    assert!(h.state().leaving().is_some(), "it asks before discarding");
    assert!(h.query_by_label("Unsaved changes").is_some());
    h.get_by_label("Discard changes and go on").click();
    h.run_steps(3);
    assert!(h.state().leaving().is_none());
    h.get_all_by_label("<").next().unwrap().click();
    h.run_steps(3);
    assert_eq!(formula(&h), shipped);
    assert_eq!(input(&h), shipped);
}

#[test]
fn page_down_asks_before_discarding_edits_and_page_down_again_goes_on() {
    let mut h = app_with_preset(&preset("04-momentum-vs-gd.ron"));
    let name = h.state().session().spec().name.clone();
    h.get_all_by_label("lr")
        .next()
        .unwrap()
        .set_value_accesskit(0.3);
    h.run_steps(3);
    key(&mut h, egui::Modifiers::NONE, egui::Key::PageDown);
    assert_eq!(h.state().session().spec().name, name, "not yet");
    assert!(h.query_by_label("Unsaved changes").is_some());
    key(&mut h, egui::Modifiers::NONE, egui::Key::Escape);
    assert_eq!(h.state().session().spec().name, name, "Escape stays");
    assert_eq!(h.state().session().spec().runs[0].optimizer.lr(), 0.3);
    key(&mut h, egui::Modifiers::NONE, egui::Key::PageDown);
    key(&mut h, egui::Modifiers::NONE, egui::Key::PageDown);
    assert_ne!(
        h.state().session().spec().name,
        name,
        "PageDown twice goes on"
    );
    // Nothing was edited here: PageDown goes on at once.
    let here = h.state().session().spec().name.clone();
    key(&mut h, egui::Modifiers::NONE, egui::Key::PageDown);
    assert_ne!(h.state().session().spec().name, here);
    assert!(h.state().leaving().is_none());
}

// 5. Sliders.
#[test]
fn the_focus_mode_lr_slider_spans_the_lesson_and_double_click_resets_it() {
    let mut h = app_with_preset_sized(
        &preset("03-find-the-step-size.ron"),
        egui::vec2(1280.0, 720.0),
    );
    let lr = |h: &Harness<'_, OptivizApp>| h.state().session().spec().runs[0].optimizer.lr();
    assert_eq!(lr(&h), 0.5);
    let rail = h.get_by_role_and_label(Role::Slider, "lr").rect();
    // The values the slide is about (0.5 to 2.05) take most of the slider: a third and two
    // thirds of the way along are both inside them.
    click_at(
        &mut h,
        egui::pos2(rail.left() + rail.width() / 3.0, rail.center().y),
    );
    let third = lr(&h);
    click_at(
        &mut h,
        egui::pos2(rail.left() + rail.width() * 2.0 / 3.0, rail.center().y),
    );
    let two_thirds = lr(&h);
    assert!(
        (0.5..=2.05).contains(&third) && (0.5..=2.05).contains(&two_thirds),
        "{third}, {two_thirds}"
    );
    // Double-click on the slider itself (not only its label) restores the default, torch's
    // as everywhere; Edit > Revert to preset brings back the slide's value.
    double_click_at(&mut h, rail.center());
    assert_eq!(
        lr(&h),
        1e-3,
        "double-click on the slider resets it to torch's default"
    );
    let ctx = h.ctx.clone();
    h.state_mut().apply(&ctx, Command::Revert);
    h.run_steps(2);
    assert_eq!(lr(&h), 0.5, "revert: the preset's value");
    // An exact value can still be typed, even outside the slider's range.
    h.get_by_role_and_label(Role::Slider, "lr")
        .set_value_accesskit(7.5);
    h.run_steps(3);
    assert_eq!(lr(&h), 7.5);
}

// 7. Runs hidden.
#[test]
fn every_runs_point_is_drawn_after_all_paths_with_the_selected_run_on_top() {
    let h = at_the_end("13-saddle-escape.ron");
    let colors = run_colors(&h);
    let shapes = painted(&h);
    let last_path = shapes
        .iter()
        .rposition(|(_, s)| {
            matches!(s, egui::Shape::Path(p) if p.points.len() > 2
                && colors.iter().any(|c| p.stroke.color == egui_color(*c)))
        })
        .expect("the runs' paths");
    // The legend's swatches are circles too: leave out those beside a legend label.
    let contour = h.get_by_label("contour plot").rect();
    let legend: Vec<egui::Rect> = painted_texts(&h)
        .into_iter()
        .filter(|(t, r, _)| {
            contour.contains(r.center())
                && h.state()
                    .session()
                    .scenario()
                    .runs
                    .iter()
                    .any(|run| &run.label == t)
        })
        .map(|(_, r, _)| r.expand2(egui::vec2(30.0, 2.0)))
        .collect();
    let dots: Vec<(usize, usize, f32)> = shapes
        .iter()
        .enumerate()
        .filter(|(_, (_, s))| match s {
            egui::Shape::Circle(c) => !legend.iter().any(|r| r.contains(c.center)),
            _ => false,
        })
        .filter_map(|(i, (_, s))| match s {
            egui::Shape::Circle(c) => colors
                .iter()
                .position(|k| c.fill == *k)
                .map(|run| (i, run, c.radius)),
            _ => None,
        })
        .collect();
    assert!(dots.len() >= colors.len(), "a dot per run: {dots:?}");
    assert!(
        dots.iter().all(|(i, ..)| *i > last_path),
        "no path is drawn over a dot"
    );
    // The slide is about the exact-gradient run (selected, run 0) stuck at the saddle with
    // Newton: it is drawn last, and Newton's dot under it is a ring around it.
    let (_, top, top_radius) = *dots.last().unwrap();
    assert_eq!(top, 0, "the selected run is on top");
    let newton = dots.iter().find(|(_, run, _)| *run == 2).unwrap();
    assert!(
        newton.2 > top_radius + 2.0,
        "Newton shows as a ring: {newton:?}"
    );
}

#[test]
fn a_run_outside_the_view_is_marked_at_the_edge_with_why() {
    let h = at_the_end("02-optimal-step-size.ron");
    let texts = painted_texts(&h);
    assert!(
        texts
            .iter()
            .any(|(t, ..)| t.starts_with("a = 2.05 (diverges): diverged at step")),
        "the diverged run is named on the plot: {:?}",
        texts.iter().map(|t| &t.0).collect::<Vec<_>>()
    );
}

// 8. Colours and legends.
#[test]
fn no_two_runs_of_a_shipped_preset_are_hard_to_tell_apart_in_any_theme() {
    let mut checked = 0;
    for b in scenario::builtin::BUILTIN {
        let s = scenario::parse(b.text, b.file).unwrap();
        let colors: Vec<RunColor> = s.enabled_runs().map(|r| r.color).collect();
        checked += pairs_distinct(b.file, &colors);
    }
    for b in scenario::builtin::BUILTIN_MLP {
        let s = scenario::mlp::parse(b.text, b.file).unwrap();
        let colors: Vec<RunColor> = s.enabled_runs().map(|r| r.color).collect();
        checked += pairs_distinct(b.file, &colors);
    }
    assert!(checked > 50, "{checked} pairs checked");
}

fn pairs_distinct(file: &str, colors: &[RunColor]) -> usize {
    let mut pairs = 0;
    for theme in Theme::ALL {
        for (i, a) in colors.iter().enumerate() {
            for (j, b) in colors.iter().enumerate().skip(i + 1) {
                let d = distinguishability(a.rgb(theme), b.rgb(theme));
                assert!(d >= 0.12, "{file}, {theme:?}: runs {i} and {j}: {d:.3}");
                pairs += 1;
            }
        }
    }
    pairs
}

#[test]
fn legends_list_runs_in_the_runs_order_and_the_loss_legend_covers_no_curve() {
    let h = at_the_end("13-saddle-escape.ron");
    let labels: Vec<String> = h
        .state()
        .session()
        .scenario()
        .runs
        .iter()
        .map(|r| r.label.clone())
        .collect();
    let texts = painted_texts(&h);
    let contour = h.get_by_label("contour plot").rect();
    let loss = h.get_by_label("loss plot").rect();
    let position = |inside: egui::Rect, label: &str| {
        texts
            .iter()
            .find(|(t, r, _)| t == label && inside.contains(r.center()))
            .map(|(_, r, _)| r.center())
    };
    let in_plot: Vec<egui::Pos2> = labels
        .iter()
        .map(|l| position(contour, l).unwrap_or_else(|| panic!("{l} in the plot's legend")))
        .collect();
    assert!(
        in_plot.windows(2).all(|w| w[0].y < w[1].y),
        "contour legend in run order: {labels:?} at {in_plot:?}"
    );
    // The loss plot's legend is a row between the contour view and the loss plot, in run
    // order: it covers no curve.
    let row: Vec<egui::Pos2> = labels
        .iter()
        .map(|l| {
            texts
                .iter()
                .find(|(t, r, _)| {
                    t == l && r.center().y < loss.top() && r.center().y > contour.bottom()
                })
                .map_or_else(|| panic!("{l} above the loss plot"), |(_, r, _)| r.center())
        })
        .collect();
    assert!(row.windows(2).all(|w| w[0].x < w[1].x), "{row:?}");
}

#[test]
fn eigenvector_axes_are_drawn_in_neutral_ink_not_in_a_runs_colour() {
    let mut h = at_the_end("04-momentum-vs-gd.ron");
    key(&mut h, egui::Modifiers::NONE, egui::Key::T);
    h.run_steps(3);
    let colors = run_colors(&h);
    let axis_labels: Vec<egui::Color32> = painted(&h)
        .into_iter()
        .filter_map(|(_, s)| match s {
            egui::Shape::Text(t) if t.galley.text().starts_with("v_m") => {
                Some(t.galley.job.sections[0].format.color)
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        axis_labels.len(),
        2,
        "v_min and v_max are named on the plot"
    );
    for c in axis_labels {
        assert!(!colors.contains(&c), "{c:?} is a run's colour");
        assert!(c.r() == c.g() && c.g() == c.b(), "{c:?} is neutral");
    }
}

// 9. Playback speed is not honoured.
#[test]
fn playback_runs_at_the_speed_set_whatever_the_frame_rate() {
    // The harness advances the clock a quarter of a second per frame: slow frames.
    let mut h = app_with_preset(&preset("03-find-the-step-size.ron"));
    assert_eq!(h.state().session().spec().speed, 15.0);
    let t0 = h.ctx.input(|i| i.time);
    h.get_by_label("Play").click();
    h.run_steps(1);
    let (s0, t1) = (h.state().session().shown_step(), h.ctx.input(|i| i.time));
    h.run_steps(16);
    let elapsed = h.ctx.input(|i| i.time) - t1;
    let played = h.state().session().shown_step() - s0;
    let speed = played as f64 / elapsed;
    assert!(
        (speed - 15.0).abs() <= 1.0,
        "{played} steps in {elapsed} s = {speed} steps/s (set: 15; t0 {t0})"
    );
    assert!(h.state().session().lagging().is_none(), "it keeps up");
}

// 10. Smaller things.
#[test]
fn a_focus_mode_slides_instruction_is_shown_in_full() {
    let h = app_with_preset_sized(
        &preset("03-find-the-step-size.ron"),
        egui::vec2(1280.0, 720.0),
    );
    let description = h.state().session().spec().description.clone();
    let whole: Vec<egui::Rect> = painted(&h)
        .into_iter()
        .filter_map(|(clip, s)| match s {
            egui::Shape::Text(t) if t.galley.text() == description && !t.galley.elided => {
                Some(t.visual_bounding_rect().intersect(clip))
            }
            _ => None,
        })
        .collect();
    assert_eq!(whole.len(), 1, "shown once, not cut");
    let window = egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(1280.0, 720.0));
    assert!(window.contains_rect(whole[0]), "{:?}", whole[0]);
}

#[test]
fn a_presets_theme_holds_only_while_it_is_open() {
    let mut h = app_with_preset(&preset("03-find-the-step-size.ron"));
    assert_eq!(h.state().effective_theme(), Theme::Projector);
    assert!(!h.ctx.global_style().visuals.dark_mode);
    key(&mut h, egui::Modifiers::NONE, egui::Key::PageUp);
    assert_eq!(h.state().effective_theme(), Theme::Dark, "the viewer's own");
    assert!(h.ctx.global_style().visuals.dark_mode);
}

#[test]
fn the_wheel_over_the_theory_panel_scrolls_it_and_pans_no_plot() {
    let mut h = app_with_preset_sized(&preset("04-momentum-vs-gd.ron"), egui::vec2(1600.0, 1200.0));
    compute_all(&mut h);
    key(&mut h, egui::Modifiers::NONE, egui::Key::T);
    h.run_steps(3);
    let theory = h.get_by_label("measured against predicted").rect();
    // Tick labels relative to their plot: a pan or zoom would change them, a scroll not.
    let ticks = |h: &Harness<'_, OptivizApp>, plot: egui::Rect| {
        let mut t: Vec<(String, i32)> = painted_texts(h)
            .into_iter()
            .filter(|(text, r, _)| plot.expand(40.0).contains(r.center()) && text.starts_with("1e"))
            .map(|(text, r, _)| {
                #[allow(clippy::cast_possible_truncation, reason = "points on screen")]
                (text, (r.center().y - plot.top()).round() as i32)
            })
            .collect();
        t.sort();
        t
    };
    let before = ticks(&h, theory);
    assert!(!before.is_empty(), "the plot has decade labels");
    h.hover_at(theory.center());
    h.run_steps(1);
    push(
        &mut h,
        egui::Event::MouseWheel {
            unit: egui::MouseWheelUnit::Point,
            delta: egui::vec2(0.0, -60.0),
            phase: egui::TouchPhase::Move,
            source: egui::MouseWheelSource::Wheel,
            modifiers: egui::Modifiers::NONE,
        },
    );
    h.run_steps(4);
    let after_rect = h.get_by_label("measured against predicted").rect();
    assert_eq!(
        ticks(&h, after_rect),
        before,
        "the plot did not pan or zoom"
    );
}

#[test]
fn a_truncated_description_shows_one_tooltip() {
    let mut h = app_with_preset(&preset("mlp/04-bad-scaling.ron"));
    let description = "x2 is multiplied by 100";
    let bar = h.get_by_label_contains(description).rect();
    h.hover_at(bar.center());
    h.run_steps(8);
    let full = painted(&h)
        .into_iter()
        .filter(|(_, s)| {
            matches!(s, egui::Shape::Text(t)
                if t.galley.text().starts_with(description) && !t.galley.elided)
        })
        .count();
    assert_eq!(full, 1, "the whole description is shown once on hover");
}

#[test]
fn a_long_step_budget_never_cuts_the_step_counter() {
    let dir = tempdir();
    let path = dir.join("long.ron");
    std::fs::write(
        &path,
        "(objective: Rosenbrock(), steps: 10000000, runs: [(optimizer: SGD(lr: 0.001))])",
    )
    .unwrap();
    let h = app_with_preset_sized(&path, egui::vec2(1280.0, 720.0));
    let (text, rect, clip) = painted_texts(&h)
        .into_iter()
        .find(|(t, ..)| t.starts_with("step 0 / 10000000"))
        .expect("the step counter");
    assert!(
        rect.right() <= clip.right() + 0.5 && rect.right() <= 1280.0,
        "\"{text}\" is cut: {rect:?} in {clip:?}"
    );
}

#[test]
fn changing_only_the_speed_is_not_an_edit() {
    let mut h = app_with_preset(&preset("04-momentum-vs-gd.ron"));
    let ctx = h.ctx.clone();
    h.state_mut().apply(&ctx, Command::SetSpeed(750.0));
    h.run_steps(2);
    assert_eq!(h.state().session().spec().speed, 750.0);
    assert!(!h.state().modified(), "speed is a viewing choice");
    key(&mut h, egui::Modifiers::NONE, egui::Key::PageDown);
    assert!(h.state().leaving().is_none(), "nothing to discard");
}

#[test]
fn axis_labels_are_whole_from_the_first_frame_and_plots_have_axis_titles() {
    let mut h = Harness::builder()
        .with_size(egui::vec2(1280.0, 720.0))
        .build_ui_state(
            |ui, app: &mut OptivizApp| app.ui_root(ui),
            OptivizApp::new(LaunchOptions {
                preset: Some(preset("01-gd-zigzag.ron")),
                ..LaunchOptions::default()
            }),
        );
    h.run_steps(1);
    let texts = painted_texts(&h);
    let decades: Vec<_> = texts.iter().filter(|(t, ..)| t.starts_with("1e")).collect();
    assert!(!decades.is_empty(), "the loss plot has decade labels");
    for (t, rect, clip) in decades {
        assert!(
            clip.expand(0.5).contains_rect(*rect),
            "\"{t}\" is clipped on the first frame: {rect:?} in {clip:?}"
        );
    }
    let contour = h.get_by_label("contour plot").rect().expand(60.0);
    for title in ["x", "y"] {
        assert!(
            texts
                .iter()
                .any(|(t, r, _)| t == title && contour.contains(r.center())),
            "the contour plot's axis is titled {title}"
        );
    }
}

#[test]
fn the_legend_moves_off_the_runs_starts_and_keeps_their_order() {
    // Preset 02 in the projector theme: a big legend, and every run starts top left.
    let text = std::fs::read_to_string(preset("02-optimal-step-size.ron")).unwrap();
    let end = text.rfind(')').unwrap();
    let dir = tempdir();
    let path = dir.join("02-projector.ron");
    std::fs::write(&path, format!("{}    theme: Projector,\n)\n", &text[..end])).unwrap();
    let mut h = harness_sized(
        LaunchOptions {
            preset: Some(path),
            at_step: Some(10_000),
            ..LaunchOptions::default()
        },
        egui::vec2(1280.0, 720.0),
    );
    compute_all(&mut h);
    h.run_steps(4);
    let labels: Vec<String> = h
        .state()
        .session()
        .scenario()
        .runs
        .iter()
        .map(|r| r.label.clone())
        .collect();
    let contour = h.get_by_label("contour plot").rect();
    let texts = painted_texts(&h);
    let entries: Vec<egui::Rect> = labels
        .iter()
        .map(|l| {
            texts
                .iter()
                .find(|(t, r, _)| t == l && contour.contains(r.center()))
                .map_or_else(|| panic!("{l} in the legend"), |(_, r, _)| *r)
        })
        .collect();
    assert!(
        entries
            .windows(2)
            .all(|w| w[0].center().y < w[1].center().y),
        "run order, top to bottom: {entries:?}"
    );
    let legend = entries
        .iter()
        .fold(entries[0], |a, b| a.union(*b))
        .expand2(egui::vec2(30.0, 4.0));
    // The view is centred on the minimum (0, 0); every run starts at (-2, 1.5), top left.
    let start = h.state().session().start_of(0);
    assert!(start.x < 0.0 && start.y > 0.0, "the starts are top left");
    assert!(
        legend.center().x > contour.center().x,
        "the legend left the top left corner, where the starts are: {legend:?} in {contour:?}"
    );
}

#[test]
fn every_step_axis_has_labelled_ticks_whatever_the_budget() {
    // 6,000 steps in a small plot: egui_plot's own spacing labelled only "0".
    let h = app_with_preset_sized(&preset("mlp/03-spiral.ron"), egui::vec2(1280.0, 800.0));
    let texts = painted_texts(&h);
    for plot in ["loss (log)", "accuracy (%)", "|grad| (log)"] {
        let r = h.get_by_label(plot).rect();
        let below = egui::Rect::from_min_max(
            egui::pos2(r.left(), r.bottom() - 30.0),
            egui::pos2(r.right(), r.bottom() + 30.0),
        );
        let ticks: Vec<&String> = texts
            .iter()
            .filter(|(t, b, _)| below.contains(b.center()) && t.parse::<f64>().is_ok())
            .map(|(t, ..)| t)
            .collect();
        assert!(ticks.len() >= 3, "{plot}: step ticks {ticks:?}");
    }
}

/// Preset 23 draws each path over its last 30 steps only; View > Trail > Whole paths (its
/// command) draws them whole, is an edit, and undoes.
#[test]
fn a_trail_draws_only_each_paths_last_steps_and_can_be_turned_off() {
    let mut h = at_the_end("23-lr-schedules.ron");
    // Without the loss plot, whose curves share the runs' colours.
    let ctx = h.ctx.clone();
    h.state_mut().apply(
        &ctx,
        Command::SetViewOption(optiviz::ui::ViewOption::LossPlot, false),
    );
    h.run_steps(3);
    let run_points = |h: &Harness<'_, OptivizApp>| {
        let colors = run_colors(h);
        painted(h)
            .iter()
            .filter_map(|(_, s)| match s {
                egui::Shape::Path(p) if colors.iter().any(|c| p.stroke.color == egui_color(*c)) => {
                    Some(p.points.len())
                }
                _ => None,
            })
            .sum::<usize>()
    };
    assert_eq!(h.state().session().spec().trail, Some(30));
    let trail = run_points(&h);
    // Five runs, 31 points each (the selected run's path drawn twice), at most.
    assert!((31..=6 * 31).contains(&trail), "{trail} path points");
    h.state_mut().apply(&ctx, Command::SetTrail(None));
    h.run_steps(3);
    assert_eq!(h.state().session().spec().trail, None);
    assert!(h.state().modified());
    let whole = run_points(&h);
    assert!(
        whole > 4 * trail,
        "{whole} path points for whole paths, {trail} with a trail"
    );
    key(&mut h, egui::Modifiers::COMMAND, egui::Key::Z);
    assert_eq!(h.state().session().spec().trail, Some(30));
}

/// "lr sweep" on a run adds copies at lr/10, lr/3.16, 3.16 lr and 10 lr, labelled by their lr,
/// as one undoable edit; a second sweep gets unique labels.
#[test]
fn an_lr_sweep_adds_runs_at_log_spaced_learning_rates() {
    let mut h = app_with_preset(&preset("01-gd-zigzag.ron"));
    let before = h.state().session().spec().runs.clone();
    let lr = before[0].optimizer.lr();
    h.get_all_by_label("lr sweep").next().unwrap().click();
    h.run_steps(3);
    let runs = &h.state().session().spec().runs;
    assert_eq!(runs.len(), before.len() + 4);
    let swept: Vec<f64> = runs[1..5].iter().map(|r| r.optimizer.lr() / lr).collect();
    for (got, want) in swept
        .iter()
        .zip([0.1, 10f64.sqrt().recip(), 10f64.sqrt(), 10.0])
    {
        assert!((got - want).abs() < 1e-12 * want, "{swept:?}");
    }
    assert!(runs[1].label.contains(", lr "), "{}", runs[1].label);
    assert_eq!(&runs[5..], &before[1..], "the other runs follow, unchanged");
    let ctx = h.ctx.clone();
    h.state_mut().apply(&ctx, Command::SelectRun(0));
    h.get_all_by_label("lr sweep").next().unwrap().click();
    h.run_steps(3);
    let labels: std::collections::HashSet<&str> = h
        .state()
        .session()
        .spec()
        .runs
        .iter()
        .map(|r| r.label.as_str())
        .collect();
    assert_eq!(
        labels.len(),
        h.state().session().spec().runs.len(),
        "labels stay unique"
    );
    key(&mut h, egui::Modifiers::COMMAND, egui::Key::Z);
    key(&mut h, egui::Modifiers::COMMAND, egui::Key::Z);
    assert_eq!(h.state().session().spec().runs, before);
}

/// View > Taylor models and bounds: on a quadratic the legend names the first- and second-order
/// models, the L-smooth and mu-strongly-convex bounds and the Newton step (the model's
/// minimum); the theory panel reads the curvature along the gradient.
#[test]
fn taylor_models_are_drawn_and_named_at_the_selected_runs_point() {
    let mut h = app_with_preset_sized(
        &preset("02-optimal-step-size.ron"),
        egui::vec2(1600.0, 1000.0),
    );
    let ctx = h.ctx.clone();
    let texts = |h: &Harness<'_, OptivizApp>| -> Vec<String> {
        painted_texts(h).into_iter().map(|(t, _, _)| t).collect()
    };
    assert!(!texts(&h).iter().any(|t| t.contains("first-order model")));
    h.state_mut().apply(
        &ctx,
        Command::SetViewOption(optiviz::ui::ViewOption::TaylorModels, true),
    );
    h.state_mut().apply(&ctx, Command::ToggleTheory);
    h.run_steps(4);
    let shown = texts(&h);
    for name in [
        "first-order model: its level line",
        "second-order model: its level curves",
        "L-smooth upper bound",
        "mu-strongly-convex lower bound",
        "Newton step: the model's minimum",
    ] {
        assert!(shown.iter().any(|t| t == name), "{name} not in {shown:?}");
    }
    assert!(
        shown.iter().any(|t| t.starts_with("g'Hg/g'g = ")),
        "{shown:?}"
    );
}

/// Preset 09 opens on a log-log loss plot with the rate references named at their ends; the
/// View menu's command turns them off (an edit, undone by Ctrl+Z). Preset 19's x axis counts
/// gradient evaluations.
#[test]
fn the_loss_plot_shows_log_log_axes_rate_references_and_cost() {
    let mut h = at_the_end("09-sublinear-rates.ron");
    let ctx = h.ctx.clone();
    let texts = |h: &Harness<'_, OptivizApp>| -> Vec<String> {
        painted_texts(h).into_iter().map(|(t, ..)| t).collect()
    };
    let shown = texts(&h);
    for name in [
        "C/k",
        "C/k²",
        "GD bound",
        "Nesterov bound",
        "lower bound",
        "1e4",
        "step",
    ] {
        assert!(
            shown.iter().any(|t| t == name),
            "{name} missing in {shown:?}"
        );
    }
    let mut axes = h.state().session().spec().loss_plot;
    axes.references = false;
    h.state_mut().apply(&ctx, Command::SetLossPlot(axes));
    h.run_steps(3);
    assert!(h.state().modified());
    let shown = texts(&h);
    assert!(
        !shown.iter().any(|t| t == "GD bound" || t == "C/k"),
        "{shown:?}"
    );
    key(&mut h, egui::Modifiers::COMMAND, egui::Key::Z);
    assert!(h.state().session().spec().loss_plot.references);

    let h = at_the_end("19-cost-per-gradient.ron");
    let shown = texts(&h);
    assert!(
        shown.iter().any(|t| t == "gradient evaluations"),
        "{shown:?}"
    );
    assert!(
        !shown.iter().any(|t| t == "GD bound"),
        "no bounds on a cost axis"
    );
}

/// A run's schedule editor previews lr_k / lr over the budget (preset 23's first run has a step
/// schedule and its settings are open); a constant schedule has no preview.
#[test]
fn the_schedule_editor_previews_the_learning_rate() {
    let h = app_with_preset_sized(&preset("23-lr-schedules.ron"), egui::vec2(1920.0, 1080.0));
    assert!(h.query_by_label("schedule preview").is_some());
    let h = app_with_preset_sized(&preset("01-gd-zigzag.ron"), egui::vec2(1920.0, 1080.0));
    assert!(h.query_by_label("schedule preview").is_none());
}

/// Preset 33 opens on the sharpness plot: each run's sharpness against its 2/lr, dashed and
/// named with its value; View > Loss plot axes switches another preset's plot to it (an edit).
#[test]
fn the_sharpness_plot_shows_each_run_against_its_edge_of_stability() {
    let h = at_the_end("33-edge-of-stability.ron");
    assert!(h.query_by_label("sharpness plot").is_some());
    assert!(h.query_by_label("loss plot").is_none());
    let shown: Vec<String> = painted_texts(&h).into_iter().map(|(t, ..)| t).collect();
    for name in [
        "2/lr = 8",
        "2/lr = 40 (above)",
        "edge of stability",
        "sharpness",
    ] {
        assert!(
            shown.iter().any(|t| t == name),
            "{name} missing in {shown:?}"
        );
    }

    let mut h = at_the_end("04-momentum-vs-gd.ron");
    assert!(h.query_by_label("loss plot").is_some());
    h.get_by_label("View").click();
    h.run_steps(2);
    h.get_by_label("Loss plot axes").click();
    h.run_steps(2);
    h.get_by_label("y: sharpness (edge of stability)").click();
    h.run_steps(3);
    assert_eq!(
        h.state().session().spec().loss_plot.y,
        optiviz::scenario::LossY::Sharpness
    );
    assert!(h.state().modified(), "saving will store the plot's axes");
    assert!(h.query_by_label("sharpness plot").is_some());
    let shown: Vec<String> = painted_texts(&h).into_iter().map(|(t, ..)| t).collect();
    // Heavy ball's edge is (2 + 2m)/((1 - dampening) lr): named "edge", not "2/lr".
    assert!(shown.iter().any(|t| t.starts_with("edge = ")), "{shown:?}");
}

/// MLP 08 records the sharpness: the Network page adds its plot, each GD run's 2/lr dashed;
/// "record the sharpness" turns it on for another preset (an edit, trained again).
#[test]
fn the_network_page_plots_the_sharpness_against_2_over_lr() {
    let mut h = app_with_preset_sized(
        &preset("mlp/08-edge-of-stability.ron"),
        egui::vec2(1280.0, 720.0),
    );
    h.run_steps(10);
    assert!(
        h.query_by_label("sharpness").is_some(),
        "the sharpness plot"
    );
    let shown: Vec<String> = painted_texts(&h).into_iter().map(|(t, ..)| t).collect();
    assert!(
        shown.iter().any(|t| t.contains("dashed = edge (2/lr)")),
        "{shown:?}"
    );
    let mut h = app_with_preset(&preset("mlp/01-xor.ron"));
    assert!(h.query_by_label("sharpness").is_none());
    h.get_by_label("record the sharpness").click();
    h.run_steps(3);
    assert!(h.state().modified());
    h.run_steps(10);
    assert!(h.query_by_label("sharpness").is_some());
}

/// View > Hyperparameter map measures the selected run over lr and momentum on preset 04 (the
/// heavy ball on the kappa = 100 quadratic), progressively, with the theory's optimum drawn
/// over it; clicking a cell loads its values into the run (an edit, undone by Ctrl+Z).
#[test]
fn the_hyperparameter_map_measures_the_run_and_a_click_loads_a_cell() {
    use optiviz::ui::ViewOption;
    let mut h = harness_sized(
        LaunchOptions {
            preset: Some(preset("04-momentum-vs-gd.ron")),
            ..LaunchOptions::default()
        },
        egui::vec2(1920.0, 1080.0),
    );
    compute_all(&mut h);
    let ctx = h.ctx.clone();
    h.state_mut().apply(&ctx, Command::SelectRun(1));
    h.get_by_label("View").click();
    h.run_steps(2);
    h.get_by_label("Hyperparameter map").click();
    h.run_steps(3);
    assert!(h.state().settings().shows(ViewOption::Map));
    let mut progress = None;
    for _ in 0..2000 {
        h.run_steps(1);
        progress = h.state().map_progress();
        if progress.is_some_and(|(done, all)| done == all) {
            break;
        }
    }
    let (done, all) = progress.unwrap();
    assert_eq!((done, all), (32 * 24, 32 * 24), "lr x momentum, computed");
    let shown: Vec<String> = painted_texts(&h).into_iter().map(|(t, ..)| t).collect();
    assert!(
        shown.iter().any(|t| t.starts_with("768 runs of")),
        "{shown:?}"
    );
    // A click in the map's middle loads that cell's lr and momentum into the run.
    let before = h.state().session().spec().runs[1].optimizer.clone();
    let map = h.get_by_label("hyperparameter map").rect();
    click_at(&mut h, map.center());
    h.run_steps(3);
    let after = h.state().session().spec().runs[1].optimizer.clone();
    assert_ne!(before, after);
    assert!(h.state().modified());
    key(&mut h, egui::Modifiers::COMMAND, egui::Key::Z);
    assert_eq!(h.state().session().spec().runs[1].optimizer, before);
}
