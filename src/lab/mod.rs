//! The lab: its journal of what it created and adopted, and its teardown.

pub mod dot;
pub mod journal;
pub mod state;
pub mod sweep;
pub mod teardown;

pub use journal::Journal;
