//! A routing loop on the way back: the reply goes round between routers because one of them
//! has no route of its own to the source and sends it by its default, back where it came
//! from. The fix is that router's route towards the source, through its neighbour nearest
//! the source's namespace.

use super::kernel::Kernel;
use super::owner::owner;
use super::refused::named;
use super::report::Report;
use super::route_fix::route_add;
use super::route_get::Lookup;
use super::toward::{subnet_of, toward};
use crate::sys::Netns;
use std::net::IpAddr;

/// Says the loop (`seen`: each stack and its lookup, `cur` where it came back) in `r`, fixed
/// at the first router in it whose route to `to` is not through its neighbour towards `to`.
pub(crate) fn back_loop(
    k: &mut dyn Kernel,
    r: &mut Report,
    seen: &[(Netns, Lookup)],
    cur: &Netns,
    to: IpAddr,
) {
    let members: Vec<String> = seen.iter().map(|(n, _)| n.to_string()).collect();
    let cause = format!(
        "routing loop on the way back: the reply to {to} goes {} → {cur}",
        members.join(" → ")
    );
    let first = seen.iter().position(|(n, _)| n == cur).unwrap_or(0);
    let target = owner(k, to).map(|(t, _)| t);
    let net = target.as_ref().and_then(|t| subnet_of(k, t, to));
    if let (Some(t), Some(net)) = (target, net) {
        for (n, q) in &seen[first..] {
            let got = k.route_get(n, q).ok();
            let via = got.as_ref().and_then(|rt| rt.via);
            match toward(k, n, &t, to.is_ipv4()) {
                Some((_, a)) if Some(a) != via && a != to => {
                    // The route that sends it round, named as the kernel chose it.
                    let kind = got.map(|g| g.kind);
                    let route = named(k, n, q, kind)
                        .and_then(|d| d.route)
                        .map(|rt| format!(" (route `{}`)", rt.text()))
                        .unwrap_or_default();
                    r.block(
                        n,
                        format!("{cause}: {n} has no route of its own back to {net} and sends the reply by one that leads round{route}"),
                        Some(route_add(n, &net, a)),
                    );
                    r.looped = members;
                    return;
                }
                _ => {}
            }
        }
    }
    r.block(cur, cause, None);
    r.looped = members;
}
