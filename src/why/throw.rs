//! A `throw` route: the kernel leaves its table there and goes on with the next policy rule,
//! as if the table had no route. A throw in the table that holds the way out sends the packet
//! on to tables that have none: the throw is the fault, not the rule that chose the table.

use super::fib::table_name;
use super::fib_lookup::{decide, longest};
use super::kernel::Kernel;
use super::report::Report;
use super::route_fix::{dst_word, exec};
use super::route_get::{Lookup, Refusal, RouteKind};
use crate::sys::Netns;

/// Blocks in `r` and returns true when a throw route sent `q` past a route of its own table
/// that holds the destination, and no table after it has one (the kernel said no route).
pub(crate) fn thrown(
    k: &mut dyn Kernel,
    r: &mut Report,
    at: &Netns,
    q: &Lookup,
    e: &Refusal,
) -> bool {
    let fib = k.fib(at);
    let d = decide(&fib, q);
    let Some((rule, throw)) = d.thrown else {
        return false;
    };
    // What the table gives without the throw: the longest other route that holds `dst`.
    let mut rest = fib.clone();
    rest.routes.retain(|x| x.kind != RouteKind::Throw);
    let Some(under) = longest(&rest, throw.table, q.dst) else {
        return false;
    };
    let after: Vec<String> = d
        .empty
        .iter()
        .skip_while(|x| **x != rule)
        .skip(1)
        .map(|x| table_name(x.table))
        .collect();
    let table = table_name(throw.table);
    let by = if rule.stock() {
        String::new()
    } else {
        format!(" (by rule `{}`)", rule.text())
    };
    r.block(
        at,
        format!(
            "{at} has no route to {}: route `{}` in table {table}{by} throws the packet past that table's `{}`, on to the next rules, and {} no route to it ({})",
            q.dst,
            throw.text(),
            under.text(),
            match after.len() {
                0 => "no table after it has".to_string(),
                1 => format!("table {} has", after[0]),
                _ => format!("tables {} have", after.join(", ")),
            },
            e.words
        ),
        Some(exec(
            at,
            &format!("ip route del throw {} table {table}", dst_word(&throw.dst)),
        )),
    );
    true
}
