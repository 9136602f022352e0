//! A routing loop: the packet comes back to a namespace with the same inputs (link, source,
//! destination). Named once with its members; the fix goes to the member whose route sends
//! the packet away from the destination.

use super::fib::{FibRoute, FibRule};
use super::kernel::Kernel;
use super::owner::owner;
use super::report::Report;
use super::route_fix::{route_del, route_via};
use super::route_get::Lookup;
use super::toward::{distances, toward};
use crate::sys::Netns;

/// One lookup on the way: where, with what, and the route and rule that answered it.
pub(crate) struct Visit {
    pub(crate) ns: Netns,
    pub(crate) q: Lookup,
    pub(crate) route: Option<FibRoute>,
    pub(crate) rule: Option<FibRule>,
}

pub(crate) fn loop_found(
    k: &mut dyn Kernel,
    r: &mut Report,
    seen: &[Visit],
    at: &Netns,
    q: &Lookup,
) {
    let start = seen
        .iter()
        .position(|v| v.ns == *at && v.q == *q)
        .unwrap_or_default();
    let ring = &seen[start..];
    let mut names: Vec<String> = ring.iter().map(|v| v.ns.to_string()).collect();
    names.push(at.to_string());
    let from = q
        .iif
        .as_ref()
        .map(|i| format!(", in on {i}"))
        .unwrap_or_default();
    r.block(
        at,
        format!(
            "routing loop: the packet to {} goes {} and comes back to {at}{from} ({} routers send it round)",
            q.dst,
            names.join(" → "),
            ring.len()
        ),
        fix(k, ring, q),
    );
}

/// The member whose next member is farthest from the destination (the step that goes the
/// wrong way) gets its route sent towards the destination, or removed when it is on the
/// destination's own subnet.
fn fix(k: &mut dyn Kernel, ring: &[Visit], q: &Lookup) -> Option<String> {
    let (target, _) = owner(k, q.dst)?;
    let v4 = q.dst.is_ipv4();
    let dist = distances(k, &target, v4);
    let far = usize::MAX / 2;
    let d = |ns: &Netns| dist.get(ns).copied().unwrap_or(far) as i64;
    let worst = (0..ring.len()).max_by_key(|&i| {
        let next = &ring[(i + 1) % ring.len()].ns;
        // On ties the first member (max_by_key keeps the last: reverse the index).
        (d(next) - d(&ring[i].ns), std::cmp::Reverse(i))
    })?;
    let v = &ring[worst];
    let route = v.route.as_ref()?;
    match toward(k, &v.ns, &target, v4)? {
        (n, _) if n == target => Some(route_del(&v.ns, route, v.rule.as_ref())),
        (_, gw) if route.via != Some(gw) => Some(route_via(&v.ns, route, v.rule.as_ref(), gw)),
        _ => None,
    }
}
