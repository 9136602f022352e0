//! The iptables rules that may have dropped a packet inside one namespace, once the packet
//! evidence has pinned it there: every DROP or REJECT (rule or policy) of the chains the packet
//! crosses on that path, in raw, mangle and filter.

use super::kernel::Kernel;
use super::packet::Packet;
use super::rule_match::Seen;
use super::traverse::traverse;
use super::words::call;
use crate::sys::Netns;

/// The chains a packet crosses: forwarded, delivered to the stack, or sent by it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Path {
    Forward,
    Input,
    Output,
}

impl Path {
    fn chains(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Path::Forward => &[
                ("raw", "PREROUTING"),
                ("mangle", "PREROUTING"),
                ("mangle", "FORWARD"),
                ("filter", "FORWARD"),
                ("mangle", "POSTROUTING"),
            ],
            Path::Input => &[
                ("raw", "PREROUTING"),
                ("mangle", "PREROUTING"),
                ("mangle", "INPUT"),
                ("filter", "INPUT"),
            ],
            Path::Output => &[
                ("raw", "OUTPUT"),
                ("mangle", "OUTPUT"),
                ("filter", "OUTPUT"),
                ("mangle", "POSTROUTING"),
            ],
        }
    }
}

/// One rule (or policy) that drops, as `iptables -t T -A CHAIN …` prints it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Drop {
    pub(crate) table: &'static str,
    pub(crate) chain: String,
    /// The rule's spec; `None` for the chain's policy.
    pub(crate) rule: Option<String>,
    /// The matches were judged and they match (else: a DROP whose matches could not be judged).
    pub(crate) sure: bool,
}

impl Drop {
    pub(crate) fn text(&self) -> String {
        match &self.rule {
            Some(r) => format!("`-t {} -A {} {r}`", self.table, self.chain),
            None => format!("the {} {} policy DROP", self.table, self.chain),
        }
    }

    /// The fix: delete the rule, or set the policy back to ACCEPT.
    pub(crate) fn fix(&self, ns: &Netns) -> String {
        self.fix_by(ns, "iptables")
    }

    /// `fix`, typed to `program` (`iptables-legacy` for x_tables).
    pub(crate) fn fix_by(&self, ns: &Netns, program: &str) -> String {
        let cmd = match &self.rule {
            Some(r) => format!("{program} -t {} -D {} {r}", self.table, self.chain),
            None => format!("{program} -t {} -P {} ACCEPT", self.table, self.chain),
        };
        call(ns, &format!("sh(\"{}\")", cmd.replace('"', "\\\"")))
    }
}

/// The DROPs `p` may meet in `ns` along `path`: where the packet's way through each chain
/// (user chains followed) ends in a drop, else every rule not understood that could drop it.
pub(crate) fn drops(k: &mut dyn Kernel, ns: &Netns, path: Path, p: &Packet) -> Vec<Drop> {
    let seen = p.seen(k, ns);
    drops_seen(k, ns, path, &seen)
}

/// `drops`, for the packet as the rules see it.
pub(crate) fn drops_seen(k: &mut dyn Kernel, ns: &Netns, path: Path, seen: &Seen) -> Vec<Drop> {
    let mut out = vec![];
    for &(table, chain) in path.chains() {
        let Some(o) = traverse(k, ns, table, chain, seen) else {
            continue;
        };
        if o.drops() {
            let (chain, rule) = match &o.by {
                Some(at) => (at.chain.clone(), Some(at.spec.clone())),
                None => (chain.to_string(), None),
            };
            out.push(Drop {
                table,
                chain,
                rule,
                sure: true,
            });
            continue;
        }
        for (at, _) in o.unsure {
            let drops = at.spec.ends_with("-j DROP") || at.spec.contains("-j REJECT");
            if drops {
                out.push(Drop {
                    table,
                    chain: at.chain,
                    rule: Some(at.spec),
                    sure: false,
                });
            }
        }
    }
    out
}
