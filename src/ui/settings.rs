//! What the app remembers between sessions: one `#[serde(default)]` struct, written atomically
//! to the state file. Caches (contours, textures, trajectories) are never stored.

use crate::scenario::Theme;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// How runs are laid out in the central view.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Layout {
    /// All runs on one contour plot.
    #[default]
    Overlay,
    /// One synchronised pane per run.
    SideBySide,
}

/// A part of the 2-D view that can be shown or hidden (View menu).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ViewOption {
    /// Heat map under the contour lines.
    Heatmap,
    /// Iso-lines.
    Contours,
    /// The loss plot.
    LossPlot,
    /// The theory panel.
    Theory,
    /// Arrow for -lr * gradient.
    GradientArrow,
    /// Arrow for the next step.
    StepArrow,
    /// Arrow for the previous step.
    MomentumArrow,
    /// The Taylor models and bounds at the selected run's point.
    TaylorModels,
    /// The measured hyperparameter map of the selected run.
    Map,
}

impl ViewOption {
    /// Every option, in menu order, with its menu text.
    pub const ALL: [(Self, &'static str); 9] = [
        (Self::Heatmap, "Heat map"),
        (Self::Contours, "Contour lines"),
        (Self::LossPlot, "Loss plot"),
        (Self::Theory, "Theory panel  (T)"),
        (Self::Map, "Hyperparameter map"),
        (Self::GradientArrow, "-lr * gradient"),
        (Self::StepArrow, "next step"),
        (Self::MomentumArrow, "previous step (momentum)"),
        (Self::TaylorModels, "Taylor models and bounds"),
    ];
}

/// Smallest interface zoom (Ctrl -).
pub const MIN_ZOOM: f32 = 0.5;
/// Largest interface zoom (Ctrl +).
pub const MAX_ZOOM: f32 = 3.0;
/// Smallest pixel density of plot exports.
pub const MIN_EXPORT_DENSITY: f32 = 1.0;
/// Largest pixel density of plot exports.
pub const MAX_EXPORT_DENSITY: f32 = 4.0;

/// Persisted settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// The scenario on screen when the app closed, as RON.
    pub scenario_ron: Option<String>,
    /// The file it was loaded from or saved to.
    pub scenario_path: Option<PathBuf>,
    /// Index of the built-in preset it came from, if any.
    pub builtin: Option<usize>,
    /// Overlay or side by side.
    pub layout: Layout,
    /// Heat map under the contour lines.
    pub show_heatmap: bool,
    /// Iso-lines.
    pub show_contours: bool,
    /// Arrow for -lr * gradient at the current point.
    pub show_gradient_arrow: bool,
    /// Arrow for the step about to be taken.
    pub show_step_arrow: bool,
    /// Arrow for the previous step (what momentum carries forward).
    pub show_momentum_arrow: bool,
    /// The first- and second-order Taylor models (and L, mu bounds) at the selected run's
    /// point.
    pub show_taylor: bool,
    /// Loss-versus-step plot under the contour view.
    pub show_loss_plot: bool,
    /// The eigenvalue (theory) panel on the right.
    pub show_theory: bool,
    /// The hyperparameter map window.
    pub show_map: bool,
    /// Folder for screenshots.
    pub screenshot_dir: Option<PathBuf>,
    /// Interface zoom (Ctrl +/-).
    pub zoom: f32,
    /// Pixel density of plot exports (1 to 4).
    pub export_density: f32,
    /// Dark, light or projector (a preset with a theme of its own switches to it).
    pub theme: Theme,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            scenario_ron: None,
            scenario_path: None,
            builtin: None,
            layout: Layout::Overlay,
            show_heatmap: true,
            show_contours: true,
            show_gradient_arrow: false,
            show_step_arrow: false,
            show_momentum_arrow: false,
            show_taylor: false,
            show_loss_plot: true,
            show_theory: false,
            show_map: false,
            screenshot_dir: None,
            zoom: 1.0,
            theme: Theme::Dark,
            export_density: 2.0,
        }
    }
}

impl Settings {
    /// Whether `option` is shown.
    #[must_use]
    pub fn shows(&self, option: ViewOption) -> bool {
        match option {
            ViewOption::Heatmap => self.show_heatmap,
            ViewOption::Contours => self.show_contours,
            ViewOption::LossPlot => self.show_loss_plot,
            ViewOption::Theory => self.show_theory,
            ViewOption::GradientArrow => self.show_gradient_arrow,
            ViewOption::StepArrow => self.show_step_arrow,
            ViewOption::MomentumArrow => self.show_momentum_arrow,
            ViewOption::TaylorModels => self.show_taylor,
            ViewOption::Map => self.show_map,
        }
    }

    /// Shows or hides `option`.
    pub fn set_shown(&mut self, option: ViewOption, on: bool) {
        let flag = match option {
            ViewOption::Heatmap => &mut self.show_heatmap,
            ViewOption::Contours => &mut self.show_contours,
            ViewOption::LossPlot => &mut self.show_loss_plot,
            ViewOption::Theory => &mut self.show_theory,
            ViewOption::GradientArrow => &mut self.show_gradient_arrow,
            ViewOption::StepArrow => &mut self.show_step_arrow,
            ViewOption::MomentumArrow => &mut self.show_momentum_arrow,
            ViewOption::TaylorModels => &mut self.show_taylor,
            ViewOption::Map => &mut self.show_map,
        };
        *flag = on;
    }

    /// Parses stored settings; missing fields take defaults.
    pub fn from_ron(text: &str) -> Result<Self, ron::error::SpannedError> {
        ron::from_str(text)
    }

    /// Parses stored settings field by field: a field that cannot be read (a wrong type, a
    /// value from another version) falls back to its default alone, and the others are kept.
    /// Returns the settings and the names of the fields dropped; an error only when the text
    /// is not a settings document at all.
    pub fn from_ron_lenient(text: &str) -> Result<(Self, Vec<String>), ron::error::SpannedError> {
        /// More fields than the settings have: every retry drops one.
        const MAX_DROPPED: usize = 64;
        let mut text = text.to_owned();
        let mut dropped = Vec::new();
        loop {
            match ron::from_str(&text) {
                Ok(settings) => return Ok((settings, dropped)),
                Err(e) => {
                    let at = crate::scenario::locate::offset_of_line_col(
                        &text,
                        e.span.start.line,
                        e.span.start.col,
                    );
                    match crate::scenario::locate::without_top_field(&text, at) {
                        Some((name, rest)) if dropped.len() < MAX_DROPPED => {
                            dropped.push(name);
                            text = rest;
                        }
                        _ => return Err(e),
                    }
                }
            }
        }
    }

    /// The same settings with every stored value checked: a value out of its range (a NaN
    /// zoom, a density of 1e9, a built-in preset that no longer exists, a stored scenario
    /// larger than a preset may be) falls back to its default alone. Returns the names of the
    /// fields that fell back, for the notice.
    #[must_use]
    pub fn validated(mut self, builtin_count: usize) -> (Self, Vec<&'static str>) {
        let d = Self::default();
        let mut reset = Vec::new();
        if !(self.zoom.is_finite() && (MIN_ZOOM..=MAX_ZOOM).contains(&self.zoom)) {
            self.zoom = d.zoom;
            reset.push("zoom");
        }
        if !(self.export_density.is_finite()
            && (MIN_EXPORT_DENSITY..=MAX_EXPORT_DENSITY).contains(&self.export_density))
        {
            self.export_density = d.export_density;
            reset.push("export_density");
        }
        if self.builtin.is_some_and(|i| i >= builtin_count) {
            self.builtin = None;
            reset.push("builtin");
        }
        if self
            .scenario_ron
            .as_ref()
            .is_some_and(|t| t.len() as u64 > crate::io::MAX_TEXT_BYTES)
        {
            self.scenario_ron = None;
            reset.push("scenario_ron");
        }
        (self, reset)
    }

    /// Serialises for the state file.
    pub fn to_ron(&self) -> Result<String, ron::Error> {
        ron::ser::to_string_pretty(self, ron::ser::PrettyConfig::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unreadable_field_falls_back_alone() {
        let text = "(zoom: \"big\", show_theory: true, theme: 7, export_density: 3.0)";
        assert!(
            Settings::from_ron(text).is_err(),
            "read as a whole, it fails"
        );
        let (s, dropped) = Settings::from_ron_lenient(text).expect("read field by field");
        assert_eq!(dropped, ["zoom", "theme"]);
        let d = Settings::default();
        assert_eq!((s.zoom, s.theme), (d.zoom, d.theme));
        assert!(s.show_theory, "the readable fields are kept");
        assert_eq!(s.export_density, 3.0);
        // Not a settings document at all: an error, as before.
        assert!(Settings::from_ron_lenient("[1, 2").is_err());
        assert!(Settings::from_ron_lenient("42").is_err());
    }

    #[test]
    fn stored_values_out_of_range_fall_back_one_by_one() {
        let text = "(zoom: NaN, export_density: inf, builtin: Some(999), show_theory: true)";
        let (s, reset) = Settings::from_ron(text).unwrap().validated(10);
        assert_eq!(reset, vec!["zoom", "export_density", "builtin"]);
        assert_eq!(s.zoom, 1.0);
        assert_eq!(s.export_density, 2.0);
        assert_eq!(s.builtin, None);
        // The valid field stays as stored.
        assert!(s.show_theory);
        let (s, reset) = Settings::from_ron("(zoom: 2.5, export_density: 1.0)")
            .unwrap()
            .validated(10);
        assert!(reset.is_empty());
        assert_eq!((s.zoom, s.export_density), (2.5, 1.0));
    }
}
