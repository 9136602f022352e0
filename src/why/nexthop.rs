//! The nexthop a route lookup chose, judged as the kernel uses it: a gateway on another link's
//! subnet than the one the route sends it out of (`onlink` on the wrong device), and a nexthop
//! whose link has no carrier (`linkdown`), which the kernel keeps using by default
//! (ignore_routes_with_linkdown is 0): a flow hashed onto a dead leg of a multipath route, or a
//! preferred default whose uplink is dead while a worse one would work.

use super::dead_peer::dead_peer;
use super::fib::{table_name, FibRoute, TABLE_MAIN};
use super::kernel::Kernel;
use super::link_find::find;
use super::owner::owner;
use super::refused::named;
use super::report::Report;
use super::route_fix::{dst_word, exec};
use super::route_get::{Lookup, RouteGet};
use super::words::link_call;
use crate::sys::{LinkKind, Netns};

/// Blocks in `r` and returns true when the nexthop of `route` (found for `q` in `cur`) is on
/// the wrong link or dead.
pub(crate) fn judged(
    k: &mut dyn Kernel,
    r: &mut Report,
    cur: &Netns,
    route: &RouteGet,
    q: &Lookup,
) -> bool {
    route.via.is_some()
        && (super::v6_via::judged(k, r, cur, route, q.dst)
            || astray(k, r, cur, route, q)
            || dead(k, r, cur, route, q))
}

/// ` metric 10 table 100`: what else names `fr` for `ip route replace|del`.
fn tail(fr: &FibRoute) -> String {
    let mut s = fr
        .metric
        .map(|m| format!(" metric {m}"))
        .unwrap_or_default();
    if fr.table != TABLE_MAIN {
        s += &format!(" table {}", table_name(fr.table));
    }
    s
}

/// The gateway is not on the route's link, but on the subnet of another link of `cur`.
fn astray(k: &mut dyn Kernel, r: &mut Report, cur: &Netns, route: &RouteGet, q: &Lookup) -> bool {
    let (Some(gw), Some(v)) = (route.via, k.view(cur)) else {
        return false;
    };
    let dev = &route.dev;
    if v.addrs.iter().any(|(l, a)| l == dev && a.contains(&gw)) {
        return false;
    }
    let Some((y, net)) = v.addrs.into_iter().find(|(l, a)| {
        l != dev && l != "lo" && a.prefix_len() < a.max_prefix_len() && a.contains(&gw)
    }) else {
        return false;
    };
    if !find(k, cur, &y).is_some_and(|l| l.up) {
        return false;
    }
    let fr = named(k, cur, q, Some(route.kind)).and_then(|d| d.route);
    let what = fr
        .as_ref()
        .map(|f| format!("route `{}`", f.text()))
        .unwrap_or_else(|| format!("route to {}", q.dst));
    let held = owner(k, gw)
        .map(|(ns, l)| format!(", where {ns}'s {l} holds it"))
        .unwrap_or_default();
    let fix = fr.map(|f| {
        exec(
            cur,
            &format!(
                "ip route replace {} via {gw} dev {y}{}",
                dst_word(&f.dst),
                tail(&f)
            ),
        )
    });
    r.block(
        cur,
        format!(
            "{cur}'s {what} sends the packet to gateway {gw} out of {dev}, but {gw} is not on {dev}: it is on {y}'s subnet {}{held}",
            net.trunc()
        ),
        fix,
    );
    true
}

/// The route's link is up but has no carrier: for a veth, its other end is down.
fn dead(k: &mut dyn Kernel, r: &mut Report, cur: &Netns, route: &RouteGet, q: &Lookup) -> bool {
    let dev = &route.dev;
    let Some(l) = find(k, cur, dev) else {
        return false;
    };
    if !l.up || l.carrier || l.kind != Some(LinkKind::Veth) {
        return false;
    }
    let Some((pns, p)) = dead_peer(k, cur, dev) else {
        return false;
    };
    let gw = route.via.map(|g| g.to_string()).unwrap_or_default();
    let fr = named(k, cur, q, Some(route.kind)).and_then(|d| d.route);
    let dead = format!(
        "which has no carrier (linkdown: its other end {p} in {pns} is down), yet the kernel keeps using it"
    );
    let (cause, other) = match &fr {
        Some(f) if f.hops.len() > 1 => {
            let keep: Vec<String> = f
                .hops
                .iter()
                .filter(|(_, d)| d != dev)
                .map(|(g, d)| match g {
                    Some(g) => format!(" nexthop via {g} dev {d}"),
                    None => format!(" nexthop dev {d}"),
                })
                .collect();
            let other = (!keep.is_empty()).then(|| {
                exec(
                    cur,
                    &format!(
                        "ip route replace {}{}{}",
                        dst_word(&f.dst),
                        tail(f),
                        keep.concat()
                    ),
                )
            });
            (
                format!(
                    "{cur}'s multipath route `{}` ({} nexthops) hashes this flow onto nexthop via {gw} dev {dev}, {dead}",
                    dst_word(&f.dst),
                    f.hops.len()
                ),
                other,
            )
        }
        Some(f) => {
            // Another route of the same prefix (a worse metric) takes over once this one is gone.
            let fib = k.fib(cur);
            let backup = fib
                .routes
                .iter()
                .find(|x| x.table == f.table && x.dst == f.dst && x != &f && x.metric > f.metric);
            let instead = backup
                .map(|b| {
                    format!(
                        " rather than `{}`{}",
                        b.text(),
                        b.metric
                            .map(|m| format!(" (metric {m})"))
                            .unwrap_or_default()
                    )
                })
                .unwrap_or_default();
            let other = backup.map(|_| {
                exec(
                    cur,
                    &format!(
                        "ip route del {} via {gw} dev {dev}{}",
                        dst_word(&f.dst),
                        tail(f)
                    ),
                )
            });
            (
                format!(
                    "{cur}'s route `{}` leaves by {dev}, {dead}{instead}",
                    f.text()
                ),
                other,
            )
        }
        None => (
            format!("{cur}'s route to {} leaves by {dev}, {dead}", q.dst),
            None,
        ),
    };
    r.block(cur, cause, Some(link_call(&pns, &p, "up()")));
    r.other_way = other;
    true
}
