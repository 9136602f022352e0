//! A rule in the words of iptables, typed: the part of iptables that the native driver writes
//! and reads. Two rules are the same rule when their models are equal: the base matches are
//! compared as sets (iptables keeps them apart from the `-m` matches), the `-m` matches in order.

use ipnet::Ipv4Net;
use std::net::Ipv4Addr;

/// A value and whether it is negated (`! -s 10.0.0.0/8`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Neg<T> {
    pub(crate) not: bool,
    pub(crate) v: T,
}

impl<T> Neg<T> {
    pub(crate) fn new(not: bool, v: T) -> Self {
        Neg { not, v }
    }
}

/// A port or an inclusive port range (`80`, `80:90`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Ports {
    pub(crate) lo: u16,
    pub(crate) hi: u16,
}

impl Ports {
    pub(crate) const ANY: Ports = Ports { lo: 0, hi: 65535 };
}

/// The `tcp` and `udp` matches: source and destination ports.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct PortMatch {
    pub(crate) sport: Option<Neg<Ports>>,
    pub(crate) dport: Option<Neg<Ports>>,
}

/// One `-m` match, in the order the rule names them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Match {
    Comment(String),
    /// `--ctstate`: a mask of XT_CONNTRACK_STATE bits.
    Conntrack(Neg<u16>),
    Tcp(PortMatch),
    Udp(PortMatch),
    Icmp(Neg<IcmpType>),
    /// `-m addrtype --src-type … --dst-type …` (Docker's `--dst-type LOCAL`).
    Addrtype(AddrType),
}

/// The address types of `-m addrtype`, each a mask of `ADDR_TYPES` bits.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct AddrType {
    pub(crate) src: Option<Neg<u16>>,
    pub(crate) dst: Option<Neg<u16>>,
}

/// The route types `-m addrtype` names, bit i for the kernel's type i (`XT_ADDRTYPE_*`).
pub(crate) const ADDR_TYPES: [&str; 12] = [
    "UNSPEC",
    "UNICAST",
    "LOCAL",
    "BROADCAST",
    "ANYCAST",
    "MULTICAST",
    "BLACKHOLE",
    "UNREACHABLE",
    "PROHIBIT",
    "THROW",
    "NAT",
    "XRESOLVE",
];

/// `--icmp-type TYPE[/CODE]`: a type and a code range (any code: 0..=255).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct IcmpType {
    pub(crate) ty: u8,
    pub(crate) code: (u8, u8),
}

/// SNAT/DNAT `--to-…`: an address range and maybe ports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct NatTo {
    pub(crate) lo: Ipv4Addr,
    pub(crate) hi: Ipv4Addr,
    pub(crate) ports: Option<Ports>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    Accept,
    Drop,
    Return,
    /// `-j CHAIN`: a user chain.
    Jump(String),
    /// `-g CHAIN`.
    Goto(String),
    /// `--reject-with`: the index in iptables' reject table.
    Reject(u32),
    Masquerade(Option<Ports>),
    Snat(NatTo),
    Dnat(NatTo),
    Redirect(Option<Ports>),
}

/// The protocols the native driver knows by name (`-p`).
pub(crate) const PROTOCOLS: [(&str, u8); 4] = [("tcp", 6), ("udp", 17), ("icmp", 1), ("sctp", 132)];

/// A rule after `-A CHAIN`, typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Spec {
    pub(crate) src: Option<Neg<Ipv4Net>>,
    pub(crate) dst: Option<Neg<Ipv4Net>>,
    /// An interface name; a trailing `+` matches every name it begins.
    pub(crate) iif: Option<Neg<String>>,
    pub(crate) oif: Option<Neg<String>>,
    /// `-p`: an IP protocol number.
    pub(crate) proto: Option<Neg<u8>>,
    pub(crate) matches: Vec<Match>,
    pub(crate) target: Option<Target>,
}

/// The conntrack states by name, in the order iptables prints them, with their bits.
/// The bits of xt_conntrack.h: a ctinfo's bit is `1 << (ctinfo % IP_CT_IS_REPLY + 1)`, and
/// SNAT, DNAT, UNTRACKED follow IP_CT_NUMBER (5) at 6, 7, 8.
pub(crate) const CT_STATES: [(&str, u16); 7] = [
    ("INVALID", 1 << 0),
    ("NEW", 1 << 3),
    ("RELATED", 1 << 2),
    ("ESTABLISHED", 1 << 1),
    ("UNTRACKED", 1 << 8),
    ("SNAT", 1 << 6),
    ("DNAT", 1 << 7),
];

/// REJECT's `--reject-with` names and their short aliases, by their index in iptables' table
/// (enum ipt_reject_with).
pub(crate) const REJECT_WITH: [(&str, &str, u32); 8] = [
    ("icmp-net-unreachable", "net-unreach", 0),
    ("icmp-host-unreachable", "host-unreach", 1),
    ("icmp-proto-unreachable", "proto-unreach", 2),
    ("icmp-port-unreachable", "port-unreach", 3),
    ("icmp-net-prohibited", "net-prohib", 5),
    ("icmp-host-prohibited", "host-prohib", 6),
    ("tcp-reset", "tcp-rst", 7),
    ("icmp-admin-prohibited", "admin-prohib", 8),
];
