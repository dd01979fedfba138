//! The network page: a data set, a network and several optimizer runs training it live from
//! the same initial weights on the same minibatches. Its session (`session.rs`, no egui) owns
//! the document, the training and playback; this file holds the page's views (the decision
//! boundary of every run, loss / accuracy / gradient-norm plots, a slice of the loss landscape
//! through the current weights) and editors, and its `Page` implementation. Widgets never
//! change the session: they push commands, which `apply` carries out.

use super::editors::{data_ui, network_ui, runs_ui};
use super::plots::Pictures;
use super::session::NetworkSession;
use crate::scenario::Theme;
use crate::scenario::mlp::MlpSpec;
use crate::ui::command::Command;
use crate::ui::history::{Gesture, History, current_gesture};
use crate::ui::page::{Chrome, Page, Playback};
use crate::ui::widgets::integer;
use std::path::{Path, PathBuf};

/// The network page: its session, undo history, file, and the views' picture caches.
pub struct NetworkPage {
    session: NetworkSession,
    history: History<MlpSpec>,
    /// The file the document came from or was saved to.
    file: Option<PathBuf>,
    pictures: Pictures,
    /// The run the landscape controls are about (index among enabled runs).
    landscape_run: usize,
}

impl NetworkPage {
    /// A page on `session`, from `file` if it came from one.
    #[must_use]
    pub fn new(session: NetworkSession, file: Option<PathBuf>) -> Self {
        Self {
            session,
            history: History::default(),
            file,
            pictures: Pictures::default(),
            landscape_run: 0,
        }
    }

    /// The session (document, training, playback).
    #[must_use]
    pub fn session(&self) -> &NetworkSession {
        &self.session
    }

    /// Trains towards `step` within the frame's budget (for `--at-step`); true once there.
    pub fn train_towards(&mut self, step: usize) -> bool {
        self.session.train_towards(step)
    }

    /// Replaces the document after an edit made by `gesture` at `now_secs` (undoable, one step
    /// per gesture).
    fn edit(&mut self, spec: MlpSpec, gesture: Gesture, now_secs: f64) {
        let before = self.session.spec().clone();
        if spec != before && self.session.replace(spec) {
            self.history.record(before, gesture, now_secs);
        }
    }
}

impl Page for NetworkPage {
    fn name(&self) -> &str {
        &self.session.spec().name
    }

    fn description(&self) -> &str {
        &self.session.spec().description
    }

    fn theme(&self) -> Option<Theme> {
        self.session.spec().theme
    }

    fn modified(&self) -> bool {
        self.session.modified()
    }

    fn can_undo(&self) -> bool {
        self.history.can_undo()
    }

    fn can_redo(&self) -> bool {
        self.history.can_redo()
    }

    fn file(&self) -> Option<&Path> {
        self.file.as_deref()
    }

    fn to_ron(&self) -> Result<String, String> {
        crate::scenario::mlp::to_ron(self.session.spec()).map_err(|e| e.to_string())
    }

    fn saved_to(&mut self, path: &Path) {
        self.session.mark_saved();
        self.file = Some(path.to_path_buf());
    }

    fn playback(&self) -> Playback {
        let t = self.session.training();
        Playback {
            playing: self.session.playing(),
            shown: t.steps_done(),
            total: t.total_steps(),
            computed: t.steps_done(),
            speed: self.session.spec().speed,
            max_speed: super::session::MAX_SPEED,
            preset_speed: self.session.saved().speed,
            lagging: self.session.lagging(),
            seekable: false,
            work_ms: Some(self.session.last_train_ms()),
            slow_step: crate::ui::page::slow_step_of(
                self.session.cut_off(),
                self.session
                    .scenario()
                    .enabled_runs()
                    .map(|r| r.label.as_str()),
            ),
        }
    }

    fn frame(&mut self, now_secs: f64) -> bool {
        self.session.tick(now_secs)
    }

    fn ui(&mut self, ui: &mut egui::Ui, _chrome: &mut Chrome<'_>, out: &mut Vec<Command>) {
        egui::Panel::left("mlp-controls")
            .resizable(true)
            .default_size(380.0)
            .size_range(300.0..=620.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical()
                    .auto_shrink([false, false])
                    .show(ui, |ui| self.side_panel(ui, out));
            });
        egui::CentralPanel::default().show(ui, |ui| {
            self.pictures
                .central(ui, &self.session, self.landscape_run, out);
        });
    }

    fn apply(&mut self, ctx: &egui::Context, command: Command) -> Option<Command> {
        let now = ctx.input(|i| i.time);
        match command {
            Command::TogglePlay => self.session.toggle_play(),
            Command::Step => self.session.step(),
            Command::Reset => {
                self.session.reset();
                self.pictures.forget_landscape();
            }
            Command::SetSpeed(v) => self.session.set_speed(v),
            Command::EditNetwork(spec) => self.edit(*spec, current_gesture(ctx), now),
            Command::SetTheme(theme) => {
                if self.session.spec().theme != Some(theme) {
                    let mut spec = self.session.spec().clone();
                    spec.theme = Some(theme);
                    self.edit(spec, Gesture::None, now);
                }
            }
            Command::Undo => {
                if let Some(spec) = self.history.undo(self.session.spec().clone()) {
                    self.session.replace(self.session.keeping_speed(spec));
                }
            }
            Command::Redo => {
                if let Some(spec) = self.history.redo(self.session.spec().clone()) {
                    self.session.replace(self.session.keeping_speed(spec));
                }
            }
            Command::Revert => {
                let saved = self.session.keeping_speed(self.session.saved().clone());
                self.edit(saved, Gesture::None, now);
            }
            Command::ComputeSlice(run) => self.session.compute_slice(run),
            Command::SelectRun(run) => self.landscape_run = run,
            other => return Some(other),
        }
        None
    }
}

impl NetworkPage {
    /// The side panel: data, network, training and runs. Edits the document.
    fn side_panel(&mut self, ui: &mut egui::Ui, out: &mut Vec<Command>) {
        let mut spec = self.session.spec().clone();
        let saved = self.session.saved();
        if let Some(e) = self.session.error() {
            ui.colored_label(ui.visuals().warn_fg_color, e);
        }
        ui.label(egui::RichText::new(self.session.training().describe()).monospace())
            .on_hover_text("Layer sizes, activation, loss and penalty");
        egui::CollapsingHeader::new(egui::RichText::new("Data").heading())
            .default_open(true)
            .show(ui, |ui| data_ui(ui, &mut spec));
        egui::CollapsingHeader::new(egui::RichText::new("Network").heading())
            .default_open(true)
            .show(ui, |ui| network_ui(ui, &mut spec));
        egui::CollapsingHeader::new(egui::RichText::new("Training").heading())
            .default_open(true)
            .show(ui, |ui| {
                integer(
                    ui,
                    "batch size",
                    &mut spec.batch_size,
                    1..=1024,
                    saved.batch_size,
                    "Minibatch size B; every run sees the same batches",
                );
                integer(
                    ui,
                    "steps",
                    &mut spec.steps,
                    1..=1_000_000,
                    saved.steps,
                    "Step budget of every run",
                );
                let mut seed = usize::try_from(spec.seed).unwrap_or(1);
                if integer(
                    ui,
                    "weight seed",
                    &mut seed,
                    0..=1_000_000,
                    1,
                    "Seed of the initial weights and the batch order (shared by all runs)",
                ) {
                    spec.seed = seed as u64;
                }
                ui.checkbox(&mut spec.sharpness, "record the sharpness")
                    .on_hover_text(
                        "At every evaluation, the largest eigenvalue of the training loss's Hessian \
                         (power iteration on Hessian-vector products), plotted against each run's \
                         edge of stability: 2/lr for GD, (2+2m)/((1-dampening) lr) for heavy ball. \
                         Under full-batch GD it grows until it reaches 2/lr and hovers there. Each \
                         evaluation costs a few dozen full-batch gradients more; the runs are \
                         trained again from step 0.",
                    );
            });
        egui::CollapsingHeader::new(egui::RichText::new("Runs").heading())
            .default_open(true)
            .show(ui, |ui| {
                runs_ui(ui, &mut spec, self.session.scenario(), saved);
            });
        if &spec != self.session.spec() {
            out.push(Command::EditNetwork(Box::new(spec)));
        }
    }
}
