//! A route beyond the link's own subnet written without its gateway (`10.244.2.0/24 dev ul`,
//! host-gw routing missing its `via`): the sender asks ARP on the link for the destination
//! itself, and nobody there holds it or answers for it by proxy ARP, while a router on that
//! segment routes it. The fault is the route; the fix gives it that router as gateway.

use super::absent::lab_link;
use super::ends::{ends, End};
use super::fib::{table_name, FibRoute, TABLE_MAIN};
use super::kernel::Kernel;
use super::report::Report;
use super::route_fix::{dst_word, exec};
use super::route_get::{Lookup, RouteGet};
use crate::sys::Netns;
use ipnet::IpNet;
use std::net::IpAddr;

/// `true` (said in `r`) when `cur`'s gatewayless route to `dst` (the FIB route `chosen`)
/// leads onto a segment that neither holds `dst` nor answers for it, but routes it.
pub(crate) fn gatewayless(
    k: &mut dyn Kernel,
    r: &mut Report,
    cur: &Netns,
    route: &RouteGet,
    dst: IpAddr,
    chosen: Option<&FibRoute>,
) -> bool {
    let dev = route.dev.as_str();
    let Some(rt) = chosen.filter(|_| route.via.is_none() && dst.is_ipv4()) else {
        return false;
    };
    let Some(view) = k.view(cur) else {
        return false;
    };
    let mine: Vec<_> = view
        .addrs
        .iter()
        .filter(|(l, _)| l == dev)
        .map(|(_, a)| *a)
        .collect();
    if mine.is_empty() || mine.iter().any(|a| a.contains(&dst)) || !lab_link(k, cur, dev) {
        return false;
    }
    let (all, _) = ends(k, cur, dev);
    let all: Vec<End> = all.into_iter().filter(|e| e.ns != *cur).collect();
    // Anyone on the segment holding it (on any link: Linux answers ARP for any of its
    // addresses) or answering for it by proxy ARP makes the route good.
    if all
        .iter()
        .any(|e| holds(k, &e.ns, dst) || proxies(k, e, dst))
    {
        return false;
    }
    let Some((gw_ns, gw)) = all
        .iter()
        .find_map(|e| Some((e.ns.clone(), router_addr(k, e, dst, &mine)?)))
    else {
        return false;
    };
    let table = match rt.table {
        TABLE_MAIN => String::new(),
        t => format!(" table {}", table_name(t)),
    };
    r.block(
        cur,
        format!(
            "{cur}'s route `{}` has no gateway: it sends the packet for {dst} straight onto {dev}, where no namespace holds {dst} or answers ARP for it; {gw_ns} at {gw} on {dev} routes it",
            rt.text()
        ),
        Some(exec(
            cur,
            &format!("ip route replace {} via {gw} dev {dev}{table}", dst_word(&rt.dst)),
        )),
    );
    true
}

fn holds(k: &mut dyn Kernel, ns: &Netns, ip: IpAddr) -> bool {
    k.view(ns).is_some_and(|v| v.addr_owner(ip).is_some())
}

fn forwards(k: &mut dyn Kernel, ns: &Netns) -> bool {
    k.sysctl(ns, "net.ipv4.ip_forward").as_deref() == Some("1")
}

/// The router at end `e` routes `dst` out of another link than the segment's.
fn routes_away(k: &mut dyn Kernel, e: &End, dst: IpAddr) -> bool {
    forwards(k, &e.ns)
        && k.route_get(&e.ns, &Lookup::to(dst))
            .is_ok_and(|o| o.dev != e.link)
}

/// End `e` answers ARP for `dst` by proxy_arp: on, and its route to `dst` leaves elsewhere.
fn proxies(k: &mut dyn Kernel, e: &End, dst: IpAddr) -> bool {
    let on = ["all", e.link.as_str()].iter().any(|l| {
        k.sysctl(&e.ns, &format!("net.ipv4.conf.{l}.proxy_arp"))
            .as_deref()
            == Some("1")
    });
    on && routes_away(k, e, dst)
}

/// The address of end `e` on its segment link in one of the sender's subnets `mine`, when it
/// is a router that routes `dst` onward.
fn router_addr(k: &mut dyn Kernel, e: &End, dst: IpAddr, mine: &[IpNet]) -> Option<IpAddr> {
    if !routes_away(k, e, dst) {
        return None;
    }
    k.view(&e.ns)?
        .addrs
        .into_iter()
        .find(|(l, a)| *l == e.link && mine.iter().any(|m| m.contains(&a.addr())))
        .map(|(_, a)| a.addr())
}
