//! The fix for the route that makes a routing loop: sent on toward the destination only when
//! netsh can tell what leads on (a link of the router's own on the destination's subnet, or
//! a neighbour whose routes reach it); otherwise none, never a guess.

use super::fib::TABLE_MAIN;
use super::kernel::Kernel;
use super::leads_on::leads_on;
use super::owner::owner;
use super::route_fix::{dst_word, exec, route_add, route_del, route_via};
use super::toward::{subnet_of, toward};
use super::visit::Visit;
use crate::sys::Netns;
use std::net::IpAddr;

/// What leads on from the looping router.
pub(crate) enum Onward {
    /// Its own link on the destination's subnet (the route goes, the link's route takes it).
    Own(String),
    /// A neighbour (and its address) whose routes reach the destination.
    Via(Netns, IpAddr),
}

/// The fix for `v`'s route to `dst`, and what leads on instead.
pub(crate) fn fix(k: &mut dyn Kernel, v: &Visit, dst: IpAddr) -> Option<(Onward, String)> {
    let (target, _) = owner(k, dst)?;
    let route = v.route.as_ref()?;
    let (n, gw) = toward(k, &v.ns, &target, dst.is_ipv4())?;
    if n == target {
        let link = own_link(k, &v.ns, &target, dst);
        // Only a route through a gateway: a route on the link is the link's own.
        if let (Some(l), Some(_)) = (link, route.via) {
            return Some((Onward::Own(l), route_del(&v.ns, route, v.rule.as_ref())));
        }
    }
    if route.via == Some(gw) || (dst.is_ipv4() && !leads_on(k, &v.ns, gw, dst)) {
        return None;
    }
    // A route wider than the destination's subnet (two routes merged into one) may carry
    // other traffic the right way (the way back): the subnet gets its own route instead.
    let net = subnet_of(k, &target, dst)?;
    let wide = route.dst.prefix_len() > 0 && route.dst.prefix_len() < net.prefix_len();
    let f = match (wide, route.table == TABLE_MAIN) {
        (true, true) => route_add(&v.ns, &net, gw),
        (true, false) => exec(
            &v.ns,
            &format!(
                "ip route add {} via {gw} table {}",
                dst_word(&net),
                super::fib::table_name(route.table)
            ),
        ),
        (false, _) => route_via(&v.ns, route, v.rule.as_ref(), gw),
    };
    Some((Onward::Via(n, gw), f))
}

/// The link of `at` on the subnet `dst` is on, as its holder `target` has it.
fn own_link(k: &mut dyn Kernel, at: &Netns, target: &Netns, dst: IpAddr) -> Option<String> {
    let net = subnet_of(k, target, dst)?;
    let view = k.view(at)?;
    view.addrs
        .iter()
        .find(|(_, a)| a.trunc() == net)
        .map(|(l, _)| l.clone())
}
