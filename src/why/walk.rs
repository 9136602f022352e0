//! Following a packet hop by hop with the kernel's own lookups: at the source the route a
//! connected socket gets, at each router the input path (the link it came in on, its source:
//! policy rules, forwarding, rp_filter), then the link, the namespace that owns the next hop,
//! FORWARD and NAT there, and then the way back. Stops at the first broken step, at a loop
//! (the same hop with the same inputs twice), or after `CAP` routers, where a packet's TTL
//! runs out.

use super::bridged_back::{bridged_port, own_source, port_into};
use super::crossed::Crossed;
use super::fib::FibRoute;
use super::forward::router;
use super::hook_points;
use super::kernel::Kernel;
use super::l2;
use super::loops::loop_found;
use super::owner::owner;
use super::refused::{named, refused, reverse_path, rp_drops, whence};
use super::report::Report;
use super::route_fix::{route_del, route_via};
use super::route_get::{Lookup, RouteGet, RouteKind};
use super::segment;
use super::toward::toward;
use super::ttl::CAP;
use super::ttl_left::TtlLeft;
use super::visit::Visit;
use super::way_back::way_back;
use crate::sys::Netns;
use std::net::IpAddr;

pub(crate) fn walk(k: &mut dyn Kernel, src: &Netns, dst: IpAddr) -> Report {
    let mut r = walk_on(k, src, dst);
    super::nft_forward::passed_back(&mut r);
    super::sysctl_noop::drop_noops(k, &mut r);
    r
}

fn walk_on(k: &mut dyn Kernel, src: &Netns, mut dst: IpAddr) -> Report {
    let mut r = Report {
        src: src.to_string(),
        dst: dst.to_string(),
        evaluated: true,
        ..Report::default()
    };
    let mut cur = src.clone();
    let mut in_dev: Option<String> = None;
    // The bridge port the packet came in by, and whether it was DNATed in `cur`.
    let (mut in_port, mut dnat_here): (Option<String>, Option<IpAddr>) = (None, None);
    let mut pkt_src: Option<IpAddr> = None;
    let mut crossed: Vec<Crossed> = vec![];
    let mut seen: Vec<Visit> = vec![];
    let mut ttl = TtlLeft::sent_by(k, src);
    for _ in 0..=CAP {
        if let (Some(i), Some(s)) = (&in_dev, pkt_src) {
            let Some(d) = hook_points::arrive(k, &mut r, &cur, i, s, dst) else {
                return r;
            };
            let Some(n) = super::nft_nat::on_arrival(k, &mut r, &cur, i, (s, d)) else {
                return r;
            };
            (dst, dnat_here) = (n, (n != dst).then_some(dst));
        }
        let q = lookup_at(k, &mut r, &cur, &in_dev, pkt_src, dst);
        (dst, pkt_src) = (q.dst, q.src);
        if seen.iter().any(|v| v.ns == cur && v.q == q) {
            loop_found(k, &mut r, &seen, &cur, &q);
            return r;
        }
        if let Some(l) = local(k, &cur, dst) {
            at_local(k, &mut r, (&cur, &l), (&in_dev, pkt_src), &q, &crossed);
            return r;
        }
        if let Some(i) = in_dev.as_deref() {
            if dst.is_ipv6() {
                if !super::ipv6::forwards(k, &mut r, &cur)
                    || super::dad_failed::link_local_source(
                        k,
                        &mut r,
                        (&cur, i),
                        (src, pkt_src),
                        dst,
                    )
                {
                    return r;
                }
            } else if k.sysctl(&cur, "net.ipv4.ip_forward").as_deref() != Some("1") {
                super::not_router::not_a_router(k, &mut r, &cur, i, dst, seen.last());
                return r;
            }
        }
        let Some((route, q)) = lookup(k, &mut r, &cur, q) else {
            return r;
        };
        if super::down_detour::down_detour(k, &mut r, &cur, &route, dst)
            || super::broadcast::taken_for_broadcast(k, &mut r, &cur, &route, dst)
            || super::nexthop::judged(k, &mut r, &cur, &route, &q)
        {
            return r;
        }
        let decided = named(k, &cur, &q, Some(route.kind));
        let chosen = decided.as_ref().and_then(|d| d.route.clone());
        if in_dev.is_none() {
            ttl.by_route(k, (&route, dst), chosen.as_ref());
        }
        seen.push(Visit {
            ns: cur.clone(),
            q: q.clone(),
            route: chosen.clone(),
            rule: decided.as_ref().and_then(|d| d.rule.clone()),
        });
        if route.kind == RouteKind::Local {
            r.hop(&cur, format!("{dst} is local here (route type local)"));
            delivered(k, &mut r, &cur, &in_dev, pkt_src, dst, &crossed);
            return r;
        }
        if super::gwless::gatewayless(k, &mut r, &cur, &route, dst, chosen.as_ref())
            || !taken(k, &mut r, &cur, (&route, &q), &decided, &in_dev)
            || (in_dev.is_some() && !ttl.forwarded(&mut r, &cur, "the request"))
        {
            return r;
        }
        if route.via.is_none()
            && (super::overlap_net::shadows(k, &mut r, &cur, &q, chosen.as_ref(), "the packet")
                || super::shadow_link::hides(k, &mut r, &cur, &q, chosen.as_ref()))
        {
            return r;
        }
        if in_dev.is_none()
            && (super::addr_scope::unsourced(k, &mut r, &cur, &route, (pkt_src, dst))
                || super::dad_failed::unsourced(k, &mut r, &cur, &route, dst))
        {
            return r;
        }
        let src_ip = *pkt_src.get_or_insert(route.src.unwrap_or(dst));
        if in_dev.is_none() {
            let Some(s) = hook_points::leave_source(k, &mut r, &cur, &route.dev, src_ip, dst)
            else {
                return r;
            };
            pkt_src = Some(s);
        }
        if let Some(i) = &in_dev {
            let out = (route.dev.as_str(), route.via);
            let Some(c) = routed(k, &mut r, (&cur, i), out, src_ip, dst, dnat_here) else {
                let at = (&cur, i.as_str(), route.dev.as_str());
                super::nat_allowlist::amend(k, &mut r, at, (src_ip, dst), &crossed);
                return r;
            };
            if let Some((_, s)) = c.snat {
                pkt_src = Some(s);
            }
            crossed.push(c);
        }
        if super::dead_tun::dead_tun(k, &mut r, &cur, &route, &q, chosen.as_ref()) {
            return r;
        }
        let next = route.via.unwrap_or(dst);
        let Some((nns, nlink)) = super::proxy_arp::held_or_answered(k, &cur, &route.dev, next)
        else {
            unheld(k, &mut r, &cur, &route, dst, chosen.as_ref(), &seen);
            return r;
        };
        // The frame nns gets (and a bridge between switches): this link's MAC, the TTL left.
        super::wire_facts::record(k, &nns, (&cur, &route.dev), ttl.left(), true);
        let came = (in_dev.as_deref(), in_port.as_deref(), dnat_here.is_some());
        let bridged = bridged_port(k, &cur, came, &route.dev);
        let to = (nns.clone(), nlink.clone());
        if !onward(
            k,
            &mut r,
            (&cur, bridged.as_deref()),
            (&route, &q),
            dst,
            pkt_src,
            &to,
        ) {
            return r;
        }
        in_port = port_into(k, &cur, &route.dev, &nns, &nlink);
        if next != dst {
            let words = next_words(k, &nns, &nlink, next);
            r.hop(&nns, words);
        }
        in_dev = Some(super::port_addr::taken_in(k, &nns, nlink));
        cur = nns;
    }
    capped(&mut r, &cur, dst);
    r
}

/// The walk went on past `CAP` routers (a sender whose TTL is higher): said as where it stops.
fn capped(r: &mut Report, cur: &Netns, dst: IpAddr) {
    let words = format!(
        "after {CAP} routers the packet has not reached {dst}: its TTL ({CAP}) runs out first"
    );
    r.block(cur, words, None);
}

/// The route taken, said as a hop: noted when another table than main chose it, and the
/// MTU it caps packets at judged. `false` when the packet does not fit (said in `r`).
fn taken(
    k: &mut dyn Kernel,
    r: &mut Report,
    cur: &Netns,
    (route, q): (&RouteGet, &Lookup),
    decided: &Option<super::fib_lookup::Decided>,
    in_dev: &Option<String>,
) -> bool {
    r.hop(cur, route_words(route, q, decided.as_ref().map(whence)));
    super::redirect::note(k, r, cur, (route, q), decided.as_ref());
    super::shadow::note(k, r, cur, q, decided.as_ref(), "packet");
    super::fallthrough::note(k, r, cur, q, (decided.as_ref(), "packet"));
    let chosen = decided.as_ref().and_then(|d| d.route.as_ref());
    super::route_mtu::fits(k, r, cur, route, chosen, in_dev.is_some())
}

/// The route lookup at `cur`: at a router with the packet's inputs and the mark its PREROUTING
/// gave it (a mark does not cross namespaces); at the source as OUTPUT leaves it (a MARK or
/// DNAT there routes it again).
fn lookup_at(
    k: &mut dyn Kernel,
    r: &mut Report,
    cur: &Netns,
    in_dev: &Option<String>,
    src: Option<IpAddr>,
    dst: IpAddr,
) -> Lookup {
    let port = k.tcp_port(dst);
    match in_dev {
        None => hook_points::sent(k, r, cur, dst),
        Some(_) => Lookup {
            src,
            iif: in_dev.clone(),
            mark: k.mark_in(cur),
            ..Lookup::to(dst)
        },
    }
    .flow(port, false)
}

/// The destination is an address of `cur` (on `l`): its way in, then the reply's way back.
fn at_local(
    k: &mut dyn Kernel,
    r: &mut Report,
    (cur, l): (&Netns, &str),
    (in_dev, pkt_src): (&Option<String>, Option<IpAddr>),
    q: &Lookup,
    crossed: &[Crossed],
) {
    let dst = q.dst;
    if let Some(i) = in_dev {
        if !super::localnet::allowed(k, r, cur, i, dst) {
            return;
        }
    }
    if let (Some(_), Err(e)) = (in_dev, k.route_get(cur, q)) {
        if super::martian_src::local_source(k, r, cur, (q, &e), "packet") {
            return;
        }
        if rp_drops(k, cur, q, &e) {
            reverse_path(k, r, cur, q, &e, "packet");
            return;
        }
    }
    let own = in_dev
        .is_none()
        .then(|| super::lo_down::own_via_lo(k, cur, dst));
    if let Some((cause, fix)) = own.flatten() {
        r.block(cur, cause, Some(fix));
        return;
    }
    if !super::local_route::taken(k, r, cur, l, dst) {
        // No ARP answer: the packet is lost at the hop that sends it here.
        let prev = crossed.last().map(|c| c.ns.to_string());
        r.lost_at = prev.or(Some(r.src.clone()));
        return;
    }
    r.hop(cur, format!("{dst} is local here (on {l})"));
    delivered(k, r, cur, in_dev, pkt_src, dst, crossed);
}

/// A router `cur` the packet came into on `i` and leaves by `dev` (to gateway `via`):
/// forwarding, FORWARD and NAT. `None` when it is dropped there (said in `r`).
fn routed(
    k: &mut dyn Kernel,
    r: &mut Report,
    (cur, i): (&Netns, &String),
    (dev, via): (&str, Option<IpAddr>),
    src_ip: IpAddr,
    dst: IpAddr,
    dnat: Option<IpAddr>,
) -> Option<Crossed> {
    // MASQUERADE's address comes from the link the packet really leaves by.
    let out = super::masq_source::masq_source(k, cur, dev, via.unwrap_or(dst), dst);
    let x = router(k, r, cur, i, dev, src_ip, dst, out, dnat.is_some());
    let snat = match x.ok {
        true => super::nft_forward::forwarded(k, r, (cur, i, dev), (src_ip, dst), out)?.or(x.snat),
        false => x.snat,
    };
    x.ok.then(|| Crossed {
        ns: cur.clone(),
        in_dev: i.clone(),
        out_dev: dev.to_string(),
        snat: snat.map(|s| (src_ip, s)),
        untracked: x.untracked,
        near: x.near,
        exempt: x.exempt,
        zone: x.zone,
        dnat: dnat.is_some(),
        dnat_from: dnat,
    })
}

/// `G is r1's eth0` (or its lo, and the link that answers ARP), or who answers for it by
/// proxy_arp.
fn next_words(k: &mut dyn Kernel, nns: &Netns, nlink: &str, next: IpAddr) -> String {
    match local(k, nns, next) {
        Some(l) if l == nlink => format!("{next} is {nns}'s {nlink}"),
        Some(l) => format!("{next} is {nns}'s {l}; {nns} answers ARP for it on {nlink}"),
        None => format!("{next} is answered by {nns}'s {nlink} (proxy_arp)"),
    }
}

/// From `cur` out of the route's link to `nlink` in `nns`, which holds the next hop: an
/// on-link next hop really on the link's segment, the layer 2 between, bridged FORWARD, and
/// the segment's checks. `false` when broken (said in `r`).
#[allow(clippy::too_many_arguments)]
fn onward(
    k: &mut dyn Kernel,
    r: &mut Report,
    (cur, bridged): (&Netns, Option<&str>),
    (route, q): (&RouteGet, &Lookup),
    dst: IpAddr,
    pkt_src: Option<IpAddr>,
    (nns, nlink): &(Netns, String),
) -> bool {
    let next = route.via.unwrap_or(dst);
    let dev = &route.dev;
    if !super::port_addr::not_on_port(k, r, cur, route, dst) {
        return false;
    }
    if super::macvlan_shim::unreached(
        k,
        r,
        (cur, route),
        (nns, nlink.as_str(), next),
        "the packet",
    ) {
        return false;
    }
    if route.via.is_none()
        && super::netmask::too_wide(k, r, cur, dev, dst, nns, nlink, "the packet")
    {
        return false;
    }
    if !super::nft_egress::leaves(k, r, cur, dev, (pkt_src, dst), true) {
        return false;
    }
    r.next_hops.push((cur.clone(), dev.clone(), next));
    r.switched.clear();
    let from = pkt_src.unwrap_or(dst);
    l2::reach(k, r, (cur, dev), nns, nlink, bridged)
        && !super::wrong_link::misled(
            k,
            r,
            (cur, route, q),
            next,
            (nns, nlink),
            ("the packet", from),
        )
        && super::bridge_family::bridged(k, r, (cur, dev), (nns, nlink, next), pkt_src, dst, true)
        && hook_points::bridged(k, r, nns, pkt_src, dst)
        && segment::check(k, r, cur, dev, next, nns, nlink)
}

/// The packet is at its destination: its way in (PREROUTING, INPUT), then the reply's way back.
fn delivered(
    k: &mut dyn Kernel,
    r: &mut Report,
    at: &Netns,
    in_dev: &Option<String>,
    pkt_src: Option<IpAddr>,
    dst: IpAddr,
    crossed: &[Crossed],
) {
    if let (Some(_), Some(s)) = (in_dev, pkt_src) {
        if !own_source(k, r, at, s, crossed) {
            return;
        }
    }
    if hook_points::delivered(k, r, at, in_dev, pkt_src, dst)
        && !super::fwmark_reflect::unreflected(k, r, at, dst, pkt_src, crossed)
    {
        way_back(k, r, at, dst, pkt_src, crossed);
    }
}

/// Which link of `ns` holds `ip`.
fn local(k: &mut dyn Kernel, ns: &Netns, ip: IpAddr) -> Option<String> {
    k.view(ns)
        .and_then(|v| v.addr_owner(ip).map(|(l, _)| l.to_string()))
}

/// The kernel's route for `q`; at the source, looked up again from the source address it
/// chose, as a connected socket (ping, TCP) is routed. `None` when refused (said in `r`).
fn lookup(
    k: &mut dyn Kernel,
    r: &mut Report,
    cur: &Netns,
    q: Lookup,
) -> Option<(RouteGet, Lookup)> {
    let first = q.iif.is_none();
    let got = k.route_get(cur, &q).and_then(|rt| match (first, rt.src) {
        (true, Some(s)) => {
            let again = Lookup {
                src: Some(s),
                ..q.clone()
            };
            // The kernel names no preferred source when it was given one.
            k.route_get(cur, &again).map(|rt| {
                (
                    RouteGet {
                        src: rt.src.or(Some(s)),
                        ..rt
                    },
                    again,
                )
            })
        }
        _ => Ok((rt, q.clone())),
    });
    match got {
        Ok(x) => Some(x),
        Err(e) => {
            // The refused lookup is the one with the source, when there was one.
            let asked = match (first, k.route_get(cur, &q)) {
                (true, Ok(rt)) => Lookup { src: rt.src, ..q },
                _ => q,
            };
            refused(k, r, cur, &asked, &e, first);
            None
        }
    }
}

/// `route to D via G dev X src S`, then what the kernel was asked at a router and the table
/// and rule that answered when they are not the main table.
fn route_words(rt: &RouteGet, q: &Lookup, whence: Option<String>) -> String {
    let via = rt.via.map(|g| format!(" via {g}")).unwrap_or_default();
    let from = rt.src.map(|s| format!(" src {s}")).unwrap_or_default();
    let mut notes = vec![];
    if let (Some(i), Some(s)) = (&q.iif, q.src) {
        notes.push(format!("from {s}, in on {i}"));
    }
    if q.mark != 0 {
        notes.push(format!("marked {:#x}", q.mark));
    }
    if let Some(w) = whence.filter(|w| w != "table main" && rt.redirected.is_none()) {
        notes.push(w);
    }
    if rt.redirected.is_some() {
        notes.push("a cached redirect".into());
    }
    let notes = if notes.is_empty() {
        String::new()
    } else {
        format!(" ({})", notes.join("; "))
    };
    format!("route to {}{via} dev {}{from}{notes}", q.dst, rt.dev)
}

/// The next hop is held by no namespace: a gateway nobody has (the route is fixed through the
/// neighbour towards the destination), or a destination beyond the lab.
fn unheld(
    k: &mut dyn Kernel,
    r: &mut Report,
    cur: &Netns,
    route: &RouteGet,
    dst: IpAddr,
    chosen: Option<&FibRoute>,
    seen: &[Visit],
) {
    let next = route.via.unwrap_or(dst);
    if super::dad_failed::unheld(k, r, (cur, &route.dev), next, route.via.is_some()) {
        return;
    }
    let Some(gw) = route.via else {
        if super::absent::destination(k, r, cur, &route.dev, dst) {
            return;
        }
        r.hop(
            cur,
            format!(
                "{dst} is beyond {}: not in any namespace here, not followed",
                route.dev
            ),
        );
        return;
    };
    let rule = seen.last().and_then(|v| v.rule.clone());
    let target = owner(k, dst).map(|(t, _)| t);
    let fix = match (target, chosen) {
        (Some(t), Some(rt)) => match toward(k, cur, &t, dst.is_ipv4()) {
            // On the destination's own subnet: without the route, the link's route takes it.
            Some((n, _)) if n == t => Some(route_del(cur, rt, rule.as_ref())),
            Some((_, a)) if a != gw => Some(route_via(cur, rt, rule.as_ref(), a)),
            _ => None,
        },
        _ => None,
    };
    // The gateway's own address gone from the segment: given back, the route stands.
    let fix = super::absent::gateway_fix(k, cur, &route.dev, gw).or(fix);
    let what = chosen
        .map(|c| format!(" (route `{}`)", c.text()))
        .unwrap_or_default();
    let off = super::absent::lost_v6(k, cur, &route.dev, gw);
    let what = format!("no namespace here holds {cur}'s gateway {gw}{what}{off}");
    match super::proxy_arp::fix(k, cur, &route.dev) {
        Some((router, proxy)) => r.block(
            cur,
            format!("{what}, and {router} at the other end of {} does not answer for it (proxy_arp is 0 there)", route.dev),
            Some(proxy),
        ),
        None => r.block(cur, what, fix),
    }
    r.break_kind = Some(super::break_kind::BreakKind::DeadGateway);
}
