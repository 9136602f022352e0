//! Colours for the line being typed: keywords, strings, numbers and comments.

const KEYWORDS: &[&str] = &[
    "let", "const", "fn", "if", "else", "for", "in", "while", "loop", "do", "until", "break",
    "continue", "return", "throw", "try", "catch", "switch", "import", "export", "as", "private",
    "true", "false", "this", "global",
];

const KEYWORD: &str = "\x1b[1;35m";
const STRING: &str = "\x1b[32m";
const NUMBER: &str = "\x1b[33m";
const COMMENT: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

pub(crate) fn is_keyword(word: &str) -> bool {
    KEYWORDS.contains(&word)
}

/// `line` with ANSI colours; the visible text is unchanged.
pub(crate) fn highlight(line: &str) -> String {
    let mut out = String::with_capacity(line.len() * 2);
    let chars: Vec<(usize, char)> = line.char_indices().collect();
    let mut i = 0;
    let end_of = |k: usize| chars.get(k).map_or(line.len(), |(b, _)| *b);
    while i < chars.len() {
        let (b, c) = chars[i];
        let colour = if c == '"' || c == '`' || c == '\'' {
            i += 1;
            while i < chars.len() && chars[i].1 != c {
                if chars[i].1 == '\\' && c != '`' {
                    i += 1;
                }
                i += 1;
            }
            i = (i + 1).min(chars.len());
            STRING
        } else if c == '/' && chars.get(i + 1).map(|x| x.1) == Some('/') {
            i = chars.len();
            COMMENT
        } else if c.is_ascii_digit() {
            while i < chars.len()
                && (chars[i].1.is_ascii_alphanumeric() || chars[i].1 == '_' || chars[i].1 == '.')
            {
                i += 1;
            }
            NUMBER
        } else if c.is_alphabetic() || c == '_' {
            while i < chars.len() && (chars[i].1.is_alphanumeric() || chars[i].1 == '_') {
                i += 1;
            }
            let word = &line[b..end_of(i)];
            if is_keyword(word) {
                KEYWORD
            } else {
                out.push_str(word);
                continue;
            }
        } else {
            out.push(c);
            i += 1;
            continue;
        };
        out.push_str(colour);
        out.push_str(&line[b..end_of(i)]);
        out.push_str(RESET);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::highlight;

    #[test]
    fn keywords_strings_numbers() {
        assert_eq!(
            highlight("let n = ns(\"a\"); // x"),
            "\x1b[1;35mlet\x1b[0m n = ns(\x1b[32m\"a\"\x1b[0m); \x1b[2m// x\x1b[0m"
        );
        assert_eq!(highlight("x.mtu(1450)"), "x.mtu(\x1b[33m1450\x1b[0m)");
        assert_eq!(highlight("\"open"), "\x1b[32m\"open\x1b[0m");
    }
}
