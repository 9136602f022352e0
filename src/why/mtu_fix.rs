//! Raising a link's MTU so a DF packet fits: the veth's other end too when it is as small (a
//! veth drops what is larger than its peer's MTU), and the sender's route cache flushed, which
//! keeps the smaller path MTU an ICMP "fragmentation needed" taught it.

use super::kernel::Kernel;
use super::words::{call, link_call};
use crate::sys::Netns;

/// What a VXLAN over IPv4 adds to each inner packet on its underlay.
pub(crate) const VXLAN_OVERHEAD: u32 = 50;

pub(crate) fn mtu_of(k: &mut dyn Kernel, ns: &Netns, link: &str) -> Option<u32> {
    k.l2(ns)
        .into_iter()
        .find(|l| l.name == link)
        .map(|l| l.mtu)
        .filter(|m| *m > 0)
}

/// A VXLAN's underlay link and the largest inner packet it carries as it is (its MTU less
/// the VXLAN's 50 bytes).
pub(crate) fn carried(k: &mut dyn Kernel, ns: &Netns, link: &str) -> Option<(String, u32)> {
    let under = underlay(k, ns, link)?;
    let m = mtu_of(k, ns, &under)?;
    Some((under, m.checked_sub(VXLAN_OVERHEAD)?))
}

fn underlay(k: &mut dyn Kernel, ns: &Netns, link: &str) -> Option<String> {
    k.links(ns)
        .into_iter()
        .find(|l| l.name == link)
        .and_then(|l| l.vxlan.and_then(|v| v.dev))
}

/// A link given an MTU: (namespace, link, MTU).
pub(crate) type Raised = (Netns, String, u32);

/// The links that give `link` in `ns` `mtu`, in the order they must be set: a VXLAN's underlay
/// first (the kernel refuses a VXLAN larger than its underlay less 50 bytes), each with its
/// veth peer when that is smaller (a veth drops what is larger than its peer's MTU).
pub(crate) fn raised(k: &mut dyn Kernel, ns: &Netns, link: &str, mtu: u32) -> Vec<Raised> {
    let mut out = vec![];
    if let Some(u) = underlay(k, ns, link) {
        let outer = mtu + VXLAN_OVERHEAD;
        if mtu_of(k, ns, &u).is_some_and(|m| m < outer) {
            set_both(k, &mut out, ns, &u, outer);
        }
    }
    set_both(k, &mut out, ns, link, mtu);
    out
}

/// The fix that sets `links`, then flushes the route cache of the probe's sender `src`.
pub(crate) fn fix(k: &mut dyn Kernel, src: &str, links: &[Raised]) -> String {
    let mut calls: Vec<String> = links
        .iter()
        .map(|(ns, l, m)| link_call(ns, l, &format!("mtu({m})")))
        .collect();
    let sender = k.namespaces().into_iter().find(|n| n.to_string() == src);
    if let Some(s) = sender {
        calls.push(call(&s, "sh(\"ip route flush cache\")"));
    }
    calls.join("; ")
}

/// `link` in `ns` gets `mtu`, and its veth peer too when smaller.
fn set_both(k: &mut dyn Kernel, out: &mut Vec<Raised>, ns: &Netns, link: &str, mtu: u32) {
    out.push((ns.clone(), link.to_string(), mtu));
    if let Some((pns, p)) = peer(k, ns, link) {
        let small = k
            .l2(&pns)
            .into_iter()
            .any(|l| l.name == p && l.mtu > 0 && l.mtu < mtu);
        if small {
            out.push((pns, p, mtu));
        }
    }
}

/// The veth peer of `link` in `ns` and its MTU.
pub(crate) fn peer_mtu(k: &mut dyn Kernel, ns: &Netns, link: &str) -> Option<Raised> {
    let (pns, p) = peer(k, ns, link)?;
    let m = mtu_of(k, &pns, &p)?;
    Some((pns, p, m))
}

fn peer(k: &mut dyn Kernel, ns: &Netns, link: &str) -> Option<(Netns, String)> {
    let l = super::link_find::find(k, ns, link)?;
    super::link_find::peer(k, ns, &l).map(|(pns, p)| (pns, p.name))
}
