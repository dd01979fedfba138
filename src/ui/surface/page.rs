//! The 2-D page: optimizers racing on a surface. Its session (`ui::session`, no egui) owns the
//! scenario, the simulation and playback; this file holds what the page adds around it (where
//! the document came from, its deck, undo history, the selected run, focus mode) and lays out
//! its views: the side panel's sections, the theory panel, the loss plot and the contour view.
//! Widgets push commands; `apply` carries them out.

use crate::numerics::ParamError;
use crate::scenario::{Element, Scenario, ScenarioSpec, Theme};
use crate::ui::command::Command;
use crate::ui::deck::{BUILTIN, Deck};
use crate::ui::history::{Gesture, History, current_gesture};
use crate::ui::page::{Chrome, Page, Playback};
use crate::ui::region::Region;
use crate::ui::surface::contour_view::ContourView;
use crate::ui::surface::loss_view::LossView;
use crate::ui::surface::map_view::MapView;
use crate::ui::surface::panels::{self, FocusSliders, Panel, PanelCtx};
use crate::ui::surface::session::{MAX_SPEED, Session};
use crate::ui::surface::theory_panel::{self, TheoryPanel};
use std::path::{Path, PathBuf};

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

/// The 2-D page.
pub struct SurfacePage {
    session: Session,
    /// The document as last loaded or saved, to tell whether it was modified.
    saved: ScenarioSpec,
    history: History<ScenarioSpec>,
    source: Source,
    deck: Deck,
    selected_run: usize,
    /// "Show everything": the preset's focus mode is off until the next preset.
    focus_off: bool,
    panels: Vec<Box<dyn Panel>>,
    focus_sliders: FocusSliders,
    contour: ContourView,
    loss: LossView,
    map: MapView,
    theory: TheoryPanel,
    /// Why the last edit was refused, until the app shows it.
    refusal: Option<String>,
}

impl SurfacePage {
    /// The selected run, as an index among the enabled runs (`None` when it is disabled).
    #[must_use]
    pub fn selected_sim_run(&self) -> Option<usize> {
        self.session.sim_index(self.selected_run)
    }

    /// The page on `scenario`, from `source`, in `deck`.
    pub fn new(scenario: Scenario, source: Source, deck: Deck) -> Result<Self, ParamError> {
        Ok(Self {
            saved: scenario.spec.clone(),
            session: Session::new(scenario)?,
            history: History::default(),
            source,
            deck,
            selected_run: 0,
            focus_off: false,
            panels: panels::all(),
            focus_sliders: FocusSliders {
                lr: true,
                momentum: true,
            },
            contour: ContourView::default(),
            loss: LossView::default(),
            map: MapView::default(),
            theory: TheoryPanel::default(),
            refusal: None,
        })
    }

    /// Shows another document (a new slide): step 0, its view, no undo history.
    pub fn open(
        &mut self,
        scenario: Scenario,
        source: Source,
        deck: Deck,
    ) -> Result<(), ParamError> {
        let saved = scenario.spec.clone();
        self.session.load(scenario)?;
        self.saved = saved;
        self.source = source;
        self.deck = deck;
        self.selected_run = 0;
        self.focus_off = false;
        self.history.clear();
        self.document_replaced();
        Ok(())
    }

    /// The session: scenario, simulation, playback.
    #[must_use]
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// Where the document came from.
    #[must_use]
    pub fn source(&self) -> &Source {
        &self.source
    }

    /// The deck PageUp/PageDown walk.
    #[must_use]
    pub fn deck(&self) -> &Deck {
        &self.deck
    }

    /// Marks entry `index` of the deck as the one on screen.
    pub fn select_in_deck(&mut self, index: usize) {
        self.deck.select(index);
    }

    /// Shows the step `step` (paused) once it is computed (for `--at-step`); true once shown.
    pub fn seek_when_computed(&mut self, step: usize) -> bool {
        if self.session.computing() {
            return false;
        }
        self.session.seek(step as f64);
        true
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

    /// How often the heat map and contour lines were rebuilt (cached per view).
    #[must_use]
    pub fn contour_rebuilds(&self) -> usize {
        self.contour.contour_rebuilds()
    }

    /// True while the contour picture is being sampled over several frames (a screenshot
    /// waits for it).
    #[must_use]
    pub fn contours_pending(&self) -> bool {
        self.contour.contours_pending()
    }

    /// How often the iso-lines were turned into triangles (reused while the plot stands still).
    #[must_use]
    pub fn line_tessellations(&self) -> usize {
        self.contour.line_tessellations()
    }

    /// The hyperparameter map's cells computed and all its cells (for tests).
    #[must_use]
    pub fn map_progress(&self) -> Option<(usize, usize)> {
        self.map.progress()
    }

    /// How often the loss plot's lines were decimated (cached between simulation changes).
    #[must_use]
    pub fn loss_rebuilds(&self) -> usize {
        self.loss.rebuilds()
    }

    /// Applies an edited document; an accepted edit can be undone (one step per gesture).
    fn edit(&mut self, ctx: &egui::Context, spec: ScenarioSpec) -> Result<(), String> {
        let before = self.session.spec().clone();
        if spec == before {
            return Ok(());
        }
        let result = self.session.replace(spec);
        self.clamp_selection();
        match result {
            Ok(()) => {
                self.history
                    .record(before, current_gesture(ctx), ctx.input(|i| i.time));
                Ok(())
            }
            Err(errors) => {
                let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
                Err(format!("Change not applied: {}", text.join("; ")))
            }
        }
    }

    /// Shows a document from the history (undo, redo, revert) without recording it; playback
    /// keeps its speed.
    fn restore(&mut self, mut spec: ScenarioSpec) -> Result<(), String> {
        spec.speed = self.session.spec().speed;
        self.document_replaced();
        let result = self.session.replace(spec);
        self.clamp_selection();
        result.map_err(|errors| {
            let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
            format!("Could not restore: {}", text.join("; "))
        })
    }

    fn document_replaced(&mut self) {
        for panel in &mut self.panels {
            panel.document_replaced();
        }
    }

    fn clamp_selection(&mut self) {
        self.selected_run = self
            .selected_run
            .min(self.session.spec().runs.len().saturating_sub(1));
    }

    /// The side panel's sections (those focus mode shows). Returns false when there is no side
    /// panel.
    fn side_panel(&mut self, ui: &mut egui::Ui, out: &mut Vec<Command>) -> bool {
        let source_label = match &self.source {
            Source::Builtin(i) => format!("shipped preset {}", BUILTIN[*i].file),
            Source::File(p) => p.display().to_string(),
            Source::Unsaved => "not saved to a file".to_owned(),
        };
        let modified = self.modified();
        let cx = PanelCtx {
            session: &self.session,
            selected_run: self.selected_run,
            deck_label: self.deck.position_label(),
            source_label,
            modified,
            saved: &self.saved,
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

    /// The theory panel (right), the loss plot (bottom) and the contour view.
    fn central(
        &mut self,
        ui: &mut egui::Ui,
        chrome: &mut Chrome<'_>,
        banner: Option<&str>,
        out: &mut Vec<Command>,
    ) {
        let settings = chrome.settings;
        self.contour.eigen_axes = None;
        self.contour.hide_legend = !self.shows(Element::Legend);
        let show_theory = match self.focus() {
            Some(focus) => focus.contains(&Element::Theory),
            None => settings.show_theory,
        };
        if show_theory {
            egui::Panel::right("theory")
                .resizable(true)
                .default_size(440.0)
                .size_range(320.0..=720.0)
                .show(ui, |ui| {
                    chrome.regions.set(
                        Region::Theory,
                        ui.max_rect().expand(4.0).intersect(ui.clip_rect()),
                    );
                    egui::ScrollArea::vertical()
                        .auto_shrink([false, false])
                        .show(ui, |ui| {
                            self.theory.ui(ui, &self.session, self.selected_run, out);
                        });
                });
            self.contour.eigen_axes = theory_panel::analysis(&self.session, self.selected_run)
                .map(|a| (a.origin, a.spectrum.eigenvectors, a.spectrum.eigenvalues));
        }
        let show_loss = match self.focus() {
            Some(focus) => focus.contains(&Element::Loss),
            None => settings.show_loss_plot,
        };
        if settings.show_map {
            let mut open = true;
            egui::Window::new("Hyperparameter map")
                .open(&mut open)
                .default_size([460.0, 520.0])
                .default_pos(ui.max_rect().right_top() + egui::vec2(-480.0, 40.0))
                .show(ui.ctx(), |ui| {
                    self.map
                        .ui(ui, &self.session, self.selected_run, settings.theme, out);
                });
            if !open {
                out.push(Command::SetViewOption(crate::ui::ViewOption::Map, false));
            }
        }
        egui::CentralPanel::default().show(ui, |ui| {
            if let Some(text) = banner {
                ui.label(egui::RichText::new(text).strong());
            }
            if show_loss {
                // Tall enough for its legend row, two labelled decades and the step axis in
                // any theme's text size.
                let line = ui.text_style_height(&egui::TextStyle::Body);
                let loss_height = (ui.available_height() * 0.27).clamp(8.0 * line, 320.0);
                egui::Panel::bottom("loss-panel")
                    .resizable(true)
                    .default_size(loss_height)
                    .show(ui, |ui| {
                        chrome.regions.set(Region::Loss, ui.max_rect().expand(4.0));
                        self.loss
                            .ui(ui, &self.session, self.selected_run, ui.available_height());
                    });
            }
            chrome
                .regions
                .set(Region::Contour, ui.available_rect_before_wrap());
            self.contour
                .ui(ui, &self.session, settings, self.selected_run, out);
        });
    }

    /// The document with every run's start at `point` (or run `run`'s only).
    fn with_start(&self, run: Option<usize>, point: [f64; 2]) -> ScenarioSpec {
        let mut spec = self.session.spec().clone();
        let start = Some((point[0], point[1]));
        match run {
            Some(i) => {
                if let Some(r) = spec.runs.get_mut(i) {
                    r.start = start;
                }
            }
            None => {
                for r in &mut spec.runs {
                    r.start = start;
                }
            }
        }
        spec
    }

    /// Carries out a page command, or gives it back; a refused edit is an `Err` to show.
    fn apply_page(
        &mut self,
        ctx: &egui::Context,
        command: Command,
    ) -> Result<Option<Command>, String> {
        match command {
            Command::TogglePlay => {
                let playing = self.session.playing();
                self.session.set_playing(!playing);
            }
            Command::Step => self.session.step(),
            Command::Reset => self.session.reset(),
            Command::Seek(s) => self.session.seek(s),
            Command::SetSpeed(v) => self.session.set_speed(v),
            Command::Edit(spec) => self.edit(ctx, *spec)?,
            Command::SetStart { run, point } => {
                let spec = self.with_start(run, point);
                self.edit(ctx, spec)?;
            }
            Command::SelectRun(i) => self.selected_run = i,
            Command::SetTrail(trail) => {
                if self.session.spec().trail != trail {
                    let mut spec = self.session.spec().clone();
                    spec.trail = trail;
                    self.edit(ctx, spec)?;
                }
            }
            Command::SetLossPlot(plot) => {
                if self.session.spec().loss_plot != plot {
                    let mut spec = self.session.spec().clone();
                    spec.loss_plot = plot;
                    self.edit(ctx, spec)?;
                }
            }
            Command::SetTheme(theme) => {
                if self.session.spec().theme != Some(theme) {
                    let mut spec = self.session.spec().clone();
                    spec.theme = Some(theme);
                    self.edit(ctx, spec)?;
                }
            }
            Command::Undo => {
                if let Some(previous) = self.history.undo(self.session.spec().clone()) {
                    self.restore(previous)?;
                }
            }
            Command::Redo => {
                if let Some(next) = self.history.redo(self.session.spec().clone()) {
                    self.restore(next)?;
                }
            }
            Command::Revert => {
                let mut saved = self.saved.clone();
                saved.speed = self.session.spec().speed;
                let before = self.session.spec().clone();
                if saved != before {
                    self.restore(saved)?;
                    self.history
                        .record(before, Gesture::None, ctx.input(|i| i.time));
                }
            }
            Command::ToggleFocus => {
                if self.session.spec().focus.is_some() {
                    self.focus_off = !self.focus_off;
                }
            }
            other => return Ok(Some(other)),
        }
        Ok(None)
    }

    /// The refused edit of the last `apply`, for the app to show as a notice.
    pub fn take_refusal(&mut self) -> Option<String> {
        self.refusal.take()
    }
}

impl Page for SurfacePage {
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
        let mut saved = self.saved.clone();
        saved.speed = self.session.spec().speed;
        self.session.spec() != &saved
    }

    fn can_undo(&self) -> bool {
        self.history.can_undo()
    }

    fn can_redo(&self) -> bool {
        self.history.can_redo()
    }

    fn file(&self) -> Option<&Path> {
        match &self.source {
            Source::File(p) => Some(p),
            _ => None,
        }
    }

    fn to_ron(&self) -> Result<String, String> {
        crate::scenario::to_ron(self.session.spec()).map_err(|e| e.to_string())
    }

    fn saved_to(&mut self, path: &Path) {
        self.saved = self.session.spec().clone();
        self.source = Source::File(path.to_path_buf());
        self.deck = Deck::around_file(path);
    }

    fn playback(&self) -> Playback {
        Playback {
            playing: self.session.playing(),
            shown: self.session.shown_step(),
            total: self.session.steps(),
            computed: self.session.frontier(),
            speed: self.session.spec().speed,
            max_speed: MAX_SPEED,
            preset_speed: self.saved.speed,
            lagging: self.session.lagging(),
            seekable: true,
            work_ms: None,
            slow_step: crate::ui::page::slow_step_of(
                self.session.cut_off(),
                self.session
                    .scenario()
                    .enabled_runs()
                    .map(|r| r.label.as_str()),
            ),
        }
    }

    fn shows_transport(&self) -> bool {
        self.shows(Element::Playback)
    }

    fn frame(&mut self, now_secs: f64) -> bool {
        self.session
            .compute(crate::ui::surface::session::COMPUTE_BUDGET);
        self.session.tick(now_secs);
        self.session.playing() || self.session.computing()
    }

    fn ui(&mut self, ui: &mut egui::Ui, chrome: &mut Chrome<'_>, out: &mut Vec<Command>) {
        let side_panel = self.side_panel(ui, out);
        // In focus mode without a side panel, the slide's instruction goes above the plot.
        let banner = (!side_panel && self.focus().is_some())
            .then(|| self.session.spec().description.clone())
            .filter(|d| !d.is_empty());
        self.central(ui, chrome, banner.as_deref(), out);
    }

    fn apply(&mut self, ctx: &egui::Context, command: Command) -> Option<Command> {
        match self.apply_page(ctx, command) {
            Ok(unhandled) => unhandled,
            Err(message) => {
                self.refusal = Some(message);
                None
            }
        }
    }
}
