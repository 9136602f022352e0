//! A multihomed host's way back by the link a packet came in on, kept in a table of its own that
//! no policy rule looks up any more (`ip rule add from 10.0.4.2 lookup 102` lost in a network
//! restart): the strict reverse-path filter drops the request, since the route back to its
//! source leaves by another link. The fix is the rule back (the table still routes by the
//! link), not a looser filter (the reply would then leave by the wrong link).

use super::fib::{table_name, Fib, RuleAction, TABLE_LOCAL, TABLE_MAIN};
use super::fib_lookup::{decide, longest};
use super::kernel::Kernel;
use super::route_fix::exec;
use super::route_get::{Lookup, RouteKind};
use super::rpfilter::uses;
use crate::sys::Netns;
use std::net::IpAddr;

/// The table `default` of `ip rule`: never one a host keeps its own way back in.
const TABLE_DEFAULT: u32 = 253;

/// For a packet from `src` to `dst` (an address `at` holds on `iif`) that arrived on `iif`:
/// the words and the rule to add, when a table no rule looks up routes back to `src` by `iif`.
pub(crate) fn unlooked_table(
    k: &mut dyn Kernel,
    at: &Netns,
    src: IpAddr,
    dst: IpAddr,
    iif: &str,
) -> Option<(String, String)> {
    let on_iif = k
        .view(at)?
        .addrs
        .iter()
        .any(|(l, a)| l == iif && a.addr() == dst);
    if !on_iif {
        return None;
    }
    let fib = k.fib(at);
    let t = table_back(&fib, src, iif)?;
    let q = Lookup {
        src: Some(dst),
        ..Lookup::to(src)
    };
    let before = decide(&fib, &q)
        .rule
        .map_or(TABLE_MAIN_PREF, |r| r.priority);
    let pref = free_pref(&fib, before)?;
    let name = table_name(t);
    Some((
        format!(
            "; table {name} routes back to {src} by {iif}, but no policy rule looks it up \
             (`from {dst} lookup {name}` is missing)"
        ),
        exec(
            at,
            &format!("ip rule add from {dst} lookup {name} pref {pref}"),
        ),
    ))
}

/// The priority of the rule `ip` makes for table main.
const TABLE_MAIN_PREF: u32 = 32766;

/// The one table of `fib` (not main, local or default) that no rule looks up and whose route
/// to `src` is a unicast one by `iif`.
fn table_back(fib: &Fib, src: IpAddr, iif: &str) -> Option<u32> {
    let mut tables: Vec<u32> = fib
        .routes
        .iter()
        .map(|r| r.table)
        .filter(|t| ![TABLE_MAIN, TABLE_LOCAL, TABLE_DEFAULT].contains(t))
        .collect();
    tables.sort_unstable();
    tables.dedup();
    let looked = |t: u32| {
        fib.rules
            .iter()
            .any(|r| r.table == t && r.action == RuleAction::Lookup)
    };
    let fits: Vec<u32> = tables
        .into_iter()
        .filter(|t| !looked(*t))
        .filter(|t| {
            longest(fib, *t, src).is_some_and(|r| r.kind == RouteKind::Unicast && uses(r, iif))
        })
        .collect();
    match fits.as_slice() {
        [t] => Some(*t),
        _ => None,
    }
}

/// The highest priority below `before` that no rule holds.
fn free_pref(fib: &Fib, before: u32) -> Option<u32> {
    (1..before)
        .rev()
        .find(|p| fib.rules.iter().all(|r| r.priority != *p))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::why::fib::{FibRoute, FibRule};

    /// A unicast route by `dev` (rpfilter_tests' helper).
    fn route(table: u32, dst: &str, dev: &str) -> FibRoute {
        crate::why::rpfilter_tests::route(table, dst, RouteKind::Unicast, dev)
    }

    fn rule(priority: u32, table: u32) -> FibRule {
        FibRule {
            priority,
            table,
            ..FibRule::default()
        }
    }

    fn dual() -> Fib {
        Fib {
            rules: vec![
                rule(0, TABLE_LOCAL),
                rule(32766, TABLE_MAIN),
                rule(32767, 253),
            ],
            routes: vec![
                route(TABLE_MAIN, "0.0.0.0/0", "eth0"),
                route(102, "0.0.0.0/0", "eth1"),
                route(102, "10.0.4.0/24", "eth1"),
            ],
        }
    }

    #[test]
    fn a_table_no_rule_looks_up_that_routes_back_by_the_link_is_found() {
        let src: IpAddr = "10.0.2.2".parse().unwrap();
        assert_eq!(table_back(&dual(), src, "eth1"), Some(102));
        assert_eq!(table_back(&dual(), src, "eth0"), None);
        let mut looked = dual();
        looked.rules.push(rule(100, 102));
        assert_eq!(table_back(&looked, src, "eth1"), None);
        assert_eq!(free_pref(&dual(), 32766), Some(32765));
    }
}
