//! Whether the asker sends ARP at all: with `net.ipv4.neigh.DEV.mcast_solicit` and
//! `app_solicit` both 0 the kernel puts a new neighbour on DEV straight into FAILED (its
//! __neigh_event_send has no probe to send), so nobody is ever asked; only an entry that is
//! still valid (refreshed by unicast probes) or static gets through.

use super::kernel::Kernel;
use super::report::Report;
use super::words::call;
use crate::sys::Netns;
use std::net::IpAddr;

fn num(k: &mut dyn Kernel, ns: &Netns, key: &str) -> Option<i64> {
    k.sysctl(ns, key)?.trim().parse().ok()
}

/// `false` (said in `r`) when `cur` never broadcasts the ARP request for `next` on `dev`.
pub(crate) fn asks(
    k: &mut dyn Kernel,
    r: &mut Report,
    cur: &Netns,
    dev: &str,
    next: IpAddr,
) -> bool {
    if !next.is_ipv4() {
        return true;
    }
    let key = |n: &str| format!("net.ipv4.neigh.{dev}.{n}");
    let mcast = num(k, cur, &key("mcast_solicit"));
    // A user-space daemon (app_solicit) may be asked instead: then it is not known here.
    if mcast != Some(0) || num(k, cur, &key("app_solicit")).is_some_and(|a| a != 0) {
        return true;
    }
    let st = k.neighbour(cur, dev, next);
    let valid = ["REACHABLE", "STALE", "DELAY", "PROBE", "PERMANENT", "NOARP"];
    if st.as_deref().is_some_and(|s| valid.contains(&s)) {
        return true;
    }
    let state = st.map(|s| format!(" (neighbour {s})")).unwrap_or_default();
    let k_mcast = key("mcast_solicit");
    r.block(
        cur,
        format!(
            "{cur} never sends the ARP request for {next} on {dev}: {k_mcast} is 0 (and app_solicit 0), so the kernel marks the neighbour FAILED without asking{state}"
        ),
        Some(call(cur, &format!("sysctl(\"{k_mcast}\", 3)"))),
    );
    false
}
