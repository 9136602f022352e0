//! No route in the tables the rules look up, but one in a table no rule reads: a route added
//! with `table N` by mistake (or a rule deleted since). The route is named where it sits, and
//! the fix puts it in main with its own gateway.

use super::fib::{table_name, FibRoute, RuleAction, TABLE_LOCAL, TABLE_MAIN};
use super::kernel::Kernel;
use super::route_fix::{exec, route_add};
use super::route_get::RouteKind;
use crate::sys::Netns;
use std::net::IpAddr;

/// `(words, fix)`: the longest unicast route to `dst` in a table of `at` that no policy rule
/// looks up, said after "no route to DST (…)".
pub(crate) fn stray(
    k: &mut dyn Kernel,
    at: &Netns,
    dst: IpAddr,
) -> Option<(String, Option<String>)> {
    let fib = k.fib(at);
    let read = |t: u32| {
        fib.rules
            .iter()
            .any(|x| x.action == RuleAction::Lookup && x.table == t)
    };
    let rt: &FibRoute = fib
        .routes
        .iter()
        .filter(|x| ![TABLE_MAIN, TABLE_LOCAL, 253].contains(&x.table) && !read(x.table))
        .filter(|x| x.kind == RouteKind::Unicast && x.dst.contains(&dst))
        .max_by_key(|x| x.dst.prefix_len())?;
    let words = format!(
        "table {} holds `{}`, but no policy rule of {at} looks that table up",
        table_name(rt.table),
        rt.text()
    );
    let fix = match (rt.via, rt.dev.as_deref()) {
        (Some(gw), _) if super::main_unreached::gateway_ok(k, at, gw) => {
            Some(route_add(at, &rt.dst, gw))
        }
        (None, Some(dev)) => Some(exec(
            at,
            &format!(
                "ip route add {} dev {dev}",
                super::route_fix::dst_word(&rt.dst)
            ),
        )),
        _ => None,
    };
    Some((words, fix))
}
