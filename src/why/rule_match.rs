//! One iptables rule (as `iptables -S` prints it) against the probe packet: whether its matches
//! hold (yes, no, or "not understood"), and its target. Only what an ICMP echo (or a tunnel's
//! UDP datagram) can meet is judged; a match outside that is never guessed at, it is named as
//! not understood.

use super::ipset_table::IpSets;
pub(crate) use super::seen::Seen;
use ipnet::IpNet;
use std::net::IpAddr;

/// Whether a rule's matches hold for the packet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Hold {
    Yes,
    No,
    /// A match this evaluator does not understand (its words), and nothing it understands
    /// says no: the rule may match.
    Unknown(String),
}

/// One rule, read: what it asks, where it sends the packet, and the target's addresses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Judged {
    pub(crate) hold: Hold,
    /// `-j X` or `-g X`; empty for a rule without a target (a counter).
    pub(crate) target: String,
    pub(crate) goto: bool,
    pub(crate) to_source: Option<IpAddr>,
    pub(crate) to_dest: Option<IpAddr>,
    /// A MARK target's change to the packet's mark.
    pub(crate) set_mark: Option<super::mark::SetMark>,
}

/// Modules whose options are judged below; any other `-m` is not understood.
const KNOWN_MODULES: [&str; 10] = [
    "mark",
    "physdev",
    "icmp",
    "icmp6",
    "conntrack",
    "state",
    "comment",
    "addrtype",
    "tcp",
    "udp",
];

/// A rule's words split into options, each with `!` before it and the words after it.
fn options(words: &[String]) -> Vec<(bool, &str, Vec<&str>)> {
    let mut out = vec![];
    let mut neg = false;
    let mut i = 0;
    while i < words.len() {
        let w = words[i].as_str();
        if w == "!" {
            neg = true;
            i += 1;
            continue;
        }
        let mut args = vec![];
        i += 1;
        while i < words.len() && words[i] != "!" && !is_option(&words[i]) {
            args.push(words[i].as_str());
            i += 1;
        }
        out.push((neg, w, args));
        neg = false;
    }
    out
}

fn is_option(w: &str) -> bool {
    w.starts_with('-') && w.len() > 1 && !w[1..].starts_with(|c: char| c.is_ascii_digit())
}

/// Reads `spec` (the part after `-A CHAIN`) against `p`.
pub(crate) fn judge(spec: &str, p: &Seen) -> Judged {
    judge_sets(spec, p, None)
}

/// `judge`, with the namespace's ipsets for `-m set` (without them it is not understood).
pub(crate) fn judge_sets(spec: &str, p: &Seen, sets: Option<&IpSets>) -> Judged {
    // The native reader names what it cannot decode in brackets at the end: `[-m statistic]`.
    let (spec, undecoded) = match spec.find(" [") {
        Some(i) if spec.ends_with(']') => (&spec[..i], Some(&spec[i + 2..spec.len() - 1])),
        _ => (spec, None),
    };
    let words = crate::firewall::rule::shell_words(spec)
        .unwrap_or_else(|_| spec.split_whitespace().map(String::from).collect());
    let mut j = Judged {
        hold: Hold::Yes,
        target: String::new(),
        goto: false,
        to_source: None,
        to_dest: None,
        set_mark: None,
    };
    let mut unknown: Vec<String> = undecoded
        .map(|u| u.split("] [").map(str::to_string).collect())
        .unwrap_or_default();
    let mut no = false;
    let mut module_known = true;
    let mut module = "";
    let mut in_target = false;
    let opts = options(&words);
    // `-m time`'s options decide together (a window, its days): judged once.
    let time_opts: Vec<_> = opts
        .iter()
        .filter(|(_, o, _)| super::time_match::owns("time", o))
        .cloned()
        .collect();
    let time = super::time_match::hold(&time_opts);
    for (neg, opt, args) in opts {
        let arg = args.first().copied().unwrap_or("");
        if in_target {
            target_opt(&mut j, opt, arg, p);
            continue;
        }
        let hit: Option<bool> = match opt {
            o if super::tcp_match::owns(p.tcp_port, o) => {
                super::tcp_match::hold(p.tcp_port, p.icmp_type == 8, o, &args)
            }
            o if super::time_match::owns(module, o) => time,
            // Read together when `-m rpfilter` is met (below).
            o if super::rpfilter::owns(module, o) => continue,
            o if super::wire_match::owns(module, o) => {
                super::wire_match::hold(&p.wire, (p.src, p.dst, p.request()), o, &args)
            }
            "-j" | "--jump" | "-g" | "--goto" => {
                j.target = arg.to_string();
                j.goto = matches!(opt, "-g" | "--goto");
                in_target = true;
                continue;
            }
            "-m" | "--match" if arg == "rpfilter" => {
                module = arg;
                module_known = true;
                match super::rpfilter::hold(spec, p) {
                    Some(h) => no |= !h,
                    None => unknown.push("-m rpfilter".into()),
                }
                continue;
            }
            "-m" | "--match" => {
                module_known = KNOWN_MODULES.contains(&arg)
                    || (arg == "set" && sets.is_some())
                    || super::wire_match::MODULES.contains(&arg)
                    || arg == "time";
                module = arg;
                if !module_known {
                    unknown.push(format!("-m {arg}"));
                }
                continue;
            }
            "--comment" => continue,
            // Counting what matched changes nothing of the verdict.
            "--update-counters" | "--update-subcounters" if module == "set" => continue,
            _ => plain(opt, arg, &args, p, (module, sets)),
        };
        match hit {
            Some(h) => no |= h == neg,
            None => {
                if module_known {
                    unknown.push(format!("{}{opt}", if neg { "! " } else { "" }));
                }
            }
        }
    }
    j.hold = if no {
        Hold::No
    } else if unknown.is_empty() {
        Hold::Yes
    } else {
        Hold::Unknown(unknown.join(" "))
    };
    j
}

/// Whether the match option `opt` (its first word `arg`, all `args`) holds for `p`; `None`
/// when it is not understood. `module`: the `-m` it follows; `sets`: the namespace's ipsets.
fn plain(
    opt: &str,
    arg: &str,
    args: &[&str],
    p: &Seen,
    (module, sets): (&str, Option<&IpSets>),
) -> Option<bool> {
    match opt {
        "-s" | "--source" => Some(nets(arg).iter().any(|n| n.contains(&p.src))),
        "-d" | "--destination" => Some(nets(arg).iter().any(|n| n.contains(&p.dst))),
        "-i" | "--in-interface" => Some(p.in_dev.as_deref().is_some_and(|d| iface(arg, d))),
        "-o" | "--out-interface" => Some(p.out_dev.as_deref().is_some_and(|d| iface(arg, d))),
        "-p" | "--protocol" => Some(match p.udp_dport {
            Some(_) => matches!(
                arg.to_ascii_lowercase().as_str(),
                "udp" | "17" | "all" | "0"
            ),
            None if p.dst.is_ipv6() => matches!(
                arg.to_ascii_lowercase().as_str(),
                "ipv6-icmp" | "icmpv6" | "58" | "all" | "0"
            ),
            None => matches!(
                arg.to_ascii_lowercase().as_str(),
                "icmp" | "1" | "all" | "0"
            ),
        }),
        "--icmpv6-type" if p.udp_dport.is_some() => Some(false),
        // The probe's types are kept as ICMP's (8, 0): ICMPv6 numbers them 128 and 129.
        "--icmpv6-type" => icmp6_type(arg).map(|t| t.is_none_or(|t| t == v6_type(p.icmp_type))),
        "-f" | "--fragment" => Some(false),
        "--icmp-type" if p.udp_dport.is_some() => Some(false),
        "--icmp-type" => icmp_type(arg).map(|t| {
            // destination-unreachable (3, any code) covers "fragmentation needed" too.
            let frag = p.icmp_type == super::seen::FRAG_NEEDED;
            t.is_none_or(|t| t == p.icmp_type || (frag && t == 3))
        }),
        "--dport" | "--dports" | "--destination-port" if p.udp_dport.is_some() => {
            p.udp_dport.map(|d| ports(arg, d))
        }
        // A tunnel's source port is hashed from the inner frame: not known here.
        "--sport" | "--sports" | "--source-port" if p.udp_dport.is_some() => None,
        "--ctstate" | "--state" => ct_state(arg, p),
        "--match-set" if module == "set" => match (sets, args) {
            (Some(sets), [name, flags, ..]) => {
                super::ipset_match::lookup(sets, name, flags, p).map(|f| f.is_some())
            }
            _ => None,
        },
        "--mark" if module == "mark" => p.mark.and_then(|m| super::mark::holds(arg, m)),
        "--physdev-in"
        | "--physdev-out"
        | "--physdev-is-bridged"
        | "--physdev-is-in"
        | "--physdev-is-out" => Some(physdev(opt, arg, p)),
        "--dst-type" => addr_type(arg, p.dst_local),
        "--src-type" => addr_type(arg, p.src_local),
        // ICMP has no ports: a port match never holds for it.
        "--sport" | "--dport" | "--sports" | "--dports" | "--source-port"
        | "--destination-port" | "--tcp-flags" | "--syn" => Some(false),
        _ => None,
    }
}

/// A target's option `opt` (`arg`): where NAT puts the packet, or the mark it sets.
fn target_opt(j: &mut Judged, opt: &str, arg: &str, p: &Seen) {
    match opt {
        "--to-source" => j.to_source = first_addr(arg),
        "--to-destination" => j.to_dest = first_addr(arg),
        // NETMAP maps both ways; the hook says which of them it rewrites.
        "--to" if j.target == "NETMAP" => {
            j.to_source = super::netmap::map(arg, p.src);
            j.to_dest = super::netmap::map(arg, p.dst);
        }
        o => j.set_mark = super::mark::SetMark::read(o, arg).or(j.set_mark),
    }
}

/// `-m physdev`'s option `opt` (`arg` its port name, where it takes one) for the packet.
fn physdev(opt: &str, arg: &str, p: &Seen) -> bool {
    let Some((i, o)) = &p.physdev else {
        return false;
    };
    match opt {
        "--physdev-in" => iface(arg, i),
        "--physdev-out" => iface(arg, o),
        _ => true,
    }
}

/// `4789`, `4000:5000`, or a comma list of them, holding `p`.
fn ports(spec: &str, p: u16) -> bool {
    spec.split(',').any(|one| match one.split_once(':') {
        Some((a, b)) => {
            a.parse::<u16>().unwrap_or(0) <= p && p <= b.parse::<u16>().unwrap_or(u16::MAX)
        }
        None => one.parse::<u16>() == Ok(p),
    })
}

/// `10.0.0.0/24`, `10.0.0.1`, or a comma list of them.
fn nets(s: &str) -> Vec<IpNet> {
    s.split(',')
        .filter_map(|x| {
            x.parse()
                .ok()
                .or_else(|| x.parse::<IpAddr>().ok().map(IpNet::from))
        })
        .collect()
}

fn first_addr(s: &str) -> Option<IpAddr> {
    s.split([':', '-']).next().and_then(|a| a.parse().ok())
}

/// `eth+` matches every name starting with `eth`.
pub(crate) fn iface(pat: &str, name: &str) -> bool {
    match pat.strip_suffix('+') {
        Some(prefix) => name.starts_with(prefix),
        None => pat == name,
    }
}

/// The ICMP type a `--icmp-type` names: `Some(None)` for any; `None` when not understood.
fn icmp_type(s: &str) -> Option<Option<u8>> {
    // Type 3 code 4 is named apart (`Seen` has no code): an ICMP "fragmentation needed".
    if matches!(s, "fragmentation-needed" | "3/4") {
        return Some(Some(super::seen::FRAG_NEEDED));
    }
    let t = s.split('/').next().unwrap_or(s);
    let code_any = s.split('/').nth(1).is_none_or(|c| c == "0");
    if !code_any {
        return Some(Some(255));
    }
    match t {
        "any" => Some(None),
        "echo-request" | "ping" => Some(Some(8)),
        "echo-reply" | "pong" => Some(Some(0)),
        "destination-unreachable" => Some(Some(3)),
        "time-exceeded" => Some(Some(11)),
        "redirect" => Some(Some(5)),
        n => n.parse().ok().map(Some),
    }
}

/// The probe's ICMP type (8, 0) as ICMPv6 numbers it (128, 129); others (135, a neighbour
/// solicitation) are ICMPv6's already.
fn v6_type(t: u8) -> u8 {
    match t {
        8 => 128,
        0 => 129,
        t => t,
    }
}

/// The ICMPv6 type a `--icmpv6-type` names: `Some(None)` for any; `None` when not understood.
pub(crate) fn icmp6_type(s: &str) -> Option<Option<u8>> {
    let t = s.split('/').next().unwrap_or(s);
    if s.split('/').nth(1).is_some_and(|c| c != "0") {
        return Some(Some(255));
    }
    match t {
        "any" => Some(None),
        "echo-request" | "ping" => Some(Some(128)),
        "echo-reply" | "pong" => Some(Some(129)),
        "destination-unreachable" => Some(Some(1)),
        "neighbour-solicitation" | "neighbor-solicitation" => Some(Some(135)),
        "neighbour-advertisement" | "neighbor-advertisement" => Some(Some(136)),
        n => n.parse().ok().map(Some),
    }
}

/// `--dst-type LOCAL` and the like, for a unicast packet.
fn addr_type(s: &str, local: bool) -> Option<bool> {
    let mut any = false;
    for t in s.split(',') {
        any |= match t {
            "LOCAL" => local,
            "UNICAST" => true,
            "BROADCAST" | "MULTICAST" | "ANYCAST" | "BLACKHOLE" | "UNREACHABLE" | "PROHIBIT"
            | "NAT" | "XRESOLVE" | "THROW" | "UNSPEC" => false,
            _ => return None,
        };
    }
    Some(any)
}

/// `--ctstate` (or `--state`): the probe is NEW going out and ESTABLISHED coming back; DNAT is
/// known from the walk; SNAT only happens after FORWARD, so a request never has it yet.
fn ct_state(arg: &str, p: &Seen) -> Option<bool> {
    let mut unsure = false;
    for s in arg.split(',') {
        let hit = match s {
            "DNAT" => Some(p.dnat),
            "SNAT" if p.request() => Some(false),
            "SNAT" => None,
            s => Some(s == p.state),
        };
        match hit {
            Some(true) => return Some(true),
            None => unsure = true,
            Some(false) => {}
        }
    }
    (!unsure).then_some(false)
}
