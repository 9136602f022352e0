//! Following a packet hop by hop, as the article explains it: the route lookup, the link, the
//! namespace that owns the gateway, ip_forward there, FORWARD, NAT in POSTROUTING, and then the
//! way back (the reverse route, conntrack). Stops at the first broken step.

use super::l2;
use super::packet::Packet;
use super::words::{call, ip_forward, link_call, stack};
use super::{Kernel, Report};
use crate::plan::Netns;
use std::net::IpAddr;

/// A router the packet crossed: where, in and out links, and whether it rewrote the source.
struct Crossed {
    ns: Netns,
    in_dev: String,
    out_dev: String,
}

/// Which namespace holds `ip`, and on which link.
pub fn owner(k: &mut dyn Kernel, ip: IpAddr) -> Option<(Netns, String)> {
    for ns in k.namespaces() {
        if let Some(v) = k.view(&ns) {
            if let Some((l, _)) = v.addr_owner(ip) {
                return Some((ns, l.to_string()));
            }
        }
    }
    None
}

pub fn walk(k: &mut dyn Kernel, src: &Netns, dst: IpAddr) -> Report {
    let mut r = Report {
        src: src.to_string(),
        dst: dst.to_string(),
        evaluated: true,
        ..Report::default()
    };
    let mut cur = src.clone();
    let mut in_dev: Option<String> = None;
    let mut pkt_src: Option<IpAddr> = None;
    let mut crossed: Vec<Crossed> = vec![];
    for _ in 0..16 {
        if let Some((l, _)) = k
            .view(&cur)
            .and_then(|v| v.addr_owner(dst).map(|(l, a)| (l.to_string(), *a)))
        {
            r.hop(&cur, format!("{dst} is local here (on {l})"));
            break;
        }
        let route = match k.route_get(&cur, dst) {
            Ok(rt) => rt,
            Err(e) => {
                no_route(k, &mut r, &cur, dst, &e);
                return r;
            }
        };
        let via = route.via.map(|g| format!(" via {g}")).unwrap_or_default();
        let from = route.src.map(|s| format!(" src {s}")).unwrap_or_default();
        r.hop(&cur, format!("route to {dst}{via} dev {}{from}", route.dev));
        let src_ip = *pkt_src.get_or_insert(route.src.unwrap_or(dst));
        if let Some(i) = &in_dev {
            // A router: it must forward, let the packet through FORWARD, and maybe NAT it.
            if k.sysctl(&cur, "net.ipv4.ip_forward").as_deref() != Some("1") {
                r.block(
                    &cur,
                    format!("{cur} does not forward: net.ipv4.ip_forward is 0"),
                    Some(ip_forward(&cur)),
                );
                return r;
            }
            r.hop(&cur, "ip_forward is 1");
            let p = Packet {
                in_dev: Some(i.clone()),
                out_dev: route.dev.clone(),
                src: src_ip,
                dst,
                state: "NEW",
            };
            if let Some(c) = k.chain(&cur, "filter", "FORWARD") {
                let d = c.decide(&p);
                let by = d
                    .rule
                    .as_ref()
                    .map(|x| format!("rule `{x}`"))
                    .unwrap_or_else(|| format!("policy {}", d.target));
                if d.target != "ACCEPT" && d.target != "RETURN" {
                    r.block(
                        &cur,
                        format!("{cur}'s FORWARD chain drops {i} → {} ({by})", route.dev),
                        Some(call(
                            &cur,
                            &format!("forward(#{{ \"in\": \"{i}\", out: \"{}\" }})", route.dev),
                        )),
                    );
                    return r;
                }
                r.hop(&cur, format!("FORWARD {i} → {} accepted ({by})", route.dev));
            }
            if let Some(c) = k.chain(&cur, "nat", "POSTROUTING") {
                let d = c.decide(&p);
                let new = match d.target.as_str() {
                    "MASQUERADE" => route.src,
                    "SNAT" => d.to_source,
                    _ => None,
                };
                if let Some(n) = new {
                    r.hop(
                        &cur,
                        format!("POSTROUTING {}: source {src_ip} becomes {n}", d.target),
                    );
                    pkt_src = Some(n);
                }
            }
            crossed.push(Crossed {
                ns: cur.clone(),
                in_dev: i.clone(),
                out_dev: route.dev.clone(),
            });
        }
        let next = route.via.unwrap_or(dst);
        let Some((nns, nlink)) = owner(k, next) else {
            if route.via.is_some() {
                r.block(
                    &cur,
                    format!("no namespace here holds {cur}'s gateway {next}"),
                    None,
                );
            } else {
                r.hop(
                    &cur,
                    format!(
                        "{dst} is beyond {}: not in any namespace here, not followed",
                        route.dev
                    ),
                );
            }
            return r;
        };
        r.next_hops.push((cur.clone(), route.dev.clone(), next));
        if !l2::reach(k, &mut r, &cur, &route.dev, &nns, &nlink) {
            return r;
        }
        if next != dst {
            r.hop(&nns, format!("{next} is {nns}'s {nlink}"));
        }
        in_dev = Some(nlink);
        cur = nns;
    }
    way_back(k, &mut r, &cur, dst, pkt_src, &crossed);
    r
}

/// The reply: the destination needs a route back to the (possibly rewritten) source, and every
/// router crossed must let the reply through FORWARD (conntrack ESTABLISHED).
fn way_back(
    k: &mut dyn Kernel,
    r: &mut Report,
    at: &Netns,
    dst: IpAddr,
    src: Option<IpAddr>,
    crossed: &[Crossed],
) {
    let Some(src) = src else { return };
    if at.to_string() == r.src {
        return;
    }
    match k.route_get(at, src) {
        Ok(rt) => {
            let via = rt.via.map(|g| format!(" via {g}")).unwrap_or_default();
            r.hop(
                at,
                format!("the way back: route to {src}{via} dev {}", rt.dev),
            );
        }
        Err(e) => {
            let fix = match crossed.last() {
                Some(c) => {
                    let subnet = k.view(&c.ns).and_then(|v| {
                        v.addrs
                            .iter()
                            .find(|(l, _)| *l == c.in_dev)
                            .map(|(_, a)| a.trunc())
                    });
                    let s = subnet
                        .map(|n| n.to_string())
                        .unwrap_or_else(|| src.to_string());
                    call(
                        &c.ns,
                        &format!("masquerade(#{{ src: \"{s}\", out: \"!{}\" }})", c.in_dev),
                    )
                }
                None => call(at, &format!("route(\"{src}/32\", \"GATEWAY\")")),
            };
            let why = if crossed.is_empty() {
                String::new()
            } else {
                " (no MASQUERADE on the way: the reply has no way back)".to_string()
            };
            r.block(
                at,
                format!("{at} has no route back to {src}{why}: {e}"),
                Some(fix),
            );
            return;
        }
    }
    for c in crossed.iter().rev() {
        let p = Packet {
            in_dev: Some(c.out_dev.clone()),
            out_dev: c.in_dev.clone(),
            src: dst,
            dst: src,
            state: "ESTABLISHED",
        };
        if let Some(ch) = k.chain(&c.ns, "filter", "FORWARD") {
            let d = ch.decide(&p);
            if d.target != "ACCEPT" && d.target != "RETURN" {
                let by = d
                    .rule
                    .map(|x| format!("rule `{x}`"))
                    .unwrap_or_else(|| format!("policy {}", d.target));
                r.block(
                    &c.ns,
                    format!(
                        "{}'s FORWARD chain drops the replies {} → {} ({by})",
                        c.ns, c.out_dev, c.in_dev
                    ),
                    Some(call(
                        &c.ns,
                        &format!(
                            "forward(#{{ out: \"{}\", state: \"RELATED,ESTABLISHED\" }})",
                            c.in_dev
                        ),
                    )),
                );
                return;
            }
            r.hop(
                &c.ns,
                format!("FORWARD lets the replies back {} → {}", c.out_dev, c.in_dev),
            );
        }
    }
}

/// The kernel has no route: a link that is down explains it better than a missing route.
fn no_route(k: &mut dyn Kernel, r: &mut Report, at: &Netns, dst: IpAddr, e: &str) {
    let links = k.links(at);
    let view = k.view(at).unwrap_or_default();
    if view.addrs.iter().all(|(l, _)| l == "lo") {
        r.block(
            at,
            format!("{at} has no address: nothing connects it to {dst}"),
            connect_fix(k, at, dst),
        );
        return;
    }
    let down = links.iter().find(|l| {
        !l.up
            && l.name != "lo"
            && view
                .addrs
                .iter()
                .any(|(n, a)| *n == l.name && a.contains(&dst))
    });
    let down = down.or_else(|| {
        links
            .iter()
            .find(|l| !l.up && l.name != "lo" && view.addrs.iter().any(|(n, _)| *n == l.name))
    });
    if let Some(l) = down {
        r.block(
            at,
            format!("{} in {at} is down, so {at} has no route to {dst}", l.name),
            Some(link_call(at, &l.name, "up()")),
        );
        return;
    }
    let gw = gateway_guess(k, at, dst);
    r.block(
        at,
        format!("{at} has no route to {dst} ({e})"),
        Some(call(
            at,
            &format!(
                "route(\"default\", \"{}\")",
                gw.map(|g| g.to_string())
                    .unwrap_or_else(|| "GATEWAY".into())
            ),
        )),
    );
}

/// The likely gateway: an address of another namespace on one of `at`'s subnets, preferring a
/// bridge's (the article's bridge0) or the host's.
fn gateway_guess(k: &mut dyn Kernel, at: &Netns, dst: IpAddr) -> Option<IpAddr> {
    let mine = k.view(at)?.addrs;
    let mut best: Option<(u8, IpAddr)> = None;
    for ns in k.namespaces() {
        if ns == *at {
            continue;
        }
        let Some(v) = k.view(&ns) else { continue };
        let bridges: Vec<String> = k
            .links(&ns)
            .into_iter()
            .filter(|l| l.kind.as_deref() == Some("bridge"))
            .map(|l| l.name)
            .collect();
        for (l, a) in &v.addrs {
            // The destination's family, never a link-local address.
            let link_local = match a.addr() {
                IpAddr::V4(v) => v.is_link_local(),
                IpAddr::V6(v) => v.segments()[0] & 0xffc0 == 0xfe80,
            };
            if link_local || a.addr().is_ipv4() != dst.is_ipv4() {
                continue;
            }
            if !mine
                .iter()
                .any(|(ml, m)| ml != "lo" && m.contains(&a.addr()))
            {
                continue;
            }
            let score = if bridges.contains(l) {
                0
            } else if ns == Netns::Root {
                1
            } else {
                2
            };
            if best.is_none_or(|(s, _)| score < s) {
                best = Some((score, a.addr()));
            }
        }
    }
    best.map(|(_, a)| a)
}

/// `connect(ns1, link("br0"), "10.1.1.2/24")`: a bridge whose subnet holds `dst`, and the first
/// address of that subnet nobody holds.
fn connect_fix(k: &mut dyn Kernel, at: &Netns, dst: IpAddr) -> Option<String> {
    let mut taken = vec![];
    let mut bridge = None;
    for ns in k.namespaces() {
        let Some(v) = k.view(&ns) else { continue };
        let bridges: Vec<String> = k
            .links(&ns)
            .into_iter()
            .filter(|l| l.kind.as_deref() == Some("bridge"))
            .map(|l| l.name)
            .collect();
        for (l, a) in v.addrs {
            taken.push(a.addr());
            if bridge.is_none() && bridges.contains(&l) && a.contains(&dst) {
                bridge = Some((ns.clone(), l, a));
            }
        }
    }
    let (bns, br, net) = bridge?;
    let free = net
        .hosts()
        .take(256)
        .find(|h| *h != dst && !taken.contains(h))?;
    Some(format!(
        "connect({}, {}, \"{free}/{}\")",
        stack(at),
        call(&bns, &format!("link(\"{br}\")")),
        net.prefix_len()
    ))
}
