//! The operation model: `Op`s recorded by the DSL, coalesced, judged against the kernel and
//! handed to a backend through narrow traits: `Observe` (reads to judge against), `Apply`
//! (changes), `Probe` (checks) and `Print` (a script's output).

pub mod apply;
pub mod coalesce;
pub(crate) mod describe;
pub mod dry_run;
pub mod error;
pub(crate) mod flush;
pub(crate) mod judge;
pub(crate) mod judge_only;
pub(crate) mod ledger;
pub mod observe;
pub mod op;
pub(crate) mod op_ns;
pub mod probe;
#[cfg(test)]
pub(crate) mod record;
pub(crate) mod render;
pub mod simulated;
pub(crate) mod verdict;
pub mod view;
pub mod vxlan;

pub use apply::{Apply, Builder};
pub use observe::Observe;
pub use op::{LinkSpec, Op, OpKind};
pub use probe::{Echo, ExecOutput, PingMode, Print, Probe, SweepRow, CAPTURE_LIMIT};
