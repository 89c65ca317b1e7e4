//! Saman's domain: the types and rules of a municipality's collaboration model.
//!
//! No I/O lives here. The store persists these types, the web crate renders them,
//! and [`files`] reads and writes them as the model-as-files format.

pub mod access;
pub mod audit;
pub mod auth;
pub mod evaluation;
pub mod files;
pub mod forms;
pub mod history;
pub mod lang;
pub mod model;
pub mod rules;
pub mod search;
pub mod slug;
pub mod worry;

pub use forms::FormWording;
pub use lang::{ByLang, Lang};
pub use model::*;
