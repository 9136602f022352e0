//! A VXLAN port of a bridge: whether its tunnel ends on the far bridge (VNI, port, remote).

use super::kernel::Kernel;
use super::link_detail::{LinkDetail, VxlanInfo};
use super::lost_vtep::lost_address;
use super::owner::owner;
use super::report::Report;
use super::tunnel_far::{fdb_back, fdb_remote, underlay};
use super::vtep::vtep_address;
use super::vxlan_csum6::{csums_agree, End};
use super::vxlan_group::{far_vtep, floods_reach};
use super::vxlan_mac::{by_mac, proxied, Target};
use super::vxlan_remake::recreate;
use super::words::{link_call, link_ref};
use crate::sys::Netns;
use std::net::IpAddr;

/// A VXLAN port: its remote must be a VTEP (an address of `far`) with a VXLAN of the same VNI
/// and port, pointing back at us, enslaved to `far_br`. `target`: the link (in its namespace)
/// the frame is for, behind `far_br`.
pub(crate) fn tunnel(
    k: &mut dyn Kernel,
    r: &mut Report,
    at: &Netns,
    vx: &LinkDetail,
    (far, far_br): (&Netns, &str),
    target: (&str, &Netns),
) -> bool {
    let v = vx.vxlan.clone().unwrap_or_default();
    let name = &vx.name;
    let vx_master = vx.master.clone().unwrap_or_default();
    if !vx.up {
        r.block(
            at,
            format!("{name} in {at} is down"),
            Some(link_call(at, name, "up()")),
        );
        return false;
    }
    let (there, back) = ends(k, r, target);
    if !proxied(k, r, (at, name), &there) {
        return false;
    }
    let far_vx: Vec<LinkDetail> = k
        .links(far)
        .into_iter()
        .filter(|l| l.vxlan.is_some())
        .collect();
    if !super::vxlan_external::near(k, r, (at, vx, &vx_master), far, &far_vx) {
        return false;
    }
    let Some(remote) = remote_vtep(k, r, (at, vx), &v, (far, far_br), &there) else {
        return false;
    };
    let far_words = vxlans_words(&far_vx);
    // The source of the outer packets: the VXLAN's `local` when set, else the route's.
    let under = k.route_get(at, &super::route_get::Lookup::to(remote));
    let local = v.local.or_else(|| under.ok().and_then(|u| u.src));
    if !super::vxlan_external::far(r, (far, far_br), &far_vx, &v, local) {
        return false;
    }
    let Some(m) = far_vx.iter().find(|l| {
        l.vxlan
            .as_ref()
            .is_some_and(|f| f.id == v.id && f.port == v.port)
    }) else {
        let fix = local.map(|l| far_remade(k, (far, far_br), &far_vx, (name, &v), l));
        r.block(far, format!("the L2 path over the tunnel ends at {name} in {at}: {far} at {remote} has no VXLAN with VNI {} port {} (it has {}; {})", v.id, v.port, if far_words.is_empty() { "none".into() } else { far_words }, mismatch(&far_vx, v.id, v.port)), fix);
        return false;
    };
    let f = m.vxlan.clone().unwrap_or_default();
    // A `local` not held: made again without it.
    let unbound = |x: &VxlanInfo| VxlanInfo {
        local: None,
        ..x.clone()
    };
    let near_fix = recreate(k, at, vx, &unbound(&v));
    let far_fix = recreate(k, far, m, &unbound(&f));
    let ends = [
        (at, v.local, name, Some(near_fix)),
        (far, f.local, &m.name, Some(far_fix)),
    ];
    if !ends
        .into_iter()
        .all(|(ns, a, dev, fix)| held_local(k, r, (ns, dev), a, fix))
    {
        return false;
    }
    if let Some(l) = local {
        let toward = VxlanInfo {
            remote: Some(l),
            ..f.clone()
        };
        let fix = recreate(k, far, m, &toward);
        if !far_points_back(k, r, (at, name), (far, m, &f), (l, fix), &back) {
            return false;
        }
    }
    if !far_end_ready(r, (at, name), far, m, far_br) {
        return false;
    }
    // The far VTEP learns the MAC of the frame's sender (the last next hop's asker).
    let sender = r
        .next_hops
        .last()
        .map(|h| h.0.to_string())
        .unwrap_or_else(|| at.to_string());
    if !super::tunnel_send::sends(k, r, (at, vx), remote)
        || !underlay(
            k,
            r,
            at,
            name,
            &v,
            remote,
            far,
            f.port,
            (&sender, &target.1.to_string(), &m.name),
        )
    {
        return false;
    }
    let near_end = End {
        ns: at,
        name,
        v: &v,
        master: &vx_master,
    };
    let far_end = End {
        ns: far,
        name: &m.name,
        v: &f,
        master: far_br,
    };
    if !csums_agree(r, &near_end, &far_end, remote) {
        return false;
    }
    r.hop(
        at,
        format!(
            "{name} (VNI {}, port {}) tunnels to {remote}: {far}'s {} on {far_br}",
            v.id, v.port, m.name
        ),
    );
    true
}

/// The far end made again with the near end's VNI and port (`v` of `name`): the far bridge's
/// VXLAN port (or the one named as the near one) keeps its own settings and sends to `local`
/// (its group, or its FDB's flood list, when it has one instead); with none, one is made.
fn far_remade(
    k: &mut dyn Kernel,
    (far, far_br): (&Netns, &str),
    far_vx: &[LinkDetail],
    (name, v): (&str, &VxlanInfo),
    local: IpAddr,
) -> String {
    let old = far_vx
        .iter()
        .find(|l| l.master.as_deref() == Some(far_br))
        .or_else(|| far_vx.iter().find(|l| l.name == name));
    let Some(old) = old else {
        let fresh = LinkDetail {
            name: name.to_string(),
            master: Some(far_br.to_string()),
            up: true,
            ..LinkDetail::default()
        };
        let right = VxlanInfo {
            id: v.id,
            port: v.port,
            dev: v.dev.clone(),
            remote: Some(local),
            ..VxlanInfo::default()
        };
        return recreate(k, far, &fresh, &right);
    };
    let f = old.vxlan.clone().unwrap_or_default();
    let remote = match f.remote {
        Some(g) if g.is_multicast() => Some(g),
        None if k.fdb_entries(far).iter().any(|(d, ..)| *d == old.name) => None,
        _ => Some(local),
    };
    let right = VxlanInfo {
        id: v.id,
        port: v.port,
        remote,
        ..f
    };
    recreate(k, far, old, &right)
}

/// The VTEP `name` in `at` sends to: its unicast remote, the far VTEP of its group, or the
/// address its FDB (or a MAC's entry) names; None (with the block reported) when that is not
/// `far`'s.
fn remote_vtep(
    k: &mut dyn Kernel,
    r: &mut Report,
    (at, vx): (&Netns, &LinkDetail),
    v: &VxlanInfo,
    (far, far_br): (&Netns, &str),
    there: &Target,
) -> Option<IpAddr> {
    let name = &vx.name;
    let remote = match v.remote {
        Some(g) if g.is_multicast() => match far_vtep(k, far, v) {
            Some(to) if floods_reach(k, r, (at, name), v, g, to) => to,
            Some(_) => return None,
            None => vtep_address(k, at, far).unwrap_or(g),
        },
        Some(x) => x,
        None => match by_mac(k, r, (at, name), far, there) {
            Err(()) => return None,
            Ok(Some(x)) => x,
            Ok(None) => fdb_remote(k, r, at, name, far)?,
        },
    };
    match owner(k, remote) {
        Some((rns, _)) if rns == *far => Some(remote),
        Some((rns, _)) => {
            r.block(at, format!("the L2 path over the tunnel ends at {name} in {at}: its remote {remote} is {rns}, not {far} where {far_br} is (wrong remote)"), None);
            None
        }
        None => {
            if let Some((cause, fix)) = lost_address(k, at, v, name, far, remote) {
                r.block(far, cause, fix);
                return None;
            }
            let fix = vtep_address(k, at, far)
                .filter(|a| a.is_ipv4() == remote.is_ipv4())
                .map(|a| {
                    let right = VxlanInfo {
                        remote: Some(a),
                        ..v.clone()
                    };
                    recreate(k, at, vx, &right)
                });
            r.block(at, format!("the L2 path over the tunnel ends at {name} in {at}: its remote {remote} is not a VTEP (no namespace here holds it; wrong remote)"), fix);
            None
        }
    }
}

/// The far VXLAN `m` (info `f`) must send back to `local`: by its remote, its group's floods,
/// or its FDB (or the entry for the MAC the reply goes to, `back`).
fn far_points_back(
    k: &mut dyn Kernel,
    r: &mut Report,
    (at, name): (&Netns, &str),
    (far, m, f): (&Netns, &LinkDetail, &VxlanInfo),
    (l, fix): (IpAddr, String),
    back: &Option<Target>,
) -> bool {
    if let Some(g) = f.remote.filter(|g| g.is_multicast()) {
        return floods_reach(k, r, (far, &m.name), f, g, l);
    }
    if let Some(to) = f.remote {
        if to != l {
            r.block(far, format!("the L2 path over the tunnel ends at {name}: {far}'s {} sends back to {to}, not to {at} at {l} (wrong remote)", m.name), Some(fix));
            return false;
        }
        return true;
    }
    let by = match back {
        Some(b) => by_mac(k, r, (far, &m.name), at, b),
        None => Ok(None),
    };
    match by {
        Err(()) => false,
        Ok(Some(_)) => true,
        Ok(None) => fdb_back(k, r, far, &m.name, at, l),
    }
}

/// The frame's two ends across the tunnel: the target (asked for by the sender of the last
/// next hop), and the sender's link as the target's replies seek it.
fn ends(k: &mut dyn Kernel, r: &Report, (to_link, to): (&str, &Netns)) -> (Target, Option<Target>) {
    let hop = r.next_hops.last().cloned();
    let asker = hop
        .as_ref()
        .map(|h| (h.0.clone(), h.1.clone()))
        .unwrap_or_else(|| (to.clone(), to_link.to_string()));
    let there = Target::of(
        k,
        (to, to_link),
        hop.as_ref().map(|h| h.2),
        (&asker.0, &asker.1),
    );
    let back = hop.map(|(ns, dev, next)| {
        // The sender's own address on the segment is what the replies' ARP asks for.
        let ip = k.view(&ns).and_then(|v| {
            v.addrs
                .iter()
                .find(|(l, a)| *l == dev && a.contains(&next))
                .map(|(_, a)| a.addr())
        });
        Target::of(k, (&ns, &dev), ip, (to, to_link))
    });
    (there, back)
}

/// `false` (said in `r`) when the far end `m` of `name` in `at` is down or not a port of
/// `far_br` in `far`.
fn far_end_ready(
    r: &mut Report,
    (at, name): (&Netns, &str),
    far: &Netns,
    m: &LinkDetail,
    far_br: &str,
) -> bool {
    if !m.up {
        r.block(
            far,
            format!(
                "{} in {far} (the far end of {name} in {at}) is down",
                m.name
            ),
            Some(link_call(far, &m.name, "up()")),
        );
        return false;
    }
    if m.master.as_deref() != Some(far_br) {
        r.block(
            far,
            format!("{} in {far} is not a port of {far_br}", m.name),
            Some(link_call(
                far,
                &m.name,
                &format!("master({})", link_ref(far, far_br)),
            )),
        );
        return false;
    }
    true
}

/// `false` (said in `r`) when `dev` in `ns` sends its tunnel from a `local` address `ns` does
/// not hold: the kernel cannot send the tunnel's UDP from it.
fn held_local(
    k: &mut dyn Kernel,
    r: &mut Report,
    (ns, dev): (&Netns, &str),
    local: Option<std::net::IpAddr>,
    fix: Option<String>,
) -> bool {
    let Some(a) = local.filter(|a| owner(k, *a).is_none_or(|(o, _)| o != *ns)) else {
        return true;
    };
    r.block(
        ns,
        format!("{dev} in {ns} sends its tunnel from local {a}, an address {ns} does not hold: the kernel cannot send from it"),
        fix,
    );
    false
}

/// `vxlan1 VNI 1 port 4789 remote 10.0.0.1, …`: what a namespace's VXLANs are.
fn vxlans_words(vxlans: &[LinkDetail]) -> String {
    vxlans
        .iter()
        .map(|l| {
            let f = l.vxlan.clone().unwrap_or_default();
            let remote = f.remote.map(|x| x.to_string()).unwrap_or("none".into());
            format!("{} VNI {} port {} remote {remote}", l.name, f.id, f.port)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Which of VNI and port the far VXLANs get wrong: `wrong port` when one has the VNI.
fn mismatch(far: &[LinkDetail], id: u32, port: u16) -> &'static str {
    let vx = || far.iter().filter_map(|l| l.vxlan.as_ref());
    if vx().any(|f| f.id == id) {
        "wrong port"
    } else if vx().any(|f| f.port == port) || far.is_empty() {
        "wrong VNI"
    } else {
        "wrong VNI and port"
    }
}
