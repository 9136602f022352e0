//! An IPv4 address a host holds on a link off the asker's segment (a service address on `lo`,
//! LVS direct routing style) while another of its links is on that segment: Linux answers ARP
//! for any of its addresses on any link (the weak host model, arp_ignore 0), so that segment
//! link is the one the frame reaches. Whether it really answers (arp_ignore, arp_filter) is
//! `arp`'s to say.

use super::ends::ends;
use super::kernel::Kernel;
use crate::sys::Netns;
use std::net::IpAddr;

/// The link of `holder`'s namespace that answers ARP for `ip` asked on `dev` in `cur`: for an
/// address on lo, the namespace's link on that segment; else the holder's own link.
pub(crate) fn answering_link(
    k: &mut dyn Kernel,
    cur: &Netns,
    dev: &str,
    ip: IpAddr,
    holder: (Netns, String),
) -> (Netns, String) {
    let (nns, nlink) = &holder;
    // Only an address on lo (a service address): one on a link of its own (a macvlan of the
    // parent, say) is reached there.
    if !ip.is_ipv4() || nns == cur || nlink != "lo" {
        return holder;
    }
    let (all, _) = ends(k, cur, dev);
    match all.into_iter().find(|e| e.ns == *nns) {
        Some(e) => (e.ns, e.link),
        None => holder,
    }
}
