//! Building blocks every plot of the app is made of, so that each rule is written once:
//! a line is always drawn as a line, a log axis labels whole decades only, axes have room for
//! their labels from the first frame, a picture of the plane fills its plot whatever the data's
//! aspect, and a legend is a row of swatches in the runs' order beside the plot, where it never
//! covers a curve.

use egui::{Color32, Stroke, Ui};
use egui_plot::{AxisHints, GridInput, GridMark, Line, PlotPoints};

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
    let candidates = || (0..300).flat_map(|e| [1.0, 2.0, 5.0].map(|m| m * 10f64.powi(e)));
    let marks_with = |step: f64| ((lo / step).ceil() as i64, (hi / step).floor() as i64);
    let mut step = candidates().find(|s| *s >= wanted).unwrap_or(f64::INFINITY);
    if !step.is_finite() {
        return Vec::new();
    }
    // An axis with one label does not say its scale: take the next finer spacing when it
    // gives two marks and is not much denser than asked for.
    let (first, last) = marks_with(step);
    if last <= first
        && let Some(finer) = candidates().take_while(|s| *s < step).last()
        && finer >= 0.6 * wanted
    {
        let (f, l) = marks_with(finer);
        if l > f {
            step = finer;
        }
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

/// A plot's y axis for log10 of a value: whole decades ([`decade_marks`], [`decade_label`]),
/// the enclosing decades of `range` included ([`decade_range`]: labels from the first step on),
/// marks at least a line and a half apart (with projector-sized text in a short plot, every
/// decade labelled would stack the labels edge to edge, and egui_plot would hide them all), and
/// room for a titled axis of labels like `1e-10` from the first frame.
pub fn log_y_axis<'a>(
    plot: egui_plot::Plot<'a>,
    ui: &Ui,
    range: Option<(f64, f64)>,
) -> egui_plot::Plot<'a> {
    let (lo, hi) = decade_range(range);
    let spacing = 1.5 * ui.text_style_height(&egui::TextStyle::Body);
    plot.include_y(lo)
        .include_y(hi)
        .grid_spacing(spacing..=4.0 * spacing)
        .y_grid_spacer(decade_marks)
        .y_axis_formatter(|mark, _| decade_label(mark))
        .y_axis_min_width(titled_axis_width(ui, "1e-10"))
}

/// A linear y axis with [`round_marks`] over `range` (included), wide enough for its labels
/// from the first frame.
pub fn linear_y_axis<'a>(
    plot: egui_plot::Plot<'a>,
    ui: &Ui,
    (lo, hi): (f64, f64),
) -> egui_plot::Plot<'a> {
    let widest = round_labels((lo, hi))
        .into_iter()
        .max_by_key(String::len)
        .unwrap_or_default();
    plot.include_y(lo)
        .include_y(hi)
        .y_grid_spacer(round_marks)
        .y_axis_formatter(|mark, _| round_label(mark))
        .y_axis_min_width(titled_axis_width(ui, &widest))
}

/// A picture covering the rectangle x by y of the plot.
pub fn covering(
    texture: &egui::TextureHandle,
    x: (f64, f64),
    y: (f64, f64),
) -> egui_plot::PlotImage {
    #[allow(
        clippy::cast_possible_truncation,
        reason = "plot sizes are far inside f32's range"
    )]
    let size = [(x.1 - x.0) as f32, (y.1 - y.0) as f32];
    egui_plot::PlotImage::new(
        "",
        texture.id(),
        egui_plot::PlotPoint::new(f64::midpoint(x.0, x.1), f64::midpoint(y.0, y.1)),
        size,
    )
    .allow_hover(false)
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

/// Height of one line of axis text (tick labels and titles are set in the body font).
fn axis_text_height(ui: &Ui) -> f32 {
    let font = egui::TextStyle::Body.resolve(ui.style());
    ui.painter()
        .layout_no_wrap("1e0".to_owned(), font, Color32::WHITE)
        .size()
        .y
}

/// Width for a y axis with a title beside labels no wider than `widest`: [`axis_width`] plus
/// the title's line (egui_plot sets the title a quarter of a line away from the labels).
#[must_use]
pub fn titled_axis_width(ui: &Ui, widest: &str) -> f32 {
    axis_width(ui, widest) + 1.25 * axis_text_height(ui)
}

/// The x axis of a plot, titled `title` and tall enough for its tick labels and title from
/// the first frame on (egui_plot otherwise sizes it from the previous frame, so the first frame
/// paints the labels below the plot, over whatever lies there).
#[must_use]
pub fn titled_x_axis(ui: &Ui, title: &str) -> AxisHints<'static> {
    AxisHints::new_x()
        .label(title)
        .min_thickness(titled_x_axis_height(ui))
}

/// A step axis (x) of a plot: about four round step counts, every one labelled (egui_plot's
/// own spacing labels only 0 when the budget is an awkward 6,000 in a small plot), titled
/// `title` and sized from the first frame.
pub fn step_x_axis<'a>(plot: egui_plot::Plot<'a>, ui: &Ui, title: &str) -> egui_plot::Plot<'a> {
    let axis = titled_x_axis(ui, title)
        .formatter(|mark, _| round_label(mark))
        .label_spacing(20.0..=24.0);
    plot.custom_x_axes(vec![axis]).x_grid_spacer(round_marks)
}

/// An x axis for log10 of a count (steps, evaluations): whole decades labelled `1e3`, titled
/// `title` and sized from the first frame, like [`log_y_axis`] on y.
pub fn log_x_axis<'a>(plot: egui_plot::Plot<'a>, ui: &Ui, title: &str) -> egui_plot::Plot<'a> {
    let axis = titled_x_axis(ui, title)
        .formatter(|mark, _| decade_label(mark))
        .label_spacing(20.0..=24.0);
    plot.custom_x_axes(vec![axis]).x_grid_spacer(decade_marks)
}

/// Height of a [`titled_x_axis`]: a line of tick labels, then the title a quarter of a line
/// further down.
#[must_use]
pub fn titled_x_axis_height(ui: &Ui) -> f32 {
    2.25 * axis_text_height(ui)
}

/// The spacing of [`round_marks`] over `span`: the smallest 1, 2 or 5 times a power of ten
/// that gives at most four intervals.
fn round_step(span: f64) -> Option<f64> {
    if !(span.is_finite() && span > 0.0) {
        return None;
    }
    let wanted = span / 4.0;
    let decade = 10f64.powf(wanted.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * decade)
        .find(|s| *s >= wanted * (1.0 - 1e-9))
}

/// Grid marks for a small plot of a linear axis: about four round values (multiples of 1, 2 or
/// 5 times a power of ten), all of one spacing, so every one can be labelled.
#[must_use]
#[allow(
    clippy::cast_possible_truncation,
    reason = "at most a handful of mark indices"
)]
#[allow(
    clippy::needless_pass_by_value,
    reason = "egui_plot's grid spacer signature"
)]
pub fn round_marks(input: GridInput) -> Vec<GridMark> {
    let (lo, hi) = input.bounds;
    let Some(step) = round_step(hi - lo) else {
        return Vec::new();
    };
    // A bound that is a multiple of the step up to rounding (0.3 / 0.1) gets its mark.
    let (first, last) = (
        (lo / step - 1e-9).ceil() as i64,
        (hi / step + 1e-9).floor() as i64,
    );
    (first..=last)
        .map(|k| GridMark {
            value: k as f64 * step,
            step_size: step,
        })
        .collect()
}

/// The label of a [`round_marks`] mark, with as many decimals as its spacing needs: `-500`,
/// `0.5`, `0.25`.
#[must_use]
#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "a small count of decimals"
)]
pub fn round_label(mark: GridMark) -> String {
    let decimals = (-mark.step_size.log10().floor()).clamp(0.0, 12.0) as usize;
    // -0 would read "-0": print the zero it is.
    let value = if mark.value == 0.0 { 0.0 } else { mark.value };
    format!("{value:.decimals$}")
}

/// The labels [`round_marks`] gives the range `lo..hi` (for sizing an axis before drawing it).
#[must_use]
pub fn round_labels((lo, hi): (f64, f64)) -> Vec<String> {
    round_marks(GridInput {
        bounds: (lo, hi),
        base_step_size: 0.0,
    })
    .into_iter()
    .map(round_label)
    .collect()
}

/// The plot ranges of a picture of the plane over `x` by `y`, and whether its axes share one
/// scale. Ranges within `max_ratio` of each other get one scale, the shorter widened about its
/// middle to the longer, so a square plot shows true shapes and the picture still fills it;
/// ranges further apart keep their own scales (the plot must then show both axes), since one
/// scale would squeeze the picture into a sliver.
#[must_use]
pub fn plane_view(x: (f64, f64), y: (f64, f64), max_ratio: f64) -> ((f64, f64), (f64, f64), bool) {
    let (wx, wy) = (x.1 - x.0, y.1 - y.0);
    if !(wx > 0.0 && wy > 0.0 && wx.is_finite() && wy.is_finite()) {
        return (x, y, false);
    }
    if wx.max(wy) > max_ratio * wx.min(wy) {
        return (x, y, false);
    }
    let w = wx.max(wy);
    let widen = |(lo, hi): (f64, f64)| {
        let mid = f64::midpoint(lo, hi);
        (mid - w / 2.0, mid + w / 2.0)
    };
    (widen(x), widen(y), true)
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
    legend_row_with_note(ui, entries, line_width, None);
}

/// [`legend_row`] ending with a weak `note` (say, how dashed curves differ from solid ones).
pub fn legend_row_with_note(
    ui: &mut Ui,
    entries: &[LegendEntry],
    line_width: f32,
    note: Option<&str>,
) {
    ui.horizontal_wrapped(|ui| {
        ui.spacing_mut().item_spacing.x = 6.0;
        let height = ui.text_style_height(&egui::TextStyle::Body);
        let font = egui::TextStyle::Body.resolve(ui.style());
        for (i, entry) in entries.iter().enumerate() {
            // Swatch and name as one unit that is never split: the row wraps between entries.
            let name_width = ui
                .painter()
                .layout_no_wrap(entry.label.clone(), font.clone(), Color32::WHITE)
                .size()
                .x;
            if i > 0 && ui.available_size_before_wrap().x < 22.0 + 6.0 + name_width {
                ui.end_row();
            }
            ui.horizontal(|ui| {
                let (rect, _) =
                    ui.allocate_exact_size(egui::vec2(22.0, height), egui::Sense::hover());
                let y = rect.center().y;
                let stroke = Stroke::new(line_width.max(2.0), entry.color);
                if entry.dashed {
                    for k in 0..3 {
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
                ui.add(egui::Label::new(&entry.label).wrap_mode(egui::TextWrapMode::Extend));
            });
            ui.add_space(8.0);
        }
        if let Some(note) = note {
            ui.label(egui::RichText::new(note).weak());
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
    fn round_marks_are_few_round_and_labelled_without_minus_zero() {
        assert_eq!(round_labels((-660.0, 660.0)), vec!["-500", "0", "500"]);
        assert_eq!(round_labels((-6.6, 6.6)), vec!["-5", "0", "5"]);
        assert_eq!(
            round_labels((-1.0, 1.0)),
            vec!["-1.0", "-0.5", "0.0", "0.5", "1.0"]
        );
        assert_eq!(round_labels((0.0, 0.3)), vec!["0.0", "0.1", "0.2", "0.3"]);
        assert_eq!(round_labels((-0.13, 0.13)), vec!["-0.1", "0.0", "0.1"]);
        assert_eq!(round_labels((-123.0, -7.0)), vec!["-100", "-50"]);
        assert!(round_labels((1.0, 1.0)).is_empty());
        assert!(round_labels((f64::NAN, 1.0)).is_empty());
        for (lo, hi) in [(-3.7, 12.1), (-1e-3, 2e-3), (0.0, 1e6), (-123.0, -7.0)] {
            let labels = round_labels((lo, hi));
            assert!((2..=5).contains(&labels.len()), "{lo}..{hi}: {labels:?}");
            assert!(
                labels
                    .iter()
                    .all(|l| !(l.starts_with('-') && l.parse::<f64>() == Ok(0.0))),
                "no minus zero: {labels:?}"
            );
        }
    }

    #[test]
    fn plane_views_share_a_scale_only_for_comparable_ranges() {
        assert_eq!(
            plane_view((-1.0, 1.0), (0.0, 3.0), 3.0),
            ((-1.5, 1.5), (0.0, 3.0), true),
            "the shorter range is widened about its middle"
        );
        assert_eq!(
            plane_view((-1.0, 1.0), (-100.0, 100.0), 3.0),
            ((-1.0, 1.0), (-100.0, 100.0), false),
            "100 times longer: each axis keeps its range"
        );
        assert_eq!(
            plane_view((0.0, 0.0), (0.0, 1.0), 3.0),
            ((0.0, 0.0), (0.0, 1.0), false)
        );
        assert_eq!(
            plane_view((0.0, 2.0), (0.0, 2.0), 3.0),
            ((0.0, 2.0), (0.0, 2.0), true)
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
