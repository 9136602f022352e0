//! A wrong netmask: the sender's address on a link has a prefix wide enough to hold a host
//! that is not on the link's segment (it is behind a router), so the kernel sends to it
//! on-link and ARPs for it in vain. Named with the address; fixed by the prefix the segment
//! uses (another address of the sender there, or a neighbour's on the segment).

use super::ends::ends;
use super::kernel::Kernel;
use super::report::Report;
use super::words::call;
use crate::sys::{LinkKind, Netns};
use ipnet::IpNet;
use std::net::IpAddr;

/// `to` (held on `nlink` in `nns`) was routed on-link out of `dev` in `cur`: `true` (said in
/// `r`) when `nlink` is not on `dev`'s segment. `what` is `the packet` or `the reply`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn too_wide(
    k: &mut dyn Kernel,
    r: &mut Report,
    cur: &Netns,
    dev: &str,
    to: IpAddr,
    nns: &Netns,
    nlink: &str,
    what: &str,
) -> bool {
    let Some(v) = k.view(cur) else { return false };
    let Some(wide) = v
        .addrs
        .iter()
        .filter(|(l, a)| l == dev && a.contains(&to))
        .map(|(_, a)| *a)
        .min_by_key(|a| std::cmp::Reverse(a.prefix_len()))
    else {
        return false;
    };
    // Only a lab link's segment can be read to its ends.
    let lab = k.links(cur).into_iter().any(|l| {
        l.name == dev
            && (l.kind == Some(LinkKind::Bridge) || l.master.is_some() || l.peer_index.is_some())
    });
    if !lab {
        return false;
    }
    // The holder must place itself elsewhere too: its own prefix does not hold the sender.
    // (When it does, the two share a subnet, and a broken segment is l2's to name.)
    let theirs = k.view(nns).map(|v| v.addrs).unwrap_or_default();
    if theirs
        .iter()
        .any(|(l, a)| l == nlink && a.addr() == to && a.contains(&wide.addr()))
    {
        // Unless `wide` is a stray second address of the sender, out of place on the link.
        return super::stray_addr::stray(k, r, (cur, dev), to, wide, (nns, nlink), what);
    }
    let (all, words) = ends(k, cur, dev);
    if all.is_empty() || all.iter().any(|e| e.ns == *nns && e.link == nlink) {
        return false;
    }
    // A router on the segment that answers ARP for others (proxy_arp) makes it work.
    for e in &all {
        for key in ["all", e.link.as_str()] {
            if k.sysctl(&e.ns, &format!("net.ipv4.conf.{key}.proxy_arp"))
                .as_deref()
                == Some("1")
            {
                return false;
            }
        }
    }
    let fix = narrower(k, cur, dev, wide, &all);
    r.block(
        cur,
        format!("{cur} sends {what} to {to} on-link out of {dev}, as its address {wide} puts {to} on that link, but {to} is {nns}'s {nlink}, not on {dev}'s segment ({words}): the netmask {wide} is too wide"),
        fix,
    );
    true
}

/// The fix: drop `wide` when the sender has another address on `dev`; else replace it by the
/// narrower prefix a neighbour on the segment uses for the same subnet.
fn narrower(
    k: &mut dyn Kernel,
    cur: &Netns,
    dev: &str,
    wide: IpNet,
    all: &[super::ends::End],
) -> Option<String> {
    let del = format!("sh(\"ip addr del {wide} dev {dev}\")");
    let mine = k.view(cur)?.addrs;
    if mine
        .iter()
        .any(|(l, a)| l == dev && *a != wide && a.addr().is_ipv4() == wide.addr().is_ipv4())
    {
        return Some(call(cur, &del));
    }
    let mut best: Option<u8> = None;
    for e in all {
        let Some(v) = k.view(&e.ns) else { continue };
        for (l, a) in &v.addrs {
            if *l == e.link && a.prefix_len() > wide.prefix_len() && a.contains(&wide.addr()) {
                best = Some(best.map_or(a.prefix_len(), |b: u8| b.max(a.prefix_len())));
            }
        }
    }
    let with = IpNet::new(wide.addr(), best?).ok()?;
    // Added first, so the routes through the segment's gateway keep a link to go by.
    Some(format!(
        "{}; {}",
        call(cur, &format!("sh(\"ip addr add {with} dev {dev}\")")),
        call(cur, &del)
    ))
}
