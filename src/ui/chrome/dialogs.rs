//! Dialogs drawn by the app itself (they work everywhere, including a bare X server without a
//! desktop portal): open/save a preset, pick a folder, keyboard help, load errors.

use crate::io;
use crate::ui::command::Command;
use std::path::{Path, PathBuf};

/// What the file dialog is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Open a preset.
    Open,
    /// Save the scenario.
    Save,
    /// Choose the screenshot folder.
    Folder,
}

/// What a dialog's frame ended with.
#[derive(Debug)]
pub enum Outcome {
    /// Still open.
    Open,
    /// Closed without a choice.
    Cancelled,
    /// Closed with this command to run.
    Confirmed(Command),
}

/// A simple file dialog: a folder listing and a path you can type.
pub struct FileDialog {
    mode: Mode,
    dir: String,
    name: String,
    listing: Result<(Vec<PathBuf>, Vec<PathBuf>), String>,
    listed: Option<String>,
}

impl FileDialog {
    /// A dialog in `dir`, with `name` proposed as the file name.
    #[must_use]
    pub fn new(mode: Mode, dir: &Path, name: &str) -> Self {
        Self {
            mode,
            dir: dir.display().to_string(),
            name: name.to_owned(),
            listing: Ok((Vec::new(), Vec::new())),
            listed: None,
        }
    }

    fn chosen(&self) -> PathBuf {
        let name = self.name.trim();
        let path = Path::new(name);
        let path = if path.is_absolute() {
            path.to_path_buf()
        } else {
            Path::new(&self.dir).join(path)
        };
        if self.mode == Mode::Save && path.extension().is_none() {
            path.with_extension("ron")
        } else {
            path
        }
    }

    /// Draws the dialog and says whether it is still open.
    pub fn ui(&mut self, ctx: &egui::Context) -> Outcome {
        if self.listed.as_deref() != Some(self.dir.as_str()) {
            self.listing = io::list_folder(Path::new(&self.dir)).map_err(|e| e.to_string());
            self.listed = Some(self.dir.clone());
        }
        let title = match self.mode {
            Mode::Open => "Open a preset",
            Mode::Save => "Save the scenario",
            Mode::Folder => "Folder for screenshots",
        };
        let mut result = Outcome::Open;
        let mut enter = None;
        egui::Modal::new(egui::Id::unique("file-dialog")).show(ctx, |ui| {
            ui.set_width(560.0);
            ui.heading(title);
            ui.horizontal(|ui| {
                if ui.button("Up").on_hover_text("Parent folder").clicked()
                    && let Some(p) = Path::new(&self.dir).parent()
                {
                    enter = Some(p.to_path_buf());
                }
                let folder = ui.label("Folder");
                ui.add(egui::TextEdit::singleline(&mut self.dir).desired_width(f32::INFINITY))
                    .on_hover_text("Folder (you can type a path)")
                    .labelled_by(folder.id);
            });
            egui::ScrollArea::vertical()
                .max_height(280.0)
                .show(ui, |ui| match &self.listing {
                    Err(e) => {
                        ui.colored_label(ui.visuals().error_fg_color, e);
                    }
                    Ok((dirs, files)) => {
                        for d in dirs {
                            let name = d
                                .file_name()
                                .map(|n| n.to_string_lossy().into_owned())
                                .unwrap_or_default();
                            if ui.selectable_label(false, format!("{name}/")).clicked() {
                                enter = Some(d.clone());
                            }
                        }
                        if self.mode != Mode::Folder {
                            for f in files {
                                let name = f
                                    .file_name()
                                    .map(|n| n.to_string_lossy().into_owned())
                                    .unwrap_or_default();
                                let r = ui.selectable_label(self.name == name, &name);
                                if r.clicked() {
                                    self.name.clone_from(&name);
                                }
                                if r.double_clicked() {
                                    self.name = name;
                                    result = Outcome::Confirmed(self.confirm());
                                }
                            }
                        }
                    }
                });
            if self.mode != Mode::Folder {
                ui.horizontal(|ui| {
                    let file = ui.label("File");
                    let r = ui
                        .add(
                            egui::TextEdit::singleline(&mut self.name).desired_width(f32::INFINITY),
                        )
                        .labelled_by(file.id);
                    if r.lost_focus()
                        && ui.input(|i| i.key_pressed(egui::Key::Enter))
                        && !self.name.trim().is_empty()
                    {
                        result = Outcome::Confirmed(self.confirm());
                    }
                });
            }
            ui.horizontal(|ui| {
                let label = match self.mode {
                    Mode::Open => "Open",
                    Mode::Save => "Save",
                    Mode::Folder => "Use this folder",
                };
                let ready = self.mode == Mode::Folder || !self.name.trim().is_empty();
                if ui.add_enabled(ready, egui::Button::new(label)).clicked() {
                    result = Outcome::Confirmed(self.confirm());
                }
                if ui.button("Cancel").clicked() || ui.input(|i| i.key_pressed(egui::Key::Escape)) {
                    result = Outcome::Cancelled;
                }
            });
        });
        if let Some(d) = enter {
            self.dir = d.display().to_string();
        }
        result
    }

    fn confirm(&self) -> Command {
        match self.mode {
            Mode::Open => Command::Open(self.chosen()),
            Mode::Save => Command::SaveAs(self.chosen()),
            Mode::Folder => Command::SetScreenshotDir(PathBuf::from(&self.dir)),
        }
    }
}

/// The keyboard and mouse reference (F1); false once its close button was pressed.
pub fn help(ctx: &egui::Context) -> bool {
    let mut open = true;
    egui::Window::new("Keyboard and mouse")
        .open(&mut open)
        .collapsible(false)
        .resizable(false)
        .anchor(egui::Align2::CENTER_CENTER, egui::Vec2::ZERO)
        .show(ctx, |ui| {
            egui::Grid::new("shortcuts")
                .striped(true)
                .spacing([24.0, 6.0])
                .show(ui, |ui| {
                    // The command table's lines (the README's table is the same, a test checks).
                    for (keys, what) in crate::ui::command::help_lines() {
                        ui.strong(keys);
                        ui.label(what);
                        ui.end_row();
                    }
                });
        });
    open
}

/// What the user answered when asked whether to discard edits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Leave {
    /// Not answered yet.
    Undecided,
    /// Discard the edits and go on.
    Discard,
    /// Stay with the edited document.
    Stay,
}

/// "Discard the changes to NAME?" before a command replaces an edited document. Pressing the
/// key of `again` once more (PageDown after PageDown: a presenter's clicker) also discards.
pub fn discard_changes(ctx: &egui::Context, name: &str, again: Option<egui::Key>) -> Leave {
    let mut answer = Leave::Undecided;
    egui::Modal::new(egui::Id::unique("discard-changes")).show(ctx, |ui| {
        ui.set_max_width(520.0);
        ui.heading("Unsaved changes");
        ui.label(format!(
            "\"{name}\" has changes that are not saved. Going on discards them \
             (Ctrl+S saves them first)."
        ));
        ui.add_space(6.0);
        ui.horizontal(|ui| {
            if ui.button("Discard changes and go on").clicked() {
                answer = Leave::Discard;
            }
            if ui.button("Keep editing").clicked() {
                answer = Leave::Stay;
            }
        });
        if let Some(key) = again {
            ui.label(
                egui::RichText::new(format!("{key:?} again: discard and go on"))
                    .small()
                    .weak(),
            );
        }
        ui.input(|i| {
            if i.key_pressed(egui::Key::Escape) {
                answer = Leave::Stay;
            } else if again.is_some_and(|k| i.key_pressed(k)) {
                answer = Leave::Discard;
            }
        });
    });
    answer
}

/// The errors of a file that could not be opened; the current scenario is unchanged.
pub fn load_errors(ctx: &egui::Context, title: &str, errors: &[String]) -> bool {
    let mut close = false;
    egui::Modal::new(egui::Id::unique("load-errors")).show(ctx, |ui| {
        ui.set_max_width(720.0);
        ui.heading(title);
        ui.label("The scenario on screen is unchanged.");
        egui::ScrollArea::vertical()
            .max_height(300.0)
            .show(ui, |ui| {
                for e in errors {
                    ui.label(
                        egui::RichText::new(e)
                            .monospace()
                            .color(ui.visuals().error_fg_color),
                    );
                }
            });
        if ui.button("OK").clicked()
            || ui.input(|i| i.key_pressed(egui::Key::Escape) || i.key_pressed(egui::Key::Enter))
        {
            close = true;
        }
    });
    close
}
