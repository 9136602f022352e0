//! A route in table main that would serve the packet, and no policy rule that looks up main
//! (`ip rule flush` leaves only `0: from all lookup local`; `ip rule del pref 32766`): the
//! kernel never consults main, so its routes, the default among them, are never used. The
//! stock rules back mend it; a route added to main would not (nothing reads it), and one via
//! a gateway is refused (the gateway is unreachable too).

use super::fib::{Fib, RuleAction, TABLE_MAIN};
use super::fib_lookup::{decide, longest};
use super::kernel::Kernel;
use super::report::Report;
use super::route_fix::exec;
use super::route_get::{Lookup, RouteKind};
use crate::sys::Netns;
use std::net::IpAddr;

const TABLE_DEFAULT: u32 = 253;

/// Whether some rule looks up `table` (whatever its selectors).
fn looked_up(fib: &Fib, table: u32) -> bool {
    fib.rules
        .iter()
        .any(|x| x.action == RuleAction::Lookup && x.table == table)
}

/// Said in `r` (true) when the lookup `q` in `at` found no route (`e`) while table main holds
/// one for it that no rule reaches.
pub(crate) fn unreached(
    k: &mut dyn Kernel,
    r: &mut Report,
    at: &Netns,
    q: &Lookup,
    e: &str,
) -> bool {
    // The FIB read here is IPv4's.
    if !q.dst.is_ipv4() {
        return false;
    }
    let fib = k.fib(at);
    // No rule read at all: the FIB could not be read, nothing to judge.
    if fib.rules.is_empty() || looked_up(&fib, TABLE_MAIN) {
        return false;
    }
    // Main's route for the packet; else, when main holds routes at all, those lost with it
    // (the route to add next needs main's connected routes read again for its gateway).
    let serving = longest(&fib, TABLE_MAIN, q.dst).filter(|x| x.kind == RouteKind::Unicast);
    let any = fib
        .routes
        .iter()
        .any(|x| x.table == TABLE_MAIN && x.kind == RouteKind::Unicast);
    let used = match serving {
        Some(rt) => format!("its routes there (`{}`) are never used", rt.text()),
        None if any => format!(
            "its routes there are never used (and none of them reaches {})",
            q.dst
        ),
        None => return false,
    };
    let mut rules = fib.rules.clone();
    rules.sort_by_key(|x| x.priority);
    let listed: Vec<String> = rules.iter().map(|x| format!("`{}`", x.text())).collect();
    let mut fix = exec(at, "ip rule add pref 32766 lookup main");
    // iproute2's stock set holds the default table's rule too: put back with main's.
    if !looked_up(&fib, TABLE_DEFAULT) {
        fix += &format!("; {}", exec(at, "ip rule add pref 32767 lookup default"));
    }
    r.block(
        at,
        format!(
            "no policy rule of {at} looks up table main (its rules: {}), so {used}: {at} has no route to {} ({e})",
            listed.join(", "),
            q.dst
        ),
        Some(fix),
    );
    true
}

/// Whether the kernel would take a route via `gw` in `at`: a connected route to it in a
/// table that a rule reaches (else `ip route add … via gw` is refused, ENETUNREACH). An
/// unread FIB judges nothing.
pub(crate) fn gateway_ok(k: &mut dyn Kernel, at: &Netns, gw: IpAddr) -> bool {
    if !gw.is_ipv4() {
        return true;
    }
    let fib = k.fib(at);
    if fib.rules.is_empty() {
        return true;
    }
    decide(&fib, &Lookup::to(gw))
        .route
        .is_some_and(|rt| rt.via.is_none() && rt.kind == RouteKind::Unicast)
}
