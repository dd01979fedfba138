//! The application: layout, keyboard, files, persistence, and the one place where commands are
//! applied.

use super::LaunchOptions;
use super::command::Command;
use super::contour_view::ContourView;
use super::deck::{BUILTIN, DEFAULT_BUILTIN, Deck, Entry};
use super::dialogs::{self, FileDialog, Mode};
use super::gif_export::{GifExport, Status};
use super::history::{History, current_gesture};
use super::loss_view::LossView;
use super::mlp_view::MlpView;
use super::notices::Notices;
use super::panels::{self, FocusSliders, Panel, PanelCtx};
use super::screenshot::{Region, Regions, Request, Screenshots};
use super::session::Session;
use super::settings::{Layout, Settings};
use super::theory_panel::{self, TheoryPanel};
use crate::io;
use crate::scenario::builtin::{BUILTIN_MLP, DEFAULT_BUILTIN_MLP};
use crate::scenario::{self, Element, Scenario, ScenarioSpec, Theme, to_ron};
use egui::{Key, KeyboardShortcut, Modifiers};
use std::path::{Path, PathBuf};
use web_time::Duration;

/// Time per frame spent computing runs ahead, so the interface never stutters.
const COMPUTE_BUDGET: Duration = Duration::from_millis(6);
/// Seconds between automatic saves of the app state.
const PERSIST_EVERY_SECS: f64 = 20.0;

/// Where the scenario on screen came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// A shipped preset.
    Builtin(usize),
    /// A file.
    File(PathBuf),
    /// Restored from the last session without a file.
    Unsaved,
}

/// The two pages of the app.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Page {
    /// Optimizers on 2-D surfaces.
    Surfaces,
    /// A small network trained by the same optimizers.
    Network,
}

/// The optiviz app.
pub struct OptivizApp {
    session: Session,
    settings: Settings,
    panels: Vec<Box<dyn Panel>>,
    contour: ContourView,
    loss: LossView,
    theory: TheoryPanel,
    deck: Deck,
    source: Source,
    /// The document as last loaded or saved, to tell whether it was modified.
    saved_spec: ScenarioSpec,
    /// Undo and redo over the 2-D page's document.
    history: History<ScenarioSpec>,
    /// A command that would discard edits, waiting for the user to confirm it.
    leaving: Option<Command>,
    selected_run: usize,
    notices: Notices,
    dialog: Option<FileDialog>,
    load_errors: Option<(String, Vec<String>)>,
    show_help: bool,
    screenshots: Screenshots,
    /// Where the exportable plots were drawn this frame.
    regions: Regions,
    /// ... and in the previous frame (what the menu offers before this frame's are drawn).
    shown_regions: Regions,
    launch: LaunchOptions,
    /// The theme applied to the context (applied on the first frame and on changes).
    styled: Option<Theme>,
    /// A race GIF being encoded, a slice per frame.
    gif: Option<GifExport>,
    /// Which page is on screen.
    page: Page,
    /// The network page (created when first shown or when an MLP preset opens).
    mlp: Option<MlpView>,
    /// The MLP preset's file, if it came from one.
    mlp_path: Option<PathBuf>,
    /// "Show everything": the preset's focus mode is switched off until the next preset.
    focus_off: bool,
    focus_sliders: FocusSliders,
    frames: u64,
    last_persist: f64,
    persisted: Option<String>,
    title: String,
    /// Set when a `--screenshot` run failed (the process exits non-zero).
    pub screenshot_failure: Option<String>,
    /// The --screenshot picture was asked for.
    screenshot_requested: bool,
}

fn builtin_scenario(index: usize) -> Scenario {
    let b = BUILTIN[index.min(BUILTIN.len() - 1)];
    match scenario::parse(b.text, b.file) {
        Ok(s) => s,
        // Shipped presets are validated by the test suite; an empty scenario keeps the app up.
        Err(_) => fallback_scenario(),
    }
}

fn fallback_scenario() -> Scenario {
    match Scenario::from_spec(ScenarioSpec::default()) {
        Ok(s) => s,
        Err(_) => unreachable_default(),
    }
}

#[allow(
    clippy::panic,
    reason = "the default document is valid by construction (tested)"
)]
fn unreachable_default() -> Scenario {
    panic!("the default scenario document is invalid")
}

impl OptivizApp {
    /// Creates the app: restores the last state (or opens `launch.preset`, or the default).
    #[must_use]
    pub fn new(launch: LaunchOptions) -> Self {
        let mut notices = Notices::default();
        let (settings, restored) = match launch.state_file.as_deref().filter(|p| p.exists()) {
            Some(path) => match io::read_text(path)
                .map_err(|e| e.to_string())
                .and_then(|t| Settings::from_ron(&t).map_err(|e| e.to_string()))
            {
                Ok(s) => (s, true),
                Err(e) => {
                    notices.error(format!("The saved state could not be read ({e}); starting from the default scenario."));
                    (Settings::default(), false)
                }
            },
            None => (Settings::default(), false),
        };
        let default_session = || match Session::new(builtin_scenario(DEFAULT_BUILTIN)) {
            Ok(s) => s,
            Err(_) => Session::new(fallback_scenario()).unwrap_or_else(|_| unreachable_session()),
        };
        let mut app = Self {
            session: default_session(),
            settings,
            panels: panels::all(),
            contour: ContourView::default(),
            loss: LossView::default(),
            theory: TheoryPanel::default(),
            deck: Deck::builtin(DEFAULT_BUILTIN),
            source: Source::Builtin(DEFAULT_BUILTIN),
            saved_spec: ScenarioSpec::default(),
            history: History::default(),
            leaving: None,
            selected_run: 0,
            notices,
            dialog: None,
            load_errors: None,
            show_help: false,
            screenshots: Screenshots::default(),
            regions: Regions::default(),
            shown_regions: Regions::default(),
            launch,
            styled: None,
            gif: None,
            page: Page::Surfaces,
            mlp: None,
            mlp_path: None,
            focus_off: false,
            focus_sliders: FocusSliders {
                lr: true,
                momentum: true,
            },
            frames: 0,
            last_persist: 0.0,
            persisted: None,
            title: String::new(),
            screenshot_failure: None,
            screenshot_requested: false,
        };
        app.saved_spec = app.session.spec().clone();
        if app.launch.screenshot_plot == Some(Region::Theory) {
            app.settings.show_theory = true;
        }
        if app.launch.screenshot_plot == Some(Region::Loss) {
            app.settings.show_loss_plot = true;
        }
        if let Some(path) = app.launch.preset.clone() {
            app.open_file(&path);
        } else if restored {
            app.restore();
        }
        app
    }

    /// Opens the scenario stored in the settings, if any and valid.
    fn restore(&mut self) {
        let Some(text) = self.settings.scenario_ron.clone() else {
            return;
        };
        match scenario::parse(&text, "saved state") {
            Ok(s) => {
                let source = match (&self.settings.scenario_path, self.settings.builtin) {
                    (Some(p), _) => Source::File(p.clone()),
                    (None, Some(i)) if i < BUILTIN.len() => Source::Builtin(i),
                    _ => Source::Unsaved,
                };
                self.deck = match &source {
                    Source::File(p) => Deck::around_file(p),
                    Source::Builtin(i) => Deck::builtin(*i),
                    Source::Unsaved => Deck::builtin(DEFAULT_BUILTIN),
                };
                self.saved_spec = s.spec.clone();
                if self.session.load(s).is_ok() {
                    self.source = source;
                }
            }
            Err(e) => self.notices.error(format!(
                "The saved scenario could not be restored ({}); showing the default scenario.",
                e.0.first().map(ToString::to_string).unwrap_or_default()
            )),
        }
    }

    /// The session (for tests and the benchmark).
    #[must_use]
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// The settings.
    #[must_use]
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Messages on screen.
    #[must_use]
    pub fn notices(&self) -> &Notices {
        &self.notices
    }

    /// The errors of the last file that failed to open, if its dialog is still up.
    #[must_use]
    pub fn load_errors(&self) -> Option<&[String]> {
        self.load_errors.as_ref().map(|(_, e)| e.as_slice())
    }

    /// Where the scenario came from.
    #[must_use]
    pub fn source(&self) -> &Source {
        &self.source
    }

    /// True when the document on screen differs from the file it came from (playback speed
    /// is a viewing choice, not an edit).
    #[must_use]
    pub fn modified(&self) -> bool {
        match (self.page, &self.mlp) {
            (Page::Network, Some(mlp)) => mlp.modified(),
            _ => self.surfaces_modified(),
        }
    }

    /// True when the 2-D document differs from the file it came from (speed aside).
    fn surfaces_modified(&self) -> bool {
        let mut saved = self.saved_spec.clone();
        saved.speed = self.session.spec().speed;
        self.session.spec() != &saved
    }

    /// The theme on screen: the open preset's, else the user's.
    #[must_use]
    pub fn effective_theme(&self) -> Theme {
        let preset = match (self.page, &self.mlp) {
            (Page::Network, Some(mlp)) => mlp.scenario().spec.theme,
            _ => self.session.spec().theme,
        };
        preset.unwrap_or(self.settings.theme)
    }

    /// A command waiting for "discard changes?" to be answered.
    #[must_use]
    pub fn leaving(&self) -> Option<&Command> {
        self.leaving.as_ref()
    }

    /// The network page's state, to drive it (benchmarks).
    pub fn mlp_mut(&mut self) -> Option<&mut MlpView> {
        self.mlp.as_mut()
    }

    /// Which page is on screen.
    #[must_use]
    pub fn page(&self) -> Page {
        self.page
    }

    /// The network page's state, once it was shown.
    #[must_use]
    pub fn mlp(&self) -> Option<&MlpView> {
        self.mlp.as_ref()
    }

    /// How often the heat map and contour lines were rebuilt (they are cached per view).
    #[must_use]
    pub fn contour_rebuilds(&self) -> usize {
        self.contour.contour_rebuilds()
    }

    /// How often the iso-lines were turned into triangles (reused while the plot stands still).
    #[must_use]
    pub fn line_tessellations(&self) -> usize {
        self.contour.line_tessellations()
    }

    /// How often the loss plot's lines were decimated (cached between simulation changes).
    #[must_use]
    pub fn loss_rebuilds(&self) -> usize {
        self.loss.rebuilds()
    }

    /// Draws one frame of the whole app into `ui` (the root), then applies what it asked for.
    #[allow(clippy::too_many_lines, reason = "the frame's layout, top to bottom")]
    pub fn ui_root(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        if self.styled.is_none() {
            ctx.set_zoom_factor(self.settings.zoom.clamp(0.5, 3.0));
        }
        let theme = self.effective_theme();
        if self.styled != Some(theme) {
            super::theme::apply(&ctx, theme);
            self.styled = Some(theme);
        }
        self.frames += 1;
        if !self.screenshots.busy() {
            self.settings.zoom = ctx.zoom_factor();
        }
        // Playback follows the clock, not the frames (see pace.rs).
        let now = ui.input(|i| i.time);
        self.session.compute(COMPUTE_BUDGET);
        self.session.tick(now);
        if self.launch.at_step.is_some() && !self.session.computing() && self.page == Page::Surfaces
        {
            let step = self.launch.at_step.take().unwrap_or(0);
            #[allow(
                clippy::cast_precision_loss,
                reason = "step counts stay far below 2^52"
            )]
            self.session.seek(step as f64);
        }

        let mut commands = Vec::new();
        self.shown_regions = std::mem::take(&mut self.regions);
        self.keyboard(&ctx, &mut commands);
        self.dropped_files(&ctx, &mut commands);
        self.top_bar(ui, &mut commands);
        match self.page {
            Page::Surfaces => self.surfaces(ui, &mut commands),
            Page::Network => self.network(ui, now),
        }
        if let Some(dialog) = &mut self.dialog {
            match dialog.ui(&ctx) {
                dialogs::Outcome::Open => {}
                dialogs::Outcome::Cancelled => self.dialog = None,
                dialogs::Outcome::Confirmed(command) => {
                    self.dialog = None;
                    commands.push(command);
                }
            }
        }
        if let Some((title, errors)) = &self.load_errors
            && dialogs::load_errors(&ctx, title, errors)
        {
            self.load_errors = None;
        }
        if let Some(next) = &self.leaving {
            let again = match next {
                Command::Deck(1) => Some(Key::PageDown),
                Command::Deck(-1) => Some(Key::PageUp),
                _ => None,
            };
            let name = match (next, &self.mlp) {
                (Command::OpenBuiltinMlp(_), Some(mlp)) => mlp.scenario().spec.name.clone(),
                (Command::Open(p), Some(mlp)) if io::is_mlp_preset(p) => {
                    mlp.scenario().spec.name.clone()
                }
                _ => self.session.spec().name.clone(),
            };
            match dialogs::discard_changes(&ctx, &name, again) {
                dialogs::Leave::Discard => {
                    commands.push(Command::DiscardAndContinue(Box::new(next.clone())));
                }
                dialogs::Leave::Stay => self.leaving = None,
                dialogs::Leave::Undecided => {}
            }
        }
        dialogs::help(&ctx, &mut self.show_help);
        self.gif_frame(&ctx);
        self.notices.ui(&ctx);

        for c in commands {
            self.apply(&ctx, c);
        }
        self.screenshot_frame(&ctx);
        self.update_title(&ctx);
        self.persist_now_and_then(&ctx);
        if self.session.playing() || self.session.computing() {
            ctx.request_repaint();
        }
    }

    /// The 2-D page: transport, side panel, theory panel, loss plot and contour view.
    fn surfaces(&mut self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        if self.shows(Element::Playback) {
            self.transport(ui, commands);
        }
        let side_panel = self.side_panel(ui, commands);
        // In focus mode without a side panel, the slide's instruction goes above the plot.
        let banner = (!side_panel && self.focus().is_some())
            .then(|| self.session.spec().description.clone())
            .filter(|d| !d.is_empty());
        self.contour.eigen_axes = None;
        self.contour.hide_legend = !self.shows(Element::Legend);
        let show_theory = match self.focus() {
            Some(focus) => focus.contains(&Element::Theory),
            None => self.settings.show_theory,
        };
        if show_theory {
            egui::Panel::right("theory")
                .resizable(true)
                .default_size(440.0)
                .size_range(320.0..=720.0)
                .show(ui, |ui| {
                    self.regions.set(
                        Region::Theory,
                        ui.max_rect().expand(4.0).intersect(ui.clip_rect()),
                    );
                    egui::ScrollArea::vertical()
                        .auto_shrink([false, false])
                        .show(ui, |ui| {
                            self.theory
                                .ui(ui, &self.session, self.selected_run, commands);
                        });
                });
            self.contour.eigen_axes = theory_panel::analysis(&self.session, self.selected_run)
                .map(|a| (a.origin, a.spectrum.eigenvectors, a.spectrum.eigenvalues));
        }
        egui::CentralPanel::default().show(ui, |ui| {
            if let Some(text) = &banner {
                ui.label(egui::RichText::new(text).strong());
            }
            let show_loss = match self.focus() {
                Some(focus) => focus.contains(&Element::Loss),
                None => self.settings.show_loss_plot,
            };
            if show_loss {
                // Tall enough for its legend row, two labelled decades and the step axis in
                // any theme's text size.
                let line = ui.text_style_height(&egui::TextStyle::Body);
                let loss_height = (ui.available_height() * 0.27).clamp(8.0 * line, 320.0);
                egui::Panel::bottom("loss-panel")
                    .resizable(true)
                    .default_size(loss_height)
                    .show(ui, |ui| {
                        self.regions.set(Region::Loss, ui.max_rect().expand(4.0));
                        self.loss
                            .ui(ui, &self.session, self.selected_run, ui.available_height());
                    });
            }
            self.regions
                .set(Region::Contour, ui.available_rect_before_wrap());
            self.contour.ui(
                ui,
                &self.session,
                &self.settings,
                self.selected_run,
                commands,
            );
        });
    }

    /// The network page: the MLP view's panels; training takes its slice of the frame.
    fn network(&mut self, ui: &mut egui::Ui, now: f64) {
        if self.mlp.is_none() {
            self.open_builtin_mlp(DEFAULT_BUILTIN_MLP);
        }
        let Some(mlp) = &mut self.mlp else {
            return;
        };
        if let Some(step) = self.launch.at_step {
            if mlp.train_towards(step) {
                self.launch.at_step = None;
            }
            ui.ctx().request_repaint();
        }
        if mlp.tick(now) {
            ui.ctx().request_repaint();
        }
        egui::Panel::bottom("mlp-transport").show(ui, |ui| {
            ui.add_space(4.0);
            mlp.transport(ui);
            ui.add_space(2.0);
        });
        egui::Panel::left("mlp-controls")
            .resizable(true)
            .default_size(380.0)
            .size_range(300.0..=620.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical()
                    .auto_shrink([false, false])
                    .show(ui, |ui| mlp.side_panel(ui));
            });
        egui::CentralPanel::default().show(ui, |ui| mlp.central(ui));
    }

    fn keyboard(&mut self, ctx: &egui::Context, out: &mut Vec<Command>) {
        let shortcut = |m: Modifiers, k: Key| {
            ctx.input_mut(|i| i.consume_shortcut(&KeyboardShortcut::new(m, k)))
        };
        if shortcut(Modifiers::COMMAND | Modifiers::SHIFT, Key::S) {
            out.push(Command::ShowSaveDialog);
        }
        if shortcut(Modifiers::COMMAND, Key::S) {
            out.push(Command::Save);
        }
        if shortcut(Modifiers::COMMAND, Key::O) {
            out.push(Command::ShowOpenDialog);
        }
        // Plain keys only when no text field is being typed into and no dialog is open (a text
        // field keeps Ctrl+Z for its own text).
        if ctx.egui_wants_keyboard_input()
            || self.dialog.is_some()
            || self.load_errors.is_some()
            || self.leaving.is_some()
        {
            return;
        }
        if shortcut(Modifiers::COMMAND | Modifiers::SHIFT, Key::Z)
            || shortcut(Modifiers::COMMAND, Key::Y)
        {
            out.push(Command::Redo);
        }
        if shortcut(Modifiers::COMMAND, Key::Z) {
            out.push(Command::Undo);
        }
        ctx.input(|i| {
            let plain = !i.modifiers.any();
            for (key, command) in [
                (Key::Space, Command::TogglePlay),
                (Key::ArrowRight, Command::Step),
                (Key::R, Command::Reset),
                (Key::PageDown, Command::Deck(1)),
                (Key::PageUp, Command::Deck(-1)),
                (Key::F11, Command::ToggleFullscreen),
                (Key::F12, Command::Screenshot),
                (Key::F1, Command::ToggleHelp),
                (Key::T, Command::ToggleTheory),
                (Key::F, Command::ToggleFocus),
            ] {
                if i.key_pressed(key) && (plain || matches!(key, Key::F11 | Key::F12 | Key::F1)) {
                    out.push(command);
                }
            }
        });
    }

    fn dropped_files(&mut self, ctx: &egui::Context, out: &mut Vec<Command>) {
        let dropped: Vec<PathBuf> = ctx.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .collect()
        });
        for path in dropped {
            if path
                .extension()
                .is_some_and(|x| x.eq_ignore_ascii_case("ron"))
            {
                out.push(Command::Open(path));
            } else {
                self.notices
                    .error(format!("{} is not a preset (.ron)", path.display()));
            }
        }
    }

    #[allow(clippy::too_many_lines, reason = "the menus, item by item")]
    fn top_bar(&mut self, ui: &mut egui::Ui, out: &mut Vec<Command>) {
        egui::Panel::top("menu").show(ui, |ui| {
            egui::MenuBar::new().ui(ui, |ui| {
                ui.menu_button("File", |ui| {
                    if ui.button("Open…  (Ctrl+O)").clicked() {
                        out.push(Command::ShowOpenDialog);
                        ui.close();
                    }
                    ui.menu_button("Shipped presets", |ui| {
                        for (i, b) in BUILTIN.iter().enumerate() {
                            if ui.button(super::panels::preset_title(b.file)).clicked() {
                                out.push(Command::OpenBuiltin(i));
                                ui.close();
                            }
                        }
                    });
                    ui.menu_button("Shipped networks", |ui| {
                        for (i, b) in BUILTIN_MLP.iter().enumerate() {
                            if ui.button(super::panels::preset_title(b.file)).clicked() {
                                out.push(Command::OpenBuiltinMlp(i));
                                ui.close();
                            }
                        }
                    });
                    if ui.button("Save  (Ctrl+S)").clicked() {
                        out.push(Command::Save);
                        ui.close();
                    }
                    if ui.button("Save as…  (Ctrl+Shift+S)").clicked() {
                        out.push(Command::ShowSaveDialog);
                        ui.close();
                    }
                    ui.separator();
                    if ui.button("Screenshot  (F12)").clicked() {
                        out.push(Command::Screenshot);
                        ui.close();
                    }
                    if ui
                        .add_enabled(
                            self.page == Page::Surfaces && self.gif.is_none(),
                            egui::Button::new("Export race as GIF"),
                        )
                        .on_hover_text(
                            "An animated GIF of the runs from step 0 to the step budget \
                             (960 x 600, 30 frames per second, 6 seconds), in the current theme",
                        )
                        .clicked()
                    {
                        out.push(Command::ExportGif);
                        ui.close();
                    }
                    ui.menu_button("Export plot", |ui| {
                        for region in Region::ALL {
                            let shown = self.shown_regions.get(region).is_some();
                            if ui
                                .add_enabled(shown, egui::Button::new(region.label()))
                                .on_disabled_hover_text("Not on screen: show it first (View)")
                                .clicked()
                            {
                                out.push(Command::ExportPlot(region));
                                ui.close();
                            }
                        }
                        ui.separator();
                        ui.label("Pixel density:");
                        for d in [1.0, 2.0, 3.0, 4.0] {
                            ui.radio_value(&mut self.settings.export_density, d, format!("{d}x"));
                        }
                    });
                    if ui.button("Screenshot folder…").clicked() {
                        let dir = self.screenshot_dir();
                        self.dialog = Some(FileDialog::new(Mode::Folder, &dir, ""));
                        ui.close();
                    }
                });
                ui.menu_button("Edit", |ui| {
                    let (can_undo, can_redo, modified) = match (self.page, &self.mlp) {
                        (Page::Network, Some(mlp)) => {
                            (mlp.can_undo(), mlp.can_redo(), mlp.modified())
                        }
                        _ => (
                            self.history.can_undo(),
                            self.history.can_redo(),
                            self.surfaces_modified(),
                        ),
                    };
                    if ui
                        .add_enabled(can_undo, egui::Button::new("Undo  (Ctrl+Z)"))
                        .clicked()
                    {
                        out.push(Command::Undo);
                        ui.close();
                    }
                    if ui
                        .add_enabled(can_redo, egui::Button::new("Redo  (Ctrl+Shift+Z)"))
                        .clicked()
                    {
                        out.push(Command::Redo);
                        ui.close();
                    }
                    ui.separator();
                    if ui
                        .add_enabled(modified, egui::Button::new("Revert to preset"))
                        .on_hover_text(
                            "Back to the preset as it was opened or last saved (Undo brings \
                             the edits back)",
                        )
                        .clicked()
                    {
                        out.push(Command::Revert);
                        ui.close();
                    }
                });
                ui.menu_button("View", |ui| {
                    let mut layout = self.settings.layout;
                    ui.radio_value(
                        &mut layout,
                        Layout::Overlay,
                        "Overlay: all runs on one plot",
                    );
                    ui.radio_value(
                        &mut layout,
                        Layout::SideBySide,
                        "Side by side: one pane per run",
                    );
                    if layout != self.settings.layout {
                        out.push(Command::SetLayout(layout));
                    }
                    ui.separator();
                    let current = self.effective_theme();
                    let mut theme = current;
                    ui.radio_value(&mut theme, Theme::Dark, "Dark theme");
                    ui.radio_value(&mut theme, Theme::Light, "Light theme");
                    ui.radio_value(&mut theme, Theme::Projector, "Projector theme")
                        .on_hover_text(
                            "White background, large fonts, thick lines, high-contrast \
                             colour-blind-safe colours. Saving stores the theme in the preset.",
                        );
                    if theme != current {
                        out.push(Command::SetTheme(theme));
                    }
                    if self.session.spec().focus.is_some() {
                        let text = if self.focus_off {
                            "Focus mode, as the preset says  (F)"
                        } else {
                            "Show everything  (F)"
                        };
                        if ui.button(text).clicked() {
                            out.push(Command::ToggleFocus);
                            ui.close();
                        }
                    }
                    ui.separator();
                    ui.checkbox(&mut self.settings.show_heatmap, "Heat map");
                    ui.checkbox(&mut self.settings.show_contours, "Contour lines");
                    ui.checkbox(&mut self.settings.show_loss_plot, "Loss plot");
                    ui.checkbox(&mut self.settings.show_theory, "Theory panel  (T)");
                    ui.separator();
                    ui.label("Arrows at the selected run's point:");
                    ui.checkbox(&mut self.settings.show_gradient_arrow, "-lr * gradient");
                    ui.checkbox(&mut self.settings.show_step_arrow, "next step");
                    ui.checkbox(
                        &mut self.settings.show_momentum_arrow,
                        "previous step (momentum)",
                    );
                    ui.separator();
                    if ui.button("Full screen  (F11)").clicked() {
                        out.push(Command::ToggleFullscreen);
                        ui.close();
                    }
                    if ui.button("Keyboard help  (F1)").clicked() {
                        out.push(Command::ToggleHelp);
                        ui.close();
                    }
                });
                ui.separator();
                for (page, label, tip) in [
                    (
                        Page::Surfaces,
                        "2-D surfaces",
                        "Optimizers racing on 2-D objectives",
                    ),
                    (
                        Page::Network,
                        "Network",
                        "A small MLP trained by the same optimizers",
                    ),
                ] {
                    if ui
                        .selectable_label(self.page == page, label)
                        .on_hover_text(tip)
                        .clicked()
                    {
                        out.push(Command::SetPage(page));
                    }
                }
                ui.separator();
                if self.page == Page::Network {
                    if let Some(mlp) = &self.mlp {
                        ui.strong(&mlp.scenario().spec.name);
                        // A truncated label shows its whole text on hover by itself.
                        let description = &mlp.scenario().spec.description;
                        ui.add(
                            egui::Label::new(egui::RichText::new(description).weak()).truncate(),
                        );
                    }
                    return;
                }
                let deck = self.deck.position_label();
                if !deck.is_empty() {
                    if ui
                        .button("<")
                        .on_hover_text("Previous preset (PageUp)")
                        .clicked()
                    {
                        out.push(Command::Deck(-1));
                    }
                    ui.label(deck);
                    if ui
                        .button(">")
                        .on_hover_text("Next preset (PageDown)")
                        .clicked()
                    {
                        out.push(Command::Deck(1));
                    }
                    ui.separator();
                }
                if self.focus().is_some()
                    && ui
                        .button("Show everything")
                        .on_hover_text(
                            "This preset is in focus mode: it shows only some controls. \
                             F switches back and forth.",
                        )
                        .clicked()
                {
                    out.push(Command::ToggleFocus);
                }
                ui.strong(&self.session.spec().name);
                let description = &self.session.spec().description;
                if !description.is_empty() {
                    ui.add(egui::Label::new(egui::RichText::new(description).weak()).truncate());
                }
            });
        });
    }

    fn transport(&mut self, ui: &mut egui::Ui, out: &mut Vec<Command>) {
        egui::Panel::bottom("transport").show(ui, |ui| {
            ui.add_space(4.0);
            ui.horizontal(|ui| {
                let playing = self.session.playing();
                let label = if playing { "Pause" } else { "Play" };
                if ui
                    .add(egui::Button::new(label).min_size(egui::vec2(92.0, 0.0)))
                    .on_hover_text("Play / pause (Space)")
                    .clicked()
                {
                    out.push(Command::TogglePlay);
                }
                if ui
                    .button("Step")
                    .on_hover_text("One step forward (Right arrow)")
                    .clicked()
                {
                    out.push(Command::Step);
                }
                if ui
                    .button("Reset")
                    .on_hover_text("Back to step 0 (R)")
                    .clicked()
                {
                    out.push(Command::Reset);
                }
                ui.separator();
                let mut speed = self.session.spec().speed;
                ui.label("speed");
                let r = ui
                    .add(
                        egui::Slider::new(&mut speed, 1.0..=10_000.0)
                            .logarithmic(true)
                            .suffix(" steps/s")
                            .custom_formatter(|v, _| super::widgets::fmt_num(v)),
                    )
                    .on_hover_text(
                        "Playback speed in steps per second. Double-click for the preset's speed.",
                    );
                if r.double_clicked() {
                    out.push(Command::SetSpeed(self.saved_spec.speed));
                } else if r.changed() {
                    out.push(Command::SetSpeed(speed));
                }
                if let Some(achieved) = self.session.lagging() {
                    ui.label(
                        egui::RichText::new(format!(
                            "achieved {}",
                            super::widgets::fmt_num(achieved.round())
                        ))
                        .color(ui.visuals().warn_fg_color),
                    )
                    .on_hover_text(
                        "The runs cannot be computed as fast as the speed set: this is the \
                         speed playback reaches",
                    );
                }
                ui.separator();
                self.timeline(ui, out);
            });
            ui.add_space(2.0);
        });
    }

    /// The timeline slider and the step counter, which is measured first so the slider never
    /// squeezes it.
    fn timeline(&self, ui: &mut egui::Ui, out: &mut Vec<Command>) {
        let steps = self.session.steps();
        let frontier = self.session.frontier();
        let computing = if frontier < steps {
            format!(" (computing {frontier})")
        } else {
            String::new()
        };
        let counter = format!("step {} / {steps}{computing}", self.session.shown_step());
        // The counter is measured first so the timeline never squeezes it.
        let counter_width = ui
            .painter()
            .layout_no_wrap(
                counter.clone(),
                egui::TextStyle::Monospace.resolve(ui.style()),
                egui::Color32::WHITE,
            )
            .size()
            .x;
        #[allow(
            clippy::cast_precision_loss,
            reason = "step counts stay far below 2^52"
        )]
        let mut step = self.session.shown_step() as f64;
        let gaps = 3.0 * ui.spacing().item_spacing.x;
        let width = (ui.available_width() - counter_width - gaps).max(80.0);
        ui.spacing_mut().slider_width = width;
        #[allow(
            clippy::cast_precision_loss,
            reason = "step counts stay far below 2^52"
        )]
        let r = ui
            .add(
                egui::Slider::new(&mut step, 0.0..=steps as f64)
                    .step_by(1.0)
                    .show_value(false),
            )
            .on_hover_text("Timeline: drag to scrub through the computed steps");
        if r.changed() {
            out.push(Command::Seek(step.min(frontier as f64)));
        }
        ui.label(egui::RichText::new(counter).monospace());
    }

    /// The side panel's sections (those focus mode shows). Returns false when there is no side
    /// panel.
    fn side_panel(&mut self, ui: &mut egui::Ui, out: &mut Vec<Command>) -> bool {
        let source_label = match &self.source {
            Source::Builtin(i) => format!("shipped preset {}", BUILTIN[*i].file),
            Source::File(p) => p.display().to_string(),
            Source::Unsaved => "not saved to a file".to_owned(),
        };
        let cx = PanelCtx {
            session: &self.session,
            selected_run: self.selected_run,
            deck_label: self.deck.position_label(),
            source_label,
            modified: self.modified(),
            saved: &self.saved_spec,
        };
        let focus = self.focus().map(<[Element]>::to_vec);
        let shows = |e: Element| focus.as_ref().is_none_or(|f| f.contains(&e));
        self.focus_sliders.lr = shows(Element::LearningRate);
        self.focus_sliders.momentum = shows(Element::Momentum);
        let sliders = focus.is_some()
            && !shows(Element::Runs)
            && (self.focus_sliders.lr || self.focus_sliders.momentum);
        if !sliders && !self.panels.iter().any(|p| shows(p.element())) {
            return false;
        }
        // A slide in focus mode says what to do in its description: in full here, where the
        // top bar would cut it.
        let instruction = (focus.is_some() && !shows(Element::Scenario))
            .then(|| self.session.spec().description.clone())
            .filter(|d| !d.is_empty());
        let mut spec = self.session.spec().clone();
        egui::Panel::left("controls")
            .resizable(true)
            .default_size(380.0)
            .size_range(300.0..=620.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical()
                    .auto_shrink([false, false])
                    .show(ui, |ui| {
                        if let Some(text) = &instruction {
                            ui.label(egui::RichText::new(text).strong());
                            ui.separator();
                        }
                        for panel in &mut self.panels {
                            if !shows(panel.element()) {
                                continue;
                            }
                            egui::CollapsingHeader::new(
                                egui::RichText::new(panel.title()).heading(),
                            )
                            .default_open(panel.default_open())
                            .show(ui, |ui| panel.ui(ui, &cx, &mut spec, out));
                        }
                        if sliders {
                            ui.heading("Runs");
                            self.focus_sliders.ui(ui, &cx, &mut spec, out);
                        }
                    });
            });
        if &spec != self.session.spec() {
            out.push(Command::Edit(Box::new(spec)));
        }
        true
    }

    /// Carries out one command. This is the only place where state changes. A command that
    /// would discard unsaved edits (another preset, PageUp/PageDown) asks first.
    pub fn apply(&mut self, ctx: &egui::Context, command: Command) {
        if self.discards_edits(&command) {
            self.leaving = Some(command);
        } else {
            self.apply_now(ctx, command);
        }
    }

    #[allow(clippy::too_many_lines, reason = "one arm per command")]
    fn apply_now(&mut self, ctx: &egui::Context, command: Command) {
        match command {
            Command::TogglePlay | Command::Step | Command::Reset if self.page == Page::Network => {
                if let Some(mlp) = &mut self.mlp {
                    match command {
                        Command::TogglePlay => mlp.toggle_play(),
                        Command::Step => mlp.step(),
                        _ => mlp.reset(),
                    }
                }
            }
            Command::TogglePlay => {
                let playing = self.session.playing();
                self.session.set_playing(!playing);
            }
            Command::Step => self.session.step(),
            Command::Reset => self.session.reset(),
            Command::SetPage(page) => self.page = page,
            Command::OpenBuiltinMlp(i) => self.open_builtin_mlp(i),
            Command::Seek(s) => self.session.seek(s),
            Command::SetSpeed(v) => self.session.set_speed(v),
            Command::Edit(spec) => self.edit(ctx, *spec),
            Command::SetStart { run, point } => {
                let mut spec = self.session.spec().clone();
                match run {
                    Some(i) => {
                        if let Some(r) = spec.runs.get_mut(i) {
                            r.start = Some((point[0], point[1]));
                        }
                    }
                    None => {
                        for r in &mut spec.runs {
                            r.start = Some((point[0], point[1]));
                        }
                    }
                }
                self.edit(ctx, spec);
            }
            Command::SelectRun(i) => self.selected_run = i,
            Command::Open(path) => self.open_file(&path),
            Command::OpenBuiltin(i) => self.open_builtin(i),
            Command::Deck(delta) => self.deck_step(delta),
            Command::Save if self.page == Page::Network => match self.mlp_path.clone() {
                Some(p) => self.save_to(&p),
                None => self.apply(ctx, Command::ShowSaveDialog),
            },
            Command::Save => match &self.source {
                Source::File(p) => {
                    let p = p.clone();
                    self.save_to(&p);
                }
                _ => self.apply(ctx, Command::ShowSaveDialog),
            },
            Command::SaveAs(path) => self.save_to(&path),
            Command::ShowOpenDialog => {
                self.dialog = Some(FileDialog::new(Mode::Open, &self.working_dir(), ""));
            }
            Command::ShowSaveDialog => {
                let name = match (&self.source, self.page, &self.mlp) {
                    (_, Page::Network, Some(mlp)) => self
                        .mlp_path
                        .as_ref()
                        .and_then(|p| p.file_name())
                        .map_or_else(
                            || file_name_for(&mlp.scenario().spec.name),
                            |n| n.to_string_lossy().into_owned(),
                        ),
                    (source, ..) => match source {
                        Source::File(p) => p
                            .file_name()
                            .map(|n| n.to_string_lossy().into_owned())
                            .unwrap_or_default(),
                        _ => file_name_for(&self.session.spec().name),
                    },
                };
                self.dialog = Some(FileDialog::new(Mode::Save, &self.working_dir(), &name));
            }
            Command::Screenshot => self.capture(ctx, None),
            Command::ExportPlot(region) => self.capture(ctx, Some(region)),
            Command::ExportGif => self.start_gif(ctx),
            Command::SetScreenshotDir(dir) => {
                self.notices
                    .info(format!("Screenshots go to {}", dir.display()));
                self.settings.screenshot_dir = Some(dir);
            }
            Command::ToggleFullscreen => {
                let full = ctx.input(|i| i.viewport().fullscreen.unwrap_or(false));
                ctx.send_viewport_cmd(egui::ViewportCommand::Fullscreen(!full));
            }
            Command::ToggleHelp => self.show_help = !self.show_help,
            Command::ToggleTheory => self.settings.show_theory = !self.settings.show_theory,
            Command::SetLayout(l) => self.settings.layout = l,
            Command::SetTheme(theme) => {
                // The user's choice, and the open document's (saving keeps it).
                self.settings.theme = theme;
                match (self.page, &mut self.mlp) {
                    (Page::Network, Some(mlp)) => {
                        if mlp.scenario().spec.theme != Some(theme) {
                            let mut spec = mlp.scenario().spec.clone();
                            spec.theme = Some(theme);
                            mlp.edit(spec, current_gesture(ctx), ctx.input(|i| i.time));
                        }
                    }
                    _ => {
                        if self.session.spec().theme != Some(theme) {
                            let mut spec = self.session.spec().clone();
                            spec.theme = Some(theme);
                            self.edit(ctx, spec);
                        }
                    }
                }
            }
            Command::Undo | Command::Redo | Command::Revert if self.page == Page::Network => {
                if let Some(mlp) = &mut self.mlp {
                    match command {
                        Command::Undo => mlp.undo(),
                        Command::Redo => mlp.redo(),
                        _ => mlp.revert(ctx.input(|i| i.time)),
                    }
                }
            }
            Command::Undo => {
                let current = self.session.spec().clone();
                if let Some(previous) = self.history.undo(current) {
                    self.restore_spec(previous);
                }
            }
            Command::Redo => {
                let current = self.session.spec().clone();
                if let Some(next) = self.history.redo(current) {
                    self.restore_spec(next);
                }
            }
            Command::Revert => {
                let mut saved = self.saved_spec.clone();
                saved.speed = self.session.spec().speed;
                let before = self.session.spec().clone();
                if saved != before {
                    self.restore_spec(saved);
                    self.history.record(
                        before,
                        super::history::Gesture::None,
                        ctx.input(|i| i.time),
                    );
                }
            }
            Command::DiscardAndContinue(next) => {
                self.leaving = None;
                self.apply_now(ctx, *next);
            }
            Command::ToggleFocus => {
                if self.session.spec().focus.is_some() {
                    self.focus_off = !self.focus_off;
                }
            }
        }
    }

    /// The focus mode in effect: the preset's list of elements, unless switched off.
    #[must_use]
    pub fn focus(&self) -> Option<&[Element]> {
        if self.focus_off {
            None
        } else {
            self.session.spec().focus.as_deref()
        }
    }

    /// Whether `element` is on screen under the focus mode in effect.
    #[must_use]
    pub fn shows(&self, element: Element) -> bool {
        self.focus().is_none_or(|f| f.contains(&element))
    }

    /// Advances a GIF export and shows its progress with a Cancel button.
    fn gif_frame(&mut self, ctx: &egui::Context) {
        let Some(gif) = &mut self.gif else {
            return;
        };
        let status = gif.work();
        let mut cancel = false;
        egui::Window::new("Exporting GIF")
            .collapsible(false)
            .resizable(false)
            .anchor(egui::Align2::CENTER_CENTER, egui::Vec2::ZERO)
            .show(ctx, |ui| {
                ui.label(gif.path().display().to_string());
                ui.add(
                    egui::ProgressBar::new(gif.fraction())
                        .desired_width(320.0)
                        .show_percentage(),
                );
                cancel = ui
                    .button("Cancel")
                    .on_hover_text("Stop; nothing is written")
                    .clicked();
            });
        match status {
            Status::Working if cancel => {
                self.gif = None;
                self.notices
                    .info("GIF export cancelled; nothing was written.");
            }
            Status::Working => ctx.request_repaint(),
            Status::Saved(path) => {
                self.gif = None;
                self.notices.info(format!("Saved {}", path.display()));
            }
            Status::Failed(e) => {
                self.gif = None;
                self.notices.error(format!("GIF not saved: {e}"));
            }
        }
    }

    /// Starts a race GIF of the scenario on screen into the screenshot folder.
    fn start_gif(&mut self, ctx: &egui::Context) {
        if self.gif.is_some() {
            return;
        }
        let dir = self.screenshot_dir();
        if let Err(e) = io::create_dir(&dir) {
            self.notices.error(format!("GIF not saved: {e}"));
            return;
        }
        let path = dir.join(format!("optiviz-race-{}.gif", chrono_free_stamp(ctx)));
        match GifExport::start(self.session.scenario(), self.effective_theme(), path) {
            Ok(g) => self.gif = Some(g),
            Err(e) => self.notices.error(format!("GIF not started: {e}")),
        }
    }

    /// A screenshot of the window (2x) or of one plot (at the chosen density) into the
    /// screenshot folder.
    fn capture(&mut self, ctx: &egui::Context, region: Option<Region>) {
        let dir = self.screenshot_dir();
        let what = region.map_or("Screenshot", Region::label);
        if let Err(e) = io::create_dir(&dir) {
            self.notices.error(format!("{what} not saved: {e}"));
            return;
        }
        let stamp = chrono_free_stamp(ctx);
        let name = match region {
            Some(r) => format!("optiviz-{}-{stamp}.png", r.slug()),
            None => format!("optiviz-{stamp}.png"),
        };
        self.screenshots.request(Request {
            path: dir.join(name),
            density: region.map_or(2.0, |_| self.settings.export_density),
            region,
        });
    }

    /// Applies an edited document; an accepted edit can be undone (one step per gesture).
    fn edit(&mut self, ctx: &egui::Context, spec: ScenarioSpec) {
        let before = self.session.spec().clone();
        if spec == before {
            return;
        }
        match self.session.replace(spec) {
            Ok(()) => self
                .history
                .record(before, current_gesture(ctx), ctx.input(|i| i.time)),
            Err(errors) => {
                let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
                self.notices
                    .error(format!("Change not applied: {}", text.join("; ")));
            }
        }
        self.clamp_selection();
    }

    fn panels_see_new_document(&mut self) {
        for panel in &mut self.panels {
            panel.document_replaced();
        }
    }

    /// Shows a document from the history (undo, redo) without recording it again; playback
    /// keeps its speed.
    fn restore_spec(&mut self, mut spec: ScenarioSpec) {
        spec.speed = self.session.spec().speed;
        self.panels_see_new_document();
        if let Err(errors) = self.session.replace(spec) {
            let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
            self.notices
                .error(format!("Could not restore: {}", text.join("; ")));
        }
        self.clamp_selection();
    }

    fn clamp_selection(&mut self) {
        self.selected_run = self
            .selected_run
            .min(self.session.spec().runs.len().saturating_sub(1));
    }

    /// True when `command` would replace a document that has unsaved edits.
    fn discards_edits(&self, command: &Command) -> bool {
        let network = || self.mlp.as_ref().is_some_and(MlpView::modified);
        match command {
            Command::OpenBuiltinMlp(_) => network(),
            Command::Open(path) if io::is_mlp_preset(path) => network(),
            Command::Deck(_) | Command::OpenBuiltin(_) | Command::Open(_) => {
                self.surfaces_modified()
            }
            _ => false,
        }
    }

    fn open_scenario(&mut self, scenario: Scenario, source: Source, deck: Deck) {
        self.saved_spec = scenario.spec.clone();
        match self.session.load(scenario) {
            Ok(()) => {
                self.source = source;
                self.deck = deck;
                self.selected_run = 0;
                self.focus_off = false;
                // A preset's theme holds while it is open; the user's comes back after it.
                self.history.clear();
                self.panels_see_new_document();
            }
            Err(e) => self
                .notices
                .error(format!("Could not start the scenario: {e}")),
        }
    }

    /// Opens a preset file; on failure the errors are shown and the scenario on screen stays.
    pub fn open_file(&mut self, path: &Path) {
        if io::is_mlp_preset(path) {
            match io::load_mlp_preset(path)
                .map_err(|e| e.0.iter().map(ToString::to_string).collect::<Vec<_>>())
            {
                Ok(s) => self.open_mlp(s, Some(path.to_path_buf())),
                Err(errors) => {
                    self.load_errors = Some((format!("Could not open {}", path.display()), errors));
                }
            }
            return;
        }
        match io::load_preset(path) {
            Ok(s) => {
                let deck = Deck::around_file(path);
                self.open_scenario(s, Source::File(path.to_path_buf()), deck);
            }
            Err(errors) => {
                self.load_errors = Some((
                    format!("Could not open {}", path.display()),
                    errors.0.iter().map(ToString::to_string).collect(),
                ));
            }
        }
    }

    /// Shows an MLP scenario on the network page.
    fn open_mlp(&mut self, scenario: crate::scenario::mlp::MlpScenario, path: Option<PathBuf>) {
        match MlpView::new(scenario) {
            Ok(view) => {
                self.mlp = Some(view);
                self.mlp_path = path;
                self.page = Page::Network;
            }
            Err(e) => self
                .notices
                .error(format!("Could not start the network: {e}")),
        }
    }

    fn open_builtin_mlp(&mut self, i: usize) {
        let Some(b) = BUILTIN_MLP.get(i) else {
            return;
        };
        match scenario::mlp::parse(b.text, b.file) {
            Ok(s) => self.open_mlp(s, None),
            Err(e) => self
                .notices
                .error(format!("Shipped preset {}: {e}", b.file)),
        }
    }

    fn open_builtin(&mut self, i: usize) {
        if i < BUILTIN.len() {
            self.open_scenario(builtin_scenario(i), Source::Builtin(i), Deck::builtin(i));
        }
    }

    fn deck_step(&mut self, delta: isize) {
        let Some((index, entry)) = self.deck.neighbour(delta).map(|(i, e)| (i, e.clone())) else {
            return;
        };
        match entry {
            Entry::Builtin(b) => self.open_builtin(b),
            Entry::File(p) => {
                self.open_file(&p);
                if self.source == Source::File(p.clone()) {
                    self.deck.select(index);
                }
            }
        }
    }

    fn save_to(&mut self, path: &Path) {
        if self.page == Page::Network
            && let Some(mlp) = &mut self.mlp
        {
            let result = scenario::mlp::to_ron(&mlp.scenario().spec)
                .map_err(|e| e.to_string())
                .and_then(|text| {
                    io::write_atomic(path, text.as_bytes()).map_err(|e| e.to_string())
                });
            match result {
                Ok(()) => {
                    mlp.mark_saved();
                    self.mlp_path = Some(path.to_path_buf());
                    self.notices.info(format!("Saved {}", path.display()));
                }
                Err(e) => self
                    .notices
                    .error(format!("Not saved (the previous file is untouched): {e}")),
            }
            return;
        }
        let result = to_ron(self.session.spec())
            .map_err(|e| e.to_string())
            .and_then(|text| io::write_atomic(path, text.as_bytes()).map_err(|e| e.to_string()));
        match result {
            Ok(()) => {
                self.saved_spec = self.session.spec().clone();
                self.source = Source::File(path.to_path_buf());
                self.deck = Deck::around_file(path);
                self.notices.info(format!("Saved {}", path.display()));
            }
            Err(e) => self
                .notices
                .error(format!("Not saved (the previous file is untouched): {e}")),
        }
    }

    fn working_dir(&self) -> PathBuf {
        match &self.source {
            Source::File(p) => p
                .parent()
                .map_or_else(|| PathBuf::from("."), Path::to_path_buf),
            _ => std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
        }
    }

    fn screenshot_dir(&self) -> PathBuf {
        self.settings
            .screenshot_dir
            .clone()
            .unwrap_or_else(io::pictures_folder)
    }

    fn screenshot_frame(&mut self, ctx: &egui::Context) {
        // --screenshot: after the first frames have settled and any --at-step seek is done.
        if let Some(path) = self.launch.screenshot.clone()
            && self.frames >= 8
            && !self.screenshot_requested
            && self.launch.at_step.is_none()
        {
            self.screenshot_requested = true;
            self.screenshots.request(Request {
                path,
                density: self.launch.screenshot_density.unwrap_or(2.0),
                region: self.launch.screenshot_plot,
            });
        } else if self.launch.screenshot.is_some() && !self.screenshot_requested {
            // Nothing else may ask for frames (no pointer, no playback): keep them coming.
            ctx.request_repaint();
        }
        for outcome in self.screenshots.frame(ctx, &self.regions) {
            match outcome {
                Ok(saved) => {
                    let path = saved.path;
                    let note = if saved.density >= saved.requested {
                        String::new()
                    } else {
                        format!(
                            " (at {}x: the window could not be enlarged to {}x)",
                            saved.density, saved.requested
                        )
                    };
                    self.notices.info(format!(
                        "Saved {} at {}x{note}",
                        path.display(),
                        saved.density
                    ));
                    if self.launch.screenshot.is_some() {
                        println!("{}", path.display());
                        ctx.send_viewport_cmd(egui::ViewportCommand::Close);
                    }
                }
                Err(e) => {
                    self.notices.error(format!("Screenshot not saved: {e}"));
                    if self.launch.screenshot.is_some() {
                        self.screenshot_failure = Some(e);
                        ctx.send_viewport_cmd(egui::ViewportCommand::Close);
                    }
                }
            }
        }
    }

    fn update_title(&mut self, ctx: &egui::Context) {
        let star = if self.modified() { " •" } else { "" };
        let name = match (self.page, &self.mlp) {
            (Page::Network, Some(mlp)) => &mlp.scenario().spec.name,
            _ => &self.session.spec().name,
        };
        let title = format!("optiviz — {name}{star}");
        if title != self.title {
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title.clone()));
            self.title = title;
        }
    }

    /// The settings as they should be stored now.
    fn snapshot_settings(&self) -> Settings {
        let mut s = self.settings.clone();
        s.scenario_ron = to_ron(self.session.spec()).ok();
        s.scenario_path = match &self.source {
            Source::File(p) => Some(p.clone()),
            _ => None,
        };
        s.builtin = match self.source {
            Source::Builtin(i) => Some(i),
            _ => None,
        };
        s
    }

    fn persist_now_and_then(&mut self, ctx: &egui::Context) {
        let now = ctx.input(|i| i.time);
        if now - self.last_persist >= PERSIST_EVERY_SECS && !self.screenshots.busy() {
            self.last_persist = now;
            self.persist();
        }
    }

    /// Writes the state file (atomically) if anything changed since the last write.
    pub fn persist(&mut self) {
        let Some(path) = self.launch.state_file.clone() else {
            return;
        };
        let Ok(text) = self.snapshot_settings().to_ron() else {
            return;
        };
        if self.persisted.as_deref() == Some(text.as_str()) {
            return;
        }
        if let Some(dir) = path.parent() {
            let _ = io::create_dir(dir);
        }
        match io::write_atomic(&path, text.as_bytes()) {
            Ok(()) => self.persisted = Some(text),
            Err(e) => self
                .notices
                .error(format!("Could not save the app state: {e}")),
        }
    }
}

fn unreachable_session() -> Session {
    #[allow(
        clippy::panic,
        reason = "the default document is valid by construction (tested)"
    )]
    {
        panic!("the default scenario cannot be simulated")
    }
}

/// A file name from a scenario name: lower case, dashes, `.ron`.
fn file_name_for(name: &str) -> String {
    let slug: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let slug = slug
        .split('-')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    format!("{}.ron", if slug.is_empty() { "scenario" } else { &slug })
}

/// A time stamp for file names without a date library: seconds since the Unix epoch, plus the
/// frame time for uniqueness.
fn chrono_free_stamp(ctx: &egui::Context) -> String {
    let secs = web_time::SystemTime::now()
        .duration_since(web_time::SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "milliseconds of frame time"
    )]
    let ms = (ctx.input(|i| i.time) * 1000.0) as u64 % 1000;
    format!("{secs}-{ms:03}")
}

impl eframe::App for OptivizApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.ui_root(ui);
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        self.persist();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_document_and_builtins_are_valid() {
        assert!(Scenario::from_spec(ScenarioSpec::default()).is_ok());
        for (i, b) in BUILTIN.iter().enumerate() {
            assert!(scenario::parse(b.text, b.file).is_ok(), "builtin {i}");
        }
    }

    #[test]
    fn file_names_from_scenario_names() {
        assert_eq!(
            file_name_for("Momentum cures the valley (kappa = 100)"),
            "momentum-cures-the-valley-kappa-100.ron"
        );
        assert_eq!(file_name_for("  "), "scenario.ron");
    }

    #[test]
    fn the_default_scenario_has_runs_and_is_a_quadratic() {
        let s = builtin_scenario(DEFAULT_BUILTIN);
        assert!(s.runs.len() >= 2);
        assert!(s.objective.as_quadratic().is_some());
    }
}
