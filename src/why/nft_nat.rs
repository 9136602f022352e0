//! Native nftables NAT: a `type nat` chain of a table iptables does not own (kube-proxy's
//! nftables mode, a hand-written ruleset). Its rules jump through user chains and verdict
//! maps netsh does not follow, so where one may act on the packet, where it goes next is not
//! known: a `[?]` line naming the chain, and nothing downstream blamed as if it were untouched.

use super::kernel::Kernel;
use super::nft_early::{frame, seen_at, what};
use super::report::Report;
use crate::firewall::nft::foreign::ForeignChain;
use crate::firewall::nft::foreign_judge::Frame;
use crate::sys::Netns;
use std::net::IpAddr;

/// The first nat chain of `ns` at one of `hooks` whose rules may act on `f`.
pub(crate) fn nat_chain(
    k: &mut dyn Kernel,
    ns: &Netns,
    hooks: &[u32],
    f: &Frame,
) -> Option<ForeignChain> {
    let fam = if f.dst.is_ipv4() { "ip" } else { "ip6" };
    let mut c: Vec<ForeignChain> = k
        .foreign(ns)
        .into_iter()
        .filter(|c| c.kind == "nat" && (c.family == "inet" || c.family == fam))
        .filter(|c| hooks.contains(&c.hook) && c.may_act(f))
        .collect();
    c.sort_by_key(|c| (c.hook, c.priority));
    c.into_iter().next()
}

/// `n1's nftables nat chain `ip kube-proxy nat-prerouting` (hook prerouting, priority -100)`.
pub(crate) fn head(ns: &Netns, c: &ForeignChain) -> String {
    format!(
        "{ns}'s nftables nat chain `{}` (hook {}, priority {})",
        c.path(),
        c.hook_word(),
        c.priority
    )
}

/// The request from `src` to `dst` arriving on `dev` in `ns`: true (said in `r` as `[?]`)
/// when a native nat chain at prerouting may rewrite it, so the walk stops there.
pub(crate) fn rewritten_on_arrival(
    k: &mut dyn Kernel,
    r: &mut Report,
    ns: &Netns,
    dev: &str,
    (src, dst): (IpAddr, IpAddr),
) -> bool {
    let s = seen_at(k, ns, dev, (src, dst), true);
    let f = frame(&s);
    let Some(c) = nat_chain(k, ns, &[0], &f) else {
        return false;
    };
    r.unsure(
        ns,
        format!(
            "{} may rewrite {} (its NAT rules are not understood, may match; where it goes next is left to the probe)",
            head(ns, &c),
            what(&s)
        ),
    );
    true
}
