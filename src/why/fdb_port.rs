//! A bridge's FDB picks the port a unicast frame leaves by: an entry that puts the target's MAC
//! behind another port (a static one, or a sticky one that learning cannot move) sends the
//! frame there instead of toward the target.

use super::kernel::Kernel;
use super::report::Report;
use super::words::call;
use crate::sys::Netns;

/// `false` (said in `r`) when `br` in `ns` has `mac` (`whose`) behind a port other than `port`.
pub(crate) fn agrees(
    k: &mut dyn Kernel,
    r: &mut Report,
    (ns, br): (&Netns, &str),
    port: &str,
    (mac, whose): (&str, &str),
) -> bool {
    let Some(macs) = k.bridge_macs(ns) else {
        return true;
    };
    let ports: Vec<String> = k
        .links(ns)
        .into_iter()
        .filter(|l| l.master.as_deref() == Some(br))
        .map(|l| l.name)
        .collect();
    let here = |p: &str| {
        macs.iter()
            .any(|(q, m)| q == p && m.eq_ignore_ascii_case(mac))
    };
    // Two links with this MAC: the entry follows whichever sent last (the segment's check
    // names the twins).
    if here(port) || super::mac_twin::shared(k, ns, br, mac) {
        return true;
    }
    let Some((wrong, _)) = macs
        .iter()
        .find(|(p, m)| m.eq_ignore_ascii_case(mac) && p != port && ports.contains(p))
    else {
        return true;
    };
    r.block(
        ns,
        format!(
            "{br} in {ns} has {mac} ({whose}) in its FDB behind {wrong}, so it sends the frame out of {wrong}, not out of {port} toward it"
        ),
        Some(call(
            ns,
            &format!("sh(\"bridge fdb del {mac} dev {wrong} master\")"),
        )),
    );
    false
}
