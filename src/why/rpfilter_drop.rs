//! A drop decided by an `-m rpfilter` rule (firewalld's, a node's `-t raw -A PREROUTING -m
//! rpfilter --invert -j DROP`): named with the reverse-path check that failed, and fixed on the
//! rule itself (a loose check, or the rule gone), since the path's asymmetry is the network's
//! design, not netsh's call. Also the reply's way through PREROUTING, where such a rule meets
//! it arriving by another link than the one its router sends back by.

use super::kernel::Kernel;
use super::owner::owner;
use super::report::Report;
use super::route_fix::route_add;
use super::rpfilter::{back, flags, passes};
use super::rule_match::Seen;
use super::toward::{subnet_of, toward};
use super::traverse::{traverse, At, Outcome};
use super::words::call;
use crate::sys::Netns;
use std::net::IpAddr;

/// The words for `p` (the packet met by the rule).
fn packet_words(p: &Seen) -> &'static str {
    match (super::l4::what(p), p.request()) {
        (Some(w), _) => w,
        (None, true) => "the echo request",
        (None, false) => "the reply",
    }
}

/// The rule's place in its chain (1-based), as `iptables -R` and `-D` take it.
fn index(k: &mut dyn Kernel, ns: &Netns, at: &At) -> Option<usize> {
    let c = k.chain(ns, &at.table, &at.chain)?;
    c.rules.iter().position(|r| *r == at.spec).map(|i| i + 1)
}

/// `ns.sh("iptables -t T OP CHAIN N rest")`.
fn iptables(ns: &Netns, at: &At, op: &str, rest: &str) -> String {
    let cmd = format!("iptables -t {} {op} {} {rest}", at.table, at.chain);
    call(
        ns,
        &format!("sh(\"{}\")", cmd.trim_end().replace('"', "\\\"")),
    )
}

/// When `o`, a drop of `p` in `ns`'s `table chain`, was decided by an rpfilter rule: the
/// cause in words, the fix, and the other way (the rule deleted).
pub(crate) fn dropped(
    k: &mut dyn Kernel,
    ns: &Netns,
    (table, chain): (&str, &str),
    p: &Seen,
    o: &Outcome,
) -> Option<(String, String, String)> {
    let at = o.by.as_ref().filter(|a| a.spec.contains("-m rpfilter"))?;
    let f = flags(&at.spec);
    let dev = p.in_dev.as_deref()?;
    let mut seen = p.clone();
    if seen.wire.fib.is_none() {
        seen.wire.fib = Some(k.fib(ns));
    }
    let rt = back(&seen, f).ok()?;
    // Only a failed check drops under `--invert`; a rule without it drops what passes.
    if !f.invert || passes(rt.as_ref(), dev, f) {
        return None;
    }
    let n = index(k, ns, at)?;
    let rule = match at.chain.as_str() {
        c if c == chain => format!("`{}`", at.spec),
        _ => format!("`{}`", at.text()),
    };
    let head = format!(
        "{ns}'s {table} {chain} rule {rule} drops {} from {} arriving on {dev}",
        packet_words(p),
        p.src
    );
    let delete = iptables(ns, at, "-D", &n.to_string());
    let out = |words: String, spec: String| {
        Some((
            format!("{head}: {words}"),
            iptables(ns, at, "-R", &format!("{n} {spec}")),
            delete.clone(),
        ))
    };
    let check = if f.loose { "loose" } else { "strict" };
    match rt {
        Some(rt) if rt.kind == super::route_get::RouteKind::Unicast => {
            let via = rt.dev.clone().unwrap_or_default();
            out(
                format!(
                    "{ns}'s route back to {} goes out {via} ({check} reverse-path check)",
                    p.src
                ),
                at.spec.replacen("-m rpfilter", "-m rpfilter --loose", 1),
            )
        }
        Some(rt) if rt.kind == super::route_get::RouteKind::Local => out(
            format!(
                "{} is {ns}'s own address (reverse-path check without --accept-local)",
                p.src
            ),
            at.spec
                .replacen("-m rpfilter", "-m rpfilter --accept-local", 1),
        ),
        // No route back at all: loose drops it too. The check does its job; the route back
        // (by the link the packet came in on, which a strict check needs) is the fix.
        _ => {
            let words = format!(
                "{head}: {ns} has no route back to {} (strict and loose reverse-path checks both drop it)",
                p.src
            );
            match route_back(k, ns, dev, p.src) {
                Some(route) => Some((words, route, delete)),
                None => Some((words, delete, String::new())),
            }
        }
    }
}

/// A route from `ns` back to `src`'s subnet through the neighbour nearest its holder, when
/// that neighbour is on `dev` (the way a strict check wants the route to leave).
fn route_back(k: &mut dyn Kernel, ns: &Netns, dev: &str, src: IpAddr) -> Option<String> {
    let (holder, _) = owner(k, src)?;
    let net = subnet_of(k, &holder, src)?;
    let (_, gw) =
        toward(k, ns, &holder, src.is_ipv4()).filter(|(n, a)| *n != holder && *a != src)?;
    let on_dev = k
        .view(ns)?
        .addrs
        .iter()
        .any(|(l, a)| l == dev && a.trunc().contains(&gw));
    on_dev.then(|| route_add(ns, &net, gw))
}

/// The reply arriving at `cur` on `dev` through raw and mangle PREROUTING: false when an
/// rpfilter rule drops it (said in `r`). Other drops there are left to the checks that
/// follow the request (a reply is judged here only for this family).
pub(crate) fn reply_passes(k: &mut dyn Kernel, r: &mut Report, cur: &Netns, p: &Seen) -> bool {
    for table in ["raw", "mangle"] {
        let Some(o) = traverse(k, cur, table, "PREROUTING", p) else {
            continue;
        };
        if !o.drops() {
            continue;
        }
        if let Some((words, fix, other)) = dropped(k, cur, (table, "PREROUTING"), p, &o) {
            r.block(cur, words, Some(fix));
            r.other_way = Some(other).filter(|o| !o.is_empty());
            return false;
        }
        return true;
    }
    true
}
