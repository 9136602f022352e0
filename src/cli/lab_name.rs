//! The lab's name: `--lab NAME`, or the script's file name without `.rhai`.

use std::path::Path;

pub(crate) fn lab_name(file: Option<&Path>, lab: Option<&str>) -> Result<String, String> {
    let name = match (lab, file) {
        (Some(l), _) => l.to_string(),
        (None, Some(f)) => f
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default(),
        (None, None) => return Err("name the lab: a FILE or --lab NAME".into()),
    };
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
        // A leading '-' would read as an option in the `netsh down --lab NAME` netsh prints.
        && !name.starts_with(['.', '-']);
    if !ok {
        return Err(format!(
            "invalid lab name \"{name}\": use letters, digits, '-', '_' and '.', starting with a letter, digit or '_' (at most 64), or pass --lab NAME"
        ));
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lab_name_never_reads_as_an_option() {
        assert_eq!(
            lab_name(None, Some("-x")).unwrap_err(),
            "invalid lab name \"-x\": use letters, digits, '-', '_' and '.', starting with a letter, digit or '_' (at most 64), or pass --lab NAME"
        );
        assert!(lab_name(Some(Path::new("labs/-x.rhai")), None).is_err());
        assert!(lab_name(None, Some(".x")).is_err());
        assert_eq!(lab_name(None, Some("my-lab.2")).unwrap(), "my-lab.2");
        assert_eq!(lab_name(None, Some("_x")).unwrap(), "_x");
    }
}
