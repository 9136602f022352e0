//! Which rule of an iptables chain a packet meets first.

use super::decision::Decision;
use super::packet::Packet;
use crate::firewall::chain::Chain;
use ipnet::IpNet;
use std::net::IpAddr;

const TERMINAL: [&str; 6] = ["ACCEPT", "DROP", "REJECT", "MASQUERADE", "SNAT", "RETURN"];

/// The first terminal rule the packet matches, else the policy. Jumps to user chains are
/// not followed (they usually RETURN); a rule with a match we cannot judge is skipped.
pub(crate) fn decide(chain: &Chain, p: &Packet) -> Decision {
    for r in &chain.rules {
        let Some(m) = matches(r, p) else { continue };
        if m.0 && TERMINAL.contains(&m.1.as_str()) {
            return Decision {
                target: m.1,
                rule: Some(r.clone()),
                to_source: m.2,
            };
        }
    }
    Decision {
        target: chain.policy.clone().unwrap_or_else(|| "ACCEPT".into()),
        rule: None,
        to_source: None,
    }
}

/// (matches, target, SNAT source), or `None` for a rule we cannot judge.
fn matches(rule: &str, p: &Packet) -> Option<(bool, String, Option<IpAddr>)> {
    let w: Vec<&str> = rule.split_whitespace().collect();
    let mut ok = true;
    let mut target = String::new();
    let mut to_source = None;
    let mut neg = false;
    let mut i = 0;
    while i < w.len() {
        let arg = w.get(i + 1).copied().unwrap_or("");
        let hit = match w[i] {
            "!" => {
                neg = true;
                i += 1;
                continue;
            }
            "-i" => Some(p.in_dev.as_deref().is_some_and(|d| iface(arg, d))),
            "-o" => Some(iface(arg, &p.out_dev)),
            "-s" => Some(net(arg).is_some_and(|n| n.contains(&p.src))),
            "-d" => Some(net(arg).is_some_and(|n| n.contains(&p.dst))),
            "-p" => Some(matches!(arg, "icmp" | "all" | "1")),
            "--ctstate" | "--state" => Some(arg.split(',').any(|s| s == p.state)),
            "-m" | "--comment" => None,
            "-j" => {
                target = arg.to_string();
                None
            }
            "--to-source" => {
                to_source = arg.split([':', '-']).next().and_then(|a| a.parse().ok());
                None
            }
            s if s.starts_with("--") => {
                // An option of the target (`--reject-with`), harmless; anything else we cannot judge.
                if target.is_empty() {
                    return None;
                }
                None
            }
            _ => None,
        };
        if let Some(h) = hit {
            ok &= h != neg;
        }
        neg = false;
        i += 2;
    }
    Some((ok, target, to_source))
}

/// `eth+` matches every name starting with `eth`.
fn iface(pat: &str, name: &str) -> bool {
    match pat.strip_suffix('+') {
        Some(prefix) => name.starts_with(prefix),
        None => pat == name,
    }
}

fn net(s: &str) -> Option<IpNet> {
    s.parse()
        .ok()
        .or_else(|| s.parse::<IpAddr>().ok().map(IpNet::from))
}
