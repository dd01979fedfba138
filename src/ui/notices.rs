//! Short messages in the corner: saved files, refused edits, problems. Errors stay longer.

use egui::Color32;

/// How a notice is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Something worked.
    Info,
    /// Something did not.
    Error,
}

/// One message.
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    /// The text.
    pub text: String,
    /// Info or error.
    pub kind: Kind,
    /// UI time it appeared (seconds), set when first shown.
    shown_at: Option<f64>,
}

/// The queue of messages on screen.
#[derive(Default)]
pub struct Notices {
    items: Vec<Notice>,
}

impl Notices {
    /// Adds an informational message.
    pub fn info(&mut self, text: impl Into<String>) {
        self.push(text.into(), Kind::Info);
    }

    /// Adds an error message.
    pub fn error(&mut self, text: impl Into<String>) {
        self.push(text.into(), Kind::Error);
    }

    fn push(&mut self, text: String, kind: Kind) {
        self.items.retain(|n| n.text != text);
        self.items.push(Notice {
            text,
            kind,
            shown_at: None,
        });
        if self.items.len() > 5 {
            self.items.remove(0);
        }
    }

    /// Messages currently queued (oldest first).
    #[must_use]
    pub fn items(&self) -> &[Notice] {
        &self.items
    }

    /// Draws the messages in the bottom-right corner and expires old ones.
    pub fn ui(&mut self, ctx: &egui::Context) {
        let now = ctx.input(|i| i.time);
        for n in &mut self.items {
            n.shown_at.get_or_insert(now);
        }
        self.items.retain(|n| {
            let life = if n.kind == Kind::Error { 12.0 } else { 6.0 };
            n.shown_at.is_some_and(|t| now - t < life)
        });
        if self.items.is_empty() {
            return;
        }
        ctx.request_repaint_after(std::time::Duration::from_millis(500));
        let mut dismiss = None;
        egui::Area::new(egui::Id::unique("notices"))
            .anchor(egui::Align2::RIGHT_BOTTOM, egui::vec2(-12.0, -56.0))
            .order(egui::Order::Foreground)
            .show(ctx, |ui| {
                for (i, n) in self.items.iter().enumerate() {
                    let (fill, text) = match n.kind {
                        Kind::Info => (Color32::from_rgb(0x1f, 0x4f, 0x3a), Color32::WHITE),
                        Kind::Error => (Color32::from_rgb(0x7a, 0x1f, 0x1f), Color32::WHITE),
                    };
                    let r = egui::Frame::popup(ui.style())
                        .fill(fill)
                        .show(ui, |ui| {
                            ui.set_max_width(520.0);
                            ui.label(egui::RichText::new(&n.text).color(text));
                        })
                        .response
                        .interact(egui::Sense::click())
                        .on_hover_text("Click to dismiss");
                    if r.clicked() {
                        dismiss = Some(i);
                    }
                }
            });
        if let Some(i) = dismiss {
            self.items.remove(i);
        }
    }
}
