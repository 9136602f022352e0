//! A route whose gateway is an end host: the packet goes to a neighbour that does not forward
//! and could not carry it on anyway (its own way to the destination is back out of the link
//! it came in on, or none), while another neighbour is the way there. With no wider route to
//! fall back on (detour.rs), the route is re-pointed at that neighbour; turning the end host
//! into a router would be a change to the wrong machine.

use super::kernel::Kernel;
use super::owner::owner;
use super::report::Report;
use super::route_fix::route_via;
use super::route_get::Lookup;
use super::toward::toward;
use super::visit::Visit;
use crate::sys::Netns;
use std::net::IpAddr;

/// `cur` got the packet to `dst` on `in_dev` by `prev`'s route through it, and does not
/// forward: `true` (said in `r`) when that route is the fault.
pub(crate) fn repointed(
    k: &mut dyn Kernel,
    r: &mut Report,
    (cur, in_dev): (&Netns, &str),
    dst: IpAddr,
    prev: &Visit,
) -> bool {
    let Some(rt) = prev.route.as_ref() else {
        return false;
    };
    let Some(via) = rt
        .via
        .filter(|v| owner(k, *v).is_some_and(|(n, _)| n == *cur))
    else {
        return false;
    };
    let onward = match k.route_get(cur, &Lookup::to(dst)) {
        Err(e) => format!("has no route to {dst} ({})", e.words),
        Ok(o) if o.dev == in_dev => format!("would send it back out of {in_dev}"),
        Ok(_) => return false,
    };
    let Some((t, _)) = owner(k, dst) else {
        return false;
    };
    let Some((hop, gw)) = toward(k, &prev.ns, &t, dst.is_ipv4()) else {
        return false;
    };
    if hop == *cur || hop == prev.ns {
        return false;
    }
    let at = &prev.ns;
    r.block(
        at,
        format!(
            "{at}'s route `{}` sends the packet to {dst} to {cur} ({via}), which does not forward (net.ipv4.ip_forward is 0) and {onward}: {hop} ({gw}) is the way there",
            rt.text()
        ),
        Some(route_via(at, rt, prev.rule.as_ref(), gw)),
    );
    r.lost_at = Some(cur.to_string());
    true
}
