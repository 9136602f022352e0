//! Reading a script file, with a diagnostic that says what to do when it cannot be read.

use super::diagnostic::Diag;

/// Reads the script, or says why not.
pub(crate) fn read_script(file: &std::path::Path) -> Result<String, Diag> {
    std::fs::read_to_string(file).map_err(|e| {
        Diag::new(
            "netsh::file",
            format!("cannot read {}: {}", file.display(), e),
            Some("check the path; scripts live in scripts/, e.g. scripts/chapter1.rhai".into()),
        )
    })
}
