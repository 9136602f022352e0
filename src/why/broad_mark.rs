//! A mark set too broadly: policy routing sends marked packets by another table (`ip rule …
//! fwmark M lookup T`), and the mangle rule that marks them (a MARK, or a CONNMARK restoring
//! the connection's mark) matches every packet in on a link, or every packet at all, so a flow
//! the mark was never meant for is marked too and lost by T's route. That rule, and the policy
//! rule and table it sends the packet to, are named together; the fix exempts this flow from
//! the mark (a RETURN before the rule, proved by a walk of the chain with it), never deleting
//! the policy rule the marked flows need (that is the other way). A rule that names a protocol,
//! port or address matching this flow marks it on purpose: then nothing is said here.

use super::delegate::Delegate;
use super::fib::{table_name, FibRule};
use super::fib_lookup::{decide, kind, matches, Decided};
use super::kernel::Kernel;
use super::packet::Packet;
use super::route_get::{Lookup, RouteKind};
use super::rule_match::{judge, Hold, Seen};
use super::traverse::{traverse, At};
use super::words::call;
use crate::firewall::chain::Chain;
use crate::sys::Netns;
use std::net::IpAddr;

/// The kernel with one rule put into one chain at `index` (from 1), as `iptables -I` does.
struct Inserted<'a> {
    inner: &'a mut dyn Kernel,
    chain: &'a str,
    index: usize,
    spec: &'a str,
}

impl Delegate for Inserted<'_> {
    fn inner(&mut self) -> &mut dyn Kernel {
        self.inner
    }
    fn chain_read(&mut self, ns: &Netns, table: &str, chain: &str) -> Option<Chain> {
        let mut c = self.inner.chain(ns, table, chain)?;
        if table == "mangle" && chain == self.chain {
            let at = (self.index - 1).min(c.rules.len());
            c.rules.insert(at, self.spec.to_string());
        }
        Some(c)
    }
}

/// Whether a rule matches no more than links, conntrack states, marks and comments: every
/// packet through a link, not one flow.
pub(crate) fn broad(spec: &str) -> bool {
    let w = crate::firewall::rule::shell_words(spec)
        .unwrap_or_else(|_| spec.split_whitespace().map(String::from).collect());
    let mut i = 0;
    while let Some(x) = w.get(i) {
        let module = w.get(i + 1).map(String::as_str).unwrap_or("");
        i += match x.as_str() {
            "-j" | "-g" => return true,
            "!" => 1,
            "-i" | "-o" | "--comment" | "--mark" | "--ctstate" | "--state" => 2,
            "-m" if matches!(module, "comment" | "mark" | "conntrack" | "state") => 2,
            _ => return false,
        };
    }
    true
}

/// The protocol words of the flow's packets: the request's, or (`back`) its reply's.
fn proto(p: &Seen, back: bool) -> String {
    match (p.tcp_port, back) {
        (Some(port), false) => format!("-p tcp --dport {port}"),
        (Some(port), true) => format!("-p tcp --sport {port}"),
        (None, _) => "-p icmp".into(),
    }
}

/// What a table's route does to the packet, in words.
fn does(k: RouteKind) -> &'static str {
    match k {
        RouteKind::Blackhole => "drops it",
        RouteKind::Unreachable => "refuses it as unreachable",
        _ => "refuses it as prohibited",
    }
}

/// The packet `q` looked up at `at` as its mangle chain sees it: PREROUTING at a router,
/// OUTPUT at its source, unmarked before the chain.
fn before_mark(k: &mut dyn Kernel, at: &Netns, q: &Lookup) -> Option<(&'static str, Seen)> {
    let src = q.src?;
    let (chain, in_dev, out_dev) = match &q.iif {
        Some(i) => ("PREROUTING", Some(i.clone()), String::new()),
        None => ("OUTPUT", None, Packet::sent(k, at, q.dst)?.out_dev),
    };
    let packet = Packet {
        in_dev,
        out_dev,
        src,
        dst: q.dst,
        state: "NEW",
    };
    let mut p = packet.seen(k, at);
    p.mark = Some(0);
    Some((chain, p))
}

/// The mangle rule that gave the packet of the lookup `q` at `at` its mark (`q.mark`).
pub(crate) fn marker(k: &mut dyn Kernel, at: &Netns, q: &Lookup) -> Option<At> {
    let (chain, p) = before_mark(k, at, q)?;
    let o = traverse(k, at, "mangle", chain, &p)?;
    o.marked_by.filter(|_| o.mark == Some(q.mark))
}

/// The lookup `q` once the chain has left the packet marked `mark`: routed by a unicast route,
/// and not by the policy rule `rule` any more.
fn routed_without(k: &mut dyn Kernel, at: &Netns, q: &Lookup, rule: &FibRule, mark: u32) -> bool {
    let again = Lookup { mark, ..q.clone() };
    let d = decide(&k.fib(at), &again);
    d.rule.as_ref() != Some(rule) && kind(&d) == Some(RouteKind::Unicast)
}

/// The refused lookup `q` at `at`, decided by `d` (the kernel's words `words`): when its
/// fwmark policy rule took the packet only for a mark a broad mangle rule gave it, the words
/// naming both and the fix that exempts this flow from the mark.
pub(crate) fn blamed(
    k: &mut dyn Kernel,
    at: &Netns,
    q: &Lookup,
    d: &Decided,
    words: &str,
) -> Option<(String, String)> {
    let rule = d.rule.as_ref().filter(|r| r.fwmark.is_some())?;
    let unmarked = Lookup {
        mark: 0,
        ..q.clone()
    };
    if q.mark == 0 || matches(rule, &unmarked) || !q.dst.is_ipv4() {
        return None;
    }
    let (chain, p) = before_mark(k, at, q)?;
    let o = traverse(k, at, "mangle", chain, &p)?;
    let by = o.marked_by.clone().filter(|_| o.mark == Some(q.mark))?;
    if !broad(&by.spec) || o.ct_marked_by.as_ref().is_some_and(|c| !broad(&c.spec)) {
        return None;
    }
    let fix = exempt(k, at, (q, rule), (chain, &p), &by)?;
    let route = d
        .route
        .as_ref()
        .map(|rt| format!(", where route `{}` {}", rt.text(), does(rt.kind)))
        .unwrap_or_else(|| ", which drops it".into());
    let from = o
        .ct_marked_by
        .as_ref()
        .filter(|c| **c != by)
        .map(|c| format!(" (the connection's mark, set by `{}`)", c.text()))
        .unwrap_or_default();
    let words = format!(
        "{at}'s rule `{}` marks the packet to {} {:#x}{from}, so policy rule `{}` sends it to table {}{route} ({words})",
        by.text(),
        q.dst,
        q.mark,
        rule.text(),
        table_name(rule.table),
    );
    Some((words, fix))
}

/// The rule `-I CHAIN N … -j RETURN` (or ACCEPT, where a RETURN from a user chain would meet
/// the mark again) before `by` that keeps this flow unmarked, with one for its reply where
/// `by` marks that too (it crosses the same PREROUTING); `None` unless a walk proves it.
fn exempt(
    k: &mut dyn Kernel,
    at: &Netns,
    (q, rule): (&Lookup, &FibRule),
    (chain, p): (&str, &Seen),
    by: &At,
) -> Option<String> {
    let index = k
        .chain(at, "mangle", &by.chain)?
        .rules
        .iter()
        .position(|s| *s == by.spec)?
        + 1;
    let flow = |a: IpAddr, b: IpAddr, back: bool| format!("-s {a} -d {b} {}", proto(p, back));
    for target in ["RETURN", "ACCEPT"] {
        let spec = format!("{} -j {target}", flow(p.src, p.dst, false));
        let mut with = Inserted {
            inner: k,
            chain: &by.chain,
            index,
            spec: &spec,
        };
        let Some(mark) = traverse(&mut with, at, "mangle", chain, p).and_then(|o| o.mark) else {
            continue;
        };
        if !routed_without(k, at, q, rule, mark) {
            continue;
        }
        let insert = |spec: &str| {
            call(
                at,
                &format!("iptables(\"-t mangle -I {} {index} {spec}\")", by.chain),
            )
        };
        let mut fix = insert(&spec);
        let back = p.reply();
        if q.iif.is_some() && judge(&by.spec, &back).hold != Hold::No {
            let reply = format!("{} -j {target}", flow(p.dst, p.src, true));
            fix += &format!("; {}", insert(&reply));
        }
        return Some(fix);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_by_link_or_state_is_broad_one_by_protocol_or_address_is_not() {
        assert!(broad("-j MARK --set-xmark 0x1/0xffffffff"));
        assert!(broad(
            "-i left -m comment --comment \"all of it\" -j MARK --set-xmark 0x1/0xffffffff"
        ));
        assert!(broad(
            "! -i wan -m conntrack --ctstate NEW -j CONNMARK --restore-mark"
        ));
        assert!(!broad(
            "-p tcp -m tcp --dport 80 -j MARK --set-xmark 0x1/0xffffffff"
        ));
        assert!(!broad("-s 10.0.0.0/24 -j MARK --set-xmark 0x1/0xffffffff"));
        assert!(!broad(
            "-m set --match-set web dst -j MARK --set-xmark 0x1/0xffffffff"
        ));
    }
}
