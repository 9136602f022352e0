//! A route straight onto a segment (a connected route, or any route without a gateway) that
//! takes a destination nobody on that segment holds, while the route it outranks would have
//! reached it: a new bridge (a docker compose network, say) whose subnet covers a network the
//! default route leads to. Proved, not guessed: the destination's holder is not among the
//! segment's ends, and the lookup with the route left out (read from the fib) finds a gateway
//! on its own segment that has a route on. A segment with nobody on it (a bridge with no
//! ports, a link with no carrier) is the fault at once; otherwise the route is noted, and is
//! the fault only if the path it chose dies further on (settled as a shadow).

use super::absent::lab_link;
use super::behind::behind;
use super::ends::ends;
use super::fib::{Fib, FibRoute};
use super::fib_lookup::decide;
use super::kernel::Kernel;
use super::leads_on::leads_on;
use super::owner::owner;
use super::report::Report;
use super::route_fix::{exec, route_add, route_del};
use super::route_get::{Lookup, RouteKind};
use super::shadow_note::Shadow;
use crate::sys::{LinkKind, Netns};
use ipnet::IpNet;
use std::net::IpAddr;

/// `true` when the route `chosen` (no gateway, out `chosen.dev`) at `cur` hides `q.dst` on an
/// empty segment (said in `r`, with a more specific route the other way as the fix); on a
/// segment with others on it, noted as a shadow and `false`.
pub(crate) fn hides(
    k: &mut dyn Kernel,
    r: &mut Report,
    cur: &Netns,
    q: &Lookup,
    chosen: Option<&FibRoute>,
) -> bool {
    let dst = q.dst;
    let Some(rt) = chosen.filter(|c| c.via.is_none() && c.kind == RouteKind::Unicast) else {
        return false;
    };
    let Some(dev) = rt.dev.clone() else {
        return false;
    };
    // A route out of a bridge port is port_addr's to name: the bridge takes the answers.
    if k.links(cur)
        .iter()
        .any(|l| l.name == dev && l.master.is_some())
    {
        return false;
    }
    // Cheap first (the fib only): a way out another link once the route is left out. A host
    // route (a pod's /32) is judged without one: its holder may be behind another link.
    let alt = alt_route(&k.fib(cur), q, rt);
    if alt.is_none() && rt.dst != IpNet::from(dst) {
        return false;
    }
    let Some((hns, hlink)) = owner(k, dst) else {
        return false;
    };
    // Cheap first: a holder whose subnet holds the sender's own address on the link is on
    // its segment in any lab that is not broken otherwise (the segment's ends cost a read of
    // every port's peer).
    let mine = k.view(cur).map(|v| v.addrs).unwrap_or_default();
    let net = holder_net(k, &hns, &hlink, dst);
    if net.is_some_and(|n| mine.iter().any(|(l, a)| *l == dev && n.contains(&a.addr())))
        || !lab_link(k, cur, &dev)
    {
        return false;
    }
    let (on_seg, words) = ends(k, cur, &dev);
    if on_seg.iter().any(|e| e.ns == hns && e.link == hlink) || proxies(k, cur, &dev, &on_seg, dst)
    {
        return false;
    }
    // Only a way that truly gets there is said to: a default back to the sender does not.
    let alt =
        alt.filter(|a| other_way(k, cur, q, a) && a.via.is_none_or(|g| leads_on(k, cur, g, dst)));
    let to = behind(k, cur, &dev, &hns, (&hlink, dst.is_ipv4()))
        .map(|(l, _)| l)
        .filter(|l| {
            alt.as_ref()
                .is_none_or(|a| a.dev.as_deref() != Some(l.as_str()))
        });
    if to.is_none() && alt.is_none() {
        return false;
    }
    let link = k.links(cur).into_iter().find(|l| l.name == dev);
    let bridge = link
        .as_ref()
        .is_some_and(|l| l.kind == Some(LinkKind::Bridge));
    let linkdown = link.as_ref().is_some_and(|l| !l.carrier);
    let own = mine
        .into_iter()
        .find(|(l, a)| *l == dev && a.trunc() == rt.dst);
    let seg = match (bridge && on_seg.is_empty(), linkdown) {
        (true, true) => "linkdown: a bridge with no ports".to_string(),
        (true, false) => "a bridge with no ports".to_string(),
        (false, true) => "linkdown: no carrier".to_string(),
        _ => format!("its segment: {words}"),
    };
    let what = own.as_ref().map_or("route", |_| "connected route");
    let mut cause = format!(
        "{cur}'s {what} `{}` ({seg}) takes {dst}, which nobody there holds: {hns} holds it (on {hlink})",
        rt.text()
    );
    let net = net
        .filter(|n| n.prefix_len() > rt.dst.prefix_len())
        .unwrap_or_else(|| IpNet::from(dst));
    let fix = match (&to, &alt) {
        (Some(l), _) => {
            cause += &format!(", behind {cur}'s {l}");
            exec(cur, &link_cmd(rt, &net, l))
        }
        (None, Some(a)) => {
            cause += &format!(
                ", and without that route {cur}'s `{}` would reach it",
                a.text()
            );
            alt_fix(cur, rt, &net, a)
        }
        (None, None) => return false,
    };
    let empty = linkdown || on_seg.iter().all(|e| e.bridge);
    if !empty {
        if r.shadow.is_none() {
            let hop = r
                .hops
                .iter()
                .rposition(|h| h.at == cur.to_string())
                .unwrap_or(0);
            r.shadow = Some(Shadow {
                at: cur.to_string(),
                hop,
                local: true,
                cause,
                fix,
                keep: false,
                request: false,
            });
        }
        return false;
    }
    r.block(cur, cause, Some(fix));
    // Taking the route away helps only when the way it hides truly gets there.
    r.other_way = alt.map(|_| match own {
        Some(_) if bridge && on_seg.is_empty() => exec(cur, &format!("ip link del {dev}")),
        Some((_, a)) => exec(cur, &format!("ip addr del {a} dev {dev}")),
        None => route_del(cur, rt, None),
    });
    true
}

/// The route to `net` put onto `link`, the one that leads to its holder: the wrong route
/// itself replaced (keeping its source and a scope other than link's), or a more specific
/// one added beside a wider route.
fn link_cmd(rt: &FibRoute, net: &IpNet, link: &str) -> String {
    if *net != rt.dst {
        return format!("ip route add {net} dev {link}");
    }
    let mut cmd = format!("ip route replace {net} dev {link}");
    match rt.scope {
        253 => {}
        0 => cmd += " scope global",
        200 => cmd += " scope site",
        254 => cmd += " scope host",
        n => cmd += &format!(" scope {n}"),
    }
    if let Some(s) = rt.src {
        cmd += &format!(" src {s}");
    }
    cmd
}

/// A more specific route the way `alt` goes, which `rt` hid.
fn alt_fix(cur: &Netns, rt: &FibRoute, net: &IpNet, alt: &FibRoute) -> String {
    // A fix of the shadowing route's own prefix replaces it: `add` would find it there.
    let verb = if *net == rt.dst { "replace" } else { "add" };
    match alt.via {
        Some(g) if verb == "add" => route_add(cur, net, g),
        Some(g) => exec(cur, &format!("ip route replace {net} via {g}")),
        None => exec(
            cur,
            &format!(
                "ip route {verb} {net} dev {}",
                alt.dev.clone().unwrap_or_default()
            ),
        ),
    }
}

/// The route the lookup finds in `fib` with `rt` left out, when it leaves by another link.
pub(crate) fn alt_route(fib: &Fib, q: &Lookup, rt: &FibRoute) -> Option<FibRoute> {
    let without = Fib {
        rules: fib.rules.clone(),
        routes: fib.routes.iter().filter(|x| *x != rt).cloned().collect(),
    };
    let alt = decide(&without, q).route?;
    (alt.kind == RouteKind::Unicast && alt.dev.is_some() && alt.dev != rt.dev).then_some(alt)
}

/// That way is real: its gateway (or, without one, the destination) held on its link's
/// segment, and a gateway that has a route on to the destination.
fn other_way(k: &mut dyn Kernel, cur: &Netns, q: &Lookup, alt: &FibRoute) -> bool {
    let next = alt.via.unwrap_or(q.dst);
    let Some((nns, nlink)) = owner(k, next) else {
        return false;
    };
    let (seg, _) = ends(k, cur, alt.dev.as_deref().unwrap_or_default());
    seg.iter().any(|e| e.ns == nns && e.link == nlink)
        && (alt.via.is_none() || k.route_get(&nns, &Lookup::to(q.dst)).is_ok())
}

/// Someone on the segment may answer ARP for `dst` by proxy_arp: the route may be meant so.
fn proxies(
    k: &mut dyn Kernel,
    cur: &Netns,
    dev: &str,
    seg: &[super::ends::End],
    dst: IpAddr,
) -> bool {
    super::proxy_arp::answering(k, cur, dev, dst).is_some()
        || seg.iter().any(|e| {
            ["all", e.link.as_str()].iter().any(|l| {
                k.sysctl(&e.ns, &format!("net.ipv4.conf.{l}.proxy_arp"))
                    .as_deref()
                    == Some("1")
            })
        })
}

/// The holder's own subnet around `dst` (`172.18.5.0/24`): what the fix routes.
fn holder_net(k: &mut dyn Kernel, ns: &Netns, link: &str, dst: IpAddr) -> Option<IpNet> {
    k.view(ns)?
        .addrs
        .into_iter()
        .find(|(l, a)| l == link && a.addr() == dst)
        .map(|(_, a)| a.trunc())
}
