//! A bridge's own br_netfilter switch (`ip link set BR type bridge nf_call_iptables 1`): with
//! br_netfilter loaded, the kernel passes the bridge's switched IPv4 frames to iptables when
//! either the namespace's net.bridge.bridge-nf-call-iptables or this per-bridge option is on.
//! A container runtime or a VPN script may set it on one bridge of a router whose FORWARD
//! drops by default, and the LAN's hosts stop reaching each other though nothing else changed.

use super::hooks::chain_words;
use super::kernel::Kernel;
use super::link_find::{find, peer};
use super::packet::Packet;
use super::report::Report;
use super::traverse::traverse;
use super::words::call;
use crate::sys::Netns;
use std::net::IpAddr;

/// `br` in `bns` has its per-bridge nf_call_iptables on.
pub(crate) fn own_switch(k: &mut dyn Kernel, bns: &Netns, br: &str) -> bool {
    k.l2(bns)
        .iter()
        .any(|l| l.name == br && l.nf_call_iptables == Some(true))
}

/// The namespace a port of the bridge leads to (its veth peer's), else the packet's address.
fn end(k: &mut dyn Kernel, bns: &Netns, port: &str, ip: IpAddr) -> String {
    k.links(bns)
        .into_iter()
        .find(|l| l.name == port)
        .and_then(|l| l.peer_ns)
        .map(|n| n.to_string())
        .unwrap_or_else(|| ip.to_string())
}

/// FORWARD (table `table`) dropped a frame `br` switched from port `i` to port `o` only because
/// the bridge's own option sent it there: the option is the cause and turning it off the fix
/// (nothing else on the bridge asked for it); an ACCEPT for the bridge is the other way.
pub(crate) fn blocked(
    k: &mut dyn Kernel,
    r: &mut Report,
    (bns, br): (&Netns, &str),
    (i, o): (&str, &str),
    (table, by): (&str, String),
    (what, src, dst): (&str, IpAddr, IpAddr),
) {
    let from = end(k, bns, i, src);
    let to = end(k, bns, o, dst);
    let t = match table {
        "filter" => String::new(),
        t => format!("-t {t} "),
    };
    r.block(
        bns,
        format!(
            "{bns}'s {br} has nf_call_iptables 1 (per-bridge; net.bridge.bridge-nf-call-iptables is 0), so {what} it switches from {from} to {to} cross {bns}'s {} chain, whose {by} drops them",
            chain_words(table, "FORWARD")
        ),
        Some(call(
            bns,
            &format!("sh(\"ip link set {br} type bridge nf_call_iptables 0\")"),
        )),
    );
    r.other_way = Some(call(
        bns,
        &format!("iptables(\"{t}-I FORWARD 1 -i {br} -o {br} -j ACCEPT\")"),
    ));
}

/// The reply sent on `dev` in `cur` toward `nlink` in `nns` through one bridge whose own
/// nf_call_iptables is on (the namespace's sysctl off: under the sysctl the drop is left to
/// the counters, as before): that namespace's FORWARD, as conntrack sees the reply. False
/// (said in `r`) when it drops there.
pub(crate) fn reply_passes(
    k: &mut dyn Kernel,
    r: &mut Report,
    (cur, dev): (&Netns, &str),
    (nns, nlink): (&Netns, &str),
    (from, to): (IpAddr, IpAddr),
) -> bool {
    let Some((bns, i)) = find(k, cur, dev).and_then(|d| peer(k, cur, &d)) else {
        return true;
    };
    let Some((ons, o)) = find(k, nns, nlink).and_then(|d| peer(k, nns, &d)) else {
        return true;
    };
    let Some(br) = i
        .master
        .clone()
        .filter(|b| ons == bns && o.master.as_ref() == Some(b))
    else {
        return true;
    };
    let on = k.sysctl(&bns, "net.bridge.bridge-nf-call-iptables");
    if on.is_none() || on.as_deref() == Some("1") || !own_switch(k, &bns, &br) {
        return true;
    }
    let mut p = Packet {
        in_dev: Some(br.clone()),
        out_dev: br.clone(),
        src: from,
        dst: to,
        state: "ESTABLISHED",
    }
    .seen(k, &bns);
    p.physdev = Some((i.name.clone(), o.name.clone()));
    for table in ["mangle", "filter"] {
        let Some(v) = traverse(k, &bns, table, "FORWARD", &p) else {
            continue;
        };
        if v.drops() {
            let by = super::hooks::by(&v);
            let ports = (i.name.as_str(), o.name.as_str());
            blocked(
                k,
                r,
                (&bns, &br),
                ports,
                (table, by),
                ("the replies", from, to),
            );
            return false;
        }
    }
    true
}
