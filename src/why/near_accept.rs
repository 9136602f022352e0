//! A near-miss ACCEPT: a chain's policy (or its closing, match-less DROP) drops the packet, and
//! an ACCEPT rule of that chain (or of a user chain it jumps to) matches the packet in every
//! match but one: the port or address before DNAT, a link, a subnet, the protocol. That rule is
//! what went wrong, not the policy: it is named with the one match that misses, and the fix
//! corrects that match, after a walk of the chain with it corrected has proved it accepts.
//! Two or more misses are no near miss: nothing is claimed.

use super::delegate::Delegate;
use super::kernel::Kernel;
use super::nat_near::reachable;
use super::rule_match::{iface, judge, Hold, Seen};
use super::traverse::{traverse, At, Outcome};
use super::words::call;
use crate::firewall::chain::Chain;
use crate::sys::Netns;
use ipnet::IpNet;
use std::net::IpAddr;

/// The rule that would accept the packet but for one match.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct NearAccept {
    ns: Netns,
    rule: At,
    /// Its number in its chain, as `iptables -R` counts (from 1).
    index: usize,
    /// The match that misses (`--dport 8080`) and what the rule is with it corrected.
    missed: String,
    fixed: String,
    /// Why it misses: `the port before DNAT (…)`.
    why: String,
    /// The miss is a plain mistake (a value before DNAT, a link that is not there, a link the
    /// rule's own host is not behind): the rule is replaced. Else its corrected copy is put
    /// before it, so whatever it lets through now stays let through.
    replace: bool,
}

/// The kernel with one rule of one chain swapped for another: the walk the fix would give.
struct Swapped<'a> {
    inner: &'a mut dyn Kernel,
    table: &'a str,
    chain: &'a str,
    index: usize,
    spec: &'a str,
}

impl Delegate for Swapped<'_> {
    fn inner(&mut self) -> &mut dyn Kernel {
        self.inner
    }
    fn chain_read(&mut self, ns: &Netns, table: &str, chain: &str) -> Option<Chain> {
        let mut c = self.inner.chain(ns, table, chain)?;
        if table == self.table && chain == self.chain {
            if let Some(r) = c.rules.get_mut(self.index - 1) {
                *r = self.spec.to_string();
            }
        }
        Some(c)
    }
}

/// The word after `-j` (or `-g`).
fn target(spec: &str) -> &str {
    let w: Vec<&str> = spec.split_whitespace().collect();
    w.iter()
        .position(|x| matches!(*x, "-j" | "-g"))
        .and_then(|i| w.get(i + 1))
        .copied()
        .unwrap_or("")
}

/// A DROP or REJECT rule that matches everything (but for a comment): a chain's closing drop.
fn closing(spec: &str) -> bool {
    let w: Vec<&str> = spec.split_whitespace().collect();
    let Some(j) = w.iter().position(|x| *x == "-j") else {
        return false;
    };
    let before = &w[..j];
    before.is_empty() || (before.len() == 4 && before[..3] == ["-m", "comment", "--comment"])
}

/// The near-miss ACCEPT for the request `s` that `o` (the walk of `table`'s `chain`) drops by
/// the policy or a closing drop; `None` unless exactly one rule misses it by exactly one match.
pub(crate) fn find(
    k: &mut dyn Kernel,
    ns: &Netns,
    (table, chain): (&str, &str),
    s: &Seen,
    o: &Outcome,
) -> Option<NearAccept> {
    let closed = o.by.as_ref().is_none_or(|b| closing(&b.spec));
    if !o.drops() || !closed || o.gone.is_some() || !s.request() || s.dst.is_ipv6() {
        return None;
    }
    let mut found = vec![];
    for (c, n, spec) in reachable(k, ns, table, chain) {
        if target(&spec) != "ACCEPT" || judge(&spec, s).hold != Hold::No || !names_a_flow(&spec) {
            continue;
        }
        for (i, fixed) in corrections(&spec, s) {
            if judge(&fixed, s).hold != Hold::Yes {
                continue;
            }
            let mut swapped = Swapped {
                inner: k,
                table,
                chain: &c,
                index: n,
                spec: &fixed,
            };
            let Some(w) = traverse(&mut swapped, ns, table, chain, s) else {
                continue;
            };
            let here =
                w.by.as_ref()
                    .is_some_and(|b| b.chain == c && b.spec == fixed);
            if w.target == "ACCEPT" && here {
                found.push((c.clone(), n, spec.clone(), i, fixed));
            }
        }
    }
    let mut read: Vec<NearAccept> = found
        .into_iter()
        .map(|(c, index, spec, i, fixed)| {
            let w: Vec<&str> = spec.split_whitespace().collect();
            let missed = format!("{} {}", w[i], w[i + 1]);
            let (why, replace) = explain(k, ns, s, (w[i], w[i + 1]), &spec);
            NearAccept {
                ns: ns.clone(),
                rule: At {
                    table: table.to_string(),
                    chain: c,
                    spec,
                },
                index,
                missed,
                fixed,
                why,
                replace,
            }
        })
        .collect();
    // A miss that is a plain mistake (a port before DNAT) outranks one that may be meant (an
    // accept for ICMP only); else only a single candidate is named.
    if read.iter().filter(|n| n.replace).count() == 1 {
        read.retain(|n| n.replace);
    }
    let [one] = <[_; 1]>::try_from(read).ok()?;
    Some(one)
}

/// Whether `spec` names a flow (an address, protocol or port), not only a pair of links: a
/// rule for other links (Docker's `-i docker0 -o docker0`) is another rule, not a near miss.
fn names_a_flow(spec: &str) -> bool {
    let w: Vec<&str> = spec.split_whitespace().collect();
    w.iter().enumerate().any(|(i, x)| {
        let plain = i == 0 || w[i - 1] != "!";
        plain
            && matches!(
                *x,
                "-s" | "--source"
                    | "-d"
                    | "--destination"
                    | "-p"
                    | "--protocol"
                    | "--dport"
                    | "--dports"
                    | "--destination-port"
            )
    })
}

/// Each match of `spec` the packet's own value could stand in for: (its word's place, the
/// spec with that match set to the packet's value). Negated matches are left alone.
fn corrections(spec: &str, s: &Seen) -> Vec<(usize, String)> {
    let w: Vec<&str> = spec.split_whitespace().collect();
    let mut out = vec![];
    for i in 0..w.len().saturating_sub(1) {
        if i > 0 && w[i - 1] == "!" {
            continue;
        }
        let Some(new) = value(w[i], w[i + 1], s) else {
            continue;
        };
        let mut v: Vec<String> = w.iter().map(|x| x.to_string()).collect();
        // `-p udp -m udp --dport 80` for TCP: the protocol's module goes with it.
        if matches!(w[i], "-p" | "--protocol") {
            for j in 1..v.len() {
                if v[j - 1] == "-m" && v[j] == w[i + 1] && matches!(new.as_str(), "tcp" | "udp") {
                    v[j] = new.clone();
                }
            }
        }
        v[i + 1] = new;
        out.push((i, v.join(" ")));
    }
    out
}

/// The packet's value for match `opt` (written `arg` in the rule), where it has one.
fn value(opt: &str, arg: &str, s: &Seen) -> Option<String> {
    let net = |addr: IpAddr| -> Option<String> {
        if arg.contains(',') {
            return None;
        }
        let len = match arg.parse::<IpNet>() {
            Ok(n) => n.prefix_len(),
            Err(_) => arg.parse::<IpAddr>().ok().map(|_| 32)?,
        };
        IpNet::new(addr, len).ok().map(|n| n.trunc().to_string())
    };
    match opt {
        "-s" | "--source" => net(s.src),
        "-d" | "--destination" => net(s.dst),
        "-i" | "--in-interface" => s.in_dev.clone(),
        "-o" | "--out-interface" => s.out_dev.clone(),
        "-p" | "--protocol" => Some(proto(s).to_string()),
        "--dport" | "--dports" | "--destination-port" => {
            s.tcp_port.or(s.udp_dport).map(|p| p.to_string())
        }
        _ => None,
    }
}

fn proto(s: &Seen) -> &'static str {
    match (s.tcp_port, s.udp_dport) {
        (Some(_), _) => "tcp",
        (None, Some(_)) => "udp",
        (None, None) => "icmp",
    }
}

/// Why match `opt arg` of `spec` misses the packet, and whether that is a plain mistake.
fn explain(
    k: &mut dyn Kernel,
    ns: &Netns,
    s: &Seen,
    (opt, arg): (&str, &str),
    spec: &str,
) -> (String, bool) {
    let port = s.tcp_port.or(s.udp_dport);
    match opt {
        "--dport" | "--dports" | "--destination-port" => {
            let port = port.unwrap_or_default();
            match s
                .dnat
                .then(|| dnat_from(k, ns, s, "--dport", arg))
                .flatten()
            {
                Some(d) => (
                    format!("the port before DNAT (`{}` made it {port})", d.text()),
                    true,
                ),
                None => (format!("the packet goes to port {port}"), false),
            }
        }
        "-d" | "--destination" => match s.dnat.then(|| dnat_from(k, ns, s, "-d", arg)).flatten() {
            Some(d) => (
                format!("the address before DNAT (`{}` made it {})", d.text(), s.dst),
                true,
            ),
            None => (format!("the packet goes to {}", s.dst), false),
        },
        "-s" | "--source" => (format!("the packet is from {}", s.src), false),
        "-p" | "--protocol" => (format!("the packet is {}", proto(s).to_uppercase()), false),
        _ => {
            let (real, how) = match opt {
                "-o" | "--out-interface" => (s.out_dev.clone().unwrap_or_default(), "leaves by"),
                _ => (s.in_dev.clone().unwrap_or_default(), "comes in on"),
            };
            let links: Vec<String> = k
                .view(ns)
                .map(|v| v.links.keys().cloned().collect())
                .unwrap_or_default();
            if !links.iter().any(|l| iface(arg, l)) {
                return (
                    format!("{arg} is no link of {ns}; the packet {how} {real}"),
                    true,
                );
            }
            // `-d HOST -o other`: the rule's own host is routed out another link.
            let host = host_of(spec, "-d").filter(|_| how == "leaves by");
            match host {
                Some(h) => (format!("the packet to {h} {how} {real}"), true),
                None => (format!("the packet {how} {real}"), false),
            }
        }
    }
}

/// The single host (`/32`) a rule's `flag` names, not negated.
fn host_of(spec: &str, flag: &str) -> Option<IpAddr> {
    let w: Vec<&str> = spec.split_whitespace().collect();
    let i = w.iter().position(|x| *x == flag)?;
    if i > 0 && w[i - 1] == "!" {
        return None;
    }
    let n: IpNet = w.get(i + 1)?.parse().ok()?;
    (n.prefix_len() == n.max_prefix_len()).then(|| n.addr())
}

/// The nat PREROUTING DNAT rule that turned `opt arg` (the rule's value) into the packet's:
/// it matches `opt arg` itself and sends to the packet's address (and port).
fn dnat_from(k: &mut dyn Kernel, ns: &Netns, s: &Seen, opt: &str, arg: &str) -> Option<At> {
    let port = s.tcp_port.or(s.udp_dport);
    let to = |spec: &str| -> bool {
        let w: Vec<&str> = spec.split_whitespace().collect();
        let Some(i) = w.iter().position(|x| *x == "--to-destination") else {
            return false;
        };
        let dest = w.get(i + 1).copied().unwrap_or("");
        let (addr, p) = dest
            .split_once(':')
            .map_or((dest, None), |(a, p)| (a, Some(p)));
        let port_ok = match opt {
            "--dport" => p.and_then(|p| p.parse::<u16>().ok()) == port,
            _ => true,
        };
        addr.parse::<IpAddr>().ok() == Some(s.dst) && port_ok
    };
    let same = |a: &str, b: &str| {
        a == b || a.parse::<IpNet>().ok() == b.parse().ok().map(|x: IpAddr| IpNet::from(x))
    };
    reachable(k, ns, "nat", "PREROUTING")
        .into_iter()
        .find(|(_, _, spec)| {
            let w: Vec<&str> = spec.split_whitespace().collect();
            let has = w
                .windows(2)
                .any(|x| x[0] == opt && (same(x[1], arg) || same(arg, x[1])));
            target(spec) == "DNAT" && has && to(spec)
        })
        .map(|(chain, _, spec)| At {
            table: "nat".into(),
            chain,
            spec,
        })
}

impl NearAccept {
    /// `rule 3 `-A FORWARD …` would accept it but for `--dport 8080`: the port before DNAT (…)`.
    pub(crate) fn words(&self) -> String {
        format!(
            "rule {} `{}` would accept it but for `{}`: {}",
            self.index,
            self.rule.text(),
            self.missed,
            self.why
        )
    }

    /// The rule replaced by its corrected form, or that form put before it.
    pub(crate) fn fix(&self) -> String {
        let t = match self.rule.table.as_str() {
            "filter" => String::new(),
            t => format!("-t {t} "),
        };
        let verb = if self.replace { "-R" } else { "-I" };
        let cmd = format!(
            "iptables {t}{verb} {} {} {}",
            self.rule.chain, self.index, self.fixed
        );
        call(&self.ns, &format!("sh(\"{}\")", cmd.replace('"', "\\\"")))
    }
}

/// What the report calls the request: `the TCP SYN to port 80, ` (nothing for an echo request).
pub(crate) fn what(s: &Seen) -> String {
    match s.tcp_port {
        Some(port) => format!("the TCP SYN to port {port}, "),
        None => String::new(),
    }
}
