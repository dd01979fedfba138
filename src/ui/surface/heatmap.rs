//! Heat map texture and iso-lines of the objective, cached: rebuilt only when the objective
//! changes or the view leaves (or zooms far inside) the region last sampled.

use crate::numerics::Vec2;
use crate::numerics::contour::{Grid, GridSampler, IsoLine, LogScale, log_iso_lines};
use crate::numerics::objectives::{AnyObjective, ViewRect};
use crate::numerics::parallel::on_pool;
use egui::{Color32, ColorImage, TextureHandle, TextureOptions};
use egui_plot::{PlotBounds, PlotGeometry, PlotItem, PlotItemBase, PlotPoint, PlotTransform};
use std::ops::RangeInclusive;
use std::sync::{Arc, Mutex};
use web_time::{Duration, Instant};

/// Number of iso-line levels.
pub const LEVELS: usize = 24;
/// Largest grid side.
const MAX_NODES: usize = 480;
/// The sampled region's side over the visible side: room to pan before a rebuild.
const MARGIN: f64 = 1.5;
/// Time per frame spent sampling the objective for a new picture: an objective that is slow to
/// evaluate (a long formula) is sampled over several frames, the last picture staying on
/// screen until the new one is complete.
const SAMPLING_BUDGET: Duration = Duration::from_millis(6);
/// Rows sampled before the rate is measured.
const FIRST_ROWS: usize = 4;

/// The cached picture of the objective.
#[derive(Default)]
pub struct ContourCache {
    generation: Option<u64>,
    /// The theme the picture was coloured in.
    theme: Option<crate::scenario::Theme>,
    region: Option<ViewRect>,
    texture: Option<TextureHandle>,
    lines: Arc<Vec<IsoLine>>,
    range: Option<(f64, f64)>,
    /// Rebuilds so far (for tests and the benchmark).
    pub rebuilds: usize,
    /// The iso-lines tessellated for the last plot transform.
    meshes: Arc<Mutex<LineMesh>>,
    /// A picture being sampled over several frames, for this objective generation and theme.
    pending: Option<(GridSampler, u64, crate::scenario::Theme)>,
}

/// Iso-lines already turned into triangles for one plot transform. While the plot stands
/// still (playback, hovering), every frame reuses them instead of tessellating thousands of
/// line points again.
#[derive(Default)]
struct LineMesh {
    /// One entry per plot showing the lines (side-by-side panes), newest last.
    entries: Vec<(MeshKey, Arc<egui::Mesh>)>,
    /// Tessellations so far (for tests).
    builds: usize,
}

/// Most plots whose triangles are kept (a side-by-side layout shows up to 9 panes).
const MESHES_KEPT: usize = 12;

/// What the triangles depend on.
#[derive(Clone, Copy, PartialEq)]
struct MeshKey {
    rebuild: usize,
    frame: egui::Rect,
    bounds: [f64; 4],
    pixels_per_point: f32,
    stroke: egui::Stroke,
}

impl ContourCache {
    /// Makes sure the cache covers `visible` for this objective generation.
    pub fn update(
        &mut self,
        ctx: &egui::Context,
        f: &AnyObjective,
        generation: u64,
        visible: ViewRect,
        plot_pixels: egui::Vec2,
    ) {
        let theme = crate::ui::theme::current(ctx);
        let fresh = self.generation == Some(generation)
            && self.theme == Some(theme)
            && self.region.is_some_and(|r| {
                let (rs, vs) = (r.size(), visible.size());
                covers(&r, &visible) && vs.x > 0.45 * rs.x && vs.y > 0.45 * rs.y
            });
        if fresh {
            self.pending = None;
            return;
        }
        // Sample more than the visible area so that panning does not rebuild at every frame.
        let c = visible.center();
        let half = visible.size() * (MARGIN / 2.0);
        let region = ViewRect {
            x: (c.x - half.x, c.x + half.x),
            y: (c.y - half.y, c.y + half.y),
        };
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "pixel counts are small and positive"
        )]
        let nodes = |px: f32| ((px * MARGIN as f32).max(64.0) as usize).clamp(64, MAX_NODES);
        let (nx, ny) = (nodes(plot_pixels.x), nodes(plot_pixels.y));
        // A picture under way goes on while it still covers the view; otherwise start afresh.
        let mut sampler = match self.pending.take() {
            Some((sampler, g, t))
                if g == generation && t == theme && covers(&sampler.view(), &visible) =>
            {
                sampler
            }
            _ => GridSampler::new(region, nx, ny),
        };
        let region = sampler.view();
        // One hand-over to rayon's pool per band (see `on_pool`); the bands follow the rate
        // measured, so the frame keeps its budget whatever the objective costs.
        let start = Instant::now();
        let mut rows = FIRST_ROWS;
        let mut sampled = 0;
        while !sampler.is_done() {
            sampled += on_pool(|| sampler.sample_rows(f, rows));
            let elapsed = start.elapsed();
            if elapsed >= SAMPLING_BUDGET {
                break;
            }
            let per_row = elapsed.as_secs_f64() / sampled.max(1) as f64;
            let left = SAMPLING_BUDGET.saturating_sub(elapsed).as_secs_f64();
            #[allow(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "a positive count, clamped"
            )]
            let fits = (left / per_row.max(1e-9)) as usize;
            rows = fits.clamp(1, MAX_NODES);
        }
        if !sampler.is_done() {
            self.pending = Some((sampler, generation, theme));
            ctx.request_repaint();
            return;
        }
        let (range, lines, image) = on_pool(|| {
            let (grid, range) = sampler.finish();
            let image = range.map_or_else(
                || ColorImage::new([1, 1], vec![Color32::TRANSPARENT]),
                |(lo, hi)| colour_image(&grid, LogScale::new(lo, hi), theme),
            );
            (range, log_iso_lines(&grid, range, LEVELS), image)
        });
        self.range = range;
        self.lines = Arc::new(lines);
        match &mut self.texture {
            Some(t) => t.set(image, TextureOptions::LINEAR),
            None => {
                self.texture =
                    Some(ctx.load_texture("objective-heatmap", image, TextureOptions::LINEAR));
            }
        }
        self.region = Some(region);
        self.generation = Some(generation);
        self.theme = Some(theme);
        self.rebuilds += 1;
    }

    /// How far a picture being sampled over several frames has got (rows done, of how
    /// many), while there is one.
    #[must_use]
    pub fn sampling(&self) -> Option<(usize, usize)> {
        self.pending
            .as_ref()
            .map(|(s, _, _)| (s.rows_done(), s.rows()))
    }

    /// Adds the heat map and/or iso-lines to a plot.
    pub fn show(
        &self,
        plot_ui: &mut egui_plot::PlotUi<'_>,
        heatmap: bool,
        contours: bool,
        line_color: Color32,
    ) {
        if let (true, Some(t), Some(r)) = (heatmap, &self.texture, self.region) {
            let c = r.center();
            let s = r.size();
            #[allow(clippy::cast_possible_truncation, reason = "plot sizes fit f32")]
            let size = egui::vec2(s.x as f32, s.y as f32);
            plot_ui.image(
                egui_plot::PlotImage::new("", t.id(), PlotPoint::new(c.x, c.y), size)
                    .allow_hover(false),
            );
        }
        if contours {
            plot_ui.add(IsoLines {
                base: PlotItemBase::new(String::new()),
                lines: Arc::clone(&self.lines),
                stroke: egui::Stroke::new(1.0, line_color),
                rebuild: self.rebuilds,
                meshes: Arc::clone(&self.meshes),
            });
        }
    }

    /// How often the iso-lines were tessellated (reused while the plot stands still).
    #[must_use]
    pub fn line_tessellations(&self) -> usize {
        self.meshes.lock().map_or(0, |m| m.builds)
    }
}

fn covers(outer: &ViewRect, inner: &ViewRect) -> bool {
    outer.x.0 <= inner.x.0
        && outer.x.1 >= inner.x.1
        && outer.y.0 <= inner.y.0
        && outer.y.1 >= inner.y.1
}

/// The heat map's pixels in `theme`: the one grid-to-pixels mapping the figures use too
/// (`render::style::Style::heat_rgba`).
fn colour_image(grid: &Grid, scale: LogScale, theme: crate::scenario::Theme) -> ColorImage {
    let style = crate::render::style::Style::of(theme);
    let pixels = style
        .heat_rgba(grid, scale)
        .into_iter()
        .map(|[r, g, b, a]| Color32::from_rgba_unmultiplied(r, g, b, a))
        .collect();
    ColorImage::new([grid.nx, grid.ny], pixels)
}

/// Many polylines drawn as one plot item.
struct IsoLines {
    base: PlotItemBase,
    lines: Arc<Vec<IsoLine>>,
    stroke: egui::Stroke,
    /// The cache rebuild the lines come from.
    rebuild: usize,
    meshes: Arc<Mutex<LineMesh>>,
}

impl IsoLines {
    /// The visible lines in screen coordinates.
    fn paths(&self, transform: &PlotTransform, shapes: &mut Vec<egui::Shape>) {
        let b = transform.bounds();
        for line in self.lines.iter() {
            // Skip lines entirely outside the visible bounds.
            let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
            for p in &line.points {
                lo = [lo[0].min(p[0]), lo[1].min(p[1])];
                hi = [hi[0].max(p[0]), hi[1].max(p[1])];
            }
            if hi[0] < b.min()[0] || lo[0] > b.max()[0] || hi[1] < b.min()[1] || lo[1] > b.max()[1]
            {
                continue;
            }
            let points = line
                .points
                .iter()
                .map(|p| transform.position_from_point(&PlotPoint::new(p[0], p[1])))
                .collect();
            shapes.push(egui::Shape::line(points, self.stroke));
        }
    }
}

impl PlotItem for IsoLines {
    fn shapes(&self, ui: &egui::Ui, transform: &PlotTransform, shapes: &mut Vec<egui::Shape>) {
        let (b, ctx) = (transform.bounds(), ui.ctx());
        let key = MeshKey {
            rebuild: self.rebuild,
            frame: *transform.frame(),
            bounds: [b.min()[0], b.min()[1], b.max()[0], b.max()[1]],
            pixels_per_point: ctx.pixels_per_point(),
            stroke: self.stroke,
        };
        let Ok(mut cache) = self.meshes.lock() else {
            self.paths(transform, shapes);
            return;
        };
        cache.entries.retain(|(k, _)| k.rebuild == key.rebuild);
        let mesh = if let Some((_, mesh)) = cache.entries.iter().find(|(k, _)| *k == key) {
            Arc::clone(mesh)
        } else {
            let mut paths = Vec::new();
            self.paths(transform, &mut paths);
            // Paths need neither the font texture's size nor its prepared discs.
            let mut tessellator = egui::epaint::Tessellator::new(
                key.pixels_per_point,
                ctx.tessellation_options(|o| *o),
                [1, 1],
                Vec::new(),
            );
            let mut mesh = egui::Mesh::default();
            for path in paths {
                tessellator.tessellate_shape(path, &mut mesh);
            }
            let mesh = Arc::new(mesh);
            if cache.entries.len() == MESHES_KEPT {
                cache.entries.remove(0);
            }
            cache.entries.push((key, Arc::clone(&mesh)));
            cache.builds += 1;
            mesh
        };
        shapes.push(egui::Shape::Mesh(mesh));
    }

    fn initialize(&mut self, _x_range: RangeInclusive<f64>) {}

    fn color(&self) -> Color32 {
        self.stroke.color
    }

    fn base(&self) -> &PlotItemBase {
        &self.base
    }

    fn base_mut(&mut self) -> &mut PlotItemBase {
        &mut self.base
    }

    fn geometry(&self) -> PlotGeometry<'_> {
        PlotGeometry::None
    }

    fn bounds(&self) -> PlotBounds {
        PlotBounds::NOTHING
    }
}

/// The view rectangle of plot bounds.
#[must_use]
pub fn view_of(bounds: &PlotBounds) -> ViewRect {
    ViewRect {
        x: (bounds.min()[0], bounds.max()[0]),
        y: (bounds.min()[1], bounds.max()[1]),
    }
}

/// A point of the plane as a plot point.
#[must_use]
pub fn plot_point(p: Vec2) -> PlotPoint {
    PlotPoint::new(p.x, p.y)
}
