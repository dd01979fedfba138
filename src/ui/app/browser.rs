//! The browser's runner (wasm32): the app on a canvas of the page, drawn by eframe's web runner
//! on WebGL2 (glow), its state in the page's local storage, and the link in the page's address
//! opened at start and whenever the address changes.

use super::{LaunchOptions, OptivizApp};
use crate::ui::platform::StateStore;
use wasm_bindgen::JsCast as _;

/// Starts the app on the `<canvas id=canvas_id>` of the page. A failure (no such canvas, no
/// WebGL2) is written into the page's element `#loading`, if any, and the console.
pub fn start_web(canvas_id: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let report = move |message: String| {
        web_sys::console::error_1(&message.clone().into());
        if let Some(el) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id("loading"))
        {
            el.set_text_content(Some(&message));
        }
        if let Some(body) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.body())
        {
            let _ = body.dataset().set("optivizError", &message);
        }
    };
    let Some(canvas) = document
        .get_element_by_id(canvas_id)
        .and_then(|e| e.dyn_into::<web_sys::HtmlCanvasElement>().ok())
    else {
        report(format!(
            "optiviz: the page has no <canvas id=\"{canvas_id}\">"
        ));
        return;
    };
    wasm_bindgen_futures::spawn_local(async move {
        let runner = eframe::WebRunner::new();
        let started = runner
            .start(
                canvas,
                eframe::WebOptions::default(),
                Box::new(|_cc| {
                    Ok(Box::new(OptivizApp::with_store(
                        LaunchOptions::default(),
                        StateStore::Local,
                    )))
                }),
            )
            .await;
        match started {
            Ok(()) => {
                if let Some(el) = web_sys::window()
                    .and_then(|w| w.document())
                    .and_then(|d| d.get_element_by_id("loading"))
                {
                    el.remove();
                }
            }
            Err(e) => report(format!(
                "optiviz could not start: {} (the app needs WebGL2)",
                e.as_string().unwrap_or_else(|| format!("{e:?}"))
            )),
        }
    });
}
