//! Route fixes in DSL form. The DSL manages the main table; a route in another table or a
//! policy rule has no DSL verb, so its fix is the `ip` command run by `exec()`.

use super::fib::{table_name, FibRoute, FibRule, TABLE_MAIN};
use super::words::call;
use crate::sys::Netns;
use ipnet::IpNet;
use std::net::IpAddr;

/// A destination as the DSL writes it: `default`, or a network in CIDR form.
pub(crate) fn dst_word(n: &IpNet) -> String {
    if n.prefix_len() == 0 {
        "default".into()
    } else {
        n.trunc().to_string()
    }
}

/// `ns1.sh("ip rule del priority 100")`.
pub(crate) fn exec(ns: &Netns, cmd: &str) -> String {
    call(ns, &format!("sh(\"{cmd}\")"))
}

/// The fix that removes a policy rule, by its priority (what names it uniquely enough).
pub(crate) fn rule_del(ns: &Netns, rule: &FibRule) -> String {
    exec(ns, &format!("ip rule del priority {}", rule.priority))
}

/// Removes `route`: `del_route` for the main table (adopted: the lab did not make it), else
/// the policy rule that chose its table when that rule is not one of the stock three, else
/// `ip route del` in that table.
pub(crate) fn route_del(ns: &Netns, route: &FibRoute, rule: Option<&FibRule>) -> String {
    if route.table == TABLE_MAIN {
        return call(
            ns,
            &format!(
                "del_route(\"{}\", #{{ adopted: true }})",
                dst_word(&route.dst)
            ),
        );
    }
    match rule.filter(|r| !r.stock()) {
        Some(r) => rule_del(ns, r),
        None => exec(
            ns,
            &format!(
                "ip route del {} {} table {}",
                route.kind.word(),
                dst_word(&route.dst),
                table_name(route.table)
            ),
        ),
    }
}

/// `ns.route("10.0.9.0/24", "10.0.2.2")`.
pub(crate) fn route_add(ns: &Netns, dst: &IpNet, gw: IpAddr) -> String {
    call(ns, &format!("route(\"{}\", \"{gw}\")", dst_word(dst)))
}

/// The route sent the wrong way made to go through `gw` instead (a route of the main table
/// is deleted and added again: the DSL has no replace).
pub(crate) fn route_via(
    ns: &Netns,
    route: &FibRoute,
    rule: Option<&FibRule>,
    gw: IpAddr,
) -> String {
    if route.table == TABLE_MAIN {
        return format!(
            "{}; {}",
            route_del(ns, route, rule),
            route_add(ns, &route.dst, gw)
        );
    }
    exec(
        ns,
        &format!(
            "ip route replace {} via {gw} table {}",
            dst_word(&route.dst),
            table_name(route.table)
        ),
    )
}
