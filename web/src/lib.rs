//! optiviz in a browser: starts the app on the page's `<canvas id="optiviz">` as soon as the
//! module is loaded. Built by `bash scripts/web.sh` into `web/dist/`; everything else is in the
//! optiviz crate (its browser side is `src/ui/platform/web.rs` and `src/ui/app/browser.rs`).

/// The module's start: the app on the canvas `optiviz`.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    optiviz::ui::start_web("optiviz");
}
