//! An IPv6 address that failed duplicate address detection (`dadfailed`): another host on the
//! link held it when it was added (a router's address typed by hand). The kernel keeps it as
//! `dadfailed tentative` but never uses it: no local route, never a source, no answer to a
//! neighbour solicitation. A host whose only address of the network it is leaves with none
//! there: it sends from its link-local address, which no router forwards, and nobody answers
//! for the address it should have had. Named with the holder; fixed by moving the link to a
//! free address of the network. A tentative address still in DAD is not blamed.

use super::duplicate::segment;
use super::if_addr::IfAddr;
use super::kernel::Kernel;
use super::owner::owner;
use super::report::Report;
use super::route_fix::exec;
use super::route_get::RouteGet;
use crate::sys::Netns;
use ipnet::IpNet;
use std::net::IpAddr;

/// No subnet's free address is looked for further than this many hosts in.
const MAX_HOSTS: u128 = 4096;

/// An address's network (`2001:db8:1::/64`).
fn net_of(a: &IfAddr) -> Option<IpNet> {
    IpNet::new(a.local, a.prefix).ok().map(|n| n.trunc())
}

/// A global (not link-local) IPv6 address.
fn global6(ip: IpAddr) -> bool {
    matches!(ip, IpAddr::V6(x) if !x.is_unicast_link_local() && !x.is_loopback())
}

/// `true` (said in `r`, with the fix) when the sender `at` sends to `dst` behind a gateway from
/// its link-local address because the global address of the route's link failed DAD.
pub(crate) fn unsourced(
    k: &mut dyn Kernel,
    r: &mut Report,
    at: &Netns,
    route: &RouteGet,
    dst: IpAddr,
) -> bool {
    let (Some(gw), Some(src)) = (route.via, route.src) else {
        return false;
    };
    if !global6(dst) || global6(src) {
        return false;
    }
    let mine: Vec<IfAddr> = k
        .if_addrs(at)
        .into_iter()
        .filter(|a| a.link == route.dev && global6(a.local))
        .collect();
    // One still in DAD (or usable) is no failure: the kernel uses it once DAD is done.
    if mine.iter().any(|a| !a.dadfailed) {
        return false;
    }
    let Some(bad) = mine
        .iter()
        .find(|a| net_of(a).is_some_and(|n| n.contains(&gw)))
        .or(mine.first())
    else {
        return false;
    };
    let Some(net) = net_of(bad) else { return false };
    let router = match owner(k, gw) {
        Some((g, _)) if g != *at => g.to_string(),
        _ => "no router".to_string(),
    };
    let cause = format!(
        "{}, so {at} has no usable address of {net} and sends from its link-local {src}, which {router} does not forward",
        failed_words(k, at, bad)
    );
    let fix = moved(k, at, bad, &[]);
    r.block(at, cause, fix);
    true
}

/// `true` (said in `r`, with the fix) when `next` (out of `dev` in `cur`), held by nobody, is
/// of the network of an address that failed DAD on a link of `dev`'s segment: that host has no
/// usable address there, and nobody holds the gateway (or destination) it should be.
pub(crate) fn unheld(
    k: &mut dyn Kernel,
    r: &mut Report,
    (cur, dev): (&Netns, &str),
    next: IpAddr,
    gateway: bool,
) -> bool {
    if !global6(next) {
        return false;
    }
    let here = segment(k, cur, dev);
    let mut found = None;
    for ns in k.namespaces().into_iter().filter(|n| n != cur) {
        let failed: Vec<IfAddr> = k
            .if_addrs(&ns)
            .into_iter()
            .filter(|a| a.dadfailed && net_of(a).is_some_and(|n| n.contains(&next)))
            .collect();
        if let Some(a) = failed
            .into_iter()
            .find(|a| segment(k, &ns, &a.link) == here)
        {
            found = Some((ns, a));
            break;
        }
    }
    let Some((ns, bad)) = found else { return false };
    let Some(net) = net_of(&bad) else {
        return false;
    };
    let what = match gateway {
        true => format!("{cur}'s gateway"),
        false => "the destination".to_string(),
    };
    let cause = format!(
        "{}, so {ns} has no usable address of {net}: {next}, {what}, is held by nobody",
        failed_words(k, &ns, &bad)
    );
    let fix = moved(k, &ns, &bad, &[next]);
    r.block(&ns, cause, fix);
    if gateway {
        r.break_kind = Some(super::break_kind::BreakKind::DeadGateway);
    }
    true
}

/// `true` (said in `r`) when the packet came into the router `cur` on `in_dev` from a link-local
/// source (to a global `dst`): no router forwards it off its link. When the sender's address
/// is still in DAD (tentative, not failed), that is said as the reason, and nothing is fixed:
/// DAD ends by itself.
pub(crate) fn link_local_source(
    k: &mut dyn Kernel,
    r: &mut Report,
    (cur, in_dev): (&Netns, &str),
    (sender, src): (&Netns, Option<IpAddr>),
    dst: IpAddr,
) -> bool {
    let Some(src @ IpAddr::V6(s)) = src else {
        return false;
    };
    if !s.is_unicast_link_local() || !global6(dst) {
        return false;
    }
    let pending = k
        .if_addrs(sender)
        .into_iter()
        .find(|a| a.tentative && !a.dadfailed && global6(a.local));
    let why = match pending {
        Some(a) => format!(
            " ({sender}'s {} on {} is still in duplicate address detection, not yet a source)",
            a.local, a.link
        ),
        None => String::new(),
    };
    let words = format!(
        "the packet's source {src} is link-local: {cur} does not forward it off {in_dev}'s link{why}"
    );
    r.block(cur, words, None);
    true
}

/// `A on LINK in NS failed duplicate address detection (dadfailed): H's L holds it`.
fn failed_words(k: &mut dyn Kernel, ns: &Netns, a: &IfAddr) -> String {
    let holder = match owner(k, a.local) {
        Some((h, l)) if h != *ns => format!("{h}'s {l} holds it"),
        _ => format!("another host on {}'s link holds it", a.link),
    };
    format!(
        "{} on {} in {ns} failed duplicate address detection (dadfailed): {holder}",
        a.local, a.link
    )
}

/// The fix: `bad` deleted from its link and a free address of its network added (no DAD: it
/// was checked free), the first of `prefer` that is free, else the lowest. `None`: none free.
fn moved(k: &mut dyn Kernel, ns: &Netns, bad: &IfAddr, prefer: &[IpAddr]) -> Option<String> {
    let net = net_of(bad)?;
    let (taken, routed) = known(k);
    let free = prefer
        .iter()
        .copied()
        .find(|p| net.contains(p) && !taken.contains(p))
        .or_else(|| lowest_free(net, |ip| taken.contains(&ip) || routed.contains(&ip)))?;
    let (len, link) = (bad.prefix, &bad.link);
    Some(exec(
        ns,
        &format!(
            "ip -6 addr del {}/{len} dev {link} && ip -6 addr add {free}/{len} dev {link} nodad",
            bad.local
        ),
    ))
}

/// Every address some namespace here holds (failed or not), and every gateway a route of
/// theirs goes via (a router's to give back, never a host's to take).
fn known(k: &mut dyn Kernel) -> (Vec<IpAddr>, Vec<IpAddr>) {
    let (mut taken, mut routed) = (vec![], vec![]);
    for ns in k.namespaces() {
        taken.extend(k.if_addrs(&ns).into_iter().map(|a| a.local));
        if let Some(v) = k.view(&ns) {
            taken.extend(v.addrs.iter().map(|(_, a)| a.addr()));
            routed.extend(v.routes.iter().filter_map(|rt| rt.via));
        }
    }
    (taken, routed)
}

/// The lowest host address of `net` (its first is the subnet-router anycast) not `busy`.
fn lowest_free(net: IpNet, busy: impl Fn(IpAddr) -> bool) -> Option<IpAddr> {
    let IpNet::V6(n) = net else { return None };
    let base = u128::from(n.network());
    let size = 1u128
        .checked_shl(128 - u32::from(n.prefix_len()))
        .unwrap_or(0);
    (1..size.min(MAX_HOSTS))
        .map(|i| IpAddr::V6((base + i).into()))
        .find(|ip| !busy(*ip))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn the_lowest_free_host_skips_the_anycast_and_the_busy() {
        let net: IpNet = "2001:db8:1::/64".parse().unwrap();
        let busy = [ip("2001:db8:1::1"), ip("2001:db8:1::2")];
        assert_eq!(
            lowest_free(net, |x| busy.contains(&x)),
            Some(ip("2001:db8:1::3"))
        );
        let tiny: IpNet = "2001:db8:1::/127".parse().unwrap();
        assert_eq!(lowest_free(tiny, |x| x == ip("2001:db8:1::1")), None);
        assert_eq!(lowest_free("10.0.0.0/24".parse().unwrap(), |_| false), None);
    }

    #[test]
    fn only_global_ipv6_counts() {
        assert!(global6(ip("2001:db8:1::1")));
        assert!(!global6(ip("fe80::1")));
        assert!(!global6(ip("10.0.0.1")));
    }
}
