//! The sender address of an ARP request.

use super::kernel::Kernel;
use crate::sys::Netns;
use std::net::IpAddr;

/// The address `cur` puts in its ARP request on `dev` for `next`: its own in next's subnet.
pub(crate) fn sender_ip(
    k: &mut dyn Kernel,
    cur: &Netns,
    dev: &str,
    next: IpAddr,
) -> Option<IpAddr> {
    let v = k.view(cur)?;
    let on: Vec<_> = v.addrs.iter().filter(|(l, _)| l == dev).collect();
    on.iter()
        .find(|(_, a)| a.contains(&next))
        .or(on.first())
        .map(|(_, a)| a.addr())
}
