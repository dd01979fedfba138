//! The SVG backend: true vectors (paths and text); only the smooth heat map is an embedded
//! PNG. Coordinates are written with one decimal, which is a tenth of a pixel.

use super::canvas::{Align, Canvas, Color, Image, P, Rect, Stroke, TextStyle};
use super::text::Font;
use std::fmt::Write as _;

/// Font stack for figure text: the font the raster backend uses first, then look-alikes.
const FONT_FAMILY: &str = "Ubuntu, 'Segoe UI', 'Helvetica Neue', Arial, sans-serif";

/// An SVG document being written.
pub struct Svg {
    width: u32,
    height: u32,
    body: String,
    clips: usize,
    open_groups: usize,
}

impl Svg {
    /// An empty document of `width` x `height` pixels with a `background` rectangle.
    #[must_use]
    pub fn new(width: u32, height: u32, background: Color) -> Self {
        let mut s = Self {
            width,
            height,
            body: String::new(),
            clips: 0,
            open_groups: 0,
        };
        s.fill_rect(
            Rect {
                x: 0.0,
                y: 0.0,
                w: width as f32,
                h: height as f32,
            },
            background,
        );
        s
    }

    /// The finished document.
    #[must_use]
    pub fn finish(mut self) -> String {
        while self.open_groups > 0 {
            self.pop_clip();
        }
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" \
             version=\"1.1\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\">\n\
             <g font-family=\"{FONT_FAMILY}\" stroke-linecap=\"round\" stroke-linejoin=\"round\">\n\
             {body}</g>\n</svg>\n",
            w = self.width,
            h = self.height,
            body = self.body
        )
    }
}

/// A number with at most one decimal, without a trailing ".0" or a negative zero.
fn num(v: f32) -> String {
    let r = (v * 10.0).round() / 10.0;
    if r == 0.0 {
        "0".to_owned()
    } else if r == r.trunc() {
        format!("{r:.0}")
    } else {
        format!("{r:.1}")
    }
}

fn hex(c: Color) -> String {
    crate::scenario::format_color(c.rgb)
}

/// ` fill="#rrggbb" fill-opacity=".."` (opacity left out when opaque).
fn fill_attr(c: Option<Color>) -> String {
    match c {
        None => " fill=\"none\"".to_owned(),
        Some(c) if c.alpha >= 0.999 => format!(" fill=\"{}\"", hex(c)),
        Some(c) => format!(" fill=\"{}\" fill-opacity=\"{:.3}\"", hex(c), c.alpha),
    }
}

fn stroke_attr(s: Option<Stroke>) -> String {
    match s {
        None => String::new(),
        Some(s) => {
            let mut a = format!(
                " stroke=\"{}\" stroke-width=\"{}\"",
                hex(s.color),
                num2(s.width)
            );
            if s.color.alpha < 0.999 {
                let _ = write!(a, " stroke-opacity=\"{:.3}\"", s.color.alpha);
            }
            a
        }
    }
}

/// A width with two decimals (thin lines need them).
fn num2(v: f32) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// Escapes text for XML.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
    out
}

/// Path data for polylines: absolute first point, then relative moves (shorter).
fn path_data(lines: &[Vec<P>], close: bool) -> String {
    let mut d = String::new();
    for line in lines {
        let mut points = line.iter().filter(|p| p[0].is_finite() && p[1].is_finite());
        let Some(first) = points.next() else {
            continue;
        };
        // Relative steps between rounded points, so rounding errors do not accumulate.
        let round = |v: f32| (v * 10.0).round() / 10.0;
        let mut at = [round(first[0]), round(first[1])];
        let _ = write!(d, "M{} {}", num(at[0]), num(at[1]));
        let mut first_step = true;
        for p in points {
            let q = [round(p[0]), round(p[1])];
            if q == at {
                continue;
            }
            let (dx, dy) = (q[0] - at[0], q[1] - at[1]);
            if first_step {
                d.push('l');
                first_step = false;
            } else if !num(dx).starts_with('-') {
                d.push(' ');
            }
            d.push_str(&num(dx));
            if !num(dy).starts_with('-') {
                d.push(' ');
            }
            d.push_str(&num(dy));
            at = q;
        }
        if close {
            d.push('Z');
        }
    }
    d
}

impl Canvas for Svg {
    fn fill_rect(&mut self, rect: Rect, color: Color) {
        let _ = writeln!(
            self.body,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"{}/>",
            num(rect.x),
            num(rect.y),
            num(rect.w),
            num(rect.h),
            fill_attr(Some(color))
        );
    }

    fn stroke_lines(&mut self, lines: &[Vec<P>], stroke: Stroke) {
        let d = path_data(lines, false);
        if !d.is_empty() {
            let _ = writeln!(
                self.body,
                "<path d=\"{d}\" fill=\"none\"{}/>",
                stroke_attr(Some(stroke))
            );
        }
    }

    fn polygon(&mut self, points: &[P], fill: Option<Color>, outline: Option<Stroke>) {
        let d = path_data(&[points.to_vec()], true);
        if !d.is_empty() {
            let _ = writeln!(
                self.body,
                "<path d=\"{d}\"{}{}/>",
                fill_attr(fill),
                stroke_attr(outline)
            );
        }
    }

    fn circle(&mut self, center: P, radius: f32, fill: Option<Color>, outline: Option<Stroke>) {
        let _ = writeln!(
            self.body,
            "<circle cx=\"{}\" cy=\"{}\" r=\"{}\"{}{}/>",
            num(center[0]),
            num(center[1]),
            num2(radius),
            fill_attr(fill),
            stroke_attr(outline)
        );
    }

    fn text(&mut self, anchor: P, text: &str, style: &TextStyle) {
        let align = match style.align {
            Align::Left => "",
            Align::Center => " text-anchor=\"middle\"",
            Align::Right => " text-anchor=\"end\"",
        };
        let rotate = if style.vertical {
            format!(
                " transform=\"rotate(-90 {} {})\"",
                num(anchor[0]),
                num(anchor[1])
            )
        } else {
            String::new()
        };
        let weight = if style.bold {
            " font-weight=\"bold\""
        } else {
            ""
        };
        // The layout measured the text in the raster font; a viewer without it substitutes a
        // font of other widths, and textLength keeps labels from overlapping then.
        let length = Font::get().width(text, style.size);
        let _ = writeln!(
            self.body,
            "<text x=\"{}\" y=\"{}\" font-size=\"{}\" textLength=\"{}\" \
             lengthAdjust=\"spacingAndGlyphs\"{}{align}{weight}{rotate}>{}</text>",
            num(anchor[0]),
            num(anchor[1]),
            num(style.size),
            num(length),
            fill_attr(Some(style.color)),
            escape(text)
        );
    }

    fn image(&mut self, rect: Rect, image: &Image) {
        let Some(png) = super::encode_png_rgba(image) else {
            return;
        };
        let _ = writeln!(
            self.body,
            "<image x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" preserveAspectRatio=\"none\" \
             xlink:href=\"data:image/png;base64,{}\"/>",
            num(rect.x),
            num(rect.y),
            num(rect.w),
            num(rect.h),
            base64(&png)
        );
    }

    fn push_clip(&mut self, rect: Rect) {
        self.clips += 1;
        let _ = writeln!(
            self.body,
            "<clipPath id=\"clip{n}\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/></clipPath>\n<g clip-path=\"url(#clip{n})\">",
            num(rect.x),
            num(rect.y),
            num(rect.w),
            num(rect.h),
            n = self.clips
        );
        self.open_groups += 1;
    }

    fn pop_clip(&mut self) {
        if self.open_groups > 0 {
            self.body.push_str("</g>\n");
            self.open_groups -= 1;
        }
    }
}

/// Standard base64 with padding (RFC 4648).
#[must_use]
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> shift & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (input, expected) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), expected);
        }
    }

    #[test]
    fn numbers_and_paths_are_compact() {
        assert_eq!(num(1.04), "1");
        assert_eq!(num(-0.04), "0");
        assert_eq!(num(12.35), "12.4");
        assert_eq!(num(-3.25), "-3.3");
        let d = path_data(
            &[vec![[0.0, 0.0], [1.0, 2.0], [1.5, 1.0], [1.5, 1.0]]],
            false,
        );
        assert_eq!(d, "M0 0l1 2 0.5-1");
        assert_eq!(escape("a < b & \"c\""), "a &lt; b &amp; &quot;c&quot;");
    }
}
