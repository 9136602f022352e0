//! Packets that left one link and never arrived on its peer, where the peer has an XDP program
//! attached: XDP runs on entry before anything else (a packet socket, a tc filter, a rule)
//! sees the packet, so one that drops leaves no other trace. The fix detaches it.

use super::kernel::Kernel;
use super::link_find::{find, peer};
use super::owner::owner;
use super::words::call;
use crate::sys::Netns;
use std::net::IpAddr;

/// The XDP program on `dev` of `ns` that may have dropped what arrived there: (cause, fix).
pub(crate) fn xdp_on(k: &mut dyn Kernel, ns: &Netns, dev: &str) -> Option<(String, String)> {
    let (mode, id) = k.xdp(ns, dev)?;
    Some((
        format!(
            "{dev} in {ns} has an XDP program attached ({mode}, prog id {id}), which runs before anything else sees a packet and may drop it"
        ),
        call(ns, &format!("sh(\"ip link set dev {dev} {mode} off\")")),
    ))
}

/// `ip` never answered ARP on `dev` of `ns`: an XDP program on the way the requests and
/// answers cross (the asker's link, its veth peer, the link that holds `ip`) may drop them:
/// the namespace it is in, the cause, the fix.
pub(crate) fn arp_lost(
    k: &mut dyn Kernel,
    ns: &Netns,
    dev: &str,
    ip: IpAddr,
) -> Option<(Netns, String, String)> {
    let mut links = vec![(ns.clone(), dev.to_string())];
    if let Some(l) = find(k, ns, dev) {
        links.extend(peer(k, ns, &l).map(|(pns, p)| (pns, p.name)));
    }
    links.extend(owner(k, ip));
    links.into_iter().find_map(|(lns, link)| {
        let (cause, fix) = xdp_on(k, &lns, &link)?;
        Some((lns, cause, fix))
    })
}
