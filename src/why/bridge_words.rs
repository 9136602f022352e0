//! A `bridge` family chain's dropping rule in words: its handle and text (as `ebtables -L`
//! shows it in ebtables-nft's own tables, as `nft list` does elsewhere), and the fix that
//! deletes it (`ebtables -D CHAIN rule`, or `nft delete rule … handle N`).

use super::nft_early::words;
use super::words::call;
use crate::firewall::nft::bridge_rule::{ebtables_own, ebtables_words, nft_words};
use crate::firewall::nft::foreign::ForeignChain;
use crate::firewall::nft::foreign_judge::Frame;
use crate::sys::Netns;

/// (the chain, the rule, the fix) for the rule `by` of `c` in `ns` that drops `f`.
pub(crate) fn rule_words(
    ns: &Netns,
    c: &ForeignChain,
    by: Option<u64>,
    f: &Frame,
) -> (String, String, String) {
    let (chain, mut rule, mut fix) = words(ns, c, by, f);
    let Some((_, exprs)) = by.and_then(|h| c.listed.iter().find(|(x, _)| *x == h)) else {
        return (chain, rule, fix);
    };
    let eb = match ebtables_own(&c.family, &c.table, &c.name) {
        true => ebtables_words(exprs),
        false => None,
    };
    if let Some(w) = eb.clone().or_else(|| nft_words(exprs)) {
        rule = format!("{rule}: `{w}`");
    }
    if let Some(w) = eb {
        let t = match c.table.as_str() {
            "filter" => String::new(),
            t => format!("-t {t} "),
        };
        fix = call(ns, &format!("sh(\"ebtables {t}-D {} {w}\")", c.name));
    }
    (chain, rule, fix)
}
