//! A multi-homed host answers by the wrong gateway: its preferred route (a lower metric, as a
//! DHCP default on a second NIC gets) sends the reply to another router than the one the
//! request came from, while a less preferred route of the same prefix goes back that way.
//! When the reply is lost further on, the fault is that route, not what lies beyond it
//! (src/why/shadow.rs settles it); a route at the later router is the other way.

use super::crossed::Crossed;
use super::fib::FibRoute;
use super::fib_lookup::decide;
use super::kernel::Kernel;
use super::owner::owner;
use super::report::Report;
use super::route_fix::exec;
use super::route_get::{Lookup, RouteGet, RouteKind};
use super::shadow_note::Shadow;
use crate::sys::Netns;

/// `default via 10.0.5.1 dev eth1 metric 50`: the route as `ip route` takes it back.
pub(crate) fn words(route: &FibRoute) -> String {
    match route.metric {
        Some(m) => format!("{} metric {m}", route.text()),
        None => route.text(),
    }
}

/// Notes (in `r`, once) that the reply's first lookup `q` at `at`, just said as the last hop,
/// took `rt` by another router than the one the request came from (the last of `crossed`),
/// though a route of the same prefix in the same table goes by that router.
pub(crate) fn note(
    k: &mut dyn Kernel,
    r: &mut Report,
    at: &Netns,
    q: &Lookup,
    rt: &RouteGet,
    crossed: &[Crossed],
) {
    let (Some(came), Some(via)) = (crossed.last(), rt.via) else {
        return;
    };
    let from = &came.ns;
    let Some(there) = k.view(from) else { return };
    if r.shadow.is_some() || there.addr_owner(via).is_some() {
        return;
    }
    let fib = k.fib(at);
    let Some(taken) = decide(&fib, q).route.filter(|t| t.via == Some(via)) else {
        return;
    };
    let held = |g: Option<std::net::IpAddr>| g.is_some_and(|g| there.addr_owner(g).is_some());
    let Some(back) = fib.routes.iter().find(|b| {
        b.table == taken.table
            && b.dst == taken.dst
            && b.kind == RouteKind::Unicast
            && **b != taken
            && held(b.via)
    }) else {
        return;
    };
    let next = owner(k, via).map_or_else(|| via.to_string(), |(n, _)| n.to_string());
    let cause = format!(
        "{at}'s route `{}` sends the reply to {} to {next}, not back the way the request came ({from}, by `{}`)",
        words(&taken),
        q.dst,
        words(back)
    );
    r.shadow = Some(Shadow {
        at: at.to_string(),
        hop: r.hops.len().saturating_sub(1),
        local: true,
        cause,
        fix: exec(at, &format!("ip route del {}", words(&taken))),
        keep: true,
        request: false,
    });
}
