//! A packet from another namespace to a loopback address (a DNAT to 127.0.0.1, as kube-proxy
//! does for node-local services) is a martian unless route_localnet is on for its link.

use super::kernel::Kernel;
use super::report::Report;
use super::words::call;
use crate::sys::Netns;
use std::net::IpAddr;

/// `false` (said in `r`) when `at` drops the packet to `dst` that came in on `in_dev`.
pub(crate) fn allowed(
    k: &mut dyn Kernel,
    r: &mut Report,
    at: &Netns,
    in_dev: &str,
    dst: IpAddr,
) -> bool {
    if !matches!(dst, IpAddr::V4(a) if a.is_loopback()) {
        return true;
    }
    let on = |k: &mut dyn Kernel, l: &str| {
        k.sysctl(at, &format!("net.ipv4.conf.{l}.route_localnet"))
            .as_deref()
            == Some("1")
    };
    if on(k, "all") || on(k, in_dev) {
        return true;
    }
    r.block(
        at,
        format!(
            "{at} drops the packet to {dst} that came in on {in_dev}: a loopback destination \
             from another host is a martian unless route_localnet is 1 (it is 0 for all and \
             {in_dev})"
        ),
        Some(call(
            at,
            &format!("sysctl(\"net.ipv4.conf.{in_dev}.route_localnet\", 1)"),
        )),
    );
    false
}
