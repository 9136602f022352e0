//! A packet that raw untracks (`-j NOTRACK`, `-j CT --notrack`) is UNTRACKED to `-m state` and
//! `-m conntrack`: NEW, ESTABLISHED and RELATED never match it, so a stateful firewall that
//! lets new requests and established replies through drops both (its policy, not a rule).

use super::ct_zone::ct_rule;
use super::kernel::Kernel;
use super::rule_match::Seen;
use super::traverse::{traverse, At, Outcome};
use super::untracked::untracks;
use super::words::call;
use crate::sys::Netns;

/// The raw rule of `ns` that untracks `s` (PREROUTING for a packet that came in, OUTPUT for
/// one `ns` sends), if any.
pub(crate) fn untracking(k: &mut dyn Kernel, ns: &Netns, s: &Seen) -> Option<At> {
    let chain = if s.in_dev.is_some() {
        "PREROUTING"
    } else {
        "OUTPUT"
    };
    let mut pre = s.clone();
    if s.in_dev.is_some() {
        pre.out_dev = None;
    }
    // CT is not a verdict: the first CT rule decides, a jump's target ends the search.
    let by = traverse(k, ns, "raw", chain, &pre).and_then(|o| o.by);
    by.filter(untracks)
        .or_else(|| ct_rule(k, ns, chain, &pre).filter(untracks))
}

/// `s` with the state it would have were it tracked: NEW for a request, else ESTABLISHED.
pub(crate) fn tracked(s: &Seen) -> Seen {
    let state = if s.icmp_type == 8 {
        "NEW"
    } else {
        "ESTABLISHED"
    };
    Seen { state, ..s.clone() }
}

/// When `(table, chain)` of `ns` drops the UNTRACKED `s` (`o`) but would let it through were
/// it tracked: the raw rule to name and its deletion as the fix.
pub(crate) fn dropped_untracked(
    k: &mut dyn Kernel,
    ns: &Netns,
    (table, chain): (&str, &str),
    s: &Seen,
    o: &Outcome,
) -> Option<(String, String)> {
    if s.state != "UNTRACKED" || !o.drops() {
        return None;
    }
    let rule = untracking(k, ns, s)?;
    if traverse(k, ns, table, chain, &tracked(s))?.drops() {
        return None;
    }
    let words = format!(
        "{ns}'s raw rule `{}` untracks the packets (conntrack state UNTRACKED), so no \
         `--ctstate`/`--state` rule of {chain} matches them",
        rule.text()
    );
    let spec = rule.spec.replace('"', "\\\"");
    // A rule the lab did not make: `iptables()` refuses to delete it, the shell does not.
    let fix = call(
        ns,
        &format!("sh(\"iptables -t raw -D {} {spec}\")", rule.chain),
    );
    Some((words, fix))
}
