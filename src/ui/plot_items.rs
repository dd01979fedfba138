//! Building blocks every plot of the app is made of, so that each rule is written once:
//! a line is always drawn as a line, a log axis labels whole decades only, and a legend is a
//! row of swatches in the runs' order beside the plot, where it never covers a curve.

use egui::{Color32, Stroke, Ui};
use egui_plot::{GridInput, GridMark, Line, PlotPoints};

/// A polyline through `points`. egui_plot merges a dense series whose x never decreases into a
/// filled band unless told not to, which turns a path or a loss curve into a big polygon; every
/// line of the app is made here, with that merging off (clippy.toml forbids `Line::new`
/// elsewhere).
#[allow(
    clippy::disallowed_methods,
    reason = "the one place where a Line is constructed"
)]
pub fn line<'a>(name: impl Into<String>, points: impl Into<PlotPoints<'a>>) -> Line<'a> {
    Line::new(name, points).allow_band(false)
}

/// Grid marks for an axis that shows log10 of a value: whole decades only, 1, 2, 5, 10, ...
/// decades apart (the smallest spacing that is not crowded), so no two labels can read alike.
#[must_use]
#[allow(
    clippy::cast_possible_truncation,
    reason = "decade indices of a plotted range are small integers"
)]
#[allow(
    clippy::needless_pass_by_value,
    reason = "egui_plot's grid spacer signature"
)]
pub fn decade_marks(input: GridInput) -> Vec<GridMark> {
    let (lo, hi) = input.bounds;
    if !(lo.is_finite() && hi.is_finite() && hi > lo) {
        return Vec::new();
    }
    let wanted = input.base_step_size.max(1e-9);
    // Never more than about 200 marks, whatever the range.
    let wanted = wanted.max((hi - lo) / 200.0);
    let step = (0..300)
        .flat_map(|e| [1.0, 2.0, 5.0].map(|m| m * 10f64.powi(e)))
        .find(|s| *s >= wanted)
        .unwrap_or(f64::INFINITY);
    if !step.is_finite() {
        return Vec::new();
    }
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    (first..=last)
        .map(|k| {
            let value = k as f64 * step;
            // Marks at multiples of the next spacing up are drawn stronger.
            let strong = (value / (step * 5.0)).fract() == 0.0;
            GridMark {
                value,
                step_size: if strong { step * 5.0 } else { step },
            }
        })
        .collect()
}

/// The label of a decade mark: `1e-3`, `1e0`, `1e2`.
#[must_use]
pub fn decade_label(mark: GridMark) -> String {
    let n = mark.value.round();
    // -0 reads "1e-0": print the integer it is.
    format!("1e{}", if n == 0.0 { 0.0 } else { n })
}

/// The y range (in decades) that shows `lo..hi` with at least one whole decade labelled at
/// each end: the enclosing decades, and 1e-1..1e1 when there is nothing to show yet.
#[must_use]
pub fn decade_range(range: Option<(f64, f64)>) -> (f64, f64) {
    match range {
        Some((lo, hi)) if lo.is_finite() && hi.is_finite() => {
            let (lo, hi) = (lo.floor(), hi.ceil());
            if hi > lo {
                (lo, hi)
            } else {
                (lo - 1.0, hi + 1.0)
            }
        }
        _ => (-1.0, 1.0),
    }
}

/// Width for a y axis whose longest label is `widest`, so the labels are never clipped, not
/// even on the first frame (egui_plot otherwise sizes the axis from the previous frame).
#[must_use]
pub fn axis_width(ui: &Ui, widest: &str) -> f32 {
    let font = egui::TextStyle::Body.resolve(ui.style());
    let galley = ui
        .painter()
        .layout_no_wrap(widest.to_owned(), font, Color32::WHITE);
    galley.size().x + 10.0
}

/// One entry of a legend row.
#[derive(Clone, Debug, PartialEq)]
pub struct LegendEntry {
    /// The run's (or curve's) name.
    pub label: String,
    /// Its colour.
    pub color: Color32,
    /// Drawn dashed (test curves).
    pub dashed: bool,
}

/// A legend as a wrapped row of swatches and names, in the order given (the runs' order), for
/// drawing above a plot instead of over it.
pub fn legend_row(ui: &mut Ui, entries: &[LegendEntry], line_width: f32) {
    ui.horizontal_wrapped(|ui| {
        ui.spacing_mut().item_spacing.x = 6.0;
        let height = ui.text_style_height(&egui::TextStyle::Body);
        for entry in entries {
            let (rect, _) = ui.allocate_exact_size(egui::vec2(22.0, height), egui::Sense::hover());
            let y = rect.center().y;
            let stroke = Stroke::new(line_width.max(2.0), entry.color);
            if entry.dashed {
                for k in 0..3 {
                    #[allow(clippy::cast_precision_loss, reason = "three dashes")]
                    let x = rect.left() + k as f32 * 8.0;
                    ui.painter()
                        .line_segment([egui::pos2(x, y), egui::pos2(x + 5.0, y)], stroke);
                }
            } else {
                ui.painter().line_segment(
                    [egui::pos2(rect.left(), y), egui::pos2(rect.right(), y)],
                    stroke,
                );
            }
            ui.label(&entry.label);
            ui.add_space(8.0);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marks(lo: f64, hi: f64, base: f64) -> Vec<f64> {
        decade_marks(GridInput {
            bounds: (lo, hi),
            base_step_size: base,
        })
        .iter()
        .map(|m| m.value)
        .collect()
    }

    #[test]
    fn log_axes_label_whole_decades_and_never_repeat_a_label() {
        assert_eq!(marks(-0.3, 0.4, 0.01), vec![0.0]);
        assert_eq!(
            marks(-10.5, 1.2, 0.5),
            (-10..=1).map(f64::from).collect::<Vec<_>>()
        );
        assert_eq!(
            marks(-10.5, 1.2, 1.5),
            vec![-10.0, -8.0, -6.0, -4.0, -2.0, 0.0]
        );
        let wide = marks(-1000.0, 1000.0, 0.01);
        assert!((2..=201).contains(&wide.len()), "bounded: {}", wide.len());
        assert!(marks(f64::NAN, 1.0, 0.1).is_empty());
        let labels: Vec<String> = decade_marks(GridInput {
            bounds: (-0.9, 0.9),
            base_step_size: 0.05,
        })
        .into_iter()
        .map(decade_label)
        .collect();
        assert_eq!(labels, vec!["1e0"], "one label, not '1e-0' three times");
        assert_eq!(
            decade_label(GridMark {
                value: -0.0,
                step_size: 1.0
            }),
            "1e0"
        );
    }

    #[test]
    fn decade_ranges_enclose_the_data_and_have_a_default() {
        assert_eq!(decade_range(None), (-1.0, 1.0));
        assert_eq!(decade_range(Some((f64::INFINITY, 3.0))), (-1.0, 1.0));
        assert_eq!(decade_range(Some((-3.2, 0.4))), (-4.0, 1.0));
        assert_eq!(decade_range(Some((2.0, 2.0))), (1.0, 3.0));
    }
}
