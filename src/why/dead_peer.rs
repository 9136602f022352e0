//! A veth whose other end is down has no carrier: a bridge port over it is disabled, and its
//! neighbours never answer ARP. The other end is the fault, not the port or the neighbour.

use super::kernel::Kernel;
use super::report::Report;
use super::words::link_call;
use crate::sys::Netns;

/// The other end of the veth `link` in `ns`, when it is down: (its namespace, its name).
pub(crate) fn dead_peer(k: &mut dyn Kernel, ns: &Netns, link: &str) -> Option<(Netns, String)> {
    let l = k.links(ns).into_iter().find(|l| l.name == link)?;
    let pi = l.peer_index?;
    let pns = l.peer_ns.clone().unwrap_or_else(|| ns.clone());
    let p = k.links(&pns).into_iter().find(|x| x.index == pi)?;
    (!p.up).then_some((pns, p.name))
}

/// `true` (said in `r`) when `link` in `ns` is cut off by its veth peer being down; `what`
/// says what the cut stops (`pb2, a port of lanB in rt, is disabled`).
pub(crate) fn cut_off(
    k: &mut dyn Kernel,
    r: &mut Report,
    ns: &Netns,
    link: &str,
    what: &str,
) -> bool {
    let Some((pns, p)) = dead_peer(k, ns, link) else {
        return false;
    };
    // Named where the frame stops; the fix is at the other end.
    r.block(
        ns,
        format!("{what}: its other end {p} in {pns} is down, so {link} in {ns} has no carrier"),
        Some(link_call(&pns, &p, "up()")),
    );
    true
}
