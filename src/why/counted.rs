//! The kernel's own answer: rule counters read before and after the probe. When the probe
//! gets no reply, the rule (or policy) whose counter rose and whose verdict drops is what
//! dropped it, whether the analysis understood that rule or not.

use super::hooks::chain_words;
use super::kernel::Kernel;
use super::report::Report;
use super::rule_match::{judge, Hold, Seen};
use crate::firewall::counters::Count;
use crate::sys::Netns;

/// Each namespace the walk went through, with its counters (where they can be read).
pub(crate) type Snapshot = Vec<(Netns, Vec<Count>)>;

const BUILTIN: [&str; 5] = ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"];

pub(crate) fn snapshot(k: &mut dyn Kernel, r: &Report) -> Snapshot {
    let mut out: Snapshot = vec![];
    for ns in k.namespaces() {
        let name = ns.to_string();
        let on_path = name == r.src || r.hops.iter().any(|h| h.at == name);
        if on_path {
            if let Some(c) = k.counters(&ns) {
                out.push((ns, c));
            }
        }
    }
    out
}

/// The counters that rose between `before` and now.
fn rose(k: &mut dyn Kernel, before: &Snapshot) -> Vec<(Netns, Count)> {
    let mut out = vec![];
    for (ns, old) in before {
        let Some(new) = k.counters(ns) else { continue };
        for c in new {
            let was = old
                .iter()
                .find(|o| o.table == c.table && o.chain == c.chain && o.index == c.index)
                .map_or(0, |o| o.packets);
            if c.packets > was {
                out.push((ns.clone(), c));
            }
        }
    }
    out
}

/// The built-in chain a rule's packet entered by: itself, or the one whose rule jumped (a
/// counter that rose too) to the chain holding it.
fn entered_by(rose: &[(Netns, Count)], ns: &Netns, c: &Count) -> Option<String> {
    let mut chain = c.chain.clone();
    for _ in 0..16 {
        if BUILTIN.contains(&chain.as_str()) {
            return Some(chain);
        }
        let (_, jump) = rose.iter().find(|(n, j)| {
            n == ns && j.table == c.table && j.target == chain && j.rule.is_some()
        })?;
        chain = jump.chain.clone();
    }
    None
}

/// `ns`'s rule (or policy) that the probe's packet met and that drops, with the fix that
/// accepts this path first in its built-in chain; `None` when no counter says so.
pub(crate) fn blame(k: &mut dyn Kernel, r: &mut Report, before: &Snapshot) -> bool {
    let rose = rose(k, before);
    let Some((ns, c)) = rose
        .iter()
        .find(|(_, c)| matches!(c.target.as_str(), "DROP" | "REJECT"))
    else {
        return false;
    };
    let builtin = entered_by(&rose, ns, c).unwrap_or_else(|| c.chain.clone());
    let seen: Option<Seen> = r
        .crossed_chains
        .iter()
        .filter(|(n, t, ch, _)| n == ns && *t == c.table && *ch == builtin)
        .map(|(_, _, _, p)| p.clone())
        .find(|p| c.rule.as_ref().is_none_or(|s| judge(s, p).hold != Hold::No));
    let what = match &c.rule {
        Some(spec) => {
            let t = match c.table.as_str() {
                "filter" => String::new(),
                t => format!("-t {t} "),
            };
            format!("rule `{t}-A {} {spec}`", c.chain)
        }
        None => format!("policy {}", c.target),
    };
    // A packet the analysis did not follow through this chain (a tunnel's underlay): the
    // rule itself goes, as `iptables -D` names it.
    let delete = || {
        let spec = c.rule.as_ref().filter(|s| !s.contains('"'))?;
        let t = match c.table.as_str() {
            "filter" => String::new(),
            t => format!("-t {t} "),
        };
        let cmd = format!("sh(\"iptables {t}-D {} {spec}\")", c.chain);
        Some(super::words::call(ns, &cmd))
    };
    let now = k.counters(ns).unwrap_or_default();
    let risen = |q: &Count| {
        rose.iter()
            .any(|(n, x)| n == ns && x.table == q.table && x.chain == q.chain && x.index == q.index)
    };
    let holds = |rest: &str| {
        seen.as_ref()
            .is_none_or(|p| judge(rest, p).hold != Hold::No)
    };
    let spent = super::quota::passed_over(&now, &risen, c, &holds);
    let fix = match (&spent, seen) {
        (Some(q), _) => Some(q.fix(ns)),
        (None, Some(p)) => Some(super::hooks::accept_path(k, ns, &c.table, &builtin, &p)),
        (None, None) => delete(),
    };
    r.block(
        ns,
        format!(
            "{ns}'s {} chain {} the probe: {what} (its packet counter rose by the probe's packet){}",
            chain_words(&c.table, &c.chain),
            super::traverse::verb(&c.target),
            spent.map(|q| q.words()).unwrap_or_default()
        ),
        fix,
    );
    true
}

/// Without counters: the rules the analysis did not understand are what may drop it.
pub(crate) fn suspect(r: &mut Report) -> bool {
    let Some(h) = r.hops.iter().find(|h| h.unsure).cloned() else {
        return false;
    };
    let ns = h.at.clone();
    r.block(
        &ns,
        format!(
            "the probe got no reply, and every step the analysis understood is clear: {} may be what drops it",
            h.text
        ),
        None,
    );
    true
}
