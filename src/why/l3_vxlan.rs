//! A VXLAN that is no bridge's port, with the addresses on it (L3): a packet routed out of it
//! gets to the next hop only when the VTEP it sends to (its remote, or its FDB's flood entries)
//! is the next hop's namespace, whose VXLAN holding the next hop's address has the same VNI and
//! port, is up, and sends back to us (its remote or flood list, unless it learns where we are).

use super::kernel::Kernel;
use super::link_detail::{LinkDetail, VxlanInfo};
use super::link_l2::ZEROS;
use super::owner::owner;
use super::report::Report;
use super::route_fix::exec;
use super::route_get::Lookup;
use super::vtep::vtep_address;
use super::vxlan_remake::recreate;
use super::words::link_call;
use crate::sys::Netns;
use std::net::IpAddr;

/// Whether the L3 VXLAN `vx` in `at` carries a packet to `to_link` in `to`; records the hop,
/// or the break. What it cannot judge (a group, external mode, no VXLAN at the far end) it
/// lets pass.
pub(crate) fn l3_tunnel(
    k: &mut dyn Kernel,
    r: &mut Report,
    (at, vx): (&Netns, &LinkDetail),
    (to, to_link): (&Netns, &str),
) -> bool {
    let Some(v) = vx.vxlan.clone().filter(|v| !v.external) else {
        return true;
    };
    let Some(m) = k.links(to).into_iter().find(|l| l.name == to_link) else {
        return true;
    };
    let Some(f) = m.vxlan.clone().filter(|f| !f.external) else {
        return true;
    };
    if to == at {
        return true;
    }
    let name = &vx.name;
    let remote = match sends_to(k, (at, name), &v, to) {
        Some(x) => x,
        None if v.remote.is_some() => return true,
        None => match super::vxlan_nowhere::by_entry(k, r, (at, name), (to, to_link)) {
            Ok(Some(x)) => x,
            Ok(None) => return true,
            Err(()) => return false,
        },
    };
    if !reaches_far(k, r, (at, vx, &v), remote, (to, to_link)) {
        return false;
    }
    if f.id != v.id || f.port != v.port {
        let right = VxlanInfo {
            id: v.id,
            port: v.port,
            ..f.clone()
        };
        let fix = recreate(k, to, &m, &right);
        let wrong = match (f.id != v.id, f.port != v.port) {
            (true, true) => "wrong VNI and port",
            (true, false) => "wrong VNI",
            _ => "wrong port",
        };
        r.block(to, format!("the tunnel of {name} in {at} (VNI {}, port {}) ends at {to} at {remote}, whose {to_link} has VNI {} port {} ({wrong}): it takes in nothing {name} sends", v.id, v.port, f.id, f.port), Some(fix));
        return false;
    }
    if !m.up {
        let fix = link_call(to, to_link, "up()");
        r.block(
            to,
            format!("{to_link} in {to} (the far end of {name} in {at}) is down"),
            Some(fix),
        );
        return false;
    }
    let local = v.local.or_else(|| {
        let under = k.route_get(at, &Lookup::to(remote));
        under.ok().and_then(|u| u.src)
    });
    if let Some(l) = local {
        if !sends_back(k, r, (at, name), (to, &m, &f), l) {
            return false;
        }
    }
    if !super::tunnel_send::sends(k, r, (at, vx), remote) {
        return false;
    }
    r.hop(
        at,
        format!(
            "{name} (VNI {}, port {}) tunnels to {remote}: {to}'s {to_link}",
            v.id, v.port
        ),
    );
    true
}

/// The VTEP `name` in `at` sends to: its unicast remote, else its flood entry to `to` (or its
/// first); `None` for a group, or with nothing to send to.
fn sends_to(
    k: &mut dyn Kernel,
    (at, name): (&Netns, &str),
    v: &VxlanInfo,
    to: &Netns,
) -> Option<IpAddr> {
    if let Some(x) = v.remote {
        return (!x.is_multicast()).then_some(x);
    }
    let floods: Vec<IpAddr> = k
        .fdb_entries(at)
        .into_iter()
        .filter(|(d, mac, _)| d == name && mac == ZEROS)
        .map(|(.., dst)| dst)
        .collect();
    let first = floods.first().copied();
    floods
        .into_iter()
        .find(|d| owner(k, *d).is_some_and(|(o, _)| o == *to))
        .or(first)
}

/// `false` (said in `r`) when `remote`, where `vx` in `at` sends, is not `to`'s: another
/// namespace's, or no one's. The fix: `vx` made again with `to`'s address as remote.
fn reaches_far(
    k: &mut dyn Kernel,
    r: &mut Report,
    (at, vx, v): (&Netns, &LinkDetail, &VxlanInfo),
    remote: IpAddr,
    (to, to_link): (&Netns, &str),
) -> bool {
    let whose = match owner(k, remote) {
        Some((o, _)) if o == *to => return true,
        Some((o, _)) => format!("{remote} is {o}'s, not {to}'s"),
        None => format!("no namespace here holds {remote}"),
    };
    let fix = v
        .remote
        .and(vtep_address(k, at, to))
        .filter(|a| a.is_ipv4() == remote.is_ipv4())
        .map(|a| {
            let right = VxlanInfo {
                remote: Some(a),
                ..v.clone()
            };
            recreate(k, at, vx, &right)
        });
    let name = &vx.name;
    r.block(at, format!("{name} in {at} tunnels to {remote}, but {to_link} of the next hop is in {to}: {whose} (wrong remote)"), fix);
    false
}

/// `false` (said in `r`) when the far end `m` (info `f`) in `to` learns no MACs and neither
/// its remote nor its flood entries send the replies back to `l`, the near end's address.
/// The fix: `m` made again with `l` as remote.
fn sends_back(
    k: &mut dyn Kernel,
    r: &mut Report,
    (at, name): (&Netns, &str),
    (to, m, f): (&Netns, &LinkDetail, &VxlanInfo),
    l: IpAddr,
) -> bool {
    if !f.nolearning || f.remote.is_some_and(|g| g.is_multicast()) {
        return true;
    }
    // Its flood entries, and the entry for our own MAC (flannel's way: one per node).
    let ours = k.mac(at, name);
    let mut back: Vec<IpAddr> = f.remote.into_iter().collect();
    back.extend(
        k.fdb_entries(to)
            .into_iter()
            .filter(|(d, mac, _)| {
                *d == m.name
                    && (mac == ZEROS || ours.as_ref().is_some_and(|o| o.eq_ignore_ascii_case(mac)))
            })
            .map(|(.., dst)| dst),
    );
    back.sort();
    back.dedup();
    if back.contains(&l) {
        return true;
    }
    let to_words = match back.as_slice() {
        [] => "nowhere".to_string(),
        b => b
            .iter()
            .map(|a| a.to_string())
            .collect::<Vec<_>>()
            .join(", "),
    };
    let fix = match f.remote {
        // Its remote is wrong: made again with ours.
        Some(_) => {
            let right = VxlanInfo {
                remote: Some(l),
                ..f.clone()
            };
            recreate(k, to, m, &right)
        }
        // A mesh of FDB entries: the one back to us given back.
        None => {
            let (entry, _) = super::vxlan_nowhere::lost_entry(k, (to, &m.name), ours.as_deref());
            exec(
                to,
                &format!("bridge fdb append {entry} dev {} dst {l}", m.name),
            )
        }
    };
    let wrong = if f.remote.is_some() {
        "wrong remote"
    } else {
        "no FDB entry back"
    };
    r.block(to, format!("{} in {to} learns no MACs and sends back to {to_words}, not to {at} at {l}: the replies to {name} in {at} cannot come back ({wrong})", m.name), Some(fix));
    false
}
