//! A route's own MTU (`ip route … mtu N`, RTAX_MTU) or a path MTU the kernel learned for the
//! destination (`cache expires … mtu N`): either caps packets below the link's MTU, and a
//! DF-set packet over it is refused at the sender or answered "frag needed" by a router.
//! Read from the route lookup the walk already made: no extra kernel read.

use super::fib::{table_name, FibRoute, TABLE_MAIN};
use super::kernel::Kernel;
use super::report::Report;
use super::route_fix::{dst_word, exec};
use super::route_get::RouteGet;
use crate::sys::Netns;

/// Whether the packet fits the MTU the route at `at` caps it at; `false` (said in `r`) when
/// not. `chosen`: the route the kernel took, as the policy rules name it; `forwarded`: `at`
/// routes a packet that came in (a router uses a learned path MTU only with fwd_use_pmtu).
pub(crate) fn fits(
    k: &mut dyn Kernel,
    r: &mut Report,
    at: &Netns,
    route: &RouteGet,
    chosen: Option<&FibRoute>,
    forwarded: bool,
) -> bool {
    let Some(m) = route.mtu else { return true };
    let p = super::mtu::packet(k);
    if p <= m || (route.learned && forwarded) {
        return true;
    }
    let dst = r.dst.clone();
    if route.learned {
        // Learned from a "frag needed" that some link further on sent: the walk goes on to
        // name that link; the cache alone is only noted.
        r.unsure(
            at,
            format!("{at} learned a path MTU of {m} toward {dst} (`ip route get {dst}` shows `cache expires … mtu {m}`): a {p}-byte packet with DF set does not fit it"),
        );
        return true;
    }
    let Some(c) = chosen else {
        let text = format!("{at}'s route to {dst} caps packets at {m} bytes (its `mtu {m}`): a {p}-byte packet with DF set does not fit");
        r.block(at, text, None);
        return false;
    };
    let text = format!(
        "{at}'s route `{} mtu {m}` caps packets at {m} bytes: a {p}-byte packet with DF set does not fit",
        c.text()
    );
    let mut fix = exec(at, &replace(c));
    // The sender learned the small MTU from the router's "frag needed": it forgets it too.
    let src = r.src.clone();
    if src != at.to_string() {
        if let Some(s) = k.namespaces().into_iter().find(|n| n.to_string() == src) {
            fix += &format!("; {}", exec(&s, "ip route flush cache"));
        }
    }
    r.block(at, text, Some(fix));
    false
}

/// `ip route replace default via G dev X [metric N] [table T]`: the same route, without `mtu`
/// (or `hoplimit`).
pub(crate) fn replace(c: &FibRoute) -> String {
    let mut s = format!("ip route replace {}", dst_word(&c.dst));
    if let Some(g) = c.via {
        s += &format!(" via {g}");
    }
    if let Some(d) = &c.dev {
        s += &format!(" dev {d}");
    }
    if let Some(m) = c.metric.filter(|m| *m != 0) {
        s += &format!(" metric {m}");
    }
    if c.table != TABLE_MAIN {
        s += &format!(" table {}", table_name(c.table));
    }
    s
}
