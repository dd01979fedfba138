//! The desktop app (eframe/egui). The only module that uses GUI crates.

use std::path::PathBuf;

/// Opens the app window.
pub fn run_app(_preset: Option<PathBuf>) -> anyhow::Result<()> {
    println!("The optiviz window is not built yet; use the headless subcommands (optiviz --help).");
    Ok(())
}
