//! The netlink backend: per-namespace rtnetlink handles, native namespaces, links, addresses,
//! routes, sysctls, ICMP and exec. With src/firewall, the only code that talks to the kernel.

pub mod apply;
pub mod backend;
pub mod exec;
pub mod handles;
pub mod hop;
pub mod kernel_modules;
pub mod link_detail;
pub mod link_state;
pub mod messages;
pub mod neigh;
pub mod netns;
pub mod nsid;
pub mod observe;
pub mod ping;
pub mod probe;
pub mod reads;
pub mod route_get;
pub mod sandbox;
pub mod settle;
pub mod sysctl;
pub mod topology;
pub mod why;

pub use backend::Netlink;

use std::io;

/// Why a caller-supplied name or key was rejected (an `io::Error` of kind `InvalidInput`).
#[derive(Debug, thiserror::Error)]
pub enum InvalidArg {
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
