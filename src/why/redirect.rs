//! A route the kernel answers from an ICMP redirect it cached (`ip route get` says `cache
//! <redirected>`): not one of the namespace's routes, and it outlives the reason the router
//! sent it. The route's hop says so; when the path through the redirected gateway dies
//! further on, the stale redirect is the fault (settled as a shadow, src/why/shadow.rs), and
//! flushing the route cache drops it. A redirect to a router that does lead on toward the
//! destination is no fault: it is said so, and the walk goes on to find what is.

use super::fib_lookup::Decided;
use super::kernel::Kernel;
use super::leads_on::leads_on;
use super::report::Report;
use super::route_fix::exec;
use super::route_get::{Lookup, RouteGet};
use super::shadow_note::Shadow;
use crate::sys::Netns;

/// Notes (in `r`, once) that the route just said as the last hop at `at` is a cached
/// redirect; `d` names the route the namespace's own tables give.
pub(crate) fn note(
    k: &mut dyn Kernel,
    r: &mut Report,
    at: &Netns,
    (route, q): (&RouteGet, &Lookup),
    d: Option<&Decided>,
) {
    let (Some(left), Some(gw)) = (route.redirected, route.via) else {
        return;
    };
    if r.shadow.is_some() {
        return;
    }
    if leads_on(k, at, gw, q.dst) {
        r.hop(
            at,
            format!(
                "a cached redirect via {gw}, which leads on toward {}",
                q.dst
            ),
        );
        return;
    }
    // Flushing it helps only when the namespace's own route leads on: when its gateway's
    // path dies too, the walk through the redirect finds where.
    let mine = d.and_then(|d| d.route.as_ref()).and_then(|rt| rt.via);
    if mine.is_some_and(|g| g != gw && !leads_on(k, at, g, q.dst)) {
        return;
    }
    let own = d
        .and_then(|d| d.route.as_ref())
        .map(|rt| format!(", not one of its routes ({})", rt.text()))
        .unwrap_or_default();
    let cause = format!(
        "{at}'s route to {} is an ICMP redirect it cached (via {gw}, expires in {left} s){own}: the packet is sent that way and lost",
        q.dst
    );
    r.shadow = Some(Shadow {
        at: at.to_string(),
        hop: r.hops.len().saturating_sub(1),
        local: true,
        cause,
        fix: exec(at, "ip route flush cache"),
        keep: false,
        request: false,
    });
}
