//! Links that open a scenario: `optiviz link` on the command line, Copy link and opening a link
//! in the app, and broken links (positioned errors, the scenario on screen stays). The format
//! itself is tested in `scenario::link`, without the GUI.
#![cfg(feature = "gui")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failed unwrap is a failed test"
)]

mod common;

use common::{harness, preset, tempdir};
use egui_kittest::kittest::Queryable;
use optiviz::scenario::{self, Document};
use optiviz::ui::{Command, LaunchOptions};
use std::process::Command as Process;

fn optiviz(args: &[&str]) -> std::process::Output {
    Process::new(env!("CARGO_BIN_EXE_optiviz"))
        .args(args)
        .env_remove("OPTIVIZ_LINK_BASE")
        .output()
        .expect("the binary runs")
}

#[test]
fn optiviz_link_prints_a_link_that_carries_the_preset_as_written() {
    let file = preset("12-rosenbrock.ron");
    let out = optiviz(&[
        "link",
        file.to_str().unwrap(),
        "--step",
        "40",
        "--base",
        "https://lecture.example/optiviz/",
    ]);
    assert!(out.status.success(), "{out:?}");
    let link = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert!(
        link.starts_with("https://lecture.example/optiviz/#s="),
        "{link}"
    );
    let carried = scenario::link::parse(&link).expect("the link reads back");
    assert_eq!(carried.document, std::fs::read_to_string(&file).unwrap());
    assert_eq!(carried.step, Some(40));
    // Without --base: the local web build.
    let out = optiviz(&["link", file.to_str().unwrap()]);
    let link = String::from_utf8(out.stdout).unwrap();
    assert!(link.starts_with(scenario::link::DEFAULT_BASE), "{link}");
    // Every shipped preset of both kinds makes a link that opens as that document.
    for entry in std::fs::read_dir(preset("mlp")).unwrap() {
        let path = entry.unwrap().path();
        let out = optiviz(&["link", path.to_str().unwrap()]);
        let link = String::from_utf8(out.stdout).unwrap();
        match scenario::parse_link(link.trim()) {
            Ok((Document::Network(_), None)) => {}
            other => panic!("{}: {other:?}", path.display()),
        }
    }
}

#[test]
fn optiviz_link_refuses_a_broken_preset_and_a_csv_it_cannot_carry() {
    let dir = tempdir();
    let broken = dir.join("broken.ron");
    std::fs::write(&broken, "(\n    objective: Quadratic(kappa: -3.0),\n)\n").unwrap();
    let out = optiviz(&["link", broken.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("broken.ron:2:"), "{err}");
    assert!(out.stdout.is_empty(), "no link for a broken preset");

    let csv = dir.join("points.csv");
    std::fs::write(&csv, "0,0,0\n1,1,1\n0,1,0\n1,0,1\n").unwrap();
    let net = dir.join("net.ron");
    let text = std::fs::read_to_string(preset("mlp/01-xor.ron")).unwrap();
    let with_csv = text.replace(
        "kind: Xor",
        "kind: Csv(path: \"points.csv\", task: Classification)",
    );
    assert_ne!(with_csv, text);
    std::fs::write(&net, with_csv).unwrap();
    let check = optiviz(&["check", net.to_str().unwrap()]);
    assert!(check.status.success(), "the preset is valid: {check:?}");
    let out = optiviz(&["link", net.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("cannot travel in a link") && err.contains("points.csv"),
        "{err}"
    );
}

#[test]
fn a_link_opens_its_scenario_in_the_app_at_its_step() {
    let text = std::fs::read_to_string(preset("16-himmelblau.ron")).unwrap();
    let link = scenario::link::make("", &text, Some(25));
    let mut h = harness(LaunchOptions {
        link: Some(link),
        ..LaunchOptions::default()
    });
    h.run_steps(10);
    let expected = scenario::parse(&text, "x").unwrap();
    assert_eq!(h.state().session().spec().name, expected.spec.name);
    assert_eq!(h.state().source(), &optiviz::ui::Source::Unsaved);
    let playback = h.state().playback();
    assert_eq!((playback.shown, playback.playing), (25, false));
    assert!(h.state().load_errors().is_none());
}

#[test]
fn a_broken_link_shows_where_it_breaks_and_the_scenario_stays() {
    let mut h = harness(LaunchOptions::default());
    h.run_steps(3);
    let before = h.state().session().spec().name.clone();
    let text = std::fs::read_to_string(preset("16-himmelblau.ron")).unwrap();
    let good = scenario::link::make("http://h/", &text, None);
    let ctx = h.ctx.clone();
    // Cut off, a foreign character, and a document inside with a bad value.
    let bad_value = scenario::link::make("http://h/", &text.replace("steps:", "steps: -"), None);
    for (link, expect) in [
        (good[..good.len() - 7].to_owned(), "cut off"),
        (
            format!("{}*{}", &good[..30], &good[31..]),
            "link:1:31: s: `*`",
        ),
        (bad_value, "link:"),
    ] {
        h.state_mut().apply(&ctx, Command::OpenLink(link));
        h.run_steps(2);
        let errors = h
            .state()
            .load_errors()
            .expect("the error dialog")
            .join("\n");
        assert!(errors.contains(expect), "{expect}: {errors}");
        assert!(
            h.query_by_label_contains("link:1:").is_some() || expect == "link:",
            "the position is on screen"
        );
        assert_eq!(
            h.state().session().spec().name,
            before,
            "the scenario stays"
        );
        h.get_by_label("OK").click();
        h.run_steps(2);
        assert!(h.state().load_errors().is_none());
    }
}

#[test]
fn copy_link_copies_the_edited_document_and_the_paused_step() {
    let mut h = harness(LaunchOptions {
        preset: Some(preset("12-rosenbrock.ron")),
        ..LaunchOptions::default()
    });
    h.run_steps(3);
    let ctx = h.ctx.clone();
    let mut spec = h.state().session().spec().clone();
    spec.name = "Edited in class".to_owned();
    h.state_mut()
        .apply(&ctx, Command::Edit(Box::new(spec.clone())));
    h.state_mut().apply(&ctx, Command::Seek(30.0));
    h.run_steps(3);
    // Through the menu, as a lecturer would.
    h.get_by_label("File").click();
    h.run_steps(2);
    h.get_by_label_contains("Copy link").click();
    let mut copied = None;
    for _ in 0..4 {
        h.step();
        for c in &h.output().platform_output.commands {
            if let egui::OutputCommand::CopyText(t) = c {
                copied = Some(t.clone());
            }
        }
    }
    let link = copied.expect("a link was copied");
    assert!(link.starts_with(scenario::link::DEFAULT_BASE), "{link}");
    let notice = common::notice_texts(&h).join("\n");
    assert!(
        notice.contains("Link to \"Edited in class\" at step 30 copied"),
        "{notice}"
    );
    // Opening it elsewhere gives the same document.
    match scenario::parse_link(&link).expect("it opens") {
        (Document::Surface(s), step) => {
            assert_eq!(s.spec, spec);
            assert_eq!(step, Some(30));
        }
        other => panic!("{other:?}"),
    }
}
