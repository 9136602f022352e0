//! A NAT exemption: a nat POSTROUTING rule that ends the chain for the packet (`-j RETURN`,
//! `-j ACCEPT`) placed before the MASQUERADE or SNAT it would have met. The request leaves
//! with its source unchanged, and a far side that only knows the NAT address has no way back.

use super::kernel::Kernel;
use super::report::Report;
use super::rule_match::{judge, Hold, Seen};
use super::traverse::At;
use super::words::call;
use crate::sys::Netns;
use std::net::IpAddr;

/// A router whose nat POSTROUTING let the request go un-NATed by an earlier rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Exempt {
    pub(crate) ns: Netns,
    /// The rule that ended the chain for the packet.
    pub(crate) exempt: At,
    /// The SNAT or MASQUERADE rule after it that would have matched.
    pub(crate) nat: At,
    pub(crate) src: IpAddr,
}

/// Whether the first rule of `ns`'s nat POSTROUTING that holds for `s` ends the chain without
/// rewriting while a later SNAT or MASQUERADE of the same chain would have rewritten it.
pub(crate) fn exempted(k: &mut dyn Kernel, ns: &Netns, s: &Seen) -> Option<Exempt> {
    let rules = k.chain(ns, "nat", "POSTROUTING")?.rules;
    let at = |spec: &String| At {
        table: "nat".into(),
        chain: "POSTROUTING".into(),
        spec: spec.clone(),
    };
    let mut first: Option<At> = None;
    for spec in &rules {
        let j = judge(spec, s);
        if !matches!(j.hold, Hold::Yes) {
            continue;
        }
        match (j.target.as_str(), &first) {
            ("RETURN" | "ACCEPT", None) => first = Some(at(spec)),
            ("MASQUERADE" | "SNAT", Some(e)) => {
                return Some(Exempt {
                    ns: ns.clone(),
                    exempt: e.clone(),
                    nat: at(spec),
                    src: s.src,
                })
            }
            // Counters, logs and marks let the packet on; anything else decides otherwise.
            ("" | "LOG" | "NFLOG" | "MARK" | "CONNMARK", _) => {}
            (_, None) => return None,
            _ => {}
        }
    }
    None
}

/// The reply to the unchanged source finds no way back at `at` (`cause`): name the exemption,
/// with its deletion as the fix.
pub(crate) fn blame(r: &mut Report, e: &Exempt, at: &Netns, cause: &str) {
    let rule = e.exempt.spec.replace('"', "\\\"");
    let fix = call(
        &e.ns,
        &format!("sh(\"iptables -t nat -D POSTROUTING {rule}\")"),
    );
    r.block(
        &e.ns,
        format!(
            "{}'s nat POSTROUTING rule `-A POSTROUTING {}` comes before `-A POSTROUTING {}`, \
             so the request leaves with source {} unchanged: {at} {cause}",
            e.ns, e.exempt.spec, e.nat.spec, e.src
        ),
        Some(fix),
    );
}
