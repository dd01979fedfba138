//! The small drawing interface the figure is written against once, with a raster backend
//! (render/raster.rs, tiny-skia) and an SVG backend (render/svg.rs), so PNG, GIF and SVG never
//! drift apart. Coordinates are pixels, y down, origin at the top left.

use crate::scenario::Rgb;

/// A point in pixels.
pub type P = [f32; 2];

/// A colour with opacity.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Color {
    /// sRGB.
    pub rgb: Rgb,
    /// Opacity, 0 to 1.
    pub alpha: f32,
}

impl Color {
    /// An opaque colour.
    #[must_use]
    pub fn opaque(rgb: Rgb) -> Self {
        Self { rgb, alpha: 1.0 }
    }

    /// A colour with opacity `alpha`.
    #[must_use]
    pub fn with_alpha(rgb: Rgb, alpha: f32) -> Self {
        Self {
            rgb,
            alpha: alpha.clamp(0.0, 1.0),
        }
    }

    /// The opacity as a byte.
    #[must_use]
    pub fn alpha_u8(&self) -> u8 {
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "clamped to 0..=255"
        )]
        let a = (self.alpha * 255.0).round().clamp(0.0, 255.0) as u8;
        a
    }
}

/// A line style: colour and width in pixels, with round caps and joins.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stroke {
    /// Colour.
    pub color: Color,
    /// Width in pixels.
    pub width: f32,
}

/// An axis-aligned rectangle in pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rect {
    /// Left edge.
    pub x: f32,
    /// Top edge.
    pub y: f32,
    /// Width.
    pub w: f32,
    /// Height.
    pub h: f32,
}

impl Rect {
    /// Right edge.
    #[must_use]
    pub fn right(&self) -> f32 {
        self.x + self.w
    }

    /// Bottom edge.
    #[must_use]
    pub fn bottom(&self) -> f32 {
        self.y + self.h
    }

    /// The rectangle grown by `d` on every side.
    #[must_use]
    pub fn expand(&self, d: f32) -> Self {
        Self {
            x: self.x - d,
            y: self.y - d,
            w: self.w + 2.0 * d,
            h: self.h + 2.0 * d,
        }
    }

    /// True when p lies inside (edges included).
    #[must_use]
    pub fn contains(&self, p: P) -> bool {
        p[0] >= self.x && p[0] <= self.right() && p[1] >= self.y && p[1] <= self.bottom()
    }
}

/// Horizontal alignment of text at its anchor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    /// The anchor is the start of the text.
    Left,
    /// The anchor is the middle.
    Center,
    /// The anchor is the end.
    Right,
}

/// How a piece of text is set.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TextStyle {
    /// Font size (em) in pixels.
    pub size: f32,
    /// Colour.
    pub color: Color,
    /// Bold (titles).
    pub bold: bool,
    /// Alignment at the anchor.
    pub align: Align,
    /// Rotated a quarter turn counter-clockwise (the y-axis label).
    pub vertical: bool,
}

/// An sRGB image with straight (not premultiplied) alpha, row 0 at the top.
#[derive(Clone, Debug, PartialEq)]
pub struct Image {
    /// Pixels per row.
    pub width: u32,
    /// Rows.
    pub height: u32,
    /// RGBA bytes, row-major.
    pub rgba: Vec<u8>,
}

/// What the figure needs from a drawing surface.
pub trait Canvas {
    /// Fills a rectangle.
    fn fill_rect(&mut self, rect: Rect, color: Color);
    /// Strokes polylines (each at least two points) as one shape: where they overlap, a
    /// translucent stroke is not doubled.
    fn stroke_lines(&mut self, lines: &[Vec<P>], stroke: Stroke);
    /// Fills a closed polygon, optionally outlined.
    fn polygon(&mut self, points: &[P], fill: Option<Color>, outline: Option<Stroke>);
    /// A circle, filled and/or outlined.
    fn circle(&mut self, center: P, radius: f32, fill: Option<Color>, outline: Option<Stroke>);
    /// Text whose baseline starts, centres or ends at `anchor` (for vertical text, the
    /// baseline runs upwards through the anchor).
    fn text(&mut self, anchor: P, text: &str, style: &TextStyle);
    /// An image stretched over `rect` with smooth (bilinear) interpolation; `rect` is where
    /// the outer edges of the image's pixels go.
    fn image(&mut self, rect: Rect, image: &Image);
    /// Restricts drawing to `rect` until [`Canvas::pop_clip`].
    fn push_clip(&mut self, rect: Rect);
    /// Ends the innermost clip.
    fn pop_clip(&mut self);
}
