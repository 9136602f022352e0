//! An on-link address that no namespace holds: the destination on the sender's own segment,
//! or its gateway. Named with the segment; fixed by giving the address back to the one end of
//! the segment that has none in its subnet (an end host for a destination, a forwarding stack
//! for a gateway), and left without a fix when that end is not unique.

use super::ends::{ends, End};
use super::kernel::Kernel;
use super::report::Report;
use super::v6_off;
use super::words::link_call;
use crate::sys::{LinkKind, Netns};
use ipnet::IpNet;
use std::net::IpAddr;

/// The sender's own address on `dev` whose subnet holds `ip` (the prefix a fix gives).
fn own_net(k: &mut dyn Kernel, ns: &Netns, dev: &str, ip: IpAddr) -> Option<IpNet> {
    k.view(ns)?
        .addrs
        .into_iter()
        .find(|(l, a)| l == dev && a.contains(&ip))
        .map(|(_, a)| a)
}

/// Whether `dev` is a lab link whose segment can be read to its ends (not a link to the world).
pub(crate) fn lab_link(k: &mut dyn Kernel, ns: &Netns, dev: &str) -> bool {
    k.links(ns).into_iter().any(|l| {
        l.name == dev
            && (l.kind == Some(LinkKind::Bridge)
                || l.master.is_some()
                || (l.kind == Some(LinkKind::Veth) && l.peer_index.is_some()))
    })
}

fn forwards(k: &mut dyn Kernel, ns: &Netns, v4: bool) -> bool {
    let key = if v4 {
        "net.ipv4.ip_forward"
    } else {
        "net.ipv6.conf.all.forwarding"
    };
    k.sysctl(ns, key).as_deref() == Some("1")
}

/// The one end (among those `fit` accepts) with no address in `net`; the fix that gives it
/// `ip` with `net`'s prefix.
fn give_back(
    k: &mut dyn Kernel,
    all: &[End],
    net: IpNet,
    ip: IpAddr,
    fit: &mut dyn FnMut(&mut dyn Kernel, &End) -> bool,
) -> Option<String> {
    let mut lacking = vec![];
    for e in all {
        let has = k.view(&e.ns).is_some_and(|v| {
            v.addrs
                .iter()
                .any(|(l, a)| *l == e.link && (net.contains(&a.addr()) || a.contains(&ip)))
        });
        if !has && fit(k, e) {
            lacking.push(e.clone());
        }
    }
    let [e] = lacking.as_slice() else {
        return None;
    };
    let with = IpNet::new(ip, net.prefix_len()).ok()?;
    if let Some(key) = v6_off::off(k, &e.ns, &e.link).filter(|_| ip.is_ipv6()) {
        return Some(v6_off::fix(&e.ns, &e.link, &key, &with));
    }
    Some(link_call(&e.ns, &e.link, &format!("addr(\"{with}\")")))
}

/// `: IPv6 is disabled on LINK in NS (…), so it lost its address IP/N`, when the one end of
/// `dev`'s segment (from `cur`) with no address in `ip`'s subnet has IPv6 off on its link.
pub(crate) fn lost_v6(k: &mut dyn Kernel, cur: &Netns, dev: &str, ip: IpAddr) -> String {
    v6_lost(k, cur, dev, ip)
        .map(|w| format!(": {w}"))
        .unwrap_or_default()
}

fn v6_lost(k: &mut dyn Kernel, cur: &Netns, dev: &str, ip: IpAddr) -> Option<String> {
    let net = own_net(k, cur, dev, ip).filter(|_| ip.is_ipv6())?;
    let (all, _) = ends(k, cur, dev);
    let mut off = vec![];
    for e in all.iter().filter(|e| !e.bridge) {
        let has = k.view(&e.ns).is_some_and(|v| {
            v.addrs
                .iter()
                .any(|(l, a)| *l == e.link && net.contains(&a.addr()))
        });
        if has {
            continue;
        }
        if let Some(key) = v6_off::off(k, &e.ns, &e.link) {
            off.push((e.clone(), key));
        }
    }
    let [(e, key)] = off.as_slice() else {
        return None;
    };
    let with = IpNet::new(ip, net.prefix_len()).ok()?;
    Some(v6_off::words(&e.ns, &e.link, key, &with))
}

/// `dst` is on `dev`'s subnet in `cur` and nobody holds it: `true` when said in `r`.
pub(crate) fn destination(
    k: &mut dyn Kernel,
    r: &mut Report,
    cur: &Netns,
    dev: &str,
    dst: IpAddr,
) -> bool {
    let Some(net) = own_net(k, cur, dev, dst) else {
        return false;
    };
    if !lab_link(k, cur, dev) {
        return false;
    }
    if let Some(t) = super::tunnel_out::tunnel_out(k, cur, dev) {
        r.hop(
            cur,
            format!(
                "no namespace here holds {dst}: {dev}'s segment leaves this machine through {} in {} (VNI {}) to {}, not followed",
                t.dev, t.ns, t.vni, t.remote
            ),
        );
        r.tunnel_out = Some(t);
        return true;
    }
    let (all, words) = ends(k, cur, dev);
    let fix = give_back(k, &all, net, dst, &mut |_, e| !e.bridge);
    r.block(
        cur,
        format!(
            "no namespace on {cur}'s segment ({words}) holds {dst}{}",
            lost_v6(k, cur, dev, dst)
        ),
        fix,
    );
    true
}

/// The fix for an end-host address nobody holds on `dev`'s segment (a DNAT target): the one
/// end host with no address in its subnet gets it back.
pub(crate) fn host_fix(k: &mut dyn Kernel, cur: &Netns, dev: &str, ip: IpAddr) -> Option<String> {
    let net = own_net(k, cur, dev, ip)?;
    if !lab_link(k, cur, dev) {
        return None;
    }
    let (all, _) = ends(k, cur, dev);
    give_back(k, &all, net, ip, &mut |_, e| !e.bridge)
}

/// The fix for a gateway nobody holds on `dev`'s segment: the one forwarding end with no
/// address in the sender's subnet gets it back.
pub(crate) fn gateway_fix(
    k: &mut dyn Kernel,
    cur: &Netns,
    dev: &str,
    gw: IpAddr,
) -> Option<String> {
    let net = own_net(k, cur, dev, gw)?;
    if !lab_link(k, cur, dev) {
        return None;
    }
    let (all, _) = ends(k, cur, dev);
    give_back(k, &all, net, gw, &mut |k, e| {
        forwards(k, &e.ns, gw.is_ipv4())
    })
}
