//! The raster backend: tiny-skia draws into an RGBA pixmap (anti-aliased paths, glyph
//! outlines as filled paths, the heat map as a bilinear pattern).

use super::canvas::{Align, Canvas, Color, Image, P, Rect, Stroke, TextStyle};
use super::text::Font;
use ab_glyph::OutlineCurve;
use tiny_skia::{
    FillRule, FilterQuality, LineCap, LineJoin, Mask, Paint, Path, PathBuilder, Pattern, Pixmap,
    SpreadMode, Transform,
};

/// A pixmap to draw a figure into.
pub struct Raster {
    pixmap: Pixmap,
    clips: Vec<Mask>,
    /// Extra glyph weight in em (the theme's `font_weight`).
    weight: f32,
}

impl Raster {
    /// A canvas of `width` x `height` pixels filled with `background`, setting text with
    /// `font_weight` em of extra weight; None for a zero or absurd size.
    #[must_use]
    pub fn new(width: u32, height: u32, background: Color, font_weight: f32) -> Option<Self> {
        let mut pixmap = Pixmap::new(width, height)?;
        pixmap.fill(ts_color(background));
        Some(Self::from_pixmap(pixmap, font_weight))
    }

    /// A canvas starting from `pixmap` (a GIF frame on a copy of its background).
    #[must_use]
    pub fn from_pixmap(pixmap: Pixmap, font_weight: f32) -> Self {
        Self {
            pixmap,
            clips: Vec::new(),
            weight: font_weight.max(0.0),
        }
    }

    /// The pixels drawn so far.
    #[must_use]
    pub fn pixmap(&self) -> &Pixmap {
        &self.pixmap
    }

    /// The pixmap, giving up the canvas.
    #[must_use]
    pub fn into_pixmap(self) -> Pixmap {
        self.pixmap
    }

    fn mask(&self) -> Option<&Mask> {
        self.clips.last()
    }
}

fn ts_color(c: Color) -> tiny_skia::Color {
    tiny_skia::Color::from_rgba8(c.rgb[0], c.rgb[1], c.rgb[2], c.alpha_u8())
}

fn paint(c: Color) -> Paint<'static> {
    let mut p = Paint::default();
    p.set_color(ts_color(c));
    p.anti_alias = true;
    p
}

fn ts_stroke(width: f32) -> tiny_skia::Stroke {
    tiny_skia::Stroke {
        width: width.max(0.01),
        line_cap: LineCap::Round,
        line_join: LineJoin::Round,
        ..tiny_skia::Stroke::default()
    }
}

fn polyline_path(lines: &[Vec<P>], close: bool) -> Option<Path> {
    let mut pb = PathBuilder::new();
    for line in lines {
        let mut points = line.iter().filter(|p| p[0].is_finite() && p[1].is_finite());
        let Some(first) = points.next() else {
            continue;
        };
        pb.move_to(first[0], first[1]);
        for p in points {
            pb.line_to(p[0], p[1]);
        }
        if close {
            pb.close();
        }
    }
    pb.finish()
}

impl Canvas for Raster {
    fn fill_rect(&mut self, rect: Rect, color: Color) {
        if let Some(r) = tiny_skia::Rect::from_xywh(rect.x, rect.y, rect.w, rect.h) {
            let mask = self.clips.last();
            self.pixmap
                .fill_rect(r, &paint(color), Transform::identity(), mask);
        }
    }

    fn stroke_lines(&mut self, lines: &[Vec<P>], stroke: Stroke) {
        if let Some(path) = polyline_path(lines, false) {
            let mask = self.clips.last();
            self.pixmap.stroke_path(
                &path,
                &paint(stroke.color),
                &ts_stroke(stroke.width),
                Transform::identity(),
                mask,
            );
        }
    }

    fn polygon(&mut self, points: &[P], fill: Option<Color>, outline: Option<Stroke>) {
        let Some(path) = polyline_path(&[points.to_vec()], true) else {
            return;
        };
        let mask = self.clips.last();
        if let Some(c) = fill {
            self.pixmap.fill_path(
                &path,
                &paint(c),
                FillRule::Winding,
                Transform::identity(),
                mask,
            );
        }
        if let Some(s) = outline {
            self.pixmap.stroke_path(
                &path,
                &paint(s.color),
                &ts_stroke(s.width),
                Transform::identity(),
                mask,
            );
        }
    }

    fn circle(&mut self, center: P, radius: f32, fill: Option<Color>, outline: Option<Stroke>) {
        let Some(path) = PathBuilder::from_circle(center[0], center[1], radius.max(0.1)) else {
            return;
        };
        let mask = self.clips.last();
        if let Some(c) = fill {
            self.pixmap.fill_path(
                &path,
                &paint(c),
                FillRule::Winding,
                Transform::identity(),
                mask,
            );
        }
        if let Some(s) = outline {
            self.pixmap.stroke_path(
                &path,
                &paint(s.color),
                &ts_stroke(s.width),
                Transform::identity(),
                mask,
            );
        }
    }

    fn text(&mut self, anchor: P, text: &str, style: &TextStyle) {
        let font = Font::get();
        let (glyphs, advance) = font.layout(text);
        let mut pb = PathBuilder::new();
        for g in &glyphs {
            let Some(curves) = font.outline(g.id) else {
                continue;
            };
            let mut last: Option<ab_glyph::Point> = None;
            for c in curves {
                let start = match c {
                    OutlineCurve::Line(a, _)
                    | OutlineCurve::Quad(a, _, _)
                    | OutlineCurve::Cubic(a, _, _, _) => a,
                };
                if last != Some(start) {
                    if last.is_some() {
                        pb.close();
                    }
                    pb.move_to(g.x + start.x, start.y);
                }
                let end = match c {
                    OutlineCurve::Line(_, b) => {
                        pb.line_to(g.x + b.x, b.y);
                        b
                    }
                    OutlineCurve::Quad(_, c1, b) => {
                        pb.quad_to(g.x + c1.x, c1.y, g.x + b.x, b.y);
                        b
                    }
                    OutlineCurve::Cubic(_, c1, c2, b) => {
                        pb.cubic_to(g.x + c1.x, c1.y, g.x + c2.x, c2.y, g.x + b.x, b.y);
                        b
                    }
                };
                last = Some(end);
            }
            if last.is_some() {
                pb.close();
            }
        }
        let Some(path) = pb.finish() else {
            return;
        };
        let units = font.units_per_em();
        let k = style.size / units;
        let shift = match style.align {
            Align::Left => 0.0,
            Align::Center => -0.5 * advance,
            Align::Right => -advance,
        };
        // Font units (y up) -> pixels (y down), then a quarter turn for vertical text.
        let local = Transform::from_row(k, 0.0, 0.0, -k, shift * k, 0.0);
        let place = if style.vertical {
            Transform::from_row(0.0, -1.0, 1.0, 0.0, anchor[0], anchor[1])
        } else {
            Transform::from_translate(anchor[0], anchor[1])
        };
        let transform = local.post_concat(place);
        let mask = self.clips.last();
        let p = paint(style.color);
        self.pixmap
            .fill_path(&path, &p, FillRule::Winding, transform, mask);
        // Ubuntu Light, emboldened: an outline stroke of the weight's width.
        let weight = if style.bold { 0.05 } else { 0.0 } + self.weight;
        if weight > 0.0 {
            self.pixmap
                .stroke_path(&path, &p, &ts_stroke(weight * units), transform, mask);
        }
    }

    fn image(&mut self, rect: Rect, image: &Image) {
        let Some(mut pix) = Pixmap::new(image.width, image.height) else {
            return;
        };
        for (dst, src) in pix.pixels_mut().iter_mut().zip(image.rgba.chunks_exact(4)) {
            let c = tiny_skia::ColorU8::from_rgba(src[0], src[1], src[2], src[3]);
            *dst = c.premultiply();
        }
        let (sx, sy) = (rect.w / image.width as f32, rect.h / image.height as f32);
        let transform = Transform::from_row(sx, 0.0, 0.0, sy, rect.x, rect.y);
        let p = Paint {
            anti_alias: false,
            shader: Pattern::new(
                pix.as_ref(),
                SpreadMode::Pad,
                FilterQuality::Bilinear,
                1.0,
                transform,
            ),
            ..Paint::default()
        };
        if let Some(r) = tiny_skia::Rect::from_xywh(rect.x, rect.y, rect.w, rect.h) {
            let mask = self.clips.last();
            self.pixmap.fill_rect(r, &p, Transform::identity(), mask);
        }
    }

    fn push_clip(&mut self, rect: Rect) {
        let Some(mut mask) = Mask::new(self.pixmap.width(), self.pixmap.height()) else {
            return;
        };
        if let Some(r) = tiny_skia::Rect::from_xywh(rect.x, rect.y, rect.w, rect.h) {
            mask.fill_path(
                &PathBuilder::from_rect(r),
                FillRule::Winding,
                false,
                Transform::identity(),
            );
        }
        if let Some(outer) = self.mask() {
            for (m, o) in mask.data_mut().iter_mut().zip(outer.data()) {
                *m = (*m).min(*o);
            }
        }
        self.clips.push(mask);
    }

    fn pop_clip(&mut self) {
        self.clips.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bounding box of the pixels that are not the background.
    fn ink_box(r: &Raster) -> Option<(u32, u32, u32, u32)> {
        let p = r.pixmap();
        let mut b: Option<(u32, u32, u32, u32)> = None;
        for y in 0..p.height() {
            for x in 0..p.width() {
                if p.pixel(x, y).is_some_and(|c| c.red() < 128) {
                    b = Some(b.map_or((x, y, x, y), |(x0, y0, x1, y1)| {
                        (x0.min(x), y0.min(y), x1.max(x), y1.max(y))
                    }));
                }
            }
        }
        b
    }

    #[test]
    fn text_is_drawn_where_it_is_anchored_and_turned() {
        let white = Color::opaque([255, 255, 255]);
        let style = TextStyle {
            size: 20.0,
            color: Color::opaque([0, 0, 0]),
            bold: false,
            align: Align::Left,
            vertical: false,
        };
        let mut r = Raster::new(200, 200, white, 0.0).unwrap();
        r.text([20.0, 100.0], "Momentum", &style);
        let (x0, y0, x1, y1) = ink_box(&r).unwrap();
        assert!(
            (19..=23).contains(&x0) && y1 <= 101 && y0 >= 80,
            "{x0} {y0} {x1} {y1}"
        );
        // The ink is the advance less the side bearings of M and m.
        let width = Font::get().width("Momentum", 20.0);
        let ink = f32::from(u16::try_from(x1 - x0).unwrap());
        assert!(
            ink < width && ink > width - 6.0,
            "ink {ink}, advance {width}"
        );

        let mut r = Raster::new(200, 200, white, 0.0).unwrap();
        r.text(
            [100.0, 180.0],
            "Momentum",
            &TextStyle {
                vertical: true,
                ..style
            },
        );
        let (x0, y0, x1, y1) = ink_box(&r).unwrap();
        // Turned a quarter counter-clockwise: tall and narrow, starting at the anchor and
        // reading upwards, the letters standing to the left of x = 100.
        assert!(y1 - y0 > 3 * (x1 - x0), "{x0} {y0} {x1} {y1}");
        assert!(x1 <= 101 && y1 <= 181 && y0 < 100, "{x0} {y0} {x1} {y1}");
    }

    #[test]
    fn clips_nest_and_end() {
        let white = Color::opaque([255, 255, 255]);
        let black = Color::opaque([0, 0, 0]);
        let mut r = Raster::new(100, 100, white, 0.0).unwrap();
        let all = Rect {
            x: 0.0,
            y: 0.0,
            w: 100.0,
            h: 100.0,
        };
        r.push_clip(Rect {
            x: 10.0,
            y: 10.0,
            w: 50.0,
            h: 50.0,
        });
        r.push_clip(Rect {
            x: 30.0,
            y: 30.0,
            w: 50.0,
            h: 50.0,
        });
        r.fill_rect(all, black);
        assert_eq!(ink_box(&r), Some((30, 30, 59, 59)));
        r.pop_clip();
        r.pop_clip();
        r.fill_rect(all, black);
        assert_eq!(ink_box(&r), Some((0, 0, 99, 99)));
    }
}
