//! The sender's route names a source (`src`) off the link it leaves by (a /32 on `lo`, say):
//! the routers have no way back to that address, and the fix is the sender's route, not a
//! route for it at every router on the way back.

use super::fib::{table_name, TABLE_MAIN};
use super::fib_lookup::decide;
use super::kernel::Kernel;
use super::report::Report;
use super::route_fix::{dst_word, exec};
use super::route_get::Lookup;
use std::net::IpAddr;

/// `true` (said in `r`, at the sender) when the reply to `to` has no route back at `at`
/// because the sender chose `to` by its route's `src` hint.
pub(crate) fn blame_sender(
    k: &mut dyn Kernel,
    r: &mut Report,
    at: &str,
    to: IpAddr,
    words: &str,
) -> bool {
    let Some(sender) = k.namespaces().into_iter().find(|n| n.to_string() == r.src) else {
        return false;
    };
    let Ok(dst) = r.dst.parse::<IpAddr>() else {
        return false;
    };
    let Ok(out) = k.route_get(&sender, &Lookup::to(dst)) else {
        return false;
    };
    let held = k
        .view(&sender)
        .and_then(|v| v.addr_owner(to).map(|(l, _)| l.to_string()));
    let Some(on) = held.filter(|l| *l != out.dev && out.src == Some(to)) else {
        return false;
    };
    let d = decide(&k.fib(&sender), &Lookup::to(dst));
    let Some(rt) = d.route else {
        return false;
    };
    let via = rt.via.map(|g| format!(" via {g}")).unwrap_or_default();
    let table = match rt.table {
        TABLE_MAIN => String::new(),
        t => format!(" table {}", table_name(t)),
    };
    r.block(
        &sender,
        format!(
            "{sender} sends from {to} (on {on}, not on {}, the link its route leaves by: the \
             route's `src`), and {at} has no route back to it ({words})",
            out.dev
        ),
        Some(exec(
            &sender,
            &format!(
                "ip route replace {}{via} dev {}{table}",
                dst_word(&rt.dst),
                out.dev
            ),
        )),
    );
    true
}
