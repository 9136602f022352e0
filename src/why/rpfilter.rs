//! `-m rpfilter`, as the kernel's xt_rpfilter judges it: the route back to the packet's source
//! (looked up as if sent from here: from the packet's destination, in on `lo`, mark 0 unless
//! `--validmark`) must exist and be unicast (local too with `--accept-local`) and, unless
//! `--loose`, leave by the link the packet came in on. `--invert` turns the answer.

use super::fib::{Fib, FibRoute};
use super::fib_lookup::decide;
use super::route_get::{Lookup, RouteKind};
use super::seen::Seen;
use std::net::IpAddr;

/// The rule's rpfilter options.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Flags {
    pub(crate) loose: bool,
    pub(crate) validmark: bool,
    pub(crate) accept_local: bool,
    pub(crate) invert: bool,
}

/// Whether `opt` belongs to `-m rpfilter` (read together by `flags`).
pub(crate) fn owns(module: &str, opt: &str) -> bool {
    module == "rpfilter"
        && matches!(
            opt,
            "--loose" | "--validmark" | "--accept-local" | "--invert"
        )
}

/// The flags a rule's words set.
pub(crate) fn flags(spec: &str) -> Flags {
    let has = |o: &str| spec.split_whitespace().any(|w| w == o);
    Flags {
        loose: has("--loose"),
        validmark: has("--validmark"),
        accept_local: has("--accept-local"),
        invert: has("--invert"),
    }
}

/// The route back to `p`'s source as xt_rpfilter looks it up; `None` when there is none (a
/// rule that refuses, or no table holds one). `Err` when it cannot be told (no routes read,
/// IPv6, or `--validmark` with a mark not known).
pub(crate) fn back(p: &Seen, f: Flags) -> Result<Option<FibRoute>, ()> {
    let fib: &Fib = p.wire.fib.as_ref().ok_or(())?;
    let (IpAddr::V4(src), IpAddr::V4(dst)) = (p.src, p.dst) else {
        return Err(());
    };
    let mark = match (f.validmark, p.mark) {
        (false, _) => 0,
        (true, Some(m)) => m,
        (true, None) => return Err(()),
    };
    // The kernel looks up from no address when the packet went to a group or broadcast.
    let from = (!(dst.is_multicast() || dst.is_broadcast() || dst.is_unspecified()))
        .then_some(IpAddr::V4(dst));
    let q = Lookup {
        src: from,
        mark,
        ..Lookup::to(IpAddr::V4(src))
    };
    Ok(decide(fib, &q).route)
}

/// Whether the route back leaves by `dev` (any of a multipath route's nexthops).
pub(crate) fn uses(rt: &FibRoute, dev: &str) -> bool {
    rt.dev.as_deref() == Some(dev) || rt.hops.iter().any(|(_, d)| d == dev)
}

/// Whether the reverse-path check passes (before `--invert`).
pub(crate) fn passes(rt: Option<&FibRoute>, dev: &str, f: Flags) -> bool {
    let Some(rt) = rt else { return false };
    let kind_ok = match rt.kind {
        RouteKind::Unicast => true,
        RouteKind::Local => f.accept_local,
        _ => false,
    };
    kind_ok && (f.loose || uses(rt, dev))
}

/// Whether `-m rpfilter` (with `spec`'s options) holds for `p`; `None` when not known.
pub(crate) fn hold(spec: &str, p: &Seen) -> Option<bool> {
    let f = flags(spec);
    let dev = p.in_dev.as_deref()?;
    // The kernel lets what came in on the loopback through unchecked.
    if dev == "lo" {
        return Some(!f.invert);
    }
    let rt = back(p, f).ok()?;
    Some(passes(rt.as_ref(), dev, f) != f.invert)
}
