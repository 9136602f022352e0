//! Whether the next hop answers the sender's ARP request: IFF_NOARP at either end, the asker's
//! mcast_solicit (`arp_solicit`), at the answering end arp_ignore (the larger of `all` and the
//! link's) and arp_filter (either), and `arp` family nftables chains at both (`arp_family`).

use super::arp_sender::sender_ip;
use super::kernel::Kernel;
use super::report::Report;
use super::route_get::Lookup;
use super::words::call;
use crate::sys::Netns;
use std::net::IpAddr;

/// A link without a MAC (a tun, wireguard, ipip: `link/none`) is NOARP by nature: never the
/// fault.
fn noarp(k: &mut dyn Kernel, ns: &Netns, link: &str) -> bool {
    k.l2(ns)
        .iter()
        .any(|l| l.name == link && l.noarp && l.mac.is_some())
}

fn num(k: &mut dyn Kernel, ns: &Netns, key: &str) -> i64 {
    k.sysctl(ns, key)
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

/// `ns.sysctl(key, 0)` for each of `all` and the link's own that is not 0.
fn zero(k: &mut dyn Kernel, ns: &Netns, link: &str, name: &str) -> String {
    let fixes: Vec<String> = ["all", link]
        .iter()
        .map(|w| format!("net.ipv4.conf.{w}.{name}"))
        .filter(|key| num(k, ns, key) != 0)
        .map(|key| call(ns, &format!("sysctl(\"{key}\", 0)")))
        .collect();
    fixes.join("; ")
}

pub(crate) fn answers(
    k: &mut dyn Kernel,
    r: &mut Report,
    cur: &Netns,
    dev: &str,
    next: IpAddr,
    nns: &Netns,
    nlink: &str,
) -> bool {
    if !next.is_ipv4() {
        return true;
    }
    for (ns, link, who) in [(cur, dev, "ask for"), (nns, nlink, "answer for")] {
        if noarp(k, ns, link) {
            r.block(
                ns,
                format!("{link} in {ns} has ARP off (NOARP), so it does not {who} {next}"),
                Some(call(ns, &format!("sh(\"ip link set {link} arp on\")"))),
            );
            return false;
        }
    }
    if !super::arp_solicit::asks(k, r, cur, dev, next) {
        return false;
    }
    let sip = sender_ip(k, cur, dev, next);
    let key = |n: &str| format!("net.ipv4.conf.{n}.arp_ignore");
    let ignore = num(k, nns, &key("all")).max(num(k, nns, &key(nlink)));
    let theirs = k.view(nns).and_then(|v| {
        v.addrs
            .iter()
            .find(|(l, a)| l == nlink && a.addr() == next)
            .map(|(_, a)| *a)
    });
    let why = match ignore {
        1 | 2 if theirs.is_none() => {
            // Held on another link of the answering host (a service address on lo).
            let on = k
                .view(nns)
                .and_then(|v| v.addr_owner(next).map(|(l, _)| format!(" (it is on {l})")))
                .unwrap_or_default();
            Some(format!(
                "arp_ignore is {ignore} and {next} is not on {nlink}{on}"
            ))
        }
        2 => match (sip, theirs) {
            (Some(s), Some(t)) if !t.contains(&s) => Some(format!(
                "arp_ignore is 2 and the asker {s} is outside {nlink}'s subnet {}",
                t.trunc()
            )),
            _ => None,
        },
        i if i >= 8 => Some(format!("arp_ignore is {i}: it answers ARP for no address")),
        _ => None,
    };
    if let Some(w) = why {
        let asker = sip.map(|s| format!(" from {s}")).unwrap_or_default();
        r.block(
            nns,
            format!("{nns} does not answer ARP for {next} on {nlink}{asker}: {w}"),
            Some(zero(k, nns, nlink, "arp_ignore")),
        );
        return false;
    }
    let fkey = |n: &str| format!("net.ipv4.conf.{n}.arp_filter");
    let filter = num(k, nns, &fkey("all")) | num(k, nns, &fkey(nlink));
    if let (1, Some(s)) = (filter, sip) {
        if let Ok(back) = k.route_get(nns, &Lookup::to(s)) {
            if back.dev != nlink {
                r.block(
                    nns,
                    format!("{nns} does not answer ARP for {next} on {nlink} from {s}: arp_filter is 1 and its route to {s} leaves by {}", back.dev),
                    Some(zero(k, nns, nlink, "arp_filter")),
                );
                return false;
            }
        }
    }
    super::arp_family::passes(k, r, (cur, dev), (nns, nlink), next)
}
