//! The bottom layer: what every other layer needs and nothing above it may define — where an
//! object lives (`Netns`) and how to enter it, the kernel's errors in people's words, address
//! predicates, bash quoting, the cancellation token, and the typed key of every object a lab owns.
//!
//! Nothing here imports another module of the crate (the layer test in tests/layers.rs).

pub(crate) mod addr;
pub mod at;
pub mod cancel;
pub(crate) mod enter;
pub(crate) mod errno;
pub mod failure;
pub mod key;
pub mod link_kind;
pub mod netns;
pub(crate) mod ns_label;
pub mod nsfile;
pub(crate) mod nsscan;
pub(crate) mod shell;
pub(crate) mod sources;

pub use at::At;
pub use cancel::Cancel;
pub use failure::Failure;
pub use key::ObjectKey;
pub use link_kind::LinkKind;
pub use netns::Netns;
