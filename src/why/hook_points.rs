//! Where the walk meets netfilter, in the kernel's order: leaving the source (OUTPUT, then
//! POSTROUTING), arriving anywhere (PREROUTING: a DNAT there changes where the walk goes),
//! delivered (INPUT, then the echo reply leaving: OUTPUT, POSTROUTING), the reply arriving back
//! home (PREROUTING, INPUT), and a bridge whose namespace passes bridged IPv4 to iptables
//! (br_netfilter: FORWARD with the bridge as both links).

use super::hooks::{chain_words, cross};
use super::kernel::Kernel;
use super::packet::Packet;
use super::report::Report;
use super::route_get::Lookup;
use super::rule_match::Seen;
use super::traverse::traverse;
use super::words::call;
use crate::sys::Netns;
use std::net::IpAddr;

const OUTPUT: [(&str, &str); 6] = [
    ("raw", "OUTPUT"),
    ("mangle", "OUTPUT"),
    ("nat", "OUTPUT"),
    ("filter", "OUTPUT"),
    ("mangle", "POSTROUTING"),
    ("nat", "POSTROUTING"),
];
const PREROUTING: [(&str, &str); 3] = [
    ("raw", "PREROUTING"),
    ("mangle", "PREROUTING"),
    ("nat", "PREROUTING"),
];
const INPUT: [(&str, &str); 3] = [("mangle", "INPUT"), ("filter", "INPUT"), ("nat", "INPUT")];

/// The packet as a hook in `ns` sees it.
#[allow(clippy::too_many_arguments)]
fn seen(
    k: &mut dyn Kernel,
    ns: &Netns,
    in_dev: Option<&str>,
    out_dev: Option<&str>,
    src: IpAddr,
    dst: IpAddr,
    request: bool,
) -> Seen {
    let p = Packet {
        in_dev: in_dev.map(str::to_string),
        out_dev: out_dev.unwrap_or_default().to_string(),
        src,
        dst,
        state: if request { "NEW" } else { "ESTABLISHED" },
    };
    p.seen(k, ns)
}

/// The echo request leaving its source on `out`: OUTPUT, POSTROUTING. Its source as it
/// leaves (a SNAT there), or `None` when dropped (said in `r`).
pub(crate) fn leave_source(
    k: &mut dyn Kernel,
    r: &mut Report,
    ns: &Netns,
    out: &str,
    src: IpAddr,
    dst: IpAddr,
) -> Option<IpAddr> {
    let p = seen(k, ns, None, Some(out), src, dst, true);
    let after = cross(k, r, ns, &OUTPUT, &p)?;
    Some(after.src)
}

/// The source's route lookup as the kernel ends it: routed first unmarked, the request crosses
/// raw, mangle and nat OUTPUT, and a mark set there or a DNAT sends it through the lookup again
/// (ip_route_me_harder), its source kept. Said in `r` when that happens; the chains' verdicts
/// are judged afterwards on the final route's link (`leave_source`).
pub(crate) fn sent(k: &mut dyn Kernel, r: &mut Report, ns: &Netns, dst: IpAddr) -> Lookup {
    let uid = Some(k.probe_uid());
    let plain = Lookup {
        uid,
        ..Lookup::to(dst)
    }
    .flow(k.tcp_port(dst), false);
    let Ok(rt) = k.route_get(ns, &plain) else {
        return plain;
    };
    let src = rt.src.unwrap_or(dst);
    k.set_mark(ns, 0);
    let p = seen(k, ns, None, Some(&rt.dev), src, dst, true);
    let mut quiet = Report::default();
    let after = cross(k, &mut quiet, ns, &OUTPUT[..3], &p);
    let mark = k.mark_in(ns);
    // `leave_source` applies the MARK rules again from an unmarked packet.
    k.set_mark(ns, 0);
    let Some(after) = after.filter(|a| a.dst != dst || mark != 0) else {
        return plain;
    };
    r.hops
        .extend(quiet.hops.into_iter().filter(|h| h.text.contains("DNAT")));
    // Said before the walk goes on: a DNAT further along sets them again.
    r.dnat_to = quiet.dnat_to;
    r.dnat_by = quiet.dnat_by;
    if mark != 0 {
        r.hop(
            ns,
            format!(
                "OUTPUT marks {} {mark:#x}, so the kernel routes it again by that mark",
                super::hooks::what(&p)
            ),
        );
    }
    Lookup {
        src: Some(src),
        mark,
        uid,
        ..Lookup::to(after.dst)
    }
}

/// The echo request arriving on `i` (at a router or its destination): PREROUTING. Where it is
/// going after it (a DNAT there), or `None` when dropped.
pub(crate) fn arrive(
    k: &mut dyn Kernel,
    r: &mut Report,
    ns: &Netns,
    i: &str,
    src: IpAddr,
    dst: IpAddr,
) -> Option<IpAddr> {
    // A mark does not cross namespaces: the packet arrives unmarked.
    k.set_mark(ns, 0);
    let p = seen(k, ns, Some(i), None, src, dst, true);
    if !super::nft_early::ingress(k, r, ns, i, &p) {
        return None;
    }
    Some(cross(k, r, ns, &PREROUTING, &p)?.dst)
}

/// `deliver` where the request came in from another namespace (not a ping to oneself).
pub(crate) fn delivered(
    k: &mut dyn Kernel,
    r: &mut Report,
    ns: &Netns,
    i: &Option<String>,
    src: Option<IpAddr>,
    dst: IpAddr,
) -> bool {
    match (i, src) {
        (Some(i), Some(s)) => deliver(k, r, ns, i, s, dst),
        _ => true,
    }
}

/// The echo request delivered in `ns` (it came in on `i`): INPUT; then the echo reply leaving
/// (OUTPUT, POSTROUTING) by the link its route takes. False when either is dropped.
pub(crate) fn deliver(
    k: &mut dyn Kernel,
    r: &mut Report,
    ns: &Netns,
    i: &str,
    src: IpAddr,
    dst: IpAddr,
) -> bool {
    let p = seen(k, ns, Some(i), None, src, dst, true);
    if cross(k, r, ns, &INPUT, &p).is_none() {
        return false;
    }
    let out = k.route_get(ns, &Lookup::to(src)).ok().map(|rt| rt.dev);
    let back = seen(k, ns, None, out.as_deref(), dst, src, false);
    cross(k, r, ns, &OUTPUT, &back).is_some()
}

/// The echo reply (from `from`) arriving home in `ns` on `i`: PREROUTING, INPUT.
pub(crate) fn reply_home(
    k: &mut dyn Kernel,
    r: &mut Report,
    ns: &Netns,
    i: &str,
    from: IpAddr,
    to: IpAddr,
) -> bool {
    let p = seen(k, ns, Some(i), None, from, to, false);
    let Some(p) = cross(k, r, ns, &PREROUTING, &p) else {
        return false;
    };
    cross(k, r, ns, &INPUT, &p).is_some()
}

/// br_netfilter: a frame switched by a bridge whose namespace has
/// net.bridge.bridge-nf-call-iptables = 1 crosses that namespace's FORWARD (with the bridge
/// as in and out link), as Docker's hosts do: each bridge the last layer-2 hop switched it
/// through (`r.switched`) on its way to `to`. False when dropped there.
pub(crate) fn bridged(
    k: &mut dyn Kernel,
    r: &mut Report,
    to: &Netns,
    src: Option<IpAddr>,
    dst: IpAddr,
) -> bool {
    let switched = std::mem::take(&mut r.switched);
    // The bridges pass on the frame `to` gets, its source MAC and TTL untouched.
    let frame = k.frame_in(to, true).unwrap_or_default();
    switched
        .iter()
        .all(|(bns, br, i, o)| bridged_at(k, r, (bns, br), (i, o), (src, dst), &frame))
}

fn bridged_at(
    k: &mut dyn Kernel,
    r: &mut Report,
    (bns, br): (&Netns, &str),
    (i, o): (&str, &str),
    (src, dst): (Option<IpAddr>, IpAddr),
    frame: &super::frame::Frame,
) -> bool {
    let (bns, br) = (bns.clone(), br.to_string());
    let on = k.sysctl(&bns, "net.bridge.bridge-nf-call-iptables");
    // The per-bridge option counts only where br_netfilter is loaded (the sysctl exists).
    let global = on.as_deref() == Some("1");
    let own = !global && on.is_some() && super::bridge_nf::own_switch(k, &bns, &br);
    if !global && !own {
        return true;
    }
    let Some(src) = src else { return true };
    let mut p = seen(k, &bns, Some(&br), Some(&br), src, dst, true);
    p.physdev = Some((i.to_string(), o.to_string()));
    (p.wire.mac, p.wire.ttl) = (frame.mac.clone(), frame.ttl);
    if cross(k, r, &bns, &PREROUTING, &p).is_none() {
        return false;
    }
    let ports = (i, o);
    for (table, chain) in [("mangle", "FORWARD"), ("filter", "FORWARD")] {
        let Some(o) = traverse(k, &bns, table, chain, &p) else {
            continue;
        };
        r.crossed_chains
            .push((bns.clone(), table.into(), chain.into(), p.clone()));
        if o.drops() && !global {
            let by = super::hooks::by(&o);
            let said = ("the frames", src, dst);
            super::bridge_nf::blocked(k, r, (&bns, &br), ports, (table, by), said);
            return false;
        }
        if o.drops() {
            let t = if table == "filter" {
                String::new()
            } else {
                format!("-t {table} ")
            };
            r.block(
                &bns,
                format!(
                    "{bns}'s {} chain {} the echo request switched by {br} from {src} to {dst} ({}; bridge-nf-call-iptables is 1: br_netfilter passes bridged traffic to iptables)",
                    chain_words(table, chain),
                    o.verb(),
                    super::hooks::by(&o)
                ),
                Some(call(
                    &bns,
                    &format!("iptables(\"{t}-I FORWARD 1 -i {br} -o {br} -j ACCEPT\")"),
                )),
            );
            return false;
        }
    }
    // Passed: said only when it drops (most bridged paths cross an empty FORWARD).
    true
}
