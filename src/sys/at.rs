//! `At`: where in a script an object was asked for, carried from the DSL to every diagnostic.

use serde::{Deserialize, Serialize};

/// A position in a script: 1-based line and column of the call, as Rhai reports it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct At {
    pub line: usize,
    pub col: usize,
    /// The file: 0 is the script run; others are modules (see `script::sources`).
    #[serde(default)]
    pub file: u32,
}
