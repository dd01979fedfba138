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

macro_rules! builtin_mlp {
    ($($file:literal),* $(,)?) => {
        &[$(Builtin { file: $file, text: include_str!(concat!("../../presets/mlp/", $file)) }),*]
    };
}

/// The shipped deck, in order (tests check it matches presets/).
pub const BUILTIN: &[Builtin] = builtin![
    "01-gd-zigzag.ron",
    "02-optimal-step-size.ron",
    "03-find-the-step-size.ron",
    "04-momentum-vs-gd.ron",
    "05-momentum-and-step-size.ron",
    "06-momentum-ema-form.ron",
    "07-momentum-warmup.ron",
    "08-nesterov.ron",
    "09-sublinear-rates.ron",
    "10-conjugate-gradient.ron",
    "11-newton-bfgs-gd.ron",
    "12-rosenbrock.ron",
    "13-saddle-escape.ron",
    "14-plateau.ron",
    "15-cliff-clipping.ron",
    "16-himmelblau.ron",
    "17-your-own-function.ron",
    "18-minibatch-noise.ron",
    "19-cost-per-gradient.ron",
    "20-interpolation.ron",
    "21-stream-vs-sample.ron",
    "22-noise-in-b.ron",
    "23-lr-schedules.ron",
    "24-reduce-on-plateau.ron",
    "25-annealing.ron",
    "26-schedule-free.ron",
    "27-adaptive-coordinates.ron",
    "28-rprop-rotation.ron",
    "29-delta-bar-delta.ron",
    "30-adam-bias-correction.ron",
    "31-amsgrad-forms.ron",
    "32-reddi-counterexample.ron",
    "33-edge-of-stability.ron",
];

/// The shipped MLP presets (presets/mlp/), in order.
pub const BUILTIN_MLP: &[Builtin] = builtin_mlp![
    "01-xor.ron",
    "02-circle.ron",
    "03-spiral.ron",
    "04-bad-scaling.ron",
    "05-bad-scaling-normalized.ron",
    "06-plane-regression.ron",
    "07-spiral-muon.ron",
    "08-edge-of-stability.ron",
];

/// The MLP preset the network view opens on (the spiral race).
pub const DEFAULT_BUILTIN_MLP: usize = 2;

/// The built-in scenario the app opens on.
pub const DEFAULT_BUILTIN: usize = 3;

#[cfg(test)]
mod tests {
    use super::*;

    fn files_in(folder: &str) -> Vec<String> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(folder);
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "ron"))
            .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect();
        names.sort();
        names
    }

    #[test]
    fn the_shipped_lists_are_the_preset_folders_and_all_parse() {
        let deck: Vec<&str> = BUILTIN.iter().map(|b| b.file).collect();
        assert_eq!(deck, files_in("presets"));
        let mlp: Vec<&str> = BUILTIN_MLP.iter().map(|b| b.file).collect();
        assert_eq!(mlp, files_in("presets/mlp"));
        for b in BUILTIN {
            assert!(crate::scenario::parse(b.text, b.file).is_ok(), "{}", b.file);
        }
        for b in BUILTIN_MLP {
            assert!(crate::scenario::mlp::is_mlp(b.text), "{}", b.file);
            assert!(
                crate::scenario::mlp::parse(b.text, b.file).is_ok(),
                "{}",
                b.file
            );
        }
        assert!(DEFAULT_BUILTIN < BUILTIN.len() && DEFAULT_BUILTIN_MLP < BUILTIN_MLP.len());
    }
}
