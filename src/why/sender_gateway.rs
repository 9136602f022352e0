//! A multi-homed sender picks the gateway of the wrong network: its route leaves from an
//! address the edge router deliberately does not masquerade (a backend-only network), while
//! another of its links is on a network that router does masquerade. The fault is the
//! sender's route, not the NAT: masquerading the other network too would turn an internal
//! network into an egress one (that is only the other way).

use super::fib_lookup::decide;
use super::kernel::Kernel;
use super::owner::owner;
use super::report::Report;
use super::route_fix::{dst_word, exec};
use super::route_get::Lookup;
use crate::sys::Netns;
use std::net::IpAddr;

/// `true` (blamed in `r`) when the request from `from` (the walk's source, multi-homed)
/// left unmasqueraded by `nat_at` out `out` because `rule` does not cover `from`, and another
/// link of the source holds an address that `covered` says is NATed, on a subnet where
/// `nat_at` has an address to route by. `lost` says what followed; `nat_fix` is the other way.
pub(crate) fn blame(
    k: &mut dyn Kernel,
    r: &mut Report,
    (nat_at, rule): (&Netns, &str),
    from: IpAddr,
    covered: &dyn Fn(IpAddr) -> bool,
    (lost, nat_fix): (&str, &str),
) -> bool {
    let Some((src, link)) = owner(k, from).filter(|(n, _)| n.to_string() == r.src) else {
        return false;
    };
    let Ok(dst) = r.dst.parse::<IpAddr>() else {
        return false;
    };
    let Some(taken) = decide(&k.fib(&src), &Lookup::to(dst)).route else {
        return false;
    };
    let (Some(mine), Some(theirs)) = (k.view(&src), k.view(nat_at)) else {
        return false;
    };
    let other = mine.addrs.iter().find_map(|(l, a)| {
        if *l == link || a.addr().is_ipv4() != from.is_ipv4() || !covered(a.addr()) {
            return None;
        }
        let gw = theirs.addrs.iter().find(|(_, h)| h.trunc() == a.trunc())?.1;
        Some((l.clone(), a.addr(), gw.addr()))
    });
    let Some((l, a, gw)) = other else {
        return false;
    };
    let cause = format!(
        "{src}'s route `{}` sends it from {from} by {link}, a network {nat_at} does not masquerade (its rule `-t nat -A POSTROUTING {rule}` does not cover {from}), while {src}'s {l} ({a}) is masqueraded, by way of {nat_at}'s {gw}: {lost}",
        super::wrong_default::words(&taken)
    );
    let fix = format!("ip route replace {} via {gw} dev {l}", dst_word(&taken.dst));
    r.block(&src, cause, Some(exec(&src, &fix)));
    r.other_way = Some(nat_fix.to_string());
    true
}
