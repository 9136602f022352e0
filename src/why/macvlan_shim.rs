//! A parent sending to its own macvlan child: the kernel never hands a parent's own packets to
//! its macvlan children (they go out on its wire, and no switch sends them back), so a host
//! reaches its macvlan containers only through a macvlan of its own (a shim) in bridge mode,
//! with a route to each child by it. The fix makes the shim (or uses the one there), routes
//! the child's address by it, and puts a private or VEPA child in bridge mode.

use super::kernel::Kernel;
use super::link_detail::LinkDetail;
use super::link_find::find;
use super::macvlan::{parent, switch_hairpins};
use super::macvlan_kin::children;
use super::report::Report;
use super::route_get::RouteGet;
use super::words::call;
use crate::sys::Netns;
use std::net::IpAddr;

/// `rt` at `cur` sends `what` (`the packet`, `the reply`) to `next`, held on `nlink` in `nns`:
/// `true` (said in `r`) when `nlink` is a macvlan child of the very link `rt` leaves by.
pub(crate) fn unreached(
    k: &mut dyn Kernel,
    r: &mut Report,
    (cur, rt): (&Netns, &RouteGet),
    (nns, nlink, next): (&Netns, &str, IpAddr),
    what: &str,
) -> bool {
    let dev = rt.dev.as_str();
    let (Some(d), Some(t)) = (find(k, cur, dev), find(k, nns, nlink)) else {
        return false;
    };
    // Source and passthru children take no shim's frames whatever: not said.
    let Some(mode) = t
        .macvlan_mode
        .clone()
        .filter(|m| ["bridge", "private", "vepa"].contains(&m.as_str()))
    else {
        return false;
    };
    // A down parent is its own fault; a hairpinning switch sends the frames back in.
    if !d.up || switch_hairpins(k, cur, &d) {
        return false;
    }
    if !parent(k, nns, &t).is_some_and(|(pns, p)| pns == *cur && p.index == d.index) {
        return false;
    }
    let shim = children(k, cur, d.index)
        .into_iter()
        .find(|(n, l)| n == cur && l.macvlan_mode.as_deref() == Some("bridge"))
        .map(|(_, l)| l);
    let need = match &shim {
        Some(s) => format!("{cur} must send to it by its macvlan shim {}", s.name),
        None => format!("{cur} needs a macvlan shim on {dev} to reach it"),
    };
    let apart = match mode.as_str() {
        "bridge" => String::new(),
        "private" => format!(
            "; {nlink} in {nns}, in private mode, would not take frames from a shim either (a \
             private macvlan talks to none of its siblings), so it goes to bridge mode"
        ),
        _ => format!(
            "; {nlink} in {nns}, in {mode} mode, would not take frames from a shim either (it \
             reaches its siblings only through a switch that sends frames back, hairpin), so \
             it goes to bridge mode"
        ),
    };
    r.block(
        cur,
        format!(
            "{cur} sends {what} to {next} out of {dev}, but {next} is {nns}'s {nlink}, a macvlan \
             (mode {mode}) of {dev}: the kernel never hands a parent's own packets to its \
             macvlan children (they go out on {dev}'s wire), so {need}{apart}"
        ),
        fix(
            k,
            (cur, &d, rt),
            shim.as_ref(),
            (nns, nlink, mode.as_str()),
            next,
        ),
    );
    true
}

/// The child to bridge mode (when not), then at `cur` the shim made (or set up) and the
/// child's address routed by it. None through a gateway (its route is not for one address).
fn fix(
    k: &mut dyn Kernel,
    (cur, d, rt): (&Netns, &LinkDetail, &RouteGet),
    shim: Option<&LinkDetail>,
    (nns, nlink, mode): (&Netns, &str, &str),
    next: IpAddr,
) -> Option<String> {
    if rt.via.is_some() {
        return None;
    }
    let mut sh = vec![];
    let name = match shim {
        Some(s) => {
            if !s.up {
                sh.push(format!("ip link set {} up", s.name));
            }
            s.name.clone()
        }
        None => {
            let name = free_name(k, cur)?;
            sh.push(format!(
                "ip link add {name} link {} type macvlan mode bridge",
                d.name
            ));
            sh.push(format!("ip link set {name} up"));
            name
        }
    };
    let host = if next.is_ipv4() { 32 } else { 128 };
    let src = rt.src.map(|s| format!(" src {s}")).unwrap_or_default();
    sh.push(format!("ip route add {next}/{host} dev {name}{src}"));
    let mut calls = vec![];
    if mode != "bridge" {
        calls.push(call(
            nns,
            &format!("sh(\"ip link set {nlink} type macvlan mode bridge\")"),
        ));
    }
    calls.push(call(cur, &format!("sh(\"{}\")", sh.join(" && "))));
    Some(calls.join("; "))
}

/// A name for a new shim that no link of `ns` has.
fn free_name(k: &mut dyn Kernel, ns: &Netns) -> Option<String> {
    let taken: Vec<String> = k.links(ns).into_iter().map(|l| l.name).collect();
    std::iter::once("mv-shim".to_string())
        .chain((1..10).map(|i| format!("mv-shim{i}")))
        .find(|n| !taken.contains(n))
}
