//! The iptables rules that may have dropped a packet inside one namespace, once the packet
//! evidence has pinned it there: every DROP or REJECT (rule or policy) of the chains the packet
//! crosses on that path, in raw, mangle and filter. A policy's fix accepts just the flow.

use super::flow_match::flow_matches;
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
    /// For a policy: the matches of the rules that let just this flow through it (the request,
    /// and in FORWARD its reply when the policy drops that too): the policy stays.
    pub(crate) flow: Vec<String>,
    /// The flow is IPv6: its rules are ip6tables'.
    pub(crate) v6: bool,
}

impl Drop {
    pub(crate) fn text(&self) -> String {
        match &self.rule {
            Some(r) => format!("`-t {} -A {} {r}`", self.table, self.chain),
            None => format!("the {} {} policy DROP", self.table, self.chain),
        }
    }

    /// The fix: delete the rule; before a policy, accept just this flow (never the policy
    /// turned to ACCEPT: that opens the chain to everything).
    pub(crate) fn fix(&self, ns: &Netns) -> String {
        self.fix_by(ns, "iptables")
    }

    /// `fix`, typed to `program` (`iptables-legacy` for x_tables).
    pub(crate) fn fix_by(&self, ns: &Netns, program: &str) -> String {
        let sh = |cmd: String| call(ns, &format!("sh(\"{}\")", cmd.replace('"', "\\\"")));
        if let Some(r) = &self.rule {
            return sh(format!("{program} -t {} -D {} {r}", self.table, self.chain));
        }
        let program = match program {
            "iptables" if self.v6 => "ip6tables",
            p => p,
        };
        let accepts: Vec<String> = self
            .flow
            .iter()
            .map(|m| {
                sh(format!(
                    "{program} -t {} -I {} 1 {m} -j ACCEPT",
                    self.table, self.chain
                ))
            })
            .collect();
        accepts.join("; ")
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
            let (chain, rule, flow) = match &o.by {
                Some(at) => (at.chain.clone(), Some(at.spec.clone()), vec![]),
                None => (chain.to_string(), None, flow(k, ns, (table, chain), seen)),
            };
            out.push(Drop {
                table,
                chain,
                rule,
                sure: true,
                flow,
                v6: seen.dst.is_ipv6(),
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
                    flow: vec![],
                    v6: seen.dst.is_ipv6(),
                });
            }
        }
    }
    out
}

/// The matches that let `seen` through a chain whose policy drops it; in FORWARD, which the
/// reply crosses too, also the reply's when the policy would drop that (or might).
fn flow(k: &mut dyn Kernel, ns: &Netns, (table, chain): (&str, &str), seen: &Seen) -> Vec<String> {
    let mut out = vec![flow_matches(table, chain, seen)];
    if chain != "FORWARD" || !seen.request() {
        return out;
    }
    let back = seen.reply();
    if let Some(o) = traverse(k, ns, table, chain, &back) {
        if o.drops() || !o.unsure.is_empty() {
            out.push(flow_matches(table, chain, &back));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(chain: &str, flow: &[&str]) -> Drop {
        Drop {
            table: "filter",
            chain: chain.into(),
            rule: None,
            sure: true,
            flow: flow.iter().map(|f| f.to_string()).collect(),
            v6: false,
        }
    }

    #[test]
    fn a_policy_is_answered_with_an_accept_for_the_flow_never_policy_accept() {
        let ns = Netns::Named("r".into());
        let d = policy(
            "FORWARD",
            &[
                "-i a -o b -s 10.0.0.1 -d 10.0.1.2 -p icmp",
                "-i b -o a -m conntrack --ctstate RELATED,ESTABLISHED",
            ],
        );
        assert_eq!(
            d.fix_by(&ns, "iptables-legacy"),
            "r.sh(\"iptables-legacy -t filter -I FORWARD 1 -i a -o b -s 10.0.0.1 -d 10.0.1.2 -p icmp -j ACCEPT\"); \
             r.sh(\"iptables-legacy -t filter -I FORWARD 1 -i b -o a -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\")"
        );
        let tcp = policy("INPUT", &["-i a -s 10.0.0.1 -d 10.0.1.2 -p tcp --dport 80"]);
        assert_eq!(
            tcp.fix(&ns),
            "r.sh(\"iptables -t filter -I INPUT 1 -i a -s 10.0.0.1 -d 10.0.1.2 -p tcp --dport 80 -j ACCEPT\")"
        );
        assert!(!tcp.fix(&ns).contains("-P "));
    }
}
