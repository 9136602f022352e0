//! A port forward that just misses: the connection reached an address of `at` whose port
//! nothing listens on (a RST), while `at`'s nat PREROUTING holds the DNAT (or REDIRECT) meant
//! for it, which fails by one match only: `-i eth1` where the connection comes in on eth0, a
//! `-s` or `-p` of another, or a `-d` naming an address nobody holds any more. The rule is the
//! fault, re-pointed at what the connection really has; "nothing listens" alone would send
//! the user to the wrong namespace.

use super::dnat_scope::{join, only_miss, packet_words};
use super::kernel::Kernel;
use super::nat_near::reachable;
use super::rule_match::{judge, Hold, Seen};
use super::traverse::At;
use super::words::call;
use crate::firewall::rule::shell_words;
use crate::sys::Netns;
use std::net::IpAddr;

/// The cause (after "nothing listens ...; ") and the fix, for the first rule of `at`'s nat
/// PREROUTING (user chains followed) that would translate `p` but for one match.
pub(crate) fn missed(k: &mut dyn Kernel, at: &Netns, p: &Seen) -> Option<(String, String)> {
    let rules = reachable(k, at, "nat", "PREROUTING");
    let met = met_chains(&rules, p);
    for (chain, index, spec) in &rules {
        let words = shell_words(spec).ok()?;
        let Some(to) = translates(&words) else {
            continue;
        };
        if !met.contains(chain) {
            continue;
        }
        let Some((miss, fixed)) = one_miss(k, spec, &words, p) else {
            continue;
        };
        let rule = At {
            table: "nat".into(),
            chain: chain.clone(),
            spec: spec.clone(),
        };
        let cause = format!(
            "{at}'s nat {chain} rule {index} `{}` would {to}, but its `{miss}",
            rule.text()
        );
        let cmd = format!("iptables -t nat -R {chain} {index} {fixed}");
        let fix = call(at, &format!("sh(\"{}\")", cmd.replace('"', "\\\"")));
        return Some((cause, fix));
    }
    None
}

/// What the rule would do to the connection: `DNAT it to 10.0.0.2:80`, `redirect it to port
/// 80`; `None` for a rule that translates no destination.
fn translates(w: &[String]) -> Option<String> {
    let t = w.iter().position(|x| x == "-j")?;
    let after = |opt: &str| {
        w.iter()
            .position(|x| x == opt)
            .and_then(|i| w.get(i + 1).cloned())
    };
    match w.get(t + 1)?.as_str() {
        "DNAT" => Some(format!("DNAT it to {}", after("--to-destination")?)),
        "REDIRECT" => Some(match after("--to-ports") {
            Some(port) => format!("redirect it to port {port}"),
            None => "redirect it here".into(),
        }),
        _ => None,
    }
}

/// The chains the packet gets into: PREROUTING, and each chain a rule it meets jumps to.
fn met_chains(rules: &[(String, usize, String)], p: &Seen) -> Vec<String> {
    let mut met = vec!["PREROUTING".to_string()];
    // Each round adds the chains one jump deeper; a chain graph of a lab is shallow.
    for _ in 0..8 {
        let before = met.len();
        for (chain, _, spec) in rules {
            let w = shell_words(spec).unwrap_or_default();
            let to = w
                .iter()
                .position(|x| x == "-j" || x == "-g")
                .and_then(|i| w.get(i + 1));
            if let Some(to) = to.filter(|t| !met.contains(t)) {
                if met.contains(chain) && judge(spec, p).hold == Hold::Yes {
                    met.push(to.clone());
                }
            }
        }
        if met.len() == before {
            break;
        }
    }
    met
}

/// The one match of `spec` that misses `p`, in words (`-i eth1` does not hold for the packet
/// in on eth0), and the rule re-pointed at what the packet has.
fn one_miss(k: &mut dyn Kernel, spec: &str, w: &[String], p: &Seen) -> Option<(String, String)> {
    if let Some((miss, rest)) = only_miss(spec, p) {
        let said = format!("{miss}` does not hold for {}", packet_words(&miss, p));
        // A positive -i names the outside link it was meant for: the packet's own is that one.
        let i = w.iter().position(|x| x == "-i" || x == "--in-interface");
        let fixed = match (i, p.in_dev.as_deref(), miss.starts_with('!')) {
            (Some(i), Some(real), false) if miss.starts_with("-i") || miss.starts_with("--in") => {
                swap(w, i + 1, real)
            }
            _ => match (proto(p), miss.strip_prefix("-p ")) {
                (Some(real), Some(named)) => as_proto(w, named, real),
                _ => rest,
            },
        };
        return Some((said, fixed));
    }
    stale_dst(k, spec, w, p)
}

/// The protocol of the packet, as `-p` names it; `None` for ICMP (no ports to keep).
fn proto(p: &Seen) -> Option<&'static str> {
    match (p.tcp_port, p.udp_dport) {
        (Some(_), _) => Some("tcp"),
        (_, Some(_)) => Some("udp"),
        _ => None,
    }
}

/// The rule for protocol `real` instead of `named`: its `-p` and the `-m` of its ports both.
fn as_proto(w: &[String], named: &str, real: &str) -> String {
    let mut w = w.to_vec();
    for i in 1..w.len() {
        if matches!(w[i - 1].as_str(), "-p" | "--protocol" | "-m" | "--match") && w[i] == named {
            w[i] = real.to_string();
        }
    }
    join(&w)
}

/// `-d A` for an address nobody holds, where the rule would hold were A the packet's
/// destination: the address the forward was written for has moved.
fn stale_dst(k: &mut dyn Kernel, spec: &str, w: &[String], p: &Seen) -> Option<(String, String)> {
    let i = w.iter().position(|x| x == "-d" || x == "--destination")?;
    if i > 0 && w[i - 1] == "!" {
        return None;
    }
    let named = w.get(i + 1)?;
    let a: IpAddr = named.trim_end_matches("/32").parse().ok()?;
    if a == p.dst || super::owner::owner(k, a).is_some() {
        return None;
    }
    let mut q = p.clone();
    q.dst = a;
    if judge(spec, &q).hold != Hold::Yes {
        return None;
    }
    let said = format!(
        "-d {named}` names an address nobody here holds; the connection is to {}",
        p.dst
    );
    Some((said, swap(w, i + 1, &format!("{}/32", p.dst))))
}

/// The rule's words with word `at` (an option's argument) replaced by `new`, joined again.
fn swap(w: &[String], at: usize, new: &str) -> String {
    let mut w = w.to_vec();
    w[at] = new.to_string();
    join(&w)
}
