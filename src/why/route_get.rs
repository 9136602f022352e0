//! The kernel's answer to `ip route get DST` in one namespace.

use std::net::IpAddr;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteGet {
    /// The output link.
    pub dev: String,
    pub via: Option<IpAddr>,
    /// The source address the kernel would choose.
    pub src: Option<IpAddr>,
}
