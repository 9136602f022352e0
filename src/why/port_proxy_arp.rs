//! A bridge port with `proxy_arp on` (BR_PROXYARP): the kernel's br_flood skips it for every
//! flooded frame, so the ARP request for a host behind it (a broadcast) never reaches that host;
//! the bridge answers for it only from its own neighbour table, and only to a request that came
//! in by a proxy_arp port too. (neigh_suppress is not this: it holds back only requests the
//! bridge could answer itself.)

use super::kernel::Kernel;
use super::report::Report;
use super::words::call;
use crate::sys::Netns;

/// `false` (said in `r`) when `port` of `br` in `ns` has proxy_arp on: the ARP request for
/// `whose` is never flooded out of it.
pub(crate) fn floods(
    k: &mut dyn Kernel,
    r: &mut Report,
    (ns, br): (&Netns, &str),
    port: &str,
    whose: &str,
) -> bool {
    if !k.l2(ns).iter().any(|l| l.name == port && l.port_proxy_arp) {
        return true;
    }
    r.block(
        ns,
        format!(
            "{port}, a port of {br} in {ns}, has proxy_arp on: the bridge floods nothing out of it, so the ARP request for {whose} (a broadcast) never reaches it and is never answered"
        ),
        Some(call(
            ns,
            &format!("sh(\"ip link set dev {port} type bridge_slave proxy_arp off\")"),
        )),
    );
    false
}
