//! Whether a host's INPUT chain lets a tunnel's UDP in (a VXLAN's port). A small matcher of its
//! own, because `chain::decide` judges ICMP only; one function to adapt when chains are
//! evaluated for every protocol.

use super::kernel::Kernel;
use crate::sys::Netns;
use std::net::IpAddr;

/// The UDP datagram as INPUT sees it.
pub(crate) struct Udp<'a> {
    pub(crate) in_dev: &'a str,
    pub(crate) src: IpAddr,
    pub(crate) dst: IpAddr,
    pub(crate) dport: u16,
}

/// The verdict of `ns`'s filter INPUT chain for `u` and the chain and rule that gave it
/// (`None`: the policy); user chains followed (a few levels deep), a rule not understood skipped.
pub(crate) fn input(
    k: &mut dyn Kernel,
    ns: &Netns,
    u: &Udp,
) -> Option<(String, Option<(String, String)>)> {
    walk(k, ns, "INPUT", u, 0)
}

fn walk(
    k: &mut dyn Kernel,
    ns: &Netns,
    chain: &str,
    u: &Udp,
    depth: u8,
) -> Option<(String, Option<(String, String)>)> {
    let c = k.chain(ns, "filter", chain)?;
    for rule in &c.rules {
        let Some(target) = matches(rule, u) else {
            continue;
        };
        match target.as_str() {
            "ACCEPT" | "DROP" | "REJECT" => {
                return Some((target, Some((chain.to_string(), rule.clone()))))
            }
            "RETURN" => return None,
            "" | "LOG" => {}
            user if depth < 8 => {
                if let Some(v) = walk(k, ns, user, u, depth + 1) {
                    return Some(v);
                }
            }
            _ => {}
        }
    }
    c.policy.map(|p| (p, None))
}

/// The rule's target when `u` matches it; `None` when it does not (or is not understood).
fn matches(rule: &str, u: &Udp) -> Option<String> {
    let w: Vec<&str> = rule.split_whitespace().collect();
    let mut target = String::new();
    let (mut i, mut neg) = (0, false);
    while i < w.len() {
        let arg = w.get(i + 1).copied().unwrap_or("");
        let hit = match w[i] {
            "!" => {
                neg = true;
                i += 1;
                continue;
            }
            "-i" => Some(iface(arg, u.in_dev)),
            "-s" => Some(net(arg).is_some_and(|n| n.contains(&u.src))),
            "-d" => Some(net(arg).is_some_and(|n| n.contains(&u.dst))),
            "-p" => Some(matches!(arg, "udp" | "all" | "17")),
            "--dport" | "--destination-port" => Some(port(arg, u.dport)),
            "--ctstate" | "--state" => Some(arg.split(',').any(|s| s == "NEW")),
            "-m" | "--comment" | "-o" => None,
            "-j" | "-g" => {
                target = arg.to_string();
                None
            }
            s if s.starts_with("--") && !target.is_empty() => None,
            _ => return None,
        };
        if hit.is_some_and(|h| h == neg) {
            return None;
        }
        neg = false;
        i += 2;
    }
    Some(target)
}

fn port(spec: &str, p: u16) -> bool {
    match spec.split_once(':') {
        Some((a, b)) => {
            a.parse::<u16>().unwrap_or(0) <= p && p <= b.parse::<u16>().unwrap_or(u16::MAX)
        }
        None => spec.parse::<u16>() == Ok(p),
    }
}

fn iface(pat: &str, name: &str) -> bool {
    match pat.strip_suffix('+') {
        Some(prefix) => name.starts_with(prefix),
        None => pat == name,
    }
}

fn net(s: &str) -> Option<ipnet::IpNet> {
    s.parse()
        .ok()
        .or_else(|| s.parse::<IpAddr>().ok().map(ipnet::IpNet::from))
}
