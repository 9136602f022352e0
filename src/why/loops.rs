//! A routing loop: the packet comes back to a namespace with the same inputs (link, source,
//! destination). Named once, at the member whose route sends the packet the wrong way (the
//! route that makes the loop), with the fix src/why/loop_fix.rs finds for that route.

use super::kernel::Kernel;
use super::loop_fix::{fix, Onward};
use super::owner::owner;
use super::report::Report;
use super::route_get::Lookup;
use super::toward::{distances, toward};
use super::visit::Visit;
use crate::sys::Netns;

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
    let names: Vec<String> = ring.iter().map(|v| v.ns.to_string()).collect();
    let round = match names.as_slice() {
        [a, b] => format!("loops between {a} and {b}"),
        _ => format!("loops round {} → {at}", names.join(" → ")),
    };
    let w = blamed(k, ring, q);
    let v = &ring[w];
    let next = &ring[(w + 1) % ring.len()].ns;
    let via = k.route_get(&v.ns, &v.q).ok().and_then(|g| g.via);
    let how = match (via, ring.len()) {
        (Some(g), 2) => format!("sends it back to {next} via {g}"),
        (Some(g), _) => format!("sends it away from {} to {next} via {g}", q.dst),
        (None, _) => format!("sends it to {next}"),
    };
    let route = v
        .route
        .as_ref()
        .map(|rt| format!(" (route `{}`)", rt.text()))
        .unwrap_or_default();
    let (tail, fix) = match fix(k, v, q.dst) {
        Some((Onward::Own(l), f)) => (format!(", while its own {l} reaches {}", q.dst), Some(f)),
        Some((Onward::Via(n, a), f)) => (
            format!(", while {n} ({a}) leads on toward {}", q.dst),
            Some(f),
        ),
        None => (String::new(), None),
    };
    let cause = format!(
        "{} {round} until its TTL runs out: {} {how}{route}{tail}",
        q.dst, v.ns
    );
    r.block(&v.ns, cause, fix);
    // Every member passes the packet: the probe lost at any of them agrees.
    r.looped = names;
}

/// The member whose route makes the loop: one that holds the destination's subnet on a link
/// of its own and still sends it on, else the one whose next member is farthest from the
/// destination, then the one whose route is the most specific (a route made by hand rather
/// than a default), then the first.
fn blamed(k: &mut dyn Kernel, ring: &[Visit], q: &Lookup) -> usize {
    let Some((target, _)) = owner(k, q.dst) else {
        return 0;
    };
    let v4 = q.dst.is_ipv4();
    let dist = distances(k, &target, v4);
    let far = usize::MAX / 2;
    let d = |ns: &Netns| dist.get(ns).copied().unwrap_or(far) as i64;
    let beside: Vec<bool> = ring
        .iter()
        .map(|v| toward(k, &v.ns, &target, v4).is_some_and(|(n, _)| n == target))
        .collect();
    (0..ring.len())
        .max_by_key(|&i| {
            let next = &ring[(i + 1) % ring.len()].ns;
            let len = ring[i].route.as_ref().map_or(0, |rt| rt.dst.prefix_len());
            // On ties the first member (max_by_key keeps the last: reverse the index).
            (
                beside[i],
                d(next) - d(&ring[i].ns),
                len,
                std::cmp::Reverse(i),
            )
        })
        .unwrap_or_default()
}
