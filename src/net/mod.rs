//! The netlink backend: per-namespace rtnetlink handles, native namespaces, links, addresses,
//! routes, sysctls, ICMP and exec. With src/firewall, the only code that talks to the kernel.

pub(crate) mod addr_scope;
pub(crate) mod apply;
pub mod backend;
pub(crate) mod capture;
pub(crate) mod exec;
pub(crate) mod fib;
pub(crate) mod handles;
pub(crate) mod hop;
pub(crate) mod kernel_modules;
pub(crate) mod link_detail;
pub(crate) mod link_l2;
pub(crate) mod link_state;
pub(crate) mod listeners;
pub(crate) mod lo_tag;
pub(crate) mod messages;
pub(crate) mod neigh;
pub(crate) mod netns;
pub(crate) mod nsid;
pub(crate) mod observe;
pub(crate) mod ping;
pub(crate) mod ping6;
pub(crate) mod ping_df;
pub(crate) mod probe;
pub(crate) mod probe_tcp;
pub(crate) mod qdisc;
pub(crate) mod readable;
pub(crate) mod reads;
pub(crate) mod route_get;
pub mod sandbox;
pub(crate) mod settle;
pub(crate) mod sweep;
pub(crate) mod sysctl;
pub(crate) mod topology;
pub(crate) mod unnamed;
pub(crate) mod watched;
pub(crate) mod why;
pub(crate) mod xdp;
pub(crate) mod xfrm;

pub use backend::Netlink;

use std::io;

/// Why a caller-supplied name or key was rejected (an `io::Error` of kind `InvalidInput`).
#[derive(Debug, thiserror::Error)]
pub(crate) enum InvalidArg {
    #[error("invalid namespace name {0:?}: {1}")]
    NetnsName(String, &'static str),
    #[error("invalid sysctl key {0:?}: {1}")]
    SysctlKey(String, &'static str),
}

impl From<InvalidArg> for io::Error {
    fn from(e: InvalidArg) -> Self {
        io::Error::new(io::ErrorKind::InvalidInput, e)
    }
}
