//! The 2-D page: optimizers racing on a surface (`page`), built on `ui::session`.

pub mod page;

pub use page::{Source, SurfacePage};
