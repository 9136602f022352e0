//! A Service address (a kube-proxy ClusterIP, a DNATed VIP) with no route: the namespace holds
//! a DNAT for it in its nat table, which the packet never reached. Naming the rule that ends
//! nat PREROUTING (or OUTPUT) before it, or the jump nobody makes to its chain, is the fault;
//! a route for the Service address would only hide it.

use super::kernel::Kernel;
use super::packet::Packet;
use super::report::Report;
use super::route_get::Lookup;
use super::rule_match::{judge, Hold, Seen};
use super::traverse::At;
use super::words::call;
use crate::firewall::rule::shell_words;
use crate::sys::Netns;
use ipnet::IpNet;
use std::collections::BTreeMap;
use std::net::IpAddr;

/// Chains kube-proxy, Docker and CNI plugins hang their DNATs on, read even when no hook
/// jumps to them any more (the fault this file names).
const KNOWN: [&str; 4] = [
    "KUBE-SERVICES",
    "KUBE-NODEPORTS",
    "DOCKER",
    "CNI-HOSTPORT-DNAT",
];

/// Targets that end the packet's way through nat without translating its destination.
pub(crate) const STOPS: [&str; 5] = ["ACCEPT", "MASQUERADE", "SNAT", "REDIRECT", "NETMAP"];

/// Targets that are no chain.
const BUILTIN: [&str; 13] = [
    "ACCEPT",
    "DROP",
    "REJECT",
    "RETURN",
    "DNAT",
    "SNAT",
    "MASQUERADE",
    "REDIRECT",
    "NETMAP",
    "MARK",
    "CONNMARK",
    "LOG",
    "CT",
];

/// nat chains by name, each with its rules (`-A CHAIN` dropped).
pub(crate) type Chains = BTreeMap<String, Vec<String>>;

/// A rule's `-j`/`-g` target (empty for none), and whether it is a goto.
fn target(spec: &str) -> (String, bool) {
    let w = shell_words(spec).unwrap_or_default();
    let at = w.iter().position(|x| x == "-j" || x == "-g");
    at.and_then(|i| w.get(i + 1).map(|t| (t.clone(), w[i] == "-g")))
        .unwrap_or_default()
}

/// Whether the rule's own `-d` (not negated) holds `dst`.
fn names(spec: &str, dst: IpAddr) -> bool {
    let w = shell_words(spec).unwrap_or_default();
    w.iter().enumerate().any(|(i, x)| {
        (x == "-d" || x == "--destination")
            && (i == 0 || w[i - 1] != "!")
            && w.get(i + 1).is_some_and(|a| {
                a.parse::<IpNet>().is_ok_and(|n| n.contains(&dst))
                    || a.parse::<IpAddr>().is_ok_and(|a| a == dst)
            })
    })
}

/// The nat table as far as it can be found: the hooks' chains, the chains they jump to, and
/// the well-known ones.
pub(crate) fn read(k: &mut dyn Kernel, ns: &Netns) -> Chains {
    let mut out = Chains::new();
    let mut todo: Vec<String> = ["PREROUTING", "OUTPUT"]
        .into_iter()
        .chain(KNOWN)
        .map(str::to_string)
        .collect();
    while let Some(name) = todo.pop() {
        if out.contains_key(&name) || out.len() > 64 {
            continue;
        }
        let Some(c) = k.chain(ns, "nat", &name) else {
            continue;
        };
        for spec in &c.rules {
            let (t, _) = target(spec);
            if !t.is_empty() && !BUILTIN.contains(&t.as_str()) {
                todo.push(t);
            }
        }
        out.insert(name, c.rules);
    }
    out
}

/// The first DNAT of `dst`: the rule that names `dst` (with `-d`) and the DNAT it is or leads
/// to (a kube-proxy KUBE-SVC/KUBE-SEP chain), outermost first.
fn dnat_of(chains: &Chains, dst: IpAddr) -> Option<Vec<At>> {
    for (chain, rules) in chains {
        for spec in rules.iter().filter(|s| names(s, dst)) {
            let here = At {
                table: "nat".into(),
                chain: chain.clone(),
                spec: spec.clone(),
            };
            if let Some(mut down) = lead(chains, here.clone(), 0) {
                down.insert(0, here);
                down.dedup();
                return Some(down);
            }
        }
    }
    None
}

/// The DNAT `at` is (`[at]`) or leads to through user chains (the rules on the way).
fn lead(chains: &Chains, at: At, depth: usize) -> Option<Vec<At>> {
    let (t, _) = target(&at.spec);
    if t == "DNAT" {
        return Some(vec![at]);
    }
    let rules = chains.get(&t).filter(|_| depth < 8)?;
    rules.iter().find_map(|spec| {
        let next = At {
            table: "nat".into(),
            chain: t.clone(),
            spec: spec.clone(),
        };
        let mut down = lead(chains, next.clone(), depth + 1)?;
        if down[0] != next {
            down.insert(0, next);
        }
        Some(down)
    })
}

/// What the packet did in nat `hook`: `Reached` the DNAT (or another translation), or where
/// it left without it: the rule that ended the chain (with the jumps to it), or `None`.
enum Walk {
    Reached,
    Stopped(Option<(At, usize, Vec<At>)>),
}

/// The packet's way through nat `hook` as the kernel takes it, rule by rule, into user chains.
fn walk(chains: &Chains, hook: &str, p: &Seen, path: &[At]) -> Walk {
    let mut stack: Vec<(String, usize, Option<At>)> = vec![(hook.to_string(), 0, None)];
    let mut left = None;
    while let Some((chain, next, _)) = stack.last().cloned() {
        let Some(spec) = chains.get(&chain).and_then(|r| r.get(next)).cloned() else {
            stack.pop();
            continue;
        };
        stack.last_mut().expect("a frame").1 += 1;
        let here = At {
            table: "nat".into(),
            chain: chain.clone(),
            spec: spec.clone(),
        };
        let j = judge(&spec, p);
        // On the DNAT's own way: met, it is reached (what it then does is another matter).
        if path.contains(&here) {
            return Walk::Reached;
        }
        match j.hold {
            Hold::Yes => {}
            Hold::No => continue,
            // A rule not understood may have decided: not said.
            Hold::Unknown(_) if j.target == "RETURN" || STOPS.contains(&j.target.as_str()) => {
                return Walk::Reached;
            }
            Hold::Unknown(_) => continue,
        }
        let via = || stack.iter().filter_map(|f| f.2.clone()).collect::<Vec<_>>();
        if j.target == "DNAT" {
            return Walk::Reached;
        }
        if (j.target == "RETURN" && stack.len() == 1) || STOPS.contains(&j.target.as_str()) {
            return Walk::Stopped(Some((here, next + 1, via())));
        }
        if j.target == "RETURN" {
            // Leaving a chain on the DNAT's way before the DNAT: that RETURN skipped it.
            if left.is_none() && reaches(chains, &chain, &path[0].chain) {
                left = Some((here, next + 1, via()));
            }
            stack.pop();
            continue;
        }
        if chains.contains_key(&j.target) && stack.len() < 16 {
            if j.goto {
                stack.pop();
            }
            stack.push((j.target.clone(), 0, Some(here)));
        }
    }
    Walk::Stopped(left)
}

/// The user chain at the top of the DNAT's way (the one a hook should jump to).
fn root(chains: &Chains, path: &[At]) -> String {
    let mut top = path[0].chain.clone();
    for _ in 0..8 {
        let parent = chains.iter().find(|(c, rules)| {
            !matches!(c.as_str(), "PREROUTING" | "OUTPUT")
                && rules.iter().any(|s| target(s).0 == top)
        });
        match parent {
            Some((c, _)) => top = c.clone(),
            None => break,
        }
    }
    top
}

/// `rule 3 of nat PREROUTING `-A PREROUTING ...``, with the jumps that led to it.
fn rule_words(at: &At, index: usize, via: &[At]) -> String {
    let by: Vec<String> = via.iter().map(|v| format!("`{}`", v.text())).collect();
    let reached = if by.is_empty() {
        String::new()
    } else {
        format!(", reached by {}", by.join(" then "))
    };
    format!("nat {} rule {index} `{}`{reached}", at.chain, at.text())
}

/// Where the DNAT at the end of `path` sends the packet (its `--to-destination`).
fn to_of(path: &[At]) -> String {
    let last = path.last().expect("a DNAT");
    let w = shell_words(&last.spec).unwrap_or_default();
    w.iter()
        .position(|x| x == "--to-destination")
        .and_then(|i| w.get(i + 1).cloned())
        .unwrap_or_default()
}

/// The 1-based index of `at` in its chain.
fn index_of(chains: &Chains, at: &At) -> usize {
    chains
        .get(&at.chain)
        .and_then(|rules| rules.iter().position(|s| *s == at.spec))
        .map_or(1, |i| i + 1)
}

/// The DNAT in words: `its DNAT to 10.244.1.3 (`-t nat -A ...`, reached by `...`)`.
fn dnat_words(path: &[At]) -> String {
    let last = path.last().expect("a DNAT");
    let to = to_of(path);
    let by: Vec<String> = path[..path.len() - 1]
        .iter()
        .map(|v| format!("`{}`", v.text()))
        .collect();
    let reached = if by.is_empty() {
        String::new()
    } else {
        format!(", reached by {}", by.join(" then "))
    };
    format!("its DNAT to {to} (`{}`{reached})", last.text())
}

/// Said in `r` (true) when `dst`, which `at` has no route to, has a DNAT in `at`'s nat table
/// that the packet (arriving, or sent by `at` itself when `first`) never reached.
pub(crate) fn skipped(
    k: &mut dyn Kernel,
    r: &mut Report,
    at: &Netns,
    q: &Lookup,
    words: &str,
    first: bool,
) -> bool {
    let dst = q.dst;
    if !dst.is_ipv4() {
        return false;
    }
    let chains = read(k, at);
    let Some(path) = dnat_of(&chains, dst) else {
        return false;
    };
    let hook = if first || q.iif.is_none() {
        "OUTPUT"
    } else {
        "PREROUTING"
    };
    let p = Packet {
        in_dev: q.iif.clone().filter(|_| hook == "PREROUTING"),
        out_dev: String::new(),
        src: q.src.unwrap_or(IpAddr::from([0, 0, 0, 0])),
        dst,
        state: "NEW",
    }
    .seen(k, at);
    let (stop, met) = match walk(&chains, hook, &p, &path) {
        Walk::Stopped(stop) => (stop, false),
        Walk::Reached => (None, true),
    };
    let top = root(&chains, &path);
    let reached = reaches(&chains, hook, &path[0].chain);
    let tail = format!("so {dst} is never translated and {at} has no route to it ({words})");
    // Met but not taken: a rule on the DNAT's way misses the packet by its -i, -s or -p.
    if stop.is_none() && reached {
        let way: Vec<(At, usize)> = path
            .iter()
            .map(|a| (a.clone(), index_of(&chains, a)))
            .collect();
        if let Some((cause, fix)) = super::dnat_scope::narrowed(at, &way, &to_of(&path), &p) {
            r.block(at, format!("{cause}, {tail}"), Some(fix));
            return true;
        }
    }
    if met {
        return false;
    }
    let (cause, fix) = match stop {
        Some((rule, index, via)) if reached => {
            let cmd = format!("iptables -t nat -D {} {}", rule.chain, rule.spec);
            (
                format!(
                    "{at}'s {} ends nat {hook} for the packet to {dst} before {}, {tail}",
                    rule_words(&rule, index, &via),
                    dnat_words(&path)
                ),
                call(at, &format!("sh(\"{}\")", cmd.replace('"', "\\\""))),
            )
        }
        _ if !reached && !reaches(&chains, hook, &top) => {
            let other = if hook == "OUTPUT" {
                "PREROUTING"
            } else {
                "OUTPUT"
            };
            let twin = chains
                .get(other)
                .and_then(|rules| rules.iter().find(|s| target(s).0 == top))
                .filter(|s| !s.contains("-i ") && !s.contains("-o "));
            let does = twin.map_or(String::new(), |s| {
                format!(" ({other} does: `-t nat -A {other} {s}`)")
            });
            // netsh's own comment on the twin is netsh's to add again.
            let spec = twin.map_or(format!("-j {top}"), |s| own_comment_out(s));
            (
                format!(
                    "{at} holds {} in chain {top}, but nothing in nat {hook} jumps to {top}{does}, {tail}",
                    dnat_words(&path)
                ),
                call(
                    at,
                    &format!(
                        "iptables(\"-t nat -I {hook} 1 {}\")",
                        spec.replace('"', "\\\"")
                    ),
                ),
            )
        }
        _ => return false,
    };
    r.block(at, cause, Some(fix));
    true
}

/// Whether the packet's way through nat `hook` can lead into `chain` (by any jump or goto).
pub(crate) fn reaches(chains: &Chains, hook: &str, chain: &str) -> bool {
    let mut seen = vec![hook.to_string()];
    let mut i = 0;
    while let Some(c) = seen.get(i).cloned() {
        if c == chain {
            return true;
        }
        i += 1;
        for spec in chains.get(&c).into_iter().flatten() {
            let t = target(spec).0;
            if chains.contains_key(&t) && !seen.contains(&t) {
                seen.push(t);
            }
        }
    }
    false
}

/// `spec` without netsh's `-m comment --comment "netsh:LAB"` (iptables() adds its own).
pub(crate) fn own_comment_out(spec: &str) -> String {
    let w = shell_words(spec).unwrap_or_default();
    let at = w
        .windows(4)
        .position(|x| x[0] == "-m" && x[1] == "comment" && x[3].starts_with("netsh:"));
    match at {
        Some(i) => w[..i]
            .iter()
            .chain(&w[i + 4..])
            .cloned()
            .collect::<Vec<_>>()
            .join(" "),
        None => spec.to_string(),
    }
}
