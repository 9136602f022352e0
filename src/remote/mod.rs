//! Real machines over SSH: the `netsh agent` a far machine runs (its part of the plan judged
//! and applied with the same code as a local run), the versioned JSON-lines protocol between the
//! controller and it, and the transport (the system `ssh`).
//!
//! In the layer order after `net` (the agent drives the `Netlink` backend and the lab journal)
//! and before `api` (a script's session sends a far host's ops through it).

pub(crate) mod agent;
pub(crate) mod client;
pub(crate) mod error;
pub(crate) mod far_netsh;
pub(crate) mod fleet;
pub(crate) mod hiding;
pub(crate) mod partition;
pub(crate) mod proto;
#[cfg(test)]
mod proto_tests;
pub(crate) mod show_far;
pub(crate) mod ssh;
pub(crate) mod why_across;
pub(crate) mod why_far;
pub(crate) mod why_start;
