//! The reply the destination makes (its echo reply, its SYN-ACK) dropped by a native nftables
//! chain of its own on the way out (output, postrouting), after the request got in: named as
//! `nft_policy` names a chain's policy drop (the fix accepts this flow's replies only), else
//! as `nft_foreign` names a chain that may drop it.

use super::drops::Path;
use super::kernel::Kernel;
use super::packet::Packet;
use crate::sys::Netns;

/// The reply to the request `p` that `ns` sends back out of `out_dev`.
fn reply(p: &Packet, out_dev: Option<&str>) -> Packet {
    Packet {
        in_dev: None,
        out_dev: out_dev.unwrap_or_default().to_string(),
        src: p.dst,
        dst: p.src,
        state: "ESTABLISHED",
    }
}

/// The reply to `p` surely dropped by a native chain's policy on its way out of `ns`.
pub(crate) fn reply_policy(
    k: &mut dyn Kernel,
    ns: &Netns,
    p: &Packet,
    out_dev: Option<&str>,
) -> Option<(String, String)> {
    if p.state != "NEW" {
        return None;
    }
    super::nft_policy::policy_drop(k, ns, Path::Output, &reply(p, out_dev))
}

/// A native chain on the reply's way out of `ns` that may drop it (its rules not judged).
pub(crate) fn reply_foreign(
    k: &mut dyn Kernel,
    ns: &Netns,
    p: &Packet,
    out_dev: Option<&str>,
) -> Option<(String, Option<String>)> {
    if p.state != "NEW" {
        return None;
    }
    super::nft_foreign::foreign_drop(k, ns, Path::Output, &reply(p, out_dev))
}
