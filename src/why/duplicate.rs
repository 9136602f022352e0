//! Two hosts on one segment holding the same address: both answer ARP for it, and the sender
//! talks to whichever answered last it kept (from the lab's own addresses and MACs).

use super::kernel::Kernel;
use super::l2::{find, peer};
use super::report::Report;
use super::words::call;
use crate::sys::{LinkKind, Netns};
use ipnet::IpNet;
use std::net::IpAddr;

/// The segment a link is on: its bridge, the bridge its veth peer is a port of, or the pair.
pub(crate) fn segment(k: &mut dyn Kernel, ns: &Netns, link: &str) -> (String, String) {
    let here = (ns.to_string(), link.to_string());
    let Some(l) = find(k, ns, link) else {
        return here;
    };
    if l.kind == Some(LinkKind::Bridge) {
        return here;
    }
    if let Some(b) = &l.master {
        return (ns.to_string(), b.clone());
    }
    match peer(k, ns, &l) {
        Some((pns, p)) => match p.master {
            Some(b) => (pns.to_string(), b),
            None => here.min((pns.to_string(), p.name)),
        },
        None => here,
    }
}

/// A holder of the address: namespace, link, the address with its prefix, secondary or not.
pub(crate) struct Holder {
    pub(crate) ns: Netns,
    pub(crate) link: String,
    pub(crate) net: IpNet,
    secondary: bool,
}

pub(crate) fn holders(k: &mut dyn Kernel, ip: IpAddr) -> Vec<Holder> {
    let mut out = vec![];
    // Every namespace has its own loopback: 127.0.0.1 in two of them is no duplicate.
    if ip.is_loopback() {
        return out;
    }
    for ns in k.namespaces() {
        let Some(v) = k.view(&ns) else { continue };
        for (i, (l, a)) in v.addrs.iter().enumerate() {
            if a.addr() != ip {
                continue;
            }
            // Not the first address of its subnet on the link: added beside another.
            let secondary = v.addrs[..i]
                .iter()
                .any(|(l2, b)| l2 == l && b.contains(&ip));
            out.push(Holder {
                ns: ns.clone(),
                link: l.clone(),
                net: *a,
                secondary,
            });
        }
    }
    out
}

/// `false` (said in `r`) when two hosts on `dev`'s segment hold `next`.
pub(crate) fn duplicate(
    k: &mut dyn Kernel,
    r: &mut Report,
    cur: &Netns,
    dev: &str,
    next: IpAddr,
) -> bool {
    let all = holders(k, next);
    if all.len() < 2 {
        return true;
    }
    let seg = segment(k, cur, dev);
    let on: Vec<Holder> = all
        .into_iter()
        .filter(|h| segment(k, &h.ns, &h.link) == seg)
        .collect();
    if on.len() < 2 {
        return true;
    }
    let mut words = vec![];
    for h in &on {
        let mac = k
            .l2(&h.ns)
            .into_iter()
            .find(|l| l.name == h.link)
            .and_then(|l| l.mac)
            .unwrap_or_else(|| "no MAC".into());
        words.push(format!("{} ({} {mac})", h.ns, h.link));
    }
    let gateway = r.dst != next.to_string();
    let keep = |k: &mut dyn Kernel, h: &Holder| {
        if gateway {
            k.sysctl(&h.ns, "net.ipv4.ip_forward").as_deref() == Some("1")
        } else {
            true
        }
    };
    let mut extra: Vec<&Holder> = vec![];
    for h in &on {
        if !keep(k, h) || h.secondary {
            extra.push(h);
        }
    }
    let fix = (!extra.is_empty() && extra.len() < on.len()).then(|| {
        let mut f: Vec<String> = extra
            .iter()
            .map(|h| {
                call(
                    &h.ns,
                    &format!(
                        "link(\"{}\").del_addr(\"{}\", #{{ adopted: true }})",
                        h.link, h.net
                    ),
                )
            })
            .collect();
        // The sender keeps the wrong MAC until its entry ages out: forget it now.
        f.push(call(cur, &format!("sh(\"ip neigh del {next} dev {dev}\")")));
        f.join("; ")
    });
    let (last, first) = words
        .split_last()
        .map(|(l, f)| (l.clone(), f.join(", ")))
        .unwrap_or_default();
    r.block(
        cur,
        format!("two hosts answer ARP for {next} on {dev}'s segment: {first} and {last} (a duplicate address)"),
        fix,
    );
    r.firm = true;
    false
}
