//! A DNAT target that no namespace holds: the fault is the lost address, not the rule, so the
//! fix gives the address back to the one end host of its segment that has none there; an
//! ACCEPT before the DNAT would only make the gateway answer in the target's place.

use super::kernel::Kernel;
use super::route_get::Lookup;
use crate::sys::Netns;
use std::net::IpAddr;

/// The fix for `target`, sent there by a DNAT in `ns`: `None` when its holder cannot be told.
pub(crate) fn give_back(k: &mut dyn Kernel, ns: &Netns, target: IpAddr) -> Option<String> {
    let q = Lookup {
        dst: target,
        src: None,
        iif: None,
        mark: 0,
        proto: 0,
        sport: None,
        dport: None,
    };
    let rt = k.route_get(ns, &q).ok()?;
    if rt.via.is_some() {
        return None;
    }
    super::absent::host_fix(k, ns, &rt.dev, target)
}
