//! Whether a gateway leads on toward a destination: the routes from it, hop by hop (each
//! gateway's holder, its forwarding, its lookup), reach the destination's holder without
//! coming back. Proves a route through a gateway right before a check calls it wrong, and
//! keeps a check from saying that a route back to the sender "would reach" a host.

use super::behind::reaches;
use super::ends::ends;
use super::kernel::Kernel;
use super::owner::owner;
use super::route_get::{Lookup, RouteKind};
use crate::sys::Netns;
use std::net::IpAddr;

/// No lab routes through this many routers; it bounds a walk over routes that loop.
const MAX_HOPS: usize = 16;

/// `true` when a packet `from` sends to `dst` through the gateway `via` reaches `dst`'s holder
/// by the routes of the routers on the way (each of them forwarding), never passing `from`.
pub(crate) fn leads_on(k: &mut dyn Kernel, from: &Netns, via: IpAddr, dst: IpAddr) -> bool {
    let Some((holder, hlink)) = owner(k, dst) else {
        return false;
    };
    let mut seen = vec![from.clone()];
    let mut next = via;
    for _ in 0..MAX_HOPS {
        let Some((ns, _)) = owner(k, next) else {
            return false;
        };
        if ns == holder {
            return true;
        }
        if seen.contains(&ns) || k.sysctl(&ns, "net.ipv4.ip_forward").as_deref() != Some("1") {
            return false;
        }
        seen.push(ns.clone());
        let Ok(g) = k.route_get(&ns, &Lookup::to(dst)) else {
            return false;
        };
        match (g.kind, g.via) {
            (RouteKind::Unicast, Some(v)) => next = v,
            (RouteKind::Unicast, None) => {
                let (all, _) = ends(k, &ns, &g.dev);
                return reaches(k, &all, &holder, &hlink);
            }
            _ => return false,
        }
    }
    false
}
