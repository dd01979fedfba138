//! Loss against step for every run, on a log scale: log10(f(x_k) - f*), with f* the known
//! minimum (or the lowest loss any run reached). A vertical line marks the step on screen.

use crate::ui::surface::session::Session;
use crate::ui::widgets::plot_items;
use crate::ui::widgets::plot_items::LegendEntry;
use egui::Color32;
use egui_plot::{HoverPosition, Plot, PlotPoint, PlotPoints, VLine};

/// Most points drawn per run; longer histories keep each bucket's extremes so spikes survive.
const MAX_POINTS: usize = 3000;

/// The loss plot, with its decimated lines cached until the simulation changes.
#[derive(Default)]
pub struct LossView {
    /// (simulation generation, computed frontier) the cache was built for.
    key: Option<(u64, usize)>,
    /// Per simulated run: the whole computed history, decimated, sorted by step.
    lines: Vec<Vec<PlotPoint>>,
    /// Lowest and highest y over all lines (the frame stays put while playing).
    y_range: Option<(f64, f64)>,
    /// The y axis's name.
    label: String,
    /// Decimations so far (for tests).
    rebuilds: usize,
}

impl LossView {
    /// Rebuilds the cached lines when the simulation has changed or computed more steps.
    fn refresh(&mut self, session: &Session) {
        let key = (session.generation(), session.frontier());
        if self.key == Some(key) {
            return;
        }
        self.key = Some(key);
        self.rebuilds += 1;
        let sim = session.sim();
        let lowest_seen = sim
            .runs()
            .iter()
            .flat_map(|r| r.trajectory().losses().iter().copied())
            .filter(|v| v.is_finite())
            .fold(f64::INFINITY, f64::min);
        let (reference, label) = match session.f_star() {
            Some(f) if f <= lowest_seen => (f, "f(x_k) - f*"),
            _ => (lowest_seen, "f(x_k) - lowest loss seen"),
        };
        // The ticks (1e-3, 1e-6, ...) say the scale is logarithmic; a short name fits the axis.
        label.clone_into(&mut self.label);
        // Below this, differences are rounding noise.
        let floor = 1e-16 * (1.0 + reference.abs());
        self.lines = sim
            .runs()
            .iter()
            .map(|run| {
                let t = run.trajectory();
                decimate(t.losses(), t.stride(), reference, floor)
            })
            .collect();
        self.y_range = self
            .lines
            .iter()
            .flatten()
            .map(|p| p.y)
            .filter(|y| y.is_finite())
            .fold(None, |r, y| match r {
                None => Some((y, y)),
                Some((lo, hi)) => Some((f64::min(lo, y), f64::max(hi, y))),
            });
    }

    /// How often the lines were decimated (cached between changes).
    #[must_use]
    pub fn rebuilds(&self) -> usize {
        self.rebuilds
    }

    /// Draws the loss plot into `ui`: a legend row in the runs' order, then every run up to the
    /// step on screen (the selected run, a spec index, on top), in a frame that fits the whole
    /// computed history.
    pub fn ui(&mut self, ui: &mut egui::Ui, session: &Session, selected: usize, height: f32) {
        self.refresh(session);
        let (step, budget) = (session.shown_step() as f64, session.steps() as f64);
        let scale = crate::ui::theme::line_scale(ui.ctx());
        let entries: Vec<LegendEntry> = (0..self.lines.len())
            .map(|k| {
                let checked = &session.scenario().runs[session.spec_index(k)];
                LegendEntry {
                    label: checked.label.clone(),
                    color: crate::ui::theme::run_color(ui.ctx(), checked.color),
                    dashed: false,
                }
            })
            .collect();
        let top = ui.cursor().top();
        plot_items::legend_row(ui, &entries, 2.0 * scale);
        let height = (height - (ui.cursor().top() - top)).max(60.0);
        let plot = Plot::new("loss")
            .height(height)
            .include_x(0.0)
            .include_x(budget)
            .y_axis_label(self.label.clone());
        let plot = plot_items::step_x_axis(plot, ui, "step");
        let response = plot_items::log_y_axis(plot, ui, self.y_range)
            .label_formatter(|pos| match pos {
                HoverPosition::NearDataPoint {
                    plot_name,
                    position,
                    ..
                } if !plot_name.is_empty() => Some(format!(
                    "{plot_name}\nstep {:.0}\n{}",
                    position.x,
                    crate::ui::widgets::fmt_num(10f64.powf(position.y))
                )),
                _ => None,
            })
            .allow_scroll(false)
            .show(ui, |plot_ui| {
                let mut order: Vec<usize> = (0..self.lines.len()).collect();
                order.sort_by_key(|&k| session.spec_index(k) == selected);
                for k in order {
                    let points = &self.lines[k];
                    let shown = points.partition_point(|p| p.x <= step);
                    plot_ui.line(
                        plot_items::line(
                            entries[k].label.clone(),
                            PlotPoints::Borrowed(&points[..shown]),
                        )
                        .color(entries[k].color)
                        .width(2.0 * scale),
                    );
                }
                plot_ui.vline(
                    VLine::new("", step)
                        .color(Color32::from_gray(140))
                        .width(1.0),
                );
            });
        // Screen readers (and UI tests) find the plot by this name.
        response
            .response
            .widget_info(|| egui::WidgetInfo::labeled(egui::Role::Canvas, true, "loss plot"));
    }
}

/// log10(loss - reference) per sample, at most MAX_POINTS of them, keeping each bucket's
/// smallest and largest value.
fn decimate(losses: &[f64], stride: usize, reference: f64, floor: f64) -> Vec<PlotPoint> {
    let y = |v: f64| (v - reference).max(floor).log10();
    let bucket = losses.len().div_ceil(MAX_POINTS / 2).max(1);
    let mut out = Vec::with_capacity(MAX_POINTS + 2);
    for (b, chunk) in losses.chunks(bucket).enumerate() {
        let start = b * bucket;
        if bucket == 1 {
            out.push(PlotPoint::new((start * stride) as f64, y(chunk[0])));
            continue;
        }
        let (mut lo, mut hi) = (0, 0);
        for (i, v) in chunk.iter().enumerate() {
            if *v < chunk[lo] {
                lo = i;
            }
            if *v > chunk[hi] {
                hi = i;
            }
        }
        for i in if lo <= hi { [lo, hi] } else { [hi, lo] } {
            out.push(PlotPoint::new(((start + i) * stride) as f64, y(chunk[i])));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::ui::surface::loss_view::decimate;

    #[test]
    fn decimation_keeps_spikes_and_bounds_the_count() {
        let mut losses: Vec<f64> = (0..100_000).map(|k| 1.0 / (1.0 + f64::from(k))).collect();
        losses[54_321] = 1e6;
        let pts = decimate(&losses, 1, 0.0, 1e-16);
        assert!(pts.len() <= crate::ui::surface::loss_view::MAX_POINTS + 2);
        assert!(
            pts.iter().any(|p| (p.y - 6.0).abs() < 1e-9),
            "the spike survives"
        );
        assert!(pts.windows(2).all(|w| w[0].x <= w[1].x));
        let short = decimate(&[1.0, 0.1, 0.01], 2, 0.0, 1e-16);
        assert_eq!(
            short.iter().map(|p| p.x).collect::<Vec<_>>(),
            vec![0.0, 2.0, 4.0]
        );
    }
}
