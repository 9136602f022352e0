//! A NAT exemption: a nat POSTROUTING rule that ends the chain for the packet (`-j RETURN`,
//! `-j ACCEPT`) placed before the MASQUERADE or SNAT it would have met. The request leaves
//! with its source unchanged, and a far side that only knows the NAT address has no way back.

use super::kernel::Kernel;
use super::nat_near::reachable;
use super::report::Report;
use super::rule_match::{judge, Hold, Seen};
use super::traverse::At;
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

/// Whether a SNAT or MASQUERADE of `ns`'s nat POSTROUTING (or of a chain it jumps to) holds
/// for `s` but an earlier rule that also holds ends the way there without rewriting: a
/// `RETURN` or `ACCEPT` before it in its chain, or an `ACCEPT`/`RETURN` of POSTROUTING before
/// the jump to that chain (libvirt's LIBVIRT_PRT keeps its exemptions and NAT in one chain).
pub(crate) fn exempted(k: &mut dyn Kernel, ns: &Netns, s: &Seen) -> Option<Exempt> {
    let rules = reachable(k, ns, "nat", "POSTROUTING");
    let holds = |spec: &str, targets: &[&str]| {
        let j = judge(spec, s);
        j.hold == Hold::Yes && targets.contains(&j.target.as_str())
    };
    let at = |chain: &str, spec: &str| At {
        table: "nat".into(),
        chain: chain.to_string(),
        spec: spec.to_string(),
    };
    let (chain, n, nat) = rules
        .iter()
        .find(|(_, _, spec)| holds(spec, &["MASQUERADE", "SNAT"]))?;
    let before = |c: &str, upto: usize| {
        rules
            .iter()
            .filter(|(rc, m, _)| rc == c && *m < upto)
            .take_while(|(_, _, spec)| !holds(spec, &["DROP", "REJECT", "MASQUERADE", "SNAT"]))
            // A NAT for marked packets only (kube-proxy's `! --mark 0x4000 -j RETURN`) is meant.
            .find(|(_, _, spec)| holds(spec, &["RETURN", "ACCEPT"]) && !spec.contains("--mark"))
            .map(|(rc, _, spec)| at(rc, spec))
    };
    let jump = |c: &str| {
        rules
            .iter()
            .find(|(rc, _, spec)| rc == "POSTROUTING" && target(spec) == c)
            .map(|(_, m, _)| *m)
    };
    let exempt = before(chain, *n).or_else(|| {
        let j = jump(chain).filter(|_| chain != "POSTROUTING")?;
        before("POSTROUTING", j)
    })?;
    Some(Exempt {
        ns: ns.clone(),
        exempt,
        nat: at(chain, nat),
        src: s.src,
    })
}

/// A rule's `-j`/`-g` target (empty for none).
fn target(spec: &str) -> &str {
    let w: Vec<&str> = spec.split_whitespace().collect();
    w.iter()
        .position(|x| matches!(*x, "-j" | "-g"))
        .and_then(|i| w.get(i + 1).copied())
        .unwrap_or("")
}

/// The reply to the unchanged source finds no way back at `at` (`cause`): name the exemption,
/// with its deletion as the fix.
pub(crate) fn blame(r: &mut Report, e: &Exempt, at: &Netns, cause: &str) {
    let chain = &e.exempt.chain;
    let fix = e.exempt.deleted(&e.ns, false);
    r.block(
        &e.ns,
        format!(
            "{}'s nat {chain} rule `-A {chain} {}` comes before `-A {} {}`, \
             so the request leaves with source {} unchanged: {at} {cause}",
            e.ns, e.exempt.spec, e.nat.chain, e.nat.spec, e.src
        ),
        Some(fix),
    );
}
