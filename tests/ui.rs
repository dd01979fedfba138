//! The desktop app driven headless with egui_kittest (no window, no GPU): widgets are found by
//! their accessible labels and clicked or set as a user would.
#![cfg(feature = "gui")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on purpose"
)]

mod common;

use common::{app_with_preset, compute_all, drag_along, harness, notice_texts, preset, tempdir};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use optiviz::numerics::Vec2;
use optiviz::ui::{LaunchOptions, OptivizApp, Source};
use std::path::Path;

/// The end point of run `k` over all steps the session computed.
fn final_point(h: &Harness<'_, OptivizApp>, k: usize) -> Vec2 {
    let run = &h.state().session().sim().runs()[k];
    run.trajectory().latest().expect("a computed step").point
}

#[test]
fn opens_a_preset_and_play_step_reset_work_by_label() {
    let mut h = app_with_preset(&preset("01-gd-zigzag.ron"));
    assert_eq!(
        h.state().session().scenario().spec.name,
        "GD zig-zags on a long valley"
    );
    assert!(
        h.state().session().sim().runs().len() >= 2,
        "the preset's runs are simulated"
    );
    assert_eq!(h.state().session().shown_step(), 0);

    h.get_by_label("Step").click();
    h.run_steps(2);
    assert_eq!(h.state().session().shown_step(), 1, "Step moves one step");
    h.get_by_label("Step").click();
    h.run_steps(2);
    assert_eq!(h.state().session().shown_step(), 2);

    h.get_by_label("Play").click();
    h.run_steps(8);
    assert!(h.state().session().playing(), "Play starts playback");
    let played = h.state().session().shown_step();
    assert!(played > 2, "playback advanced past step 2 (at {played})");
    h.get_by_label("Pause").click();
    h.run_steps(2);
    assert!(!h.state().session().playing(), "Pause stops playback");
    let paused_at = h.state().session().shown_step();
    h.run_steps(4);
    assert_eq!(
        h.state().session().shown_step(),
        paused_at,
        "paused stays put"
    );

    h.get_by_label("Reset").click();
    h.run_steps(2);
    assert_eq!(h.state().session().shown_step(), 0, "Reset goes back to 0");
}

#[test]
fn keyboard_shortcuts_drive_playback() {
    let mut h = app_with_preset(&preset("01-gd-zigzag.ron"));
    h.key_press(egui::Key::ArrowRight);
    h.run_steps(2);
    assert_eq!(h.state().session().shown_step(), 1);
    h.key_press(egui::Key::Space);
    h.run_steps(4);
    assert!(h.state().session().playing());
    h.key_press(egui::Key::Space);
    h.run_steps(2);
    assert!(!h.state().session().playing());
    h.key_press(egui::Key::R);
    h.run_steps(2);
    assert_eq!(h.state().session().shown_step(), 0);
}

#[test]
fn changing_the_learning_rate_slider_changes_the_trajectory() {
    let mut h = app_with_preset(&preset("04-momentum-vs-gd.ron"));
    let before = final_point(&h, 0);
    let lr_before = h.state().session().spec().runs[0].optimizer.lr();
    // The selected (first) run's settings are open; its lr slider is labelled "lr".
    h.get_all_by_label("lr")
        .next()
        .expect("an lr slider")
        .set_value_accesskit(0.5);
    h.run_steps(6);
    let lr_after = h.state().session().spec().runs[0].optimizer.lr();
    assert!(
        (lr_after - 0.5).abs() < 1e-9,
        "the slider set lr: {lr_before} -> {lr_after}"
    );
    let after = final_point(&h, 0);
    assert!(
        (after - before).norm() > 1e-6,
        "the path moved: {before:?} -> {after:?}"
    );
    // The run restarted from step 0 with the new setting, and the others were not touched.
    let steps = h.state().session().steps();
    assert_eq!(h.state().session().sim().runs()[0].steps_done(), steps);
    assert!(h.state().modified(), "the document is marked modified");
}

#[test]
fn a_broken_preset_shows_its_error_and_keeps_the_scenario() {
    let dir = tempdir();
    let broken = dir.join("broken.ron");
    std::fs::write(
        &broken,
        "(\n    name: \"Broken\",\n    objective: Quadratic(kappa: -3.0),\n    runs: [],\n)\n",
    )
    .unwrap();
    let mut h = app_with_preset(&preset("04-momentum-vs-gd.ron"));
    let name_before = h.state().session().scenario().spec.name.clone();

    open_through_the_dialog(&mut h, &broken);

    let errors = h.state().load_errors().expect("the error dialog is shown");
    let text = errors.join("\n");
    assert!(text.contains("broken.ron:3:"), "file and line: {text}");
    assert!(text.contains("kappa"), "names the field: {text}");
    // The message is on screen, not only in the state.
    assert!(h.get_all_by_label_contains("kappa").next().is_some());
    assert_eq!(h.state().session().scenario().spec.name, name_before);
    h.get_by_label("OK").click();
    h.run_steps(2);
    assert!(h.state().load_errors().is_none(), "OK closes the error");
}

#[test]
fn save_as_and_reopen_round_trips_the_edited_scenario() {
    let dir = tempdir();
    let target = dir.join("edited.ron");
    let mut h = app_with_preset(&preset("04-momentum-vs-gd.ron"));
    h.get_all_by_label("lr")
        .next()
        .expect("an lr slider")
        .set_value_accesskit(0.75);
    h.run_steps(4);
    let edited = h.state().session().spec().clone();

    save_through_the_dialog(&mut h, &target);
    assert!(target.exists(), "saved to {}", target.display());
    assert!(!h.state().modified(), "saved means not modified");
    assert_eq!(h.state().source(), &Source::File(target.clone()));
    let no_temp_left = std::fs::read_dir(&dir).unwrap().count() == 1;
    assert!(no_temp_left, "only the saved file is in the folder");

    // A fresh app opens the saved file with the same document.
    let h2 = app_with_preset(&target);
    assert_eq!(h2.state().session().spec(), &edited);
}

#[test]
fn dragging_on_the_plot_moves_the_start_points() {
    let mut h = app_with_preset(&preset("04-momentum-vs-gd.ron"));
    let start_before = h.state().session().start_of(0);
    let plot = h.get_by_label("contour plot").rect();
    let from = plot.center();
    let target = plot.center() + egui::vec2(plot.width() * 0.2, -plot.height() * 0.2);
    drag_along(&mut h, from, &[from.lerp(target, 0.5), target]);
    h.run_steps(4);
    let start_after = h.state().session().start_of(0);
    assert!(
        (start_after - start_before).norm() > 1e-3,
        "start moved: {start_before:?} -> {start_after:?}"
    );
    // All runs moved together (no modifier).
    let s1 = h.state().session().start_of(1);
    assert!((s1 - start_after).norm() < 1e-12);
}

#[test]
fn a_start_dragged_out_of_the_box_domain_stays_on_its_edge() {
    let mut h = app_with_preset(&preset("32-reddi-counterexample.ron"));
    let plot = h.get_by_label("contour plot").rect();
    let from = plot.center();
    // The plot's right edge lies beyond the box's x = 1 (the view is widened to about 2).
    let target = egui::pos2(plot.right() - 5.0, plot.center().y);
    let path = [0.5, 0.8, 1.0, 1.0].map(|t| from.lerp(target, t));
    drag_along(&mut h, from, &path);
    h.run_steps(4);
    assert!(notice_texts(&h).is_empty(), "{:?}", notice_texts(&h));
    for run in 0..3 {
        let start = h.state().session().start_of(run);
        assert_eq!(start.x, 1.0, "run {run} snapped to the edge: {start:?}");
        assert!(start.y.abs() <= 1.0, "{start:?}");
    }
}

#[test]
fn caches_are_rebuilt_only_when_the_view_or_simulation_changes() {
    let mut h = app_with_preset(&preset("04-momentum-vs-gd.ron"));
    // The first picture is sampled within a frame budget: over frames on a busy machine.
    for _ in 0..1000 {
        if !h.state().contours_pending() {
            break;
        }
        h.run_steps(1);
    }
    let built = h.state().contour_rebuilds();
    let lines = h.state().loss_rebuilds();
    assert!(built >= 1, "the heat map was built");
    h.get_by_label("Play").click();
    h.run_steps(2);
    let tessellated = h.state().line_tessellations();
    assert!(tessellated >= 1, "the iso-lines were tessellated");
    h.run_steps(10);
    assert!(h.state().session().shown_step() > 0, "it played");
    assert_eq!(
        h.state().line_tessellations(),
        tessellated,
        "playing reuses the iso-lines' triangles"
    );
    assert_eq!(
        h.state().contour_rebuilds(),
        built,
        "playing does not rebuild the heat map"
    );
    assert_eq!(
        h.state().loss_rebuilds(),
        lines,
        "playing does not decimate the loss lines again"
    );
    // Zooming out with the wheel uncovers new ground: the contours are extracted again.
    let plot = h.get_by_label("contour plot").rect();
    h.hover_at(plot.center());
    h.run_steps(1);
    for _ in 0..4 {
        h.event(egui::Event::MouseWheel {
            unit: egui::MouseWheelUnit::Line,
            delta: egui::vec2(0.0, -20.0),
            phase: egui::TouchPhase::Move,
            source: egui::MouseWheelSource::Wheel,
            modifiers: egui::Modifiers::NONE,
        });
        h.run_steps(3);
    }
    // The new picture is sampled within a frame budget, over frames on a busy machine.
    for _ in 0..1000 {
        if !h.state().contours_pending() {
            break;
        }
        h.run_steps(1);
    }
    assert!(
        h.state().contour_rebuilds() > built,
        "zooming out rebuilt the contours ({} rebuilds)",
        h.state().contour_rebuilds()
    );
    assert!(
        h.state().line_tessellations() > tessellated,
        "zooming tessellated the iso-lines again"
    );
}

#[test]
fn the_last_state_is_restored_and_a_corrupt_one_falls_back_with_a_notice() {
    let dir = tempdir();
    let state = dir.join("state.ron");
    let launch = LaunchOptions {
        state_file: Some(state.clone()),
        ..LaunchOptions::default()
    };
    let mut h = harness(launch.clone());
    h.state_mut().open_file(&preset("12-rosenbrock.ron"));
    h.run_steps(2);
    let name = h.state().session().spec().name.clone();
    h.state_mut().persist();
    assert!(state.exists(), "the state was written");

    let restored = harness(launch.clone());
    assert_eq!(restored.state().session().spec().name, name);

    std::fs::write(&state, "(this is not: [a valid state").unwrap();
    let fallback = harness(launch);
    let default_name = harness(LaunchOptions::default())
        .state()
        .session()
        .spec()
        .name
        .clone();
    assert_eq!(fallback.state().session().spec().name, default_name);
    let notices = notice_texts(&fallback);
    assert!(
        notices.iter().any(|t| t.contains("saved state")),
        "a notice says why: {notices:?}"
    );
}

/// Ctrl+Shift+S, type the path, press the dialog's Save button.
fn save_through_the_dialog(h: &mut Harness<'_, OptivizApp>, path: &Path) {
    h.key_press_modifiers(
        egui::Modifiers::COMMAND | egui::Modifiers::SHIFT,
        egui::Key::S,
    );
    h.run_steps(2);
    h.get_by_role_and_label(egui::accesskit::Role::TextInput, "File")
        .set_text_value_accesskit(path.to_str().unwrap());
    h.run_steps(1);
    // The side panel has a Save button too; the dialog's is drawn on top, so it comes last.
    h.get_all_by_role_and_label(egui::accesskit::Role::Button, "Save")
        .last()
        .expect("the dialog's Save button")
        .click();
    h.run_steps(3);
}

fn open_through_the_dialog(h: &mut Harness<'_, OptivizApp>, path: &Path) {
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::O);
    h.run_steps(2);
    h.get_by_role_and_label(egui::accesskit::Role::TextInput, "File")
        .set_text_value_accesskit(path.to_str().unwrap());
    h.run_steps(1);
    h.get_by_label("Open").click();
    h.run_steps(3);
}

#[test]
fn the_theory_panel_follows_kappa_and_sets_the_learning_rate_on_click() {
    let mut h = app_with_preset(&preset("04-momentum-vs-gd.ron"));
    assert!(h.query_by_label("Theory").is_none(), "closed at first");
    h.key_press(egui::Key::T);
    h.run_steps(3);
    h.get_by_label("Theory");
    assert!(
        h.get_all_by_label_contains("l_min = 0.01").next().is_some(),
        "kappa = 100 with l_max = 1 gives l_min = 0.01"
    );

    h.get_all_by_label("kappa")
        .next()
        .expect("the kappa slider")
        .set_value_accesskit(10.0);
    h.run_steps(4);
    assert!(
        h.get_all_by_label_contains("l_min = 0.1 ").next().is_some(),
        "kappa = 10 gives l_min = 0.1"
    );

    // Clicking the middle of the rate curve sets the selected run's lr to a value on its
    // log axis (0.01/l_max .. 3/l_max): somewhere near sqrt(0.03) = 0.17.
    let lr_before = h.state().session().spec().runs[0].optimizer.lr();
    let curve = h.get_by_label("GD rate curve").rect();
    h.hover_at(curve.center());
    h.run_steps(1);
    h.get_by_label("GD rate curve").click();
    h.run_steps(4);
    let lr_after = h.state().session().spec().runs[0].optimizer.lr();
    assert!(
        (lr_after - lr_before).abs() > 1e-6 && (0.01..=3.0).contains(&lr_after),
        "clicking the curve set lr: {lr_before} -> {lr_after}"
    );
}

#[test]
fn saving_to_an_unwritable_place_says_so_and_loses_nothing() {
    let dir = tempdir();
    let blocked = dir.join("not-a-folder");
    std::fs::write(&blocked, "a file where a folder is expected").unwrap();
    let target = blocked.join("scenario.ron");
    let mut h = app_with_preset(&preset("04-momentum-vs-gd.ron"));
    h.get_all_by_label("lr")
        .next()
        .expect("an lr slider")
        .set_value_accesskit(0.6);
    h.run_steps(3);
    let edited = h.state().session().spec().clone();
    save_through_the_dialog(&mut h, &target);
    assert!(!target.exists());
    let errors = notice_texts(&h);
    assert!(
        errors.iter().any(|t| t.contains("not-a-folder")),
        "a notice names the path: {errors:?}"
    );
    assert_eq!(
        h.state().session().spec(),
        &edited,
        "the edit is still there"
    );
    assert!(h.state().modified(), "and still marked unsaved");
}

#[test]
fn focus_mode_shows_only_what_the_preset_names_until_show_everything() {
    use optiviz::scenario::{Element, Theme};
    let mut h = app_with_preset(&preset("03-find-the-step-size.ron"));
    assert_eq!(
        h.state().effective_theme(),
        Theme::Projector,
        "the preset's theme"
    );
    assert!(h.state().focus().is_some());
    assert!(!h.state().shows(Element::Objective));
    assert!(h.query_by_label("Objective").is_none(), "objective hidden");
    assert!(h.query_by_label("Noise").is_none(), "noise hidden");
    assert!(h.query_by_label("Play").is_some(), "playback shown");
    // Exactly the learning-rate slider of the one run, and it works.
    let slider = egui::accesskit::Role::Slider;
    assert_eq!(h.get_all_by_role_and_label(slider, "lr").count(), 1);
    h.get_by_role_and_label(slider, "lr")
        .set_value_accesskit(1.8);
    h.run_steps(6);
    assert!((h.state().session().spec().runs[0].optimizer.lr() - 1.8).abs() < 1e-9);
    assert!(
        h.query_by_label("momentum").is_none(),
        "GD has no momentum slider"
    );

    h.get_by_label("Show everything").click();
    h.run_steps(3);
    assert!(h.state().focus().is_none());
    assert!(
        h.query_by_label("Objective").is_some(),
        "everything is back"
    );
    assert!(h.query_by_label("Noise").is_some());

    // F switches focus mode back on.
    h.key_press(egui::Key::F);
    h.run_steps(3);
    assert!(h.state().focus().is_some());
    assert!(h.query_by_label("Objective").is_none());
}

#[test]
fn the_theme_switches_from_the_menu_and_is_stored_in_the_preset() {
    use optiviz::scenario::Theme;
    let mut h = app_with_preset(&preset("04-momentum-vs-gd.ron"));
    assert_eq!(h.state().session().spec().theme, None);
    let generation = h.state().session().generation();
    h.get_by_label("View").click();
    h.run_steps(2);
    h.get_by_label("Projector theme").click();
    h.run_steps(3);
    assert_eq!(h.state().settings().theme, Theme::Projector);
    assert_eq!(h.state().session().spec().theme, Some(Theme::Projector));
    assert!(h.state().modified(), "saving will store the theme");
    assert_eq!(
        h.state().session().generation(),
        generation,
        "a theme is not a reason to recompute the runs"
    );
    assert!(!h.ctx.global_style().visuals.dark_mode, "light visuals");

    let dir = tempdir();
    let path = dir.join("projector.ron");
    save_through_the_dialog(&mut h, &path);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("theme: Some(Projector)") || text.contains("theme: Projector"),
        "{text}"
    );
    let reopened = optiviz::io::load_preset(&path).unwrap();
    assert_eq!(reopened.spec.theme, Some(Theme::Projector));
}

/// Both pages go through one `Page`: the same keys and the same transport bar do the same
/// things on each, and an edit on either is undone by the same shortcut.
#[test]
fn both_pages_answer_the_same_keys_and_transport_through_one_page() {
    use egui::{Key, Modifiers};
    for (file, edit) in [
        ("12-rosenbrock.ron", "steps"),
        ("mlp/01-xor.ron", "hidden layers"),
    ] {
        let mut h = app_with_preset(&preset(file));
        if h.state().page() == optiviz::ui::PageKind::Surfaces {
            compute_all(&mut h);
        }
        let key = |h: &mut Harness<'_, OptivizApp>, m: Modifiers, k: Key| {
            h.key_press_modifiers(m, k);
            h.run_steps(3);
        };
        let p = h.state().playback();
        assert!(!p.playing && p.shown == 0, "{file}: opens paused at step 0");

        key(&mut h, Modifiers::NONE, Key::ArrowRight);
        assert_eq!(h.state().playback().shown, 1, "{file}: Right steps once");
        key(&mut h, Modifiers::NONE, Key::Space);
        assert!(h.state().playback().playing, "{file}: Space plays");
        h.run_steps(20);
        key(&mut h, Modifiers::NONE, Key::Space);
        let paused = h.state().playback();
        assert!(!paused.playing && paused.shown > 1, "{file}: Space pauses");
        key(&mut h, Modifiers::NONE, Key::R);
        assert_eq!(h.state().playback().shown, 0, "{file}: R resets");

        // The transport bar's buttons are the same widgets on both pages.
        h.get_by_label("Step").click();
        h.run_steps(3);
        assert_eq!(h.state().playback().shown, 1, "{file}: Step");
        h.get_by_label("Reset").click();
        h.run_steps(3);
        assert_eq!(h.state().playback().shown, 0, "{file}: Reset");

        // An edit through the side panel, then Ctrl+Z: back to the file as opened.
        assert!(!h.state().modified());
        // A click on a number turns it into a text box; a digit typed after it changes it.
        h.get_by_label(edit).click();
        h.run_steps(2);
        h.get_by_label(edit).type_text("1");
        key(&mut h, Modifiers::NONE, Key::Enter);
        assert!(h.state().modified(), "{file}: {edit} was edited");
        key(&mut h, Modifiers::COMMAND, Key::Z);
        assert!(!h.state().modified(), "{file}: Ctrl+Z undoes the edit");
    }
}

#[test]
fn the_network_page_trains_live_and_switches_data_sets() {
    use optiviz::scenario::mlp::DatasetKind;
    use optiviz::ui::PageKind as Page;
    let mut h = app_with_preset(&preset("mlp/01-xor.ron"));
    assert_eq!(
        h.state().page(),
        Page::Network,
        "an MLP preset opens the network page"
    );
    let loss_of = |h: &Harness<'_, OptivizApp>| {
        let t = h.state().mlp().unwrap().training();
        let adam = t.runs().len() - 1;
        t.runs()[adam].history().latest().unwrap().train_loss
    };
    let before = loss_of(&h);
    assert_eq!(h.state().mlp().unwrap().training().steps_done(), 0);

    h.get_by_label("Play").click();
    h.run_steps(40);
    let t = h.state().mlp().unwrap().training();
    assert!(t.steps_done() > 0, "Play trains");
    let after = loss_of(&h);
    assert!(after < before, "the loss falls: {before} -> {after}");
    assert!(
        h.query_by_label("decision boundary Adam").is_some(),
        "each run has its decision boundary"
    );
    assert!(h.query_by_label("loss (log)").is_some());

    // Pause, then switch the data set: the training starts over on the new points.
    h.get_by_label("Pause").click();
    h.run_steps(2);
    let steps = h.state().mlp().unwrap().training().steps_done();
    h.get_by_label("Compute slice").click();
    h.run_steps(3);
    for _ in 0..2000 {
        if h.state().mlp().unwrap().slice_progress().is_none() {
            break;
        }
        h.run_steps(1);
    }
    assert_eq!(
        h.state().mlp().unwrap().landscape_step(),
        Some(steps),
        "the loss landscape of the current weights"
    );
    h.get_by_role_and_label(egui::accesskit::Role::ComboBox, "data set")
        .click();
    h.run_steps(2);
    h.get_by_label("Circle").click();
    h.run_steps(3);
    let mlp = h.state().mlp().unwrap();
    assert_eq!(mlp.scenario().spec.dataset.kind, DatasetKind::Circle);
    assert_eq!(
        mlp.training().steps_done(),
        0,
        "a new data set starts from step 0"
    );
    assert!(h.state().modified());

    // Step and Reset by label, and back to the 2-D page.
    h.get_by_label("Step").click();
    h.run_steps(2);
    assert_eq!(h.state().mlp().unwrap().training().steps_done(), 1);
    h.get_by_label("Reset").click();
    h.run_steps(2);
    assert_eq!(h.state().mlp().unwrap().training().steps_done(), 0);
    h.get_by_label("2-D surfaces").click();
    h.run_steps(3);
    assert_eq!(h.state().page(), Page::Surfaces);
    assert!(h.query_by_label("contour plot").is_some());
}

#[test]
fn a_race_gif_is_encoded_with_progress_and_can_be_cancelled() {
    let mut h = app_with_preset(&preset("04-momentum-vs-gd.ron"));
    let dir = tempdir().join("gifs");
    let ctx = h.ctx.clone();
    h.state_mut()
        .apply(&ctx, optiviz::ui::Command::SetScreenshotDir(dir.clone()));
    let gifs = |dir: &Path| {
        std::fs::read_dir(dir).map_or(0, |d| {
            d.flatten()
                .filter(|e| e.path().extension().is_some_and(|x| x == "gif"))
                .count()
        })
    };

    // Start, see the progress window, cancel: nothing is written.
    h.get_by_label("File").click();
    h.run_steps(2);
    h.get_by_label("Export race as GIF").click();
    h.run_steps(3);
    assert!(
        h.query_by_label("Exporting GIF").is_some(),
        "a progress window"
    );
    h.get_by_label("Cancel").click();
    h.run_steps(3);
    assert!(h.query_by_label("Exporting GIF").is_none());
    assert_eq!(gifs(&dir), 0, "a cancelled export writes nothing");
    assert!(notice_texts(&h).iter().any(|t| t.contains("cancelled")));

    // Start again and let it finish, the interface drawing frames all along.
    h.get_by_label("File").click();
    h.run_steps(2);
    h.get_by_label("Export race as GIF").click();
    let mut frames = 0;
    while h.query_by_label("Exporting GIF").is_some() || frames < 2 {
        h.run_steps(1);
        frames += 1;
        assert!(frames < 5000, "the export finishes");
    }
    assert!(frames > 3, "the work was spread over {frames} frames");
    assert_eq!(gifs(&dir), 1);
    let file = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .next()
        .unwrap()
        .path();
    let bytes = std::fs::read(&file).unwrap();
    assert!(bytes.starts_with(b"GIF89a"), "{}", file.display());
    assert!(notice_texts(&h).iter().any(|t| t.contains("Saved")));
}

#[test]
fn the_app_and_the_figures_colour_every_run_alike_in_the_projector_theme() {
    use optiviz::render::{Figure, FigureOptions, simulate};
    use optiviz::scenario::Theme;
    // Palette colours by position, and one given explicitly that happens to be a palette
    // colour of the dark theme (the copies of the rule used to disagree about it).
    let dir = tempdir();
    let path = dir.join("projector.ron");
    std::fs::write(
        &path,
        "(theme: Projector, steps: 100, runs: [\
           (optimizer: GD(lr: 0.5)), (optimizer: GD(lr: 1.0)), \
           (optimizer: GD(lr: 1.5), color: \"#e69f00\"), (optimizer: GD(lr: 0.2))])",
    )
    .unwrap();
    let mut h = harness(LaunchOptions {
        preset: Some(path),
        at_step: Some(1_000),
        ..LaunchOptions::default()
    });
    common::compute_all(&mut h);
    h.run_steps(3);
    assert_eq!(h.state().effective_theme(), Theme::Projector);
    let drawn: Vec<egui::Color32> = common::painted(&h)
        .into_iter()
        .filter_map(|(_, s)| match s {
            egui::Shape::Path(p) if p.points.len() > 2 => match p.stroke.color {
                egui::epaint::ColorMode::Solid(c) if c.a() == 255 => Some(c),
                _ => None,
            },
            _ => None,
        })
        .collect();
    let scenario = h.state().session().scenario().clone();
    let sim = simulate(&scenario, scenario.spec.steps).unwrap();
    let options = FigureOptions {
        theme: Theme::Projector,
        ..FigureOptions::for_scenario(&scenario)
    };
    let svg = Figure::new(&scenario, &sim, options).unwrap().to_svg();
    for run in scenario.enabled_runs() {
        let [r, g, b] = run.color.rgb(Theme::Projector);
        assert!(
            drawn.contains(&egui::Color32::from_rgb(r, g, b)),
            "{}: the app draws #{r:02x}{g:02x}{b:02x}",
            run.label
        );
        let hex = format!("#{r:02x}{g:02x}{b:02x}");
        assert!(
            svg.contains(&format!("stroke=\"{hex}\"")),
            "{}: the figure draws {hex}",
            run.label
        );
    }
}

#[test]
fn opening_a_preset_never_changes_values_beyond_the_sliders() {
    // Valid values outside the editors' slider ranges (momentum up to 0.999, history_size up to
    // 200, minibatch copies up to 2000): shown, kept, not rewritten, not marked modified.
    let dir = tempdir();
    let path = dir.join("beyond.ron");
    std::fs::write(
        &path,
        "(noise: (kind: Minibatch(n: 5000, batch_size: 4000, spread: 1.0)), runs: [\
         (optimizer: SGD(lr: 0.01, momentum: 0.9995)),\
         (optimizer: LBFGS(history_size: 500, max_iter: 300)),\
         ], steps: 50)",
    )
    .unwrap();
    let mut h = app_with_preset(&path);
    let opened = h.state().session().spec().clone();
    // The selected (first) run's editor is open, with its momentum slider.
    assert!(
        h.get_all_by_label("momentum").next().is_some(),
        "the momentum slider is drawn"
    );
    h.run_steps(6);
    assert_eq!(h.state().session().spec(), &opened, "nothing was rewritten");
    assert!(!h.state().modified(), "opening is not an edit");
}

#[test]
fn a_state_file_with_values_out_of_range_starts_with_a_notice() {
    let dir = tempdir();
    let state = dir.join("state.ron");
    std::fs::write(
        &state,
        "(zoom: NaN, export_density: NaN, builtin: Some(99999), show_theory: true)",
    )
    .unwrap();
    let h = harness(LaunchOptions {
        state_file: Some(state),
        ..LaunchOptions::default()
    });
    let notices = notice_texts(&h);
    assert!(
        notices
            .iter()
            .any(|t| t.contains("zoom") && t.contains("export_density")),
        "the notice names the fields that fell back: {notices:?}"
    );
}

#[test]
fn a_state_file_with_a_field_of_the_wrong_type_keeps_the_others() {
    let dir = tempdir();
    let state = dir.join("state.ron");
    std::fs::write(
        &state,
        "(zoom: \"big\", show_theory: true, builtin: Some(11))",
    )
    .unwrap();
    let h = harness(LaunchOptions {
        state_file: Some(state),
        ..LaunchOptions::default()
    });
    let notices = notice_texts(&h);
    assert!(
        notices
            .iter()
            .any(|t| t.contains("could not be read (zoom)")),
        "the notice names the field: {notices:?}"
    );
    assert!(
        h.state().settings().show_theory,
        "the other fields are kept"
    );
}

#[test]
fn saving_over_a_commented_preset_refuses_and_offers_save_as() {
    let dir = tempdir();
    let path = dir.join("annotated.ron");
    let text = std::fs::read_to_string(preset("04-momentum-vs-gd.ron")).unwrap();
    assert!(text.contains("//"), "the shipped preset has comments");
    std::fs::write(&path, &text).unwrap();
    let mut h = app_with_preset(&path);
    h.get_all_by_label("lr")
        .next()
        .expect("an lr slider")
        .set_value_accesskit(0.6);
    h.run_steps(3);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::S);
    h.run_steps(3);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text, "file kept");
    let notices = notice_texts(&h);
    assert!(
        notices
            .iter()
            .any(|t| t.contains("comments") && t.contains("Save As")),
        "{notices:?}"
    );
    assert!(h.state().modified(), "the edit is still unsaved");
}

#[test]
fn a_step_slower_than_a_frame_is_computed_across_frames_and_the_app_answers() {
    // L-BFGS at its limits on 100,000 minibatch copies, 16 runs: one step costs over a
    // hundred million gradients. Every frame returns (the step is cut off at the frame's
    // deadline, its work kept), the transport says what is going on, and the app answers
    // keys and edits meanwhile.
    let run = "(optimizer: LBFGS(history_size: 1000, max_iter: 1000, max_eval: 1250, \
               tolerance_grad: 0, tolerance_change: 0, line_search_fn: StrongWolfe))";
    let runs = vec![run; 16].join(",");
    let text = format!(
        "(noise: (kind: Minibatch(n: 100000, batch_size: 100000, spread: 1.0)), runs: \
         [{runs}], steps: 20)"
    );
    let path = tempdir().join("slow-steps.ron");
    std::fs::write(&path, text).unwrap();
    let mut h = app_with_preset(&path);
    assert!(h.state().load_errors().is_none());
    h.run_steps(4);
    let session = h.state().session();
    assert_eq!(session.frontier(), 0, "no step can have finished yet");
    let (run, progress) = session.cut_off().expect("a step in progress");
    assert!(progress.kept + progress.terms.map_or(0, |t| t.0) > 0);
    assert!(run < 16);
    let texts: Vec<String> = common::painted_texts(&h).into_iter().map(|t| t.0).collect();
    assert!(
        texts.iter().any(|t| t.starts_with("slow step of ")),
        "the transport shows the slow step: {texts:?}"
    );
    // Keys answer: Space plays, R goes back to step 0.
    h.key_press(egui::Key::Space);
    h.run_steps(2);
    assert!(h.state().session().playing());
    h.key_press(egui::Key::R);
    h.run_steps(2);
    assert_eq!(h.state().source(), &Source::File(path.clone()));
}

#[test]
fn a_formula_slow_to_evaluate_is_drawn_over_several_frames() {
    // 17 terms of sin(exp(cos(.))): a few microseconds a value, far over a frame for the
    // whole grid. Frames return with the picture under way (the plot says so), the keys
    // answer, and the finished picture arrives.
    let formula = (1..18)
        .map(|i| format!("sin(exp(cos({i}*x))*y)"))
        .collect::<Vec<_>>()
        .join("+");
    let text = format!(
        "(objective: Expression(text: \"{formula}\"), runs: [(optimizer: GD(lr: 0.001))], \
         steps: 10)"
    );
    let path = tempdir().join("slow-formula.ron");
    std::fs::write(&path, text).unwrap();
    let mut h = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_ui_state(
            |ui, app: &mut OptivizApp| app.ui_root(ui),
            OptivizApp::new(LaunchOptions {
                preset: Some(path.clone()),
                ..LaunchOptions::default()
            }),
        );
    h.run_steps(6);
    assert!(h.state().load_errors().is_none());
    assert!(
        h.state().contours_pending(),
        "six frames cannot have sampled it all"
    );
    let texts: Vec<String> = common::painted_texts(&h).into_iter().map(|t| t.0).collect();
    assert!(
        texts
            .iter()
            .any(|t| t.starts_with("drawing the contours: ")),
        "{texts:?}"
    );
    h.key_press(egui::Key::Space);
    h.run_steps(1);
    assert!(h.state().session().playing(), "keys answer meanwhile");
    let mut frames = 0;
    while h.state().contours_pending() {
        h.run_steps(1);
        frames += 1;
        assert!(frames < 20_000, "the picture never finished");
    }
    assert_eq!(h.state().contour_rebuilds(), 1, "one picture, finished");
}

#[test]
fn presets_at_every_limit_open_and_play_in_the_app() {
    // Each accepted at its limits (see README, Robustness), opened and played for a few
    // frames as a user would: no panic, the page keeps its document.
    let label = "L".repeat(100);
    let runs16 = vec!["(optimizer: Adam(lr: 0.05))"; 16].join(",");
    let product = vec!["(x+y)"; 40].join("*");
    let texts = [
        format!(
            "(objective: Rastrigin(), steps: 10000000, runs: [(label: \"{label}\", optimizer: \
             LBFGS(history_size: 1000, max_iter: 1000, max_eval: 1250, tolerance_grad: 0, \
             tolerance_change: 0, line_search_fn: StrongWolfe))])"
        ),
        "(objective: Expression(text: \"sqrt(x) + y^2\"), runs: [(optimizer: LBFGS(max_iter: \
         1000, tolerance_grad: 0, tolerance_change: 0), start: (-1, 1))])"
            .to_owned(),
        // One step averages 100,000 gradients: a frame computes one step, not thousands.
        "(noise: (kind: Minibatch(n: 100000, batch_size: 100000, spread: 1.0)), runs: [()], \
         steps: 30)"
            .to_owned(),
        format!("(runs: [{runs16}], steps: 100000)"),
        format!("(objective: Expression(text: \"{product}\"), runs: [(optimizer: Newton())])"),
        "(runs: [(optimizer: GD(lr: 1e-300), schedule: Exponential(gamma: 1e10))])".to_owned(),
    ];
    let dir = tempdir();
    for (i, text) in texts.iter().enumerate() {
        let path = dir.join(format!("limit-{i}.ron"));
        std::fs::write(&path, text).unwrap();
        let mut h = app_with_preset(&path);
        assert!(
            h.state().load_errors().is_none(),
            "{i}: {:?}",
            h.state().load_errors()
        );
        h.key_press(egui::Key::Space);
        h.run_steps(5);
        assert_eq!(h.state().source(), &Source::File(path.clone()), "{i}");
    }
}
