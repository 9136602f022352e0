//! A route that would carry the packet, kept in a table whose policy rule comes after the rule
//! that answered: the kernel stops at the first rule whose table holds a route, so a late rule's
//! table is never read when main (or an earlier table) answers with a route that loses the
//! packet. The rule is moved before the one that answered; the route put in main is the other
//! way.

use super::fib::{table_name, FibRoute, FibRule, RuleAction, TABLE_MAIN};
use super::fib_lookup::{decide, longest, matches};
use super::kernel::Kernel;
use super::report::Report;
use super::route_fix::{exec, route_add};
use super::route_get::{Lookup, RouteKind};
use crate::sys::Netns;
use std::net::IpAddr;

/// The late rule, its table's route, the rule that answered first and its route (none when the
/// rule refuses by itself).
pub(crate) struct Late {
    rule: FibRule,
    route: FibRoute,
    first: FibRule,
    answer: Option<FibRoute>,
    /// Every rule's priority: a moved rule takes a free one.
    taken: Vec<u32>,
}

/// The rule after the one that decided `q` at `at` that matches it and whose table holds a
/// unicast route to `q.dst` through `gw` (the neighbour towards the destination).
pub(crate) fn find(k: &mut dyn Kernel, at: &Netns, q: &Lookup, gw: IpAddr) -> Option<Late> {
    let fib = k.fib(at);
    let d = decide(&fib, q);
    let first = d.rule?;
    let mut rules: Vec<&FibRule> = fib.rules.iter().collect();
    rules.sort_by_key(|r| r.priority);
    let (rule, route) = rules.into_iter().find_map(|r| {
        // main's own rule after an earlier one: that earlier rule is the fault, said as such.
        let later = r.priority > first.priority && r.table != first.table && !r.stock();
        if !later || r.action != RuleAction::Lookup || !matches(r, q) {
            return None;
        }
        let rt = longest(&fib, r.table, q.dst)?;
        let works = rt.kind == RouteKind::Unicast && rt.via.unwrap_or(q.dst) == gw;
        works.then(|| (r.clone(), rt.clone()))
    })?;
    Some(Late {
        rule,
        route,
        first,
        answer: d.route,
        taken: fib.rules.iter().map(|r| r.priority).collect(),
    })
}

/// The kernel refused `q` at `at` (`words`: its error): a late rule's table that holds the
/// way towards the destination's holder is the cause (said in `r`).
pub(crate) fn refused(
    k: &mut dyn Kernel,
    r: &mut Report,
    at: &Netns,
    q: &Lookup,
    words: &str,
) -> bool {
    let Some((t, _)) = super::owner::owner(k, q.dst) else {
        return false;
    };
    let Some((hop, gw)) = super::toward::toward(k, at, &t, q.dst.is_ipv4()) else {
        return false;
    };
    if hop == *at {
        return false;
    }
    let Some(late) = find(k, at, q, gw) else {
        return false;
    };
    block(r, at, &late, &format!("refuses the packet ({words})"));
    true
}

/// Blocks (in `r`, at `at`) with the late rule as the cause: `then` says what the answer that
/// came first does with the packet. The fix moves the rule before the one that answered; the
/// other way puts the route in main. A rule that only refuses is deleted instead.
pub(crate) fn block(r: &mut Report, at: &Netns, late: &Late, then: &str) {
    let first = match late.first.stock() && late.first.table == TABLE_MAIN {
        true => format!("main ({})", late.first.priority),
        false => format!("rule `{}`", late.first.text()),
    };
    let answer = match &late.answer {
        Some(a) => format!("{}'s `{}`", table_word(a.table), a.text()),
        None => format!("rule `{}`", late.first.text()),
    };
    let cause = format!(
        "{at}'s route `{}` is in table {}, whose rule `{}` comes after {first}: {answer} \
         answers first and {then}",
        late.route.text(),
        table_name(late.route.table),
        late.rule.text()
    );
    // A rule that only refuses (prohibit, blackhole, unreachable), put before the lookup that
    // carries the packet, is deleted; moving the lookup before it is the other way.
    if late.answer.is_none() && late.first.action != RuleAction::Lookup {
        r.block(at, cause, Some(super::route_fix::rule_del(at, &late.first)));
        r.other_way = Some(moved(at, late));
        return;
    }
    r.block(at, cause, Some(moved(at, late)));
    // The route in main works only where main answered, by a shorter prefix (one of the
    // same prefix cannot be added beside it).
    let main = late.answer.as_ref().filter(|a| a.table == TABLE_MAIN);
    if let (Some(gw), Some(a)) = (late.route.via, main) {
        if a.dst.prefix_len() < late.route.dst.prefix_len() {
            r.other_way = Some(route_add(at, &late.route.dst, gw));
        }
    }
}

fn table_word(t: u32) -> String {
    match t {
        TABLE_MAIN => "main".into(),
        t => format!("table {}", table_name(t)),
    }
}

/// `r.sh("ip rule del pref 40000"); r.sh("ip rule add from … lookup 100 pref 32765")`:
/// the same selectors, at the free priority just before the rule that answered.
fn moved(at: &Netns, late: &Late) -> String {
    let text = late.rule.text();
    let selectors = text
        .split_once(':')
        .map_or(text.as_str(), |(_, s)| s)
        .trim();
    let mut pref = late.first.priority.saturating_sub(1);
    while pref > 1 && late.taken.contains(&pref) {
        pref -= 1;
    }
    format!(
        "{}; {}",
        exec(at, &format!("ip rule del pref {}", late.rule.priority)),
        exec(at, &format!("ip rule add {selectors} pref {pref}"))
    )
}
