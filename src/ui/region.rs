//! The plots a page can export alone, and where each was drawn this frame: what a page tells
//! the export code (the screenshot of one plot crops to its rectangle).

/// A part of the window that can be exported alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Region {
    /// The contour view (all panes).
    Contour,
    /// The loss plot.
    Loss,
    /// The theory panel (its visible part).
    Theory,
}

impl Region {
    /// Every region, in menu order.
    pub const ALL: [Self; 3] = [Self::Contour, Self::Loss, Self::Theory];

    /// Menu text.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Contour => "Contour view",
            Self::Loss => "Loss plot",
            Self::Theory => "Theory panel",
        }
    }

    /// File name part.
    #[must_use]
    pub fn slug(self) -> &'static str {
        match self {
            Self::Contour => "contour",
            Self::Loss => "loss",
            Self::Theory => "theory",
        }
    }
}

/// Where each exportable region was drawn this frame, in points.
#[derive(Clone, Copy, Debug, Default)]
pub struct Regions(pub [Option<egui::Rect>; 3]);

impl Regions {
    /// The rectangle of `region`, if it is on screen.
    #[must_use]
    pub fn get(&self, region: Region) -> Option<egui::Rect> {
        self.0[region as usize]
    }

    /// Records where `region` was drawn.
    pub fn set(&mut self, region: Region, rect: egui::Rect) {
        self.0[region as usize] = Some(rect);
    }
}
