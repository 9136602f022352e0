//! What differs on an IPv6 path: a router forwards by `net.ipv6.conf.all.forwarding` (not
//! `ip_forward`).

use super::kernel::Kernel;
use super::report::Report;
use super::words::call;
use crate::sys::Netns;

pub(crate) const FORWARDING: &str = "net.ipv6.conf.all.forwarding";

/// Whether `cur` forwards IPv6; if not, said in `r` with the sysctl as the fix.
pub(crate) fn forwards(k: &mut dyn Kernel, r: &mut Report, cur: &Netns) -> bool {
    if k.sysctl(cur, FORWARDING).as_deref() == Some("1") {
        return true;
    }
    r.block(
        cur,
        format!("{cur} does not forward IPv6: {FORWARDING} is 0"),
        Some(call(cur, &format!("sysctl(\"{FORWARDING}\", 1)"))),
    );
    false
}
