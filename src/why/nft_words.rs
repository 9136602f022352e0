//! How the walk names native nftables chains and rules, and which base chains a hook runs:
//! shared by the nat (prerouting) and forward/postrouting steps.

use super::kernel::Kernel;
use crate::firewall::nft::foreign::ForeignChain;
use crate::firewall::nft::foreign_eval::Step;
use crate::sys::Netns;

/// `n1's nftables nat chain `ip kube-proxy nat-prerouting` (hook prerouting, priority -100)`.
pub(crate) fn head(ns: &Netns, c: &ForeignChain) -> String {
    format!(
        "{ns}'s nftables nat chain `{}` (hook {}, priority {})",
        c.path(),
        c.hook_word(),
        c.priority
    )
}

/// The base chains of `ns` at `hook` for the packet's family (not netdev or bridge), in the
/// kernel's order.
pub(crate) fn chains_at(k: &mut dyn Kernel, ns: &Netns, hook: u32, v4: bool) -> Vec<ForeignChain> {
    let fam = if v4 { "ip" } else { "ip6" };
    let mut c: Vec<ForeignChain> = k
        .foreign(ns)
        .into_iter()
        .filter(|c| c.hook == hook && (c.family == "inet" || c.family == fam))
        .collect();
    c.sort_by_key(|c| c.priority);
    c
}

/// `chain `endpoint-q1` rule handle 7`, with the path from the base chain when it jumped.
pub(crate) fn rule_words(c: &ForeignChain, by: &Step, path: &[Step]) -> String {
    let mut via: Vec<String> = path
        .iter()
        .filter(|s| s.chain != by.chain)
        .map(|s| s.chain.clone())
        .collect();
    via.dedup();
    let from = match via.is_empty() {
        true => String::new(),
        false => format!(", reached from {}", via.join(" → ")),
    };
    let chain = format!("{} {} {}", c.family, c.table, by.chain);
    format!("chain `{chain}` rule handle {}{from}", by.handle)
}
