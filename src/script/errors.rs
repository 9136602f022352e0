//! Rhai's errors in people's words: each `EvalAltResult` becomes a `Diag` at its position.

use super::diagnostic::Diag;
use crate::api::DslError;
use crate::sys::At;
use rhai::{EvalAltResult, Position};

fn at(p: Position) -> Option<At> {
    Some(At {
        line: p.line()?,
        col: p.position().unwrap_or(1),
        file: 0,
    })
}

/// The distance between two names, to suggest the function the user meant.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let v = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
            cur.push(v);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Rhai names types by their Rust paths; say them as a script writer would.
fn type_words(t: &str) -> String {
    // Rhai names a string argument by all its forms: "&str | ImmutableString | String".
    if t.contains(" | ") {
        let words: Vec<String> = t.split(" | ").map(type_words).collect();
        return match words.iter().any(|w| w == "string") {
            true => "string".into(),
            false => words.join(" | "),
        };
    }
    let t = t.trim();
    let t = t.rsplit("::").next().unwrap_or(t);
    match t {
        "&str" | "ImmutableString" | "String" | "&mut ImmutableString" => "string".into(),
        "i64" | "INT" => "integer".into(),
        "f64" | "FLOAT" => "float".into(),
        "bool" => "bool".into(),
        "()" => "()".into(),
        "Array" => "array".into(),
        "Map" => "map".into(),
        other => other.to_string(),
    }
}

/// "bridge (i64, bool)" → ("bridge", "integer, bool").
fn split_sig(sig: &str) -> (String, String) {
    let (name, args) = match sig.find(['(', ' ']) {
        Some(i) => (&sig[..i], &sig[i..]),
        None => (sig, ""),
    };
    let args = args
        .trim()
        .trim_start_matches('(')
        .trim_end_matches(')')
        .split(',')
        .filter(|a| !a.trim().is_empty())
        .map(type_words)
        .collect::<Vec<_>>()
        .join(", ");
    (name.trim().to_string(), args)
}

pub(crate) struct Known<'a> {
    /// Registered and script-defined functions: (name, "arg types").
    pub(crate) functions: Vec<(String, String)>,
    /// The script, to recognise some mistakes by their text.
    pub(crate) src: &'a str,
}

pub(crate) fn to_diag(err: &EvalAltResult, known: &Known) -> Diag {
    match err {
        EvalAltResult::ErrorRuntime(d, pos) if d.is::<DslError>() => {
            let e = d.clone().cast::<DslError>();
            Diag::new(e.code, e.message, e.help).at(e.at.or(at(*pos)))
        }
        EvalAltResult::ErrorInFunctionCall(_, src, inner, _) => {
            // Inside a module's function: Rhai's own positions are in the module's file.
            let mut d = to_diag(inner, known);
            if let Some(a) = d.at.as_mut() {
                if a.file == 0 && !src.is_empty() {
                    a.file = crate::sys::sources::intern(src);
                }
            }
            d
        }
        EvalAltResult::ErrorInModule(name, inner, pos) => {
            let mut d = to_diag(inner, known);
            d.message = format!("in module {name}: {}", d.message);
            if d.at.is_none_or(|a| a.file == 0) {
                d.at = at(*pos);
            }
            d
        }
        EvalAltResult::ErrorModuleNotFound(name, pos) => Diag::new(
            "netsh::module",
            format!("no module \"{name}\""),
            Some(format!(
                "modules are {name}.rhai in the script's folder or netsh's stdlib/ (topo is the standard one)"
            )),
        )
        .at(at(*pos)),
        EvalAltResult::ErrorParsing(rhai::ParseErrorType::VariableUndefined(name), pos) => {
            Diag::new(
                "netsh::unknown-variable",
                format!("unknown variable {name}"),
                Some(format!("declare it first: let {name} = ...;")),
            )
            .at(at(*pos))
        }
        EvalAltResult::ErrorParsing(p, pos) => {
            let word_here = at(*pos)
                .and_then(|a| super::span::offset(known.src, a.line, a.col))
                .map(|o| &known.src[o..])
                .unwrap_or("");
            let help = if word_here.starts_with("in:") || word_here.starts_with("in :") {
                "`in` is a Rhai keyword: quote it as a map key, #{ \"in\": \"bridge0\" }"
                    .to_string()
            } else {
                syntax_help(&p.to_string())
            };
            Diag::new("netsh::syntax", format!("syntax error: {p}"), Some(help)).at(at(*pos))
        }
        EvalAltResult::ErrorFunctionNotFound(sig, pos) => not_found(sig, pos, known),
        EvalAltResult::ErrorVariableNotFound(name, pos) => Diag::new(
            "netsh::unknown-variable",
            format!("unknown variable {name}"),
            Some(format!("declare it first: let {name} = ...;")),
        )
        .at(at(*pos)),
        EvalAltResult::ErrorTerminated(why, pos) => Diag::new(
            "netsh::interrupted",
            format!(
                "interrupted ({})",
                why.clone().into_string().unwrap_or_else(|_| "Ctrl-C".into())
            ),
            Some("the run stopped here; what it built is rolled back unless --keep".into()),
        )
        .at(at(*pos)),
        other => {
            let pos = other.position();
            let mut msg = other.to_string();
            if let Some(i) = msg.rfind(" (line ") {
                msg.truncate(i);
            }
            Diag::new("netsh::script", msg, None).at(at(pos))
        }
    }
}

/// `bridge(Stack, string)` reads as `stack.bridge(string)`: a first argument of a DSL type is
/// the receiver of a method.
/// A call no registration takes: an unknown name (and the nearest one), or known functions
/// given the wrong arguments (and the forms they take).
fn not_found(sig: &str, pos: &Position, known: &Known) -> Diag {
    let (name, args) = split_sig(sig);
    let overloads: Vec<&(String, String)> =
        known.functions.iter().filter(|(n, _)| *n == name).collect();
    if overloads.is_empty() {
        let best = known
            .functions
            .iter()
            .map(|(n, _)| (edit_distance(n, &name), n))
            .filter(|(d, _)| *d <= 2)
            .min();
        let help = match best {
            Some((_, n)) => format!("did you mean {n}? `netsh doc` lists every function"),
            None => "`netsh doc` lists every function".to_string(),
        };
        Diag::new(
            "netsh::unknown-function",
            format!("unknown function {name}"),
            Some(help),
        )
        .at(at(*pos))
    } else {
        // A first argument of a DSL type reads best as the receiver of a method.
        let mut forms: Vec<String> = overloads.iter().map(|(n, a)| call_form(n, a)).collect();
        forms.sort();
        forms.dedup();
        let types = |a: &str| -> Vec<String> {
            a.split(", ")
                .filter(|t| !t.is_empty())
                .map(str::to_string)
                .collect()
        };
        let takes: Vec<Vec<String>> = overloads.iter().map(|(_, a)| types(a)).collect();
        let handle = at(*pos)
            .and_then(|a| super::span::offset(known.src, a.line, a.col))
            .and_then(|off| {
                super::handle::name_for_handle(&name, &types(&args), &takes, known.src, off)
            });
        if let Some((message, help)) = handle {
            return Diag::new("netsh::arguments", message, Some(help)).at(at(*pos));
        }
        Diag::new(
            "netsh::arguments",
            format!("{name} cannot take ({args})"),
            Some(format!("{name} takes {}", forms.join(" or "))),
        )
        .at(at(*pos))
    }
}

fn call_form(name: &str, args: &str) -> String {
    let (first, rest) = args.split_once(", ").unwrap_or((args, ""));
    match first {
        "Stack" | "Link" => format!("{}.{name}({rest})", first.to_lowercase()),
        _ => format!("{name}({args})"),
    }
}

fn syntax_help(p: &str) -> String {
    if p.contains("to separate the arguments") {
        "arguments are separated by ',' and the call closed by ')': check the parentheses".into()
    } else if p.contains("Expecting ')'")
        || p.contains("Expecting ']'")
        || p.contains("Expecting '}'")
    {
        "a bracket is not closed: check the call's parentheses".into()
    } else if p.contains("Expecting ';'") {
        "end each statement with ';'".into()
    } else if p.contains("Variable not found") || p.contains("Undefined variable") {
        "declare variables with let before using them".into()
    } else if p.contains("string") {
        "check the quotes: strings are written \"like this\"".into()
    } else {
        "check this line against the examples in README.md".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_in_script_words() {
        assert_eq!(
            split_sig("bridge (i64)"),
            ("bridge".to_string(), "integer".to_string())
        );
        assert_eq!(edit_distance("bridgee", "bridge"), 1);
    }
}
