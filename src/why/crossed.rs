//! A router the packet crossed on its way.

use crate::sys::Netns;
use std::net::IpAddr;

/// A router the packet crossed: where, in and out links, and whether it rewrote the source
/// (from, to): the reply to `to` is turned back to `from` there.
pub(crate) struct Crossed {
    pub(crate) ns: Netns,
    pub(crate) in_dev: String,
    pub(crate) snat: Option<(IpAddr, IpAddr)>,
    /// Raw untracked the request, so its SNAT never happened.
    pub(crate) untracked: Option<super::untracked::Untracked>,
    /// PREROUTING rewrote the destination here.
    pub(crate) dnat: bool,
}
