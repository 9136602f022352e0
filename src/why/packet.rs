//! The packet as a firewall rule sees it at one router.

use std::net::IpAddr;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Packet {
    pub(crate) in_dev: Option<String>,
    pub(crate) out_dev: String,
    pub(crate) src: IpAddr,
    pub(crate) dst: IpAddr,
    /// The conntrack state: NEW for the request, ESTABLISHED for the reply.
    pub(crate) state: &'static str,
}
