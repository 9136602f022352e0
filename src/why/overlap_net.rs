//! A network of a namespace inside one of its own LANs: a container bridge given a subnet
//! of the LAN (a docker network's 192.168.1.0/26 on a NAS in 192.168.1.0/24), or a route put
//! by hand onto a link with no carrier. Being more specific, its route takes the LAN's hosts
//! it covers, whose packets and replies then leave by the wrong link. Proved, not guessed:
//! the destination's holder is on the LAN's segment and not on the route's. The fix takes
//! the overlapping network away where it is (its address, or the route); the hosts of the
//! LAN are never renumbered around it.

use super::behind::reaches;
use super::ends::{ends, End};
use super::fib::{FibRoute, TABLE_MAIN};
use super::kernel::Kernel;
use super::link_detail::LinkDetail;
use super::owner::owner;
use super::report::Report;
use super::route_fix::{dst_word, exec};
use super::route_get::{Lookup, RouteKind};
use crate::sys::{LinkKind, Netns};
use ipnet::IpNet;

/// `true` (said in `r`) when `chosen`, the route `cur` takes to `q.dst`, is a network inside
/// one of `cur`'s own LANs that holds `q.dst` while its holder is on that LAN. `what`: "the
/// packet" or "the reply".
pub(crate) fn shadows(
    k: &mut dyn Kernel,
    r: &mut Report,
    cur: &Netns,
    q: &Lookup,
    chosen: Option<&FibRoute>,
    what: &str,
) -> bool {
    let Some(rt) = chosen.filter(|c| {
        c.via.is_none()
            && c.kind == RouteKind::Unicast
            && c.table == TABLE_MAIN
            && c.dst.prefix_len() > 0
    }) else {
        return false;
    };
    let Some(dev) = rt.dev.clone() else {
        return false;
    };
    // Cheap first: the namespace's own addresses, a wider network of them on another link.
    let Some(mine) = k.view(cur).map(|v| v.addrs) else {
        return false;
    };
    let Some((lan_dev, lan)) = mine
        .iter()
        .find(|(l, a)| *l != dev && inside(&rt.dst, a))
        .map(|(l, a)| (l.clone(), a.trunc()))
    else {
        return false;
    };
    let own = mine
        .iter()
        .find(|(l, a)| *l == dev && a.trunc() == rt.dst)
        .map(|(_, a)| *a);
    let Some(link) = k.links(cur).into_iter().find(|l| l.name == dev) else {
        return false;
    };
    let bridge = link.kind == Some(LinkKind::Bridge);
    let (there, _) = ends(k, cur, &dev);
    // A route by hand is judged only onto a bridge or veth with nobody on it (a dead tun is
    // dead_tun's); a link with others on it may be a segment meant so (proxy_arp, a router).
    let plain = bridge || link.kind == Some(LinkKind::Veth);
    let empty = !link.carrier || there.iter().all(|e| e.bridge);
    if own.is_none() && !(plain && empty) {
        return false;
    }
    let Some((hns, hlink)) = owner(k, q.dst).filter(|(n, _)| n != cur) else {
        return false;
    };
    if reaches(k, &there, &hns, &hlink)
        || there.iter().any(|e| e.ns != *cur && answers(k, e, q.dst))
    {
        return false;
    }
    let (on_lan, _) = ends(k, cur, &lan_dev);
    if !reaches(k, &on_lan, &hns, &hlink) {
        return false;
    }
    let (net, fix) = match own {
        Some(a) if bridge => (
            format!("the container network {} on {cur} ({dev})", rt.dst),
            exec(cur, &format!("ip addr del {a} dev {dev}")),
        ),
        Some(a) => (
            format!("the network {} on {cur} ({dev})", rt.dst),
            exec(cur, &format!("ip addr del {a} dev {dev}")),
        ),
        None => (
            format!(
                "{cur}'s route `{}` ({})",
                rt.text(),
                down_words(&link, !there.is_empty())
            ),
            exec(
                cur,
                &format!("ip route del {} dev {dev}", dst_word(&rt.dst)),
            ),
        ),
    };
    let cause = format!(
        "{net} overlaps its LAN {lan} ({lan_dev}) and holds {dst}: {cur} sends {what} to {hns}'s {dst} out of {dev}, not {lan_dev}",
        dst = q.dst
    );
    r.block(cur, cause, Some(fix));
    true
}

/// Whether the end's stack holds `ip`, or answers ARP for others by proxy_arp (a router
/// meant to carry the LAN's hosts there).
fn answers(k: &mut dyn Kernel, e: &End, ip: std::net::IpAddr) -> bool {
    if k.view(&e.ns).is_some_and(|v| v.addr_owner(ip).is_some()) {
        return true;
    }
    ["all", e.link.as_str()].iter().any(|l| {
        k.sysctl(&e.ns, &format!("net.ipv4.conf.{l}.proxy_arp"))
            .as_deref()
            == Some("1")
    })
}

/// Why a route by hand onto the link leads nowhere: as shadow_link words it.
fn down_words(link: &LinkDetail, ports: bool) -> &'static str {
    match (link.kind == Some(LinkKind::Bridge) && !ports, link.carrier) {
        (true, false) => "linkdown: a bridge with no ports",
        (true, true) => "a bridge with no ports",
        (false, false) => "linkdown: no carrier",
        (false, true) => "nobody on its segment",
    }
}

/// Whether `net` lies inside `lan` and is narrower: the overlap this file is about.
pub(crate) fn inside(net: &IpNet, lan: &IpNet) -> bool {
    net.prefix_len() > lan.prefix_len() && lan.trunc().contains(&net.trunc())
}
