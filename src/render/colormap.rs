//! The heat map's colour mapping, shared by the app (ui/surface/heatmap.rs) and exported figures so the
//! two always agree: f goes through [`LogScale`](crate::numerics::contour::LogScale) to [0, 1],
//! then through a perceptual, colour-blind-safe map (viridis).

use crate::scenario::Rgb;

/// A continuous colour map from [0, 1] to sRGB.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ColorMap {
    /// Matplotlib's viridis: perceptually uniform, readable in grey and by colour-blind viewers.
    #[default]
    Viridis,
}

impl ColorMap {
    /// The colour at `t` (clamped to [0, 1]; NaN gives the low end).
    #[must_use]
    pub fn eval(self, t: f64) -> Rgb {
        let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
        let c = match self {
            Self::Viridis => colorous::VIRIDIS.eval_continuous(t),
        };
        [c.r, c.g, c.b]
    }
}

/// Mixes `c` towards `to` by `amount` (0: `c`, 1: `to`).
#[must_use]
pub fn mix(c: Rgb, to: Rgb, amount: f32) -> Rgb {
    let a = amount.clamp(0.0, 1.0);
    let m = |x: u8, y: u8| {
        let v = f32::from(x) + (f32::from(y) - f32::from(x)) * a;
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "clamped to 0..=255"
        )]
        let byte = v.round().clamp(0.0, 255.0) as u8;
        byte
    };
    [m(c[0], to[0]), m(c[1], to[1]), m(c[2], to[2])]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn viridis_ends_and_clamping() {
        assert_eq!(ColorMap::Viridis.eval(0.0), [0x44, 0x01, 0x54]);
        assert_eq!(ColorMap::Viridis.eval(1.0), [0xfd, 0xe7, 0x25]);
        assert_eq!(ColorMap::Viridis.eval(-1.0), ColorMap::Viridis.eval(0.0));
        assert_eq!(
            ColorMap::Viridis.eval(f64::NAN),
            ColorMap::Viridis.eval(0.0)
        );
    }

    #[test]
    fn mixing() {
        assert_eq!(mix([0, 0, 0], [255, 255, 255], 0.0), [0, 0, 0]);
        assert_eq!(mix([0, 0, 0], [255, 255, 255], 1.0), [255, 255, 255]);
        assert_eq!(mix([0, 100, 200], [100, 100, 0], 0.5), [50, 100, 100]);
    }
}
