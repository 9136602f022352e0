//! `run_lab`: a script run as lab `lab` in a sandbox, then shell lines that look at what it
//! built (with `probe` of `PROBE` at hand).

use super::{sandbox, SandboxOutput, PROBE};

/// Runs `script` (written as lab.rhai in a fresh temporary folder) in a sandbox, then `after`
/// there; panics with the output unless both succeed.
pub fn run_lab(script: &str, after: &str) -> SandboxOutput {
    let out = sandbox(&format!(
        "{PROBE}\nd=$(mktemp -d)\ncat > $d/lab.rhai <<'EOF'\n{script}\nEOF\n\
         \"$NETSH\" run $d/lab.rhai >/dev/null || {{ rm -rf $d; exit 1; }}\n{after}\nrm -rf $d"
    ));
    out.assert_success();
    out
}
