//! A gateway no namespace holds, answered by the router at the other end of the cable with
//! proxy_arp (Calico's 169.254.1.1): the router's link answers ARP for any address it routes
//! out of another link.

use super::kernel::Kernel;
use super::l2;
use super::route_get::Lookup;
use super::words::call;
use crate::sys::{LinkKind, Netns};
use std::net::IpAddr;

/// The other end of `dev` in `cur` when it is a veth in another namespace that forwards:
/// (namespace, link).
fn far_router(k: &mut dyn Kernel, cur: &Netns, dev: &str) -> Option<(Netns, String)> {
    let d = l2::find(k, cur, dev).filter(|d| d.kind == Some(LinkKind::Veth))?;
    let (pns, p) = l2::peer(k, cur, &d)?;
    let forwards = k.sysctl(&pns, "net.ipv4.ip_forward").as_deref() == Some("1");
    (pns != *cur && forwards && p.master.is_none()).then_some((pns, p.name))
}

fn on(k: &mut dyn Kernel, ns: &Netns, link: &str) -> bool {
    ["all", link].iter().any(|l| {
        k.sysctl(ns, &format!("net.ipv4.conf.{l}.proxy_arp"))
            .as_deref()
            == Some("1")
    })
}

/// Who answers ARP for `ip` asked on `dev` in `cur` by proxy_arp: the router at the cable's
/// other end, when proxy_arp is on there and its route to `ip` leaves by another link.
pub(crate) fn answering(
    k: &mut dyn Kernel,
    cur: &Netns,
    dev: &str,
    ip: IpAddr,
) -> Option<(Netns, String)> {
    let (pns, p) = far_router(k, cur, dev)?;
    if !ip.is_ipv4() || !on(k, &pns, &p) {
        return None;
    }
    let out = k.route_get(&pns, &Lookup::to(ip)).ok()?;
    (out.dev != p).then_some((pns, p))
}

/// Who holds `ip` (any namespace; by its link on `dev`'s segment when it has one), else who
/// answers ARP for it on `dev` in `cur` by proxy_arp.
pub(crate) fn held_or_answered(
    k: &mut dyn Kernel,
    cur: &Netns,
    dev: &str,
    ip: IpAddr,
) -> Option<(Netns, String)> {
    // A proxy entry at the cable's other end answers for an address held elsewhere (IPv6).
    if let Some(p) = super::ndproxy::proxied(k, cur, dev, ip) {
        return Some(p);
    }
    match super::owner::owner(k, ip) {
        // Held off the segment by a host that is on it too: its link there answers.
        Some(h) => Some(super::weak_host::answering_link(k, cur, dev, ip, h)),
        None => answering(k, cur, dev, ip),
    }
}

/// The fix for a gateway nobody holds behind `dev`: proxy_arp on the router's end of the
/// cable, when that end holds no address (it is only useful so) and proxy_arp is off.
pub(crate) fn fix(k: &mut dyn Kernel, cur: &Netns, dev: &str) -> Option<(Netns, String)> {
    let (pns, p) = far_router(k, cur, dev)?;
    let bare = k
        .view(&pns)
        .is_some_and(|v| !v.addrs.iter().any(|(l, a)| *l == p && a.addr().is_ipv4()));
    if !bare || on(k, &pns, &p) {
        return None;
    }
    let f = call(&pns, &format!("sysctl(\"net.ipv4.conf.{p}.proxy_arp\", 1)"));
    Some((pns, f))
}
