//! A tunnel's underlay followed router by router to the far VTEP, with the kernel's lookups:
//! the outer packets go where the routes send them, not where the VXLAN's `dev` says (a more
//! specific route by another NIC wins), so a detour to a host that does not forward, a router
//! with no route on, or a loop is named at the route that makes it.

use super::ends::ends;
use super::fib_lookup::decide;
use super::kernel::Kernel;
use super::report::Report;
use super::route_fix::{exec, route_add, route_del};
use super::route_get::{Lookup, RouteKind};
use super::toward::{subnet_of, toward};
use super::underlay_filter::{outer_passes, Datagram};
use super::underlay_nat::{blame, rewritten, Outer};
use super::words::ip_forward;
use crate::sys::Netns;
use std::net::IpAddr;

/// Far more routers than any underlay has; a bound for a kernel that changes under the walk.
const MAX_HOPS: usize = 64;

/// One leg of the underlay: `from` sends to `remote` (held by `to`) from `local`, out of `oif`
/// when the sender binds one (a VXLAN's floods go out of its `dev`); `what` names the packets
/// ("vx0's underlay packets to its remote 10.2.0.2").
pub(crate) struct Leg<'a> {
    pub(crate) what: String,
    pub(crate) from: &'a Netns,
    pub(crate) local: IpAddr,
    pub(crate) remote: IpAddr,
    pub(crate) to: &'a Netns,
    pub(crate) oif: Option<String>,
    /// The tunnel's UDP port.
    pub(crate) port: u16,
    /// The namespace whose frames ride this leg (the far VTEP learns its MAC).
    pub(crate) inner: String,
    /// The VXLAN on `to` that learns where the inner sender is.
    pub(crate) far_dev: String,
    /// The packets back from the far VTEP (a stateful firewall never sees them as replies).
    pub(crate) back: bool,
}

/// Why the outer packets stop at a router of the way.
#[derive(Clone, Copy)]
enum Stop {
    NoForward,
    NoRoute,
}

/// The sysctl that turns forwarding on for packets to `to`: IPv6 has its own.
fn forward_key(to: IpAddr) -> &'static str {
    match to {
        IpAddr::V4(_) => "net.ipv4.ip_forward",
        IpAddr::V6(_) => "net.ipv6.conf.all.forwarding",
    }
}

/// Whether `cur` forwards packets to `to` arriving on `iif`: IPv6 by `all.forwarding`, or the
/// in-interface's `force_forwarding` (a per-link `forwarding` does not decide it).
fn forwards(k: &mut dyn Kernel, cur: &Netns, to: IpAddr, iif: Option<&str>) -> bool {
    if k.sysctl(cur, forward_key(to)).as_deref() != Some("0") {
        return true;
    }
    let force = iif.map(|i| format!("net.ipv6.conf.{i}.force_forwarding"));
    to.is_ipv6() && force.is_some_and(|f| k.sysctl(cur, &f).as_deref() == Some("1"))
}

/// The fix that turns forwarding on at `cur` for packets to `to`.
fn forward_fix(cur: &Netns, to: IpAddr) -> String {
    match to {
        IpAddr::V4(_) => ip_forward(cur),
        IpAddr::V6(_) => exec(cur, "sysctl -w net.ipv6.conf.all.forwarding=1"),
    }
}

/// Whether the leg's outer packets reach `to`; records the break in `r` when they do not.
/// Where the path cannot be told (an address on no segment in view), it is taken as clear.
pub(crate) fn reaches(k: &mut dyn Kernel, r: &mut Report, leg: &Leg) -> bool {
    let (mut cur, mut q) = (leg.from.clone(), Lookup::to(leg.remote));
    q.src = Some(leg.local);
    q.oif = leg.oif.clone();
    let mut path: Vec<(Netns, Lookup)> = vec![];
    for _ in 0..MAX_HOPS {
        if cur == *leg.to {
            return true;
        }
        if path.iter().any(|(n, _)| *n == cur) {
            let names: Vec<String> = path.iter().map(|(n, _)| n.to_string()).collect();
            r.block(
                leg.from,
                format!("{} loop: {} → {cur}", leg.what, names.join(" → ")),
                None,
            );
            return false;
        }
        if cur != *leg.from && !forwards(k, &cur, leg.remote, q.iif.as_deref()) {
            detour(k, r, leg, &path, &cur, Stop::NoForward);
            return false;
        }
        let Ok(rt) = k.route_get(&cur, &q) else {
            // The first lookup's refusal is said by the caller; a router's is the break here.
            if cur != *leg.from {
                detour(k, r, leg, &path, &cur, Stop::NoRoute);
                return false;
            }
            return true;
        };
        if cur != *leg.from && !outer_kept(k, r, leg, &cur, (q.iif.as_deref(), &rt.dev, rt.via)) {
            return false;
        }
        let d = Datagram {
            what: &leg.what,
            src: leg.local,
            dst: leg.remote,
            dport: leg.port,
            back: leg.back,
        };
        let links = (q.iif.as_deref(), rt.dev.as_str());
        if cur != *leg.from && !outer_passes(k, r, &cur, &d, links, (&q, rt.realm)) {
            // The inner packet is last seen leaving the near VTEP (the outer one is not watched).
            r.lost_at = Some(leg.from.to_string());
            return false;
        }
        let next = rt.via.unwrap_or(leg.remote);
        let Some((nns, nlink)) = holder(k, &cur, &rt.dev, next) else {
            return true;
        };
        path.push((cur.clone(), q.clone()));
        // Forwarded: the input path, on the link it came in by; only the sender binds an oif.
        q.iif = Some(nlink);
        q.oif = None;
        cur = nns;
    }
    true
}

/// Whether router `cur` forwards the leg's outer packets (in and out by `links`) with their
/// source as it is (leaving by `out_dev` to the gateway `via`, if any); a nat POSTROUTING rule
/// that rewrites it is named in `r`.
fn outer_kept(
    k: &mut dyn Kernel,
    r: &mut Report,
    leg: &Leg,
    cur: &Netns,
    (in_dev, out_dev, via): (Option<&str>, &str, Option<IpAddr>),
) -> bool {
    let o = Outer {
        in_dev,
        out_dev,
        via,
        src: leg.local,
        dst: leg.remote,
        dport: leg.port,
    };
    let Some((rule, new)) = rewritten(k, cur, &o) else {
        return true;
    };
    blame(r, cur, (&rule, new), &o, (&leg.inner, leg.to, &leg.far_dev));
    // The learner sends its frames astray; the packets are last seen leaving either VTEP.
    r.lost_at = Some(leg.to.to_string());
    r.lost_too = Some(leg.from.to_string());
    false
}

/// The namespace and link, on the segment of `dev` in `ns`, that hold `ip`.
pub(crate) fn holder(
    k: &mut dyn Kernel,
    ns: &Netns,
    dev: &str,
    ip: IpAddr,
) -> Option<(Netns, String)> {
    let (far, _) = ends(k, ns, dev);
    far.into_iter().find_map(|e| {
        let v = k.view(&e.ns)?;
        v.addrs
            .iter()
            .any(|(l, a)| *l == e.link && a.addr() == ip)
            .then(|| (e.ns.clone(), e.link.clone()))
    })
}

/// Whether `ip` is held on the segment of `dev` in `ns`; `None` when the segment's far ends are
/// not in view (a physical NIC), so nothing can be told.
pub(crate) fn lands(k: &mut dyn Kernel, ns: &Netns, dev: &str, ip: IpAddr) -> Option<bool> {
    if ends(k, ns, dev).0.is_empty() {
        return None;
    }
    Some(holder(k, ns, dev, ip).is_some())
}

/// The route `cur` lacks: to the far VTEP's subnet, through the neighbour closest to it.
fn route_back(k: &mut dyn Kernel, cur: &Netns, leg: &Leg) -> Option<String> {
    let (_, gw) = toward(k, cur, leg.to, leg.remote.is_ipv4())?;
    let net = subnet_of(k, leg.to, leg.remote)?;
    Some(route_add(cur, &net, gw))
}

/// `cur` got the outer packets and does not forward them, or has no route on: the route before
/// it is the fault when it overrides a wider one (delete it and the wider route carries them),
/// else `cur`'s forwarding, or its missing route.
fn detour(
    k: &mut dyn Kernel,
    r: &mut Report,
    leg: &Leg,
    path: &[(Netns, Lookup)],
    cur: &Netns,
    stop: Stop,
) {
    let what = &leg.what;
    let there = match stop {
        Stop::NoForward => format!("does not forward ({} is 0)", forward_key(leg.remote)),
        Stop::NoRoute => format!("has no route to {}", leg.remote),
    };
    if let Some((prev, q)) = path.last() {
        let fib = k.fib(prev);
        let d = decide(&fib, q);
        if let Some(rt) = d.route.as_ref() {
            let wider = fib.routes.iter().find(|w| {
                w.table == rt.table
                    && w.kind == RouteKind::Unicast
                    && w.dst.prefix_len() < rt.dst.prefix_len()
                    && w.dst.contains(&leg.remote)
                    && (w.via != rt.via || w.dev != rt.dev)
            });
            if let Some(w) = wider {
                r.block(
                    prev,
                    format!(
                        "{prev} sends {what} by its route `{}`, which overrides `{}`, to {cur}, \
                         which {there}",
                        rt.text(),
                        w.text()
                    ),
                    Some(route_del(prev, rt, d.rule.as_ref())),
                );
                // The capture sees the outer packets end at `cur`: that agrees.
                r.lost_at = Some(cur.to_string());
                return;
            }
        }
    }
    match stop {
        Stop::NoForward => r.block(
            cur,
            format!(
                "{cur} does not forward {what} ({} is 0)",
                forward_key(leg.remote)
            ),
            Some(forward_fix(cur, leg.remote)),
        ),
        Stop::NoRoute => {
            let fix = route_back(k, cur, leg);
            r.block(
                cur,
                format!("{cur} has no route to {}: {what} stop there", leg.remote),
                fix,
            );
        }
    }
}
