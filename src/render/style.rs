//! The look of each theme in one place: colours, line widths and font sizes of Dark, Light and
//! Projector, as plain data (sRGB arrays and f32s, no egui types) so that the app's own
//! themes can use the same definitions as exported figures.
//!
//! Sizes are in points; a figure drawn at `scale` pixels per point multiplies them.

use super::colormap::ColorMap;
use crate::numerics::contour::{Grid, LogScale};
use crate::scenario::palette::palette;
use crate::scenario::{Rgb, Theme};

/// Everything that differs between themes.
#[derive(Clone, Debug, PartialEq)]
pub struct Style {
    /// The theme these values are for.
    pub theme: Theme,
    /// Figure background (outside the plot).
    pub background: Rgb,
    /// Titles, labels and tick labels.
    pub text: Rgb,
    /// Secondary text (caption details, notes).
    pub text_muted: Rgb,
    /// Plot frame and tick marks.
    pub axis: Rgb,
    /// Grid lines at the ticks, drawn over the heat map.
    pub grid: Rgb,
    /// Opacity of the grid lines (0: no grid).
    pub grid_alpha: f32,
    /// Iso-line colour.
    pub iso_line: Rgb,
    /// Iso-line opacity.
    pub iso_line_alpha: f32,
    /// Iso-line width in points.
    pub iso_line_width: f32,
    /// The heat map's colour map (on the log scale of f).
    pub heatmap: ColorMap,
    /// How far the heat map is blended towards the background (0: full colour). A lighter
    /// heat map lets thick run colours stand out on a projector.
    pub heatmap_wash: f32,
    /// Multiplies every line width (paths, markers, frame).
    pub line_width_scale: f32,
    /// Multiplies every font size.
    pub font_scale: f32,
    /// Run colours by palette slot (`scenario::palette`).
    pub palette: [Rgb; 8],
    /// The outline drawn under paths and markers so they read on any heat-map colour.
    pub halo: Rgb,
    /// Opacity of that outline.
    pub halo_alpha: f32,
    /// Outline of the current-point dots.
    pub dot_outline: Rgb,
    /// Fill of the known-minimum (and other critical point) markers.
    pub landmark: Rgb,
    /// Outline of those markers.
    pub landmark_outline: Rgb,
    /// Background of the legend and step boxes.
    pub panel: Rgb,
    /// Opacity of that background.
    pub panel_alpha: f32,
    /// The cross where a run diverged.
    pub diverged: Rgb,
    /// Extra glyph weight, in em (the font is Ubuntu Light: 0 draws it as is).
    pub font_weight: f32,
}

impl Style {
    /// The values for `theme`.
    #[must_use]
    pub fn of(theme: Theme) -> Self {
        match theme {
            Theme::Dark => Self {
                theme,
                background: [0x1b, 0x1b, 0x1b],
                text: [0xe8, 0xe8, 0xe8],
                text_muted: [0xa8, 0xa8, 0xa8],
                axis: [0xa0, 0xa0, 0xa0],
                grid: [0xff, 0xff, 0xff],
                grid_alpha: 0.0,
                iso_line: [0xff, 0xff, 0xff],
                iso_line_alpha: 70.0 / 255.0,
                iso_line_width: 1.0,
                heatmap: ColorMap::Viridis,
                heatmap_wash: 0.0,
                line_width_scale: 1.0,
                font_scale: 1.0,
                palette: *palette(theme),
                halo: [0x00, 0x00, 0x00],
                halo_alpha: 0.55,
                dot_outline: [0x00, 0x00, 0x00],
                landmark: [0xff, 0xff, 0xff],
                landmark_outline: [0x00, 0x00, 0x00],
                panel: [0x1b, 0x1b, 0x1b],
                panel_alpha: 0.85,
                diverged: [0xff, 0x40, 0x40],
                font_weight: 0.02,
            },
            Theme::Light => Self {
                theme,
                background: [0xff, 0xff, 0xff],
                text: [0x1a, 0x1a, 0x1a],
                text_muted: [0x55, 0x55, 0x55],
                axis: [0x40, 0x40, 0x40],
                grid: [0x00, 0x00, 0x00],
                grid_alpha: 0.0,
                iso_line: [0x00, 0x00, 0x00],
                iso_line_alpha: 90.0 / 255.0,
                iso_line_width: 1.0,
                heatmap: ColorMap::Viridis,
                heatmap_wash: 0.0,
                line_width_scale: 1.0,
                font_scale: 1.0,
                palette: *palette(theme),
                halo: [0x00, 0x00, 0x00],
                halo_alpha: 0.3,
                dot_outline: [0x00, 0x00, 0x00],
                landmark: [0xff, 0xff, 0xff],
                landmark_outline: [0x00, 0x00, 0x00],
                panel: [0xff, 0xff, 0xff],
                panel_alpha: 0.88,
                diverged: [0xe0, 0x10, 0x10],
                font_weight: 0.03,
            },
            Theme::Projector => Self {
                theme,
                background: [0xff, 0xff, 0xff],
                text: [0x00, 0x00, 0x00],
                text_muted: [0x33, 0x33, 0x33],
                axis: [0x00, 0x00, 0x00],
                grid: [0x00, 0x00, 0x00],
                grid_alpha: 0.0,
                iso_line: [0x00, 0x00, 0x00],
                iso_line_alpha: 0.35,
                iso_line_width: 1.3,
                heatmap: ColorMap::Viridis,
                heatmap_wash: 0.45,
                line_width_scale: 1.8,
                font_scale: 1.4,
                palette: *palette(Theme::Projector),
                halo: [0xff, 0xff, 0xff],
                halo_alpha: 0.9,
                dot_outline: [0xff, 0xff, 0xff],
                landmark: [0xff, 0xff, 0xff],
                landmark_outline: [0x00, 0x00, 0x00],
                panel: [0xff, 0xff, 0xff],
                panel_alpha: 0.92,
                diverged: [0xcc, 0x00, 0x00],
                font_weight: 0.05,
            },
        }
    }

    /// The heat map's colour at `t` in [0, 1] (the colour map, washed towards the background
    /// as the theme says).
    #[must_use]
    pub fn heat(&self, t: f64) -> Rgb {
        super::colormap::mix(self.heatmap.eval(t), self.background, self.heatmap_wash)
    }

    /// The one grid-to-pixels mapping of every heat map (the app's, the figures', the network
    /// page's landscape): `grid`'s values through `scale` and the theme's colours
    /// ([`Self::heat`]), as RGBA rows from the top of the plot down; a NaN node (outside the
    /// function's domain) is transparent. A grid of more nodes than [`HEAT_TABLE`] looks its
    /// colours up in a table of that many evenly spaced ones (the colour map's spline per
    /// pixel was most of a full-HD figure's drawing time): a colour at most 1/8190 of the map
    /// away, below what 8-bit channels show.
    #[must_use]
    pub fn heat_rgba(&self, grid: &Grid, scale: LogScale) -> Vec<[u8; 4]> {
        let table: Option<Vec<Rgb>> = (grid.nx * grid.ny > HEAT_TABLE).then(|| {
            (0..HEAT_TABLE)
                .map(|i| self.heat(i as f64 / (HEAT_TABLE - 1) as f64))
                .collect()
        });
        let colour = |t: f64| match &table {
            #[allow(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "t is in [0, 1], so the index is in the table"
            )]
            Some(table) => {
                table[((t * (HEAT_TABLE - 1) as f64).round() as usize).min(HEAT_TABLE - 1)]
            }
            None => self.heat(t),
        };
        let mut rgba = Vec::with_capacity(grid.nx * grid.ny);
        for j in (0..grid.ny).rev() {
            for i in 0..grid.nx {
                let v = grid.values[j * grid.nx + i];
                rgba.push(if v.is_nan() {
                    [0, 0, 0, 0]
                } else {
                    let [r, g, b] = colour(scale.unit(v));
                    [r, g, b, 255]
                });
            }
        }
        rgba
    }

    /// Width of a run's path, in points.
    #[must_use]
    pub fn path_width(&self) -> f32 {
        2.5 * self.line_width_scale
    }

    /// Tick labels and legend entries, in points.
    #[must_use]
    pub fn font_size(&self) -> f32 {
        15.0 * self.font_scale
    }

    /// The caption's title, in points.
    #[must_use]
    pub fn title_size(&self) -> f32 {
        19.0 * self.font_scale
    }
}

/// Colours in the table a large heat map looks its colours up in ([`Style::heat_rgba`]).
pub const HEAT_TABLE: usize = 4096;

#[cfg(test)]
mod tests {
    use super::*;

    /// WCAG relative luminance contrast of two sRGB colours.
    fn contrast(a: Rgb, b: Rgb) -> f64 {
        let lum = |c: Rgb| {
            let ch = |v: u8| {
                let s = f64::from(v) / 255.0;
                if s <= 0.040_45 {
                    s / 12.92
                } else {
                    ((s + 0.055) / 1.055).powf(2.4)
                }
            };
            0.2126 * ch(c[0]) + 0.7152 * ch(c[1]) + 0.0722 * ch(c[2])
        };
        let (x, y) = (lum(a), lum(b));
        (x.max(y) + 0.05) / (x.min(y) + 0.05)
    }

    #[test]
    fn a_large_heat_map_s_table_colours_are_the_colour_map_s_to_one_level() {
        use crate::numerics::objectives::{Landmarks as _, ObjectiveSpec, RosenbrockParams};
        let f = ObjectiveSpec::Rosenbrock(RosenbrockParams::default())
            .build()
            .unwrap_or_else(|_| unreachable!("the default Rosenbrock is valid"));
        let grid = Grid::sample(&f, f.default_view(), 200, 150);
        assert!(grid.nx * grid.ny > HEAT_TABLE, "the table is used");
        let (lo, hi) = grid.finite_range().unwrap_or((0.0, 1.0));
        let scale = LogScale::new(lo, hi);
        for theme in Theme::ALL {
            let s = Style::of(theme);
            let rgba = s.heat_rgba(&grid, scale);
            let mut exact = 0;
            for j in 0..grid.ny {
                for i in 0..grid.nx {
                    let want = s.heat(scale.unit(grid.values[j * grid.nx + i]));
                    let got = rgba[(grid.ny - 1 - j) * grid.nx + i];
                    for c in 0..3 {
                        assert!(got[c].abs_diff(want[c]) <= 1, "{theme:?} ({i}, {j})");
                    }
                    exact += usize::from(got[..3] == want);
                }
            }
            // Most are the very colour; the others differ by one level in a channel.
            assert!(
                exact * 4 > grid.nx * grid.ny * 3,
                "{theme:?}: {exact} exact"
            );
        }
    }

    #[test]
    fn projector_palette_reads_on_white() {
        let s = Style::of(Theme::Projector);
        for c in s.palette {
            assert!(
                contrast(c, s.background) >= 3.0,
                "{c:?}: contrast {}",
                contrast(c, s.background)
            );
        }
        assert!(!s.palette.contains(&[0xF0, 0xE4, 0x42]));
    }

    #[test]
    fn text_contrast_in_every_theme() {
        for theme in Theme::ALL {
            let s = Style::of(theme);
            assert!(contrast(s.text, s.background) >= 7.0, "{theme:?}");
            assert!(contrast(s.text_muted, s.background) >= 4.5, "{theme:?}");
        }
        let p = Style::of(Theme::Projector);
        let l = Style::of(Theme::Light);
        assert!(p.font_scale > l.font_scale && p.line_width_scale > l.line_width_scale);
    }
}
