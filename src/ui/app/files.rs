//! Documents in and out: opening presets (a file of either kind, a shipped one, the next of a
//! deck), saving the page's document, where dialogs start, and asking before edits are lost.

use super::OptivizApp;
use crate::io;
use crate::scenario::builtin::BUILTIN_MLP;
use crate::scenario::mlp::MlpScenario;
use crate::scenario::{self, Document, Scenario, ScenarioSpec};
use crate::ui::chrome::dialogs::{self, FileDialog, Mode};
use crate::ui::command::{Command, Dialog};
use crate::ui::deck::{BUILTIN, DEFAULT_BUILTIN, Deck, Entry};
use crate::ui::network::{NetworkPage, NetworkSession};
use crate::ui::page::{Page, PageKind};
use crate::ui::platform;
use crate::ui::surface::{Source, SurfacePage};
use egui::Key;
use std::path::{Path, PathBuf};

/// Shipped preset `index` (the default scenario if it were ever invalid: the tests keep the
/// shipped presets valid).
pub(super) fn builtin_scenario(index: usize) -> Scenario {
    let b = BUILTIN[index.min(BUILTIN.len() - 1)];
    scenario::parse(b.text, b.file).unwrap_or_else(|_| fallback_scenario())
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

/// The 2-D page on the default shipped preset.
pub(super) fn default_surfaces() -> SurfacePage {
    SurfacePage::new(
        builtin_scenario(DEFAULT_BUILTIN),
        Source::Builtin(DEFAULT_BUILTIN),
        Deck::builtin(DEFAULT_BUILTIN),
    )
    .or_else(|_| {
        SurfacePage::new(
            fallback_scenario(),
            Source::Builtin(DEFAULT_BUILTIN),
            Deck::builtin(DEFAULT_BUILTIN),
        )
    })
    .unwrap_or_else(|_| unreachable_page())
}

#[allow(
    clippy::panic,
    reason = "the default document is valid by construction (tested)"
)]
fn unreachable_page() -> SurfacePage {
    panic!("the default scenario cannot be simulated")
}

/// A file name from a scenario name: lower case, dashes, `.ron`.
pub(super) fn file_name_for(name: &str) -> String {
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

impl OptivizApp {
    /// Opens a preset file of either kind; on failure the errors are shown and the document on
    /// screen stays.
    pub fn open_file(&mut self, path: &Path) {
        if let Some(document) = self.load(path) {
            self.open_document(document, path);
        }
    }

    /// Reads and validates a preset; its errors go to the error dialog.
    pub(super) fn load(&mut self, path: &Path) -> Option<Document> {
        match io::load_document(path) {
            Ok(document) => Some(document),
            Err(errors) => {
                self.load_errors = Some((
                    format!("Could not open {}", path.display()),
                    errors.0.iter().map(ToString::to_string).collect(),
                ));
                None
            }
        }
    }

    /// Shows a loaded preset on its page.
    pub(super) fn open_document(&mut self, document: Document, path: &Path) {
        match document {
            Document::Surface(s) => self.open_surface(
                *s,
                Source::File(path.to_path_buf()),
                Deck::around_file(path),
            ),
            Document::Network(s) => self.open_network(*s, Some(path.to_path_buf())),
        }
    }

    /// True when showing `document` would discard the unsaved edits of its page.
    pub(super) fn document_discards_edits(&self, document: &Document) -> bool {
        match document {
            Document::Surface(_) => Page::modified(&self.surfaces),
            Document::Network(_) => self.network.as_ref().is_some_and(Page::modified),
        }
    }

    pub(super) fn open_builtin(&mut self, i: usize) {
        if i < BUILTIN.len() {
            self.open_surface(builtin_scenario(i), Source::Builtin(i), Deck::builtin(i));
        }
    }

    pub(super) fn open_builtin_mlp(&mut self, i: usize) {
        let Some(b) = BUILTIN_MLP.get(i) else {
            return;
        };
        match scenario::mlp::parse(b.text, b.file) {
            Ok(s) => self.open_network(s, None),
            Err(e) => self
                .notices
                .error(format!("Shipped preset {}: {e}", b.file)),
        }
    }

    fn open_surface(&mut self, scenario: Scenario, source: Source, deck: Deck) {
        match self.surfaces.open(scenario, source, deck) {
            Ok(()) => self.page = PageKind::Surfaces,
            Err(e) => self
                .notices
                .error(format!("Could not start the scenario: {e}")),
        }
    }

    fn open_network(&mut self, scenario: MlpScenario, path: Option<PathBuf>) {
        match NetworkSession::new(scenario) {
            Ok(session) => {
                self.network = Some(NetworkPage::new(session, path));
                self.page = PageKind::Network;
            }
            Err(e) => self
                .notices
                .error(format!("Could not start the network: {e}")),
        }
    }

    pub(super) fn deck_step(&mut self, delta: isize) {
        let Some((index, entry)) = self
            .surfaces
            .deck()
            .neighbour(delta)
            .map(|(i, e)| (i, e.clone()))
        else {
            return;
        };
        match entry {
            Entry::Builtin(b) => self.open_builtin(b),
            Entry::File(p) => {
                self.open_file(&p);
                if self.surfaces.source() == &Source::File(p.clone()) {
                    self.surfaces.select_in_deck(index);
                }
            }
        }
    }

    /// Writes the page's document to `path` (a temporary file, then renamed; a browser
    /// downloads it under the file's name). A file with comments is not overwritten: saving
    /// writes the document afresh and would drop them, so the notice says so and offers Save As.
    pub(super) fn save_to(&mut self, path: &Path) {
        if platform::HAS_FILES
            && let Ok(old) = io::read_text(path)
            && scenario::locate::has_comments(&old)
        {
            self.notices.error(format!(
                "Not saved: {} has comments, which saving would drop. Use File > Save As... to \
                 write a new file; {} stays as it is.",
                path.display(),
                path.file_name()
                    .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
            ));
            return;
        }
        let page = self.current_mut();
        let result = page
            .to_ron()
            .and_then(|text| platform::deliver(path, text.as_bytes()));
        match result {
            Ok(done) => {
                page.saved_to(path);
                self.notices.info(done);
            }
            Err(e) => self
                .notices
                .error(format!("Not saved (the previous file is untouched): {e}")),
        }
    }

    /// The open, save or folder dialog: the app's own on the desktop; in a browser its file
    /// picker, a download, or a word on where files go.
    pub(super) fn show_dialog(&mut self, ctx: &egui::Context, command: &Command) {
        let name = self.proposed_file_name();
        match command {
            Command::ShowOpenDialog if !platform::HAS_FILES => platform::pick_preset(ctx),
            Command::ShowSaveDialog if !platform::HAS_FILES => self.save_to(Path::new(&name)),
            Command::ShowFolderDialog if !platform::HAS_FILES => self
                .notices
                .info("In a browser, screenshots, plots and GIFs are downloaded."),
            Command::ShowOpenDialog => {
                self.dialog = Some(FileDialog::new(Mode::Open, &self.working_dir(), ""));
            }
            Command::ShowSaveDialog => {
                self.dialog = Some(FileDialog::new(Mode::Save, &self.working_dir(), &name));
            }
            Command::ShowFolderDialog => {
                let dir = self.screenshot_dir();
                self.dialog = Some(FileDialog::new(Mode::Folder, &dir, ""));
            }
            _ => {}
        }
    }

    /// Opens the scenario a link carries; a broken link's errors are shown as a broken
    /// preset's are, and the document on screen stays.
    pub(super) fn open_link(&mut self, link: &str) {
        match scenario::parse_link(link) {
            Ok((document, step)) => {
                self.open_unsaved(document);
                self.launch_step = step;
            }
            Err(errors) => {
                self.load_errors = Some((
                    "Could not open the link".to_owned(),
                    errors.0.iter().map(ToString::to_string).collect(),
                ));
            }
        }
    }

    /// Opens a preset given as text (the browser's file picker, a dropped file's contents).
    pub(super) fn open_text(&mut self, name: &str, text: &str) {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let parsed = scenario::parse_document(text, name, &mut |csv| {
            Err(format!(
                "the CSV file `{csv}` is read from beside the preset: open it in the desktop app"
            ))
        });
        match parsed {
            Ok(document) => self.open_unsaved(document),
            Err(errors) => {
                self.load_errors = Some((
                    format!("Could not open {name}"),
                    errors.0.iter().map(ToString::to_string).collect(),
                ));
            }
        }
    }

    /// Shows a document that has no file on its page (a link, a browser's upload).
    fn open_unsaved(&mut self, document: Document) {
        match document {
            Document::Surface(s) => {
                let deck = Deck::builtin_named(&s.spec.name);
                self.open_surface(*s, Source::Unsaved, deck);
            }
            Document::Network(s) => self.open_network(*s, None),
        }
    }

    /// Puts a link to the page's document on the clipboard, with the step on screen when
    /// paused past step 0, and says so (the desktop also prints it, for a terminal to copy).
    pub(super) fn copy_link(&mut self, ctx: &egui::Context) {
        let page = self.current();
        let playback = page.playback();
        let step = (!playback.playing && playback.shown > 0).then_some(playback.shown);
        match page.to_ron() {
            Ok(text) => {
                let link = scenario::link::make(&platform::link_base(), &text, step);
                ctx.copy_text(link.clone());
                if platform::HAS_FILES {
                    println!("{link}");
                }
                let at = step.map_or_else(String::new, |k| format!(" at step {k}"));
                self.notices.info(format!(
                    "Link to \"{}\"{at} copied ({} characters): {}",
                    page.name(),
                    link.chars().count(),
                    short(&link)
                ));
            }
            Err(e) => self.notices.error(format!("No link: {e}")),
        }
    }

    /// What the platform brought since the last frame: a preset from the browser's file
    /// picker, a link in the page's address.
    pub(super) fn platform_input(&mut self, out: &mut Vec<Command>) {
        if let Some((name, text)) = platform::take_picked() {
            match text {
                Ok(text) => out.push(Command::OpenText { name, text }),
                Err(e) => self.load_errors = Some((format!("Could not open {name}"), vec![e])),
            }
        }
        if let Some(link) = platform::address_link() {
            out.push(Command::OpenLink(link));
        }
    }

    /// The save dialog's proposed name: the file's own, else one from the document's name.
    pub(super) fn proposed_file_name(&self) -> String {
        let page = self.current();
        page.file().and_then(Path::file_name).map_or_else(
            || file_name_for(page.name()),
            |n| n.to_string_lossy().into_owned(),
        )
    }

    /// Where the open and save dialogs start: the document's folder, else the current one.
    pub(super) fn working_dir(&self) -> PathBuf {
        match self.current().file().and_then(Path::parent) {
            Some(dir) => dir.to_path_buf(),
            None => std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
        }
    }

    /// Where screenshots, plot exports and GIFs go.
    pub(super) fn screenshot_dir(&self) -> PathBuf {
        if !platform::HAS_FILES {
            // Downloads: the file name is all there is.
            return PathBuf::new();
        }
        self.settings
            .screenshot_dir
            .clone()
            .unwrap_or_else(io::pictures_folder)
    }

    /// The file dialog, load errors, "discard changes?" and help, each pushing what it decided.
    pub(super) fn dialogs(&mut self, ctx: &egui::Context, out: &mut Vec<Command>) {
        if let Some(dialog) = &mut self.dialog {
            match dialog.ui(ctx) {
                dialogs::Outcome::Open => {}
                dialogs::Outcome::Cancelled => out.push(Command::CloseDialog(Dialog::File)),
                dialogs::Outcome::Confirmed(command) => {
                    out.push(Command::CloseDialog(Dialog::File));
                    out.push(command);
                }
            }
        }
        if let Some((title, errors)) = &self.load_errors
            && dialogs::load_errors(ctx, title, errors)
        {
            out.push(Command::CloseDialog(Dialog::LoadErrors));
        }
        if let Some(next) = &self.leaving {
            let again = match next {
                Command::Deck(1) => Some(Key::PageDown),
                Command::Deck(-1) => Some(Key::PageUp),
                _ => None,
            };
            let name = self.leaving_name(next).to_owned();
            match dialogs::discard_changes(ctx, &name, again) {
                dialogs::Leave::Discard => {
                    out.push(Command::DiscardAndContinue(Box::new(next.clone())));
                }
                dialogs::Leave::Stay => out.push(Command::CloseDialog(Dialog::Leaving)),
                dialogs::Leave::Undecided => {}
            }
        }
        if self.show_help && !dialogs::help(ctx) {
            out.push(Command::CloseDialog(Dialog::Help));
        }
    }

    /// True when `command` would replace a document that has unsaved edits (a file to open
    /// is looked at once it is loaded, in `apply`).
    pub(super) fn discards_edits(&self, command: &Command) -> bool {
        match command {
            Command::OpenBuiltinMlp(_) => self.network.as_ref().is_some_and(Page::modified),
            Command::Deck(_) | Command::OpenBuiltin(_) => Page::modified(&self.surfaces),
            Command::OpenLink(link) => scenario::parse_link(link)
                .is_ok_and(|(document, _)| self.document_discards_edits(&document)),
            Command::OpenText { name, text } => {
                scenario::parse_document(text, name, &mut |_| Err(String::new()))
                    .is_ok_and(|document| self.document_discards_edits(&document))
            }
            _ => false,
        }
    }

    /// The name of the document `command` would replace.
    pub(super) fn leaving_name(&self, command: &Command) -> &str {
        let network = self.network.as_ref().map(Page::name);
        let opens_network = match command {
            Command::OpenBuiltinMlp(_) => true,
            Command::Open(_) => matches!(self.pending, Some((Document::Network(_), _))),
            _ => false,
        };
        match network {
            Some(name) if opens_network => name,
            _ => Page::name(&self.surfaces),
        }
    }
}

/// The first 60 characters of a link, and its end.
fn short(link: &str) -> String {
    let n = link.chars().count();
    if n <= 80 {
        return link.to_owned();
    }
    let head: String = link.chars().take(60).collect();
    let tail: String = link.chars().skip(n - 12).collect();
    format!("{head}...{tail}")
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
}
