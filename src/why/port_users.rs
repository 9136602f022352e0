//! Who else uses a bridge port now: before a fix moves the port to another bridge, the hosts
//! on its bridge that talk to the far end's subnet through it (their way would be cut).

use super::kernel::Kernel;
use super::link_detail::LinkDetail;
use super::link_find::peer;
use crate::sys::Netns;

/// The other ports of `p`'s bridge in `ns` whose far ends (or their macvlan shims) hold an
/// address in a subnet of `to_link` in `to`, as "LINK in NS".
pub(crate) fn others(
    k: &mut dyn Kernel,
    ns: &Netns,
    p: &LinkDetail,
    (to, to_link): (&Netns, &str),
) -> Vec<String> {
    let Some(br) = p.master.clone() else {
        return vec![];
    };
    let nets: Vec<ipnet::IpNet> = k
        .view(to)
        .map(|v| {
            v.addrs
                .iter()
                .filter(|(l, a)| l == to_link && !link_local(a.addr()))
                .map(|(_, a)| a.trunc())
                .collect()
        })
        .unwrap_or_default();
    let ports: Vec<LinkDetail> = k
        .links(ns)
        .into_iter()
        .filter(|l| l.master.as_deref() == Some(br.as_str()) && l.index != p.index && l.up)
        .collect();
    let mut out = vec![];
    for l in ports {
        let Some((fns, f)) = peer(k, ns, &l) else {
            continue;
        };
        let uses = addrs_on(k, &fns, &f)
            .iter()
            .any(|a| nets.iter().any(|x| x.contains(&a.addr())));
        if uses {
            out.push(format!("{} in {fns}", f.name));
        }
    }
    out
}

/// The addresses of `f` in `ns` and of the macvlans made on it there (a host's shim).
pub(crate) fn addrs_on(k: &mut dyn Kernel, ns: &Netns, f: &LinkDetail) -> Vec<ipnet::IpNet> {
    let mut names = vec![f.name.clone()];
    names.extend(
        k.links(ns)
            .into_iter()
            .filter(|m| m.macvlan_mode.is_some() && m.peer_index == Some(f.index))
            .filter(|m| m.peer_ns.is_none())
            .map(|m| m.name),
    );
    k.view(ns)
        .map(|v| {
            v.addrs
                .iter()
                .filter(|(n, _)| names.contains(n))
                .map(|(_, a)| *a)
                .collect()
        })
        .unwrap_or_default()
}

/// Whether `a` is an IPv6 link-local address: every link has one in fe80::/64, so it says
/// nothing of which segment a host is on.
pub(crate) fn link_local(a: std::net::IpAddr) -> bool {
    match a {
        std::net::IpAddr::V6(x) => x.segments()[0] & 0xffc0 == 0xfe80,
        std::net::IpAddr::V4(_) => false,
    }
}
