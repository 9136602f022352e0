//! One word of a bash command line: what `--dry-run` prints and what `Rule::spec` joins. A name
//! the user gave (`a$(touch x)`, `b`, `-n`) reaches bash as exactly one word, taken literally.

/// `word` as bash reads it back as one literal word: as is when every character is plain,
/// otherwise in single quotes (a `'` inside as `'\''`). A lone `!` (iptables' negation) is
/// plain; `!x` is quoted, or an interactive bash would expand it from its history.
pub(crate) fn quote(word: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./:,=+@%".contains(c);
    if word == "!" || (!word.is_empty() && word.chars().all(plain)) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_words_stay_and_the_rest_is_single_quoted() {
        assert_eq!(quote("veth1"), "veth1");
        assert_eq!(quote("10.1.1.0/24"), "10.1.1.0/24");
        assert_eq!(quote("-n"), "-n");
        assert_eq!(quote(""), "''");
        assert_eq!(quote("a$(touch${IFS}x)"), "'a$(touch${IFS}x)'");
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote("20000 30000"), "'20000 30000'");
        assert_eq!(quote("!"), "!");
        assert_eq!(quote("!x"), "'!x'");
    }
}
