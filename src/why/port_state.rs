//! A bridge port forwards frames only in the forwarding state: disabled, listening, learning
//! and blocking ports (STP, or `bridge link set dev X state N`) drop what they carry.

use super::kernel::Kernel;
use super::link_l2::{state_word, FORWARDING};
use super::report::Report;
use super::words::call;
use crate::sys::Netns;

/// `false` (said in `r`) when `port` of `br` in `ns` does not forward.
pub(crate) fn forwards(
    k: &mut dyn Kernel,
    r: &mut Report,
    ns: &Netns,
    port: &str,
    br: &str,
) -> bool {
    // A port of a bridge that is down is disabled: the bridge is named, not the port.
    if k.links(ns).iter().any(|b| b.name == br && !b.up) {
        return true;
    }
    let state = k
        .l2(ns)
        .into_iter()
        .find(|l| l.name == port)
        .and_then(|l| l.port_state);
    match state {
        Some(s) if s != FORWARDING => {
            let what = format!("{port}, a port of {br} in {ns}, is {}", state_word(s));
            if super::dead_peer::cut_off(k, r, ns, port, &what) {
                return false;
            }
            r.block(
                ns,
                format!(
                    "{port}, a port of {br} in {ns}, is in the {} state: it forwards no frames",
                    state_word(s)
                ),
                Some(call(
                    ns,
                    &format!("exec(\"bridge link set dev {port} state 3\")"),
                )),
            );
            false
        }
        _ => super::port_vlan::in_vlan(k, r, ns, port, br),
    }
}
