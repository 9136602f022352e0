//! A packet lost where no rule netsh reads explains it, in a namespace whose iptables rules
//! are nf_tables but which also holds x_tables (iptables-legacy) chains: the kernel runs both
//! on the same hooks, so a legacy DROP policy or rule drops what the nf_tables rules accept.
//! The legacy chains are judged like the others; the fix is typed to iptables-legacy.

use super::delegate::Delegate;
use super::drops::{drops_seen, Drop, Path};
use super::kernel::Kernel;
use super::packet::Packet;
use crate::firewall::chain::Chain;
use crate::sys::Netns;

/// The kernel, with its x_tables chains in place of the chains `chain` reads: what
/// `traverse` walks to judge the legacy rules.
struct Legacy<'a> {
    inner: &'a mut dyn Kernel,
}

impl Delegate for Legacy<'_> {
    fn inner(&mut self) -> &mut dyn Kernel {
        self.inner
    }
    fn chain_read(&mut self, ns: &Netns, table: &str, chain: &str) -> Option<Chain> {
        self.inner.legacy_chain(ns, table, chain)
    }
    /// ip6tables-legacy is not read: no IPv6 chain stands in for a legacy one.
    fn chain6_read(&mut self, _ns: &Netns, _table: &str, _chain: &str) -> Option<Chain> {
        None
    }
}

/// The x_tables drop `p` meets in `ns` along `path`: (cause, fix).
pub(crate) fn legacy_drop(
    k: &mut dyn Kernel,
    ns: &Netns,
    path: Path,
    p: &Packet,
) -> Option<(String, String)> {
    let seen = p.seen(k, ns);
    let found: Vec<Drop> = drops_seen(&mut Legacy { inner: k }, ns, path, &seen);
    let head = format!("{ns}'s iptables-legacy (x_tables, run beside its nf_tables rules)");
    if let Some(d) = found.iter().find(|d| d.sure) {
        return Some((
            format!("{head} drops it by {}", d.text()),
            d.fix_by(ns, "iptables-legacy"),
        ));
    }
    let d = found.first()?;
    Some((
        format!(
            "{head} may drop it by {} (a match netsh cannot judge)",
            d.text()
        ),
        d.fix_by(ns, "iptables-legacy"),
    ))
}
