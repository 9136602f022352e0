//! Who holds an address: the namespace and link, across every stack the kernel shows.

use super::kernel::Kernel;
use crate::sys::Netns;
use std::net::IpAddr;

/// Which namespace holds `ip`, and on which link.
pub(crate) fn owner(k: &mut dyn Kernel, ip: IpAddr) -> Option<(Netns, String)> {
    for ns in k.namespaces() {
        if let Some(v) = k.view(&ns) {
            if let Some((l, _)) = v.addr_owner(ip) {
                return Some((ns, l.to_string()));
            }
        }
    }
    None
}
