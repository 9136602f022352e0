//! A bridge port whose link is down is disabled by the kernel, and `bridge link set … state`
//! is refused there ("Network is down"): the link is the fault, never the port's state. A
//! link held down by protodown (an EVPN multihoming or MLAG daemon's guard) is named as such.

use super::kernel::Kernel;
use super::report::Report;
use super::words::{call, link_call};
use crate::sys::Netns;

/// `true` (said in `r`) when `port` of `br` in `ns` is not forwarding because its link is down.
pub(crate) fn link_down(
    k: &mut dyn Kernel,
    r: &mut Report,
    ns: &Netns,
    port: &str,
    br: &str,
) -> bool {
    let Some(l) = k.links(ns).into_iter().find(|l| l.name == port) else {
        return false;
    };
    if l.up && l.carrier {
        return false;
    }
    let protodown = k.l2(ns).iter().any(|x| x.name == port && x.protodown);
    let (cause, fix) = if protodown {
        (
            format!(
                "{port} in {ns} is protodown (set by a control-plane daemon or by hand): the \
                 kernel keeps it down, so {br} disables it"
            ),
            Some(call(
                ns,
                &format!("sh(\"ip link set {port} protodown off\")"),
            )),
        )
    } else if !l.up {
        (
            format!("{port} in {ns} is down, so {br} disables it"),
            Some(link_call(ns, port, "up()")),
        )
    } else {
        (
            format!("{port} in {ns} has no carrier (NO-CARRIER), so {br} disables it"),
            None,
        )
    };
    r.block(ns, cause, fix);
    true
}
