//! A link by name, and a veth's other end (or a macvlan's parent).

use super::kernel::Kernel;
use super::link_detail::LinkDetail;
use crate::sys::Netns;

pub(crate) fn find(k: &mut dyn Kernel, ns: &Netns, name: &str) -> Option<LinkDetail> {
    k.links(ns).into_iter().find(|l| l.name == name)
}

/// A veth's other end: in the same namespace, or the veth elsewhere that points back at it.
pub(crate) fn peer(k: &mut dyn Kernel, ns: &Netns, l: &LinkDetail) -> Option<(Netns, LinkDetail)> {
    let pi = l.peer_index?;
    let pns = l.peer_ns.clone().unwrap_or_else(|| ns.clone());
    k.links(&pns)
        .into_iter()
        .find(|x| x.index == pi)
        .map(|x| (pns, x))
}
