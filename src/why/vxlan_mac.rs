//! A VXLAN as docker's overlay driver programs it (`nolearning proxy`, no remote): per remote
//! MAC a static FDB entry, per remote address a neighbour entry its proxy answers ARP with.
//! Frames for a MAC with no entry (and no all-zeros catch-all) are dropped; with `proxy`, an
//! ARP request the device has no neighbour entry for is dropped too (arp_reduce answers or
//! consumes, it never floods).

use super::kernel::Kernel;
use super::link_l2::ZEROS;
use super::report::Report;
use super::vtep::vtep_address;
use super::words::{call, link_call};
use crate::sys::Netns;
use std::net::IpAddr;

/// The end of a frame across the tunnel: the address asked for by ARP, its MAC, whose link
/// holds it (`c3's eth0`), and who asks (`c1`, by its link `eth0`).
pub(crate) struct Target {
    pub(crate) ip: Option<IpAddr>,
    pub(crate) mac: Option<String>,
    pub(crate) whose: String,
    pub(crate) asker: (Netns, String),
}

impl Target {
    /// `link` in `ns`, holding `ip`, asked for by `asker`.
    pub(crate) fn of(
        k: &mut dyn Kernel,
        (ns, link): (&Netns, &str),
        ip: Option<IpAddr>,
        (asker, by): (&Netns, &str),
    ) -> Target {
        let mac = k
            .l2(ns)
            .into_iter()
            .find(|l| l.name == link)
            .and_then(|l| l.mac);
        Target {
            ip,
            mac,
            whose: format!("{ns}'s {link}"),
            asker: (asker.clone(), by.to_string()),
        }
    }
}

fn neigh_fix(ns: &Netns, dev: &str, ip: IpAddr, mac: &str) -> String {
    call(
        ns,
        &format!("sh(\"ip neigh replace {ip} lladdr {mac} dev {dev} nud permanent\")"),
    )
}

/// `false` (said in `r`) when `dev` in `at` answers ARP by proxy and cannot answer for the
/// target: no usable neighbour entry (arp_reduce wants PERMANENT, NOARP or REACHABLE), or
/// one with a MAC the target does not hold.
pub(crate) fn proxied(
    k: &mut dyn Kernel,
    r: &mut Report,
    (at, dev): (&Netns, &str),
    t: &Target,
) -> bool {
    let Some(ip @ IpAddr::V4(_)) = t.ip else {
        return true;
    };
    if !k.l2(at).iter().any(|l| l.name == dev && l.proxy) {
        return true;
    }
    let entry = k.neighbour_mac(at, dev, ip);
    let usable = |s: Option<&str>| matches!(s, Some("PERMANENT" | "NOARP" | "REACHABLE"));
    let fix = t.mac.as_deref().map(|m| neigh_fix(at, dev, ip, m));
    let (asker, by) = &t.asker;
    match entry {
        Some((state, Some(mac))) if usable(state) => {
            let Some(want) = t.mac.as_deref().filter(|w| *w != mac) else {
                return true;
            };
            // The asker holds the stale answer too: it must ask again.
            let forget = call(asker, &format!("sh(\"ip neigh flush to {ip} dev {by}\")"));
            r.block(
                at,
                format!("{dev} in {at} answers ARP for {ip} by proxy with {mac}, a stale neighbour entry: {} has {want}, so {asker}'s frames go to a MAC it does not hold", t.whose),
                fix.map(|f| format!("{f}; {forget}")),
            );
        }
        other => {
            let state = other
                .and_then(|(s, _)| s)
                .map(|s| format!(" (only a {s} one, which the proxy does not answer from)"))
                .unwrap_or_default();
            r.block(
                at,
                format!("{dev} in {at} answers ARP by proxy and has no neighbour entry for {ip}{state}: {asker}'s ARP request is swallowed (the proxy drops, not floods, a request it cannot answer)"),
                fix,
            );
        }
    }
    false
}

/// Where `dev` in `at` (no remote) sends a frame for the target's MAC: its per-MAC entry
/// that leads to `far`, or a catch-all that does. `Ok(None)` for a device with neither
/// per-MAC entries nor `proxy` (a flood mesh: its all-zeros entries are judged elsewhere);
/// `Err` when the frame is dropped or sent elsewhere (said in `r`).
pub(crate) fn by_mac(
    k: &mut dyn Kernel,
    r: &mut Report,
    (at, dev): (&Netns, &str),
    far: &Netns,
    t: &Target,
) -> Result<Option<IpAddr>, ()> {
    let Some(mac) = t.mac.as_deref() else {
        return Ok(None);
    };
    let l2 = k.l2(at).into_iter().find(|l| l.name == dev);
    let proxy = l2.as_ref().is_some_and(|l| l.proxy);
    let entries: Vec<(String, IpAddr)> = k
        .fdb_entries(at)
        .into_iter()
        .filter(|(d, _, _)| d == dev)
        .map(|(_, m, ip)| (m, ip))
        .collect();
    let theirs: Vec<IpAddr> = k
        .view(far)
        .map(|v| v.addrs.iter().map(|(_, a)| a.addr()).collect())
        .unwrap_or_default();
    let to: Vec<IpAddr> = entries
        .iter()
        .filter(|(m, _)| m == mac)
        .map(|(_, ip)| *ip)
        .collect();
    let zero: Vec<IpAddr> = entries
        .iter()
        .filter(|(m, _)| m == ZEROS)
        .map(|(_, ip)| *ip)
        .collect();
    // Without `proxy` the ARP request is a broadcast: only the catch-all carries it, and
    // the flood entries are judged by `fdb_remote`.
    if !proxy && !zero.iter().any(|d| theirs.contains(d)) {
        return Ok(None);
    }
    let chosen = if to.is_empty() { &zero } else { &to };
    if let Some(d) = chosen.iter().find(|d| theirs.contains(d)) {
        return Ok(Some(*d));
    }
    // Per-MAC entries a learning device made itself say nothing of how it was programmed.
    let learns = l2.as_ref().and_then(|l| l.learning) != Some(false);
    let per_mac = !learns && entries.iter().any(|(m, _)| m != ZEROS);
    // A learning device moves an entry that went stale when the far side speaks.
    if (to.is_empty() && !per_mac && !proxy) || (learns && !to.is_empty()) {
        return Ok(None);
    }
    let vtep = vtep_address(k, at, far);
    let at_far = vtep.map(|a| format!(" at {a}")).unwrap_or_default();
    let whose = &t.whose;
    if let Some(wrong) = to.first() {
        r.block(
            at,
            format!("the FDB entry of {dev} in {at} for {mac} ({whose}) sends it to {wrong}, not to {far}{at_far}: frames for it go to the wrong host"),
            vtep.map(|a| call(at, &format!("sh(\"bridge fdb replace {mac} dev {dev} dst {a} self permanent\")"))),
        );
        return Err(());
    }
    let catch = if zero.is_empty() {
        "no catch-all".to_string()
    } else {
        format!("no catch-all to {far}")
    };
    let learning = if learns { "" } else { ", and learning is off" };
    r.block(
        at,
        format!("{dev} in {at} has no FDB entry for {mac} ({whose}) and {catch}{learning}: frames for it are dropped"),
        vtep.map(|a| link_call(at, dev, &format!("fdb(#{{ mac: \"{mac}\", dst: \"{a}\" }})"))),
    );
    Err(())
}
