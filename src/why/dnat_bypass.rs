//! The reply of a DNATed connection leaves the way the request came before it reaches the
//! router that DNATed it: only that router's conntrack can turn the reply's source back, so
//! the reply goes out with the inner address (un-NATed, as a spoof to the next filter) and
//! the client drops it. The fault is the route that sent it off that way (a host whose
//! default moved to another router on its LAN), not what lies beyond.

use super::crossed::Crossed;
use super::fib_lookup::decide;
use super::kernel::Kernel;
use super::report::Report;
use super::route_get::{Lookup, RouteGet};
use super::toward::toward;
use crate::sys::Netns;
use std::net::IpAddr;

/// `true` (blamed in `r`) when the reply, at `cur` by `rt` (lookup `q`), goes on to `next`,
/// a router the request never crossed, before it is back at a router that DNATed the request
/// (none of those `seen` yet).
pub(crate) fn bypassed(
    k: &mut dyn Kernel,
    r: &mut Report,
    (cur, q, rt): (&Netns, &Lookup, &RouteGet),
    next: &Netns,
    crossed: &[Crossed],
    seen: &[(Netns, Lookup)],
) -> bool {
    let visited: Vec<&Netns> = seen.iter().map(|(n, _)| n).collect();
    let on_way = crossed.iter().any(|c| c.ns == *next) || next.to_string() == r.src;
    let Some(nat) = crossed
        .iter()
        .find(|c| c.dnat && !visited.contains(&&c.ns) && c.ns != *cur)
    else {
        return false;
    };
    if on_way || visited.contains(&next) {
        return false;
    }
    let dn = &nat.ns;
    let route = decide(&k.fib(cur), q).route.map_or_else(
        || format!("to {}", q.dst),
        |t| super::wrong_default::words(&t),
    );
    let via = rt.via.map_or_else(String::new, |g| format!(" via {g}"));
    let cause = format!(
        "{cur}'s route `{route}` sends the reply to {}{via} ({next}), not back through {dn}, which DNATed the request: only {dn} can undo that DNAT, so the reply leaves with {cur}'s own address as its source",
        q.dst
    );
    let fix = toward(k, cur, dn, q.dst.is_ipv4())
        .and_then(|(_, gw)| super::asym_back::replace_via(k, cur, q, gw));
    r.block(cur, cause, fix);
    r.lost_at = Some(next.to_string());
    true
}

/// The reply's source as it leaves `cur`: a router that DNATed the request turns it back to
/// the destination the request had before (conntrack, after the reply's own lookup there).
pub(crate) fn undone(crossed: &[Crossed], cur: &Netns, src: IpAddr) -> IpAddr {
    crossed
        .iter()
        .find(|c| c.ns == *cur)
        .and_then(|c| c.dnat_from)
        .unwrap_or(src)
}
