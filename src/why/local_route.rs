//! An address a namespace holds is its own only through its `local` route (table local):
//! deleted, or gone with its link (the kernel takes a down link's local routes away), the
//! kernel answers no ARP for it and routes the packet on as anyone's.

use super::kernel::Kernel;
use super::link_find::find;
use super::report::Report;
use super::route_get::{Lookup, RouteKind};
use super::words::{call, link_call};
use crate::sys::Netns;
use std::net::IpAddr;

/// `false` (said in `r`) when `dst`, held on `link` in `ns`, has no local route there.
pub(crate) fn taken(
    k: &mut dyn Kernel,
    r: &mut Report,
    ns: &Netns,
    link: &str,
    dst: IpAddr,
) -> bool {
    let Ok(rt) = k.route_get(ns, &Lookup::to(dst)) else {
        return true;
    };
    if rt.kind == RouteKind::Local {
        return true;
    }
    if find(k, ns, link).is_some_and(|l| !l.up) {
        r.block(
            ns,
            format!("{ns} holds {dst} on {link}, which is down: the kernel took its local route away, so {ns} does not take the packet as its own"),
            Some(link_call(ns, link, "up()")),
        );
        return false;
    }
    if let Some((cause, fix)) = super::local_rule::routed_away(&k.fib(ns), ns, dst, &rt) {
        r.block(ns, cause, Some(fix));
        return false;
    }
    r.block(
        ns,
        format!("{ns} holds {dst} on {link} but has no local route for it in table local (deleted): the kernel neither answers ARP for it nor takes the packet as its own"),
        Some(call(
            ns,
            &format!("sh(\"ip route add local {dst} dev {link} table local proto kernel scope host src {dst}\")"),
        )),
    );
    false
}
