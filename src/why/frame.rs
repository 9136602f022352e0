//! The frame that carried the packet into a namespace, as the walk left it there: what
//! `-m mac` and `-m ttl` read at that namespace's hooks.

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Frame {
    /// Its source MAC: the MAC of the link the previous hop sent it out of (a bridge between
    /// passes it on; a router puts its own). `None` when that link has none (a tunnel).
    pub mac: Option<String>,
    /// The IP TTL it arrived with.
    pub ttl: Option<u8>,
}
