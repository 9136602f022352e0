//! A host's address taken for a broadcast one: an address added with a wrong `brd` (say the
//! neighbour's address) puts `broadcast DST` in the local table, and the kernel then neither
//! forwards nor sends a unicast packet to DST.

use super::fib::TABLE_LOCAL;
use super::kernel::Kernel;
use super::owner::owner;
use super::report::Report;
use super::route_get::{RouteGet, RouteKind};
use super::words::call;
use crate::sys::Netns;
use std::net::IpAddr;

/// `true` (said in `r`) when `route`, the kernel's answer for `dst` in `cur`, is a broadcast
/// route that an address's wrong broadcast made, not the subnet's own last address.
pub(crate) fn taken_for_broadcast(
    k: &mut dyn Kernel,
    r: &mut Report,
    cur: &Netns,
    route: &RouteGet,
    dst: IpAddr,
) -> bool {
    if route.kind != RouteKind::Broadcast {
        return false;
    }
    let fib = k.fib(cur);
    let Some(dev) = fib
        .routes
        .iter()
        .find(|rt| {
            rt.table == TABLE_LOCAL
                && rt.kind == RouteKind::Broadcast
                && rt.dst.addr() == dst
                && rt.dst.prefix_len() == rt.dst.max_prefix_len()
        })
        .and_then(|rt| rt.dev.clone())
    else {
        return false;
    };
    let Some(view) = k.view(cur) else {
        return false;
    };
    // The address on that link whose subnet holds DST, of which DST is not the last address.
    let Some(net) = view
        .addrs
        .iter()
        .find(|(l, n)| *l == dev && n.contains(&dst) && n.broadcast() != dst)
        .map(|(_, n)| *n)
    else {
        return false;
    };
    let held = owner(k, dst)
        .map(|(ns, l)| format!(" ({ns}'s {l})"))
        .unwrap_or_default();
    let a = format!("{}/{}", net.addr(), net.prefix_len());
    r.block(
        cur,
        format!(
            "{cur} takes {dst}{held} for a broadcast address: its address {a} on {dev} was \
             given the broadcast {dst} (`broadcast {dst} dev {dev}` in table local), so a \
             packet to {dst} is never sent to it"
        ),
        Some(call(
            cur,
            &format!("sh(\"ip addr del {a} dev {dev} && ip addr add {a} brd + dev {dev}\")"),
        )),
    );
    true
}
