//! The mark the destination's own reply is routed with: an echo reply the kernel makes carries
//! the request's mark only when net.ipv4.fwmark_reflect is 1 (else none).

use super::kernel::Kernel;
use crate::sys::Netns;
use std::net::IpAddr;

/// The mark of the reply `at` makes to a probe to `dst` (ICMP only: a TCP reply's mark is its
/// socket's).
pub(crate) fn reply_mark(k: &mut dyn Kernel, at: &Netns, dst: IpAddr) -> u32 {
    if k.tcp_port(dst).is_some() {
        return 0;
    }
    match k.sysctl(at, "net.ipv4.fwmark_reflect").as_deref() {
        Some("1") => k.mark_in(at),
        _ => 0,
    }
}
