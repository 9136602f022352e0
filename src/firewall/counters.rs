//! Packet counters of every rule and built-in chain policy, as `iptables-save -c` prints them:
//! read before and after `why`'s probe, the rule whose counter rose and that drops is the
//! kernel's own answer to "which rule dropped it".

use std::path::Path;
use std::process::Command;

/// One counter: a rule (its place in its chain, its spec) or a built-in chain's policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Count {
    pub table: String,
    pub chain: String,
    /// The rule's spec (after `-A CHAIN`); `None` for the chain's policy.
    pub rule: Option<String>,
    /// Its place in the chain, from 1 (0 for the policy).
    pub index: usize,
    /// The policy (`DROP`) or the rule's `-j`/`-g` target.
    pub target: String,
    pub packets: u64,
    /// The bytes it counted (what a `-m quota` rule has used of its quota).
    pub bytes: u64,
}

/// `[12:1008]` → 12.
fn packets(s: &str) -> Option<u64> {
    s.trim_start_matches('[').split(':').next()?.parse().ok()
}

/// `[12:1008]` → 1008.
fn bytes(s: &str) -> Option<u64> {
    s.trim_end_matches(']').split(':').nth(1)?.parse().ok()
}

pub(crate) fn parse(text: &str) -> Vec<Count> {
    let mut out = vec![];
    let mut table = String::new();
    let mut seen: std::collections::HashMap<(String, String), usize> = Default::default();
    for line in text.lines() {
        if let Some(t) = line.strip_prefix('*') {
            table = t.trim().to_string();
        } else if let Some(c) = line.strip_prefix(':') {
            let w: Vec<&str> = c.split_whitespace().collect();
            if let [name, policy, count] = w.as_slice() {
                if *policy != "-" {
                    out.push(Count {
                        table: table.clone(),
                        chain: name.to_string(),
                        rule: None,
                        index: 0,
                        target: policy.to_string(),
                        packets: packets(count).unwrap_or(0),
                        bytes: bytes(count).unwrap_or(0),
                    });
                }
            }
        } else if line.starts_with('[') {
            let Some((count, rest)) = line.split_once(' ') else {
                continue;
            };
            let Some(rest) = rest.strip_prefix("-A ") else {
                continue;
            };
            let (chain, spec) = rest.split_once(' ').unwrap_or((rest, ""));
            let n = seen.entry((table.clone(), chain.to_string())).or_default();
            *n += 1;
            out.push(Count {
                table: table.clone(),
                chain: chain.to_string(),
                rule: Some(spec.to_string()),
                index: *n,
                target: target_of(spec),
                packets: packets(count).unwrap_or(0),
                bytes: bytes(count).unwrap_or(0),
            });
        }
    }
    out
}

/// `PROGRAM -c` (an iptables-save) in the namespace; `None` when it cannot be run.
pub(crate) fn read(ns: Option<&Path>, program: &str) -> Option<Vec<Count>> {
    let program = program.to_string();
    let out = crate::sys::enter::in_netns(ns, move || Command::new(program).arg("-c").output())
        .ok()?
        .ok()?;
    out.status
        .success()
        .then(|| parse(&String::from_utf8_lossy(&out.stdout)))
}

/// A rule's `-j` or `-g` target.
pub(crate) fn target_of(spec: &str) -> String {
    let words: Vec<&str> = spec.split_whitespace().collect();
    words
        .windows(2)
        .find(|w| matches!(w[0], "-j" | "-g"))
        .map(|w| w[1].to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_and_policies_with_their_packets() {
        let text = "# Generated\n*filter\n:INPUT DROP [3:252]\n:FORWARD ACCEPT [0:0]\n:BLOCK - [0:0]\n[0:0] -A INPUT -i lo -j ACCEPT\n[5:420] -A INPUT -m comment --comment \"a b\" -j BLOCK\n[5:420] -A BLOCK -p icmp -j DROP\nCOMMIT\n";
        let c = parse(text);
        assert_eq!(c.len(), 5);
        assert_eq!(
            c[0],
            Count {
                table: "filter".into(),
                chain: "INPUT".into(),
                rule: None,
                index: 0,
                target: "DROP".into(),
                packets: 3,
                bytes: 252
            }
        );
        assert_eq!(
            (c[3].index, c[3].target.as_str(), c[3].packets),
            (2, "BLOCK", 5)
        );
        assert_eq!(c[4].rule.as_deref(), Some("-p icmp -j DROP"));
        assert_eq!((c[4].chain.as_str(), c[4].index), ("BLOCK", 1));
    }
}
