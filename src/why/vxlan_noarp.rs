//! A next hop over a VXLAN that carries no ARP (flannel's `flannel.1`: no remote, no
//! all-zeros FDB entry, no `proxy`): the request is flooded nowhere, so only a static
//! neighbour entry reaches the far node. Re-creating the device (a new MAC) flushes the
//! entries the agent wrote, permanent ones too.

use super::kernel::Kernel;
use super::link_find::find;
use super::owner::owner;
use super::stale_neigh::static_fix;
use super::vanished::Vanished;
use crate::sys::Netns;
use std::net::IpAddr;

/// `ip` never answered ARP on `dev` in `ns` (said in `silent`): when `dev` is such a VXLAN,
/// the static entry it needs, with the MAC of the link that holds `ip`.
pub(crate) fn unflooded(
    k: &mut dyn Kernel,
    ns: &Netns,
    dev: &str,
    ip: IpAddr,
    silent: &str,
) -> Option<Vanished> {
    let vx = find(k, ns, dev)?.vxlan?;
    if vx.remote.is_some() || k.l2(ns).iter().any(|l| l.name == dev && l.proxy) {
        return None;
    }
    let zero = k
        .fdb_entries(ns)
        .into_iter()
        .any(|(d, m, _)| d == dev && m == super::link_l2::ZEROS);
    if zero {
        return None;
    }
    let (fns, flink) = owner(k, ip)?;
    let mac = k
        .l2(&fns)
        .into_iter()
        .find(|l| l.name == flink)
        .and_then(|l| l.mac)?;
    Some(Vanished {
        ns: ns.clone(),
        cause: format!(
            "{silent}: {dev} in {ns} floods ARP nowhere (no remote, no all-zeros FDB entry, no \
             proxy), so it reaches {ip} ({fns}'s {flink}) only by a static neighbour entry, and \
             has none"
        ),
        fix: Some(static_fix(k, (ns, dev), ip, (&mac, None), &fns)),
    })
}
