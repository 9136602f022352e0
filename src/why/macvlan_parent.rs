//! A macvlan made on the wrong parent NIC (`docker network create -o parent=eth1` for eth0):
//! its frames leave by a NIC whose cable leads to another segment than the next hop's, while
//! another NIC of the same host leads there. The fix re-creates the macvlan on that NIC.

use super::bridge_path::trunks;
use super::kernel::Kernel;
use super::link_detail::LinkDetail;
use super::link_find::{find, peer};
use super::port_users::{addrs_on, link_local};
use super::report::Report;
use super::words::call;
use crate::sys::{LinkKind, Netns};

type Segment = (Netns, String);

/// The bridge a link's cable hangs on (the bridge itself for a bridge).
fn segment(k: &mut dyn Kernel, ns: &Netns, l: &LinkDetail) -> Option<Segment> {
    if l.kind == Some(LinkKind::Bridge) {
        return Some((ns.clone(), l.name.clone()));
    }
    let (pns, p) = peer(k, ns, l)?;
    Some((pns, p.master?))
}

/// Whether frames on segment `a` reach segment `b` (the same bridge, or bridges cabled).
fn joins(k: &mut dyn Kernel, a: &Segment, b: &Segment) -> bool {
    a == b || trunks(k, &a.0, &a.1, (&b.0, &b.1)).is_some()
}

/// The macvlan `d` in `at` (parent `p` in `pns`) toward `to_link` in `to`: true when `p`
/// leads elsewhere while another NIC of `pns` leads to `to_link`'s segment (said in `r`).
pub(crate) fn wrong_parent(
    k: &mut dyn Kernel,
    r: &mut Report,
    (at, d): (&Netns, &LinkDetail),
    (pns, p): (&Netns, &LinkDetail),
    (to, to_link): (&Netns, &str),
) -> bool {
    let Some(goal) = find(k, to, to_link).and_then(|t| segment(k, to, &t)) else {
        return false;
    };
    let Some(here) = segment(k, pns, p) else {
        return false;
    };
    if joins(k, &here, &goal) {
        return false;
    }
    // The macvlan's own subnet tells the right NIC: the one whose host addresses share it.
    let mine: Vec<ipnet::IpNet> = k
        .view(at)
        .map(|v| {
            v.addrs
                .iter()
                .filter(|(l, a)| *l == d.name && a.addr().is_ipv4())
                .map(|(_, a)| a.trunc())
                .collect()
        })
        .unwrap_or_default();
    let shares = |k: &mut dyn Kernel, l: &LinkDetail| {
        addrs_on(k, pns, l)
            .iter()
            .any(|a| mine.iter().any(|m| m.contains(&a.addr())))
    };
    if mine.is_empty() || shares(k, p) {
        return false;
    }
    let right = k.links(pns).into_iter().find(|q| {
        q.index != p.index
            && q.macvlan_mode.is_none()
            && segment(k, pns, q).is_some_and(|s| joins(k, &s, &goal))
            && shares(k, q)
    });
    let Some(q) = right else { return false };
    r.block(
        at,
        format!(
            "{} in {at} is a macvlan of {} in {pns}, which leads to {} in {}; {to_link} in \
             {to} (the next hop) is on {} in {}, which {} in {pns} leads to: the macvlan was \
             made on the wrong parent",
            d.name, p.name, here.1, here.0, goal.1, goal.0, q.name
        ),
        remake(k, (at, d), pns, &q.name),
    );
    true
}

/// Delete `d` in `at` and make it again as a macvlan of `parent` in `pns`, with its mode,
/// addresses and gateway routes.
fn remake(
    k: &mut dyn Kernel,
    (at, d): (&Netns, &LinkDetail),
    pns: &Netns,
    parent: &str,
) -> Option<String> {
    let Netns::Named(target) = at else {
        return None;
    };
    let v = k.view(at)?;
    let mode = d.macvlan_mode.clone().unwrap_or_else(|| "bridge".into());
    let name = &d.name;
    let mut set = vec![format!("ip link set mvfix0 name {name}")];
    for (_, a) in v
        .addrs
        .iter()
        .filter(|(l, a)| *l == *name && !link_local(a.addr()))
    {
        set.push(format!("ip addr add {a} dev {name}"));
    }
    set.push(format!("ip link set {name} up"));
    for rt in v
        .routes
        .iter()
        .filter(|x| x.dev.as_deref() == Some(name.as_str()))
    {
        let Some(via) = rt.via else { continue };
        let dst = match rt.dst.prefix_len() {
            0 => "default".to_string(),
            _ => rt.dst.to_string(),
        };
        set.push(format!("ip route add {dst} via {via} dev {name}"));
    }
    Some(
        [
            call(at, &format!("sh(\"ip link del {name}\")")),
            // The new link is named in `pns` first, where `name` may be taken.
            call(
                pns,
                &format!(
                    "sh(\"ip link add mvfix0 link {parent} type macvlan mode {mode} && ip link set mvfix0 netns {target}\")"
                ),
            ),
            call(at, &format!("sh(\"{}\")", set.join(" && "))),
        ]
        .join("; "),
    )
}
