//! The routers a tunnel's underlay packets pass on their way to its remote, by the kernel's
//! lookups: watched too, so the capture sees where the outer packets stop even where the
//! analysis named none of them (a drop at the far VTEP, say).

use super::kernel::Kernel;
use super::route_get::Lookup;
use super::underlay_path::holder;
use crate::sys::Netns;
use std::net::IpAddr;

/// Far more routers than any underlay has; a bound for a kernel that changes under the walk.
const MAX_HOPS: usize = 64;

/// The namespaces the outer packets from `from` (source `local`) to `remote` reach, in order,
/// up to the first that has no route on, or the one that holds `remote`.
pub(crate) fn underlay_hops(
    k: &mut dyn Kernel,
    from: &Netns,
    local: Option<IpAddr>,
    remote: IpAddr,
) -> Vec<Netns> {
    let mut out: Vec<Netns> = vec![];
    let (mut cur, mut q) = (from.clone(), Lookup::to(remote));
    q.src = local;
    for _ in 0..MAX_HOPS {
        let Ok(rt) = k.route_get(&cur, &q) else { break };
        let Some((next, link)) = holder(k, &cur, &rt.dev, rt.via.unwrap_or(remote)) else {
            break;
        };
        if next == *from || out.contains(&next) {
            break;
        }
        out.push(next.clone());
        if rt.via.is_none() {
            break;
        }
        q.iif = Some(link);
        cur = next;
    }
    out
}
