//! A DNAT target that no namespace holds. Either the target lost its address (the fix gives
//! it back to the one end host of the target's segment that has none there), or the rule
//! points at an endpoint that moved (a pod or container recreated with a new address: the rule
//! is pointed at the endpoint that is there). An ACCEPT before the DNAT would only send the
//! packet on to an address that means nothing without its DNAT, or make the gateway answer in
//! the target's place.

use super::ends::ends;
use super::kernel::Kernel;
use super::owner::owner;
use super::route_get::{Lookup, RouteKind};
use super::traverse::At;
use crate::sys::Netns;
use ipnet::IpNet;
use std::net::IpAddr;

/// A longer chain of gateways than any lab has: it bounds a walk over routes that loop.
const MAX_HOPS: usize = 64;

/// The fix for `target`, sent there by the DNAT `rule` in `ns`: `None` when neither its
/// holder nor the endpoint it should be can be told.
pub(crate) fn fix(
    k: &mut dyn Kernel,
    ns: &Netns,
    rule: Option<&At>,
    target: IpAddr,
) -> Option<String> {
    let (at, dev) = segment(k, ns, target)?;
    if let Some(f) = super::absent::host_fix(k, &at, &dev, target) {
        return Some(f);
    }
    let rule = rule?;
    let to = endpoint(k, ns, rule, (&at, &dev), target)?;
    super::dnat_port::replaced(k, ns, rule, &with_port(rule, to))
}

/// The fix that gives `target` back to its end host, as `fix` finds it (no rule to re-point).
pub(crate) fn give_back(k: &mut dyn Kernel, ns: &Netns, target: IpAddr) -> Option<String> {
    fix(k, ns, None, target)
}

/// Where `target` would be on-link, following the routes from `ns` gateway by gateway: the
/// namespace and its link.
fn segment(k: &mut dyn Kernel, ns: &Netns, target: IpAddr) -> Option<(Netns, String)> {
    let mut cur = ns.clone();
    for _ in 0..MAX_HOPS {
        let rt = k.route_get(&cur, &Lookup::to(target)).ok()?;
        if rt.kind != RouteKind::Unicast {
            return None;
        }
        match rt.via {
            None => return Some((cur, rt.dev)),
            Some(gw) => cur = owner(k, gw)?.0,
        }
    }
    None
}

/// The endpoint the rule should point at, among the end hosts of the target's segment: the
/// one another rule of its chain names as a source (`-s ADDR/32`, as kube-proxy's KUBE-SEP
/// chains mark their endpoint's own traffic), else the only one there is.
fn endpoint(
    k: &mut dyn Kernel,
    ns: &Netns,
    rule: &At,
    (at, dev): (&Netns, &str),
    target: IpAddr,
) -> Option<IpAddr> {
    let net = k
        .view(at)?
        .addrs
        .into_iter()
        .find(|(l, a)| l == dev && a.contains(&target))
        .map(|(_, a)| a.trunc())?;
    let mut held = vec![];
    for e in ends(k, at, dev).0.into_iter().filter(|e| !e.bridge) {
        if forwards(k, &e.ns) {
            continue;
        }
        let v = k.view(&e.ns)?;
        held.extend(
            v.addrs
                .iter()
                .filter(|(l, a)| *l == e.link && net.contains(&a.addr()))
                .map(|(_, a)| a.addr()),
        );
    }
    let named = k.chain(ns, &rule.table, &rule.chain).and_then(|c| {
        c.rules
            .iter()
            .filter_map(|s| source_host(s))
            .find(|a| held.contains(a))
    });
    match (named, held.as_slice()) {
        (Some(a), _) => Some(a),
        (None, [one]) => Some(*one),
        _ => None,
    }
}

/// `-s ADDR/32` of a rule: the one host it is about.
fn source_host(spec: &str) -> Option<IpAddr> {
    let mut w = spec.split_whitespace();
    w.find(|x| *x == "-s")?;
    let net: IpNet = w.next()?.parse().ok()?;
    (net.prefix_len() == net.max_prefix_len()).then(|| net.addr())
}

fn forwards(k: &mut dyn Kernel, ns: &Netns) -> bool {
    k.sysctl(ns, "net.ipv4.ip_forward").as_deref() == Some("1")
}

/// `ADDR[:PORT]`: the rule's own port kept.
fn with_port(rule: &At, to: IpAddr) -> String {
    let mut w = rule.spec.split_whitespace();
    let old = w
        .find(|x| *x == "--to-destination")
        .and_then(|_| w.next())
        .unwrap_or_default();
    match old.rsplit_once(':').filter(|_| to.is_ipv4()) {
        Some((_, port)) => format!("{to}:{port}"),
        None => to.to_string(),
    }
}
