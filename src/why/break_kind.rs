//! What kind of fault the report's break is, where a later step must tell it apart from the
//! rest (the shadow of a policy table, src/why/shadow.rs) without reading its words.

/// The kind of the last break said with `Report::block`, when one of these.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BreakKind {
    /// The reverse-path filter dropped the packet: a cause with its own fix.
    RpFilter,
    /// A route's gateway is held by no namespace here.
    DeadGateway,
}
