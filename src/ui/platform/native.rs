//! The desktop side of the platform seam: files, threads and the window through eframe.

#![allow(
    clippy::unnecessary_wraps,
    reason = "the same signatures as the browser's side, where these can fail"
)]

use crate::io;
use std::path::{Path, PathBuf};

pub const HAS_FILES: bool = true;

pub fn deliver(path: &Path, bytes: &[u8]) -> Result<String, String> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        io::create_dir(dir).map_err(|e| e.to_string())?;
    }
    io::write_atomic(path, bytes).map_err(|e| e.to_string())?;
    Ok(format!("Saved {}", path.display()))
}

pub fn spawn(work: impl FnOnce() + Send + 'static) {
    std::thread::spawn(work);
}

pub fn pick_preset(_ctx: &egui::Context) {}

pub fn take_picked() -> Option<(String, Result<String, String>)> {
    None
}

pub fn dropped(_ctx: &egui::Context, file: &egui::DroppedFileHandle) -> Option<PathBuf> {
    Some(file.path().to_path_buf())
}

pub fn toggle_fullscreen(ctx: &egui::Context) {
    let full = ctx.input(|i| i.viewport().fullscreen.unwrap_or(false));
    ctx.send_viewport_cmd(egui::ViewportCommand::Fullscreen(!full));
}

pub fn set_title(ctx: &egui::Context, title: &str) {
    ctx.send_viewport_cmd(egui::ViewportCommand::Title(title.to_owned()));
}

pub fn expose(_status: &super::Exposed) {}

pub fn address_link() -> Option<String> {
    None
}

pub fn link_base() -> String {
    io::link_base()
}

pub fn read_local() -> Option<Result<String, String>> {
    None
}

pub fn write_local(_text: &str) -> Result<(), String> {
    Ok(())
}
