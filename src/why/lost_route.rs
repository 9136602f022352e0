//! A route lost to a host behind one of the router's own links: a Calico node's pod route
//! (`10.65.0.6 dev cali2`) is gone while the IPAM block's `blackhole 10.65.0.0/26` stays, so
//! the lookup falls to the blackhole. The blackhole is sound (it keeps the block's free
//! addresses off the default route); the missing route is the fault.

use super::ends::ends;
use super::kernel::Kernel;
use super::owner::owner;
use super::route_fix::exec;
use super::route_get::RouteKind;
use crate::sys::{LinkKind, Netns};
use std::net::IpAddr;

/// The link of `at` whose segment holds `dst`, and who holds it there (namespace, link).
fn behind(k: &mut dyn Kernel, at: &Netns, dst: IpAddr) -> Option<(String, Netns, String)> {
    let (hns, hlink) = owner(k, dst).filter(|(n, _)| n != at)?;
    // A route out of a link that holds `dst` is there (a connected subnet, say): the refusal
    // overrides it on purpose, and is the fault itself.
    let fib = k.fib(at);
    let held = |dev: &str| {
        fib.routes.iter().any(|x| {
            x.kind == RouteKind::Unicast && x.dev.as_deref() == Some(dev) && x.dst.contains(&dst)
        })
    };
    let links = k.links(at);
    for l in links.iter().filter(|l| l.up) {
        let lab = l.peer_index.is_some() || l.kind == Some(LinkKind::Bridge);
        if !lab || l.master.is_some() || held(&l.name) {
            continue;
        }
        let (seg, _) = ends(k, at, &l.name);
        if seg.iter().any(|e| e.ns == hns && e.link == hlink) {
            return Some((l.name.clone(), hns, hlink));
        }
    }
    None
}

/// `route` (a blackhole, unreachable or prohibit route, `verb` it) caught `dst`, which a link
/// of `at` leads to: the cause in words and the fix, a host route out of that link.
pub(crate) fn missing(
    k: &mut dyn Kernel,
    at: &Netns,
    dst: IpAddr,
    route: &str,
    verb: &str,
) -> Option<(String, String)> {
    let (dev, hns, hlink) = behind(k, at, dst)?;
    let host = if dst.is_ipv4() { 32 } else { 128 };
    // `drops it`, `refuses it (unreachable)`.
    let verb = match verb.split_once(' ') {
        Some((v, rest)) => format!("{v} it {rest}"),
        None => format!("{verb} it"),
    };
    Some((
        format!(
            "{at} has no route to {dst} out of {dev}, where {hns} holds it (on {hlink}), so the \
             lookup falls to route `{route}`, which {verb}: the route to {dst} is missing"
        ),
        exec(at, &format!("ip route add {dst}/{host} dev {dev}")),
    ))
}
