//! A name given where the DSL wants the object itself (`v1.master("bridge0")`, `v1.into("ns1")`,
//! `connect("ns1", br, ...)`): the diagnostic says which object and writes the call that works.

use super::span::call_len;

pub(crate) fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The arguments of a call's text, split at the top level (strings and brackets respected).
pub(crate) fn split_args(args: &str) -> Vec<String> {
    let mut out = vec![];
    let (mut depth, mut quoted, mut escaped, mut start) = (0i32, false, false, 0);
    for (i, c) in args.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            '(' | '[' | '{' if !quoted => depth += 1,
            ')' | ']' | '}' if !quoted => depth -= 1,
            ',' if !quoted && depth == 0 => {
                out.push(args[start..i].trim().to_string());
                start = i + 1;
            }
            _ => {}
        }
    }
    let last = args[start..].trim();
    if !last.is_empty() {
        out.push(last.to_string());
    }
    out
}

/// The parameter names of `name`'s documented form with `arity` arguments (the receiver first).
fn param_names(name: &str, arity: usize) -> Vec<String> {
    for d in crate::api::doc::lookup(name) {
        for form in d.sig.split(" / ") {
            let Some(open) = form.find(&format!("{name}(")) else {
                continue;
            };
            let recv = form[..open].strip_suffix('.').map(str::to_string);
            let inner = &form[open + name.len() + 1..];
            let inner = &inner[..inner.find(')').unwrap_or(inner.len())];
            let mut names: Vec<String> = recv.into_iter().collect();
            names.extend(split_args(inner));
            if names.len() == arity {
                return names;
            }
        }
    }
    vec![]
}

/// What to write for an object named by `arg`: `bridge("br0")`, `link("v1")`, `ns("ns1")`.
fn object(expected: &str, param: &str, arg: &str) -> (String, String) {
    let (ctor, what) = match (expected, param) {
        ("Stack", _) if arg == "\"host\"" => return ("host()".into(), "the host".into()),
        ("Stack", _) => ("ns", "namespace"),
        (_, "bridge") => ("bridge", "bridge"),
        _ => ("link", "link"),
    };
    (format!("{ctor}({arg})"), what.to_string())
}

/// The message and help for a call at byte `off` of `src` to `name` with argument types
/// `given`, when one of `overloads` takes a Link or a Stack where a string was given.
pub(crate) fn name_for_handle(
    name: &str,
    given: &[String],
    overloads: &[Vec<String>],
    src: &str,
    off: usize,
) -> Option<(String, String)> {
    let (i, expected) = overloads
        .iter()
        .filter(|o| o.len() == given.len())
        .find_map(|o| {
            let i = (0..o.len())
                .find(|&i| given[i] == "string" && matches!(o[i].as_str(), "Link" | "Stack"))?;
            let rest_fits = (0..o.len())
                .filter(|&k| k != i)
                .all(|k| o[k] == given[k] || o[k] == "any");
            rest_fits.then(|| (i, o[i].clone()))
        })?;
    let call = src.get(off..off + call_len(src, off))?;
    let inner = call
        .strip_prefix(name)?
        .strip_prefix('(')?
        .strip_suffix(')')?;
    let mut args = split_args(inner);
    let before = &src[..off];
    let recv = before.strip_suffix('.').map(|b| {
        let s = b
            .char_indices()
            .rev()
            .find(|(_, c)| !is_word(*c))
            .map_or(0, |(k, c)| k + c.len_utf8());
        b[s..].to_string()
    });
    // The types count the receiver of a method call; the text in parentheses does not.
    let j = match &recv {
        Some(_) => i.checked_sub(1)?,
        None => i,
    };
    let arg = args.get(j)?.clone();
    let params = param_names(name, given.len());
    let param = params.get(i).map_or("", String::as_str);
    let (obj, what) = object(&expected, param, &arg);
    args[j] = obj.clone();
    let fixed = match recv.filter(|r| !r.is_empty()) {
        Some(r) => format!("{r}.{name}({})", args.join(", ")),
        None if before.ends_with('.') => format!(".{name}({})", args.join(", ")),
        None => format!("{name}({})", args.join(", ")),
    };
    Some((
        format!("{name} takes the {what} itself, not its name {arg}"),
        format!("write {fixed}: {obj} is the {what} named {arg}"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn a_name_where_a_bridge_is_expected() {
        let src = "let v1 = veth(\"a\", \"b\");\nv1.master(\"bridge0\");";
        let off = src.find("master").unwrap();
        let got = name_for_handle(
            "master",
            &s(&["Link", "string"]),
            &[s(&["Link", "Link"])],
            src,
            off,
        );
        assert_eq!(
            got,
            Some((
                "master takes the bridge itself, not its name \"bridge0\"".into(),
                "write v1.master(bridge(\"bridge0\")): bridge(\"bridge0\") is the bridge named \"bridge0\"".into()
            ))
        );
    }

    #[test]
    fn a_name_where_a_namespace_is_expected() {
        let src = "connect(\"ns1\", br, \"10.1.1.2/24\")";
        let got = name_for_handle(
            "connect",
            &s(&["string", "Link", "string"]),
            &[s(&["Stack", "Link", "string"])],
            src,
            0,
        )
        .unwrap();
        assert_eq!(
            got.1,
            "write connect(ns(\"ns1\"), br, \"10.1.1.2/24\"): ns(\"ns1\") is the namespace named \"ns1\""
        );
        // A name that fits no overload's handle: not this mistake.
        assert_eq!(
            name_for_handle("x", &s(&["string"]), &[s(&["integer"])], "x(\"a\")", 0),
            None
        );
    }
}
