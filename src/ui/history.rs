//! Undo and redo over a page's document. Every accepted edit records the document as it was;
//! the edits of one gesture (one slider drag, one drag on the plot, typing into one field) are
//! coalesced into one step, so Ctrl+Z undoes what the user did, not one frame of it.

/// What an edit was part of: consecutive edits with the same gesture within
/// [`COALESCE_SECS`] of each other are one undo step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Gesture {
    /// A pointer press (identified by the time it started): a drag or a click.
    Pointer(u64),
    /// Typing into the text field with this id.
    Typing(egui::Id),
    /// Nothing continuous (a key, a menu command): always its own step.
    None,
}

/// Most time between two edits of one gesture.
pub const COALESCE_SECS: f64 = 2.0;

/// Most undo steps kept.
const LIMIT: usize = 200;

/// The gesture in progress in `ctx` right now.
#[must_use]
pub fn current_gesture(ctx: &egui::Context) -> Gesture {
    let press = ctx.input(|i| {
        i.pointer
            .any_down()
            .then(|| i.pointer.press_start_time())
            .flatten()
    });
    match press {
        Some(t) => Gesture::Pointer(t.to_bits()),
        None => ctx
            .memory(egui::Memory::focused)
            .map_or(Gesture::None, Gesture::Typing),
    }
}

/// The documents before each undoable edit, and those undone since.
#[derive(Clone, Debug)]
pub struct History<T> {
    past: Vec<T>,
    future: Vec<T>,
    last: Option<(Gesture, f64)>,
}

impl<T> Default for History<T> {
    fn default() -> Self {
        Self {
            past: Vec::new(),
            future: Vec::new(),
            last: None,
        }
    }
}

impl<T> History<T> {
    /// Records `before`, the document as it was before an accepted edit made by `gesture` at
    /// `now_secs`. An edit that continues the previous one's gesture adds no step.
    pub fn record(&mut self, before: T, gesture: Gesture, now_secs: f64) {
        let continues = gesture != Gesture::None
            && self
                .last
                .is_some_and(|(g, t)| g == gesture && now_secs - t <= COALESCE_SECS);
        if !continues {
            self.past.push(before);
            if self.past.len() > LIMIT {
                self.past.remove(0);
            }
        }
        self.future.clear();
        self.last = Some((gesture, now_secs));
    }

    /// The document to go back to, given the one on screen (kept for redo).
    pub fn undo(&mut self, current: T) -> Option<T> {
        let previous = self.past.pop()?;
        self.future.push(current);
        self.last = None;
        Some(previous)
    }

    /// The document to go forward to, given the one on screen (kept for undo).
    pub fn redo(&mut self, current: T) -> Option<T> {
        let next = self.future.pop()?;
        self.past.push(current);
        self.last = None;
        Some(next)
    }

    /// True when there is something to undo.
    #[must_use]
    pub fn can_undo(&self) -> bool {
        !self.past.is_empty()
    }

    /// True when there is something to redo.
    #[must_use]
    pub fn can_redo(&self) -> bool {
        !self.future.is_empty()
    }

    /// Forgets everything (a new document was opened).
    pub fn clear(&mut self) {
        self.past.clear();
        self.future.clear();
        self.last = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_gesture_is_one_step_and_redo_follows_undo() {
        let mut h = History::default();
        let drag = Gesture::Pointer(7);
        // A slider dragged from 1 through 2 and 3 to 4: one step.
        h.record(1, drag, 0.0);
        h.record(2, drag, 0.1);
        h.record(3, drag, 0.2);
        // Then a click elsewhere, and typing.
        h.record(4, Gesture::Pointer(8), 5.0);
        h.record(5, Gesture::None, 6.0);
        h.record(6, Gesture::None, 6.1);
        assert_eq!(h.undo(7), Some(6));
        assert_eq!(h.undo(6), Some(5));
        assert_eq!(h.undo(5), Some(4));
        assert_eq!(h.undo(4), Some(1), "the whole drag at once");
        assert_eq!(h.undo(1), None);
        assert!(!h.can_undo() && h.can_redo());
        assert_eq!(h.redo(1), Some(4));
        assert_eq!(h.redo(4), Some(5));
        // A new edit forgets the redo steps.
        h.record(5, Gesture::None, 9.0);
        assert!(!h.can_redo());
        assert_eq!(h.undo(8), Some(5));
    }

    #[test]
    fn typing_pauses_split_steps_and_undo_breaks_coalescing() {
        let field = Gesture::Typing(egui::Id::unique("name"));
        let mut h = History::default();
        h.record("", field, 0.0);
        h.record("a", field, 0.5);
        h.record("ab", field, 5.0);
        assert_eq!(h.undo("abc"), Some("ab"));
        // After an undo the next edit is a step of its own even in the same field.
        h.record("ab", field, 5.1);
        assert_eq!(h.undo("abx"), Some("ab"));
        assert_eq!(h.undo("ab"), Some(""));
        let mut bounded = History::default();
        for i in 0..(LIMIT + 10) {
            bounded.record(i, Gesture::None, 0.0);
        }
        assert_eq!(bounded.past.len(), LIMIT);
        assert_eq!(bounded.past[0], 10, "the oldest steps go first");
    }
}
