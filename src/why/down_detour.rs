//! A link that is down holds the destination's subnet: the kernel took its connected route
//! away, so the packet leaves by another route (a default) that merely looks fine. The down
//! link is the fault, not what happens on the detour.

use super::kernel::Kernel;
use super::link_detail::LinkDetail;
use super::report::Report;
use super::route_get::RouteGet;
use super::words::link_call;
use crate::sys::Netns;
use std::net::IpAddr;

/// Blocks in `r` and returns true when a down link of `cur` holds `dst`'s subnet and the route
/// found leaves by another link.
pub(crate) fn down_detour(
    k: &mut dyn Kernel,
    r: &mut Report,
    cur: &Netns,
    route: &RouteGet,
    dst: IpAddr,
) -> bool {
    let Some(l) = down_holding(k, cur, dst).filter(|l| l.name != route.dev) else {
        return false;
    };
    r.block(
        cur,
        format!(
            "{} in {cur} is down, so its route to {dst} is gone and the packet leaves by {} instead",
            l.name, route.dev
        ),
        Some(link_call(cur, &l.name, "up()")),
    );
    true
}

/// A link of `at` that is down and holds an address whose subnet contains `dst`.
pub(crate) fn down_holding(k: &mut dyn Kernel, at: &Netns, dst: IpAddr) -> Option<LinkDetail> {
    let view = k.view(at)?;
    k.links(at).into_iter().find(|l| {
        !l.up
            && l.name != "lo"
            && view
                .addrs
                .iter()
                .any(|(n, a)| *n == l.name && a.contains(&dst))
    })
}
