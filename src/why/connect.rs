//! What `why`'s TCP probe got back (see probe_tcp.rs).

/// What the TCP probe's SYN got back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Connect {
    /// A listener accepted the connection.
    Answered,
    /// The connection was refused: a RST (or an ICMP port unreachable), the host reached.
    Refused,
    /// Nothing came back before the bound.
    Silent,
    /// The sender's kernel or a router said there is no way there (errno words).
    Unreachable(String),
}
