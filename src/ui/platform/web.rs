//! The browser side of the platform seam (wasm32): downloads for files the app writes, the
//! browser's file picker, local storage, the tab's title and address, and the page's body for
//! what the app exposes. Nothing here blocks: the picker's answer arrives through a callback
//! and is collected in a later frame.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use wasm_bindgen::JsCast as _;
use wasm_bindgen::prelude::Closure;

pub const HAS_FILES: bool = false;

/// The local storage key of the app's state.
const STATE_KEY: &str = "optiviz.state";
/// Largest preset the picker reads (a preset file's limit).
const MAX_PICKED_BYTES: f64 = 8.0 * 1024.0 * 1024.0;

thread_local! {
    static PICKED: RefCell<Option<(String, Result<String, String>)>> = const { RefCell::new(None) };
    /// The address's `#...` last looked at (a change is a link to open).
    static LAST_HASH: RefCell<Option<String>> = const { RefCell::new(None) };
    static EXPOSED: RefCell<Option<super::Exposed>> = const { RefCell::new(None) };
}

fn document() -> Option<web_sys::Document> {
    web_sys::window().and_then(|w| w.document())
}

fn js_error(e: &wasm_bindgen::JsValue) -> String {
    e.as_string()
        .or_else(|| {
            e.dyn_ref::<js_sys::Error>()
                .map(|e| String::from(e.message()))
        })
        .unwrap_or_else(|| format!("{e:?}"))
}

pub fn deliver(path: &Path, bytes: &[u8]) -> Result<String, String> {
    let name = path.file_name().map_or_else(
        || "optiviz".to_owned(),
        |n| n.to_string_lossy().into_owned(),
    );
    let document = document().ok_or("no document to download from")?;
    let parts = js_sys::Array::new();
    parts.push(&js_sys::Uint8Array::from(bytes));
    let blob = web_sys::Blob::new_with_u8_array_sequence(&parts).map_err(|e| js_error(&e))?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|e| js_error(&e))?;
    let anchor: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(|e| js_error(&e))?
        .dyn_into()
        .map_err(|_| "not an anchor element")?;
    anchor.set_href(&url);
    anchor.set_download(&name);
    anchor.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(format!("Downloaded {name}"))
}

pub fn spawn(work: impl FnOnce() + Send + 'static) {
    work();
}

pub fn pick_preset(ctx: &egui::Context) {
    let Some(document) = document() else {
        return;
    };
    let Ok(input) = document
        .create_element("input")
        .map(wasm_bindgen::JsCast::unchecked_into::<web_sys::HtmlInputElement>)
    else {
        return;
    };
    input.set_type("file");
    input.set_accept(".ron,text/plain");
    let chosen = input.clone();
    let ctx = ctx.clone();
    let on_change = Closure::once_into_js(move || {
        let Some(file) = chosen.files().and_then(|f| f.get(0)) else {
            return;
        };
        let name = file.name();
        if file.size() > MAX_PICKED_BYTES {
            deliver_picked(
                &ctx,
                name,
                Err(format!(
                    "{MAX_PICKED_BYTES} bytes is the size limit of a preset"
                )),
            );
            return;
        }
        wasm_bindgen_futures::spawn_local(async move {
            let text = wasm_bindgen_futures::JsFuture::from(file.text())
                .await
                .map_err(|e| js_error(&e))
                .and_then(|t| t.as_string().ok_or_else(|| "not text".to_owned()));
            deliver_picked(&ctx, name, text);
        });
    });
    input.set_onchange(Some(on_change.unchecked_ref()));
    input.click();
}

fn deliver_picked(ctx: &egui::Context, name: String, text: Result<String, String>) {
    PICKED.with(|p| *p.borrow_mut() = Some((name, text)));
    ctx.request_repaint();
}

pub fn take_picked() -> Option<(String, Result<String, String>)> {
    PICKED.with(|p| p.borrow_mut().take())
}

pub fn dropped(ctx: &egui::Context, file: &egui::DroppedFileHandle) -> Option<PathBuf> {
    let file = std::sync::Arc::clone(file);
    let ctx = ctx.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let name = file.path().display().to_string();
        let text = file.bytes_async().await.and_then(|bytes| {
            if bytes.len() as f64 > MAX_PICKED_BYTES {
                Err(format!(
                    "{MAX_PICKED_BYTES} bytes is the size limit of a preset"
                ))
            } else {
                String::from_utf8(bytes).map_err(|_| "not UTF-8 text".to_owned())
            }
        });
        deliver_picked(&ctx, name, text);
    });
    None
}

pub fn toggle_fullscreen(_ctx: &egui::Context) {
    let Some(document) = document() else {
        return;
    };
    if document.fullscreen_element().is_some() {
        document.exit_fullscreen();
    } else if let Some(root) = document.document_element() {
        let _ = root.request_fullscreen();
    }
}

pub fn set_title(_ctx: &egui::Context, title: &str) {
    if let Some(document) = document() {
        document.set_title(title);
    }
}

pub fn expose(status: &super::Exposed) {
    let changed = EXPOSED.with(|e| e.borrow().as_ref() != Some(status));
    if !changed {
        return;
    }
    let Some(body) = document().and_then(|d| d.body()) else {
        return;
    };
    let data = body.dataset();
    let _ = data.set("optivizScenario", &status.scenario);
    let _ = data.set("optivizStep", &status.step.to_string());
    let _ = data.set("optivizComputed", &status.computed.to_string());
    let _ = data.set("optivizTotal", &status.total.to_string());
    let _ = data.set("optivizRuns", &status.runs.to_string());
    let _ = data.set(
        "optivizPlaying",
        if status.playing { "true" } else { "false" },
    );
    let _ = data.set("optivizFrameMs", &status.frame_ms);
    let _ = data.set("optivizFrames", &status.frames.to_string());
    match &status.error {
        Some(e) => {
            let _ = data.set("optivizError", e);
        }
        None => data.delete("optivizError"),
    }
    EXPOSED.with(|e| *e.borrow_mut() = Some(status.clone()));
}

pub fn address_link() -> Option<String> {
    let hash = web_sys::window()?.location().hash().ok()?;
    let new = LAST_HASH.with(|last| {
        let mut last = last.borrow_mut();
        let new = last.as_deref() != Some(hash.as_str());
        *last = Some(hash.clone());
        new
    });
    (new && crate::scenario::link::carries_scenario(&hash)).then_some(hash)
}

pub fn link_base() -> String {
    web_sys::window()
        .and_then(|w| {
            let l = w.location();
            Some(format!("{}{}", l.origin().ok()?, l.pathname().ok()?))
        })
        .unwrap_or_else(|| crate::scenario::link::DEFAULT_BASE.to_owned())
}

pub fn read_local() -> Option<Result<String, String>> {
    let storage = web_sys::window()?.local_storage().ok()??;
    storage.get_item(STATE_KEY).ok()?.map(Ok)
}

pub fn write_local(text: &str) -> Result<(), String> {
    let storage = web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .ok_or("this browser keeps no local storage for the page")?;
    storage
        .set_item(STATE_KEY, text)
        .map_err(|e| format!("the browser's local storage refused it ({})", js_error(&e)))
}
