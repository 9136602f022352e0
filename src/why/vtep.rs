//! Where a VTEP should send to reach another stack: its address on a subnet both share.

use super::kernel::Kernel;
use crate::sys::Netns;

/// The address of `far` that `at` reaches directly: where its VTEP should send.
pub(crate) fn vtep_address(
    k: &mut dyn Kernel,
    at: &Netns,
    far: &Netns,
) -> Option<std::net::IpAddr> {
    let mine = k.view(at)?.addrs;
    let theirs = k.view(far)?.addrs;
    // A link-local address is on every link: never a VTEP's.
    theirs
        .iter()
        .map(|(_, a)| a.addr())
        .filter(|ip| super::lost_vtep::routable(*ip))
        .find(|ip| {
            mine.iter()
                .any(|(l, m)| l != "lo" && m.contains(ip) && m.addr() != *ip)
        })
}
