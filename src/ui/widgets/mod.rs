//! Small widgets shared by the panels: labelled sliders with a tooltip, double-click to reset.

pub mod params;
pub mod plot_items;

use egui::{Response, Slider, SliderClamping, Ui};
use std::ops::RangeInclusive;

/// Formats a number compactly with about four significant digits.
#[must_use]
pub fn fmt_num(v: f64) -> String {
    if v == 0.0 {
        return "0".to_owned();
    }
    let a = v.abs();
    if !(1e-3..1e5).contains(&a) {
        let s = format!("{v:.3e}");
        // 1.000e-4 -> 1e-4
        let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
        let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
        return format!("{mantissa}e{exp}");
    }
    // a is in [1e-3, 1e5) here, so this is 0..=6 decimals: four significant digits.
    let decimals = (0..=6_usize)
        .find(|&d| a * 10f64.powi(i32::try_from(d).unwrap_or(0)) >= 1e3)
        .unwrap_or(6);
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    }
}

/// A labelled row: label on the left (hover for help), widgets filling the rest. `add` gets the
/// label's id to name each widget it adds for screen readers and UI tests (`labelled_by`).
pub fn row(
    ui: &mut Ui,
    label: &str,
    tooltip: &str,
    add: impl FnOnce(&mut Ui, egui::Id) -> Response,
) -> (Response, Response) {
    ui.horizontal(|ui| {
        let label_response = ui
            .add_sized(
                [112.0, ui.spacing().interact_size.y],
                egui::Label::new(label)
                    .truncate()
                    .sense(egui::Sense::click()),
            )
            .on_hover_text(tooltip);
        let widget = add(ui, label_response.id)
            .on_hover_text(tooltip)
            .labelled_by(label_response.id);
        (label_response, widget)
    })
    .inner
}

/// The one wording of what double-click does, in every tooltip: the default (torch's for an
/// optimizer's hyperparameters, the objective's own for its parameters), with the preset's
/// values one command away.
#[must_use]
pub fn default_text(default: &str) -> String {
    format!("Double-click: the default, {default}. Edit > Revert to preset: the preset's values.")
}

/// A number slider; double-clicking it or its label restores `default`. Returns true on change.
/// Dragging stays within `range`, but a value from the preset outside it (valid, only beyond
/// where the slider goes) is shown and kept, never rewritten: opening a preset must not change it.
#[allow(
    clippy::too_many_arguments,
    reason = "one call per hyperparameter reads best flat"
)]
pub fn slider(
    ui: &mut Ui,
    label: &str,
    value: &mut f64,
    range: RangeInclusive<f64>,
    default: f64,
    logarithmic: bool,
    tooltip: &str,
) -> bool {
    let help = format!("{tooltip}\n{}", default_text(&fmt_num(default)));
    slider_with(
        ui,
        label,
        value,
        range,
        default,
        logarithmic,
        &help,
        SliderClamping::Edits,
    )
}

/// A slider whose range is only where dragging goes: a value typed into its box may lie
/// outside it (the caller validates). Double-clicking it or its label restores `default`.
pub fn slider_typed(
    ui: &mut Ui,
    label: &str,
    value: &mut f64,
    range: RangeInclusive<f64>,
    default: f64,
    logarithmic: bool,
    tooltip: &str,
) -> bool {
    let help = format!("{tooltip}\n{}", default_text(&fmt_num(default)));
    slider_with(
        ui,
        label,
        value,
        range,
        default,
        logarithmic,
        &help,
        SliderClamping::Never,
    )
}

#[allow(
    clippy::too_many_arguments,
    reason = "the two slider flavours' shared body"
)]
fn slider_with(
    ui: &mut Ui,
    label: &str,
    value: &mut f64,
    range: RangeInclusive<f64>,
    default: f64,
    logarithmic: bool,
    help: &str,
    clamping: SliderClamping,
) -> bool {
    let mut v = *value;
    let (label_response, slider) = row(ui, label, help, |ui, _| {
        ui.add(
            Slider::new(&mut v, range)
                .logarithmic(logarithmic)
                .clamping(clamping)
                .custom_formatter(|x, _| fmt_num(x)),
        )
    });
    // egui's slider senses drags only, so its response never reports a double-click: ask the
    // pointer whether it was double-clicked over the slider.
    let double_clicked_on_slider = slider.contains_pointer()
        && ui.input(|i| {
            i.pointer
                .button_double_clicked(egui::PointerButton::Primary)
        });
    if double_clicked_on_slider || label_response.double_clicked() {
        v = default;
    }
    set_if_changed(value, v)
}

/// An integer drag value; double-clicking its label restores `default`. As with [`slider`], a
/// stored value outside `range` is kept until the user edits it.
pub fn integer(
    ui: &mut Ui,
    label: &str,
    value: &mut usize,
    range: RangeInclusive<usize>,
    default: usize,
    tooltip: &str,
) -> bool {
    let help = format!("{tooltip}\n{}", default_text(&default.to_string()));
    let mut v = *value;
    let (label_response, _) = row(ui, label, &help, |ui, _| {
        ui.add(
            egui::DragValue::new(&mut v)
                .range(range)
                .clamp_existing_to_range(false)
                .speed(0.2),
        )
    });
    if label_response.double_clicked() {
        v = default;
    }
    if v == *value {
        false
    } else {
        *value = v;
        true
    }
}

/// A checkbox; double-clicking its label restores `default`.
pub fn toggle(ui: &mut Ui, label: &str, value: &mut bool, default: bool, tooltip: &str) -> bool {
    let help = format!("{tooltip}\n{}", default_text(&default.to_string()));
    let mut v = *value;
    let (label_response, _) = row(ui, label, &help, |ui, _| ui.checkbox(&mut v, ""));
    if label_response.double_clicked() {
        v = default;
    }
    if v == *value {
        false
    } else {
        *value = v;
        true
    }
}

/// A point as two drag values.
pub fn point(ui: &mut Ui, label: &str, value: &mut (f64, f64), tooltip: &str) -> bool {
    let (mut x, mut y) = *value;
    row(ui, label, tooltip, |ui, name| {
        let rx = ui
            .add(egui::DragValue::new(&mut x).speed(0.01).max_decimals(4))
            .labelled_by(name);
        let ry = ui
            .add(egui::DragValue::new(&mut y).speed(0.01).max_decimals(4))
            .labelled_by(name);
        rx | ry
    });
    if (x, y) == *value || !(x.is_finite() && y.is_finite()) {
        false
    } else {
        *value = (x, y);
        true
    }
}

fn set_if_changed(value: &mut f64, v: f64) -> bool {
    if v == *value || !v.is_finite() {
        false
    } else {
        *value = v;
        true
    }
}

#[cfg(test)]
mod tests {
    use crate::ui::widgets::fmt_num;

    #[test]
    fn compact_numbers() {
        assert_eq!(fmt_num(0.001), "0.001");
        assert_eq!(fmt_num(1e-4), "1e-4");
        assert_eq!(fmt_num(0.123_456), "0.1235");
        assert_eq!(fmt_num(3.305_785_123), "3.306");
        assert_eq!(fmt_num(1000.0), "1000");
        assert_eq!(fmt_num(2.5e6), "2.5e6");
        assert_eq!(fmt_num(-0.5), "-0.5");
    }
}
