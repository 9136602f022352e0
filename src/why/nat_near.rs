//! A near-miss: a rule the packet needed that names a link its namespace does not have (a
//! MASQUERADE limited to `-o enp1s0` where the NIC is eth0). It never matches, so the packet
//! goes on as if the rule were not there; the fault is the rule, not what fails downstream.

use super::kernel::Kernel;
use super::report::Report;
use super::rule_match::{iface, Seen};
use super::traverse::{traverse, At};
use super::words::call;
use crate::sys::Netns;

/// How many chains of one table are searched for interface names (a lab has a handful).
const CHAINS: usize = 32;

/// A rule of `table`/`chain` that would have decided for the packet, were its interface the
/// packet's own: `-o named` (or `-i`) where the packet has `real`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct NearMiss {
    pub(crate) ns: Netns,
    pub(crate) rule: At,
    /// `-o` or `-i`.
    pub(crate) flag: &'static str,
    pub(crate) named: String,
    pub(crate) real: String,
}

/// The rules of `table` reachable from its built-in `chain` (user chains followed): (the
/// chain it is in, its number there, its spec).
pub(crate) fn reachable(
    k: &mut dyn Kernel,
    ns: &Netns,
    table: &str,
    chain: &str,
) -> Vec<(String, usize, String)> {
    let mut todo = vec![chain.to_string()];
    let mut done: Vec<String> = vec![];
    let mut out = vec![];
    while let Some(c) = todo.pop() {
        if done.contains(&c) || done.len() >= CHAINS {
            continue;
        }
        done.push(c.clone());
        let Some(ch) = k.chain(ns, table, &c) else {
            continue;
        };
        for (n, spec) in ch.rules.into_iter().enumerate() {
            let w: Vec<&str> = spec.split_whitespace().collect();
            if let Some(t) = w.iter().position(|x| matches!(*x, "-j" | "-g")) {
                if let Some(t) = w.get(t + 1) {
                    todo.push(t.to_string());
                }
            }
            out.push((c.clone(), n + 1, spec));
        }
    }
    out
}

/// The interfaces a rule names, not negated, for `flag` (`-o`, `-i`).
fn named<'a>(spec: &'a str, flag: &str) -> Option<&'a str> {
    let w: Vec<&str> = spec.split_whitespace().collect();
    let at = w.iter().position(|x| *x == flag)?;
    if at > 0 && w[at - 1] == "!" {
        return None;
    }
    w.get(at + 1).copied()
}

/// The first rule of `table`/`chain` (user chains followed) with a target in `targets` that
/// would decide for `p` if only its `-o` (or `-i`) were the packet's, where the link it
/// names is none of `ns`'s. Read only when the walk needed that rule and did not get it.
pub(crate) fn near_miss(
    k: &mut dyn Kernel,
    ns: &Netns,
    (table, chain): (&str, &str),
    p: &Seen,
    targets: &[&str],
) -> Option<NearMiss> {
    let links: Vec<String> = k.view(ns)?.links.keys().cloned().collect();
    let missing = |x: &str| !links.iter().any(|l| iface(x, l));
    for (flag, real) in [("-o", &p.out_dev), ("-i", &p.in_dev)] {
        let Some(real) = real else { continue };
        let mut names: Vec<String> = vec![];
        for (_, _, spec) in reachable(k, ns, table, chain) {
            if let Some(x) = named(&spec, flag).filter(|x| missing(x)) {
                if !names.iter().any(|n| n == x) {
                    names.push(x.to_string());
                }
            }
        }
        for x in names {
            let mut q = p.clone();
            match flag {
                "-o" => q.out_dev = Some(x.clone()),
                _ => q.in_dev = Some(x.clone()),
            }
            let Some(o) = traverse(k, ns, table, chain, &q) else {
                continue;
            };
            let Some(rule) = o.by.filter(|b| named(&b.spec, flag) == Some(x.as_str())) else {
                continue;
            };
            if targets.contains(&o.target.as_str()) {
                return Some(NearMiss {
                    ns: ns.clone(),
                    rule,
                    flag,
                    named: x,
                    real: real.clone(),
                });
            }
        }
    }
    None
}

impl NearMiss {
    /// `hv's MASQUERADE rule `…` would rewrite 192.168.122.10, but it is limited to -o
    /// enp1s0, a link hv does not have; the packet leaves by eth0`.
    pub(crate) fn words(&self, would: &str) -> String {
        let target = self
            .rule
            .spec
            .split_whitespace()
            .skip_while(|w| !matches!(*w, "-j" | "-g"))
            .nth(1)
            .unwrap_or("")
            .to_string();
        let how = if self.flag == "-o" {
            "leaves by"
        } else {
            "comes in on"
        };
        format!(
            "{}'s {target} rule `{}` would {would}, but it is limited to {} {}, a link {} does not have; the packet {how} {}",
            self.ns,
            self.rule.text(),
            self.flag,
            self.named,
            self.ns,
            self.real
        )
    }

    /// The rule replaced in place (`iptables -R`) by one naming the packet's own link.
    pub(crate) fn fix(&self, k: &mut dyn Kernel) -> Option<String> {
        let ch = k.chain(&self.ns, &self.rule.table, &self.rule.chain)?;
        let n = ch.rules.iter().position(|r| *r == self.rule.spec)? + 1;
        let w: Vec<String> = self
            .rule
            .spec
            .split_whitespace()
            .map(String::from)
            .collect();
        let at = w.iter().position(|x| x == self.flag)?;
        let mut w = w;
        w[at + 1] = self.real.clone();
        let t = match self.rule.table.as_str() {
            "filter" => String::new(),
            t => format!("-t {t} "),
        };
        let cmd = format!("iptables {t}-R {} {n} {}", self.rule.chain, w.join(" "));
        Some(call(
            &self.ns,
            &format!("sh(\"{}\")", cmd.replace('"', "\\\"")),
        ))
    }

    /// The reply to the source this rule should have rewritten finds no way back at `at`
    /// (`cause`): the rule is the fault.
    pub(crate) fn blame(
        &self,
        k: &mut dyn Kernel,
        r: &mut Report,
        from: &str,
        at: &Netns,
        cause: &str,
    ) {
        let fix = self.fix(k);
        r.block(
            &self.ns,
            format!("{}: {at} {cause}", self.words(&format!("rewrite {from}"))),
            fix,
        );
    }
}
