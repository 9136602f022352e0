//! A router the packet crossed on its way.

use crate::sys::Netns;

/// A router the packet crossed: where, in and out links, and whether it rewrote the source.
pub(crate) struct Crossed {
    pub(crate) ns: Netns,
    pub(crate) in_dev: String,
    pub(crate) out_dev: String,
}
