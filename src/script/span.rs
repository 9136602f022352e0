//! From a Rhai position (1-based line and column) to the byte span of the call to underline:
//! the name and its parenthesised arguments, strings and nesting respected.

/// Byte offset of (line, col), columns counted in characters.
pub(crate) fn offset(src: &str, line: usize, col: usize) -> Option<usize> {
    let mut start = 0;
    for (i, l) in src.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            let mut off = start;
            for (k, ch) in l.chars().enumerate() {
                if k + 1 == col {
                    return Some(off);
                }
                off += ch.len_utf8();
            }
            return Some(start + l.trim_end_matches('\n').len());
        }
        start += l.len();
    }
    None
}

/// The length of the call starting at `off`: `name(...)`, or just the token when no call follows.
pub(crate) fn call_len(src: &str, off: usize) -> usize {
    let rest = &src[off..];
    let word = rest
        .char_indices()
        .find(|(_, c)| !(c.is_alphanumeric() || *c == '_' || *c == ':'))
        .map(|(i, _)| i)
        .unwrap_or(rest.len());
    if word == 0 {
        // A string literal (an import's path): up to its closing quote.
        if let Some(q @ ('"' | '`')) = rest.chars().next() {
            if let Some(end) = rest[1..].find(q) {
                return end + 2;
            }
        }
        return rest.chars().next().map(|c| c.len_utf8()).unwrap_or(0);
    }
    let after = &rest[word..];
    if !after.starts_with('(') {
        return word;
    }
    let mut depth = 0usize;
    let mut in_str: Option<char> = None;
    let mut escaped = false;
    for (i, c) in after.char_indices() {
        if let Some(q) = in_str {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                in_str = None;
            }
            continue;
        }
        match c {
            '"' | '\'' | '`' => in_str = Some(c),
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return word + i + 1;
                }
            }
            '\n' if depth == 0 => break,
            _ => {}
        }
    }
    // Unbalanced: underline to the end of the line.
    word + after.find('\n').unwrap_or(after.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn underlines_the_whole_call() {
        let src = "let a = 1;\nv.addr(\"10.1.1.2/24\").up();\n";
        let off = offset(src, 2, 3).unwrap();
        assert_eq!(&src[off..off + call_len(src, off)], "addr(\"10.1.1.2/24\")");
        let off = offset(src, 2, 1).unwrap();
        assert_eq!(call_len(src, off), 1);
        let src = "import \"lib/topo\" as t;";
        assert_eq!(&src[7..7 + call_len(src, 7)], "\"lib/topo\"");
    }
}
