//! Native nftables NAT: a `type nat` chain of a table iptables does not own (kube-proxy's
//! nftables mode, a hand-written ruleset). Its rules are followed (`foreign_eval`): a DNAT at
//! prerouting sends the walk to the new destination (or names an address nobody holds), and
//! where a rule is not understood, a `[?]` line names the chain and the walk stops there.
//! Forwarding and postrouting are in `nft_forward`.

use super::kernel::Kernel;
use super::nft_early::{frame, seen_at, what};
use super::nft_words::{chains_at, head, rule_words};
use super::report::Report;
use crate::firewall::nft::foreign::ForeignChain;
use crate::firewall::nft::foreign_eval::{at_hook, NatKind};
use crate::firewall::nft::foreign_judge::Frame;
use crate::sys::Netns;
use std::net::IpAddr;

/// The first nat chain of `ns` at one of `hooks` whose rules may act on `f`, not understood.
pub(crate) fn nat_chain(
    k: &mut dyn Kernel,
    ns: &Netns,
    hooks: &[u32],
    f: &Frame,
) -> Option<ForeignChain> {
    // Followed rule by rule: only a chain whose rules are not all understood may have done
    // what the walk did not see.
    for &h in hooks {
        let chains = chains_at(k, ns, h, f.dst.is_ipv4());
        let o = at_hook(&chains, f, None, true);
        if o.nat.is_none() {
            if let Some((c, _)) = o.maybe.into_iter().find(|(c, _)| c.kind == "nat") {
                return Some(c);
            }
        }
    }
    None
}

/// The request from `src` to `dst` arriving on `dev` in `ns`: the native chains at prerouting
/// run on it. Where it goes after them (a DNAT), or `None` when the walk stops (said in `r`:
/// a DNAT to an address nobody holds, a drop, or a nat rule not understood).
pub(crate) fn on_arrival(
    k: &mut dyn Kernel,
    r: &mut Report,
    ns: &Netns,
    dev: &str,
    (src, dst): (IpAddr, IpAddr),
) -> Option<IpAddr> {
    let chains = chains_at(k, ns, 0, dst.is_ipv4());
    if chains.is_empty() {
        return Some(dst);
    }
    let s = seen_at(k, ns, dev, (src, dst), true);
    let f = frame(&s);
    let o = at_hook(&chains, &f, Some(k.mark_in(ns)), true);
    if o.maybe.iter().any(|(c, _)| c.kind == "nat") && o.nat.is_none() {
        let c = o.maybe.iter().find(|(c, _)| c.kind == "nat")?.0.clone();
        say_unsure(r, ns, &c, &s);
        return None;
    }
    if let Some(m) = o.mark {
        k.set_mark(ns, m);
    }
    if let Some(by) = o.mark_by.clone() {
        r.nft_mark_by = Some((ns.clone(), by));
    }
    if super::nft_forward::dropped(k, r, ns, &o, &f) {
        return None;
    }
    let Some((c, nat, path)) = o.nat.filter(|(_, n, _)| n.kind == NatKind::Dnat) else {
        return Some(dst);
    };
    let d = nat.addr?;
    let by = rule_words(&c, &nat.by, &path);
    if super::owner::owner(k, d).is_none() {
        r.block(
            ns,
            format!(
                "{ns}'s nftables DNAT sends {} to {d}, which no namespace here holds ({by}: dnat to {d})",
                what(&s)
            ),
            super::dnat_target::give_back(k, ns, d),
        );
        return None;
    }
    let port = nat.port.map(|p| format!(":{p}")).unwrap_or_default();
    r.hop(
        ns,
        format!("nftables DNAT: destination {dst} becomes {d}{port} ({by})"),
    );
    r.dnat_to = Some(d);
    Some(d)
}

/// A nat chain whose rules are not all understood: where the packet goes next is not known.
fn say_unsure(r: &mut Report, ns: &Netns, c: &ForeignChain, s: &super::rule_match::Seen) {
    r.unsure(
        ns,
        format!(
            "{} may rewrite {} (its NAT rules are not understood, may match; where it goes next is left to the probe)",
            head(ns, c),
            what(s)
        ),
    );
}
