//! An address a namespace holds, its local route in place, and still not taken as its own:
//! the policy rule that looks up table local was moved below a rule that sends the packet
//! elsewhere (as VRF and anycast guides move it), or deleted. The kernel then neither answers
//! ARP for the address nor delivers the packet; the local rule back at priority 0 mends it.

use super::fib::{table_name, Fib, RuleAction, TABLE_LOCAL};
use super::fib_lookup::{decide, longest};
use super::route_fix::exec;
use super::route_get::{Lookup, RouteGet, RouteKind};
use crate::sys::Netns;
use std::net::IpAddr;

/// The cause and fix when `dst`'s local route is in `fib`'s table local but the kernel's
/// lookup (`got`) did not end there because of the rules; `None` when the route is missing.
pub(crate) fn routed_away(
    fib: &Fib,
    ns: &Netns,
    dst: IpAddr,
    got: &RouteGet,
) -> Option<(String, String)> {
    longest(fib, TABLE_LOCAL, dst).filter(|rt| rt.kind == RouteKind::Local)?;
    let d = decide(fib, &Lookup::to(dst));
    // Where the packet goes instead: the route the rules reach, else the kernel's link.
    let away = match &d.route {
        Some(rt) => format!("table {}'s `{}`", table_name(rt.table), rt.text()),
        None => format!("its rules (out {})", got.dev),
    };
    let local_rule = fib
        .rules
        .iter()
        .filter(|r| r.action == RuleAction::Lookup && r.table == TABLE_LOCAL)
        .min_by_key(|r| r.priority);
    let why = match local_rule {
        None => format!("{ns} has no policy rule that looks up table local (`0: from all lookup local` was deleted)"),
        Some(l) => {
            let first = d.rule.as_ref().filter(|r| r.priority < l.priority)?;
            format!(
                "{ns}'s policy rule `{}` comes before the local table's rule ({})",
                first.text(),
                l.priority
            )
        }
    };
    let cause = format!("{why}, so {dst}, {ns}'s own address (its local route is there), is routed away by {away}: the kernel neither answers ARP for it nor takes the packet as its own");
    let fix = exec(ns, "ip rule add pref 0 lookup local");
    Some((cause, fix))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::why::fib::{FibRoute, FibRule};

    fn rule(priority: u32, table: u32) -> FibRule {
        FibRule {
            priority,
            table,
            ..FibRule::default()
        }
    }

    fn route(table: u32, dst: &str, kind: RouteKind, via: Option<&str>) -> FibRoute {
        FibRoute {
            table,
            dst: dst.parse().unwrap(),
            kind,
            via: via.map(|v| v.parse().unwrap()),
            dev: Some("veth2".into()),
            metric: None,
            hops: vec![],
            src: None,
            scope: 0,
        }
    }

    #[test]
    fn a_catch_all_before_the_moved_local_rule_is_named_and_a_missing_route_is_not() {
        let ns = Netns::named("ns2");
        let dst: IpAddr = "10.1.1.3".parse().unwrap();
        let mut fib = Fib {
            rules: vec![rule(100, 100), rule(32000, TABLE_LOCAL), rule(32766, 254)],
            routes: vec![
                route(100, "0.0.0.0/0", RouteKind::Unicast, Some("10.1.1.1")),
                route(TABLE_LOCAL, "10.1.1.3/32", RouteKind::Local, None),
            ],
        };
        let got = RouteGet::default();
        let (cause, fix) = routed_away(&fib, &ns, dst, &got).unwrap();
        assert!(cause.starts_with("ns2's policy rule `100: from all lookup 100` comes before the local table's rule (32000), so 10.1.1.3"), "{cause}");
        assert_eq!(fix, r#"ns2.sh("ip rule add pref 0 lookup local")"#);
        // The local rule first again: not the rules' doing.
        fib.rules.push(rule(0, TABLE_LOCAL));
        assert_eq!(routed_away(&fib, &ns, dst, &got), None);
        // The local route gone: the rules are not the cause either.
        fib.routes.pop();
        fib.rules.remove(3);
        assert_eq!(routed_away(&fib, &ns, dst, &got), None);
    }
}
