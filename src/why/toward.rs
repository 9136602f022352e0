//! The lab's topology as the addresses draw it: namespaces that share a subnet are neighbours,
//! and a packet crosses a namespace only if it forwards. What a fix routes through.

use super::kernel::Kernel;
use crate::sys::Netns;
use ipnet::IpNet;
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;

/// Each namespace's addresses on shared-capable links (not `lo`, not link-local).
fn addresses(k: &mut dyn Kernel, ns: &Netns, v4: bool) -> Vec<IpNet> {
    let Some(v) = k.view(ns) else { return vec![] };
    v.addrs
        .into_iter()
        .filter(|(l, a)| {
            l != "lo" && a.addr().is_ipv4() == v4 && !crate::sys::addr::is_link_local(a.addr())
        })
        .map(|(_, a)| a)
        .collect()
}

fn forwards(k: &mut dyn Kernel, ns: &Netns, v4: bool) -> bool {
    let key = if v4 {
        "net.ipv4.ip_forward"
    } else {
        super::ipv6::FORWARDING
    };
    k.sysctl(ns, key).as_deref() == Some("1")
}

/// How many namespaces each one is from `target` (0 for itself), crossing only those that
/// forward.
pub(crate) fn distances(k: &mut dyn Kernel, target: &Netns, v4: bool) -> HashMap<Netns, usize> {
    let all = k.namespaces();
    let mut subnets: HashMap<IpNet, Vec<Netns>> = HashMap::new();
    let mut of: HashMap<Netns, Vec<IpNet>> = HashMap::new();
    for ns in &all {
        for a in addresses(k, ns, v4) {
            subnets.entry(a.trunc()).or_default().push(ns.clone());
            of.entry(ns.clone()).or_default().push(a.trunc());
        }
    }
    let mut dist = HashMap::from([(target.clone(), 0)]);
    let mut queue = VecDeque::from([target.clone()]);
    while let Some(u) = queue.pop_front() {
        if u != *target && !forwards(k, &u, v4) {
            continue;
        }
        let d = dist[&u];
        for s in of.get(&u).cloned().unwrap_or_default() {
            for v in subnets.get(&s).cloned().unwrap_or_default() {
                if !dist.contains_key(&v) {
                    dist.insert(v.clone(), d + 1);
                    queue.push_back(v);
                }
            }
        }
    }
    dist
}

/// The neighbour of `at` closest to `target` (which may be `target` itself), and its address
/// on the subnet they share: the gateway a route from `at` towards `target` should use.
pub(crate) fn toward(
    k: &mut dyn Kernel,
    at: &Netns,
    target: &Netns,
    v4: bool,
) -> Option<(Netns, IpAddr)> {
    let dist = distances(k, target, v4);
    let mine = addresses(k, at, v4);
    let mut best: Option<(usize, Netns, IpAddr)> = None;
    for ns in k.namespaces() {
        if ns == *at {
            continue;
        }
        let Some(&d) = dist.get(&ns) else { continue };
        if ns != *target && !forwards(k, &ns, v4) {
            continue;
        }
        for a in addresses(k, &ns, v4) {
            let shared = mine.iter().any(|m| m.trunc() == a.trunc());
            if shared && best.as_ref().is_none_or(|(bd, _, _)| d < *bd) {
                best = Some((d, ns.clone(), a.addr()));
            }
        }
    }
    best.map(|(_, ns, a)| (ns, a))
}

/// The subnet `ip` is on, as its holder has it: what a route towards it names.
pub(crate) fn subnet_of(k: &mut dyn Kernel, ns: &Netns, ip: IpAddr) -> Option<IpNet> {
    let v = k.view(ns)?;
    v.addr_owner(ip).map(|(_, a)| a.trunc())
}
