//! Where the REPL keeps its history: `$XDG_STATE_HOME/netsh/history`, or
//! `~/.local/state/netsh/history`.

use std::path::PathBuf;

pub(crate) fn history_file() -> Option<PathBuf> {
    let dir = match std::env::var_os("XDG_STATE_HOME").filter(|d| !d.is_empty()) {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(std::env::var_os("HOME")?).join(".local/state"),
    };
    let dir = dir.join("netsh");
    std::fs::create_dir_all(&dir).ok()?;
    Some(dir.join("history"))
}
