//! Themes: text sizes, spacing and colours for the dark and light looks, and the projector
//! look (white background, large fonts, thick lines, high-contrast colour-blind-safe palette).
//!
//! The theme in use is kept in the egui context, so every view asks [`run_color`] and
//! [`line_scale`] instead of threading it through each call.

use crate::scenario::{RunColor, Theme};
use egui::{Color32, FontFamily, FontId, TextStyle};

fn theme_id() -> egui::Id {
    egui::Id::unique("optiviz-theme")
}

/// Applies `theme` to every style of the context: visuals, text sizes and spacing.
pub fn apply(ctx: &egui::Context, theme: Theme) {
    let big = theme == Theme::Projector;
    let scale = if big { 1.35 } else { 1.0 };
    ctx.set_theme(match theme {
        Theme::Dark => egui::Theme::Dark,
        Theme::Light | Theme::Projector => egui::Theme::Light,
    });
    ctx.all_styles_mut(|style| {
        let size = |s: f32| s * scale;
        style.text_styles = [
            (
                TextStyle::Heading,
                FontId::new(size(20.0), FontFamily::Proportional),
            ),
            (
                TextStyle::Body,
                FontId::new(size(15.0), FontFamily::Proportional),
            ),
            (
                TextStyle::Button,
                FontId::new(size(15.0), FontFamily::Proportional),
            ),
            (
                TextStyle::Monospace,
                FontId::new(size(14.0), FontFamily::Monospace),
            ),
            (
                TextStyle::Small,
                FontId::new(size(12.5), FontFamily::Proportional),
            ),
        ]
        .into();
        // Whole points keep widgets on the pixel grid (crisp lines, no half-pixel blur).
        let grow = |v: egui::Vec2| (v * scale.sqrt()).round();
        style.spacing.item_spacing = grow(egui::vec2(8.0, 5.0));
        style.spacing.button_padding = grow(egui::vec2(8.0, 3.0));
        style.spacing.slider_width = (150.0 * scale).round();
        style.spacing.interact_size.y = (22.0 * scale).round();
    });
    if big {
        // Stronger text and outlines: a projector washes out thin grey strokes.
        ctx.style_mut_of(egui::Theme::Light, |style| {
            let v = &mut style.visuals;
            v.override_text_color = Some(Color32::BLACK);
            for w in [
                &mut v.widgets.noninteractive,
                &mut v.widgets.inactive,
                &mut v.widgets.hovered,
                &mut v.widgets.active,
            ] {
                w.bg_stroke.width = w.bg_stroke.width.max(1.5);
                w.fg_stroke.width = w.fg_stroke.width.max(2.0);
            }
        });
    } else {
        ctx.style_mut_of(egui::Theme::Light, |style| {
            style.visuals.override_text_color = None;
            let plain = egui::Visuals::light();
            style.visuals.widgets = plain.widgets;
        });
    }
    ctx.data_mut(|d| d.insert_temp(theme_id(), theme));
}

/// The theme last applied to this context.
#[must_use]
pub fn current(ctx: &egui::Context) -> Theme {
    ctx.data(|d| d.get_temp(theme_id())).unwrap_or_default()
}

/// Multiplier for the width of drawn lines (paths, loss curves, markers).
#[must_use]
pub fn line_scale(ctx: &egui::Context) -> f32 {
    if current(ctx) == Theme::Projector {
        2.0
    } else {
        1.0
    }
}

/// The colour a run is drawn in, under the context's theme (the one resolver the figures use
/// too: `scenario::RunColor::rgb`).
#[must_use]
pub fn run_color(ctx: &egui::Context, color: RunColor) -> Color32 {
    color32(color.rgb(current(ctx)))
}

/// An sRGB triple as an egui colour.
#[must_use]
pub fn color32(c: [u8; 3]) -> egui::Color32 {
    egui::Color32::from_rgb(c[0], c[1], c[2])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applying_a_theme_switches_visuals_and_sizes() {
        let ctx = egui::Context::default();
        apply(&ctx, Theme::Projector);
        assert_eq!(current(&ctx), Theme::Projector);
        assert!(!ctx.global_style().visuals.dark_mode);
        let body = ctx.global_style().text_styles[&TextStyle::Body].size;
        apply(&ctx, Theme::Dark);
        assert!(ctx.global_style().visuals.dark_mode);
        assert!(body > ctx.global_style().text_styles[&TextStyle::Body].size);
        assert_eq!(line_scale(&ctx), 1.0);
    }
}
