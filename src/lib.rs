//! optiviz: watch optimizers think.
//!
//! Layers, one direction of dependency: [`numerics`] (objectives, optimizers, noise, runs; no
//! I/O) <- [`scenario`] (presets as RON documents, parsing and validation) <- the headless
//! [`cli`] and the `ui` module (the only place that uses egui, behind the `gui` feature).
//! All file access goes through [`io`]; `cli::bench` holds the timed workloads of `optiviz bench`.

pub mod cli;
pub mod io;
pub mod numerics;
pub mod render;
pub mod scenario;
#[cfg(feature = "gui")]
pub mod ui;
