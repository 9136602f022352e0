//! One route lookup on the packet's way, as the walk keeps them (for loops and detours).

use super::fib::{FibRoute, FibRule};
use super::route_get::Lookup;
use crate::sys::Netns;

/// One lookup on the way: where, with what, and the route and rule that answered it.
pub(crate) struct Visit {
    pub(crate) ns: Netns,
    pub(crate) q: Lookup,
    pub(crate) route: Option<FibRoute>,
    pub(crate) rule: Option<FibRule>,
}
