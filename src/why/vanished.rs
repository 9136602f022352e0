//! Where the packet evidence says the probe vanished, why, and the repair when one is known.

use crate::sys::Netns;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Vanished {
    pub(crate) ns: Netns,
    pub(crate) cause: String,
    pub(crate) fix: Option<String>,
}
