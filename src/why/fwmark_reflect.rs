//! A request that arrived marked, whose reply the destination makes itself: with
//! net.ipv4.fwmark_reflect 0 the reply carries no mark, so a policy rule by fwmark that would
//! send it back the way the request came does not, and it is lost the other way.

use super::kernel::Kernel;
use super::refused::{named, whence};
use super::report::Report;
use super::route_get::{Lookup, RouteGet};
use super::way_back::way_back_with;
use crate::sys::Netns;
use std::net::IpAddr;

/// Said in `r` (true) when the unmarked reply is lost where the marked one would get back.
pub(crate) fn unreflected(
    k: &mut dyn Kernel,
    r: &mut Report,
    at: &Netns,
    dst: IpAddr,
    src: Option<IpAddr>,
    crossed: &[super::crossed::Crossed],
) -> bool {
    let Some(to) = src else { return false };
    let mark = k.mark_in(at);
    if !r.clear() || mark == 0 || k.tcp_port(dst).is_some() {
        return false;
    }
    if k.sysctl(at, "net.ipv4.fwmark_reflect").as_deref() != Some("0") {
        return false;
    }
    let plain_q = Lookup {
        src: Some(dst),
        ..Lookup::to(to)
    }
    .flow(None, true);
    let marked_q = Lookup {
        mark,
        ..plain_q.clone()
    };
    let (Ok(plain), Ok(marked)) = (k.route_get(at, &plain_q), k.route_get(at, &marked_q)) else {
        return false;
    };
    if (&plain.dev, plain.via) == (&marked.dev, marked.via) {
        return false;
    }
    // Both ways are followed on scratch reports: the mark must be what makes the difference.
    let mut without = r.clone();
    way_back_with(k, &mut without, at, dst, src, crossed, 0);
    k.set_mark(at, mark);
    let Some(lost) = without.broken else {
        return false;
    };
    let mut with = r.clone();
    way_back_with(k, &mut with, at, dst, src, crossed, mark);
    k.set_mark(at, mark);
    if !with.clear() {
        return false;
    }
    let way = |k: &mut dyn Kernel, q: &Lookup, rt: &RouteGet| {
        let via = rt.via.map(|g| format!("via {g} ")).unwrap_or_default();
        let how = named(k, at, q, Some(rt.kind))
            .map(|d| whence(&d))
            .unwrap_or_else(|| "table main".to_string());
        format!("{via}dev {} ({how})", rt.dev)
    };
    let (unmarked, wanted) = (way(k, &plain_q, &plain), way(k, &marked_q, &marked));
    r.block(
        at,
        format!(
            "{at}'s echo reply to {to} carries no mark (net.ipv4.fwmark_reflect is 0), so it \
             leaves {unmarked} instead of {wanted} as the request's mark {mark:#x} asks; \
             that way: {lost}"
        ),
        Some(format!("{at}.sh(\"sysctl -w net.ipv4.fwmark_reflect=1\")")),
    );
    r.back = true;
    true
}
