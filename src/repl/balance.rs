//! `Balance`: whether a piece of Rhai is finished, read from its brackets, strings and comments,
//! so that Enter on an open block continues it instead of failing.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Balance {
    /// Brackets open at the end: `(`, `[`, `{` and `#{`.
    pub(crate) depth: usize,
    /// The end is inside a string or a block comment.
    pub(crate) open: bool,
}

impl Balance {
    pub(crate) fn of(src: &str) -> Balance {
        let mut depth = 0usize;
        let mut comment = 0usize;
        let mut chars = src.chars().peekable();
        // The quote of the string the scan is in, if any.
        let mut quote: Option<char> = None;
        while let Some(c) = chars.next() {
            if comment > 0 {
                match (c, chars.peek()) {
                    ('*', Some('/')) => {
                        chars.next();
                        comment -= 1;
                    }
                    ('/', Some('*')) => {
                        chars.next();
                        comment += 1;
                    }
                    _ => {}
                }
                continue;
            }
            if let Some(q) = quote {
                match c {
                    '\\' if q != '`' => {
                        chars.next();
                    }
                    c if c == q => quote = None,
                    _ => {}
                }
                continue;
            }
            match c {
                '"' | '`' | '\'' => quote = Some(c),
                '/' if chars.peek() == Some(&'/') => {
                    for c in chars.by_ref() {
                        if c == '\n' {
                            break;
                        }
                    }
                }
                '/' if chars.peek() == Some(&'*') => {
                    chars.next();
                    comment = 1;
                }
                '(' | '[' | '{' => depth += 1,
                // One closer too many is the engine's to report: the input is finished.
                ')' | ']' | '}' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        Balance {
            depth,
            open: quote.is_some_and(|q| q != '\'') || comment > 0,
        }
    }

    pub(crate) fn complete(&self) -> bool {
        self.depth == 0 && !self.open
    }
}

#[cfg(test)]
mod tests {
    use super::Balance;

    #[test]
    fn open_blocks_strings_and_comments_continue() {
        assert_eq!(Balance::of("fn f(x) {").depth, 1);
        assert!(!Balance::of("fn f(x) {\n  if x {").complete());
        assert!(Balance::of("fn f(x) {\n  x * 2\n}").complete());
        assert!(!Balance::of("let m = #{ a: 1,").complete());
        assert!(!Balance::of("let s = `two\nlines").complete());
        assert!(!Balance::of("/* a comment").complete());
        assert!(Balance::of("let s = \"{ not a block\";").complete());
        assert!(Balance::of("print(\"a \\\" quote {\") // {").complete());
        assert!(Balance::of("ns(\"a\"))").complete());
    }
}
