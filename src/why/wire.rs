//! What a few matches read of the packet beyond its addresses: the frame it came in (`-m mac`),
//! its TTL at the hook (`-m ttl`), its IP length (`-m length`) and the socket that sent it
//! (`-m owner`). `None` (or `Sock::Unknown`) where the analysis cannot tell: such a rule stays
//! "not understood".

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Wire {
    /// The frame's source MAC (PREROUTING, INPUT, FORWARD).
    pub(crate) mac: Option<String>,
    /// The TTL as this hook sees it: a router's FORWARD and POSTROUTING see it less one.
    pub(crate) ttl: Option<u8>,
    /// The IP packet's total length.
    pub(crate) len: Option<u16>,
    pub(crate) sock: Sock,
    /// The realms of the route that forwards it (`-m realm`): 0 for a route without any.
    pub(crate) realm: Option<u32>,
    /// The namespace's rules and routes, read where a rule asks for the way back to the
    /// source (`-m rpfilter`).
    pub(crate) fib: Option<super::fib::Fib>,
}

/// The socket behind a packet, as `-m owner` sees it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) enum Sock {
    #[default]
    Unknown,
    /// A forwarded packet: no socket at all.
    Forwarded,
    /// Sent by the kernel itself (an ICMP echo reply): a kernel socket or none, with no owner.
    Kernel,
    /// A process's socket, with its (effective) uid and gid: the probe's.
    Of(u32, u32),
}
