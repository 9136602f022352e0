//! The reply's way back as a path of its own: from the destination, the kernel's lookup at
//! each hop with the reply's inputs (its source, the link it came in on), conntrack undoing
//! SNAT where the request was NATed, FORWARD at each router, and the reverse-path filter
//! where it arrives.

use super::crossed::Crossed;
use super::forward::reply;
use super::kernel::Kernel;
use super::owner::owner;
use super::packet::Packet;
use super::refused::{named, reverse_path, rp_drops, whence};
use super::report::Report;
use super::route_fix::route_add;
use super::route_get::{Lookup, Refusal, RouteGet};
use super::snat_held::nowhere;
use super::toward::{subnet_of, toward};
use super::ttl::CAP;
use super::words::{call, ip_forward};
use crate::sys::Netns;
use std::net::IpAddr;

/// The reply from `dst` (local in `at`) to `src` (the request's source as it arrived).
pub(crate) fn way_back(
    k: &mut dyn Kernel,
    r: &mut Report,
    at: &Netns,
    dst: IpAddr,
    src: Option<IpAddr>,
    crossed: &[Crossed],
) {
    let mark = super::reply_mark::reply_mark(k, at, dst);
    way_back_with(k, r, at, dst, src, crossed, mark);
}

/// The same, the reply made with `mark` (what its first lookup at `at` sees).
pub(crate) fn way_back_with(
    k: &mut dyn Kernel,
    r: &mut Report,
    at: &Netns,
    dst: IpAddr,
    src: Option<IpAddr>,
    crossed: &[Crossed],
    mark: u32,
) {
    let was_clear = r.clear();
    // The request got through a policy rule's way: that rule is not the reply's fault, and the
    // slot is free for what the reply's own lookups note.
    if r.shadow.as_ref().is_some_and(|s| s.request) {
        r.shadow = None;
    }
    follow_back(k, r, at, dst, src, crossed, mark);
    r.back = was_clear && !r.clear();
}

/// `true` (said in `r`) when `cur`, a router on the reply's way (in on `in_dev`), does not
/// forward: either the hop before sent the reply to a host that is no router (by a route that
/// overrides the right one, or for want of one), or `cur`'s ip_forward is off.
fn not_forwarding(
    k: &mut dyn Kernel,
    r: &mut Report,
    (cur, in_dev): (&Netns, &str),
    seen: &[(Netns, Lookup)],
    to: IpAddr,
) -> bool {
    let (key, fix) = match to {
        IpAddr::V4(_) => ("net.ipv4.ip_forward", ip_forward(cur)),
        IpAddr::V6(_) => {
            let key = super::ipv6::FORWARDING;
            (key, call(cur, &format!("sysctl(\"{key}\", 1)")))
        }
    };
    if k.sysctl(cur, key).as_deref() == Some("1") {
        return false;
    }
    let prev = seen.iter().rev().nth(1).map(|(n, q)| (n, q));
    if super::not_router::reply_detoured(k, r, (cur, in_dev), prev, to) {
        return true;
    }
    if !super::not_router::missing_at_prev(k, r, cur, prev, to, "the reply") {
        r.block(
            cur,
            format!("{cur} does not forward the reply: {key} is 0"),
            Some(fix),
        );
    }
    true
}

fn follow_back(
    k: &mut dyn Kernel,
    r: &mut Report,
    at: &Netns,
    mut dst: IpAddr,
    src: Option<IpAddr>,
    crossed: &[Crossed],
    mark: u32,
) {
    let Some(mut to) = src else { return };
    if at.to_string() == r.src {
        return;
    }
    let mut cur = at.clone();
    let mut in_dev: Option<String> = None;
    let mut seen: Vec<(Netns, Lookup)> = vec![];
    let mut turns: Vec<super::asym_back::Turn> = vec![];
    let mut ttl = super::ttl_left::TtlLeft::sent_by(k, at);
    for _ in 0..=CAP {
        let q = Lookup {
            src: Some(dst),
            iif: in_dev.clone(),
            // Only the reply's own first lookup has its mark: a mark does not cross namespaces.
            mark: if in_dev.is_none() { mark } else { 0 },
            ..Lookup::to(to)
        }
        .flow(k.tcp_port(dst), true);
        if let Some(i) = &in_dev {
            let s = super::nft_early::seen_at(k, &cur, i, (dst, to), false);
            if !super::nft_early::ingress(k, r, &cur, i, &s)
                || !super::rpfilter_drop::reply_passes(k, r, &cur, &s)
            {
                return;
            }
        }
        match turned_or_home(k, r, (&cur, &in_dev), &q, dst, &mut to, crossed) {
            Some(true) => return,
            Some(false) => continue,
            None => {}
        }
        if seen.iter().any(|(n, s)| *n == cur && *s == q) {
            super::back_loop::back_loop(k, r, &seen, &cur, to);
            return;
        }
        seen.push((cur.clone(), q.clone()));
        if let Some(i) = &in_dev {
            if not_forwarding(k, r, (&cur, i), &seen, to) {
                return;
            }
        }
        let rt = match k.route_get(&cur, &q) {
            Ok(rt) => rt,
            Err(e) => return no_way_back(k, r, &cur, &q, &e, crossed),
        };
        say_route(k, r, &cur, &q, &rt);
        turns.push((cur.clone(), q.clone(), rt.clone()));
        let decided = named(k, &cur, &q, Some(rt.kind));
        super::shadow::note(k, r, &cur, &q, decided.as_ref(), "reply");
        super::fallthrough::note(k, r, &cur, &q, (decided.as_ref(), "reply"));
        let chosen = decided.as_ref().and_then(|d| d.route.as_ref());
        if super::overlap_net::shadows(k, r, &cur, &q, chosen, "the reply") {
            return;
        }
        if in_dev.is_none() {
            super::wrong_default::note(k, r, &cur, &q, &rt, crossed);
            ttl.by_route(
                k,
                (&rt, q.dst),
                decided.as_ref().and_then(|d| d.route.as_ref()),
            );
        }
        if let Some(i) = &in_dev {
            let p = Packet {
                in_dev: Some(i.clone()),
                out_dev: rt.dev.clone(),
                src: dst,
                dst: to,
                state: "ESTABLISHED",
            };
            if untracked_here(k, r, (at, crossed), &turns, &cur, &p) {
                return;
            }
            if !reply(k, r, &cur, &p) || !ttl.forwarded(r, &cur, "the reply") {
                return;
            }
        }
        if !super::nft_egress::leaves(k, r, &cur, &rt.dev, (Some(dst), to), false)
            || !super::port_addr::not_on_port(k, r, &cur, &rt, to)
        {
            return;
        }
        let next = rt.via.unwrap_or(to);
        let Some((nns, nlink)) = super::proxy_arp::held_or_answered(k, &cur, &rt.dev, next) else {
            if nowhere(k, r, &cur, &rt.dev, to, crossed) {
                return;
            }
            if rt.via.is_some() {
                super::back_gateway::unheld(k, r, &cur, &rt.dev, &q, next);
            }
            return;
        };
        super::wire_facts::record(k, &nns, (&cur, rt.dev.as_str()), ttl.left(), false);
        let hop = (&cur, &rt, &q);
        if !onto(k, r, hop, (&nns, &nlink, next), (dst, to), (crossed, &seen)) {
            return;
        }
        dst = super::dnat_bypass::undone(crossed, &cur, dst);
        in_dev = Some(super::port_addr::taken_in(k, &nns, nlink));
        cur = nns;
    }
    r.block(
        &cur,
        format!("after {CAP} routers the reply has not reached {to}"),
        None,
    );
}

/// At `cur`, a router the request never crossed (`turned`: where the reply starts, and what
/// the request crossed): its conntrack has no entry for the reply `p`. True when it drops it
/// there (said in `r`, the route back blamed: `turns`).
fn untracked_here(
    k: &mut dyn Kernel,
    r: &mut Report,
    (at, crossed): (&Netns, &[Crossed]),
    turns: &[super::asym_back::Turn],
    cur: &Netns,
    p: &Packet,
) -> bool {
    if crossed.iter().any(|c| c.ns == *cur) {
        return false;
    }
    if let Some(drop) = super::asym_back::invalid_drop(k, cur, p) {
        super::asym_back::blame(k, r, (at, crossed), turns, cur, drop);
        return true;
    }
    // Dropped whatever its state: an ESTABLISHED accept would still leave it INVALID here;
    // the route back is the fault, a stateless accept the other way.
    let Some((drop, accept)) = super::asym_back::stateless_drop(k, cur, p) else {
        return false;
    };
    super::asym_back::blame(k, r, (at, crossed), turns, cur, drop);
    match r.fix {
        None => r.fix = Some(accept),
        Some(_) => r.other_way = Some(accept),
    }
    true
}

/// Whether the reply (from `dst` to `to`) routed by `rt` at `cur` gets onto `nlink` in `nns`
/// (which holds or answers for `next`): the link, bridges and their filters, the netmask, the
/// link the route names, a DNAT it bypasses. False when not (said in `r`).
fn onto(
    k: &mut dyn Kernel,
    r: &mut Report,
    (cur, rt, q): (&Netns, &RouteGet, &Lookup),
    (nns, nlink, next): (&Netns, &str, IpAddr),
    (dst, to): (IpAddr, IpAddr),
    (crossed, seen): (&[Crossed], &[(Netns, Lookup)]),
) -> bool {
    let on = (cur, rt.dev.as_str());
    super::back_link::carries(k, r, cur, &rt.dev, nns, nlink)
        && !super::macvlan_shim::unreached(k, r, (cur, rt), (nns, nlink, next), "the reply")
        && super::bridge_family::bridged(k, r, on, (nns, nlink, next), Some(dst), to, false)
        && super::bridge_nf::reply_passes(k, r, on, (nns, nlink), (dst, to))
        && !(rt.via.is_none()
            && super::netmask::too_wide(k, r, cur, &rt.dev, to, nns, nlink, "the reply"))
        && !super::wrong_link::misled(k, r, (cur, rt, q), next, (nns, nlink), ("the reply", dst))
        && !super::dnat_bypass::bypassed(k, r, (cur, q, rt), nns, crossed, seen)
}

/// At `cur`, a namespace that NATed the request or holds `to`: conntrack turns the reply
/// back to its first source (`Some(false)`: go on to the new `to`), or the reply is home or
/// lost here (`Some(true)`, said in `r`). `None`: neither, the reply is routed on.
fn turned_or_home(
    k: &mut dyn Kernel,
    r: &mut Report,
    (cur, in_dev): (&Netns, &Option<String>),
    q: &Lookup,
    dst: IpAddr,
    to: &mut IpAddr,
    crossed: &[Crossed],
) -> Option<bool> {
    // Conntrack undoes SNAT where it was done, held there or not.
    let natted = crossed
        .iter()
        .any(|c| c.ns == *cur && c.snat.is_some_and(|(_, s)| s == *to));
    if natted || k.view(cur).is_some_and(|v| v.addr_owner(*to).is_some()) {
        // The request was NATed here: conntrack turns the reply back to its first source.
        if let Some((from, _)) = crossed.iter().find(|c| c.ns == *cur).and_then(|c| c.snat) {
            let split = crossed
                .iter()
                .find(|c| c.ns == *cur)
                .and_then(|c| c.zone.as_ref());
            if let Some(z) = split.filter(|_| from != *to) {
                z.blame(r, from);
                return Some(true);
            }
            let tcp = k.tcp_port(dst).is_some();
            if from != *to && super::ct_timeout::forgets(k, r, cur, tcp, (from, *to)) {
                return Some(true);
            }
            if from != *to {
                r.hop(
                    cur,
                    format!("the reply to {to} is turned back to {from} (conntrack, NAT)"),
                );
                *to = from;
                return Some(false);
            }
        }
        if let Some(i) = &in_dev {
            if let Err(e) = k.route_get(cur, q) {
                if rp_drops(k, cur, q, &e) {
                    reverse_path(k, r, cur, q, &e, "reply");
                    return Some(true);
                }
            }
            r.hop(cur, format!("the reply arrives on {i}"));
            super::hook_points::reply_home(k, r, cur, i, dst, *to);
        }
        return Some(true);
    }
    None
}

/// `the way back: route to …` for the reply's route `rt` at `cur`, with the table or rule
/// that gave it when not main.
fn say_route(k: &mut dyn Kernel, r: &mut Report, cur: &Netns, q: &Lookup, rt: &RouteGet) {
    let via = rt.via.map(|g| format!(" via {g}")).unwrap_or_default();
    let how = named(k, cur, q, Some(rt.kind))
        .map(|d| whence(&d))
        .filter(|w| w != "table main")
        .map(|w| format!(" ({w})"))
        .unwrap_or_default();
    r.hop(
        cur,
        format!("the way back: route to {}{via} dev {}{how}", q.dst, rt.dev),
    );
}

/// No route for the reply: a blackhole or policy rule is named as on the way there; a missing
/// route gets one through the neighbour towards the source (NAT is the other way).
fn no_way_back(
    k: &mut dyn Kernel,
    r: &mut Report,
    at: &Netns,
    q: &Lookup,
    e: &Refusal,
    crossed: &[Crossed],
) {
    let to = q.dst;
    if nowhere(k, r, at, "its default", to, crossed) {
        return;
    }
    if let Some(u) = crossed.iter().find_map(|c| c.untracked.as_ref()) {
        let cause = format!("has no route back to {to} ({})", e.words);
        return super::untracked::blame(r, u, at, &cause);
    }
    if let Some(n) = crossed.iter().find_map(|c| c.near.as_ref()) {
        let cause = format!("has no route back to {to} ({})", e.words);
        return n.blame(k, r, &to.to_string(), at, &cause);
    }
    if rp_drops(k, at, q, e) || e.kind().is_some() {
        super::refused::refused(k, r, at, q, e, false);
        return;
    }
    if super::prefix_route::missing(k, r, at, to, "no route back to", &e.words)
        || super::netmask_narrow::too_narrow(k, r, at, to, "the reply", &e.words)
        || super::src_hint::blame_sender(k, r, &at.to_string(), to, &e.words)
    {
        return;
    }
    let route = owner(k, to).and_then(|(t, _)| {
        let net = subnet_of(k, &t, to)?;
        let (_, gw) = toward(k, at, &t, to.is_ipv4()).filter(|(n, a)| *n != t && *a != to)?;
        Some(route_add(at, &net, gw))
    });
    let source = owner(k, to).and_then(|(t, _)| subnet_of(k, &t, to));
    // An exemption before the NAT: the NAT is there, the rule before it is the fault.
    if let Some(x) = crossed.iter().find_map(|c| c.exempt.as_ref()) {
        let cause = format!("has no route back to {to} ({})", e.words);
        super::nat_exempt::blame(r, x, at, &cause);
        r.other_way = route;
        return;
    }
    if super::snat_missing::blame(k, r, at, (to, &e.words), crossed, source, &route) {
        return;
    }
    // The DSL's masquerade() is IPv4's NAT: no other way for an IPv6 reply.
    let masq = crossed.last().filter(|_| to.is_ipv4()).map(|c| {
        let subnet = source.or_else(|| {
            k.view(&c.ns).and_then(|v| {
                v.addrs
                    .iter()
                    .find(|(l, _)| *l == c.in_dev)
                    .map(|(_, a)| a.trunc())
            })
        });
        let s = subnet
            .map(|n| n.to_string())
            .unwrap_or_else(|| to.to_string());
        call(
            &c.ns,
            &format!("masquerade(#{{ src: \"{s}\", out: \"!{}\" }})", c.in_dev),
        )
    });
    let (fix, other) = match route {
        Some(f) => (Some(f), masq),
        None => (masq, None),
    };
    r.block(
        at,
        format!("{at} has no route back to {to} ({})", e.words),
        fix,
    );
    r.other_way = other;
}
