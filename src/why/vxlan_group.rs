//! A VXLAN whose remote is a multicast group (`group 239.1.1.1`): its floods (ARP first) go to
//! the group, which reaches the other VTEPs only on one underlay segment, or through routers
//! that route multicast; head-end replication entries (all-zeros FDB entries to each VTEP)
//! send them by unicast instead.

use super::kernel::Kernel;
use super::link_detail::VxlanInfo;
use super::link_l2::ZEROS;
use super::owner::owner;
use super::report::Report;
use super::route_get::Lookup;
use super::tunnel_far::floods;
use super::words::call;
use crate::sys::Netns;
use std::net::IpAddr;

/// A VTEP of the overlay: its namespace, VXLAN device, group (when multicast) and address.
struct Vtep {
    ns: Netns,
    dev: String,
    group: bool,
    addr: IpAddr,
}

/// The VTEP address of the VXLAN in `far` with `v`'s VNI and port: its `local`, or the
/// address on the link it is bound to.
pub(crate) fn far_vtep(k: &mut dyn Kernel, far: &Netns, v: &VxlanInfo) -> Option<IpAddr> {
    vteps(k, v)
        .into_iter()
        .find(|t| t.ns == *far)
        .map(|t| t.addr)
}

fn vteps(k: &mut dyn Kernel, v: &VxlanInfo) -> Vec<Vtep> {
    let mut out = vec![];
    for ns in k.namespaces() {
        let addrs = k.view(&ns).map(|x| x.addrs).unwrap_or_default();
        for l in k.links(&ns) {
            let Some(f) = l.vxlan.filter(|f| f.id == v.id && f.port == v.port) else {
                continue;
            };
            let on_dev = addrs
                .iter()
                .find(|(x, a)| Some(x) == f.dev.as_ref() && super::lost_vtep::routable(a.addr()))
                .map(|(_, a)| a.addr());
            if let Some(addr) = f.local.or(on_dev) {
                let group = f.remote.is_some_and(|g| g.is_multicast());
                out.push(Vtep {
                    ns: ns.clone(),
                    dev: l.name,
                    group,
                    addr,
                });
            }
        }
    }
    out
}

/// `true` when the floods of `name` in `at` (remote the multicast `group`) reach the VTEP at
/// `to`: a head-end replication entry to it, or an underlay route to it with no router
/// between. `false` (said in `r`, with the entries for every VTEP of the group as the fix)
/// when a router is between.
pub(crate) fn floods_reach(
    k: &mut dyn Kernel,
    r: &mut Report,
    (at, name): (&Netns, &str),
    v: &VxlanInfo,
    group: IpAddr,
    to: IpAddr,
) -> bool {
    if floods(k, at, name).contains(&to) {
        return true;
    }
    let Some(gw) = k.route_get(at, &Lookup::to(to)).ok().and_then(|u| u.via) else {
        return true;
    };
    let by = owner(k, gw).map_or(gw.to_string(), |(n, _)| n.to_string());
    let all = vteps(k, v);
    let others: Vec<String> = all
        .iter()
        .filter(|t| t.ns != *at)
        .map(|t| t.addr.to_string())
        .collect();
    let mut fixes = vec![];
    for t in all.iter().filter(|t| t.group) {
        let have = floods(k, &t.ns, &t.dev);
        for o in all
            .iter()
            .filter(|o| o.ns != t.ns && !have.contains(&o.addr))
        {
            let cmd = format!("bridge fdb append {ZEROS} dev {} dst {}", t.dev, o.addr);
            fixes.push(call(&t.ns, &format!("sh(\"{cmd}\")")));
        }
    }
    r.block(
        at,
        format!(
            "{name} in {at} floods to the multicast group {group}, but the underlay from {at} to the other VTEPs ({}) is routed by {by}, which forwards no multicast (no multicast routes)",
            others.join(", ")
        ),
        (!fixes.is_empty()).then(|| fixes.join("; ")),
    );
    false
}
