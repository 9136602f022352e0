//! A sender whose addresses are all of too narrow a scope for the route it takes (`scope
//! link` for a destination behind a gateway, `scope host` for any): the kernel finds no source
//! for the packet, which leaves from 0.0.0.0 and is dropped at the next hop as a martian.

use super::fib::{table_name, TABLE_LOCAL, TABLE_MAIN};
use super::kernel::Kernel;
use super::report::Report;
use super::route_fix::{dst_word, exec};
use super::route_get::{RouteGet, RouteKind};
use crate::sys::Netns;
use ipnet::IpNet;
use std::net::IpAddr;

/// `global`, `link`, ... as `ip addr` prints a scope number.
fn scope_word(s: u8) -> String {
    match s {
        0 => "global".into(),
        200 => "site".into(),
        253 => "link".into(),
        254 => "host".into(),
        n => n.to_string(),
    }
}

/// `true` (said in `r`, with the fix) when the sender `at` has no source address for `route`
/// to `dst`: its IPv4 addresses are all of a scope wider routes cannot take.
pub(crate) fn unsourced(
    k: &mut dyn Kernel,
    r: &mut Report,
    at: &Netns,
    route: &RouteGet,
    (src, dst): (Option<IpAddr>, IpAddr),
) -> bool {
    if src.is_some() || route.src.is_some() || !dst.is_ipv4() || route.kind != RouteKind::Unicast {
        return false;
    }
    // A route via a gateway is of scope global; one to a neighbour on the link, scope link.
    let (need, need_words) = match route.via {
        Some(_) => (0, "global"),
        None => (253, "link or global"),
    };
    let mine: Vec<(String, IpNet, u8)> = k
        .addr_scopes(at)
        .into_iter()
        .filter(|(l, a, _)| l != "lo" && a.addr().is_ipv4())
        .collect();
    if mine.iter().any(|(_, _, s)| *s <= need) {
        return false;
    }
    let on_dev: Vec<&(String, IpNet, u8)> =
        mine.iter().filter(|(l, _, _)| *l == route.dev).collect();
    let named = if on_dev.is_empty() {
        mine.iter().collect()
    } else {
        on_dev
    };
    if named.is_empty() {
        return false;
    }
    let list: Vec<String> = named
        .iter()
        .map(|(l, a, s)| format!("{a} on {l} is scope {}", scope_word(*s)))
        .collect();
    let cause = format!(
        "{at} has no address of scope {need_words} for {dst}: {} (the packet would leave \
         from 0.0.0.0)",
        list.join(", ")
    );
    let fix = exec(at, &readd(k, at, &named));
    r.block(at, cause, Some(fix));
    true
}

/// Each address deleted and added again with the default (global) scope, then every route
/// by its link put back: deleting a link's last address takes them all away.
fn readd(k: &mut dyn Kernel, at: &Netns, addrs: &[&(String, IpNet, u8)]) -> String {
    let mut cmds: Vec<String> = vec![];
    for (l, a, _) in addrs {
        cmds.push(format!("ip addr del {a} dev {l}"));
        cmds.push(format!("ip addr add {a} dev {l}"));
    }
    let prefixes: Vec<(String, IpNet)> = addrs
        .iter()
        .map(|(l, a, _)| (l.clone(), a.trunc()))
        .collect();
    for rt in k.fib(at).routes {
        let Some(dev) = rt.dev.clone() else { continue };
        let own_prefix = rt.via.is_none() && prefixes.contains(&(dev.clone(), rt.dst));
        if !addrs.iter().any(|(l, _, _)| *l == dev)
            || rt.table == TABLE_LOCAL
            || !rt.hops.is_empty()
            || own_prefix
            || !rt.dst.addr().is_ipv4()
        {
            continue;
        }
        let mut c = match rt.kind {
            RouteKind::Unicast => "ip route replace ".to_string(),
            kind => format!("ip route replace {} ", kind.word()),
        };
        c += &dst_word(&rt.dst);
        if let Some(g) = rt.via {
            c += &format!(" via {g}");
        }
        c += &format!(" dev {dev}");
        if let Some(m) = rt.metric.filter(|m| *m != 0) {
            c += &format!(" metric {m}");
        }
        if rt.table != TABLE_MAIN {
            c += &format!(" table {}", table_name(rt.table));
        }
        cmds.push(c);
    }
    cmds.join(" && ")
}
