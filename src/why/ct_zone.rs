//! Conntrack zones: a raw rule `-j CT --zone N` files a connection in zone N, and a packet is
//! looked up only in its own zone. When the request is NATed in one zone and its replies
//! arrive in another, they miss the entry: never turned back, delivered to the router itself.
//! Without NAT they miss it too: to a stateful FORWARD they are no reply of a connection
//! (INVALID), and its rule for "everything else" drops them.

use super::kernel::Kernel;
use super::report::Report;
use super::rule_match::{judge, Hold, Seen};
use super::traverse::At;
use crate::sys::Netns;
use std::net::IpAddr;

/// A router whose request and replies fall in different conntrack zones.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ZoneSplit {
    pub(crate) ns: Netns,
    /// The raw rule that gave the request its zone, else the one the reply's.
    pub(crate) rule: At,
    pub(crate) request: u16,
    pub(crate) reply: u16,
    /// Whether `rule` is the request's (else the replies').
    pub(crate) on_request: bool,
    /// The link the replies arrive on.
    pub(crate) reply_in: String,
    /// The NAT the replies miss (`MASQUERADE`, `SNAT`).
    pub(crate) nat: String,
}

/// The first raw rule of `chain` (the built-in chain only) that attaches a conntrack template
/// to `p` (`-j CT …`, `-j NOTRACK`): the kernel keeps the first and ignores later ones.
pub(crate) fn ct_rule(k: &mut dyn Kernel, ns: &Netns, chain: &str, p: &Seen) -> Option<At> {
    for spec in k.chain(ns, "raw", chain)?.rules {
        let j = judge(&spec, p);
        if j.hold != Hold::Yes {
            continue;
        }
        match j.target.as_str() {
            "CT" | "NOTRACK" => {
                return Some(At {
                    table: "raw".into(),
                    chain: chain.into(),
                    spec,
                })
            }
            "ACCEPT" | "DROP" | "REJECT" => return None,
            _ => {}
        }
    }
    None
}

/// The zone of a connection's reply direction that a CT rule gives (both ways for `--zone`,
/// none for `--zone-orig`); `None` when not a number (`--zone mark`: not judged).
fn reply_zone(rule: Option<&At>) -> Option<u16> {
    let Some(rule) = rule else { return Some(0) };
    let w: Vec<&str> = rule.spec.split_whitespace().collect();
    let arg = |f: &str| w.iter().position(|x| *x == f).and_then(|i| w.get(i + 1));
    if let Some(z) = arg("--zone").or_else(|| arg("--zone-reply")) {
        return z.parse().ok();
    }
    Some(0)
}

/// Whether the request `req` (as raw PREROUTING of `ns` sees it) and its reply `back` (coming
/// in, its destination the NATed source) fall in different zones.
pub(crate) fn split(k: &mut dyn Kernel, ns: &Netns, req: &Seen, back: &Seen) -> Option<ZoneSplit> {
    let a = ct_rule(k, ns, "PREROUTING", req);
    if a.as_ref().is_some_and(|a| a.spec.contains("--notrack")) {
        return None;
    }
    let b = ct_rule(k, ns, "PREROUTING", back);
    let (request, reply) = (reply_zone(a.as_ref())?, reply_zone(b.as_ref())?);
    if request == reply {
        return None;
    }
    Some(ZoneSplit {
        ns: ns.clone(),
        on_request: a.is_some(),
        rule: a.or(b)?,
        request,
        reply,
        reply_in: back.in_dev.clone()?,
        nat: String::new(),
    })
}

/// The reply `back` (as `ns`'s raw PREROUTING sees it; `through`, as its FORWARD does)
/// crossing `ns`, where the request was
/// filed in another zone: `true` (said in `r`) when filter FORWARD drops it as the INVALID
/// packet it then is, though it would let it by as the reply it should be.
pub(crate) fn replies_unmatched(
    k: &mut dyn Kernel,
    r: &mut Report,
    ns: &Netns,
    (back, through): (&Seen, &Seen),
) -> bool {
    let req = r
        .crossed_chains
        .iter()
        .find(|(n, t, c, p)| n == ns && t == "raw" && c == "PREROUTING" && p.request())
        .map(|(_, _, _, p)| p.clone());
    let Some(z) = req.and_then(|req| split(k, ns, &req, back)) else {
        return false;
    };
    let mut lost = through.clone();
    lost.state = "INVALID";
    let Some(o) = super::traverse::traverse(k, ns, "filter", "FORWARD", &lost) else {
        return false;
    };
    if !o.drops() {
        return false;
    }
    let fix = z.rule.deleted(ns, false);
    let (a, b, i) = (z.request, z.reply, &z.reply_in);
    r.block(
        ns,
        format!(
            "{ns}'s raw rule `{}` puts the request in conntrack zone {a}, its replies arriving on {i} in zone {b}: they match no connection there, so its FORWARD {} {} them (INVALID)",
            z.rule.text(),
            o.by_words(),
            o.verb()
        ),
        Some(fix),
    );
    true
}

impl ZoneSplit {
    /// Said where conntrack should have turned the reply to `to` back to `from`.
    pub(crate) fn blame(&self, r: &mut Report, from: IpAddr) {
        let nat = &self.nat;
        let fix = self.rule.deleted(&self.ns, false);
        let (z, i) = (self.reply, &self.reply_in);
        let whose = if self.on_request {
            format!("puts the request in conntrack zone {}, its replies arriving on {i} are in zone {z}", self.request)
        } else {
            format!(
                "puts the replies arriving on {i} in conntrack zone {z}, the request is in zone {}",
                self.request
            )
        };
        r.block(
            &self.ns,
            format!(
                "{}'s raw rule `{}` {whose}: they miss the {nat} entry and are never turned back to {from}",
                self.ns,
                self.rule.text(),
            ),
            Some(fix),
        );
    }
}
