//! Text the DSL passes on as text — an iptables argument, a sysctl value, an `exec` command —
//! holds no character that would change its meaning on the way: iptables-restore reads its input
//! line by line, and a NUL ends an argv word or a /proc/sys write early.

use super::error::DslError;

/// A control character in people's words: "a newline", "the control character U+001B".
pub(crate) fn control_words(c: char) -> String {
    match c {
        '\n' => "a newline".to_string(),
        '\r' => "a carriage return".to_string(),
        '\t' => "a tab".to_string(),
        '\0' => "a NUL byte".to_string(),
        c => format!("the control character U+{:04X}", c as u32),
    }
}

/// Refuses `text` if it holds a character `bad` picks out: `what {text:?} contains a newline`.
fn refuse(
    text: &str,
    bad: impl Fn(char) -> bool,
    code: &'static str,
    what: &str,
    help: &str,
) -> Result<(), DslError> {
    match text.chars().find(|c| bad(*c)) {
        Some(c) => Err(DslError::new(
            code,
            format!("{what} {text:?} contains {}", control_words(c)),
            help,
        )),
        None => Ok(()),
    }
}

/// No control character at all (newline, tab, NUL, escape…).
pub(crate) fn check_no_control(
    text: &str,
    code: &'static str,
    what: &str,
    help: &str,
) -> Result<(), DslError> {
    refuse(text, char::is_control, code, what, help)
}

/// No NUL: for a shell command, where newlines and tabs are the shell's own business.
pub(crate) fn check_no_nul(
    text: &str,
    code: &'static str,
    what: &str,
    help: &str,
) -> Result<(), DslError> {
    refuse(text, |c| c == '\0', code, what, help)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_control_character_is_named_and_the_text_escaped() {
        let e = check_no_control("a\nCOMMIT", "netsh::firewall", "the argument", "h").unwrap_err();
        assert_eq!(e.message, r#"the argument "a\nCOMMIT" contains a newline"#);
        assert!(check_no_control("20000 30000", "c", "v", "h").is_ok());
        assert!(check_no_nul("echo a\necho b", "c", "v", "h").is_ok());
        let e = check_no_nul("a\0b", "netsh::exec", "the command", "h").unwrap_err();
        assert_eq!(e.message, r#"the command "a\0b" contains a NUL byte"#);
        assert_eq!(control_words('\u{1b}'), "the control character U+001B");
    }
}
