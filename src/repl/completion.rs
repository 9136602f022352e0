//! What Tab offers: DSL functions, methods after a `.`, variables and keywords; inside a string,
//! the names the lab has (namespaces, hosts, links); after `:`, the REPL's commands.

use super::meta::COMMANDS;
use crate::api::doc::docs;

/// The live names completion draws on, refreshed after each line.
#[derive(Clone, Debug, Default)]
pub(crate) struct Names {
    pub(crate) variables: Vec<String>,
    /// What each variable holds, as the reference names receivers: `link`, `stack`, `rule`,
    /// `rules`, `fdb`; a variable of another type is absent.
    pub(crate) receivers: std::collections::HashMap<String, &'static str>,
    /// Namespaces and hosts, then links.
    pub(crate) objects: Vec<String>,
}

/// Where the string the cursor is in starts (after its quote), if it is in one.
fn string_start(text: &str) -> Option<usize> {
    let mut start = None;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        match (start, c) {
            (Some(_), '\\') if !escaped => {
                escaped = true;
                continue;
            }
            (Some(_), '"') if !escaped => start = None,
            (None, '"') => start = Some(i + 1),
            _ => {}
        }
        escaped = false;
    }
    start
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Functions called as `name(...)`, and methods called as `x.name(...)`.
fn dsl_names(methods: bool) -> Vec<&'static str> {
    let mut out: Vec<&str> = docs()
        .iter()
        .filter(|d| d.is_method() == methods)
        .map(|d| d.name.as_str())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The methods a receiver of kind `recv` (`link`, `stack`, …) has: each form of a reference
/// entry (`link.name / stack.name`) says its receiver.
fn methods_of(recv: &str) -> Vec<&'static str> {
    let mut out: Vec<&str> = docs()
        .iter()
        .filter(|d| {
            d.sig
                .split(" / ")
                .any(|form| form.split(['(', ' ']).next() == Some(&format!("{recv}.{}", d.name)))
        })
        .map(|d| d.name.as_str())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The file names that complete `typed` (a path being typed), directories with their `/`.
fn paths(typed: &str) -> Vec<String> {
    let (dir, part) = match typed.rfind('/') {
        Some(i) => (&typed[..=i], &typed[i + 1..]),
        None => ("", typed),
    };
    let Ok(entries) = std::fs::read_dir(if dir.is_empty() { "." } else { dir }) else {
        return vec![];
    };
    let mut out: Vec<String> = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            // Hidden files only when asked for.
            if !name.starts_with(part) || (name.starts_with('.') && !part.starts_with('.')) {
                return None;
            }
            let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
            Some(if is_dir { format!("{name}/") } else { name })
        })
        .collect();
    out.sort();
    out
}

/// The start of the text to replace and the candidates, for the cursor at `pos`.
pub(crate) fn complete(line: &str, pos: usize, names: &Names) -> (usize, Vec<String>) {
    let text = &line[..pos];
    let trimmed = text.trim_start();
    if let Some(rest) = trimmed.strip_prefix(":help ") {
        let start = pos - rest.len();
        let mut c: Vec<String> = docs()
            .iter()
            .map(|d| d.name.clone())
            .filter(|n| n.starts_with(rest))
            .collect();
        c.dedup();
        return (start, c);
    }
    let file_arg = [":load ", ":save --asserts ", ":save "]
        .iter()
        .find_map(|c| trimmed.strip_prefix(c));
    if let Some(typed) = file_arg.filter(|t| !t.starts_with('-')) {
        let part = typed.rfind('/').map_or(typed, |i| &typed[i + 1..]);
        return (pos - part.len(), paths(typed));
    }
    if trimmed.starts_with(':') && !trimmed.contains(' ') {
        let start = pos - trimmed.len();
        let c = COMMANDS
            .iter()
            .map(|(c, _)| c.split(' ').next().unwrap_or(c).to_string())
            .filter(|c| c.starts_with(trimmed))
            .collect();
        return (start, c);
    }
    if let Some(start) = string_start(text) {
        let prefix = &text[start..];
        let mut c: Vec<String> = names
            .objects
            .iter()
            .filter(|n| n.starts_with(prefix))
            .cloned()
            .collect();
        c.dedup();
        return (start, c);
    }
    let start = text
        .char_indices()
        .rev()
        .find(|(_, c)| !is_word(*c))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let prefix = &text[start..];
    let method = text[..start].ends_with('.');
    let mut c: Vec<String> = if method {
        // The receiver's kind, when it is a variable whose value the session knows.
        let before = &text[..start - 1];
        let r = before
            .char_indices()
            .rev()
            .find(|(_, c)| !is_word(*c))
            .map_or(0, |(i, c)| i + c.len_utf8());
        let methods = match names.receivers.get(&before[r..]) {
            Some(kind) => methods_of(kind),
            None => dsl_names(true),
        };
        methods.into_iter().map(str::to_string).collect()
    } else {
        let mut v: Vec<String> = dsl_names(false).into_iter().map(str::to_string).collect();
        v.extend(names.variables.iter().cloned());
        v.extend(["let", "fn", "for", "if", "loop", "while"].map(str::to_string));
        v
    };
    c.retain(|n| n.starts_with(prefix));
    c.sort();
    c.dedup();
    (start, c)
}

/// The rest of the signature of the call being opened (`bridge(` → `name) -> Link`).
pub(crate) fn signature_hint(text: &str) -> Option<String> {
    let before = text.strip_suffix('(')?;
    let start = before
        .char_indices()
        .rev()
        .find(|(_, c)| !is_word(*c))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let name = &before[start..];
    let method = before[..start].ends_with('.');
    let d = docs().iter().find(|d| {
        d.name == name
            && (d.sig.starts_with(&format!("{name}(")) != method
                || (method && d.sig.contains(&format!(".{name}("))))
    })?;
    let open = d.sig.find(&format!("{name}("))? + name.len() + 1;
    let rest = &d.sig[open..];
    // The first form only: "a / b" lists several.
    Some(rest.split(" / ").next().unwrap_or(rest).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Names {
        Names {
            variables: vec!["ns1".into(), "br".into(), "v1".into()],
            receivers: [("ns1".to_string(), "stack"), ("v1".to_string(), "link")].into(),
            objects: vec!["alpha".into(), "bridge0".into()],
        }
    }

    #[test]
    fn functions_methods_names_and_commands() {
        assert_eq!(
            complete("bri", 3, &names()),
            (0, vec!["bridge".to_string()])
        );
        assert_eq!(
            complete("ns(\"al", 6, &names()),
            (4, vec!["alpha".to_string()])
        );
        assert_eq!(
            complete("br.mas", 6, &names()),
            (3, vec!["masquerade".to_string(), "master".to_string()])
        );
        assert_eq!(complete("ns", 2, &names()).1, ["ns", "ns1"]);
        assert_eq!(complete(":sa", 3, &names()), (0, vec![":save".to_string()]));
        assert_eq!(
            complete(":help brid", 10, &names()),
            (6, vec!["bridge".to_string()])
        );
    }

    #[test]
    fn methods_by_the_receiver_s_type_and_paths_after_load() {
        // v1 is a link: its methods, not a namespace's (no ns.bridge, route, ping).
        let (_, link) = complete("v1.", 3, &names());
        assert!(link.contains(&"master".to_string()), "{link:?}");
        for not in ["bridge", "route", "ping", "connect"] {
            assert!(!link.contains(&not.to_string()), "{not} in {link:?}");
        }
        let (_, stack) = complete("ns1.r", 5, &names());
        assert_eq!(stack, ["read_sysctl", "route", "routes"]);
        let dir = std::env::temp_dir().join(format!("netsh-complete-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::write(dir.join("lab.rhai"), "").unwrap();
        let typed = format!(":load {}/l", dir.display());
        assert_eq!(
            complete(&typed, typed.len(), &names()),
            (typed.len() - 1, vec!["lab.rhai".to_string()])
        );
        let typed = format!(":save --asserts {}/s", dir.display());
        assert_eq!(complete(&typed, typed.len(), &names()).1, ["sub/"]);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn hints_show_the_signature() {
        assert_eq!(
            signature_hint("let b = bridge(").as_deref(),
            Some("name) -> Link")
        );
        assert_eq!(
            signature_hint("b.master(").as_deref(),
            Some("bridge) -> Link")
        );
        assert_eq!(signature_hint("frob("), None);
    }
}
