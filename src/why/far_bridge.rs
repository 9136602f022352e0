//! The bridge at the far end of a tunnel, checked as the near one is: up, and both the VXLAN
//! port and the port toward the next hop forwarding.

use super::kernel::Kernel;
use super::port_state::{forwards, not_isolated};
use super::report::Report;
use super::words::link_call;
use crate::sys::Netns;

/// `false` (said in `r`) when `far_br` in `far` is down or its tunnel port (VNI `id`) or
/// `port` does not forward.
pub(crate) fn far_bridge(
    k: &mut dyn Kernel,
    r: &mut Report,
    far: &Netns,
    far_br: &str,
    id: u32,
    port: &str,
) -> bool {
    let links = k.links(far);
    if links.iter().any(|l| l.name == far_br && !l.up) {
        r.block(
            far,
            format!("the bridge {far_br} in {far} is down"),
            Some(link_call(far, far_br, "up()")),
        );
        return false;
    }
    let tunnel_port = links
        .iter()
        .find(|l| {
            l.master.as_deref() == Some(far_br) && l.vxlan.as_ref().is_some_and(|v| v.id == id)
        })
        .map(|l| l.name.clone());
    tunnel_port
        .as_deref()
        .is_none_or(|t| forwards(k, r, far, t, far_br))
        && forwards(k, r, far, port, far_br)
        && not_isolated(k, r, far, far_br, tunnel_port.as_deref(), port)
}
