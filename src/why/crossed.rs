//! A router the packet crossed on its way.

use crate::sys::Netns;

/// A router the packet crossed: where, in and out links, and whether it rewrote the source.
pub struct Crossed {
    pub ns: Netns,
    pub in_dev: String,
    pub out_dev: String,
}
