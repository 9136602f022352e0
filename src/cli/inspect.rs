//! What a failed sandboxed run says about looking at its lab: the sandbox went with the run,
//! so `netsh run --sandbox --inspect` (the REPL on the lab the run left) is the way to look.

use crate::script::diagnostic::Diag;

/// A sandboxed run's failure happened in a sandbox that is gone with it: its help says how
/// to look at the lab (`--inspect`) instead of a `netsh why` that would find nothing.
pub(crate) fn inspect_help(d: &mut Diag, file: &str) {
    let look = format!(
        "the sandbox is gone with the run: `netsh run --sandbox --inspect {file}` keeps the lab and opens the REPL on it"
    );
    d.help = Some(match d.help.take() {
        Some(h) if h.contains("netsh why") => {
            let cut = h.find("(`netsh why").or_else(|| h.find("`netsh why"));
            let h = cut.map_or(h.as_str(), |i| h[..i].trim_end());
            match h.is_empty() {
                true => look,
                false => format!("{h}; {look}"),
            }
        }
        Some(h) => format!("{h}; {look}"),
        None => look,
    });
}
