//! A bridge's own br_netfilter switch (`ip link set BR type bridge nf_call_iptables 1`): with
//! br_netfilter loaded, the kernel passes the bridge's switched IPv4 frames to iptables when
//! either the namespace's net.bridge.bridge-nf-call-iptables or this per-bridge option is on.
//! A container runtime or a VPN script may set it on one bridge of a router whose FORWARD
//! drops by default, and the LAN's hosts stop reaching each other though nothing else changed.

use super::hooks::chain_words;
use super::kernel::Kernel;
use super::report::Report;
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
    (src, dst): (IpAddr, IpAddr),
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
            "{bns}'s {br} has nf_call_iptables 1 (per-bridge; net.bridge.bridge-nf-call-iptables is 0), so the frames it switches from {from} to {to} cross {bns}'s {} chain, whose {by} drops them",
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
