//! Headless figures end to end: every shipped preset as PNG and SVG, a golden image guarding
//! the look, animated GIFs, and the `render` / `render-deck` commands.
//!
//! The golden image (tests/data/golden/momentum-320x200.png) is compared by the mean absolute
//! difference per channel, tolerance [`GOLDEN_TOLERANCE`] (of 255): rasteriser details may move
//! a few anti-aliased pixels, a changed look moves far more. After a deliberate change of the
//! look, regenerate it with `OPTIVIZ_BLESS=1 cargo test --test render golden` and look at it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failed unwrap is a failed test"
)]

use optiviz::render::{Figure, FigureOptions, GifJob, GifOptions, simulate};
use optiviz::scenario::builtin::BUILTIN;
use optiviz::scenario::{self, Scenario, Theme};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Mean absolute per-channel difference allowed against the golden image (0 to 255).
const GOLDEN_TOLERANCE: f64 = 2.0;

fn builtin(i: usize) -> Scenario {
    scenario::parse(BUILTIN[i].text, BUILTIN[i].file).unwrap()
}

fn sized(s: &Scenario, width: u32, height: u32) -> FigureOptions {
    FigureOptions {
        width,
        height,
        ..FigureOptions::for_scenario(s)
    }
}

fn distinct_colours(rgba: &[u8]) -> usize {
    rgba.chunks_exact(4)
        .map(|p| [p[0], p[1], p[2]])
        .collect::<HashSet<_>>()
        .len()
}

#[test]
fn the_png_holds_exactly_the_pixels_drawn() {
    let s = builtin(0);
    let sim = simulate(&s, s.spec.steps).unwrap();
    let figure = Figure::new(&s, &sim, sized(&s, 800, 500)).unwrap();
    let drawn = figure.to_image().unwrap();
    let png = figure.to_png().unwrap();
    let read = image::load_from_memory(&png).unwrap().to_rgba8();
    assert_eq!(read.dimensions(), (drawn.width, drawn.height));
    assert!(read.as_raw() == &drawn.rgba, "the PNG is lossless");
}

#[test]
fn every_shipped_preset_renders_to_png_and_svg() {
    for (i, b) in BUILTIN.iter().enumerate() {
        let s = builtin(i);
        let sim = simulate(&s, s.spec.steps).unwrap();

        let png = Figure::new(&s, &sim, sized(&s, 640, 400))
            .unwrap()
            .to_png()
            .unwrap();
        assert_eq!(&png[1..4], b"PNG", "{}", b.file);
        let img = image::load_from_memory(&png).unwrap().to_rgba8();
        assert_eq!(img.dimensions(), (640, 400), "{}", b.file);
        let colours = distinct_colours(img.as_raw());
        assert!(colours > 500, "{}: only {colours} colours", b.file);
        assert!(png.len() < 1_000_000, "{}: {} bytes", b.file, png.len());

        let svg = Figure::new(&s, &sim, FigureOptions::for_scenario(&s))
            .unwrap()
            .to_svg();
        assert!(
            svg.len() < 800_000,
            "{}: SVG of {} bytes is too big",
            b.file,
            svg.len()
        );
        let doc = roxmltree::Document::parse(&svg)
            .unwrap_or_else(|e| panic!("{}: SVG is not XML: {e}", b.file));
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "svg");
        assert_eq!(root.attribute("width"), Some("1600"));
        assert_eq!(root.attribute("height"), Some("1000"));
        let count = |name: &str| {
            doc.descendants()
                .filter(|n| n.tag_name().name() == name)
                .count()
        };
        assert!(count("path") >= 10, "{}: {} paths", b.file, count("path"));
        assert!(count("text") >= 10, "{}: {} texts", b.file, count("text"));
        assert_eq!(count("image"), 1, "{}: the heat map", b.file);
        let texts: String = doc
            .descendants()
            .filter(|n| n.tag_name().name() == "text")
            .filter_map(|n| n.text())
            .collect::<Vec<_>>()
            .join("\n");
        assert!(texts.contains(&s.spec.name), "{}: title", b.file);
        for run in s.enabled_runs() {
            assert!(texts.contains(&run.label), "{}: {}", b.file, run.label);
        }
    }
}

#[test]
fn themes_look_different_and_caption_names_hyperparameters() {
    let s = builtin(3);
    let sim = simulate(&s, s.spec.steps).unwrap();
    let mut backgrounds = Vec::new();
    for theme in Theme::ALL {
        let options = FigureOptions {
            theme,
            ..sized(&s, 400, 300)
        };
        let img = Figure::new(&s, &sim, options).unwrap().to_image().unwrap();
        backgrounds.push([img.rgba[0], img.rgba[1], img.rgba[2]]);
    }
    assert_ne!(backgrounds[0], backgrounds[1], "dark and light");
    let svg = Figure::new(&s, &sim, FigureOptions::for_scenario(&s))
        .unwrap()
        .to_svg();
    assert!(svg.contains("SGD lr=3.30579 momentum=0.669421"), "caption");
}

#[test]
fn options_out_of_range_are_errors_not_panics() {
    let s = builtin(0);
    let sim = simulate(&s, 10).unwrap();
    for bad in [
        sized(&s, 0, 100),
        sized(&s, 100_000, 100),
        FigureOptions {
            scale: f32::NAN,
            ..sized(&s, 100, 100)
        },
        FigureOptions {
            view: optiviz::numerics::objectives::ViewRect {
                x: (1.0, 1.0),
                y: (0.0, 1.0),
            },
            ..sized(&s, 100, 100)
        },
    ] {
        assert!(Figure::new(&s, &sim, bad).is_err());
    }
    assert!(simulate(&s, 0).is_err());
    // A view far from every run and a step before the start still draw.
    let far = FigureOptions {
        view: optiviz::numerics::objectives::ViewRect {
            x: (100.0, 101.0),
            y: (100.0, 101.0),
        },
        up_to_step: Some(0),
        scale: 3.0,
        ..sized(&s, 200, 150)
    };
    assert!(Figure::new(&s, &sim, far).unwrap().to_png().is_ok());
    // Sixteen runs: the caption keeps to its share and says how many it left out.
    let many = Scenario::from_spec(optiviz::scenario::workloads::long_scenario(16, 50)).unwrap();
    let sim = simulate(&many, 50).unwrap();
    let svg = Figure::new(&many, &sim, sized(&many, 800, 500))
        .unwrap()
        .to_svg();
    assert!(svg.contains("more</text>"), "…and k more");
    let tiny = Figure::new(&many, &sim, sized(&many, 120, 80)).unwrap();
    assert!(tiny.to_png().is_ok());
}

/// Mean absolute difference per channel of two equally sized RGBA images.
fn mean_abs_diff(a: &[u8], b: &[u8]) -> f64 {
    assert_eq!(a.len(), b.len());
    let total: u64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| u64::from(x.abs_diff(*y)))
        .sum();
    total as f64 / a.len() as f64
}

#[test]
fn golden_image_guards_the_look() {
    let s = builtin(3);
    let sim = simulate(&s, s.spec.steps).unwrap();
    // A thumbnail of the default layout: half the points per pixel.
    let options = FigureOptions {
        theme: Theme::Light,
        scale: 0.5,
        ..sized(&s, 320, 200)
    };
    let png = Figure::new(&s, &sim, options).unwrap().to_png().unwrap();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/golden/momentum-320x200.png");
    if std::env::var_os("OPTIVIZ_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &png).unwrap();
    }
    let golden = image::open(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (OPTIVIZ_BLESS=1 creates it)", path.display()))
        .to_rgba8();
    let now = image::load_from_memory(&png).unwrap().to_rgba8();
    assert_eq!(golden.dimensions(), now.dimensions());
    let d = mean_abs_diff(golden.as_raw(), now.as_raw());
    assert!(
        d <= GOLDEN_TOLERANCE,
        "the figure differs from {} by {d:.2} per channel (tolerance {GOLDEN_TOLERANCE}); \
         if the change is deliberate, regenerate with OPTIVIZ_BLESS=1 and look at it",
        path.display()
    );
    // The tolerance is tight enough to notice a different theme.
    let dark = FigureOptions {
        theme: Theme::Dark,
        scale: 0.5,
        ..sized(&s, 320, 200)
    };
    let other = Figure::new(&s, &sim, dark).unwrap().to_image().unwrap();
    assert!(mean_abs_diff(golden.as_raw(), &other.rgba) > 5.0 * GOLDEN_TOLERANCE);
}

fn gif_options(s: &Scenario, fps: f32, seconds: f32) -> GifOptions {
    let mut o = GifOptions::for_scenario(s);
    (o.figure.width, o.figure.height) = (320, 200);
    o.fps = fps;
    o.seconds = seconds;
    o
}

#[test]
fn gif_has_the_requested_frames_and_they_differ() {
    let s = builtin(3);
    let mut job = GifJob::new(&s, gif_options(&s, 10.0, 1.2)).unwrap();
    // Time slices: one unit of work per call, progress never goes back.
    let mut last = job.progress();
    assert_eq!((last.frames_done, last.frames_total), (0, 12));
    let mut calls = 0;
    while !last.is_done() {
        let p = job.advance(|| true).unwrap();
        assert!(p.frames_done >= last.frames_done && p.frames_done <= last.frames_done + 1);
        last = p;
        calls += 1;
        assert!(calls < 100);
    }
    let bytes = job.finish().unwrap();
    assert!(bytes.starts_with(b"GIF89a"));

    let mut options = gif::DecodeOptions::new();
    options.set_color_output(gif::ColorOutput::RGBA);
    let mut decoder = options.read_info(bytes.as_slice()).unwrap();
    assert_eq!((decoder.width(), decoder.height()), (320, 200));
    let mut frames = Vec::new();
    let mut delays = 0_u32;
    while let Some(frame) = decoder.read_next_frame().unwrap() {
        frames.push((
            frame.left,
            frame.top,
            frame.width,
            frame.height,
            frame.buffer.to_vec(),
        ));
        delays += u32::from(frame.delay);
    }
    assert_eq!(frames.len(), 12);
    // The first frame is whole; later ones carry what changed, and something does.
    assert_eq!((frames[0].2, frames[0].3), (320, 200));
    assert!(
        frames[1..]
            .iter()
            .any(|f| f.2 > 1 && f.3 > 1 && f.4.chunks_exact(4).any(|p| p[3] == 255))
    );
    assert_ne!(frames[1].4, frames[11].4);
    // 1.2 s of race plus the 1.5 s pause on the last frame, in centiseconds.
    assert_eq!(delays, 120 + 150);
}

#[test]
fn dropping_a_gif_job_cancels_it() {
    let s = builtin(10);
    let mut job = GifJob::new(&s, gif_options(&s, 30.0, 10.0)).unwrap();
    let p = job.advance(|| true).unwrap();
    assert!(!p.is_done());
    drop(job);
    assert!(GifJob::new(&s, gif_options(&s, 0.0, 1.0)).is_err());
    assert!(GifJob::new(&s, gif_options(&s, 50.0, 1000.0)).is_err());
}

fn optiviz(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_optiviz"))
        .args(args)
        .env("RUST_BACKTRACE", "1")
        .output()
        .expect("the binary runs")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("optiviz-render-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn render_writes_png_svg_and_gif() {
    let dir = scratch("one");
    let preset = Path::new(env!("CARGO_MANIFEST_DIR")).join("presets/12-rosenbrock.ron");
    for (file, extra) in [
        ("f.png", vec!["--theme", "projector", "--scale", "2"]),
        ("f.svg", vec!["--theme", "dark", "--no-caption"]),
        ("f.gif", vec!["--fps", "5", "--seconds", "1"]),
    ] {
        let out_path = dir.join(file);
        let mut args = vec![
            "render",
            preset.to_str().unwrap(),
            "--out",
            out_path.to_str().unwrap(),
            "--width",
            "480",
            "--height",
            "300",
            "--steps",
            "200",
        ];
        args.extend(extra);
        let out = optiviz(&args);
        assert!(out.status.success(), "{file}: {}", stderr(&out));
        let bytes = std::fs::read(&out_path).unwrap();
        assert!(bytes.len() > 1000, "{file}");
    }
    let out = optiviz(&["render", preset.to_str().unwrap(), "--out", "x.jpg"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(".png, .svg or .gif"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn render_deck_writes_one_figure_per_preset() {
    let out_dir = scratch("deck").join("new/figures");
    let presets = Path::new(env!("CARGO_MANIFEST_DIR")).join("presets");
    let out = optiviz(&[
        "render-deck",
        presets.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
        "--width",
        "320",
        "--height",
        "200",
        "--steps",
        "50",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut written: Vec<String> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    let expected: Vec<String> = BUILTIN
        .iter()
        .map(|b| b.file.replace(".ron", ".png"))
        .collect();
    assert_eq!(written, expected);
}

#[test]
fn render_deck_reports_a_broken_preset_and_goes_on() {
    let dir = scratch("broken");
    std::fs::write(dir.join("a-good.ron"), "(objective: Beale, runs: [()])").unwrap();
    std::fs::write(
        dir.join("b-bad.ron"),
        "(\n  runs: [(optimizer: SGD(lr: -1.0))],\n)\n",
    )
    .unwrap();
    std::fs::write(dir.join("c-good.ron"), "(runs: [()])").unwrap();
    let out_dir = dir.join("out");
    let out = optiviz(&[
        "render-deck",
        dir.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
        "--format",
        "svg",
        "--width",
        "320",
        "--height",
        "200",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("b-bad.ron:2:30: runs[0].optimizer.lr: must be > 0"),
        "{err}"
    );
    assert!(out_dir.join("a-good.svg").is_file());
    assert!(out_dir.join("c-good.svg").is_file());
    assert!(!out_dir.join("b-bad.svg").exists());
}

#[test]
fn unwritable_output_is_one_clear_line_and_nothing_is_lost() {
    let dir = scratch("unwritable");
    let file = dir.join("a-file");
    std::fs::write(&file, "not a folder").unwrap();
    let presets = Path::new(env!("CARGO_MANIFEST_DIR")).join("presets");

    // The output folder cannot be created: its parent is a file.
    let target = file.join("figures");
    let out = optiviz(&[
        "render-deck",
        presets.to_str().unwrap(),
        "--out",
        target.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains(&format!("cannot create {}", target.display())),
        "{err}"
    );

    // The file cannot be written: the message names it, and an existing figure survives.
    let preset = presets.join("01-gd-zigzag.ron");
    let target = file.join("x.png");
    let out = optiviz(&[
        "render",
        preset.to_str().unwrap(),
        "--out",
        target.to_str().unwrap(),
        "--width",
        "200",
        "--height",
        "150",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains(&format!("cannot write {}", target.display())),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "not a folder");
}

/// Every run that averages (Polyak, tail, ASGD's ax, Schedule-Free's x) draws its averaged
/// iterate as its own white-cased dashed path, and no other run does.
#[test]
fn averaged_iterates_are_drawn_as_their_own_paths() {
    let mut averaging_presets = 0;
    for (i, b) in BUILTIN.iter().enumerate() {
        // Whole paths: an average's last few steps (a trail) may be too short to dash.
        let mut s = builtin(i);
        s.spec.trail = None;
        let sim = simulate(&s, s.spec.steps).unwrap();
        let averaging = sim
            .runs()
            .iter()
            .filter(|r| !r.trajectory().averaged().is_empty())
            .count();
        let svg = Figure::new(&s, &sim, FigureOptions::for_scenario(&s))
            .unwrap()
            .to_svg();
        // White-cased dashes: a white stroke over many pieces (a saddle's white cross has two).
        let cased = roxmltree::Document::parse(&svg)
            .unwrap()
            .descendants()
            .filter(|n| n.attribute("stroke") == Some("#ffffff"))
            .filter(|n| n.attribute("d").is_some_and(|d| d.matches('M').count() > 4))
            .count();
        assert_eq!(cased, averaging, "{}: averaged paths drawn", b.file);
        averaging_presets += usize::from(averaging > 0);
    }
    assert!(averaging_presets >= 3, "presets 23, 22 and 26 average");
}

/// A trail draws only each path's last steps: preset 23's paths (30 steps, 5 runs, drawn with
/// a halo and in colour) have a few hundred vertices in all, against thousands for the whole
/// paths; and every drawn vertex is a point of the last 30 steps.
#[test]
fn a_trail_draws_only_the_last_steps() {
    let i = BUILTIN
        .iter()
        .position(|b| b.file == "23-lr-schedules.ron")
        .unwrap();
    let vertices = |trail: Option<usize>| {
        let mut s = builtin(i);
        s.spec.trail = trail;
        let sim = simulate(&s, s.spec.steps).unwrap();
        let svg = Figure::new(&s, &sim, FigureOptions::for_scenario(&s))
            .unwrap()
            .to_svg();
        roxmltree::Document::parse(&svg)
            .unwrap()
            .descendants()
            .filter_map(|n| n.attribute("d"))
            .map(|d| d.matches(['M', 'L']).count())
            .sum::<usize>()
    };
    let (trail, whole) = (vertices(Some(30)), vertices(None));
    assert!(
        trail < whole / 4,
        "{trail} vertices with a trail, {whole} without"
    );
    let mut s = builtin(i);
    s.spec.trail = Some(30);
    let sim = simulate(&s, 500).unwrap();
    for run in sim.runs() {
        let t = run.trajectory();
        let trail = t.trail(optiviz::numerics::run::Sequence::Iterate, 470, 500);
        assert_eq!(trail.len(), 31);
        assert_eq!(trail.as_slice(), &t.points()[470..=500]);
    }
}

/// `taylor` draws the Taylor models at the chosen run's point, named in a note, as the app's
/// View > Taylor models does; without it the figure has none.
#[test]
fn figures_draw_the_taylor_models_at_a_runs_point() {
    let s = builtin(0);
    let sim = simulate(&s, 3).unwrap();
    let plain = Figure::new(&s, &sim, sized(&s, 800, 500)).unwrap().to_svg();
    let with = Figure::new(
        &s,
        &sim,
        FigureOptions {
            taylor: Some(1),
            ..sized(&s, 800, 500)
        },
    )
    .unwrap()
    .to_svg();
    let label = &s.enabled_runs().nth(1).unwrap().label;
    assert!(
        with.contains(&format!("Taylor models at {label}")),
        "the note"
    );
    assert!(!plain.contains("Taylor models"));
    assert!(
        with.len() > plain.len() + 1000,
        "the models' curves are drawn"
    );
    // A run index beyond the runs draws nothing rather than failing.
    let beyond = Figure::new(
        &s,
        &sim,
        FigureOptions {
            taylor: Some(99),
            ..sized(&s, 800, 500)
        },
    )
    .unwrap()
    .to_svg();
    assert!(!beyond.contains("Taylor models"));
}

#[test]
fn a_box_domain_is_outlined_where_the_view_shows_it() {
    let svg = |domain: &str| {
        let text = format!("(objective: Quadratic(), view: (x: (-2, 2), y: (-2, 2)){domain})");
        let s = scenario::parse(&text, "domain.ron").unwrap();
        let sim = simulate(&s, 1).unwrap();
        // Wide enough for the caption's whole objective line.
        Figure::new(&s, &sim, sized(&s, 1600, 1000))
            .unwrap()
            .to_svg()
    };
    let paths = |svg: &str| svg.matches("<path").count();
    let plain = svg("");
    let boxed = svg(", domain: (x: (-1, 1), y: (-1, 0.5))");
    assert_eq!(paths(&boxed), paths(&plain) + 1, "one outline");
    assert!(
        boxed.contains("projected onto x in [\u{2212}1, 1], y in [\u{2212}1, 0.5]"),
        "the caption names the box"
    );
    // A box the view does not show draws nothing, however large its numbers.
    assert_eq!(
        paths(&svg(", domain: (x: (10, 11), y: (0, 1))")),
        paths(&plain)
    );
    let huge = svg(", domain: (x: (-1e300, 1e300), y: (-1e300, 1e300))");
    assert_eq!(paths(&huge), paths(&plain) + 1);
    assert!(!huge.contains("inf") && !huge.contains("NaN"));
}
