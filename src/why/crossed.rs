//! A router the packet crossed on its way.

use crate::sys::Netns;
use std::net::IpAddr;

/// A router the packet crossed: where, in and out links, and whether it rewrote the source
/// (from, to): the reply to `to` is turned back to `from` there.
pub(crate) struct Crossed {
    pub(crate) ns: Netns,
    pub(crate) in_dev: String,
    /// The link it left by.
    pub(crate) out_dev: String,
    pub(crate) snat: Option<(IpAddr, IpAddr)>,
    /// Raw untracked the request, so its SNAT never happened.
    pub(crate) untracked: Option<super::untracked::Untracked>,
    /// A SNAT or MASQUERADE that names a link this router does not have, so never rewrote.
    pub(crate) near: Option<super::nat_near::NearMiss>,
    /// A nat POSTROUTING rule that ended the chain before its MASQUERADE or SNAT.
    pub(crate) exempt: Option<super::nat_exempt::Exempt>,
    /// The request NATed in one conntrack zone, its replies arriving in another.
    pub(crate) zone: Option<super::ct_zone::ZoneSplit>,
    /// PREROUTING rewrote the destination here.
    pub(crate) dnat: bool,
    /// The destination the request had before that DNAT: the reply's source once it leaves.
    pub(crate) dnat_from: Option<IpAddr>,
}
