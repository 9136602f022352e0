//! `-m quota --quota N`: a rule that matches until N bytes have gone through it, then never
//! again (until it is made afresh). iptables prints the quota it was made with; what is left
//! is that less the bytes its counter holds.

use super::kernel::Kernel;
use crate::firewall::counters::Count;
use crate::sys::Netns;

/// An IP packet of the probe's size where its length is not known (an 84-byte echo).
const PROBE_LEN: u64 = 84;

/// A quota rule: its quota, and its spec without it (the rest of what it asks).
pub(crate) struct Cap {
    pub(crate) bytes: u64,
    pub(crate) rest: String,
}

/// The quota of `spec` (`-m quota --quota N`, not negated); `None` for any other rule.
pub(crate) fn cap(spec: &str) -> Option<Cap> {
    let words: Vec<&str> = spec.split_whitespace().collect();
    let i = words.windows(2).position(|w| w == ["-m", "quota"])?;
    let (opt, n) = (words.get(i + 2)?, words.get(i + 3)?);
    if *opt != "--quota" {
        return None;
    }
    let bytes = n.parse().ok()?;
    let mut rest: Vec<&str> = words[..i].to_vec();
    rest.extend_from_slice(&words[i + 4..]);
    Some(Cap {
        bytes,
        rest: rest.join(" "),
    })
}

/// Whether the quota rule `index` of `chain` in `table` is used up for a packet of `len`
/// bytes (its counter read); `None` when its counter cannot be read.
pub(crate) fn used_up(
    k: &mut dyn Kernel,
    ns: &Netns,
    (table, chain): (&str, &str),
    index: usize,
    c: &Cap,
    len: Option<u16>,
) -> Option<bool> {
    let counts = k.counters(ns)?;
    let mine = counts
        .iter()
        .find(|n| n.table == table && n.chain == chain && n.index == index && n.rule.is_some())?;
    let len = len.map_or(PROBE_LEN, u64::from);
    Some(c.bytes.saturating_sub(mine.bytes) < len)
}

/// After a probe that `drop` (a rule or policy of `now`, the counters after it) dropped: a
/// quota rule before it in its chain that would have let it on (`holds`: the rest of the
/// rule) but whose counter did not rise. Its bytes may not look spent: a packet larger than
/// what was left sets a quota to 0 for good.
pub(crate) fn passed_over(
    now: &[Count],
    risen: &dyn Fn(&Count) -> bool,
    drop: &Count,
    holds: &dyn Fn(&str) -> bool,
) -> Option<Spent> {
    now.iter().find_map(|q| {
        let spec = q.rule.as_ref()?;
        let before = drop.index == 0 || q.index < drop.index;
        let lets_on = matches!(q.target.as_str(), "ACCEPT" | "RETURN");
        if q.table != drop.table || q.chain != drop.chain || !before || !lets_on || risen(q) {
            return None;
        }
        let c = cap(spec)?;
        holds(&c.rest).then(|| Spent {
            table: q.table.clone(),
            chain: q.chain.clone(),
            spec: spec.clone(),
            index: q.index,
            bytes: c.bytes,
        })
    })
}

/// A quota rule passed over because its quota is used up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Spent {
    pub(crate) table: String,
    pub(crate) chain: String,
    pub(crate) spec: String,
    /// Its place in its chain, from 1 (for `iptables -R`).
    pub(crate) index: usize,
    pub(crate) bytes: u64,
}

impl Spent {
    /// `: rule `...` would let it through, but its quota is used up (…)`.
    pub(crate) fn words(&self) -> String {
        format!(
            ": rule `{}-A {} {}` would let it through, but its quota is used up (quota used up: {} bytes)",
            self.table_opt(),
            self.chain,
            self.spec,
            self.bytes
        )
    }

    fn table_opt(&self) -> String {
        match self.table.as_str() {
            "filter" => String::new(),
            t => format!("-t {t} "),
        }
    }

    /// The same rule made afresh in its place: a new rule starts with its whole quota.
    pub(crate) fn fix(&self, ns: &Netns) -> String {
        let t = self.table_opt();
        let cmd = format!("iptables {t}-R {} {} {}", self.chain, self.index, self.spec);
        super::words::call(ns, &format!("sh(\"{}\")", cmd.replace('"', "\\\"")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quota_rule_is_read_and_the_rest_kept() {
        let c = cap("-i left -o right -m quota --quota 300 -j ACCEPT").unwrap();
        assert_eq!(
            (c.bytes, c.rest.as_str()),
            (300, "-i left -o right -j ACCEPT")
        );
        assert!(cap("-i left -m quota ! --quota 300 -j ACCEPT").is_none());
        assert!(cap("-i left -j ACCEPT").is_none());
    }
}
