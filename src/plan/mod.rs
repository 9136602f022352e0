//! The operation model: `Op`s recorded by the DSL, coalesced, judged against the kernel and
//! handed to a backend.

pub mod backend;
pub mod coalesce;
pub mod describe;
pub mod dry_run;
pub mod flush;
pub mod judge;
pub mod ledger;
pub mod netns;
pub mod op;
#[cfg(test)]
pub mod record;
pub mod render;
pub mod verdict;
pub mod view;
pub mod vxlan;

pub use backend::{Backend, Failure, PingMode};
pub use netns::Netns;
pub use op::{At, LinkKind, Op, OpKind};
