//! One sighting of the probe by a packet socket: where (namespace, link, in or out), which
//! echo (request or reply), and to whom the frame was addressed.

use crate::sys::Netns;
use serde::{Serialize, Serializer};
use std::net::IpAddr;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Sighting {
    #[serde(rename = "at", serialize_with = "as_text")]
    pub ns: Netns,
    pub dev: String,
    /// Sent on `dev` (true) or received on it.
    pub out: bool,
    /// The echo reply (true) or the request.
    pub reply: bool,
    /// Received in a frame addressed to another host's MAC: the stack ignores it.
    pub other_host: bool,
    /// The frame's destination MAC (`aa:bb:..`), on an Ethernet link.
    pub mac: Option<String>,
    /// The frame's source MAC: who put it on the link (a stack that sends it back out the
    /// link it came in by, to another MAC than this, forwards it on, not back).
    #[serde(skip)]
    pub from_mac: Option<String>,
    /// Where the packet is the echo inside VXLAN, the outer addresses (the underlay's).
    pub src: IpAddr,
    pub dst: IpAddr,
    /// Seen inside VXLAN (an underlay's outer UDP packet): its VNI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vxlan: Option<u32>,
    pub seq: u16,
}

fn as_text<S: Serializer>(ns: &Netns, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&ns.to_string())
}
