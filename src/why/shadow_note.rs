//! What the walk notes of a route taken from a table other than main (src/why/shadow.rs):
//! data only, kept in the report until the walk ends.

/// The step where a non-main table took the packet another way, its cause and fix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Shadow {
    pub(crate) at: String,
    /// The index of the route's hop in the report.
    pub(crate) hop: usize,
    /// The route itself is the fault (a route in table local, a cached redirect): no rule to
    /// drop, no table to mend.
    pub(crate) local: bool,
    pub(crate) cause: String,
    pub(crate) fix: String,
    /// The later break's own fix stays as the other way (a route there that also works).
    pub(crate) keep: bool,
    /// A policy rule chose the request's own route: a break on the reply's way back, after
    /// the request got through that way, is not the rule's doing as far as the walk can tell.
    pub(crate) request: bool,
}
