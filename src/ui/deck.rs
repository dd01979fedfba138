//! Lecture decks: the presets shipped inside the binary, or the `.ron` files of a folder,
//! stepped through with PageDown / PageUp (what presenter clickers send).

use crate::io;
use std::path::{Path, PathBuf};

pub use crate::scenario::builtin::{BUILTIN, DEFAULT_BUILTIN};

/// A preset's title from its file name: "03 momentum vs gd" from "04-momentum-vs-gd.ron".
#[must_use]
pub fn preset_title(file: &str) -> String {
    file.trim_end_matches(".ron").replace('-', " ")
}

/// One slide of a deck.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entry {
    /// A shipped preset.
    Builtin(usize),
    /// A file on disk.
    File(PathBuf),
}

/// An ordered list of presets and where we are in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deck {
    entries: Vec<Entry>,
    current: Option<usize>,
}

impl Deck {
    /// The shipped deck, positioned at `index`.
    #[must_use]
    pub fn builtin(index: usize) -> Self {
        Self {
            entries: (0..BUILTIN.len()).map(Entry::Builtin).collect(),
            current: Some(index.min(BUILTIN.len().saturating_sub(1))),
        }
    }

    /// The shipped deck for a document with no file (a link, an upload): positioned at the
    /// shipped preset of the same name, so PageDown goes on from there, else at no slide (no
    /// position is shown and PageUp/PageDown wait for a preset to be opened).
    #[must_use]
    pub fn builtin_named(name: &str) -> Self {
        let current = BUILTIN.iter().position(|b| {
            crate::scenario::parse_spec(b.text, b.file).is_ok_and(|s| s.name == name)
        });
        Self {
            entries: (0..BUILTIN.len()).map(Entry::Builtin).collect(),
            current,
        }
    }

    /// The deck of `file`'s folder, positioned at `file` (just that file if the folder cannot
    /// be listed).
    #[must_use]
    pub fn around_file(file: &Path) -> Self {
        let folder = file
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let mut files = io::list_presets(folder).unwrap_or_default();
        if !files.iter().any(|f| same_file(f, file)) {
            files.push(file.to_path_buf());
        }
        let current = files.iter().position(|f| same_file(f, file));
        Self {
            entries: files.into_iter().map(Entry::File).collect(),
            current,
        }
    }

    /// The entry `delta` slides away (clamped to the ends).
    #[must_use]
    pub fn neighbour(&self, delta: isize) -> Option<(usize, &Entry)> {
        let cur = self.current?;
        let next = cur.checked_add_signed(delta)?;
        self.entries.get(next).map(|e| (next, e))
    }

    /// Moves to slide `index`.
    pub fn select(&mut self, index: usize) {
        if index < self.entries.len() {
            self.current = Some(index);
        }
    }

    /// "3 / 12", or "" for a one-slide deck.
    #[must_use]
    pub fn position_label(&self) -> String {
        match self.current {
            Some(c) if self.entries.len() > 1 => format!("{} / {}", c + 1, self.entries.len()),
            _ => String::new(),
        }
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    a == b
        || a.canonicalize()
            .ok()
            .is_some_and(|ca| b.canonicalize().ok().is_some_and(|cb| ca == cb))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_deck_is_exactly_the_presets_folder() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/presets");
        let files = io::list_presets(Path::new(dir)).unwrap();
        assert_eq!(files.len(), BUILTIN.len(), "presets/ and BUILTIN differ");
        for (f, b) in files.iter().zip(BUILTIN) {
            assert_eq!(f.file_name().unwrap().to_string_lossy(), b.file);
            assert_eq!(std::fs::read_to_string(f).unwrap(), b.text);
        }
    }

    #[test]
    fn a_document_without_a_file_is_placed_by_its_name() {
        let name = crate::scenario::parse_spec(BUILTIN[11].text, "x")
            .expect("shipped")
            .name;
        let deck = Deck::builtin_named(&name);
        assert_eq!(deck.position_label(), format!("12 / {}", BUILTIN.len()));
        assert_eq!(deck.neighbour(1).map(|(i, _)| i), Some(12));
        let loose = Deck::builtin_named("A scenario of my own");
        assert_eq!(loose.position_label(), "");
        assert!(loose.neighbour(1).is_none());
    }

    #[test]
    fn navigation_clamps_at_the_ends() {
        let mut d = Deck::builtin(0);
        assert!(d.neighbour(-1).is_none());
        assert_eq!(d.neighbour(1).map(|(i, _)| i), Some(1));
        d.select(BUILTIN.len() - 1);
        assert!(d.neighbour(1).is_none());
        assert_eq!(
            d.position_label(),
            format!("{} / {}", BUILTIN.len(), BUILTIN.len())
        );
    }
}
