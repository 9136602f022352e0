//! `Call`: the call a line ends with (`ns1.ping("10.1.1.3")`, `pingall()`), read from its
//! text, so the REPL can say what its value means and `:save --asserts` can rewrite it.

use crate::script::handle::{is_word, split_args};
/// The call a line's last statement is: `recv.name(args)` or `name(args)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Call {
    /// The receiver, when it is a plain variable.
    pub(crate) recv: Option<String>,
    pub(crate) name: String,
    /// The arguments as typed, split at the top level.
    pub(crate) args: Vec<String>,
    /// Where `name` starts in the line.
    pub(crate) at: usize,
}

/// Where the code of `stmt` ends: past its last character outside comments and strings.
pub(crate) fn code_end(stmt: &str) -> usize {
    let b = stmt.as_bytes();
    let (mut i, mut end) = (0, 0);
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                i = stmt[i..].find('\n').map_or(b.len(), |n| i + n);
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = stmt[i + 2..].find("*/").map_or(b.len(), |n| i + n + 4);
                continue;
            }
            b'"' | b'`' => {
                let q = b[i];
                i += 1;
                while i < b.len() && b[i] != q {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
                end = i.min(b.len());
                continue;
            }
            c if !c.is_ascii_whitespace() => end = i + 1,
            _ => {}
        }
        i += 1;
    }
    end
}

/// The call `src` ends with, when its last statement is a call and nothing else (a trailing
/// comment aside).
pub(crate) fn last_call(src: &str) -> Option<Call> {
    let code = src[..code_end(src)].trim_end_matches(';').trim_end();
    let body = code.strip_suffix(')')?;
    // The `(` that matches the last `)`, skipping strings.
    let (mut depth, mut quoted, mut escaped, mut open) = (0i32, false, false, None);
    for (i, c) in body.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            '(' if !quoted => {
                if depth == 0 {
                    open = Some(i);
                }
                depth += 1;
            }
            ')' if !quoted => depth -= 1,
            _ => {}
        }
    }
    let open = open.filter(|_| depth == 1)?;
    let before = &body[..open];
    let at = before
        .char_indices()
        .rev()
        .find(|(_, c)| !is_word(*c))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let name = &before[at..];
    if name.is_empty() {
        return None;
    }
    let (recv, start) = match before[..at].strip_suffix('.') {
        Some(r) => {
            let s = receiver_start(r);
            (Some(r[s..].to_string()).filter(|r| !r.is_empty()), s)
        }
        None => (None, at),
    };
    // The call is the whole statement: only a statement boundary may come before it.
    let lead = &code[..code_end(&code[..start])];
    if !(lead.is_empty() || lead.ends_with([';', '{', '}'])) {
        return None;
    }
    Some(Call {
        recv,
        name: name.to_string(),
        args: split_args(&body[open + 1..]),
        at,
    })
}

/// Where the receiver that `text` ends with starts: a variable (`ns1`), or a call on one
/// (`ns("a")`, `link("v").peer()`), strings and brackets respected.
fn receiver_start(text: &str) -> usize {
    let b: Vec<(usize, char)> = text.char_indices().collect();
    let mut k = b.len();
    while k > 0 {
        let c = b[k - 1].1;
        if is_word(c) || c == '.' {
            k -= 1;
        } else if c == ')' {
            // Back to the matching `(`, over any strings inside.
            let (mut depth, mut quoted) = (0, false);
            while k > 0 {
                k -= 1;
                match b[k].1 {
                    '"' => quoted = !quoted,
                    ')' if !quoted => depth += 1,
                    '(' if !quoted => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
            }
        } else {
            break;
        }
    }
    b.get(k).map_or(text.len(), |(i, _)| *i)
}

/// A string literal's text (`"10.1.1.3"` → `10.1.1.3`); anything else as typed.
pub(crate) fn literal(arg: &str) -> &str {
    arg.strip_prefix('"')
        .and_then(|a| a.strip_suffix('"'))
        .unwrap_or(arg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_last_call() {
        let c = last_call("let a = 1;\nns1.ping(\"10.1.1.3\");").unwrap();
        assert_eq!(c.recv.as_deref(), Some("ns1"));
        assert_eq!(c.name, "ping");
        assert_eq!(c.args, ["\"10.1.1.3\""]);
        let c = last_call("assert_no_ping(ns1, \"a,b\")").unwrap();
        assert_eq!((c.recv, c.args.len()), (None, 2));
        assert_eq!(last_call("pingall()").unwrap().args.len(), 0);
        assert_eq!(last_call("let x = ns1.ping(\"a\")"), None);
        assert_eq!(last_call("ns1.ping(\"a\") && true"), None);
        assert_eq!(last_call("1 + 2"), None);
        let file = "let a = ns(\"a\"); // the first\na.assert_ping(\"x\"); // lo\n";
        assert_eq!(last_call(file).unwrap().name, "assert_ping");
        let c = last_call("ns(\"g\").ping(\"10.9.9.9\")").unwrap();
        assert_eq!(c.recv.as_deref(), Some("ns(\"g\")"));
        assert_eq!(last_call("ping(\"a\") // a comment").unwrap().name, "ping");
    }
}
