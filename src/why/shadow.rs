//! A route taken from a table other than main (a policy rule's table, or a unicast route put
//! in table local, which rule 0 consults before main) that leaves another way than main's own
//! route would. Healthy policy routing does that on purpose, so the walk only notes it; when
//! the path it chose dies further on, the route and its rule are the fault, not what follows.

use super::break_kind::BreakKind;
use super::fib::{FibRoute, TABLE_LOCAL, TABLE_MAIN};
use super::fib_lookup::{longest, Decided};
use super::kernel::Kernel;
use super::report::Report;
use super::route_fix::{dst_word, exec, route_del, rule_del};
use super::route_get::{Lookup, RouteKind};
pub(crate) use super::shadow_note::Shadow;
use crate::sys::Netns;

/// Notes (in `r`, once) that the lookup `q` at `at`, just said as the last hop, was decided by
/// `d` from a table other than main, to a route that leaves another way than main's. `what`:
/// "packet" or "reply". Reads nothing unless the route came from another table.
pub(crate) fn note(
    k: &mut dyn Kernel,
    r: &mut Report,
    at: &Netns,
    q: &Lookup,
    d: Option<&Decided>,
    what: &str,
) {
    let Some(d) = d else { return };
    let Some(rt) = d.route.as_ref() else { return };
    if r.shadow.is_some() || rt.table == TABLE_MAIN || rt.kind != RouteKind::Unicast {
        return;
    }
    let fib = k.fib(at);
    let Some(main) = longest(&fib, TABLE_MAIN, q.dst).filter(|m| m.kind == RouteKind::Unicast)
    else {
        return;
    };
    if (&main.via, &main.dev) == (&rt.via, &rt.dev) {
        return;
    }
    let rule = d.rule.as_ref().filter(|x| !x.stock());
    let jumped = super::goto_rule::past(&fib, at, q, what, rt);
    let request = what == "packet" && jumped.is_none() && rule.is_some();
    let marked = rule.and_then(|x| super::mark_shadow::whole_net(k, at, q, x));
    let (cause, fix) = match (rule, marked) {
        _ if jumped.is_some() => jumped.unwrap_or_default(),
        _ if rt.table == TABLE_LOCAL => (
            format!(
                "a unicast route `{}` in {at}'s table local, looked up before main (rule 0), shadows main's route `{}`: the {what} to {} is sent that way and lost",
                rt.text(),
                main.text(),
                q.dst
            ),
            route_del(at, rt, None),
        ),
        (Some(rule), Some((by, fix))) if what == "packet" => {
            let cause = format!(
                "{at}'s rule `{}` marks the packet to {} {:#x}, so its policy rule `{}` sends it by table {}'s route `{}` instead of main's `{}`, and it is lost that way",
                by.text(),
                q.dst,
                q.mark,
                rule.text(),
                super::fib::table_name(rt.table),
                rt.text(),
                main.text()
            );
            (cause, fix)
        }
        (Some(rule), _) => (
            format!(
                "{at}'s policy rule `{}` sends the {what} to {} by table {}'s route `{}` instead of main's `{}`, and it is lost that way",
                rule.text(),
                q.dst,
                super::fib::table_name(rt.table),
                rt.text(),
                main.text()
            ),
            back_to_main(&fib, at, rule, main),
        ),
        (None, _) => return,
    };
    let hop = r.hops.len().saturating_sub(1);
    r.shadow = Some(Shadow {
        at: at.to_string(),
        hop,
        local: rt.table == TABLE_LOCAL,
        cause,
        fix,
        keep: false,
        request: rt.table != TABLE_LOCAL && request,
    });
}

/// A rule just before `rule` that sends main's prefix back to main: what `rule` is for stays
/// (its other destinations); a default in main, or a rule with no room before it, is deleted.
/// A wg-quick rule set (`not fwmark M lookup T`, T holding only a default route) gets back
/// the rule wg-quick puts before it, which lets main's routes more specific than a default win.
fn back_to_main(
    fib: &super::fib::Fib,
    at: &Netns,
    rule: &super::fib::FibRule,
    main: &FibRoute,
) -> String {
    if wg_quick(fib, rule) && main.dst.prefix_len() > 0 {
        let p = rule.priority - 1;
        return exec(
            at,
            &format!("ip rule add priority {p} lookup main suppress_prefixlength 0"),
        );
    }
    if main.dst.prefix_len() == 0 || rule.priority == 0 {
        return rule_del(at, rule);
    }
    exec(
        at,
        &format!(
            "ip rule add priority {} to {} lookup main",
            rule.priority - 1,
            dst_word(&main.dst)
        ),
    )
}

/// `not … fwmark M lookup T`, T's only route a default: the tunnel's catch-all, as wg-quick
/// (and tools like it) sets it up.
fn wg_quick(fib: &super::fib::Fib, rule: &super::fib::FibRule) -> bool {
    let mut routes = fib.routes.iter().filter(|r| r.table == rule.table);
    rule.invert
        && rule.fwmark.is_some()
        && rule.priority > 0
        && routes.all(|r| r.dst.prefix_len() == 0)
}

/// The walk found the path broken after a noted shadow: the shadow is the fault, the later
/// break what follows from it (the packet is expected to be lost there).
pub(crate) fn settle(r: &mut Report) {
    let Some(s) = r.shadow.take() else { return };
    let Some(b) = r.hops.iter().rposition(|h| !h.ok) else {
        return;
    };
    if b <= s.hop {
        return;
    }
    // The table's own route is dead (its gateway held by nobody): that route is the fault the
    // rule's table was meant to carry, mended in the table; dropping the rule is the other way.
    // rp_filter on an asymmetric path is a cause of its own, with its own fix.
    if r.break_kind == Some(BreakKind::RpFilter) {
        return;
    }
    // The request got through the rule's way and the reply is lost on its way back: the rule's
    // way works as far as the walk can tell, so the break found there stands on its own.
    if s.request && r.back {
        return;
    }
    if r.hops[b].at == s.at && r.break_kind == Some(BreakKind::DeadGateway) && !s.local {
        let rule = s.cause.trim_end_matches(", and it is lost that way");
        let cause = format!("{}: {rule}", r.hops[b].text);
        r.hops[b].text = cause.clone();
        r.broken = Some(cause);
        if r.fix.is_some() {
            r.other_way = Some(s.fix);
        }
        return;
    }
    let then = r.hops[b].at.clone();
    let lost = r.lost_at.take();
    r.hops[b].ok = true;
    r.hops[b].then = true;
    let back = r.back;
    let later = r.fix.take().filter(|_| s.keep);
    // No fix could be inferred (src/why/fallthrough.rs): the fault is named without one.
    let fix = Some(s.fix).filter(|f| !f.is_empty());
    r.block(&s.at, s.cause, fix);
    r.other_way = later;
    if let Some(h) = r.hops.pop() {
        r.hops.insert(s.hop + 1, h);
    }
    r.back = back;
    // Where the later break said the packet is lost (a host further on) stays the word.
    r.lost_at = lost.or(Some(then));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::why::report::Report;

    /// A noted policy route named as the fault: the later break it caused shows as `[then]`.
    #[test]
    fn the_break_a_shadow_explains_renders_as_then() {
        let mut r = Report {
            src: "c".into(),
            dst: "203.0.113.10".into(),
            evaluated: true,
            probe: Some(false),
            ..Report::default()
        };
        r.hop(&"h", "route to 203.0.113.10 via 10.50.0.1 dev mgmt");
        r.shadow = Some(Shadow {
            at: "h".into(),
            hop: 0,
            local: false,
            cause: "h's rule sends it out mgmt, and it is lost that way".into(),
            fix: "h.sh(\"ip rule del priority 100\")".into(),
            keep: false,
            request: true,
        });
        r.block(&"m", "m does not forward", None);
        settle(&mut r);
        assert_eq!(
            r.render(),
            "why c → 203.0.113.10\n  [ok] h: route to 203.0.113.10 via 10.50.0.1 dev mgmt\n  [BROKEN] h: h's rule sends it out mgmt, and it is lost that way\n  [then] m: m does not forward\n  fix: h.sh(\"ip rule del priority 100\")\n  probe: no reply from 203.0.113.10\nverdict: blocked — h's rule sends it out mgmt, and it is lost that way"
        );
    }
}
