//! A static neighbour entry for a next hop over a routed VXLAN (flannel's `flannel.1`: no
//! ARP crosses it, the agent writes each node's MAC by hand) that still holds the MAC the far
//! device had before it was re-created: frames arrive at the far node addressed to another host,
//! which drops them. Also the FDB entry the new MAC needs when the device does not learn.

use super::kernel::Kernel;
use super::link_detail::VxlanInfo;
use super::link_find::find;
use super::report::Report;
use super::vtep::vtep_address;
use super::words::call;
use crate::sys::Netns;
use std::net::IpAddr;

/// `false` (said in `r`) when `cur`'s static entry for `next` on the VXLAN `dev` is not the
/// MAC of `nlink` in `nns`, which holds `next`.
pub(crate) fn current(
    k: &mut dyn Kernel,
    r: &mut Report,
    (cur, dev): (&Netns, &str),
    next: IpAddr,
    (nns, nlink): (&Netns, &str),
) -> bool {
    if find(k, cur, dev).and_then(|l| l.vxlan).is_none() {
        return true;
    }
    let Some((Some(state @ ("PERMANENT" | "NOARP")), Some(old))) = k.neighbour_mac(cur, dev, next)
    else {
        return true;
    };
    let far = k.l2(nns);
    let Some(new) = far
        .iter()
        .find(|l| l.name == nlink)
        .and_then(|l| l.mac.clone())
    else {
        return true;
    };
    // Any MAC of the far namespace takes the frame in (a bridge's ports are its own too).
    if far.iter().any(|l| {
        l.mac
            .as_deref()
            .is_some_and(|m| m.eq_ignore_ascii_case(&old))
    }) {
        return true;
    }
    let fix = static_fix(k, (cur, dev), next, (&new, Some(&old)), nns);
    r.block(
        cur,
        format!("{cur}'s neighbour entry `{next} lladdr {old} {state}` on {dev} is not {nns}'s {nlink} MAC ({new}): frames arrive at {nns} addressed to another host and are dropped"),
        Some(fix),
    );
    false
}

/// The commands that make `cur` reach `next` (held by `nns`, MAC `new`) over the VXLAN `dev`:
/// a static neighbour entry, and the FDB entry to the far VTEP when the device has no remote,
/// does not learn and has neither an entry for `new` nor a catch-all. `old`: the MAC an FDB
/// entry may still hold for it (its destination is the VTEP).
pub(crate) fn static_fix(
    k: &mut dyn Kernel,
    (cur, dev): (&Netns, &str),
    next: IpAddr,
    (new, old): (&str, Option<&str>),
    nns: &Netns,
) -> String {
    let vx: Option<VxlanInfo> = find(k, cur, dev).and_then(|l| l.vxlan);
    let mut fix = call(
        cur,
        &format!("sh(\"ip neigh replace {next} lladdr {new} dev {dev} nud permanent\")"),
    );
    let entries: Vec<(String, IpAddr)> = k
        .fdb_entries(cur)
        .into_iter()
        .filter(|(d, _, _)| d == dev)
        .map(|(_, m, ip)| (m, ip))
        .collect();
    let known = entries
        .iter()
        .any(|(m, _)| m.eq_ignore_ascii_case(new) || m == super::link_l2::ZEROS);
    let learns = k
        .l2(cur)
        .iter()
        .find(|l| l.name == dev)
        .and_then(|l| l.learning)
        != Some(false);
    let vtep = entries
        .iter()
        .find(|(m, _)| old.is_some_and(|o| m.eq_ignore_ascii_case(o)))
        .map(|(_, ip)| *ip)
        .or_else(|| vtep_address(k, cur, nns));
    let remote = vx.and_then(|v| v.remote);
    if let (None, false, false, Some(a)) = (remote, known, learns, vtep) {
        let fdb = format!("sh(\"bridge fdb append {new} dev {dev} dst {a} self permanent\")");
        fix += &format!("; {}", call(cur, &fdb));
    }
    fix
}
