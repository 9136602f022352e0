//! Following a packet hop by hop, as the article explains it: the route lookup, the link, the
//! namespace that owns the gateway, ip_forward there, FORWARD, NAT in POSTROUTING, and then the
//! way back (the reverse route, conntrack). Stops at the first broken step.

use super::chain::decide;
use super::crossed::Crossed;
use super::kernel::Kernel;
use super::l2;
use super::no_route::no_route;
use super::owner::owner;
use super::packet::Packet;
use super::report::Report;
use super::route_get::RouteGet;
use super::way_back::way_back;
use super::words::{call, ip_forward};
use crate::sys::Netns;
use std::net::IpAddr;

pub(crate) fn walk(k: &mut dyn Kernel, src: &Netns, dst: IpAddr) -> Report {
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
            match router(k, &mut r, &cur, i, &route, src_ip, dst) {
                Some(s) => pkt_src = Some(s),
                None => return r,
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

/// A router on the way: it must forward, let the packet through FORWARD, and maybe NAT it.
/// The packet's source after POSTROUTING, or `None` when it is blocked here (said in `r`).
fn router(
    k: &mut dyn Kernel,
    r: &mut Report,
    cur: &Netns,
    i: &str,
    route: &RouteGet,
    src_ip: IpAddr,
    dst: IpAddr,
) -> Option<IpAddr> {
    if k.sysctl(cur, "net.ipv4.ip_forward").as_deref() != Some("1") {
        r.block(
            cur,
            format!("{cur} does not forward: net.ipv4.ip_forward is 0"),
            Some(ip_forward(cur)),
        );
        return None;
    }
    r.hop(cur, "ip_forward is 1");
    let p = Packet {
        in_dev: Some(i.to_string()),
        out_dev: route.dev.clone(),
        src: src_ip,
        dst,
        state: "NEW",
    };
    if let Some(c) = k.chain(cur, "filter", "FORWARD") {
        let d = decide(&c, &p);
        let by = d
            .rule
            .as_ref()
            .map(|x| format!("rule `{x}`"))
            .unwrap_or_else(|| format!("policy {}", d.target));
        if d.target != "ACCEPT" && d.target != "RETURN" {
            r.block(
                cur,
                format!("{cur}'s FORWARD chain drops {i} → {} ({by})", route.dev),
                Some(call(
                    cur,
                    &format!("forward(#{{ \"in\": \"{i}\", out: \"{}\" }})", route.dev),
                )),
            );
            return None;
        }
        r.hop(cur, format!("FORWARD {i} → {} accepted ({by})", route.dev));
    }
    if let Some(c) = k.chain(cur, "nat", "POSTROUTING") {
        let d = decide(&c, &p);
        let new = match d.target.as_str() {
            "MASQUERADE" => route.src,
            "SNAT" => d.to_source,
            _ => None,
        };
        if let Some(n) = new {
            r.hop(
                cur,
                format!("POSTROUTING {}: source {src_ip} becomes {n}", d.target),
            );
            return Some(n);
        }
    }
    Some(src_ip)
}
