//! What Tab offers: DSL functions, methods after a `.`, variables and keywords; inside a string,
//! the names the lab has (namespaces, hosts, links); after `:`, the REPL's commands.

use super::meta::COMMANDS;
use crate::api::doc::docs;

/// The live names completion draws on, refreshed after each line.
#[derive(Clone, Debug, Default)]
pub(crate) struct Names {
    pub(crate) variables: Vec<String>,
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
        dsl_names(true).into_iter().map(str::to_string).collect()
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
            variables: vec!["ns1".into(), "br".into()],
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
