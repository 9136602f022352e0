//! Name rules, checked before anything reaches the kernel: interface names at most 15 bytes;
//! no `/`, whitespace, control characters, `.`, `:` or `%` in any name the user gives (`.` joins
//! a host and its namespace; the kernel reads `%d` in an interface name as "the next free
//! number", and a namespace's name becomes part of interface names `connect` makes).

use super::error::DslError;

const IFNAMSIZ: usize = 16;

fn bad_char(name: &str) -> Option<char> {
    name.chars()
        .find(|c| "/.:%".contains(*c) || c.is_whitespace() || c.is_control())
}

pub(crate) fn check_ifname(name: &str, what: &str) -> Result<(), DslError> {
    if name.is_empty() {
        return Err(DslError::new(
            "netsh::name",
            format!("the {what} name is empty"),
            "give the interface a name of 1 to 15 bytes, e.g. \"veth1\"",
        ));
    }
    if name.len() >= IFNAMSIZ {
        return Err(DslError::new(
            "netsh::name",
            format!(
                "interface name \"{name}\" is {} bytes long; the kernel allows at most 15",
                name.len()
            ),
            "shorten the name to 15 bytes or fewer",
        ));
    }
    if let Some(c) = bad_char(name) {
        return Err(DslError::new(
            "netsh::name",
            format!("interface name \"{name}\" contains {}", char_words(c)),
            "use letters, digits, '-' and '_' in interface names",
        ));
    }
    Ok(())
}

pub(crate) fn check_nsname(name: &str) -> Result<(), DslError> {
    if name.is_empty() {
        return Err(DslError::new(
            "netsh::name",
            "the namespace name is empty",
            "give the namespace a name, e.g. ns(\"ns1\")",
        ));
    }
    if name.len() > 64 {
        return Err(DslError::new(
            "netsh::name",
            format!(
                "namespace name \"{name}\" is {} bytes long; netsh allows at most 64",
                name.len()
            ),
            "shorten the name",
        ));
    }
    if let Some(c) = bad_char(name) {
        return Err(DslError::new(
            "netsh::name",
            format!("namespace name \"{name}\" contains {}", char_words(c)),
            "use letters, digits, '-' and '_' in namespace names",
        ));
    }
    Ok(())
}

fn char_words(c: char) -> String {
    match c {
        '/' => "'/'".to_string(),
        '.' => "'.' (reserved: it joins a host and its namespace, as in h150.ns2)".to_string(),
        ':' => "':'".to_string(),
        '%' => "'%' (reserved: the kernel would read %d as a number to fill in)".to_string(),
        c if c.is_control() => super::plain_text::control_words(c),
        _ => "whitespace".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifteen_bytes_is_the_limit() {
        assert!(check_ifname("abcdefghijklmno", "link").is_ok());
        let e = check_ifname("abcdefghijklmnop", "link").unwrap_err();
        assert_eq!(
            e.message,
            "interface name \"abcdefghijklmnop\" is 16 bytes long; the kernel allows at most 15"
        );
        assert!(check_nsname("h150.ns2").is_err());
    }

    #[test]
    fn percent_is_refused_in_every_name() {
        let e = check_ifname("br%d", "bridge").unwrap_err();
        assert_eq!(
            e.message,
            "interface name \"br%d\" contains '%' (reserved: the kernel would read %d as a number to fill in)"
        );
        assert!(check_nsname("ns%d").is_err());
        // Names a shell or iproute2 would misread are quoted when printed, not refused.
        for ok in ["b", "-n", "a$(x)", "it's", "help"] {
            assert!(check_ifname(ok, "link").is_ok(), "{ok}");
            assert!(check_nsname(ok).is_ok(), "{ok}");
        }
    }
}
