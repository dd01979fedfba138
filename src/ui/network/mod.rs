//! The network page: a small MLP trained live by the same optimizers as the 2-D page.
//! `session` owns the document, the training and playback (no egui); `page` draws it and
//! carries out its commands.

pub mod page;
pub mod session;

pub use page::NetworkPage;
pub use session::NetworkSession;
