//! The outcome of a packet's walk through one chain.

use std::net::IpAddr;

/// Where a packet's walk through a chain ended: the target and the rule (or the policy).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Decision {
    pub(crate) target: String,
    /// The matching rule's spec; `None` when the policy decided.
    pub(crate) rule: Option<String>,
    /// `--to-source` of a SNAT rule.
    pub(crate) to_source: Option<IpAddr>,
}
