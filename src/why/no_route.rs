//! No route: a link that lost its address, a link that is down, a namespace with no address,
//! or the default route to add.

use super::addrless::addrless;
use super::down_detour::down_holding;
use super::kernel::Kernel;
use super::lost_addr::lost_addr;
use super::owner::owner;
use super::report::Report;
use super::route_fix::route_add;
use super::toward::{subnet_of, toward};
use super::words::{call, link_call, stack};
use crate::sys::LinkKind;
use crate::sys::Netns;
use ipnet::IpNet;
use std::net::IpAddr;

/// The kernel has no route: a link that is down explains it better than a missing route.
pub(crate) fn no_route(
    k: &mut dyn Kernel,
    r: &mut Report,
    at: &Netns,
    dst: IpAddr,
    e: &str,
    first: bool,
) {
    // A loopback destination is this host's own lo: never a route to another host.
    if dst.is_loopback() {
        match super::lo_down::lo_down(k, at, dst) {
            Some((cause, fix)) => r.block(at, cause, Some(fix)),
            None => r.block(at, format!("{at} has no route to {dst} ({e})"), None),
        }
        return;
    }
    // The source's link lost its address: said before its lack of any address.
    if let Some((cause, fix)) = first.then(|| addrless(k, at, dst)).flatten() {
        r.block(at, cause, Some(fix));
        return;
    }
    let links = k.links(at);
    let view = k.view(at).unwrap_or_default();
    if view.addrs.iter().all(|(l, _)| l == "lo") {
        r.block(
            at,
            format!("{at} has no address: nothing connects it to {dst}"),
            connect_fix(k, at, dst),
        );
        return;
    }
    let down = down_holding(k, at, dst);
    let down = down.or_else(|| {
        links
            .iter()
            .find(|l| !l.up && l.name != "lo" && view.addrs.iter().any(|(n, _)| *n == l.name))
            .cloned()
    });
    if let Some(l) = down {
        let up = link_call(at, &l.name, "up()");
        let (lost, fix) = match lost_route(k, r, at, dst, &l.name, first) {
            Some(route) => (
                " (the kernel took away the routes through it: up() alone does not bring them back)"
                    .to_string(),
                format!("{up}; {route}"),
            ),
            None => (String::new(), up),
        };
        r.block(
            at,
            format!(
                "{} in {at} is down, so {at} has no route to {dst}{lost}",
                l.name
            ),
            Some(fix),
        );
        return;
    }
    if super::prefix_route::missing(k, r, at, dst, "no route to", e) {
        return;
    }
    if super::netmask_narrow::too_narrow(k, r, at, dst, "the packet", e) {
        return;
    }
    let held = owner(k, dst);
    if let Some((cause, fix)) = held.clone().and_then(|t| lost_addr(k, at, dst, t)) {
        r.block(at, cause, Some(fix));
        return;
    }
    if let Some((words, fix)) = super::stray_table::stray(k, at, dst) {
        r.block(
            at,
            format!("{at} has no route to {dst} ({e}): {words}"),
            fix,
        );
        return;
    }
    r.block(
        at,
        format!("{at} has no route to {dst} ({e})"),
        way_on(k, r, at, dst, first),
    );
}

/// The route `at` lacks to `dst`: toward the namespace that holds it, by a neighbour not
/// upstream on the packet's way (or the gateway a neighbour is for); `None` without one the
/// kernel would take.
pub(crate) fn way_on(
    k: &mut dyn Kernel,
    r: &Report,
    at: &Netns,
    dst: IpAddr,
    first: bool,
) -> Option<String> {
    let view = k.view(at).unwrap_or_default();
    // The packet came through these stacks: a route back into them is no way on.
    let upstream: Vec<String> = r.hops.iter().map(|h| h.at.clone()).collect();
    let target = owner(k, dst).map(|(ns, _)| ns);
    let via = target
        .as_ref()
        .and_then(|t| toward(k, at, t, dst.is_ipv4()))
        .filter(|(ns, a)| !upstream.contains(&ns.to_string()) && *a != dst)
        .map(|(_, a)| a)
        .or_else(|| gateway_guess(k, at, dst, &upstream));
    // The source's own way out is its default route, unless it has one; a router gets the
    // destination's subnet.
    let has_default = view.routes.iter().any(|rt| rt.dst.prefix_len() == 0);
    let net = match (&target, first && !has_default) {
        (_, true) => IpNet::new(dst, 0).map_or(IpNet::from(dst), |n| n.trunc()),
        (Some(t), false) => subnet_of(k, t, dst).unwrap_or_else(|| IpNet::from(dst)),
        (None, false) => IpNet::from(dst),
    };
    // A gateway the kernel cannot reach makes a route it refuses: no fix rather than that.
    via.filter(|g| super::main_unreached::gateway_ok(k, at, *g))
        .map(|g| route_add(at, &net, g))
}

/// The route through the down link `dev` that the kernel removed with it: when `dev`'s own
/// subnet does not hold `dst` (its connected route comes back with the link, the rest does
/// not), through the neighbour across `dev` towards the destination.
fn lost_route(
    k: &mut dyn Kernel,
    r: &Report,
    at: &Netns,
    dst: IpAddr,
    dev: &str,
    first: bool,
) -> Option<String> {
    let mine: Vec<IpNet> = k
        .view(at)?
        .addrs
        .into_iter()
        .filter(|(l, _)| l == dev)
        .map(|(_, a)| a)
        .collect();
    if mine.iter().any(|a| a.contains(&dst)) {
        return None;
    }
    let upstream: Vec<String> = r.hops.iter().map(|h| h.at.clone()).collect();
    let target = owner(k, dst).map(|(ns, _)| ns);
    let gw = target
        .as_ref()
        .and_then(|t| toward(k, at, t, dst.is_ipv4()))
        .filter(|(ns, a)| !upstream.contains(&ns.to_string()) && *a != dst)
        .map(|(_, a)| a)
        .filter(|g| mine.iter().any(|a| a.contains(g)))?;
    let net = match &target {
        Some(t) if !first => subnet_of(k, t, dst).unwrap_or_else(|| IpNet::from(dst)),
        _ => IpNet::new(dst, 0).map_or(IpNet::from(dst), |n| n.trunc()),
    };
    Some(route_add(at, &net, gw))
}

/// The likely gateway: an address of another namespace on one of `at`'s subnets, preferring a
/// bridge's (the article's bridge0) or the host's.
fn gateway_guess(
    k: &mut dyn Kernel,
    at: &Netns,
    dst: IpAddr,
    upstream: &[String],
) -> Option<IpAddr> {
    let mine = k.view(at)?.addrs;
    let mut best: Option<(u8, IpAddr)> = None;
    for ns in k.namespaces() {
        if ns == *at || upstream.contains(&ns.to_string()) {
            continue;
        }
        let Some(v) = k.view(&ns) else { continue };
        let bridges: Vec<String> = k
            .links(&ns)
            .into_iter()
            .filter(|l| l.kind == Some(LinkKind::Bridge))
            .map(|l| l.name)
            .collect();
        for (l, a) in &v.addrs {
            // The destination's family, never a link-local address.
            let link_local = crate::sys::addr::is_link_local(a.addr());
            if link_local || a.addr().is_ipv4() != dst.is_ipv4() {
                continue;
            }
            if !mine
                .iter()
                .any(|(ml, m)| ml != "lo" && m.contains(&a.addr()))
            {
                continue;
            }
            let score = if bridges.contains(l) {
                0
            } else if ns == Netns::Root {
                1
            } else {
                2
            };
            if best.is_none_or(|(s, _)| score < s) {
                best = Some((score, a.addr()));
            }
        }
    }
    best.map(|(_, a)| a)
}

/// `connect(ns1, link("br0"), "10.1.1.2/24")`: a bridge whose subnet holds `dst`, and the first
/// address of that subnet nobody holds.
fn connect_fix(k: &mut dyn Kernel, at: &Netns, dst: IpAddr) -> Option<String> {
    let mut taken = vec![];
    let mut bridge = None;
    for ns in k.namespaces() {
        let Some(v) = k.view(&ns) else { continue };
        let bridges: Vec<String> = k
            .links(&ns)
            .into_iter()
            .filter(|l| l.kind == Some(LinkKind::Bridge))
            .map(|l| l.name)
            .collect();
        for (l, a) in v.addrs {
            taken.push(a.addr());
            if bridge.is_none() && bridges.contains(&l) && a.contains(&dst) {
                bridge = Some((ns.clone(), l, a));
            }
        }
    }
    let (bns, br, net) = bridge?;
    let free = net
        .hosts()
        .take(256)
        .find(|h| *h != dst && !taken.contains(h))?;
    Some(format!(
        "connect({}, {}, \"{free}/{}\")",
        stack(at),
        call(&bns, &format!("link(\"{br}\")")),
        net.prefix_len()
    ))
}
