//! A route out of a link that does not lead to the next hop: the link's segment (its cable,
//! its bridge's ports) holds neither the next hop nor a router answering ARP for it, while
//! the namespace holding it is behind another link. A policy table's wide route (a VPN's
//! subnet route over docker0's), a more specific route to the wrong link, or a host that
//! holds an address of one bridge's subnet while plugged into another bridge.

use super::behind::{behind, reaches};
use super::ends::{ends, End};
use super::fib::{table_name, FibRoute, TABLE_MAIN};
use super::kernel::Kernel;
use super::l2::find;
use super::refused::{named, whence};
use super::report::Report;
use super::route_fix::{dst_word, exec};
use super::route_get::{Lookup, RouteGet};
use super::words::{link_call, link_ref};
use crate::sys::{LinkKind, Netns};
use ipnet::IpNet;
use std::net::IpAddr;

/// `next` (held on `nlink` in `nns`) is sent out of `rt.dev` in `cur` by the lookup `q`:
/// `true` (said in `r`) when that link's segment does not reach `nlink`. `what` is `the
/// packet` or `the reply`; `from` is its source (what the re-addressed holder must still reach).
/// When a policy route was noted as leaving another way than main's (`r.shadow`), the break
/// said here is the same fault and `shadow::settle` tells it in the shadow's words.
pub(crate) fn misled(
    k: &mut dyn Kernel,
    r: &mut Report,
    (cur, rt, q): (&Netns, &RouteGet, &Lookup),
    next: IpAddr,
    (nns, nlink): (&Netns, &str),
    (what, from): (&str, IpAddr),
) -> bool {
    let dev = rt.dev.as_str();
    // Only veth and bridge ends are drawn by `ends`; a macvlan or tunnel is not judged.
    if !plain(k, cur, dev) || !plain(k, nns, nlink) {
        return false;
    }
    let (all, _) = ends(k, cur, dev);
    if all.is_empty() || !readable(k, &all) || reaches(k, &all, nns, nlink) {
        return false;
    }
    // Any stack on the segment answers ARP for its own addresses, and a proxy_arp router
    // for what it routes.
    if all.iter().any(|e| e.ns != *cur && answers(k, e, next)) {
        return false;
    }
    let behind = behind(k, cur, dev, nns, (nlink, next.is_ipv4()));
    let mut leads: Vec<String> = vec![];
    for e in all.iter().filter(|e| e.ns != *cur) {
        if !leads.contains(&e.ns.to_string()) {
            leads.push(e.ns.to_string());
        }
    }
    let leads = match leads.is_empty() {
        true => format!("{dev} in {cur} itself"),
        false => leads.join(", "),
    };
    let decided = named(k, cur, q, Some(rt.kind));
    let route = decided.as_ref().and_then(|d| d.route.clone());
    let how = match (&route, &decided) {
        (Some(f), Some(d)) if f.table != TABLE_MAIN => {
            format!(" (route `{}`, {})", f.text(), whence(d))
        }
        (Some(f), _) => format!(" (route `{}`)", f.text()),
        _ => String::new(),
    };

    let held = match &behind {
        Some((b, _)) => format!("{next} is {nns}'s {nlink}, behind {b}"),
        None => format!("{next} is {nns}'s {nlink}"),
    };
    let mut words = format!(
        "{cur} sends {what} to {next} out of {dev}{how}, but {dev} leads to {leads}, not to {nns}: {held}"
    );
    if let Some(m) = misaddressed(k, cur, dev, next, nns, nlink, behind.as_ref(), from) {
        words += &m.words;
        r.block(cur, words, Some(m.fix));
        r.other_way = m.other;
        return true;
    }
    let (fix, other) = match (&route, &behind) {
        (Some(f), b) => (Some(route_gone(cur, f)), other_rule(cur, &decided, b)),
        _ => (None, None),
    };
    r.block(cur, words, fix);
    r.other_way = other;
    true
}

/// A veth, a bridge or a bridge's port: a link whose segment `ends` reads.
fn plain(k: &mut dyn Kernel, ns: &Netns, link: &str) -> bool {
    find(k, ns, link).is_some_and(|l| {
        l.macvlan_mode.is_none()
            && (l.master.is_some()
                || matches!(l.kind, Some(LinkKind::Veth) | Some(LinkKind::Bridge)))
    })
}

/// Whether the walk drew the whole segment: a VXLAN port's far ends are read from its FDB,
/// which may not list them yet, so a segment with one is not judged.
fn readable(k: &mut dyn Kernel, all: &[End]) -> bool {
    all.iter().filter(|e| e.bridge).all(|e| {
        !k.links(&e.ns)
            .iter()
            .any(|l| l.master.as_deref() == Some(e.link.as_str()) && l.vxlan.is_some())
    })
}

/// Whether the end's stack holds `ip`, or answers ARP for others by proxy_arp.
fn answers(k: &mut dyn Kernel, e: &End, ip: IpAddr) -> bool {
    if k.view(&e.ns).is_some_and(|v| v.addr_owner(ip).is_some()) {
        return true;
    }
    ["all", e.link.as_str()].iter().any(|l| {
        k.sysctl(&e.ns, &format!("net.ipv4.conf.{l}.proxy_arp"))
            .as_deref()
            == Some("1")
    })
}

/// The route removed: from its own table by `ip route del` (a VPN's rule serves more routes
/// than this one), from main by `del_route`.
fn route_gone(cur: &Netns, f: &FibRoute) -> String {
    let dev = f
        .dev
        .as_deref()
        .map(|d| format!(" dev {d}"))
        .unwrap_or_default();
    match f.table {
        TABLE_MAIN => super::route_fix::route_del(cur, f, None),
        t => exec(
            cur,
            &format!(
                "ip route del {}{dev} table {}",
                dst_word(&f.dst),
                table_name(t)
            ),
        ),
    }
}

/// When a policy rule led to the route's table: a rule before it that sends the right
/// link's subnet to main.
fn other_rule(
    cur: &Netns,
    decided: &Option<super::fib_lookup::Decided>,
    behind: &Option<(String, Option<IpNet>)>,
) -> Option<String> {
    let d = decided.as_ref()?;
    let rule = d.rule.as_ref().filter(|r| !r.stock())?;
    let net = behind.as_ref()?.1?.trunc();
    (d.route.as_ref()?.table != TABLE_MAIN && rule.priority > 0).then(|| {
        exec(
            cur,
            &format!(
                "ip rule add priority {} to {net} lookup main",
                rule.priority - 1
            ),
        )
    })
}

/// The fault told as the holder's address, with its fix and the other way.
struct Misaddressed {
    words: String,
    fix: String,
    other: Option<String>,
}

/// `next` is in the subnet `dev` serves in `cur`, but its holder is plugged in behind
/// another link of `cur` that serves another subnet: the holder is re-addressed into that
/// subnet (its route towards `from` through `cur` there); the other way moves its cable's
/// end to `dev`'s bridge.
#[allow(clippy::too_many_arguments)]
fn misaddressed(
    k: &mut dyn Kernel,
    cur: &Netns,
    dev: &str,
    next: IpAddr,
    nns: &Netns,
    nlink: &str,
    behind: Option<&(String, Option<IpNet>)>,
    from: IpAddr,
) -> Option<Misaddressed> {
    let (b, Some(there)) = behind? else {
        return None;
    };
    let mine = k.view(cur)?.addrs;
    let here = mine
        .iter()
        .find(|(l, a)| l == dev && a.contains(&next))
        .map(|(_, a)| *a)?;
    // Two subnets of `cur` that overlap: no address of the holder's is outside `dev`'s, the
    // overlap itself is the fault (overlap_net's), never the holder's address.
    if there.trunc().contains(&here.trunc()) || here.trunc().contains(&there.trunc()) {
        return None;
    }
    let held = k
        .view(nns)?
        .addrs
        .into_iter()
        .find(|(l, a)| l == nlink && a.addr() == next)
        .map(|(_, a)| a)?;
    let new = free_in(k, there, next)?;
    let words = format!(
        "; {nns}'s address {held} is in {dev}'s subnet ({}), but {nns} is plugged into {b} ({})",
        here.trunc(),
        there.trunc()
    );
    let mut steps = vec![
        exec(nns, &format!("ip addr flush dev {nlink}")),
        exec(
            nns,
            &format!("ip addr add {new}/{} dev {nlink}", there.prefix_len()),
        ),
    ];
    let back = k.route_get(nns, &Lookup::to(from)).ok();
    let q = Lookup::to(from);
    let via = back.as_ref().and_then(|b| b.via);
    if let (Some(rt), Some(_)) = (back.as_ref(), via) {
        if let Some(f) = named(k, nns, &q, Some(rt.kind)).and_then(|d| d.route) {
            let cmd = format!(
                "ip route replace {} via {} dev {nlink}",
                dst_word(&f.dst),
                there.addr()
            );
            steps.push(exec(nns, &cmd));
        }
    }
    let other = find(k, nns, nlink)
        .and_then(|l| super::l2::peer(k, nns, &l))
        .filter(|(pns, p)| pns == cur && p.master.as_deref() == Some(b.as_str()))
        .filter(|_| find(k, cur, dev).is_some_and(|d| d.kind == Some(LinkKind::Bridge)))
        .map(|(pns, p)| link_call(&pns, &p.name, &format!("master({})", link_ref(cur, dev))));
    Some(Misaddressed {
        words,
        fix: steps.join("; "),
        other,
    })
}

/// An address of `net` no namespace holds: `old`'s host part there, else the first free one.
fn free_in(k: &mut dyn Kernel, net: &IpNet, old: IpAddr) -> Option<IpAddr> {
    let (IpNet::V4(n), IpAddr::V4(o)) = (net, old) else {
        return None;
    };
    let host = u32::from(o) & !u32::from(n.netmask());
    let same = std::net::Ipv4Addr::from(u32::from(n.network()) | host);
    let taken = |k: &mut dyn Kernel, a: IpAddr| super::owner::owner(k, a).is_some();
    if same != n.network() && same != n.broadcast() && !taken(k, IpAddr::V4(same)) {
        return Some(IpAddr::V4(same));
    }
    n.hosts().map(IpAddr::V4).take(1024).find(|a| !taken(k, *a))
}
