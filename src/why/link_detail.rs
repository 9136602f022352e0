//! One link as `why` needs it: state, carrier, master, veth peer, VXLAN parameters.

use crate::sys::{LinkKind, Netns};
use std::net::IpAddr;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LinkDetail {
    pub name: String,
    pub index: u32,
    pub kind: Option<LinkKind>,
    /// Administratively up (IFF_UP).
    pub up: bool,
    /// The lower layer is up (IFF_LOWER_UP): for a veth, its peer is up too.
    pub carrier: bool,
    pub master: Option<String>,
    /// A veth's peer ifindex, and the namespace it is in when not this one (the kernel's
    /// netnsid, resolved through /run/netns; an unnamed one is taken to be the host's).
    pub peer_index: Option<u32>,
    pub peer_ns: Option<Netns>,
    pub vxlan: Option<VxlanInfo>,
    /// A macvlan's mode (`bridge`, `private`, `vepa`, …); its parent is `peer_index` in
    /// `peer_ns` (or here), as for a veth's peer.
    pub macvlan_mode: Option<String>,
    /// A macvlan's broadcast queue length as asked (`bcqueuelen`) and as its parent's port
    /// uses it (`usedbcqueuelen`, the largest any child asks): 0 drops every broadcast.
    pub macvlan_bcqueuelen: Option<u32>,
    pub macvlan_bcqueuelen_used: Option<u32>,
    /// A `mode source` macvlan's allowed source MACs (`macaddr add`).
    pub macvlan_sources: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VxlanInfo {
    pub id: u32,
    pub remote: Option<IpAddr>,
    pub dev: Option<String>,
    pub port: u16,
    /// The source address it sends from (`local`), when set.
    pub local: Option<IpAddr>,
    /// The outer packets' TTL (`ttl`); 0 when not set (the route's default, 64).
    pub ttl: u8,
    /// Flow-based (`external`, collect_metadata): VNI and remote come with each packet.
    pub external: bool,
    /// `udp6zerocsumtx`: its UDP over IPv6 goes out with a zero checksum.
    pub zero_csum6_tx: bool,
    /// `udp6zerocsumrx`: it takes in UDP over IPv6 with a zero checksum.
    pub zero_csum6_rx: bool,
    /// `nolearning`: it learns no remote MACs, its FDB is all it knows.
    pub nolearning: bool,
}
