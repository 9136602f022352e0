//! An errno in people's words: "No such device (ENODEV)", not "(os error 19)".

/// "No such device (ENODEV)": the system's words and the errno's name.
pub(crate) fn errno_words(e: &std::io::Error) -> String {
    let s = e.to_string();
    match (s.find(" (os error"), e.raw_os_error()) {
        (Some(i), Some(n)) => format!("{} ({:?})", &s[..i], nix::errno::Errno::from_raw(n)),
        _ => s,
    }
}

/// Prefix an error with what was being done, keeping its kind and naming its errno.
pub(crate) fn context(
    e: impl Into<std::io::Error>,
    what: impl std::fmt::Display,
) -> std::io::Error {
    let e = e.into();
    let msg = format!("{what}: {}", errno_words(&e));
    std::io::Error::new(e.kind(), msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_errno() {
        let e = std::io::Error::from_raw_os_error(19);
        assert_eq!(errno_words(&e), "No such device (ENODEV)");
        assert_eq!(
            context(e, "set eth9 up").to_string(),
            "set eth9 up: No such device (ENODEV)"
        );
    }
}
