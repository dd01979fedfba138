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
}

impl ViewOption {
    /// Every option, in menu order, with its menu text.
    pub const ALL: [(Self, &'static str); 8] = [
        (Self::Heatmap, "Heat map"),
        (Self::Contours, "Contour lines"),
        (Self::LossPlot, "Loss plot"),
        (Self::Theory, "Theory panel  (T)"),
        (Self::GradientArrow, "-lr * gradient"),
        (Self::StepArrow, "next step"),
        (Self::MomentumArrow, "previous step (momentum)"),
        (Self::TaylorModels, "Taylor models and bounds"),
    ];
}

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
        };
        *flag = on;
    }

    /// Parses stored settings; missing fields take defaults.
    pub fn from_ron(text: &str) -> Result<Self, ron::error::SpannedError> {
        ron::from_str(text)
    }

    /// Serialises for the state file.
    pub fn to_ron(&self) -> Result<String, ron::Error> {
        ron::ser::to_string_pretty(self, ron::ser::PrettyConfig::default())
    }
}
