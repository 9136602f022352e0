//! The kernel's answer to `ip route get DST [from SRC iif DEV | oif DEV]` in one namespace.

use std::net::IpAddr;

/// What a lookup is asked with: the packet's destination, and (as the kernel sees a packet
/// that arrives) its source and the link it came in on.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Lookup {
    pub dst: IpAddr,
    pub src: Option<IpAddr>,
    /// The incoming link: the lookup is then the forwarding (input) path, with rp_filter.
    pub iif: Option<String>,
    /// The outgoing link the sender binds (`ip route get … oif DEV`): only routes by it are
    /// taken, and with none the kernel assumes the destination is on that link.
    pub oif: Option<String>,
    /// The packet's mark (`ip route get … mark M`): policy rules with `fwmark` look at it.
    pub mark: u32,
    /// The probe's IP protocol (0: not said) and ports: policy rules with `ipproto`,
    /// `sport` or `dport` look at them (RTA_IP_PROTO, RTA_SPORT, RTA_DPORT).
    pub proto: u8,
    pub sport: Option<u16>,
    pub dport: Option<u16>,
    /// The uid the packet is sent as (RTA_UID): the probe's, at the sender; policy rules with
    /// `uidrange` look at it. `None`: the caller's (a forwarded packet has uid 0).
    pub uid: Option<u32>,
}

impl Lookup {
    pub fn to(dst: IpAddr) -> Self {
        Lookup {
            dst,
            src: None,
            iif: None,
            oif: None,
            mark: 0,
            proto: 0,
            sport: None,
            dport: None,
            uid: None,
        }
    }

    /// The same lookup for the probe's flow: TCP to (or, `back`, from) its port, else ICMP
    /// (ICMPv6, 58, for an IPv6 destination: the kernel refuses protocol 1 there, EOPNOTSUPP).
    pub(crate) fn flow(self, port: Option<u16>, back: bool) -> Self {
        let icmp = if self.dst.is_ipv6() { 58 } else { 1 };
        let (proto, sport, dport) = match (port, back) {
            (Some(p), false) => (6, None, Some(p)),
            (Some(p), true) => (6, Some(p), None),
            (None, _) => (icmp, None, None),
        };
        Lookup {
            proto,
            sport,
            dport,
            ..self
        }
    }
}

/// The type of a route, as `ip route` prints it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum RouteKind {
    #[default]
    Unicast,
    Local,
    Broadcast,
    Blackhole,
    Unreachable,
    Prohibit,
    Throw,
    Other,
}

impl RouteKind {
    pub(crate) fn word(self) -> &'static str {
        match self {
            RouteKind::Unicast => "unicast",
            RouteKind::Local => "local",
            RouteKind::Broadcast => "broadcast",
            RouteKind::Blackhole => "blackhole",
            RouteKind::Unreachable => "unreachable",
            RouteKind::Prohibit => "prohibit",
            RouteKind::Throw => "throw",
            RouteKind::Other => "other",
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RouteGet {
    /// The output link.
    pub dev: String,
    pub via: Option<IpAddr>,
    /// The source address the kernel would choose.
    pub src: Option<IpAddr>,
    pub kind: RouteKind,
    /// The table the route came from (RTM_F_LOOKUP_TABLE), where the kernel says.
    pub table: Option<u32>,
    /// The MTU the route caps packets at (its `mtu` metric, or a learned path MTU).
    pub mtu: Option<u32>,
    /// The MTU is a path MTU the kernel learned (`cache expires … mtu`), not the route's.
    pub learned: bool,
    /// The route is an ICMP redirect the kernel cached (`cache <redirected>`), not one of the
    /// namespace's routes: the seconds until it expires.
    pub redirected: Option<u32>,
    /// The route's realms (RTA_FLOW, `realm 7`: source << 16 | destination), what
    /// `-m realm` matches; `None` when the route has none.
    pub realm: Option<u32>,
    /// The TTL the route sends with (its `hoplimit` metric, RTAX_HOPLIMIT), where it has one.
    pub hoplimit: Option<u32>,
}

/// The kernel's refusal of a lookup: its errno and its words ("Network is unreachable").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub errno: i32,
    pub words: String,
}

impl Refusal {
    /// The route type a refusal means: the kernel answers a lookup that ends on a blackhole
    /// with EINVAL, unreachable with EHOSTUNREACH, prohibit with EACCES; no route at all is
    /// ENETUNREACH, and a reverse-path (rp_filter) failure on the input path is EXDEV.
    pub(crate) fn kind(&self) -> Option<RouteKind> {
        match self.errno {
            22 => Some(RouteKind::Blackhole),
            113 => Some(RouteKind::Unreachable),
            13 => Some(RouteKind::Prohibit),
            _ => None,
        }
    }

    pub(crate) fn no_route(&self) -> bool {
        self.errno == 101
    }

    pub(crate) fn reverse_path(&self) -> bool {
        self.errno == 18
    }

    /// A refusal in words only (tests, and reads that never reached the kernel).
    pub fn words(words: &str) -> Self {
        let errno = match words {
            "Network is unreachable" => 101,
            "No route to host" => 113,
            "Permission denied" => 13,
            "Invalid argument" => 22,
            "Invalid cross-device link" => 18,
            _ => 0,
        };
        Refusal {
            errno,
            words: words.to_string(),
        }
    }
}
