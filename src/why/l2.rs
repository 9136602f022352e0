//! Layer 2 between a link and the next hop's link: veth cables, bridge ports, VXLAN tunnels.

use super::bridge_path::{trunks, Trunk};
use super::far_bridge::far_bridge;
use super::kernel::Kernel;
use super::link_detail::LinkDetail;
use super::moved_end::moved;
use super::port_state::{admits, forwards, hairpin, not_isolated};
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
            if let Some((bns, b)) = bridge_of_target(k, to, to_link) {
                if moved(k, r, (&bns, &b), (&pns, &p), (dev, at)) {
                    return false;
                }
            }
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
                    if !forwards(k, r, &pns, &p.name, b)
                        || !admits(k, r, (&pns, b), &p.name, (dev, at))
                    {
                        return false;
                    }
                    r.hop(&pns, format!("{} is a port of {b}", p.name));
                    bridge_reaches(k, r, &pns, (b, Some(&p.name)), to, to_link)
                }
                None => {
                    unbridged(k, r, (at, dev), (&pns, &p.name), (to, to_link));
                    false
                }
            }
        }
        Some(LinkKind::Bridge) => {
            let ok = bridge_reaches(k, r, at, (dev, ingress), to, to_link);
            // A frame this stack routed out of its own bridge (or hairpinned back by it) is
            // judged by the routed FORWARD, not again as bridged.
            r.switched.retain(|s| !(s.0 == *at && s.1 == dev));
            ok
        }
        _ if d.macvlan_mode.is_some() => {
            match super::macvlan::out_of(k, r, (at, &d), to, to_link) {
                Ok((pns, parent)) => reach(k, r, (&pns, &parent), to, to_link, None),
                Err(ok) => ok,
            }
        }
        // A VXLAN with the addresses on it (L3), no bridge's port.
        _ if d.vxlan.is_some() && d.master.is_none() => {
            super::l3_vxlan::l3_tunnel(k, r, (at, &d), (to, to_link))
        }
        _ => true,
    }
}

/// The far end `p` of `dev`'s cable is a port of no bridge, and the next hop is elsewhere:
/// said, with the bridge to join when one is known (the target's, else the only one there).
fn unbridged(
    k: &mut dyn Kernel,
    r: &mut Report,
    (at, dev): (&Netns, &str),
    (pns, p): (&Netns, &str),
    (to, to_link): (&Netns, &str),
) {
    let br = bridge_of_target(k, to, to_link)
        .filter(|(bns, _)| bns == pns)
        .map(|(_, b)| b)
        .or_else(|| only_bridge(k, pns));
    // A routed end (it holds an address) is no bridge port gone missing: only where the
    // cable leads is said, no bridge blamed.
    if br.is_none() && routed_end(k, pns, p) {
        let words = format!("{dev} in {at} leads to {p} in {pns}, not to {to_link} in {to}");
        r.block(pns, words, None);
        return;
    }
    let fix = br.map(|br| link_call(pns, p, &format!("master({})", link_ref(pns, &br))));
    r.block(
        pns,
        format!("{p} in {pns} is not a port of any bridge, so {dev} leads nowhere"),
        fix,
    );
}

/// Whether `link` in `ns` holds an address (not a link-local one): a routed end, not a port.
fn routed_end(k: &mut dyn Kernel, ns: &Netns, link: &str) -> bool {
    k.view(ns).is_some_and(|v| {
        v.addrs.iter().any(|(l, a)| {
            l == link && !matches!(a.addr(), std::net::IpAddr::V6(x) if x.is_unicast_link_local())
        })
    })
}

/// The one bridge of `ns`, when it has exactly one.
fn only_bridge(k: &mut dyn Kernel, ns: &Netns) -> Option<String> {
    let bridges: Vec<String> = k
        .links(ns)
        .into_iter()
        .filter(|l| l.kind == Some(LinkKind::Bridge))
        .map(|l| l.name)
        .collect();
    match bridges.as_slice() {
        [b] => Some(b.clone()),
        _ => None,
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

/// From bridge `br` in `at` to `to_link` in `to`: the bridge itself, a port's cable, a chain
/// of bridges joined by cables, or a VXLAN port whose tunnel ends on the target's bridge.
/// `ingress`: the port the frame came in by (none when the bridge itself sends).
fn bridge_reaches(
    k: &mut dyn Kernel,
    r: &mut Report,
    at: &Netns,
    (br, ingress): (&str, Option<&str>),
    to: &Netns,
    to_link: &str,
) -> bool {
    if !bridge_up(k, r, at, br) {
        return false;
    }
    if at == to && br == to_link {
        return true;
    }
    let Some(tl) = find(k, to, to_link) else {
        return true;
    };
    if at == to && tl.master.as_deref() == Some(br) {
        // An address on a port of this bridge: the bridge's own stack answers ARP for it
        // (any local address), and takes the frames for it in.
        r.hop(
            at,
            format!("{br} takes in the frames for {to_link}, its port"),
        );
        return true;
    }
    // A macvlan is reached through its parent.
    if let Some((pns, p)) = super::macvlan::parent(k, to, &tl) {
        return bridge_reaches(k, r, at, (br, ingress), &pns, &p.name);
    }
    let target = (to_link, to);
    if tl.kind == Some(LinkKind::Bridge) {
        // A bridge further along the chain, itself the next hop.
        return match trunks(k, at, br, (to, to_link)) {
            Some(path) => follow(k, r, &path, ingress, target).is_some(),
            None => {
                r.hop(to, format!("{to_link} is not a veth: not followed"));
                true
            }
        };
    }
    let Some((pns, p)) = peer(k, to, &tl) else {
        r.hop(to, format!("{to_link} is not a veth: not followed"));
        return true;
    };
    if moved(k, r, (at, br), (&pns, &p), (to_link, to)) {
        return false;
    }
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
    // The bridge whose port the target's cable is on, reached over cables between bridges.
    let (mut bns, mut last, mut came) = (at.clone(), br.to_string(), ingress.map(str::to_string));
    if let Some(far) = p.master.clone().filter(|m| !(pns == *at && m == br)) {
        if let Some(path) = trunks(k, at, br, (&pns, &far)) {
            let Some(i) = follow(k, r, &path, ingress, target) else {
                return false;
            };
            (bns, last, came) = (pns.clone(), far, Some(i));
        }
    }
    if pns == bns {
        if p.master.as_deref() == Some(last.as_str()) {
            if !port_out(k, r, (&bns, &last), came.as_deref(), &p.name, target) {
                return false;
            }
            r.hop(
                &bns,
                format!(
                    "{last} forwards to its port {}, cable to {to_link} in {to}",
                    p.name
                ),
            );
            return true;
        }
        wrong_bridge(k, r, (at, br), &p, (to, to_link));
        return false;
    }
    // Another stack: only a VXLAN port of this bridge can carry the frame there.
    let Some(far_br) = p.master.clone() else {
        if routed_end(k, &pns, &p.name) {
            let words = format!(
                "{to_link} in {to} is cabled to {} in {pns}, not to {br} in {at}",
                p.name
            );
            r.block(&pns, words, None);
            return false;
        }
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
    tunnel(k, r, at, vx, (&pns, &far_br), (to_link, to))
        && far_bridge(k, r, &pns, &far_br, id, &p.name)
}

/// `p`, the far end of the cable to `to_link` in `to`, is a port of another bridge than `br`
/// (said in `r`): the fix moves it back, unless other hosts' way out runs through it.
fn wrong_bridge(
    k: &mut dyn Kernel,
    r: &mut Report,
    (at, br): (&Netns, &str),
    p: &LinkDetail,
    (to, to_link): (&Netns, &str),
) {
    let other = p
        .master
        .as_ref()
        .map(|m| format!(" (it is a port of {m})"))
        .unwrap_or_default();
    // Never move a port that carries other hosts' way out: that cuts them off instead.
    let users = super::port_users::others(k, at, p, (to, to_link));
    let (why, fix) = match users.is_empty() {
        true => (
            String::new(),
            Some(link_call(
                at,
                &p.name,
                &format!("master({})", link_ref(at, br)),
            )),
        ),
        false => (
            format!(
                "; not moved: that would cut off {} (on {}, in its subnet)",
                users.join(", "),
                p.master.clone().unwrap_or_default()
            ),
            None,
        ),
    };
    r.block(
        at,
        format!(
            "{} in {at} is not a port of {br}{other}, so {to_link} in {to} is cut off{why}",
            p.name
        ),
        fix,
    );
}

/// `false` (said in `r`) when `br` in `ns` is down.
fn bridge_up(k: &mut dyn Kernel, r: &mut Report, ns: &Netns, br: &str) -> bool {
    if find(k, ns, br).is_some_and(|b| !b.up) {
        r.block(
            ns,
            format!("the bridge {br} in {ns} is down"),
            Some(link_call(ns, br, "up()")),
        );
        return false;
    }
    true
}

/// Bridge `br` in `ns` sends the frame (in by `ingress`) out of its port `port` toward
/// `target` (link, namespace): the port forwards, is not isolated from the ingress, hairpins
/// when it is the ingress, and the FDB does not put the target's MAC behind another port.
fn port_out(
    k: &mut dyn Kernel,
    r: &mut Report,
    (ns, br): (&Netns, &str),
    ingress: Option<&str>,
    port: &str,
    (to_link, to): (&str, &Netns),
) -> bool {
    let mac = k
        .l2(to)
        .into_iter()
        .find(|l| l.name == to_link)
        .and_then(|l| l.mac);
    let whose = format!("{to_link} in {to}");
    let out = forwards(k, r, ns, port, br)
        && not_isolated(k, r, ns, br, ingress, port)
        && (ingress != Some(port) || hairpin(k, r, ns, br, port))
        && mac
            .as_deref()
            .is_none_or(|m| super::fdb_port::agrees(k, r, (ns, br), port, (m, &whose)))
        && mac
            .as_deref()
            .is_none_or(|m| super::fdb_self::not_own(k, r, (ns, br), port, (m, &whose)))
        && mac
            .as_deref()
            .is_none_or(|m| super::unknown_unicast::delivered(k, r, (ns, br), port, (m, &whose)))
        && super::port_state::floods_broadcast(k, r, (ns, br), port, &whose)
        && super::port_proxy_arp::floods(k, r, (ns, br), port, &whose)
        && admits(k, r, (ns, br), port, (to_link, to));
    if let (true, Some(i)) = (out, ingress) {
        r.switched
            .push((ns.clone(), br.to_string(), i.to_string(), port.to_string()));
    }
    out
}

/// The frame over a chain of bridges joined by cables, from the first trunk's bridge (in by
/// `ingress`) to the last one's; the port it came into the last bridge by, or `None` when
/// broken (said in `r`).
fn follow(
    k: &mut dyn Kernel,
    r: &mut Report,
    path: &[Trunk],
    ingress: Option<&str>,
    target: (&str, &Netns),
) -> Option<String> {
    let mut came = ingress.map(str::to_string);
    for t in path {
        if !port_out(k, r, (&t.ns, &t.br), came.as_deref(), &t.out, target) {
            return None;
        }
        if find(k, &t.to_ns, &t.in_port).is_some_and(|l| !l.up) {
            r.block(
                &t.to_ns,
                format!(
                    "{} in {} (the other end of {} in {}) is down",
                    t.in_port, t.to_ns, t.out, t.ns
                ),
                Some(link_call(&t.to_ns, &t.in_port, "up()")),
            );
            return None;
        }
        if !forwards(k, r, &t.to_ns, &t.in_port, &t.to_br) || !bridge_up(k, r, &t.to_ns, &t.to_br) {
            return None;
        }
        r.hop(
            &t.ns,
            format!(
                "{} forwards to its port {}, cable to {} in {}: a port of {}",
                t.br, t.out, t.in_port, t.to_ns, t.to_br
            ),
        );
        came = Some(t.in_port.clone());
    }
    came
}
