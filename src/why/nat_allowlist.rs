//! A router's FORWARD allowlist by source, missed because a router before it rewrote the source
//! (a MASQUERADE or SNAT on the way): the request arrives from that router's address, which no
//! ACCEPT names, and meets the policy DROP. The policy is not what changed, the NAT is: said
//! where the packet is dropped, the NAT's rule named and deleted as the fix, when the original
//! source would be accepted there and that router routes it back by the link it came in on.

use super::crossed::Crossed;
use super::kernel::Kernel;
use super::packet::Packet;
use super::report::Report;
use super::route_get::Lookup;
use super::rule_match::Seen;
use super::traverse::{traverse, At};
use super::words::call;
use crate::firewall::nft::foreign_eval::{at_hook, NatKind};
use crate::sys::Netns;
use std::net::IpAddr;

/// The NAT that made `cur`'s FORWARD policy drop the request (in on `i`, out by `out`, from
/// `src` to `dst`): the router that rewrote the source, the source before, its rule.
struct Missed {
    at: Netns,
    orig: IpAddr,
    /// The NAT rule in words (`MASQUERADE `-t nat -A …``), and the command that deletes it.
    nat: (String, String),
    accept: At,
}

/// `cur` has just blocked the request in its filter FORWARD (the last step of `r`): where its
/// policy dropped a source an earlier router's NAT wrote, and the original source would be
/// accepted, the break is said as that NAT's doing and the fix deletes its rule.
pub(crate) fn amend(
    k: &mut dyn Kernel,
    r: &mut Report,
    (cur, i, out): (&Netns, &str, &str),
    (src, dst): (IpAddr, IpAddr),
    crossed: &[Crossed],
) {
    let last_chain = r.crossed_chains.last();
    let in_filter =
        last_chain.is_some_and(|(ns, t, c, _)| ns == cur && t == "filter" && c == "FORWARD");
    let Some(h) = r
        .hops
        .last()
        .filter(|h| !h.ok && h.at == cur.to_string() && in_filter)
    else {
        return;
    };
    // Only the policy drop, bare or with a near-miss rule (which the NAT upstream explains
    // better: the rule misses by the source it rewrote); any other cause said stands.
    const POLICY: &str = "(policy DROP)";
    let Some(end) = h.text.find(POLICY).map(|p| p + POLICY.len()) else {
        return;
    };
    if !(h.text[end..].is_empty() || h.text[end..].starts_with(": rule ")) {
        return;
    }
    let base = h.text[..end].to_string();
    let Some(m) = missed(k, (cur, i, out), (src, dst), crossed) else {
        return;
    };
    let cause = format!(
        "{}: it arrives from {src} ({}'s {} rewrote {}), and rule `{}` would accept the original source",
        base,
        m.at,
        m.nat.0,
        m.orig,
        m.accept.text()
    );
    // By sh: the DSL's iptables() deletes only rules its lab made, and this one was added by hand.
    let fix = call(&m.at, &format!("sh(\"{}\")", m.nat.1.replace('"', "\\\"")));
    if let Some(h) = r.hops.last_mut() {
        h.text = cause.clone();
    }
    r.broken = Some(cause);
    r.fix = Some(fix);
    r.other_way = None;
}

/// The NAT upstream that `cur`'s FORWARD allowlist misses, if the request from `src` is dropped
/// by the policy and the same request from the source before the NAT is accepted by a rule.
fn missed(
    k: &mut dyn Kernel,
    (cur, i, out): (&Netns, &str, &str),
    (src, dst): (IpAddr, IpAddr),
    crossed: &[Crossed],
) -> Option<Missed> {
    // The last router that rewrote the source into the one `cur` sees.
    let c = crossed.iter().rev().find(|c| c.snat.is_some())?;
    let (orig, now) = c.snat?;
    if now != src || c.dnat {
        return None;
    }
    let seen = |k: &mut dyn Kernel, s: IpAddr| {
        Packet {
            in_dev: Some(i.to_string()),
            out_dev: out.to_string(),
            src: s,
            dst,
            state: "NEW",
        }
        .seen(k, cur)
    };
    let nated = seen(k, src);
    let o = traverse(k, cur, "filter", "FORWARD", &nated)?;
    if !o.drops() || o.by.is_some() || o.gone.is_some() || !o.unsure.is_empty() {
        return None;
    }
    let before = seen(k, orig);
    let a = traverse(k, cur, "filter", "FORWARD", &before)?;
    if a.target != "ACCEPT" || !a.unsure.is_empty() {
        return None;
    }
    let accept = a.by?;
    // Without the NAT the reply comes back to the original source: `cur` must route it the
    // way the request came, else the NAT is what carries the way back.
    let back = k.route_get(cur, &Lookup::to(orig)).ok()?;
    if back.dev != i {
        return None;
    }
    // The NAT rule itself, as the router judged the request on its way out.
    let there = Packet {
        in_dev: Some(c.in_dev.clone()),
        out_dev: c.out_dev.clone(),
        src: orig,
        dst,
        state: "NEW",
    }
    .seen(k, &c.ns);
    let n = traverse(k, &c.ns, "nat", "POSTROUTING", &there);
    let nat = match n.filter(|n| matches!(n.target.as_str(), "MASQUERADE" | "SNAT")) {
        Some(n) => {
            let by = n.by?;
            let del = format!("iptables -t nat -D {} {}", by.chain, by.spec);
            (format!("{} `{}`", n.target, by.text()), del)
        }
        None => native(k, &c.ns, &there)?,
    };
    Some(Missed {
        at: c.ns.clone(),
        orig,
        nat,
        accept,
    })
}

/// A native nftables masquerade or `snat to` in `ns`'s postrouting chains that rewrites the
/// request `there`: its words (table, chain, handle) and the command deleting it by handle.
fn native(k: &mut dyn Kernel, ns: &Netns, there: &Seen) -> Option<(String, String)> {
    let post = super::nft_words::chains_at(k, ns, 4, there.dst.is_ipv4());
    let o = at_hook(&post, &super::nft_early::frame(there), None, true);
    let (c, n, path) = o.nat?;
    let kind = match n.kind {
        NatKind::Masquerade => "masquerade",
        NatKind::Snat => "snat",
        _ => return None,
    };
    let words = format!(
        "nftables {kind} ({})",
        super::nft_words::rule_words(&c, &n.by, &path)
    );
    let del = format!(
        "nft delete rule {} {} {} handle {}",
        c.family, c.table, n.by.chain, n.by.handle
    );
    Some((words, del))
}
