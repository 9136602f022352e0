//! The lab: its journal of what it created and adopted, and its teardown.

pub(crate) mod dot;
pub mod journal;
pub(crate) mod lines;
pub(crate) mod lock;
pub(crate) mod machine_state;
pub(crate) mod shown;
pub(crate) mod ssh_options;
pub mod state;
pub(crate) mod svg;
mod svg_draw;
mod svg_geom;
pub(crate) mod svg_ids;
mod svg_layout;
mod svg_legend;
mod svg_own;
#[cfg(test)]
mod svg_tests;
mod svg_text;
mod svg_wires;
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
