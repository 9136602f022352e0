//! A stray address: a host holds, beside its own address on a link, an address of another
//! segment's subnet (left from a move, typed on the wrong link). Its connected route sends
//! whatever is for that subnet on-link out of the link, where nobody holds it, instead of
//! through the gateway. Named with the address; fixed by removing it.

use super::ends::ends;
use super::kernel::Kernel;
use super::report::Report;
use super::words::call;
use crate::sys::Netns;
use ipnet::IpNet;
use std::net::IpAddr;

/// `to` (held on `nlink` in `nns`, whose subnet holds `wide`) was sent on-link out of `dev` in
/// `cur` by the connected route of `cur`'s address `wide`: `true` (said in `r`) when `wide` is
/// a second address there whose subnet nobody on `dev`'s segment is in.
pub(crate) fn stray(
    k: &mut dyn Kernel,
    r: &mut Report,
    (cur, dev): (&Netns, &str),
    to: IpAddr,
    wide: IpNet,
    (nns, nlink): (&Netns, &str),
    what: &str,
) -> bool {
    let Some(v) = k.view(cur) else { return false };
    // Its own address on the link: one of the same family outside that subnet.
    let Some(own) = v
        .addrs
        .iter()
        .find(|(l, a)| l == dev && a.addr().is_ipv4() == to.is_ipv4() && !a.contains(&to))
        .map(|(_, a)| *a)
    else {
        return false;
    };
    let net = wide.trunc();
    let (all, words) = ends(k, cur, dev);
    if all.is_empty() || all.iter().any(|e| e.ns == *nns && e.link == nlink) {
        return false;
    }
    for e in &all {
        // A router there answering ARP for others, or an end in that subnet: it belongs.
        let proxy = ["all", e.link.as_str()].iter().any(|l| {
            k.sysctl(&e.ns, &format!("net.ipv4.conf.{l}.proxy_arp"))
                .as_deref()
                == Some("1")
        });
        let inside = k.view(&e.ns).is_some_and(|v| {
            v.addrs
                .iter()
                .any(|(l, a)| *l == e.link && net.contains(&a.addr()))
        });
        if proxy || inside {
            return false;
        }
    }
    r.block(
        cur,
        format!(
            "{cur} sends {what} to {to} on-link out of {dev} by the connected route `{net} dev \
             {dev}` of its stray address {wide} (beside its own {own}), but {to} is {nns}'s \
             {nlink}, not on {dev}'s segment ({words}), where nobody else is in {net}"
        ),
        Some(call(cur, &format!("sh(\"ip addr del {wide} dev {dev}\")"))),
    );
    true
}
