//! The lab: its journal of what it created and adopted, and its teardown.

pub(crate) mod dot;
pub mod journal;
pub(crate) mod lines;
pub(crate) mod lock;
pub(crate) mod ssh_options;
pub mod state;
pub(crate) mod sweep;
pub(crate) mod teardown;

pub use journal::Journal;

/// "1 object", "3 objects".
pub(crate) fn objects(n: usize) -> String {
    if n == 1 {
        "1 object".to_string()
    } else {
        format!("{n} objects")
    }
}
