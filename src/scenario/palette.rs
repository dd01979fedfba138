//! Run colours: the colour-blind-safe palette of each theme, the order runs take its colours in,
//! and the one resolver the app, the figures and the GIFs share.
//!
//! A run either names its colour (`color: "#e69f00"`, drawn so in every theme) or takes a
//! palette slot by its position in the preset. A slot is a colour's identity (orange, blue, ...)
//! with one shade per theme: Okabe-Ito on the dark theme, and darker shades that read on white
//! (the light and projector themes, where yellow becomes black). The order of the slots is
//! chosen so that the first runs of a scenario are as easy to tell apart as the palette allows,
//! in normal vision and under simulated protanopia, deuteranopia and tritanopia
//! ([`distinguishability`]): orange, blue, yellow (black on white), green, sky blue, purple,
//! vermillion, grey.

use super::{Rgb, Theme};

/// The Okabe-Ito colour-blind-safe palette (without black), drawn on the dark theme. Indexed by
/// slot: orange, sky blue, bluish green, vermillion, blue, reddish purple, yellow, grey.
pub const PALETTE: [Rgb; 8] = [
    [0xE6, 0x9F, 0x00],
    [0x56, 0xB4, 0xE9],
    [0x00, 0x9E, 0x73],
    [0xD5, 0x5E, 0x00],
    [0x00, 0x72, 0xB2],
    [0xCC, 0x79, 0xA7],
    [0xF0, 0xE4, 0x42],
    [0x99, 0x99, 0x99],
];

/// The same slots darkened to read on white (contrast at least 3:1), for the light and
/// projector themes; the unreadable yellow becomes black and the light grey a dark grey.
pub const ON_WHITE_PALETTE: [Rgb; 8] = [
    [0xC2, 0x7A, 0x00], // orange, darkened
    [0x1F, 0x88, 0xC9], // sky blue, darkened
    [0x00, 0x85, 0x60], // bluish green, darkened
    [0xD5, 0x5E, 0x00], // vermillion
    [0x00, 0x5A, 0x9C], // blue, darkened
    [0xB0, 0x4F, 0x8A], // reddish purple, darkened
    [0x00, 0x00, 0x00], // black instead of yellow
    [0x5F, 0x5F, 0x5F], // dark grey
];

/// The slots in the order runs take them (see the module doc).
pub const ORDER: [usize; 8] = [0, 4, 6, 2, 1, 5, 3, 7];

/// The palette drawn in `theme`.
#[must_use]
pub fn palette(theme: Theme) -> &'static [Rgb; 8] {
    match theme {
        Theme::Dark => &PALETTE,
        Theme::Light | Theme::Projector => &ON_WHITE_PALETTE,
    }
}

/// How a run is coloured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunColor {
    /// A palette slot (0..8), shaded by the theme.
    Slot(usize),
    /// The preset's own colour, the same in every theme.
    Custom(Rgb),
}

impl RunColor {
    /// The colour of the run at position `index` of a preset that names none.
    #[must_use]
    pub fn by_position(index: usize) -> Self {
        Self::Slot(ORDER[index % ORDER.len()])
    }

    /// The colour drawn in `theme`.
    #[must_use]
    pub fn rgb(self, theme: Theme) -> Rgb {
        match self {
            Self::Slot(slot) => palette(theme)[slot % 8],
            Self::Custom(c) => c,
        }
    }
}

/// How easy two colours are to tell apart as lines on a plot: their distance in OKLab
/// (0 = identical, about 0.02 = just noticeable), the smaller of the distance in normal vision
/// and twice the smallest distance under full protanopia, deuteranopia or tritanopia
/// (Machado et al. 2009). Above about 0.1 two lines read as different colours at a glance.
#[must_use]
pub fn distinguishability(a: Rgb, b: Rgb) -> f64 {
    let normal = oklab_distance(linear(a), linear(b));
    let deficient = CVD
        .iter()
        .map(|m| oklab_distance(simulate(m, linear(a)), simulate(m, linear(b))))
        .fold(f64::INFINITY, f64::min);
    normal.min(2.0 * deficient)
}

/// Machado, Oliveira and Fernandes (2009), severity 1: protanopia, deuteranopia, tritanopia,
/// acting on linear RGB.
const CVD: [[[f64; 3]; 3]; 3] = [
    [
        [0.152_286, 1.052_583, -0.204_868],
        [0.114_503, 0.786_281, 0.099_216],
        [-0.003_882, -0.048_116, 1.051_998],
    ],
    [
        [0.367_322, 0.860_646, -0.227_968],
        [0.280_085, 0.672_501, 0.047_413],
        [-0.011_820, 0.042_940, 0.968_881],
    ],
    [
        [1.255_528, -0.076_749, -0.178_779],
        [-0.078_411, 0.930_809, 0.147_602],
        [0.004_733, 0.691_367, 0.303_900],
    ],
];

fn linear(c: Rgb) -> [f64; 3] {
    c.map(|v| {
        let s = f64::from(v) / 255.0;
        if s <= 0.040_45 {
            s / 12.92
        } else {
            ((s + 0.055) / 1.055).powf(2.4)
        }
    })
}

fn simulate(m: &[[f64; 3]; 3], c: [f64; 3]) -> [f64; 3] {
    std::array::from_fn(|i| (m[i][0] * c[0] + m[i][1] * c[1] + m[i][2] * c[2]).clamp(0.0, 1.0))
}

/// Björn Ottosson's OKLab from linear sRGB.
fn oklab([r, g, b]: [f64; 3]) -> [f64; 3] {
    let l = (0.412_221_470_8 * r + 0.536_332_536_3 * g + 0.051_445_992_9 * b).cbrt();
    let m = (0.211_903_498_2 * r + 0.680_699_545_1 * g + 0.107_396_956_6 * b).cbrt();
    let s = (0.088_302_461_9 * r + 0.281_718_837_6 * g + 0.629_978_700_5 * b).cbrt();
    [
        0.210_454_255_3 * l + 0.793_617_785 * m - 0.004_072_046_8 * s,
        1.977_998_495_1 * l - 2.428_592_205 * m + 0.450_593_709_9 * s,
        0.025_904_037_1 * l + 0.782_771_766_2 * m - 0.808_675_766 * s,
    ]
}

fn oklab_distance(a: [f64; 3], b: [f64; 3]) -> f64 {
    let (p, q) = (oklab(a), oklab(b));
    ((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2) + (p[2] - q[2]).powi(2)).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Below this, two run colours count as hard to tell apart.
    const DISTINCT: f64 = 0.12;

    #[test]
    fn oklab_matches_published_values() {
        let white = oklab(linear([255, 255, 255]));
        assert!((white[0] - 1.0).abs() < 1e-3 && white[1].abs() < 1e-3 && white[2].abs() < 1e-3);
        // sRGB red is L 0.628, a 0.225, b 0.126 (Ottosson).
        let red = oklab(linear([255, 0, 0]));
        assert!((red[0] - 0.628).abs() < 2e-3, "{red:?}");
        assert!((red[1] - 0.225).abs() < 2e-3 && (red[2] - 0.126).abs() < 2e-3);
        assert_eq!(distinguishability([10, 20, 30], [10, 20, 30]), 0.0);
    }

    #[test]
    fn colour_blindness_simulation_merges_red_and_green() {
        // Red and green are far apart in normal vision and close without red or green cones.
        let (red, green) = ([0xD0, 0x30, 0x30], [0x30, 0x90, 0x30]);
        let normal = oklab_distance(linear(red), linear(green));
        assert!(normal > 0.25, "{normal}");
        assert!(distinguishability(red, green) < normal / 2.0);
    }

    #[test]
    fn the_first_five_runs_are_easy_to_tell_apart_in_every_theme() {
        for theme in Theme::ALL {
            let colors: Vec<Rgb> = (0..5)
                .map(|i| RunColor::by_position(i).rgb(theme))
                .collect();
            for (i, a) in colors.iter().enumerate() {
                for (j, b) in colors.iter().enumerate().skip(i + 1) {
                    let d = distinguishability(*a, *b);
                    assert!(d >= DISTINCT, "{theme:?}: runs {i} and {j}: {d:.3}");
                }
            }
        }
    }

    #[test]
    fn the_order_is_a_permutation_and_custom_colours_stay() {
        let mut seen = ORDER;
        seen.sort_unstable();
        assert_eq!(seen, [0, 1, 2, 3, 4, 5, 6, 7]);
        assert_eq!(RunColor::Custom([1, 2, 3]).rgb(Theme::Projector), [1, 2, 3]);
        assert_eq!(RunColor::by_position(0).rgb(Theme::Dark), PALETTE[0]);
        assert_eq!(RunColor::by_position(8), RunColor::by_position(0));
        assert!(
            !ON_WHITE_PALETTE.contains(&[0xF0, 0xE4, 0x42]),
            "no yellow on white"
        );
    }
}
