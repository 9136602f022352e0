//! A host that does not forward, reached by a route that overrides a wider one: the route is
//! the fault when the host could not carry the packet on anyway (it has no route on, or would
//! send it back out of the link it came in on), and deleting it lets the wider route work.
//! Otherwise the host is a router that lost `ip_forward`, and that is the fix.

use super::fib::FibRoute;
use super::kernel::Kernel;
use super::loops::Visit;
use super::report::Report;
use super::route_fix::route_del;
use super::route_get::{Lookup, RouteKind};
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
    let Some((v, rt, wider, onward)) = detour(k, cur, in_dev, dst, prev) else {
        let asked = prev.map(|v| (&v.ns, &v.q));
        if !missing_at_prev(k, r, cur, asked, dst, "the packet") {
            r.block(cur, base, Some(ip_forward(cur)));
        }
        return;
    };
    r.block(
        &v.ns,
        format!(
            "{} sends {dst} to {cur} by its route `{}`, which overrides `{}`, but {cur} does \
             not forward (net.ipv4.ip_forward is 0) and {onward}",
            v.ns,
            rt.text(),
            wider.text()
        ),
        Some(route_del(&v.ns, rt, v.rule.as_ref())),
    );
    // Forwarding would carry it on only where cur has a route onward (back out, redirected).
    if onward.starts_with("would") {
        r.other_way = Some(ip_forward(cur));
    }
    r.lost_at = Some(cur.to_string());
}

/// The previous hop's route to `cur` when it overrides a wider route of the same table and
/// `cur` could not carry the packet on: (visit, route, the wider route, what `cur` would do).
fn detour<'a>(
    k: &mut dyn Kernel,
    cur: &Netns,
    in_dev: &str,
    dst: IpAddr,
    prev: Option<&'a Visit>,
) -> Option<(&'a Visit, &'a FibRoute, FibRoute, String)> {
    let v = prev?;
    let rt = v.route.as_ref()?;
    let onward = match k.route_get(cur, &Lookup::to(dst)) {
        Err(e) => format!("has no route to {dst} either ({})", e.words),
        Ok(o) if o.dev == in_dev => format!("would send it back out of {in_dev}"),
        Ok(_) => return None,
    };
    let wider = k
        .fib(&v.ns)
        .routes
        .into_iter()
        .filter(|w| {
            w.table == rt.table
                && w.kind == RouteKind::Unicast
                && w.dst.prefix_len() < rt.dst.prefix_len()
                && w.dst.contains(&dst)
                && w.via != rt.via
        })
        .max_by_key(|w| w.dst.prefix_len())?;
    Some((v, rt, wider, onward))
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
