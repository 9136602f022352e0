//! A segment that leaves this machine: a VXLAN port on the sender's bridge whose remote (or
//! flood entry) no stack here holds. A destination nobody here holds may be beyond it, on
//! another machine; the walk says so and stops there (`Report::tunnel_out`), for `why` across
//! machines (src/remote) to continue on the machine that holds the remote.

use super::kernel::Kernel;
use super::l2::{find, peer};
use super::owner::owner;
use super::report::TunnelOut;
use crate::sys::{LinkKind, Netns};
use std::net::IpAddr;

/// The bridge a frame sent on `dev` in `ns` is switched by: `dev` itself, its master, or its
/// veth peer's master.
fn bridge_of(k: &mut dyn Kernel, ns: &Netns, dev: &str) -> Option<(Netns, String)> {
    let l = find(k, ns, dev)?;
    if l.kind == Some(LinkKind::Bridge) {
        return Some((ns.clone(), l.name));
    }
    if let Some(m) = l.master.clone() {
        return Some((ns.clone(), m));
    }
    let (pns, p) = peer(k, ns, &l)?;
    if p.kind == Some(LinkKind::Bridge) {
        return Some((pns, p.name));
    }
    Some((pns, p.master?))
}

/// The first VXLAN port of `dev`'s bridge that tunnels to an address no stack here holds.
pub(crate) fn tunnel_out(k: &mut dyn Kernel, ns: &Netns, dev: &str) -> Option<TunnelOut> {
    let (bns, br) = bridge_of(k, ns, dev)?;
    let ports: Vec<_> = k
        .links(&bns)
        .into_iter()
        .filter(|l| l.master.as_deref() == Some(br.as_str()) && l.vxlan.is_some())
        .collect();
    for p in ports {
        let v = p.vxlan.clone().unwrap_or_default();
        let dsts: Vec<IpAddr> = match v.remote {
            Some(r) => vec![r],
            None => k
                .fdb_entries(&bns)
                .into_iter()
                .filter(|(d, _, _)| *d == p.name)
                .map(|(_, _, ip)| ip)
                .collect(),
        };
        if let Some(remote) = dsts.into_iter().find(|d| owner(k, *d).is_none()) {
            return Some(TunnelOut {
                ns: bns,
                dev: p.name,
                vni: v.id,
                port: v.port,
                remote,
            });
        }
    }
    None
}
