//! The 2-D page: optimizers racing on a surface. `session` owns the scenario, the simulation
//! and playback (no egui); `page` is the page itself (side panel, central view, transport);
//! `contour_view` draws the surface with `heatmap`'s picture and contours, `loss_view` the loss
//! and metric plots (or the sharpness), `theory_panel` the theory's predictions, `map_view` the
//! selected run's measured hyperparameter map, `panels` the side panel's sections.

pub mod contour_view;
pub mod heatmap;
pub mod loss_view;
pub mod map_view;
pub mod page;
pub mod panels;
pub mod session;
pub mod theory_panel;

pub use page::{Source, SurfacePage};
