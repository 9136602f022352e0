//! The reply's gateway held by nobody: fixed as on the way there — the address given back to
//! the one forwarding end of the segment that lacks one, else the reply's route made to go
//! through the neighbour that leads toward the request's source.

use super::absent::gateway_fix;
use super::fib_lookup::decide;
use super::kernel::Kernel;
use super::owner::owner;
use super::report::Report;
use super::route_fix::{route_del, route_via};
use super::route_get::Lookup;
use super::toward::toward;
use crate::sys::Netns;
use std::net::IpAddr;

/// `cur` sends the reply (to `q.dst`) on `dev` via `gw`, which no namespace holds.
pub(crate) fn unheld(
    k: &mut dyn Kernel,
    r: &mut Report,
    cur: &Netns,
    dev: &str,
    q: &Lookup,
    gw: IpAddr,
) {
    let to = q.dst;
    let d = decide(&k.fib(cur), q);
    let target = owner(k, to).map(|(t, _)| t);
    let fix = match (target, d.route.as_ref()) {
        (Some(t), Some(route)) => match toward(k, cur, &t, to.is_ipv4()) {
            // The source on this very segment: without the route, the link's route takes it.
            Some((n, _)) if n == t => Some(route_del(cur, route, d.rule.as_ref())),
            Some((_, a)) if a != gw => Some(route_via(cur, route, d.rule.as_ref(), a)),
            _ => None,
        },
        _ => None,
    };
    let fix = gateway_fix(k, cur, dev, gw).or(fix);
    let what = format!("no namespace here holds {cur}'s gateway {gw} for the reply");
    match super::proxy_arp::fix(k, cur, dev) {
        Some((router, proxy)) => r.block(
            cur,
            format!("{what}, and {router} at the other end of {dev} does not answer for it (proxy_arp is 0 there)"),
            Some(proxy),
        ),
        None => r.block(cur, what, fix),
    }
    r.break_kind = Some(super::break_kind::BreakKind::DeadGateway);
}
