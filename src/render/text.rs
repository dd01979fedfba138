//! The figure font (Ubuntu, as egui ships it in `epaint_default_fonts`; Ubuntu Font Licence
//! 1.0) and text measurement. Layout measures with this font for both backends; the raster
//! backend draws its glyph outlines, the SVG backend writes `<text>` that viewers set in the
//! same or a similar sans-serif font.

use ab_glyph::{Font as _, FontRef, GlyphId, OutlineCurve};
use std::sync::OnceLock;

/// The parsed figure font.
pub struct Font {
    face: Option<FontRef<'static>>,
}

/// A glyph placed on the baseline, in font units from the start of the text.
#[derive(Clone, Copy, Debug)]
pub struct Placed {
    /// The glyph.
    pub id: GlyphId,
    /// Pen position in font units.
    pub x: f32,
}

/// Fraction of the em an approximate glyph takes when the font cannot be read.
const FALLBACK_ADVANCE: f32 = 0.55;

impl Font {
    /// The shared font (parsed once).
    pub fn get() -> &'static Self {
        static FONT: OnceLock<Font> = OnceLock::new();
        FONT.get_or_init(|| Self {
            face: FontRef::try_from_slice(epaint_default_fonts::UBUNTU_LIGHT).ok(),
        })
    }

    /// Font units per em (1000 if the font is unreadable).
    #[must_use]
    pub fn units_per_em(&self) -> f32 {
        self.face
            .as_ref()
            .and_then(ab_glyph::Font::units_per_em)
            .unwrap_or(1000.0)
    }

    /// Height of capitals above the baseline, in pixels at `size`.
    #[must_use]
    pub fn cap_height(&self, size: f32) -> f32 {
        0.69 * size
    }

    /// Ascent above the baseline, in pixels at `size`.
    #[must_use]
    pub fn ascent(&self, size: f32) -> f32 {
        self.face.as_ref().map_or(0.93 * size, |f| {
            f.ascent_unscaled() / self.units_per_em() * size
        })
    }

    /// Descent below the baseline (positive), in pixels at `size`.
    #[must_use]
    pub fn descent(&self, size: f32) -> f32 {
        self.face.as_ref().map_or(0.2 * size, |f| {
            -f.descent_unscaled() / self.units_per_em() * size
        })
    }

    /// Glyphs of `text` with their pen positions, and the total advance, in font units.
    #[must_use]
    pub fn layout(&self, text: &str) -> (Vec<Placed>, f32) {
        let Some(face) = &self.face else {
            let w = text.chars().count() as f32 * FALLBACK_ADVANCE * 1000.0;
            return (Vec::new(), w);
        };
        let mut out = Vec::with_capacity(text.len());
        let mut pen = 0.0;
        let mut previous: Option<GlyphId> = None;
        for c in text.chars() {
            let id = face.glyph_id(c);
            if let Some(p) = previous {
                pen += face.kern_unscaled(p, id);
            }
            out.push(Placed { id, x: pen });
            pen += face.h_advance_unscaled(id);
            previous = Some(id);
        }
        (out, pen)
    }

    /// Width of `text` in pixels at `size`.
    #[must_use]
    pub fn width(&self, text: &str, size: f32) -> f32 {
        self.layout(text).1 / self.units_per_em() * size
    }

    /// The outline of a glyph in font units (y up), or None for blanks.
    #[must_use]
    pub fn outline(&self, id: GlyphId) -> Option<Vec<OutlineCurve>> {
        self.face
            .as_ref()
            .and_then(|f| f.outline(id))
            .map(|o| o.curves)
    }

    /// `text` shortened with an ellipsis to fit `max_width` pixels at `size`: the longest
    /// prefix that fits with its ellipsis, found by bisection (widths grow with the prefix),
    /// so fitting costs O(n log n) in the length rather than a measurement per dropped
    /// character.
    #[must_use]
    pub fn fit(&self, text: &str, size: f32, max_width: f32) -> String {
        if self.width(text, size) <= max_width {
            return text.to_owned();
        }
        // Byte ends of the prefixes of 0, 1, ..., n - 1 characters.
        let ends: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        let candidate = |k: usize| format!("{}…", &text[..ends[k]]);
        let fits = |k: usize| self.width(&candidate(k), size) <= max_width;
        if ends.is_empty() || !fits(0) {
            return String::new();
        }
        // fits(lo) holds; find the largest such k below n.
        let (mut lo, mut hi) = (0, ends.len());
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if fits(mid) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        candidate(lo)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_font_loads_and_measures() {
        let f = Font::get();
        assert!(f.face.is_some());
        let w1 = f.width("x", 20.0);
        let w2 = f.width("xx", 20.0);
        assert!(w1 > 5.0 && w1 < 20.0, "{w1}");
        assert!((w2 - 2.0 * w1).abs() < 1.0);
        assert!((f.width("Momentum", 40.0) - 2.0 * f.width("Momentum", 20.0)).abs() < 1e-3);
        assert!(f.ascent(20.0) > 10.0 && f.descent(20.0) > 1.0);
        assert!(f.outline(f.layout("a").0[0].id).is_some());
        assert!(f.outline(f.layout(" ").0[0].id).is_none());
        let short = f.fit("a rather long piece of text", 20.0, 100.0);
        assert!(short.ends_with('…') && f.width(&short, 20.0) <= 100.0);
    }

    #[test]
    fn fitting_keeps_the_longest_prefix_that_fits() {
        let f = Font::get();
        let text = "Momentum 0.9 with a rather long label, é and ü included";
        for max in [0.5, 15.0, 60.0, 150.0, 300.0] {
            // The plain rule: drop characters one at a time until it fits.
            let chars: Vec<char> = text.chars().collect();
            let plain = (0..chars.len())
                .rev()
                .map(|k| chars[..k].iter().collect::<String>() + "…")
                .find(|c| f.width(c, 20.0) <= max)
                .unwrap_or_default();
            assert_eq!(f.fit(text, 20.0, max), plain, "max {max}");
        }
        // A megabyte of text is fitted in a few measurements, not a million.
        let long = "x".repeat(1 << 20);
        assert!(f.fit(&long, 20.0, 100.0).chars().count() < 100);
    }
}
