//! The network page: a small MLP trained live by the same optimizers as the 2-D page.
//! `session` owns the document, the training and playback (no egui); `page` lays it out and
//! carries out its commands; `plots` draws its pictures, `editors` its side panel's editors.

mod editors;
pub mod page;
mod plots;
pub mod session;

pub use page::NetworkPage;
pub use session::NetworkSession;
