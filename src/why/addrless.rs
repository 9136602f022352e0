//! A host whose cabled link holds no IPv4 address any more (a DHCP lease or a valid_lft that
//! ran out, a flush): its connected and default routes went with the address. The segment
//! tells which address it had: a neighbour entry there that still maps one to the link's MAC,
//! else the first free address of the gateway's subnet.

use super::ends::{ends, End};
use super::kernel::Kernel;
use super::route_fix::route_add;
use super::route_get::Lookup;
use super::words::link_call;
use crate::sys::Netns;
use ipnet::IpNet;
use std::net::IpAddr;

/// No subnet here is larger; it bounds the search for a free address.
const MAX_HOSTS: usize = 4096;

/// (the cause, the fix) when the source `at`, with no route to `dst`, has an up link with no
/// IPv4 address whose segment holds a gateway that forwards toward `dst`, or `dst` itself.
pub(crate) fn addrless(k: &mut dyn Kernel, at: &Netns, dst: IpAddr) -> Option<(String, String)> {
    if !dst.is_ipv4() {
        return None;
    }
    let view = k.view(at)?;
    let mine: Vec<IpNet> = view
        .addrs
        .iter()
        .filter(|(l, a)| l != "lo" && a.addr().is_ipv4())
        .map(|(_, a)| *a)
        .collect();
    let bare: Vec<String> = k
        .links(at)
        .into_iter()
        .filter(|l| l.up && l.name != "lo")
        .map(|l| l.name)
        .filter(|n| !view.addrs.iter().any(|(l, a)| l == n && a.addr().is_ipv4()))
        .collect();
    for link in bare {
        let (all, _) = ends(k, at, &link);
        // Toward a gateway that forwards on, or straight to the destination on the segment.
        let found = match gateway(k, &all, dst) {
            Some((g, net)) => Some((Some(g), net)),
            None => on_segment(k, &all, dst).map(|net| (router_on(k, &all, net), net)),
        };
        let Some((gw, net)) = found else {
            continue;
        };
        // An address in the gateway's subnet on another link: not this link's loss.
        if mine.iter().any(|a| net.contains(&a.addr())) {
            return None;
        }
        let addr = remembered(k, at, &link, &all, net).or_else(|| free(k, net))?;
        let with = IpNet::new(addr, net.prefix_len()).ok()?;
        let mut fix = link_call(at, &link, &format!("addr(\"{with}\")"));
        let has_default = view
            .routes
            .iter()
            .any(|r| r.dst.prefix_len() == 0 && r.dst.addr().is_ipv4());
        if let (Some(g), false) = (gw, has_default) {
            let default = IpNet::new(dst, 0).ok()?.trunc();
            fix = format!("{fix}; {}", route_add(at, &default, g));
        }
        let cause = format!(
            "{at}'s {link} holds no IPv4 address (an address that expired or was flushed takes \
             its routes with it): {at} has no route to {dst}"
        );
        return Some((cause, fix));
    }
    None
}

/// A namespace on the segment that forwards and has a route to `dst` out of another link:
/// its address there and that address's subnet.
fn gateway(k: &mut dyn Kernel, all: &[End], dst: IpAddr) -> Option<(IpAddr, IpNet)> {
    for e in all {
        if k.sysctl(&e.ns, "net.ipv4.ip_forward").as_deref() != Some("1") {
            continue;
        }
        let Ok(route) = k.route_get(&e.ns, &Lookup::to(dst)) else {
            continue;
        };
        if route.dev == e.link {
            continue;
        }
        let held = k.view(&e.ns).and_then(|v| {
            v.addrs
                .into_iter()
                .find(|(l, a)| *l == e.link && a.addr().is_ipv4())
                .map(|(_, a)| a)
        });
        if let Some(a) = held {
            return Some((a.addr(), a.trunc()));
        }
    }
    None
}

/// The subnet of `dst` when a link on the segment holds it.
fn on_segment(k: &mut dyn Kernel, all: &[End], dst: IpAddr) -> Option<IpNet> {
    all.iter().find_map(|e| {
        k.view(&e.ns)?
            .addrs
            .into_iter()
            .find(|(l, a)| *l == e.link && a.addr() == dst)
            .map(|(_, a)| a.trunc())
    })
}

/// A namespace on the segment that forwards, by its address in `net`: the default route back.
fn router_on(k: &mut dyn Kernel, all: &[End], net: IpNet) -> Option<IpAddr> {
    for e in all {
        if k.sysctl(&e.ns, "net.ipv4.ip_forward").as_deref() != Some("1") {
            continue;
        }
        let held = k.view(&e.ns).and_then(|v| {
            v.addrs
                .into_iter()
                .find(|(l, a)| *l == e.link && net.contains(&a.addr()))
        });
        if let Some((_, a)) = held {
            return Some(a.addr());
        }
    }
    None
}

/// Every address some namespace holds.
fn taken(k: &mut dyn Kernel) -> Vec<IpAddr> {
    let mut out = vec![];
    for ns in k.namespaces() {
        if let Some(v) = k.view(&ns) {
            out.extend(v.addrs.into_iter().map(|(_, a)| a.addr()));
        }
    }
    out
}

/// The address a neighbour on the segment still maps to `link`'s MAC (the one it lost),
/// when nobody holds it now.
fn remembered(
    k: &mut dyn Kernel,
    at: &Netns,
    link: &str,
    all: &[End],
    net: IpNet,
) -> Option<IpAddr> {
    let mac = k
        .l2(at)
        .into_iter()
        .find(|l| l.name == link)
        .and_then(|l| l.mac)?;
    let held = taken(k);
    for e in all {
        for (ip, (state, m)) in k.neighbours(&e.ns, &e.link) {
            let live = !matches!(state, Some("FAILED" | "INCOMPLETE"));
            if live
                && m.as_deref() == Some(mac.as_str())
                && net.contains(&ip)
                && !held.contains(&ip)
            {
                return Some(ip);
            }
        }
    }
    None
}

/// The first address of `net` nobody holds.
fn free(k: &mut dyn Kernel, net: IpNet) -> Option<IpAddr> {
    let held = taken(k);
    net.hosts().take(MAX_HOSTS).find(|h| !held.contains(h))
}
