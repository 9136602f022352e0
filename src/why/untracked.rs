//! A packet the raw table untracks (`-j NOTRACK`, `-j CT --notrack`) has no conntrack entry,
//! and NAT lives in conntrack: a router's MASQUERADE or SNAT never rewrites it, so the replies
//! head for the first source, which the far side may have no route to.

use super::kernel::Kernel;
use super::report::Report;
use super::rule_match::Seen;
use super::traverse::{traverse, At};
use super::words::call;
use crate::sys::Netns;

/// A router where raw untracked the request before its nat POSTROUTING could rewrite it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Untracked {
    pub(crate) ns: Netns,
    /// The raw rule that untracked the packet.
    pub(crate) notrack: At,
    /// The SNAT or MASQUERADE rule that would have matched.
    pub(crate) nat: At,
}

/// Whether raw PREROUTING untracks the forwarded packet `s` in `ns` while nat POSTROUTING
/// would rewrite its source.
pub(crate) fn skipped_snat(k: &mut dyn Kernel, ns: &Netns, s: &Seen) -> Option<Untracked> {
    let mut pre = s.clone();
    pre.out_dev = None;
    let raw = traverse(k, ns, "raw", "PREROUTING", &pre)?;
    // `-j CT --notrack` lets the packet on (CT is not a verdict): the first CT rule decides.
    let notrack = raw
        .by
        .filter(untracks)
        .or_else(|| super::ct_zone::ct_rule(k, ns, "PREROUTING", &pre).filter(untracks))?;
    let nat = traverse(k, ns, "nat", "POSTROUTING", s)?;
    if !matches!(nat.target.as_str(), "MASQUERADE" | "SNAT") {
        return None;
    }
    Some(Untracked {
        ns: ns.clone(),
        notrack,
        nat: nat.by?,
    })
}

/// Whether a raw rule's target untracks (`iptables-nft -S` prints `-j CT --notrack`).
pub(crate) fn untracks(a: &At) -> bool {
    a.spec.ends_with("-j NOTRACK") || a.spec.contains("-j CT --notrack")
}

/// The reply to the untouched source finds no way back at `at` (`cause`): name the raw rule
/// that kept the source from being rewritten, with its deletion as the fix.
pub(crate) fn blame(r: &mut Report, u: &Untracked, at: &Netns, cause: &str) {
    let rule = u.notrack.spec.replace('"', "\\\"");
    let fix = call(
        &u.ns,
        &format!("sh(\"iptables -t raw -D {} {rule}\")", u.notrack.chain),
    );
    r.block(
        &u.ns,
        format!(
            "{}'s raw rule `{}` untracks the request, so its rule `{}` never rewrites the \
             source: {at} {cause}",
            u.ns,
            u.notrack.text(),
            u.nat.text()
        ),
        Some(fix),
    );
}
