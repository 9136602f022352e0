//! A route at one hop that sends a packet (or a reply) to a neighbour that does not forward,
//! when the neighbour could not carry it on anyway (no route on, or back out of the link it
//! came in on): the route is the detour, and a wider route of the same table it overrides is
//! the way the packet was meant to take. A neighbour whose own way on leads straight back to
//! the hop with the route is an end host (a container behind its host, a LAN host): turning
//! its forwarding on would only bounce the packet back, so the route alone is the fault.

use super::fib::{FibRoute, FibRule};
use super::kernel::Kernel;
use super::owner::owner;
use super::report::Report;
use super::route_fix::route_del;
use super::route_get::{Lookup, RouteKind};
use super::words::ip_forward;
use crate::sys::Netns;
use std::net::IpAddr;

/// The route at `at` that sent the packet to a neighbour that does not forward.
pub(crate) struct Detour<'a> {
    pub(crate) at: &'a Netns,
    pub(crate) route: &'a FibRoute,
    pub(crate) rule: Option<&'a FibRule>,
    /// The most specific route of the same table it overrides, going another way.
    wider: FibRoute,
    /// What the neighbour would do with the packet instead of forwarding it.
    onward: String,
    /// The neighbour's own route to the destination leads back to `at`.
    end_host: bool,
}

/// `at`'s `route` (chosen by `rule`) sent `dst` to `cur`, in on `in_dev`, which does not
/// forward: the detour, when `cur` could not carry it on and the route overrides a wider one
/// (without one, deleting the route would leave no way at all: not said to be the fault).
pub(crate) fn find<'a>(
    k: &mut dyn Kernel,
    (cur, in_dev): (&Netns, &str),
    dst: IpAddr,
    at: &'a Netns,
    (route, rule): (&'a FibRoute, Option<&'a FibRule>),
) -> Option<Detour<'a>> {
    let (onward, end_host) = match k.route_get(cur, &Lookup::to(dst)) {
        Err(e) => (format!("has no route to {dst} either ({})", e.words), false),
        Ok(o) if o.dev == in_dev => {
            let back = o
                .via
                .and_then(|g| owner(k, g))
                .is_some_and(|(n, _)| n == *at);
            (format!("would send it back out of {in_dev}"), back)
        }
        Ok(_) => return None,
    };
    let wider = k
        .fib(at)
        .routes
        .into_iter()
        .filter(|w| {
            w.table == route.table
                && w.kind == RouteKind::Unicast
                && w.dst.prefix_len() < route.dst.prefix_len()
                && w.dst.contains(&dst)
                && w.via != route.via
        })
        .max_by_key(|w| w.dst.prefix_len())?;
    Some(Detour {
        at,
        route,
        rule,
        wider,
        onward,
        end_host,
    })
}

/// Says the detour `d` in `r` as the broken step at its hop, its fix the route's removal.
/// `what`: "" for the packet, "the reply to " for a reply.
pub(crate) fn block(r: &mut Report, cur: &Netns, dst: IpAddr, d: &Detour, what: &str) {
    let at = d.at;
    let head = format!(
        "{at} sends {what}{dst} to {cur} by its route `{}`, which overrides `{}`",
        d.route.text(),
        d.wider.text()
    );
    let cause = if d.end_host {
        let gw = d
            .route
            .via
            .map_or_else(|| cur.to_string(), |g| g.to_string());
        format!(
            "{head}, but {gw} is an end host, not a router: {cur} does not forward \
             (net.ipv4.ip_forward is 0) and its own route to {dst} leads back to {at}"
        )
    } else {
        format!(
            "{head}, but {cur} does not forward (net.ipv4.ip_forward is 0) and {}",
            d.onward
        )
    };
    r.block(at, cause, Some(route_del(at, d.route, d.rule)));
    // Forwarding would carry it on only where cur has a route onward that does not lead back.
    if d.onward.starts_with("would") && !d.end_host {
        r.other_way = Some(ip_forward(cur));
    }
    r.lost_at = Some(cur.to_string());
}
