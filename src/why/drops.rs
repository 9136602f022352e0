//! The iptables rules that may have dropped a packet inside one namespace, once the packet
//! evidence has pinned it there: every DROP or REJECT (rule or policy) of the chains the packet
//! crosses on that path, in raw, mangle and filter.

use super::chain::decide;
use super::kernel::Kernel;
use super::packet::Packet;
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
    pub(crate) chain: &'static str,
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
        let cmd = match &self.rule {
            Some(r) => format!("iptables -t {} -D {} {r}", self.table, self.chain),
            None => format!("iptables -t {} -P {} ACCEPT", self.table, self.chain),
        };
        call(ns, &format!("exec(\"{}\")", cmd.replace('"', "\\\"")))
    }
}

/// The DROPs `p` may meet in `ns` along `path`: the first terminal rule of each chain when it
/// drops, else every DROP or REJECT rule of the chain whose matches could not be judged.
pub(crate) fn drops(k: &mut dyn Kernel, ns: &Netns, path: Path, p: &Packet) -> Vec<Drop> {
    let mut out = vec![];
    for &(table, chain) in path.chains() {
        let Some(c) = k.chain(ns, table, chain) else {
            continue;
        };
        let d = decide(&c, p);
        if d.target == "DROP" || d.target == "REJECT" {
            out.push(Drop {
                table,
                chain,
                rule: d.rule,
                sure: true,
            });
            continue;
        }
        let mut only = c.clone();
        for r in &c.rules {
            let drops = r.ends_with("-j DROP") || r.contains("-j REJECT");
            only.rules = vec![r.clone()];
            // `decide` skips a rule it cannot judge: that one may match.
            if drops && decide(&only, p).rule.is_none() && !judged_miss(r, p) {
                out.push(Drop {
                    table,
                    chain,
                    rule: Some(r.clone()),
                    sure: false,
                });
            }
        }
    }
    out
}

/// Whether the rule's addresses or links already rule the packet out, whatever else it says.
fn judged_miss(rule: &str, p: &Packet) -> bool {
    let w: Vec<&str> = rule.split_whitespace().collect();
    let mut i = 0;
    while i + 1 < w.len() {
        let (opt, arg) = (w[i], w[i + 1]);
        let neg = i > 0 && w[i - 1] == "!";
        let hit = match opt {
            "-s" => net_has(arg, p.src),
            "-d" => net_has(arg, p.dst),
            "-i" => p.in_dev.as_deref().map(|d| iface(arg, d)),
            "-o" => Some(iface(arg, &p.out_dev)),
            "-p" => Some(matches!(arg, "icmp" | "all" | "1")),
            _ => None,
        };
        if hit.is_some_and(|h| h == neg) {
            return true;
        }
        i += 1;
    }
    false
}

fn net_has(s: &str, ip: std::net::IpAddr) -> Option<bool> {
    let n: Option<ipnet::IpNet> = s
        .parse()
        .ok()
        .or_else(|| s.parse::<std::net::IpAddr>().ok().map(ipnet::IpNet::from));
    n.map(|n| n.contains(&ip))
}

fn iface(pat: &str, name: &str) -> bool {
    match pat.strip_suffix('+') {
        Some(prefix) => name.starts_with(prefix),
        None => pat == name,
    }
}
