//! One way to build a page. A page is a session that owns its document, computation and
//! playback and knows no egui (the 2-D page's `Session`, the network page's
//! `NetworkSession`), views that draw it, and this trait, through which the app's chrome
//! (top bar, transport bar, menus, files, exports) talks to whichever page is on screen. Every
//! change a page's widgets ask for is a `Command` that comes back to the page's `apply`.

use super::command::Command;
pub use super::command::PageKind;
use super::settings::Settings;
use super::widgets::fmt_num;
use crate::scenario::Theme;
use crate::ui::region::Regions;
use std::path::Path;

/// Where playback stands, for the transport bar both pages share.
#[derive(Clone, Debug, PartialEq)]
pub struct Playback {
    /// Playing or paused.
    pub playing: bool,
    /// The step on screen.
    pub shown: usize,
    /// The step budget.
    pub total: usize,
    /// Steps computed so far (the 2-D page computes ahead of what it shows).
    pub computed: usize,
    /// Steps per second.
    pub speed: f64,
    /// The speed slider's end.
    pub max_speed: f64,
    /// The preset's speed (double-click on the speed slider).
    pub preset_speed: f64,
    /// The speed actually achieved, when it falls short of `speed`.
    pub lagging: Option<f64>,
    /// The timeline can scrub through computed steps (the network trains forward only).
    pub seekable: bool,
    /// Milliseconds of work the last frame did (the network page's training slice).
    pub work_ms: Option<f64>,
    /// A step that takes longer than a frame, computed across frames: which run and how far
    /// (`slow_step_text` words it).
    pub slow_step: Option<String>,
}

/// The progress line of a step cut off at a frame's deadline: the run's label and what the
/// step has computed so far.
#[must_use]
pub fn slow_step_text(label: &str, progress: crate::numerics::resume::Progress) -> String {
    let plural = if progress.kept == 1 { "" } else { "s" };
    let kept = format!(
        "slow step of {label}: {} gradient{plural} kept",
        grouped(progress.kept)
    );
    match progress.terms {
        Some((done, of)) => format!(
            "{kept}, {} / {} terms of the next",
            grouped(done),
            grouped(of)
        ),
        None => kept,
    }
}

/// The progress line of the page's run `i` whose step was cut off, from the runs' labels.
#[must_use]
pub fn slow_step_of<'a>(
    cut_off: Option<(usize, crate::numerics::resume::Progress)>,
    mut labels: impl Iterator<Item = &'a str>,
) -> Option<String> {
    let (i, progress) = cut_off?;
    Some(slow_step_text(labels.nth(i).unwrap_or("a run"), progress))
}

/// A count with thousands separators: 100,000.
fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// What a page may read or fill in while it draws, owned by the app.
pub struct Chrome<'a> {
    /// The viewer's settings (layout, what is shown).
    pub settings: &'a Settings,
    /// Where the exportable plots were drawn this frame.
    pub regions: &'a mut Regions,
}

/// A page of the app, as the chrome sees it.
pub trait Page {
    /// The document's name (title bar, top bar).
    fn name(&self) -> &str;
    /// The document's description (top bar).
    fn description(&self) -> &str;
    /// The document's own theme, if it has one.
    fn theme(&self) -> Option<Theme>;
    /// True when the document differs from its file (speed aside).
    fn modified(&self) -> bool;
    /// True when an edit can be undone.
    fn can_undo(&self) -> bool;
    /// True when an undone edit can be redone.
    fn can_redo(&self) -> bool;
    /// The file the document came from or was saved to, if any.
    fn file(&self) -> Option<&Path>;
    /// The document as preset text, for saving.
    fn to_ron(&self) -> Result<String, String>;
    /// The document was saved to `path`.
    fn saved_to(&mut self, path: &Path);
    /// Where playback stands.
    fn playback(&self) -> Playback;
    /// Whether the transport bar is shown (focus mode may hide it).
    fn shows_transport(&self) -> bool {
        true
    }
    /// This frame's work (computing, training, playback) at `now_secs`; true when the page
    /// wants another frame soon.
    fn frame(&mut self, now_secs: f64) -> bool;
    /// Draws the side panel and the central area into `ui` (the part below the top bar and
    /// above the transport bar), pushing commands.
    fn ui(&mut self, ui: &mut egui::Ui, chrome: &mut Chrome<'_>, out: &mut Vec<Command>);
    /// Carries out a command meant for this page; gives back the ones that are not.
    fn apply(&mut self, ctx: &egui::Context, command: Command) -> Option<Command>;
}

/// The transport bar both pages share: Play/Pause, Step, Reset, speed, the timeline (or the
/// progress of a page that cannot scrub) and the step counter, which is measured first so the
/// timeline never cuts it.
pub fn transport_ui(ui: &mut egui::Ui, p: &Playback, out: &mut Vec<Command>) {
    use super::command::Action;
    ui.horizontal(|ui| {
        let label = if p.playing { "Pause" } else { "Play" };
        if ui
            .add(egui::Button::new(label).min_size(egui::vec2(92.0, 0.0)))
            .on_hover_text(Action::TogglePlay.hover_text())
            .clicked()
        {
            out.push(Command::TogglePlay);
        }
        for action in [Action::Step, Action::Reset] {
            if ui
                .button(action.row().label)
                .on_hover_text(action.hover_text())
                .clicked()
            {
                out.push(action.command());
            }
        }
        ui.separator();
        let mut speed = p.speed;
        ui.label("speed");
        let r = ui
            .add(
                egui::Slider::new(&mut speed, 1.0..=p.max_speed)
                    .logarithmic(true)
                    .suffix(" steps/s")
                    .custom_formatter(|v, _| fmt_num(v)),
            )
            .on_hover_text("Steps per second. Double-click for the preset's speed.");
        let double_clicked = r.contains_pointer()
            && ui.input(|i| {
                i.pointer
                    .button_double_clicked(egui::PointerButton::Primary)
            });
        if double_clicked {
            out.push(Command::SetSpeed(p.preset_speed));
        } else if r.changed() {
            out.push(Command::SetSpeed(speed));
        }
        if let Some(achieved) = p.lagging {
            ui.label(
                egui::RichText::new(format!("achieved {}", fmt_num(achieved.round())))
                    .color(ui.visuals().warn_fg_color),
            )
            .on_hover_text(
                "The computation cannot keep up with the speed set: this is the speed \
                 playback reaches",
            );
        }
        ui.separator();
        timeline_ui(ui, p, out);
    });
}

fn timeline_ui(ui: &mut egui::Ui, p: &Playback, out: &mut Vec<Command>) {
    let computing = if p.seekable && p.computed < p.total {
        format!(" (computing {})", p.computed)
    } else {
        String::new()
    };
    let counter = format!("step {} / {}{computing}", p.shown, p.total);
    let slow = p.slow_step.as_deref();
    let work = p.work_ms.map(|ms| format!("{ms:.1} ms"));
    let measure = |text: &str, style: egui::TextStyle| {
        ui.painter()
            .layout_no_wrap(
                text.to_owned(),
                style.resolve(ui.style()),
                egui::Color32::WHITE,
            )
            .size()
            .x
    };
    let counter_width = measure(&counter, egui::TextStyle::Monospace)
        + work
            .as_deref()
            .map_or(0.0, |w| measure(w, egui::TextStyle::Small))
        + slow.map_or(0.0, |w| measure(w, egui::TextStyle::Small));
    let gaps = 4.0 * ui.spacing().item_spacing.x;
    let width = (ui.available_width() - counter_width - gaps).max(80.0);
    let (shown, total, computed) = (p.shown as f64, p.total as f64, p.computed as f64);
    if p.seekable {
        ui.spacing_mut().slider_width = width;
        let mut step = shown;
        let r = ui
            .add(
                egui::Slider::new(&mut step, 0.0..=total)
                    .step_by(1.0)
                    .show_value(false),
            )
            .on_hover_text("Timeline: drag to scrub through the computed steps");
        if r.changed() {
            out.push(Command::Seek(step.min(computed)));
        }
    } else {
        #[allow(clippy::cast_possible_truncation, reason = "a fraction in 0..=1")]
        let fraction = (shown / total.max(1.0)) as f32;
        ui.add(egui::ProgressBar::new(fraction).desired_width(width));
    }
    ui.label(egui::RichText::new(counter).monospace());
    if let Some(w) = work {
        ui.label(egui::RichText::new(w).small().weak())
            .on_hover_text("Time the last frame spent training (the budget is 8 ms)");
    }
    if let Some(text) = slow {
        ui.label(
            egui::RichText::new(text)
                .small()
                .color(ui.visuals().warn_fg_color),
        )
        .on_hover_text(
            "This step takes longer than a frame (slow gradients: many minibatch copies, a \
             long formula, many line-search evaluations, a large batch). It is computed \
             across frames and keeps what it has done, so the app stays responsive; the \
             result is the same as in one go. Any edit, Reset or another scenario stops it.",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::resume::Progress;

    #[test]
    fn the_slow_step_line_names_the_run_and_groups_its_counts() {
        let p = Progress {
            kept: 1,
            terms: Some((55_072, 100_000)),
        };
        assert_eq!(
            slow_step_text("Adam", p),
            "slow step of Adam: 1 gradient kept, 55,072 / 100,000 terms of the next"
        );
        let p = Progress {
            kept: 1250,
            terms: None,
        };
        assert_eq!(
            slow_step_text("L-BFGS", p),
            "slow step of L-BFGS: 1,250 gradients kept"
        );
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_000_000), "1,000,000");
    }
}
