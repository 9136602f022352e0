//! A packet lost where no rule netsh reads explains it, in a namespace whose iptables rules
//! are nf_tables but which also holds x_tables (iptables-legacy) chains: the kernel runs both
//! on the same hooks, so a legacy DROP policy or rule drops what the nf_tables rules accept.
//! The legacy chains are judged like the others; the fix is typed to iptables-legacy.

use super::drops::{drops_seen, Drop, Path};
use super::fib::Fib;
use super::kernel::Kernel;
use super::link_detail::LinkDetail;
use super::packet::Packet;
use super::route_get::{Lookup, Refusal, RouteGet};
use crate::firewall::chain::Chain;
use crate::plan::view::NsView;
use crate::sys::Netns;

/// The kernel, with its x_tables chains in place of the chains `chain` reads: what
/// `traverse` walks to judge the legacy rules.
struct Legacy<'a> {
    inner: &'a mut dyn Kernel,
}

impl Kernel for Legacy<'_> {
    fn namespaces(&mut self) -> Vec<Netns> {
        self.inner.namespaces()
    }
    fn view(&mut self, ns: &Netns) -> Option<NsView> {
        self.inner.view(ns)
    }
    fn links(&mut self, ns: &Netns) -> Vec<LinkDetail> {
        self.inner.links(ns)
    }
    fn route_get(&mut self, ns: &Netns, q: &Lookup) -> Result<RouteGet, Refusal> {
        self.inner.route_get(ns, q)
    }
    fn fib(&mut self, ns: &Netns) -> Fib {
        self.inner.fib(ns)
    }
    fn sysctl(&mut self, ns: &Netns, key: &str) -> Option<String> {
        self.inner.sysctl(ns, key)
    }
    fn chain(&mut self, ns: &Netns, table: &str, chain: &str) -> Option<Chain> {
        self.inner.legacy_chain(ns, table, chain)
    }
    fn ipsets(&mut self, ns: &Netns) -> Option<super::ipset_table::IpSets> {
        self.inner.ipsets(ns)
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
