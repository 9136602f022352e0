//! A DNAT whose interface, source or protocol match is wrong: it misses the packet it is for
//! (a Service DNAT `-d VIP ! -i cbr0` that pods on cbr0 never meet), or, naming neither the
//! destination nor the incoming link, it catches transit packets it is not for (a "DMZ host"
//! rule without `-i wan` that sends what the LAN sends out back into the LAN). The match is
//! the fault: a route for the Service address, or a hairpin MASQUERADE, would only hide it.

use super::kernel::Kernel;
use super::report::Report;
use super::route_get::{Lookup, RouteKind};
use super::rule_match::{judge, Hold, Seen};
use super::traverse::At;
use super::words::call;
use crate::firewall::rule::shell_words;
use crate::sys::Netns;
use std::net::IpAddr;

/// Options whose miss is a scope fault (never `-d`: the rule is for the packet's destination).
const SCOPE: [&str; 8] = [
    "-i",
    "--in-interface",
    "-s",
    "--source",
    "-p",
    "--protocol",
    "-o",
    "--out-interface",
];

/// The rule's words in option units: each option with its `!` before it and its arguments.
fn units(words: &[String]) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = vec![];
    for w in words {
        let option =
            w.starts_with('-') && w.len() > 1 && !w[1..].starts_with(|c: char| c.is_ascii_digit());
        let after_not = out.last().is_some_and(|u| u.len() == 1 && u[0] == "!");
        match out.last_mut() {
            Some(u) if after_not || !(option || w == "!") => u.push(w.clone()),
            _ => out.push(vec![w.clone()]),
        }
    }
    out
}

/// Words joined back into a command line, quoting the ones a shell would split.
pub(crate) fn join(words: &[String]) -> String {
    let q = |w: &String| {
        if w.is_empty() || w.contains(|c: char| c.is_whitespace() || "\"'$`\\".contains(c)) {
            format!("'{}'", w.replace('\'', "'\\''"))
        } else {
            w.clone()
        }
    };
    words.iter().map(q).collect::<Vec<_>>().join(" ")
}

/// The one scope match of `spec` that keeps it from holding for `p` (`! -i cbr0`), and the
/// rule without it; `None` when the rule holds, or no single such match explains the miss.
pub(crate) fn only_miss(spec: &str, p: &Seen) -> Option<(String, String)> {
    if judge(spec, p).hold != Hold::No {
        return None;
    }
    let words = shell_words(spec).ok()?;
    let us = units(&words);
    us.iter().enumerate().find_map(|(i, u)| {
        let opt = u.iter().find(|w| *w != "!")?;
        if !SCOPE.contains(&opt.as_str()) {
            return None;
        }
        let rest: Vec<String> = us
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .flat_map(|(_, u)| u.clone())
            .collect();
        let rest = join(&rest);
        (judge(&rest, p).hold == Hold::Yes).then(|| (u.join(" "), rest))
    })
}

/// The packet as the missed match sees it: `in on cbr0`, `from 10.244.1.2`, ...
pub(crate) fn packet_words(miss: &str, p: &Seen) -> String {
    let opt = miss.trim_start_matches("! ");
    match opt.split_whitespace().next().unwrap_or("") {
        "-i" | "--in-interface" => match &p.in_dev {
            Some(d) => format!("the packet in on {d}"),
            None => "the packet sent here".into(),
        },
        "-o" | "--out-interface" => "the packet".into(),
        "-s" | "--source" => format!("the packet from {}", p.src),
        _ if p.udp_dport.is_some() => "the UDP packet".into(),
        _ if p.tcp_port.is_some() => "the TCP connection".into(),
        _ => "the ICMP packet".into(),
    }
}

/// For a DNAT of `dst` never reached: the rule on its way (`way`, outermost first, each with
/// its 1-based index in its chain) that misses the packet only by one scope match. Gives the
/// cause (before ", so DST is never translated ...") and the fix replacing that rule.
pub(crate) fn narrowed(
    at: &Netns,
    way: &[(At, usize)],
    to: &str,
    p: &Seen,
) -> Option<(String, String)> {
    let dst = p.dst;
    way.iter().find_map(|(rule, index)| {
        let (miss, rest) = only_miss(&rule.spec, p)?;
        let leads = if rule.spec.contains(" DNAT") {
            format!("would DNAT {dst} to {to}")
        } else {
            format!("would lead {dst} to its DNAT to {to}")
        };
        let cause = format!(
            "{at}'s nat {} rule {index} `{}` {leads}, but its `{miss}` does not hold for {}",
            rule.chain,
            rule.text(),
            packet_words(&miss, p)
        );
        let cmd = format!("iptables -t nat -R {} {index} {rest}", rule.chain);
        let fix = call(at, &format!("sh(\"{}\")", cmd.replace('"', "\\\"")));
        Some((cause, fix))
    })
}

/// Whether `spec` names the packet's destination or incoming link (then its scope is meant).
fn scoped(spec: &str) -> bool {
    let w = shell_words(spec).unwrap_or_default();
    w.iter().enumerate().any(|(i, x)| {
        let neg = i > 0 && w[i - 1] == "!";
        matches!(
            x.as_str(),
            "-d" | "--destination" | "--dst-type" | "--ctorigdst"
        ) || (!neg && matches!(x.as_str(), "-i" | "--in-interface"))
    })
}

/// The link `ns` sends `dst` out of, for the packet from `src` in on `iif`.
fn out_dev(k: &mut dyn Kernel, ns: &Netns, dst: IpAddr, src: IpAddr, iif: &str) -> Option<String> {
    let q = Lookup {
        src: Some(src),
        iif: Some(iif.to_string()),
        ..Lookup::to(dst)
    };
    let got = k
        .route_get(ns, &q)
        .or_else(|_| k.route_get(ns, &Lookup::to(dst)));
    got.ok()
        .filter(|g| g.kind == RouteKind::Unicast)
        .map(|g| g.dev)
}

/// A DNAT in nat PREROUTING (`by`) of a destination that is not `ns`'s own, by a rule naming
/// neither a destination nor an incoming link, that sends the packet back out the link it came
/// in on while its own destination lies out another: the rule is too broad (a DMZ rule without
/// `-i wan`). The cause and the fix (the rule limited to that other link).
pub(crate) fn too_broad(
    k: &mut dyn Kernel,
    ns: &Netns,
    by: &At,
    chain: &str,
    p: &Seen,
    d: IpAddr,
) -> Option<(String, String)> {
    let iif = p.in_dev.clone()?;
    if chain != "PREROUTING" || by.chain != "PREROUTING" || p.dst_local || scoped(&by.spec) {
        return None;
    }
    let way = out_dev(k, ns, p.dst, p.src, &iif)?;
    let back = out_dev(k, ns, d, p.src, &iif)?;
    if way == iif || back != iif {
        return None;
    }
    let index = k
        .chain(ns, "nat", "PREROUTING")?
        .rules
        .iter()
        .position(|s| *s == by.spec)?
        + 1;
    let cause = format!(
        "{ns}'s nat PREROUTING rule {index} `{}` names no destination (-d) and no incoming link (-i), so it also catches the packet to {} (not {ns}'s address: its way is out {way}) in on {iif} and sends it to {d} back out {iif}, the side it came from",
        by.text(),
        p.dst
    );
    let cmd = format!("iptables -t nat -R PREROUTING {index} -i {way} {}", by.spec);
    let fix = call(ns, &format!("sh(\"{}\")", cmd.replace('"', "\\\"")));
    Some((cause, fix))
}

/// `too_broad` for the rule `by` that DNATed the packet in `table` `chain`, said in `r`.
pub(crate) fn blocks(
    k: &mut dyn Kernel,
    r: &mut Report,
    ns: &Netns,
    (by, table, chain): (Option<&At>, &str, &str),
    p: &Seen,
    d: IpAddr,
) -> bool {
    let Some(by) = by.filter(|_| table == "nat") else {
        return false;
    };
    let Some((cause, fix)) = too_broad(k, ns, by, chain, p, d) else {
        return false;
    };
    r.block(ns, cause, Some(fix));
    // The diverted packet is lost at (or answered by) the target's host, or its answer is
    // dropped by the sender: evidence there agrees, and an answer proves nothing.
    r.lost_at = super::owner::owner(k, d).map(|(o, _)| o.to_string());
    r.lost_too = Some(r.src.clone());
    r.firm = true;
    true
}
