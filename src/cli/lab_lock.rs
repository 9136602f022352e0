//! The locks `run`, `repl` and `down` hold while they work (src/lab/lock.rs), and what a
//! lock that cannot be had says.

use crate::lab::lock::{lock, Lock, LockError};
use crate::script::diagnostic::Diag;

/// Take turns with other netsh processes on this host's stack and this lab's journal.
pub(crate) fn lock_lab(lab: &str) -> Result<(Lock, Lock), Diag> {
    lock(lab).map_err(|e| match e {
        LockError::Busy { holder, path } => {
            let pid = holder
                .rsplit_once("pid ")
                .map(|(_, p)| p.trim_end_matches(')').to_string());
            let stop = match &pid {
                Some(p) => format!("stop it (kill {p})"),
                None => format!("find who holds {} (fuser -v {0})", path.display()),
            };
            let what = if path == crate::lab::lock::host_path() {
                format!("this host's network stack is in use by {holder}")
            } else {
                // The holder is this same lab, in another netsh.
                let by = pid.map(|p| format!(" (pid {p})")).unwrap_or_default();
                format!("lab {lab} is in use by another netsh{by}")
            };
            Diag::new(
                "netsh::busy",
                format!("{what}: gave up waiting for it"),
                Some(format!("let it finish and try again; if it hangs, {stop}")),
            )
        }
        LockError::Io { path, error } => Diag::new(
            "netsh::journal",
            format!("cannot lock {}: {error}", path.display()),
            Some(
                "netsh keeps its journals and locks in /run/netsh: check that it is writable"
                    .into(),
            ),
        ),
    })
}
