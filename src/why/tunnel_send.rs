//! How a VXLAN sends its outer packets: its floods (the all-zeros FDB entry it is made with)
//! out of the link it is bound to (`dev`: the kernel looks the remote up with that oif, and
//! with no route by it takes the remote as on that link), the frames for MACs it learned by
//! the plain route to the remote; and with its own `ttl`, which must outlive the routers.

use super::kernel::Kernel;
use super::link_detail::{LinkDetail, VxlanInfo};
use super::owner::owner;
use super::report::Report;
use super::route_get::Lookup;
use super::underlay_path::lands;
use super::vxlan_remake::recreate;
use crate::sys::Netns;
use std::net::IpAddr;

/// The routers between `at` and `remote` (by each one's route to it): how many, and the first.
fn routers_to(k: &mut dyn Kernel, at: &Netns, remote: IpAddr) -> Option<(usize, Netns)> {
    let far = owner(k, remote).map(|(n, _)| n);
    let (mut cur, mut n, mut first) = (at.clone(), 0, None);
    // Bounded: a loop in the underlay is said by the underlay's own checks.
    for _ in 0..super::ttl::CAP {
        let rt = k.route_get(&cur, &Lookup::to(remote)).ok()?;
        let Some(gw) = rt.via else {
            return first.map(|f| (n, f));
        };
        let (nns, _) = owner(k, gw)?;
        if Some(&nns) == far.as_ref() {
            return first.map(|f| (n, f));
        }
        n += 1;
        first.get_or_insert(nns.clone());
        cur = nns;
    }
    None
}

/// Whether the floods of a VXLAN bound to `dev` in `at` reach `remote`: the kernel's lookup
/// with that oif, its next hop held on the link's segment (taken as so when not in view).
fn floods_reach(k: &mut dyn Kernel, at: &Netns, dev: &str, remote: IpAddr) -> bool {
    let q = Lookup {
        oif: Some(dev.to_string()),
        ..Lookup::to(remote)
    };
    let Ok(rt) = k.route_get(at, &q) else {
        return false;
    };
    rt.dev == dev && lands(k, at, dev, rt.via.unwrap_or(remote)) != Some(false)
}

/// `false` (said in `r`) when the VXLAN `vx` in `at` cannot get its packets to `remote`: bound
/// to a link its floods do not reach the remote by, or a TTL the routers use up. Its learned
/// frames' way (the plain route) is followed by the underlay's own checks.
pub(crate) fn sends(
    k: &mut dyn Kernel,
    r: &mut Report,
    (at, vx): (&Netns, &LinkDetail),
    remote: IpAddr,
) -> bool {
    let Some(v) = vx.vxlan.clone() else {
        return true;
    };
    let Ok(rt) = k.route_get(at, &Lookup::to(remote)) else {
        return true;
    };
    let name = &vx.name;
    let bound = v.dev.as_ref().filter(|d| **d != rt.dev);
    if let Some(d) = bound.filter(|d| !floods_reach(k, at, d, remote)) {
        let via = rt.via.map(|g| format!(" via {g}")).unwrap_or_default();
        let right = VxlanInfo {
            dev: Some(rt.dev.clone()),
            ..v.clone()
        };
        r.block(
            at,
            format!(
                "{name} in {at} is bound to dev {d}, but its remote {remote} is reached by {} (route to {remote}{via} dev {}): the kernel sends the tunnel's packets out of {d}, where they do not reach it",
                rt.dev, rt.dev
            ),
            Some(recreate(k, at, vx, &right)),
        );
        return false;
    }
    if v.ttl == 0 {
        return true;
    }
    let Some((n, first)) = routers_to(k, at, remote).filter(|(n, _)| *n >= v.ttl as usize) else {
        return true;
    };
    let hops = if n == 1 { "router" } else { "routers" };
    r.block(
        at,
        format!(
            "{name} in {at} sends its tunnel's packets with ttl {}, but its remote {remote} is {n} {hops} away: they die at {first} (TTL exceeded)",
            v.ttl
        ),
        // Made again without `ttl`: the route's default (64).
        Some(recreate(k, at, vx, &VxlanInfo { ttl: 0, ..v.clone() })),
    );
    false
}
