//! Two links on one bridged segment with one MAC (a cloned VM or container, a copied
//! `--mac-address`, a host given its gateway bridge's): the bridge keeps that MAC as its own or
//! learns it on whichever port sent last, so frames for one of them never reach it.

use super::ends::{ends, End};
use super::kernel::Kernel;
use super::link_find::{find, peer};
use super::report::Report;
use super::words::call;
use crate::sys::{LinkKind, Netns};
use std::net::IpAddr;

fn mac_of(k: &mut dyn Kernel, ns: &Netns, link: &str) -> Option<String> {
    k.mac(ns, link).filter(|m| m != super::link_l2::ZEROS)
}

/// `false` (said in `r`) when the asking link `dev` in `cur`, or the asked-for `nlink` in
/// `nns`, shares its MAC with another link on the segment.
pub(crate) fn mac_twin(
    k: &mut dyn Kernel,
    r: &mut Report,
    (cur, dev): (&Netns, &str),
    (nns, nlink): (&Netns, &str),
) -> bool {
    // The segment as seen from both ends: a macvlan child's reaches only its parent, the
    // parent's side the bridge it is cabled to.
    let mut all: Vec<End> = vec![];
    for (ns, link) in [(cur, dev), (nns, nlink)] {
        let bridge = find(k, ns, link).is_some_and(|l| l.kind == Some(LinkKind::Bridge));
        let (far, _) = ends(k, ns, link);
        let here = End {
            ns: ns.clone(),
            link: link.to_string(),
            bridge,
        };
        for e in std::iter::once(here).chain(far) {
            if !all.contains(&e) {
                all.push(e);
            }
        }
    }
    with_macvlans(k, &mut all);
    // Between the two ends of a bare veth nothing learns a MAC: one MAC at both ends works.
    if !all.iter().any(|e| e.bridge) {
        return true;
    }
    for (ns, link) in [(cur, dev), (nns, nlink)] {
        let Some(one) = all.iter().find(|e| e.ns == *ns && e.link == link).cloned() else {
            continue;
        };
        let Some(mac) = mac_of(k, ns, link) else {
            continue;
        };
        // Two bridges may well share a MAC (each takes its lowest port's, a VLAN's is its
        // parent's): only a link they learn as a port's twin misleads them.
        let twin = all
            .iter()
            .filter(|e| **e != one && !(e.bridge && one.bridge))
            .find(|e| mac_of(k, &e.ns, &e.link).as_deref() == Some(mac.as_str()))
            .cloned();
        if let Some(twin) = twin {
            say(k, r, &all, (one, twin), &mac, (cur, (nns, nlink)));
            return false;
        }
    }
    true
}

/// The macvlan children of the segment's links (in any namespace), which send out of their
/// parent with MACs of their own.
fn with_macvlans(k: &mut dyn Kernel, all: &mut Vec<End>) {
    let parents: Vec<(Netns, String)> = all
        .iter()
        .filter(|e| !e.bridge)
        .map(|e| (e.ns.clone(), e.link.clone()))
        .collect();
    for ns in k.namespaces() {
        for l in k.links(&ns) {
            if l.macvlan_mode.is_none() {
                continue;
            }
            let Some((pns, p)) = peer(k, &ns, &l) else {
                continue;
            };
            let child = End {
                ns: ns.clone(),
                link: l.name.clone(),
                bridge: false,
            };
            if parents.contains(&(pns, p.name)) && !all.contains(&child) {
                all.push(child);
            }
        }
    }
}

/// Whether two links on the segment of `br` in `ns` hold `mac`: an FDB entry for it then only
/// says which of them sent last, and the twin is the fault (told by `mac_twin`).
pub(crate) fn shared(k: &mut dyn Kernel, ns: &Netns, br: &str, mac: &str) -> bool {
    let (mut all, _) = ends(k, ns, br);
    all.push(End {
        ns: ns.clone(),
        link: br.to_string(),
        bridge: true,
    });
    with_macvlans(k, &mut all);
    let (mut bridges, mut links) = (0, 0);
    for e in &all {
        if mac_of(k, &e.ns, &e.link).is_some_and(|m| m.eq_ignore_ascii_case(mac)) {
            *(if e.bridge { &mut bridges } else { &mut links }) += 1;
        }
    }
    links + bridges.min(1) >= 2
}

/// Which of the two to give a new MAC: a host's link before a router's, a bridge last; the
/// asked-for link last of equals (its asker would keep sending to the old MAC).
fn rank(k: &mut dyn Kernel, e: &End, asked: (&Netns, &str)) -> (u8, bool) {
    let kind = if e.bridge {
        2
    } else if k.sysctl(&e.ns, "net.ipv4.ip_forward").as_deref() == Some("1") {
        1
    } else {
        0
    };
    (kind, e.ns == *asked.0 && e.link == asked.1)
}

fn say(
    k: &mut dyn Kernel,
    r: &mut Report,
    all: &[End],
    (a, b): (End, End),
    mac: &str,
    (cur, asked): (&Netns, (&Netns, &str)),
) {
    let (clone, other) = if rank(k, &b, asked) < rank(k, &a, asked) {
        (b, a)
    } else {
        (a, b)
    };
    let (c, o) = (&clone.ns, &other.ns);
    let effect = if other.bridge {
        if *c == *cur {
            format!("{o}'s ARP answer to {c} is addressed to its own bridge and never leaves {o}")
        } else {
            format!("{o}'s packets to {c} are addressed to its own bridge and never leave {o}")
        }
    } else {
        let br = all
            .iter()
            .find(|e| e.bridge)
            .map(|e| format!("{} in {}", e.link, e.ns))
            .unwrap_or_default();
        format!(
            "{br} learns {mac} on whichever port sent last, so frames for one go to the other \
             or are dropped where they came in"
        )
    };
    let fresh = fresh_mac(k, c, &clone.link);
    let mut fix = vec![call(
        c,
        &format!("sh(\"ip link set {} address {fresh}\")", clone.link),
    )];
    fix.extend(forget(k, all, &clone, mac));
    // The bridge learned the shared MAC behind the clone's port: that entry now misleads.
    if let (false, Some((pns, port))) = (other.bridge, port_of(k, &clone)) {
        fix.push(call(
            &pns,
            &format!("sh(\"ip link set {port} type bridge_slave fdb_flush\")"),
        ));
    }
    r.block(
        c,
        format!(
            "{c}'s {} has the MAC {mac} of {o}'s {}, on its segment: {effect} (a duplicate MAC)",
            clone.link, other.link
        ),
        Some(fix.join("; ")),
    );
    r.firm = true;
}

/// The bridge port a link's frames enter by: its veth peer, or its macvlan parent's.
fn port_of(k: &mut dyn Kernel, e: &End) -> Option<(Netns, String)> {
    let mut l = find(k, &e.ns, &e.link)?;
    let mut ns = e.ns.clone();
    if l.macvlan_mode.is_some() {
        (ns, l) = peer(k, &ns, &l)?;
    }
    let (pns, p) = peer(k, &ns, &l)?;
    p.master.is_some().then_some((pns, p.name))
}

/// The neighbour entries on the segment that map the clone's addresses to the shared MAC:
/// deleted, so that its neighbours ask again and learn the new one at once.
fn forget(k: &mut dyn Kernel, all: &[End], clone: &End, mac: &str) -> Vec<String> {
    let mine: Vec<IpAddr> = k
        .view(&clone.ns)
        .map(|v| v.addrs)
        .unwrap_or_default()
        .into_iter()
        .filter(|(l, a)| *l == clone.link && a.addr().is_ipv4())
        .map(|(_, a)| a.addr())
        .collect();
    let mut out = vec![];
    for e in all.iter().filter(|e| *e != clone) {
        for (ip, (_, m)) in k.neighbours(&e.ns, &e.link) {
            if mine.contains(&ip) && m.as_deref() == Some(mac) {
                out.push(call(
                    &e.ns,
                    &format!("sh(\"ip neigh flush to {ip} dev {}\")", e.link),
                ));
            }
        }
    }
    out
}

/// A locally administered unicast MAC derived from the namespace and link (the same fix each
/// time it is asked), that no link on this machine holds.
pub(crate) fn fresh_mac(k: &mut dyn Kernel, ns: &Netns, link: &str) -> String {
    let mut taken = vec![];
    for n in k.namespaces() {
        taken.extend(k.l2(&n).into_iter().filter_map(|l| l.mac));
    }
    let mut mac = String::new();
    for round in 0u32..64 {
        // FNV-1a over the names: stable across runs and builds.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in format!("{ns}/{link}/{round}").bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        let b = h.to_be_bytes();
        mac = format!(
            "02:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            b[0], b[1], b[2], b[3], b[4]
        );
        if !taken.contains(&mac) {
            break;
        }
    }
    mac
}
