//! A bridge with ageing_time 0 (made a "hub" for a capture) forgets every MAC it learns at
//! once: each unicast frame is unknown and flooded, so a port with `flood off` never gets the
//! frames for the host behind it (a static FDB entry on the port still would).

use super::kernel::Kernel;
use super::report::Report;
use super::words::call;
use crate::sys::Netns;

/// `false` (said in `r`) when `port` of `br` in `ns` floods no unknown unicast, `br` keeps no
/// learned MAC, and no FDB entry puts `mac` (`whose`) behind `port`.
pub(crate) fn delivered(
    k: &mut dyn Kernel,
    r: &mut Report,
    (ns, br): (&Netns, &str),
    port: &str,
    (mac, whose): (&str, &str),
) -> bool {
    let l2 = k.l2(ns);
    let flood_off = l2
        .iter()
        .any(|l| l.name == port && l.port_flood == Some(false));
    let forgets = l2.iter().any(|l| l.name == br && l.ageing_time == Some(0));
    if !flood_off || !forgets {
        return true;
    }
    let held = k.bridge_macs(ns).is_none_or(|m| {
        m.iter()
            .any(|(p, m)| p == port && m.eq_ignore_ascii_case(mac))
    });
    if held {
        return true;
    }
    r.block(
        ns,
        format!(
            "{br} in {ns} has ageing_time 0: it forgets {mac} ({whose}) as soon as it learns it, so every unicast frame for it is unknown and flooded, and {port}, the port toward it, has flood off: the frame is never sent out of {port} (or restore ageing: `ip link set {br} type bridge ageing_time 30000`, then flush the sender's neighbour entry)"
        ),
        Some(call(
            ns,
            &format!("sh(\"bridge link set dev {port} flood on\")"),
        )),
    );
    false
}
