//! A bridge's FDB entry on the bridge itself (`bridge fdb add MAC dev BR self local`, an
//! admin's "static entry" written on the bridge instead of on its port): the kernel keeps it
//! as the bridge's own address, so frames for that MAC are taken up to the bridge's stack
//! (then routed, or dropped) and never sent out of the port toward the host that holds it.

use super::kernel::Kernel;
use super::report::Report;
use super::words::call;
use crate::sys::Netns;

/// `false` (said in `r`) when `br` in `ns` holds `mac` (`whose`, behind `port`) as its own.
pub(crate) fn not_own(
    k: &mut dyn Kernel,
    r: &mut Report,
    (ns, br): (&Netns, &str),
    port: &str,
    (mac, whose): (&str, &str),
) -> bool {
    let Some(macs) = k.bridge_macs(ns) else {
        return true;
    };
    if !macs
        .iter()
        .any(|(d, m)| d == br && m.eq_ignore_ascii_case(mac))
    {
        return true;
    }
    // A MAC some link of this stack holds (the bridge's own, copied from a port) is rightly
    // local here: only a foreign host's MAC is taken wrongly.
    if k.l2(ns).iter().any(|l| {
        l.mac
            .as_deref()
            .is_some_and(|m| m.eq_ignore_ascii_case(mac))
    }) {
        return true;
    }
    r.block(
        ns,
        format!(
            "{br} in {ns} has a local FDB entry for {mac} ({whose}) on {br} itself (`bridge fdb … dev {br} self local`): it takes the frames for {mac} as its own, up to {ns}'s stack, instead of sending them out of {port}"
        ),
        Some(call(
            ns,
            &format!("sh(\"bridge fdb del {mac} dev {br} self\")"),
        )),
    );
    false
}
