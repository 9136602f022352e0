//! The packet as a firewall rule sees it at one router.

use std::net::IpAddr;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Packet {
    pub in_dev: Option<String>,
    pub out_dev: String,
    pub src: IpAddr,
    pub dst: IpAddr,
    /// The conntrack state: NEW for the request, ESTABLISHED for the reply.
    pub state: &'static str,
}
