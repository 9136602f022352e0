//! One layer-2 hop, once `l2::reach` found the cable: whether the next hop answers ARP (ARP
//! off, arp_ignore, arp_filter; a static entry over a VXLAN still holding an old MAC), whether
//! two hosts on the segment hold its address or two links its MAC, and whether a packet of the
//! asked size fits the links at each end (or, too big for a router's, whether it can say so).

use super::arp::answers;
use super::duplicate::duplicate;
use super::kernel::Kernel;
use super::mac_twin::mac_twin;
use super::mtu::fits;
use super::own_copy::own_copy;
use super::report::Report;
use super::stale_neigh::current;
use crate::sys::Netns;
use std::net::IpAddr;

/// The frame from `dev` in `cur` to `next` held on `nlink` in `nns`: `false` when broken
/// (said in `r`).
pub(crate) fn check(
    k: &mut dyn Kernel,
    r: &mut Report,
    cur: &Netns,
    dev: &str,
    next: IpAddr,
    nns: &Netns,
    nlink: &str,
) -> bool {
    answers(k, r, cur, dev, next, nns, nlink)
        && current(k, r, (cur, dev), next, (nns, nlink))
        && duplicate(k, r, cur, dev, next)
        && mac_twin(k, r, (cur, dev), (nns, nlink))
        && own_copy(k, r, cur, dev, next, nns)
        && !super::pmtu_hole::hole(k, r, cur, dev)
        && fits(k, r, cur, dev)
        && fits(k, r, nns, nlink)
}
