//! A policy rule of type goto (`ip rule add … goto N`) that jumps over the rule whose table
//! holds the route: the kernel never looks in that table, and the lookup ends with nothing, or
//! with a later table's route that loses the packet.

use super::fib::{table_name, Fib, FibRoute, FibRule, RuleAction, TABLE_MAIN};
use super::fib_lookup::{longest, matches};
use super::kernel::Kernel;
use super::report::Report;
use super::route_fix::rule_del;
use super::route_get::{Lookup, RouteKind};
use crate::sys::Netns;

/// The goto rule the kernel follows for `q`, the rule it jumps over and that rule's route.
fn jump(
    rules: &[FibRule],
    fib: &super::fib::Fib,
    q: &Lookup,
) -> Option<(FibRule, FibRule, FibRoute)> {
    let mut rules: Vec<&FibRule> = rules.iter().collect();
    rules.sort_by_key(|r| r.priority);
    let mut skip_to: Option<u32> = None;
    let mut by: Option<&FibRule> = None;
    for r in rules {
        if !matches(r, q) {
            continue;
        }
        if skip_to.is_some_and(|t| r.priority < t) {
            let held = (r.action == RuleAction::Lookup)
                .then(|| longest(fib, r.table, q.dst))
                .flatten()
                .filter(|rt| rt.kind == RouteKind::Unicast);
            if let (Some(g), Some(rt)) = (by, held) {
                return Some((g.clone(), r.clone(), rt.clone()));
            }
            continue;
        }
        skip_to = None;
        match r.action {
            RuleAction::Goto => (skip_to, by) = (r.goto, Some(r)),
            RuleAction::Lookup if longest(fib, r.table, q.dst).is_some() => return None,
            RuleAction::Lookup | RuleAction::Nop | RuleAction::Other => {}
            _ => return None,
        }
    }
    None
}

/// Blocks in `r` and returns true when the kernel found no route for `q` in `at` (`words`, its
/// answer) because a goto rule jumped over the rule whose table holds one.
pub(crate) fn jumped(
    k: &mut dyn Kernel,
    r: &mut Report,
    at: &Netns,
    q: &Lookup,
    words: &str,
) -> bool {
    let fib = k.fib(at);
    let Some((goto, past, route)) = jump(&fib.rules, &fib, q) else {
        return false;
    };
    let table = table_word(past.table);
    r.block(
        at,
        format!(
            "{at}'s policy rule `{}` jumps past {table} ({}), so {table}'s `{}` is never looked up and the lookup ends with nothing ({words})",
            goto.text(),
            past.priority,
            route.text()
        ),
        Some(rule_del(at, &goto)),
    );
    true
}

/// The goto rule that made `q` at `at` take `taken` (a later table's route) over the route of
/// the table it jumped past: the shadow's cause (`what`: "packet" or "reply") and its fix.
pub(crate) fn past(
    fib: &Fib,
    at: &Netns,
    q: &Lookup,
    what: &str,
    taken: &FibRoute,
) -> Option<(String, String)> {
    let (goto, past, route) = jump(&fib.rules, fib, q)?;
    let cause = format!(
        "{at}'s policy rule `{}` jumps past {} ({}), so the {what} to {} is sent by table {}'s route `{}` instead of `{}`, and it is lost that way",
        goto.text(),
        table_word(past.table),
        past.priority,
        q.dst,
        table_name(taken.table),
        taken.text(),
        route.text()
    );
    Some((cause, rule_del(at, &goto)))
}

/// `main`, or `table 100`.
fn table_word(t: u32) -> String {
    match t {
        TABLE_MAIN => "main".to_string(),
        t => format!("table {}", table_name(t)),
    }
}
