//! A destination of the loopback range (127.0.0.0/8, ::1, often reached by a DNAT to
//! 127.0.0.1) is judged on the namespace's own lo: never routed to another host. Its local
//! route comes with lo's address, and goes with it.

use super::kernel::Kernel;
use super::words::call;
use crate::sys::Netns;
use std::net::IpAddr;

/// Why `at` has no route to the loopback address `dst`: (the cause, its fix), when lo is down
/// or lost the address.
pub(crate) fn lo_down(k: &mut dyn Kernel, at: &Netns, dst: IpAddr) -> Option<(String, String)> {
    let up = k.links(at).iter().any(|l| l.name == "lo" && l.up);
    let view = k.view(at).unwrap_or_default();
    let held = view
        .addrs
        .iter()
        .any(|(l, a)| l == "lo" && a.addr().is_loopback() && a.contains(&dst));
    let (own, plen) = match dst {
        IpAddr::V4(_) => ("127.0.0.1", 8),
        IpAddr::V6(_) => ("::1", 128),
    };
    let sh = |cmd: &str| call(at, &format!("sh(\"{cmd}\")"));
    match (up, held) {
        // The kernel gives lo its loopback address back as lo comes up.
        (false, false) => Some((
            format!(
                "{at}'s loopback lo is down (and holds no {own}), so {at} has no route to {dst}"
            ),
            sh("ip link set lo up"),
        )),
        (false, true) => Some((
            format!("{at}'s loopback lo is down, so {at} has no route to {dst}"),
            sh("ip link set lo up"),
        )),
        (true, false) => Some((
            format!("{at}'s loopback lo holds no {own}, so {at} has no route to {dst}"),
            sh(&format!("ip addr add {own}/{plen} dev lo")),
        )),
        (true, true) => None,
    }
}

/// A packet `at` sends to its own address `dst` goes through lo: lost when lo is down, though
/// the local route stays. (the cause, its fix).
pub(crate) fn own_via_lo(k: &mut dyn Kernel, at: &Netns, dst: IpAddr) -> Option<(String, String)> {
    let lo = k.links(at).into_iter().find(|l| l.name == "lo")?;
    (!lo.up).then(|| {
        (
            format!("{at}'s loopback lo is down: a packet {at} sends to its own address {dst} goes through lo, so it is lost"),
            call(at, "sh(\"ip link set lo up\")"),
        )
    })
}
