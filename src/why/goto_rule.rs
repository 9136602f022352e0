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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::why::fib::TABLE_LOCAL;

    fn rule(priority: u32, action: RuleAction, table: u32, goto: Option<u32>) -> FibRule {
        FibRule {
            priority,
            action,
            table,
            goto,
            ..FibRule::default()
        }
    }

    /// The kernel's three rules, a `goto` at `goto_pref` to `to`, and main's route to 10.0.2.0/24.
    fn fib(goto_pref: u32, to: u32) -> Fib {
        Fib {
            rules: vec![
                rule(0, RuleAction::Lookup, TABLE_LOCAL, None),
                rule(goto_pref, RuleAction::Goto, 0, Some(to)),
                rule(32766, RuleAction::Lookup, TABLE_MAIN, None),
                rule(32767, RuleAction::Lookup, 253, None),
            ],
            routes: vec![FibRoute {
                table: TABLE_MAIN,
                dst: "10.0.2.0/24".parse().unwrap(),
                kind: RouteKind::Unicast,
                via: Some("10.0.0.2".parse().unwrap()),
                dev: Some("right".into()),
                metric: None,
                hops: vec![],
                src: None,
                scope: 0,
            }],
        }
    }

    fn to(dst: &str) -> Lookup {
        Lookup::to(dst.parse().unwrap())
    }

    #[test]
    fn a_goto_past_main_is_the_rule_that_hides_mains_route() {
        let f = fib(100, 32767);
        let (goto, past, route) = jump(&f.rules, &f, &to("10.0.2.2")).unwrap();
        assert_eq!(goto.text(), "100: from all goto 32767");
        assert_eq!(past.text(), "32766: from all lookup main");
        assert_eq!(route.text(), "10.0.2.0/24 via 10.0.0.2 dev right");
    }

    #[test]
    fn a_goto_that_lands_before_main_hides_nothing() {
        let f = fib(100, 32000);
        assert_eq!(jump(&f.rules, &f, &to("10.0.2.2")), None);
    }

    #[test]
    fn a_destination_main_has_no_route_for_is_not_the_gotos_doing() {
        let f = fib(100, 32767);
        assert_eq!(jump(&f.rules, &f, &to("192.0.2.1")), None);
    }

    #[test]
    fn the_shadow_names_the_goto_and_both_routes() {
        let f = fib(100, 32767);
        let mut taken = f.routes[0].clone();
        taken.table = 253;
        taken.dst = "0.0.0.0/0".parse().unwrap();
        taken.via = Some("10.0.0.9".parse().unwrap());
        let (cause, fix) = past(&f, &Netns::named("r1"), &to("10.0.2.2"), "reply", &taken).unwrap();
        assert_eq!(
            cause,
            "r1's policy rule `100: from all goto 32767` jumps past main (32766), so the reply to \
             10.0.2.2 is sent by table default's route `default via 10.0.0.9 dev right` instead \
             of `10.0.2.0/24 via 10.0.0.2 dev right`, and it is lost that way"
        );
        assert_eq!(fix, r#"r1.sh("ip rule del priority 100")"#);
    }
}
