//! The lab's name: `--lab NAME`, or the script's file name without `.rhai`.

use std::path::Path;

pub fn lab_name(file: Option<&Path>, lab: Option<&str>) -> Result<String, String> {
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
        && !name.starts_with('.');
    if !ok {
        return Err(format!(
            "invalid lab name \"{name}\": use letters, digits, '-', '_' and '.' (at most 64), or pass --lab NAME"
        ));
    }
    Ok(name)
}
