//! The application: the frame, the chrome around the page on screen, and `apply`, the one
//! place where commands are carried out. Files, decks and their dialogs are in `files.rs`,
//! the state kept between sessions in `persist.rs`, what tests and the bench may read in
//! `queries.rs`, the window and the launch options in `window.rs`.

#[cfg(target_arch = "wasm32")]
mod browser;
mod files;
mod persist;
mod queries;
mod window;

#[cfg(target_arch = "wasm32")]
pub use browser::start_web;
pub use window::LaunchOptions;
#[cfg(not(target_arch = "wasm32"))]
pub use window::run_app;

use super::chrome::{self, Status};
use super::command::{self, Command, Dialog};
use super::network::NetworkPage;
use super::notices::Notices;
use super::page::{Chrome, Page, PageKind, transport_ui};
use super::settings::{self, Settings};
use super::surface::SurfacePage;
use crate::scenario::Theme;
use crate::ui::chrome::dialogs::FileDialog;
use crate::ui::export::{Exports, ScriptedShot};
use crate::ui::platform::{self, StateStore};
use crate::ui::region::Region;
use std::path::PathBuf;

/// The optiviz app.
pub struct OptivizApp {
    surfaces: SurfacePage,
    /// The network page, made when first shown or when a network preset opens.
    network: Option<NetworkPage>,
    page: PageKind,
    settings: Settings,
    notices: Notices,
    dialog: Option<FileDialog>,
    load_errors: Option<(String, Vec<String>)>,
    /// A command that would discard edits, waiting for the user to confirm it.
    leaving: Option<Command>,
    /// The preset a waiting `Open` would show, already loaded.
    pending: Option<(crate::scenario::Document, PathBuf)>,
    show_help: bool,
    exports: Exports,
    /// A `--screenshot` run.
    script: Option<ScriptedShot>,
    /// Show this step (paused) once it is computed (`--at-step`).
    launch_step: Option<usize>,
    /// Where the state is kept between sessions.
    state: StateStore,
    /// The theme applied to the context (applied on the first frame and on changes).
    styled: Option<Theme>,
    frames: u64,
    last_persist: f64,
    persisted: Option<String>,
    title: String,
    /// What the page around the app was last shown (browser).
    exposed: platform::Exposed,
    /// The app's own time of the last frames, in ms (what `exposed` reports).
    frame_times: std::collections::VecDeque<f64>,
}

impl OptivizApp {
    /// Creates the app: restores the last state (or opens `launch.preset` or `launch.link`,
    /// or the default).
    #[must_use]
    pub fn new(mut launch: LaunchOptions) -> Self {
        let store = launch
            .state_file
            .take()
            .map_or(StateStore::Nowhere, StateStore::File);
        Self::with_store(launch, store)
    }

    /// [`OptivizApp::new`] with its state kept in `state` (the browser's local storage).
    #[must_use]
    pub fn with_store(launch: LaunchOptions, state: StateStore) -> Self {
        let mut notices = Notices::default();
        let (mut settings, restored) = persist::read_settings(&state, &mut notices);
        let LaunchOptions {
            preset,
            screenshot,
            screenshot_plot,
            screenshot_density,
            at_step,
            window: _,
            state_file: _,
            link,
        } = launch;
        match screenshot_plot {
            Some(Region::Theory) => settings.show_theory = true,
            Some(Region::Loss) => settings.show_loss_plot = true,
            _ => {}
        }
        let mut app = Self {
            surfaces: files::default_surfaces(),
            network: None,
            page: PageKind::Surfaces,
            settings,
            notices,
            dialog: None,
            load_errors: None,
            leaving: None,
            pending: None,
            show_help: false,
            exports: Exports::default(),
            script: screenshot.map(|path| ScriptedShot {
                path,
                region: screenshot_plot,
                density: screenshot_density.unwrap_or(2.0),
                requested: false,
            }),
            launch_step: at_step,
            state,
            styled: None,
            frames: 0,
            last_persist: 0.0,
            persisted: None,
            title: String::new(),
            exposed: platform::Exposed::default(),
            frame_times: std::collections::VecDeque::new(),
        };
        if let Some(path) = &preset {
            app.open_file(path);
        } else if let Some(link) = &link {
            app.open_link(link);
        } else if restored {
            app.restore();
        }
        app
    }

    fn current(&self) -> &dyn Page {
        match (&self.network, self.page) {
            (Some(n), PageKind::Network) => n,
            _ => &self.surfaces,
        }
    }

    fn current_mut(&mut self) -> &mut dyn Page {
        match (&mut self.network, self.page) {
            (Some(n), PageKind::Network) => n,
            _ => &mut self.surfaces,
        }
    }

    /// Draws one frame of the whole app into `ui` (the root), then applies what it asked for.
    pub fn ui_root(&mut self, ui: &mut egui::Ui) {
        let started = web_time::Instant::now();
        let ctx = ui.ctx().clone();
        if self.styled.is_none() {
            ctx.set_zoom_factor(
                self.settings
                    .zoom
                    .clamp(settings::MIN_ZOOM, settings::MAX_ZOOM),
            );
        }
        let theme = self.effective_theme();
        if self.styled != Some(theme) {
            super::theme::apply(&ctx, theme);
            self.styled = Some(theme);
        }
        self.frames += 1;
        let zoom = ctx.zoom_factor();
        if !self.exports.capturing() && zoom != self.settings.zoom {
            self.apply(&ctx, Command::RememberZoom(zoom));
        }
        if self.page == PageKind::Network && self.network.is_none() {
            self.open_builtin_mlp(crate::scenario::builtin::DEFAULT_BUILTIN_MLP);
        }
        // Playback follows the clock, not the frames (see pace.rs).
        let wants_frame = self.current_mut().frame(ui.input(|i| i.time));
        self.launch_step_frame(&ctx);

        let mut commands = Vec::new();
        self.platform_input(&mut commands);
        self.exports.begin_frame();
        self.keyboard(&ctx, &mut commands);
        for refused in chrome::dropped_files(&ctx, &mut commands) {
            self.notices.error(refused);
        }
        chrome::top_bar(ui, &self.status(), &mut commands);
        let (settings, exports) = (&self.settings, &mut self.exports);
        let page: &mut dyn Page = match (&mut self.network, self.page) {
            (Some(n), PageKind::Network) => n,
            _ => &mut self.surfaces,
        };
        if page.shows_transport() {
            let playback = page.playback();
            egui::Panel::bottom("transport").show(ui, |ui| {
                ui.add_space(4.0);
                transport_ui(ui, &playback, &mut commands);
                ui.add_space(2.0);
            });
        }
        let mut chrome = Chrome {
            settings,
            regions: &mut exports.regions,
        };
        page.ui(ui, &mut chrome, &mut commands);
        self.dialogs(&ctx, &mut commands);
        self.exports.gif_frame(&ctx, &mut self.notices);
        self.notices.ui(&ctx);

        for c in commands {
            self.apply(&ctx, c);
        }
        // --screenshot: after the first frames have settled and any --at-step seek is done.
        let ready = self.frames >= 8
            && self.launch_step.is_none()
            && !(self.page == PageKind::Surfaces && self.surfaces.contours_pending());
        self.exports
            .screenshot_frame(&ctx, self.script.as_mut(), ready, &mut self.notices);
        self.update_title(&ctx);
        self.expose(started.elapsed().as_secs_f64() * 1e3);
        self.persist_now_and_then(&ctx);
        if wants_frame {
            ctx.request_repaint();
        }
    }

    /// `--at-step`: shows that step once it is computed (trains towards it on the network page).
    fn launch_step_frame(&mut self, ctx: &egui::Context) {
        let Some(step) = self.launch_step else {
            return;
        };
        let done = match (&mut self.network, self.page) {
            (Some(n), PageKind::Network) => n.train_towards(step),
            _ => self.surfaces.seek_when_computed(step),
        };
        if done {
            self.launch_step = None;
        } else {
            ctx.request_repaint();
        }
    }

    /// What the chrome shows this frame.
    fn status(&self) -> Status<'_> {
        let page = self.current();
        let surfaces = self.page == PageKind::Surfaces;
        Status {
            page: self.page,
            name: page.name(),
            description: page.description(),
            theme: self.effective_theme(),
            can_undo: page.can_undo(),
            can_redo: page.can_redo(),
            modified: page.modified(),
            deck_label: if surfaces {
                self.surfaces.deck().position_label()
            } else {
                String::new()
            },
            focus: (surfaces && self.surfaces.session().spec().focus.is_some())
                .then(|| self.surfaces.focus().is_some()),
            trail: self.surfaces.session().spec().trail,
            loss_plot: self.surfaces.session().spec().loss_plot,
            settings: &self.settings,
            regions: &self.exports.shown_regions,
            gif_busy: self.exports.gif_busy(),
        }
    }

    fn keyboard(&self, ctx: &egui::Context, out: &mut Vec<Command>) {
        // While a text field has the keyboard, or a dialog is open, only the shortcuts that
        // make sense there count (Ctrl+S, F12; a text field keeps Ctrl+Z for its own text).
        let modal = self.dialog.is_some() || self.load_errors.is_some() || self.leaving.is_some();
        let typing = ctx.egui_wants_keyboard_input() || modal;
        out.extend(
            command::pressed(ctx, typing)
                .into_iter()
                .map(command::Action::command),
        );
    }

    /// Carries out one command. This is the only place where state changes. A command that
    /// would discard unsaved edits (another preset, PageUp/PageDown) asks first.
    pub fn apply(&mut self, ctx: &egui::Context, command: Command) {
        if let Command::Open(path) = &command {
            // Read once: what the file is decides which page's edits it would discard.
            let Some(document) = self.load(path) else {
                return;
            };
            if self.document_discards_edits(&document) {
                self.pending = Some((document, path.clone()));
                self.leaving = Some(command);
            } else {
                self.open_document(document, path);
            }
        } else if self.discards_edits(&command) {
            self.leaving = Some(command);
        } else {
            self.apply_now(ctx, command);
        }
    }

    fn apply_now(&mut self, ctx: &egui::Context, command: Command) {
        match command {
            Command::SetPage(page) => {
                if page == PageKind::Network && self.network.is_none() {
                    self.open_builtin_mlp(crate::scenario::builtin::DEFAULT_BUILTIN_MLP);
                }
                self.page = page;
            }
            Command::Open(path) => match self.pending.take() {
                Some((document, p)) if p == path => self.open_document(document, &path),
                _ => self.open_file(&path),
            },
            Command::OpenBuiltin(i) => self.open_builtin(i),
            Command::OpenBuiltinMlp(i) => self.open_builtin_mlp(i),
            Command::Deck(delta) => self.deck_step(delta),
            Command::Save => match self.current().file().map(std::path::Path::to_path_buf) {
                Some(p) => self.save_to(&p),
                None => self.apply_now(ctx, Command::ShowSaveDialog),
            },
            Command::SaveAs(path) => self.save_to(&path),
            Command::ShowOpenDialog | Command::ShowSaveDialog | Command::ShowFolderDialog => {
                self.show_dialog(ctx, &command);
            }
            Command::CopyLink => self.copy_link(ctx),
            Command::OpenLink(link) => self.open_link(&link),
            Command::OpenText { name, text } => self.open_text(&name, &text),
            Command::SetScreenshotDir(dir) => {
                self.notices
                    .info(format!("Screenshots go to {}", dir.display()));
                self.settings.screenshot_dir = Some(dir);
            }
            Command::Screenshot | Command::ExportPlot(_) => {
                let region = match command {
                    Command::ExportPlot(r) => Some(r),
                    _ => None,
                };
                let dir = self.screenshot_dir();
                let density = self.settings.export_density;
                self.exports.capture(ctx, &dir, region, density);
            }
            Command::SetExportDensity(d) if d.is_finite() => {
                self.settings.export_density =
                    d.clamp(settings::MIN_EXPORT_DENSITY, settings::MAX_EXPORT_DENSITY);
            }
            Command::SetExportDensity(_) => {}
            Command::ExportGif => {
                let dir = self.screenshot_dir();
                let theme = self.effective_theme();
                let scenario = self.surfaces.session().scenario();
                // The Taylor models ride along when the view shows them.
                let taylor = self
                    .settings
                    .show_taylor
                    .then(|| self.surfaces.selected_sim_run())
                    .flatten();
                self.exports
                    .start_gif(ctx, &dir, scenario, theme, taylor, &mut self.notices);
            }
            Command::ToggleFullscreen => platform::toggle_fullscreen(ctx),
            Command::ToggleHelp => self.show_help = !self.show_help,
            Command::ToggleTheory => self.settings.show_theory = !self.settings.show_theory,
            Command::SetViewOption(option, on) => self.settings.set_shown(option, on),
            Command::SetLayout(l) => self.settings.layout = l,
            Command::RememberZoom(zoom) => self.settings.zoom = zoom,
            Command::SetTheme(theme) => {
                // The viewer's choice, and the open document's (saving keeps it).
                self.settings.theme = theme;
                let _ = self.current_mut().apply(ctx, command);
            }
            Command::DiscardAndContinue(next) => {
                self.leaving = None;
                self.apply_now(ctx, *next);
            }
            Command::CloseDialog(dialog) => match dialog {
                Dialog::File => self.dialog = None,
                Dialog::LoadErrors => self.load_errors = None,
                Dialog::Leaving => {
                    self.leaving = None;
                    self.pending = None;
                }
                Dialog::Help => self.show_help = false,
            },
            // Everything else belongs to the page on screen (a command the other page would
            // take, such as Seek on the network page, has no effect).
            page_command => {
                let _ = self.current_mut().apply(ctx, page_command);
                if let Some(refusal) = self.surfaces.take_refusal() {
                    self.notices.error(refusal);
                }
            }
        }
    }
}

impl OptivizApp {
    fn update_title(&mut self, ctx: &egui::Context) {
        let star = if self.modified() { " •" } else { "" };
        let title = format!("optiviz — {}{star}", self.current().name());
        if title != self.title {
            platform::set_title(ctx, &title);
            self.title = title;
        }
    }

    /// Shows the page around the app (browser) what is on screen, and this frame's time.
    fn expose(&mut self, frame_ms: f64) {
        /// Frames the reported frame time is taken over.
        const FRAMES: usize = 30;
        if self.frame_times.len() == FRAMES {
            self.frame_times.pop_front();
        }
        self.frame_times.push_back(frame_ms);
        let frame_ms = if self.frames.is_multiple_of(10) && self.frame_times.len() == FRAMES {
            let mut sorted: Vec<f64> = self.frame_times.iter().copied().collect();
            sorted.sort_by(f64::total_cmp);
            format!("{:.1} / {:.1}", sorted[FRAMES / 2], sorted[FRAMES * 9 / 10])
        } else {
            self.exposed.frame_ms.clone()
        };
        let playback = self.current().playback();
        let runs = match (&self.network, self.page) {
            (Some(n), PageKind::Network) => n.session().scenario().runs.len(),
            _ => self.surfaces.session().scenario().runs.len(),
        };
        let exposed = platform::Exposed {
            scenario: self.current().name().to_owned(),
            step: playback.shown,
            computed: playback.computed,
            total: playback.total,
            runs,
            playing: playback.playing,
            frames: self.frames,
            frame_ms,
            error: self.load_errors.as_ref().map(|(title, errors)| {
                format!("{title}: {}", errors.first().map_or("", String::as_str))
            }),
        };
        if exposed != self.exposed {
            platform::expose(&exposed);
            self.exposed = exposed;
        }
    }
}

impl eframe::App for OptivizApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.ui_root(ui);
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        self.persist();
    }
}
