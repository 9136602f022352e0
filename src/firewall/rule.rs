//! `Rule`: one iptables rule — table, chain and the arguments after the chain — and its tag.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Rule {
    pub table: String,
    pub chain: String,
    /// The arguments after `-A CHAIN`, one word each (no shell quoting).
    pub args: Vec<String>,
}

/// The comment every rule netsh creates carries: `-m comment --comment netsh:<lab>`.
pub(crate) fn tag(lab: &str) -> String {
    format!("netsh:{lab}")
}

impl Rule {
    /// The same rule carrying the lab's tag (right after the chain, where iptables-save keeps it).
    pub(crate) fn tagged(&self, lab: &str) -> Rule {
        let mut args = vec![
            "-m".to_string(),
            "comment".to_string(),
            "--comment".to_string(),
            tag(lab),
        ];
        args.extend(self.args.iter().cloned());
        Rule {
            args,
            ..self.clone()
        }
    }

    /// The rule without any netsh tag.
    pub(crate) fn untagged(&self) -> Rule {
        let mut args = vec![];
        let mut i = 0;
        while i < self.args.len() {
            let a = &self.args[i..];
            if a.len() >= 4
                && a[0] == "-m"
                && a[1] == "comment"
                && a[2] == "--comment"
                && a[3].starts_with("netsh:")
            {
                i += 4;
                continue;
            }
            args.push(self.args[i].clone());
            i += 1;
        }
        Rule {
            args,
            ..self.clone()
        }
    }

    /// The arguments as one shell-safe string.
    pub(crate) fn spec(&self) -> String {
        self.args
            .iter()
            .map(|a| crate::sys::shell::quote(a))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Words as a shell splits them: whitespace between words; '...' keeps everything; "..." keeps
/// everything but `\"`, `\\`, `\$`, `` \` `` and `\'` (the character escaped: iptables-save
/// writes `it's` as `"it\'s"`); outside quotes `\x` is `x`. So a rule reads as it would on a
/// command line, and iptables-save's `"a \"b\""` as `a "b"`.
pub fn shell_words(s: &str) -> Result<Vec<String>, String> {
    let mut out = vec![];
    let mut cur = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('"'), '\\') => match chars.next() {
                Some(e @ ('"' | '\\' | '$' | '`' | '\'')) => cur.push(e),
                Some(e) => cur.extend(['\\', e]),
                None => cur.push('\\'),
            },
            (Some(_), c) => cur.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, '\\') => {
                cur.push(chars.next().unwrap_or('\\'));
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            (None, c) => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if quote.is_some() {
        return Err(format!("unclosed quote in \"{s}\""));
    }
    if in_word {
        out.push(cur);
    }
    Ok(out)
}

/// A rule as `iptables-save` prints it (the part after `-A CHAIN`).
pub(crate) fn from_saved(table: &str, chain: &str, spec: &str) -> Option<Rule> {
    Some(Rule {
        table: table.to_string(),
        chain: chain.to_string(),
        args: shell_words(spec).ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_go_after_the_chain_and_come_off_again() {
        let r = Rule {
            table: "nat".into(),
            chain: "POSTROUTING".into(),
            args: "-s 10.1.1.0/24 ! -o bridge0 -j MASQUERADE"
                .split(' ')
                .map(String::from)
                .collect(),
        };
        let t = r.tagged("chapter4");
        assert_eq!(
            t.spec(),
            "-m comment --comment netsh:chapter4 -s 10.1.1.0/24 ! -o bridge0 -j MASQUERADE"
        );
        assert_eq!(t.untagged(), r);
    }

    #[test]
    fn words_split_as_a_shell_splits_them_and_spec_reads_back() {
        let w = shell_words(r#"-m comment --comment "it's \"x\" \\ \$y" 'a\b' c\ d"#).unwrap();
        assert_eq!(
            w,
            [
                "-m",
                "comment",
                "--comment",
                r#"it's "x" \ $y"#,
                r"a\b",
                "c d"
            ]
        );
        let r = Rule {
            table: "filter".into(),
            chain: "FORWARD".into(),
            args: w,
        };
        assert_eq!(shell_words(&r.spec()).unwrap(), r.args);
        // As iptables-save prints a comment.
        let saved = from_saved("filter", "FORWARD", r#"--comment "it\'s \"q\" \\""#).unwrap();
        assert_eq!(saved.args, ["--comment", r#"it's "q" \"#]);
        assert!(shell_words("\"open").is_err());
    }
}
