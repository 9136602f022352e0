//! Layer 2 between a link and the next hop's link: veth cables, bridge ports, VXLAN tunnels.

use super::far_bridge::far_bridge;
use super::kernel::Kernel;
use super::link_detail::LinkDetail;
use super::port_state::{forwards, hairpin, not_isolated};
use super::report::Report;
use super::tunnel::tunnel;
use super::words::{link_call, link_ref};
use crate::sys::LinkKind;
use crate::sys::Netns;

pub(crate) use super::link_find::{find, peer};

/// Whether a frame sent on `dev` in `at` reaches `to_link` in `to`; records hops, or the break.
/// `ingress`: when `dev` is a bridge that bridges (not routes) the packet, the port it came
/// in by.
pub(crate) fn reach(
    k: &mut dyn Kernel,
    r: &mut Report,
    (at, dev): (&Netns, &str),
    to: &Netns,
    to_link: &str,
    ingress: Option<&str>,
) -> bool {
    let Some(d) = find(k, at, dev) else {
        return true;
    };
    if !d.up {
        r.block(
            at,
            format!("{dev} in {at} is down"),
            Some(link_call(at, dev, "up()")),
        );
        return false;
    }
    match d.kind {
        Some(LinkKind::Veth) => {
            let Some((pns, p)) = peer(k, at, &d) else {
                r.hop(
                    at,
                    format!("{dev}: its peer is not in any namespace here, not followed"),
                );
                return true;
            };
            if !p.up {
                r.block(
                    &pns,
                    format!(
                        "{} in {pns} (the other end of {dev} in {at}) is down",
                        p.name
                    ),
                    Some(link_call(&pns, &p.name, "up()")),
                );
                return false;
            }
            r.hop(at, format!("{dev} is up, cable to {} in {pns}", p.name));
            if pns == *to && p.name == to_link {
                return true;
            }
            match &p.master {
                Some(b) => {
                    if !forwards(k, r, &pns, &p.name, b) {
                        return false;
                    }
                    r.hop(&pns, format!("{} is a port of {b}", p.name));
                    bridge_reaches(k, r, &pns, (b, Some(&p.name)), to, to_link)
                }
                None => {
                    let target = bridge_of_target(k, to, to_link);
                    let br = target
                        .clone()
                        .map(|(_, b)| b)
                        .unwrap_or_else(|| "BRIDGE".into());
                    r.block(
                        &pns,
                        format!(
                            "{} in {pns} is not a port of any bridge, so {dev} leads nowhere",
                            p.name
                        ),
                        Some(link_call(
                            &pns,
                            &p.name,
                            &format!("master({})", link_ref(&pns, &br)),
                        )),
                    );
                    false
                }
            }
        }
        Some(LinkKind::Bridge) => bridge_reaches(k, r, at, (dev, ingress), to, to_link),
        _ if d.macvlan_mode.is_some() => {
            match super::macvlan::out_of(k, r, (at, &d), to, to_link) {
                Ok((pns, parent)) => reach(k, r, (&pns, &parent), to, to_link, None),
                Err(ok) => ok,
            }
        }
        _ => true,
    }
}

/// The bridge the next hop's veth hangs on: (namespace, bridge), when it has one.
fn bridge_of_target(k: &mut dyn Kernel, to: &Netns, to_link: &str) -> Option<(Netns, String)> {
    let l = find(k, to, to_link)?;
    if l.kind == Some(LinkKind::Bridge) {
        return Some((to.clone(), l.name));
    }
    let (pns, p) = peer(k, to, &l)?;
    Some((pns, p.master?))
}

/// From bridge `br` in `at` to `to_link` in `to`: the bridge itself, a port's cable, or a
/// VXLAN port whose tunnel ends on the target's bridge. `ingress`: the port the frame came in
/// by (none when the bridge itself sends).
fn bridge_reaches(
    k: &mut dyn Kernel,
    r: &mut Report,
    at: &Netns,
    (br, ingress): (&str, Option<&str>),
    to: &Netns,
    to_link: &str,
) -> bool {
    if let Some(b) = find(k, at, br) {
        if !b.up {
            r.block(
                at,
                format!("the bridge {br} in {at} is down"),
                Some(link_call(at, br, "up()")),
            );
            return false;
        }
    }
    if at == to && br == to_link {
        return true;
    }
    let Some(tl) = find(k, to, to_link) else {
        return true;
    };
    // A macvlan is reached through its parent.
    if let Some((pns, p)) = super::macvlan::parent(k, to, &tl) {
        return bridge_reaches(k, r, at, (br, ingress), &pns, &p.name);
    }
    let Some((pns, p)) = peer(k, to, &tl) else {
        r.hop(to, format!("{to_link} is not a veth: not followed"));
        return true;
    };
    if !p.up {
        r.block(
            &pns,
            format!(
                "{} in {pns} (the other end of {to_link} in {to}) is down",
                p.name
            ),
            Some(link_call(&pns, &p.name, "up()")),
        );
        return false;
    }
    if pns == *at {
        if p.master.as_deref() == Some(br) {
            if !forwards(k, r, at, &p.name, br)
                || !not_isolated(k, r, at, br, ingress, &p.name)
                || (ingress == Some(p.name.as_str()) && !hairpin(k, r, at, br, &p.name))
            {
                return false;
            }
            r.hop(
                at,
                format!(
                    "{br} forwards to its port {}, cable to {to_link} in {to}",
                    p.name
                ),
            );
            return true;
        }
        let other = p
            .master
            .as_ref()
            .map(|m| format!(" (it is a port of {m})"))
            .unwrap_or_default();
        r.block(
            at,
            format!(
                "{} in {at} is not a port of {br}{other}, so {to_link} in {to} is cut off",
                p.name
            ),
            Some(link_call(
                at,
                &p.name,
                &format!("master({})", link_ref(at, br)),
            )),
        );
        return false;
    }
    // Another stack: only a VXLAN port of this bridge can carry the frame there.
    let Some(far_br) = p.master.clone() else {
        r.block(
            &pns,
            format!(
                "{} in {pns} is not a port of any bridge, so {to_link} in {to} is cut off",
                p.name
            ),
            None,
        );
        return false;
    };
    let vxlans: Vec<LinkDetail> = k
        .links(at)
        .into_iter()
        .filter(|l| l.master.as_deref() == Some(br) && l.vxlan.is_some())
        .collect();
    let Some(vx) = vxlans.first() else {
        r.block(at, format!("{br} in {at} has no port that leads to {pns} ({to_link} in {to} is behind {far_br} there)"), None);
        return false;
    };
    if !forwards(k, r, at, &vx.name, br) || !not_isolated(k, r, at, br, ingress, &vx.name) {
        return false;
    }
    let id = vx.vxlan.as_ref().map(|v| v.id).unwrap_or_default();
    tunnel(k, r, at, vx, &pns, &far_br) && far_bridge(k, r, &pns, &far_br, id, &p.name)
}
