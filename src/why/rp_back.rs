//! The route the reverse-path filter checks: back to the packet's source, from its
//! destination, as the kernel looks it up (policy rules by that source included, so a rule
//! `from 10.9.0.0/24 lookup 100` decides which link the reply would leave by).

use super::fib_lookup::decide;
use super::kernel::Kernel;
use super::route_get::Lookup;
use crate::sys::Netns;
use std::net::IpAddr;

/// The link `at` would send to `src` by, for a packet from `src` to `dst`; the kernel's
/// words when it has no route.
pub(crate) fn back_dev(
    k: &mut dyn Kernel,
    at: &Netns,
    src: IpAddr,
    dst: IpAddr,
) -> Result<String, String> {
    let q = Lookup {
        src: Some(dst),
        ..Lookup::to(src)
    };
    if let Some(dev) = decide(&k.fib(at), &q).route.and_then(|r| r.dev) {
        return Ok(dev);
    }
    k.route_get(at, &Lookup::to(src))
        .map(|b| b.dev)
        .map_err(|e| e.words)
}
