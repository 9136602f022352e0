//! The lab: its journal of what it created and adopted, and its teardown.

pub mod journal;
pub mod teardown;

pub use journal::Journal;
