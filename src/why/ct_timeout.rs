//! A conntrack timeout of 0 on a NAT box: the entry made by the request
//! expires before the reply comes, so the reply is never turned back to the first source and
//! the path dies with every rule and route looking right.

use super::kernel::Kernel;
use super::report::Report;
use super::words::call;
use crate::sys::Netns;
use std::net::IpAddr;

/// Below this many seconds no reply finds its entry (a second is enough on a lab's wires, so
/// only 0 is sure to break, whatever the probe saw).
const TOO_SHORT: u64 = 1;

/// The sysctl that bounds an unanswered entry of the probe's protocol, the packets named, and
/// the kernel's default (the fix).
fn key(tcp: bool) -> (&'static str, &'static str, u64) {
    match tcp {
        true => (
            "net.netfilter.nf_conntrack_tcp_timeout_syn_sent",
            "SYN's",
            120,
        ),
        false => ("net.netfilter.nf_conntrack_icmp_timeout", "echo's", 30),
    }
}

/// Whether `ns`'s conntrack forgets the request (`tcp`: a TCP connect, else an echo) too soon
/// for the reply to `to` to be turned back to `from`; said in `r` with the default as the fix.
pub(crate) fn forgets(
    k: &mut dyn Kernel,
    r: &mut Report,
    ns: &Netns,
    tcp: bool,
    (from, to): (IpAddr, IpAddr),
) -> bool {
    let (key, what, default) = key(tcp);
    let Some(secs) = k.sysctl(ns, key).and_then(|v| v.trim().parse::<u64>().ok()) else {
        return false;
    };
    if secs >= TOO_SHORT {
        return false;
    }
    r.block(
        ns,
        format!(
            "{ns}'s {key} is {secs}: the {what} conntrack entry expires at once, so the reply \
             to {to} is never turned back to {from}"
        ),
        Some(call(ns, &format!("sysctl(\"{key}\", {default})"))),
    );
    true
}
