//! The presets shipped inside the binary, so the app and `optiviz bench` work from any folder.

/// A preset compiled into the binary, so `cargo run` works from any folder.
#[derive(Clone, Copy, Debug)]
pub struct Builtin {
    /// File name in presets/.
    pub file: &'static str,
    /// RON text.
    pub text: &'static str,
}

macro_rules! builtin {
    ($($file:literal),* $(,)?) => {
        &[$(Builtin { file: $file, text: include_str!(concat!("../../presets/", $file)) }),*]
    };
}

/// The shipped deck, in order (tests check it matches presets/).
pub const BUILTIN: &[Builtin] = builtin![
    "01-gd-zigzag.ron",
    "02-optimal-step-size.ron",
    "03-momentum-vs-gd.ron",
    "04-nesterov.ron",
    "05-rosenbrock.ron",
    "06-saddle-escape.ron",
    "07-cliff-clipping.ron",
    "08-adam-bias-correction.ron",
    "09-minibatch-noise.ron",
    "10-lr-schedules.ron",
    "11-himmelblau.ron",
    "12-newton-bfgs-gd.ron",
    "13-plateau.ron",
    "14-noise-in-b.ron",
    "15-adaptive-coordinates.ron",
    "16-your-own-function.ron",
    "17-find-the-step-size.ron",
];

/// The built-in scenario the app opens on.
pub const DEFAULT_BUILTIN: usize = 2;
