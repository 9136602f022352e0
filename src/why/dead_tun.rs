//! A route out a tun device whose reader is gone: a VPN client that died leaves its
//! persistent tun up with no carrier (NO-CARRIER) and its routes in place, and the kernel
//! drops what those routes send there. The route is the fault when another route would have
//! reached the destination; a tun has no ARP (NOARP is its nature), so that is never blamed.

use super::fib::{table_name, FibRoute, TABLE_MAIN};
use super::kernel::Kernel;
use super::report::Report;
use super::route_fix::{dst_word, exec};
use super::route_get::{Lookup, RouteGet};
use super::shadow_link::alt_route;
use crate::sys::{LinkKind, Netns};

/// `true` (said in `r`) when `route` at `cur` sends `q.dst` to a tun device with no reader.
pub(crate) fn dead_tun(
    k: &mut dyn Kernel,
    r: &mut Report,
    cur: &Netns,
    route: &RouteGet,
    q: &Lookup,
    chosen: Option<&FibRoute>,
) -> bool {
    let dev = &route.dev;
    let Some(link) = k.links(cur).into_iter().find(|l| l.name == *dev) else {
        return false;
    };
    // A tun whose reader holds it has carrier: what it reads is that process's business.
    if link.kind != Some(LinkKind::Other("tun".into())) || !link.up || link.carrier {
        return false;
    }
    let dst = q.dst;
    let gone = format!("{dev}, a tun device whose reader is gone (NO-CARRIER: no process holds it), so the kernel drops what it sends there");
    let Some(rt) = chosen.filter(|c| c.dev.as_deref() == Some(dev.as_str())) else {
        r.block(cur, format!("{cur} sends {dst} to {gone}"), None);
        return true;
    };
    let table = match rt.table {
        TABLE_MAIN => String::new(),
        t => format!(" table {}", table_name(t)),
    };
    let fix = exec(
        cur,
        &format!("ip route del {} dev {dev}{table}", dst_word(&rt.dst)),
    );
    match alt_route(&k.fib(cur), q, rt) {
        Some(alt) => r.block(
            cur,
            format!(
                "{cur}'s route `{}` sends {dst} to {gone}, while {cur}'s `{}` would reach it",
                rt.text(),
                alt.text()
            ),
            Some(fix),
        ),
        // Without it there is no way at all: the VPN client is what to restart.
        None => r.block(
            cur,
            format!("{cur}'s route `{}` sends {dst} to {gone}", rt.text()),
            None,
        ),
    }
    true
}
