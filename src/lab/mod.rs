//! The lab: its journal of what it created and adopted, and its teardown.

pub mod dot;
pub mod journal;
pub mod lines;
pub mod lock;
pub mod state;
pub mod sweep;
pub mod teardown;

pub use journal::Journal;

/// "1 object", "3 objects".
pub fn objects(n: usize) -> String {
    if n == 1 {
        "1 object".to_string()
    } else {
        format!("{n} objects")
    }
}
