//! An address without its connected route (added with `noprefixroute`, or the route deleted):
//! the namespace holds an address on the subnet, yet the kernel has no route to it.

use super::fib::TABLE_MAIN;
use super::kernel::Kernel;
use super::link_find::find;
use super::report::Report;
use super::route_fix::exec;
use crate::sys::Netns;
use std::net::IpAddr;

/// Blocks in `r` and returns true when an address of `at` on a link that is up holds `to`'s
/// subnet but the kernel found no route to `to` (`what`: `no route to`, `no route back to`).
pub(crate) fn missing(
    k: &mut dyn Kernel,
    r: &mut Report,
    at: &Netns,
    to: IpAddr,
    what: &str,
    words: &str,
) -> bool {
    let Some(v) = k.view(at) else { return false };
    let Some((l, a)) = v
        .addrs
        .into_iter()
        .find(|(l, a)| l != "lo" && a.prefix_len() < a.max_prefix_len() && a.contains(&to))
    else {
        return false;
    };
    if !find(k, at, &l).is_some_and(|d| d.up) {
        return false;
    }
    let net = a.trunc();
    // Main holds the route: something kept the lookup from it, not a missing route.
    let fib = k.fib(at);
    if fib
        .routes
        .iter()
        .any(|x| x.table == TABLE_MAIN && x.dst == net)
    {
        return false;
    }
    r.block(
        at,
        format!(
            "{at} has {what} {to} ({words}): its address {a} on {l} has no connected route for {net} (added with noprefixroute, or the route deleted)"
        ),
        Some(exec(
            at,
            &format!(
                "ip route add {net} dev {l} proto kernel scope link src {}",
                a.addr()
            ),
        )),
    );
    true
}
