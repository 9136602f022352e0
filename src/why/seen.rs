//! The packet as one hook of one namespace sees it: what iptables rules are judged against.

use std::net::IpAddr;

/// `Seen::icmp_type` of an ICMP "fragmentation needed" (type 3 code 4): no real type is 254.
pub(crate) const FRAG_NEEDED: u8 = 254;

/// The packet as one hook sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Seen {
    pub(crate) in_dev: Option<String>,
    pub(crate) out_dev: Option<String>,
    pub(crate) src: IpAddr,
    pub(crate) dst: IpAddr,
    /// 8 for the echo request, 0 for the reply.
    pub(crate) icmp_type: u8,
    /// The conntrack state: NEW for the request, ESTABLISHED for the reply; UNTRACKED for
    /// either when a raw rule untracked it.
    pub(crate) state: &'static str,
    /// Whether the destination is an address of this namespace (`-m addrtype --dst-type LOCAL`).
    pub(crate) dst_local: bool,
    pub(crate) src_local: bool,
    /// A UDP datagram to this port (a VXLAN's) instead of an ICMP echo.
    pub(crate) udp_dport: Option<u16>,
    /// A TCP segment of a connection to this port (`why ADDR:PORT`) instead of an ICMP echo:
    /// the SYN when `icmp_type` is 8, else its reply (see `l4`).
    pub(crate) tcp_port: Option<u16>,
    /// The packet's mark (`-m mark`), as the hooks before left it in this namespace; `None`
    /// when not known (a reply: CONNMARK may have restored one).
    pub(crate) mark: Option<u32>,
    /// A bridged frame under br_netfilter: the bridge ports it came in and goes out by
    /// (`-m physdev`); `None` for a routed packet.
    pub(crate) physdev: Option<(String, String)>,
    /// Its connection was DNATed (in this namespace, before this hook): `--ctstate DNAT`.
    pub(crate) dnat: bool,
    /// What `-m mac`, `-m ttl`, `-m length` and `-m owner` read (`wire_match`).
    pub(crate) wire: super::wire::Wire,
}

impl Seen {
    /// Whether this is the request (NEW, or UNTRACKED with the request's ICMP type).
    pub(crate) fn request(&self) -> bool {
        self.state == "NEW" || (self.state == "UNTRACKED" && self.icmp_type == 8)
    }

    /// The echo reply to this request, as the same namespace sees it on its way back.
    pub(crate) fn reply(&self) -> Seen {
        Seen {
            in_dev: self.out_dev.clone(),
            out_dev: self.in_dev.clone(),
            src: self.dst,
            dst: self.src,
            icmp_type: 0,
            state: "ESTABLISHED",
            dst_local: self.src_local,
            src_local: self.dst_local,
            udp_dport: None,
            tcp_port: self.tcp_port,
            mark: None,
            physdev: self.physdev.clone().map(|(i, o)| (o, i)),
            dnat: self.dnat,
            // The echo reply is as long as the request; the rest is not known from here.
            wire: super::wire::Wire {
                len: self.wire.len,
                ..Default::default()
            },
        }
    }
}
