//! A packet DNATed back onto the bridge it came in by. With br_netfilter
//! (`bridge-nf-call-iptables` 1) the DNAT happens on the bridged frame, which the bridge then
//! forwards from the port it came in by (hairpin); the source must be rewritten too, or the
//! target gets a packet from its own address and drops it as a martian.

use super::crossed::Crossed;
use super::kernel::Kernel;
use super::l2;
use super::report::Report;
use super::words::call;
use crate::sys::{LinkKind, Netns};
use std::net::IpAddr;

/// The port of bridge `nlink` in `nns` that a frame sent on `dev` in `cur` comes in by.
pub(crate) fn port_into(
    k: &mut dyn Kernel,
    cur: &Netns,
    dev: &str,
    nns: &Netns,
    nlink: &str,
) -> Option<String> {
    let d = l2::find(k, cur, dev).filter(|d| d.kind == Some(LinkKind::Veth))?;
    let (pns, p) = l2::peer(k, cur, &d)?;
    (pns == *nns && p.master.as_deref() == Some(nlink)).then_some(p.name)
}

/// The port a packet DNATed in `cur` comes in by, when `cur` bridges it back out of `out`,
/// the bridge it came in on; `None` when it is routed.
pub(crate) fn bridged_port(
    k: &mut dyn Kernel,
    cur: &Netns,
    (in_dev, in_port, dnat_here): (Option<&str>, Option<&str>, bool),
    out: &str,
) -> Option<String> {
    if !dnat_here || in_dev != Some(out) {
        return None;
    }
    let on = k.sysctl(cur, "net.bridge.bridge-nf-call-iptables");
    // The bridge's own nf_call_iptables counts as the namespace's does (br_netfilter loaded).
    let bridged =
        on.as_deref() == Some("1") || (on.is_some() && super::bridge_nf::own_switch(k, cur, out));
    bridged.then(|| in_port.map(str::to_string))?
}

/// `false` (said in `r`) when the packet reaches `at` from another namespace with `at`'s own
/// address as its source: `at` drops it as a martian (unless accept_local).
pub(crate) fn own_source(
    k: &mut dyn Kernel,
    r: &mut Report,
    at: &Netns,
    src: IpAddr,
    crossed: &[Crossed],
) -> bool {
    let mine = k.view(at).is_some_and(|v| v.addr_owner(src).is_some());
    if !mine || k.sysctl(at, "net.ipv4.conf.all.accept_local").as_deref() == Some("1") {
        return true;
    }
    let dnat = crossed.iter().rev().find(|c| c.dnat);
    let (how, fix) = match dnat {
        Some(c) => (
            format!(
                "{}'s DNAT sent it back toward its sender without rewriting its source (no \
                 hairpin MASQUERADE there)",
                c.ns
            ),
            Some(call(
                &c.ns,
                &format!(
                    "iptables(\"-t nat -A POSTROUTING -s {src}/32 -d {src}/32 -j MASQUERADE\")"
                ),
            )),
        ),
        None => ("nothing on the way rewrote its source".to_string(), None),
    };
    r.block(
        at,
        format!(
            "the packet reaches {at} with source {src}, {at}'s own address: {how}, so {at} \
             drops it as a martian"
        ),
        fix,
    );
    false
}
