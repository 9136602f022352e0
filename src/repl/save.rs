//! `:save [--asserts] FILE`: the session's successful statements as a script that runs — each
//! ended by `;` where its code ends (not inside a trailing `// comment`), blocks as typed; with
//! `--asserts`, each `ping` that answered becomes the assertion of what it answered.

use super::call::{code_end, last_call};

/// `stmt` ended by `;` after its code, its trailing comment kept after that.
fn terminated(stmt: &str) -> String {
    let end = code_end(stmt);
    let (code, rest) = stmt.split_at(end);
    if code.is_empty() || code.ends_with(';') {
        return stmt.to_string();
    }
    format!("{code};{rest}")
}

/// A `ping` statement as the assertion of what it answered.
fn as_assertion(stmt: &str, answered: bool) -> String {
    let Some(call) = last_call(stmt).filter(|c| c.name == "ping") else {
        return stmt.to_string();
    };
    let verb = if answered {
        "assert_ping"
    } else {
        "assert_no_ping"
    };
    format!(
        "{}{verb}{}",
        &stmt[..call.at],
        &stmt[call.at + "ping".len()..]
    )
}

/// The script of the first `n` statements; `pinged` holds what each one's `ping` answered.
pub(crate) fn script(
    statements: &[String],
    pinged: &[Option<bool>],
    n: usize,
    asserts: bool,
) -> String {
    let mut out = String::from("// saved by the netsh REPL\n");
    for (i, s) in statements.iter().take(n).enumerate() {
        let s = match pinged.get(i).copied().flatten() {
            Some(answered) if asserts => as_assertion(s, answered),
            _ => s.clone(),
        };
        out.push_str(&terminated(&s));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_semicolon_goes_after_the_code_not_in_the_comment() {
        assert_eq!(
            terminated("ns(\"a\") // the first"),
            "ns(\"a\"); // the first"
        );
        assert_eq!(terminated("ns(\"a\");  // done"), "ns(\"a\");  // done");
        assert_eq!(terminated("let s = \"a // b\""), "let s = \"a // b\";");
        assert_eq!(
            terminated("fn f(x) {\n  x * 2 // twice\n} // f"),
            "fn f(x) {\n  x * 2 // twice\n}; // f"
        );
        assert_eq!(terminated("// only a note"), "// only a note");
    }

    #[test]
    fn asserts_turn_answered_pings_into_assertions() {
        let st = vec![
            "let a = ns(\"a\");".to_string(),
            "a.ping(\"10.1.1.3\") // works".to_string(),
            "ping(\"10.9.9.9\")".to_string(),
        ];
        let pinged = [None, Some(true), Some(false)];
        assert_eq!(
            script(&st, &pinged, 3, true),
            "// saved by the netsh REPL\nlet a = ns(\"a\");\na.assert_ping(\"10.1.1.3\"); // works\nassert_no_ping(\"10.9.9.9\");\n"
        );
        assert!(script(&st, &pinged, 3, false).contains("a.ping(\"10.1.1.3\"); // works"));
    }
}
