//! A host that does not forward, reached by a route that overrides a wider one or by a route
//! to an end host: the route is the fault when the host could not carry the packet on anyway
//! (detour.rs), on the way there or back. Otherwise the host is a router that lost
//! `ip_forward`, and that is the fix.

use super::detour;
use super::kernel::Kernel;
use super::refused::named;
use super::report::Report;
use super::route_get::{Lookup, RouteKind};
use super::visit::Visit;
use super::words::ip_forward;
use crate::sys::Netns;
use std::net::IpAddr;

/// `cur` received the packet for `dst` on `in_dev` and does not forward: say why (in `r`),
/// blaming the previous hop's route (`prev`) when it is the detour.
pub(crate) fn not_a_router(
    k: &mut dyn Kernel,
    r: &mut Report,
    cur: &Netns,
    in_dev: &str,
    dst: IpAddr,
    prev: Option<&Visit>,
) {
    let base = format!("{cur} does not forward: net.ipv4.ip_forward is 0");
    let found = prev.and_then(|v| {
        let rt = v.route.as_ref()?;
        detour::find(k, (cur, in_dev), dst, &v.ns, (rt, v.rule.as_ref()))
    });
    if let Some(d) = found {
        detour::block(r, cur, dst, &d, "");
        return;
    }
    let asked = prev.map(|v| (&v.ns, &v.q));
    if missing_at_prev(k, r, cur, asked, dst, "the packet") {
        return;
    }
    // A gateway that is an end host, with another neighbour the way: the route is re-pointed.
    if prev.is_some_and(|v| super::gateway_host::repointed(k, r, (cur, in_dev), dst, v)) {
        return;
    }
    r.block(cur, base, Some(ip_forward(cur)));
}

/// `cur`, which does not forward, got the reply to `to` on `in_dev` from `prev` (with the
/// lookup it made): `true` (said in `r`) when `prev`'s route is the detour.
pub(crate) fn reply_detoured(
    k: &mut dyn Kernel,
    r: &mut Report,
    (cur, in_dev): (&Netns, &str),
    prev: Option<(&Netns, &Lookup)>,
    to: IpAddr,
) -> bool {
    let Some((at, q)) = prev.filter(|_| to.is_ipv4()) else {
        return false;
    };
    let Some(d) = named(k, at, q, Some(RouteKind::Unicast)) else {
        return false;
    };
    let Some(rt) = d.route.as_ref() else {
        return false;
    };
    let Some(found) = detour::find(k, (cur, in_dev), to, at, (rt, d.rule.as_ref())) else {
        return false;
    };
    detour::block(r, cur, to, &found, "the reply to ");
    true
}

/// `cur`, which does not forward and has no route to `to`, got the packet (`what`) from `prev`
/// by a route that leads there only for want of a better one: `true` (said in `r`) when `prev`
/// has a neighbour closer to `to`'s holder, so the missing route at `prev` is the fault (or,
/// when a table whose rule comes too late holds that route, the rule's place). `prev` comes
/// with the lookup it made.
pub(crate) fn missing_at_prev(
    k: &mut dyn Kernel,
    r: &mut Report,
    cur: &Netns,
    prev: Option<(&Netns, &Lookup)>,
    to: IpAddr,
    what: &str,
) -> bool {
    let Some((prev, asked)) = prev else {
        return false;
    };
    let Err(e) = k.route_get(cur, &Lookup::to(to)) else {
        return false;
    };
    let Some((t, _)) = super::owner::owner(k, to) else {
        return false;
    };
    let Some(net) = super::toward::subnet_of(k, &t, to) else {
        return false;
    };
    let Some((hop, gw)) = super::toward::toward(k, prev, &t, to.is_ipv4()) else {
        return false;
    };
    if hop == *cur || hop == *prev {
        return false;
    }
    if let Some(late) = super::late_rule::find(k, prev, asked, gw) {
        let then = format!("sends {what} to {cur}, which does not forward");
        super::late_rule::block(r, prev, &late, &then);
        r.lost_at = Some(cur.to_string());
        return true;
    }
    r.block(
        prev,
        format!(
            "{prev} has no route to {net}, so it sends {what} to {to} to {cur}, which does not \
             forward (net.ipv4.ip_forward is 0) and has no route to {to} either ({}): {hop} is \
             the way there",
            e.words
        ),
        Some(super::route_fix::route_add(prev, &net, gw)),
    );
    r.lost_at = Some(cur.to_string());
    true
}
