//! A stack that routes out of a bridge port (an address or a route on the port, not on its
//! bridge): the packet leaves, but the bridge takes every frame that comes in by the port, so
//! the answers (ARP replies first) go to the bridge, never to the port's IP stack.

use super::kernel::Kernel;
use super::link_find::find;
use super::report::Report;
use super::route_get::{RouteGet, RouteKind};
use super::words::call;
use crate::sys::{LinkKind, Netns};
use std::net::IpAddr;

/// `false` (said in `r`) when `route`, from `ns` toward `dst`, leaves by a port of a bridge.
pub(crate) fn not_on_port(
    k: &mut dyn Kernel,
    r: &mut Report,
    ns: &Netns,
    route: &RouteGet,
    dst: IpAddr,
) -> bool {
    let dev = &route.dev;
    let Some(br) = find(k, ns, dev).and_then(|d| d.master) else {
        return true;
    };
    if !find(k, ns, &br).is_some_and(|b| b.kind == Some(LinkKind::Bridge)) {
        return true;
    }
    let next = route.via.unwrap_or(dst);
    let addrs = k.view(ns).map(|v| v.addrs).unwrap_or_default();
    let on = |l: &str| addrs.iter().find(|(x, a)| x == l && a.contains(&next));
    let tail = format!(
        "{br} takes {dev}'s incoming frames, so {ns}'s IP stack never gets the answers on {dev}"
    );
    let (cause, fix) = match on(dev) {
        Some((_, a)) => {
            // The bridge may hold it already: then only the port's copy goes.
            let mv = match addrs.iter().any(|(x, b)| *x == br && b == a) {
                true => format!("ip addr del {a} dev {dev}"),
                false => format!("ip addr del {a} dev {dev} && ip addr add {a} dev {br}"),
            };
            (
                format!("{ns} holds {a} on {dev}, a port of bridge {br}: {tail}"),
                Some(mv),
            )
        }
        None => (
            format!("{ns} routes to {dst} out {dev}, a port of bridge {br}: {tail}"),
            route_onto(k, ns, dev, &br, next),
        ),
    };
    r.block(ns, cause, fix.map(|f| call(ns, &format!("sh(\"{f}\")"))));
    false
}

/// The route of `ns` out of `port` that covers `next`, moved onto `br`.
fn route_onto(
    k: &mut dyn Kernel,
    ns: &Netns,
    port: &str,
    br: &str,
    next: IpAddr,
) -> Option<String> {
    let fib = k.fib(ns);
    let r = fib
        .routes
        .iter()
        .filter(|r| r.kind == RouteKind::Unicast && r.dev.as_deref() == Some(port))
        .filter(|r| r.dst.contains(&next) && r.hops.is_empty())
        .max_by_key(|r| r.dst.prefix_len())?;
    let mut s = format!("ip route replace {}", r.dst);
    if let Some(g) = r.via {
        s += &format!(" via {g}");
    }
    s += &format!(" dev {br}");
    if r.table != 254 {
        s += &format!(" table {}", r.table);
    }
    if let Some(m) = r.metric {
        s += &format!(" metric {m}");
    }
    Some(s)
}

/// The link that takes in a frame that comes to `link` in `ns`: its bridge when `link` is a
/// bridge's port (the bridge takes every frame that comes in by it), else `link` itself.
pub(crate) fn taken_in(k: &mut dyn Kernel, ns: &Netns, link: String) -> String {
    match find(k, ns, &link).and_then(|d| d.master) {
        Some(br) if find(k, ns, &br).is_some_and(|b| b.kind == Some(LinkKind::Bridge)) => br,
        _ => link,
    }
}
