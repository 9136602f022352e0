//! A host that rate-limits its own echo replies: net.ipv4.icmp_ratemask with bit 0 (echo
//! reply) and a net.ipv4.icmp_ratelimit above 0 let one reply per that many ms to a peer
//! (after a burst), so a probe after a few pings gets none.

use super::kernel::Kernel;
use super::words::call;
use crate::sys::Netns;

/// The cause (after `what`) and its fix, when `ns` rate-limits echo replies.
pub(crate) fn limited(k: &mut dyn Kernel, ns: &Netns, what: &str) -> Option<(String, String)> {
    let mask: u32 = k
        .sysctl(ns, "net.ipv4.icmp_ratemask")?
        .trim()
        .parse()
        .ok()?;
    let ms: u64 = k
        .sysctl(ns, "net.ipv4.icmp_ratelimit")?
        .trim()
        .parse()
        .ok()?;
    if mask & 1 == 0 || ms == 0 {
        return None;
    }
    let cause = format!(
        "{what}: {ns} rate-limits its echo replies (net.ipv4.icmp_ratemask {mask} has bit 0, \
         echo reply; net.ipv4.icmp_ratelimit is {ms} ms between replies to one peer)"
    );
    let fix = call(
        ns,
        &format!("sh(\"sysctl -w net.ipv4.icmp_ratemask={}\")", mask & !1),
    );
    Some((cause, fix))
}
