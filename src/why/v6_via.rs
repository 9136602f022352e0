//! An IPv4 route whose gateway is an IPv6 address (`via inet6 fe80::2`, RTA_VIA, RFC 5549):
//! the next hop is then an IPv6 neighbour, so a link with IPv6 disabled (`disable_ipv6=1`) at
//! either end cannot reach it, and the peer loses the link-local the route names.

use super::kernel::Kernel;
use super::link_find::{find, peer};
use super::report::Report;
use super::route_fix::exec;
use super::route_get::RouteGet;
use crate::sys::Netns;
use std::net::IpAddr;

/// Blocks in `r` and returns true when `route` (in `cur`, toward `dst`) goes via an IPv6
/// gateway over a link that has IPv6 disabled at this end or at its veth peer.
pub(crate) fn judged(
    k: &mut dyn Kernel,
    r: &mut Report,
    cur: &Netns,
    route: &RouteGet,
    dst: IpAddr,
) -> bool {
    let Some(gw @ IpAddr::V6(_)) = route.via else {
        return false;
    };
    if !dst.is_ipv4() {
        return false;
    }
    let dev = &route.dev;
    let Some((at, off, fix)) = disabled(k, cur, dev, gw) else {
        return false;
    };
    let tail = if &at == cur {
        ": it cannot reach an IPv6 next hop".to_string()
    } else {
        let pl = off.split_once(' ').map(|(l, _)| l).unwrap_or_default();
        format!(": {pl} has no IPv6 address, so {gw} does not answer")
    };
    let why = format!(
        "{cur}'s route to {dst} goes via inet6 {gw} dev {dev}, but IPv6 is disabled on {off}{tail}"
    );
    r.block(&at, why, Some(fix));
    true
}

/// Where IPv6 is off on the way to the IPv6 next hop `gw` out of `dev` in `cur`: the
/// namespace, `LINK in NS (net.ipv6.conf.LINK.disable_ipv6 = 1)`, and the fix.
pub(crate) fn disabled(
    k: &mut dyn Kernel,
    cur: &Netns,
    dev: &str,
    gw: IpAddr,
) -> Option<(Netns, String, String)> {
    if !gw.is_ipv6() {
        return None;
    }
    let off = |k: &mut dyn Kernel, ns: &Netns, l: &str| {
        k.sysctl(ns, &format!("net.ipv6.conf.{l}.disable_ipv6"))
            .as_deref()
            == Some("1")
    };
    let words = |ns: &Netns, l: &str| format!("{l} in {ns} (net.ipv6.conf.{l}.disable_ipv6 = 1)");
    if off(k, cur, dev) {
        let fix = exec(
            cur,
            &format!("sysctl -w net.ipv6.conf.{dev}.disable_ipv6=0"),
        );
        return Some((cur.clone(), words(cur, dev), fix));
    }
    let (pns, p) = find(k, cur, dev).and_then(|l| peer(k, cur, &l))?;
    let pl = &p.name;
    if !off(k, &pns, pl) {
        return None;
    }
    // Disabling IPv6 drops the link's addresses: the link-local the route names must come back.
    let fix = exec(
        &pns,
        &format!(
            "sysctl -w net.ipv6.conf.{pl}.disable_ipv6=0 && ip addr replace {gw}/64 dev {pl} nodad"
        ),
    );
    Some((pns.clone(), words(&pns, pl), fix))
}
