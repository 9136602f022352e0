//! A packet's way through one built-in chain of one table, as the kernel takes it: rule by
//! rule, into user chains (`-j` returns, `-g` does not), back on RETURN or at a user chain's
//! end, to the policy at the built-in chain's end. Rules not understood are assumed not to
//! match, and kept, so that the report can say which of them might have decided otherwise.

use super::ipset_table::IpSets;
use super::kernel::Kernel;
use super::rule_match::{judge_sets, Hold, Judged, Seen};
use crate::sys::Netns;
use std::net::IpAddr;

/// How deep user chains may nest (the kernel's own bound is far higher; a lab never nears it).
const DEPTH: usize = 16;

/// Targets that end the packet's way through the table.
const FINAL: [&str; 11] = [
    "ACCEPT",
    "DROP",
    "REJECT",
    "MASQUERADE",
    "SNAT",
    "DNAT",
    "NETMAP",
    "REDIRECT",
    "QUEUE",
    "NFQUEUE",
    "NOTRACK",
];

/// Targets that do something and let the packet go on to the next rule.
// TTL and HL change what later routers do, not this chain's verdict: the evidence names them
// where the packet expires (src/why/ttl_rule.rs).
const ON: [&str; 14] = [
    "", "LOG", "NFLOG", "MARK", "CONNMARK", "TRACE", "CT", "TCPMSS", "CLASSIFY", "DSCP", "TOS",
    "ULOG", "TTL", "HL",
];

/// A rule, where it is: table, chain and its spec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct At {
    pub(crate) table: String,
    pub(crate) chain: String,
    pub(crate) spec: String,
}

impl At {
    /// `-A CHAIN spec`, as iptables -S prints it (with `-t TABLE` outside filter).
    pub(crate) fn text(&self) -> String {
        let t = match self.table.as_str() {
            "filter" => String::new(),
            t => format!("-t {t} "),
        };
        format!("{t}-A {} {}", self.chain, self.spec)
    }

    /// The fix that deletes this rule in `ns` (ip6tables' for IPv6).
    pub(crate) fn deleted(&self, ns: &Netns, v6: bool) -> String {
        let t = match self.table.as_str() {
            "filter" => String::new(),
            t => format!("-t {t} "),
        };
        let tool = if v6 { "ip6tables" } else { "iptables" };
        let cmd = format!("{tool} {t}-D {} {}", self.chain, self.spec);
        super::words::call(ns, &format!("sh(\"{}\")", cmd.replace('"', "\\\"")))
    }
}

/// Where the packet's way through a chain ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Outcome {
    pub(crate) target: String,
    /// The rule that decided; `None` for the built-in chain's policy.
    pub(crate) by: Option<At>,
    pub(crate) to_source: Option<IpAddr>,
    pub(crate) to_dest: Option<IpAddr>,
    /// Rules passed over as not understood, with a target that could decide: (rule, why).
    pub(crate) unsure: Vec<(At, String)>,
    /// The jumps that led to the deciding rule, outermost first.
    pub(crate) via: Vec<At>,
    /// The goto out of the built-in chain after which the policy decided (no return to it).
    pub(crate) gone: Option<At>,
    /// The packet's mark where its way ended (MARK rules it crossed applied).
    pub(crate) mark: Option<u32>,
    /// The last rule that changed the packet's mark (a MARK, or a CONNMARK restoring it), and
    /// the last that changed its connection's mark (a CONNMARK setting or saving it).
    pub(crate) marked_by: Option<At>,
    pub(crate) ct_marked_by: Option<At>,
    /// Quota rules that would have matched but for their used-up quota.
    pub(crate) spent: Vec<super::quota::Spent>,
}

impl Outcome {
    pub(crate) fn drops(&self) -> bool {
        matches!(
            self.target.as_str(),
            "DROP" | "REJECT" | "QUEUE" | "NFQUEUE"
        )
    }

    /// What the chain does to the packet, in words: a REJECT rule `rejects` it (and answers
    /// the sender), anything else that stops it `drops` it.
    pub(crate) fn verb(&self) -> &'static str {
        verb(&self.target)
    }

    /// `rule `-A ...`` or `policy DROP`.
    pub(crate) fn by_words(&self) -> String {
        match &self.by {
            Some(a) => format!("rule `{}`{}", a.text(), super::time_match::note(&a.spec)),
            None => format!("policy {}", self.target),
        }
    }
}

/// `rejects` for target REJECT, else `drops`.
pub(crate) fn verb(target: &str) -> &'static str {
    match target {
        "REJECT" => "rejects",
        _ => "drops",
    }
}

struct Frame {
    chain: String,
    rules: Vec<String>,
    next: usize,
    /// The rule that jumped (or went) here; `None` for the built-in chain.
    entered: Option<At>,
}

/// The packet `p` through `table`'s built-in `chain` in `ns`; `None` when it cannot be read.
pub(crate) fn traverse(
    k: &mut dyn Kernel,
    ns: &Netns,
    table: &str,
    chain: &str,
    p: &Seen,
) -> Option<Outcome> {
    traverse_sets(k, ns, (table, chain), p, None)
}

/// The chain the packet meets: ip6tables' for an IPv6 packet, iptables' otherwise.
fn chain_for(
    k: &mut dyn Kernel,
    ns: &Netns,
    (table, chain): (&str, &str),
    p: &Seen,
) -> Option<crate::firewall::chain::Chain> {
    match p.src {
        IpAddr::V6(_) => k.chain6(ns, table, chain),
        IpAddr::V4(_) => k.chain(ns, table, chain),
    }
}

/// `traverse` with these ipsets (a change to them tried ahead); `None`: the namespace's own,
/// read when a rule first looks one up.
pub(crate) fn traverse_sets(
    k: &mut dyn Kernel,
    ns: &Netns,
    (table, chain): (&str, &str),
    p: &Seen,
    given: Option<&IpSets>,
) -> Option<Outcome> {
    let mut sets = given.cloned();
    let mut read = given.is_some();
    let base = chain_for(k, ns, (table, chain), p)?;
    let policy = base.policy.clone().unwrap_or_else(|| "ACCEPT".into());
    let mut out = Outcome {
        target: policy.clone(),
        by: None,
        to_source: None,
        to_dest: None,
        unsure: vec![],
        via: vec![],
        gone: None,
        mark: p.mark,
        marked_by: None,
        ct_marked_by: None,
        spent: vec![],
    };
    let mut p = p.clone();
    // A new connection's mark starts at 0; an older one's is not known here.
    let mut conn = p.request().then_some(0u32);
    let mut stack = vec![Frame {
        chain: chain.to_string(),
        rules: base.rules,
        next: 0,
        entered: None,
    }];
    while let Some(top) = stack.last_mut() {
        let Some(spec) = top.rules.get(top.next).cloned() else {
            stack.pop();
            continue;
        };
        top.next += 1;
        let here = At {
            table: table.to_string(),
            chain: top.chain.clone(),
            spec: spec.clone(),
        };
        if !read && spec.contains("--match-set") {
            sets = k.ipsets(ns);
            read = true;
        }
        if p.wire.fib.is_none() && spec.contains("rpfilter") {
            p.wire.fib = Some(k.fib(ns));
        }
        let index = top.next;
        let quota = super::quota::cap(&spec);
        let rest = quota.as_ref().map_or(spec.as_str(), |c| c.rest.as_str());
        let mut j = judge_sets(rest, &p, sets.as_ref());
        if let (Some(c), Hold::Yes) = (&quota, &j.hold) {
            if spent(k, ns, (&here, index), c, &p, (&mut j, &mut out)) {
                continue;
            }
        }
        let target = j.target.clone();
        match j.hold {
            Hold::No => continue,
            Hold::Unknown(why) => {
                if !ON.contains(&target.as_str()) {
                    out.unsure.push((here, why));
                }
                continue;
            }
            Hold::Yes => {}
        }
        conn = marks(&j, rest, &here, (&mut p, conn), &mut out);
        if target == "RETURN" {
            stack.pop();
            continue;
        }
        if FINAL.contains(&target.as_str()) {
            // NOTRACK lets it on; so does NFQUEUE --queue-bypass when no program reads it.
            let on = target == "NOTRACK"
                || (target == "NFQUEUE" && super::nfqueue_read::bypassed(k, ns, &spec));
            out.target = if on { "ACCEPT".into() } else { target };
            out.by = Some(here);
            out.to_source = j.to_source;
            out.to_dest = j.to_dest;
            out.via = stack.iter().filter_map(|f| f.entered.clone()).collect();
            return Some(out);
        }
        if ON.contains(&target.as_str()) {
            continue;
        }
        let looped = stack.iter().any(|f| f.chain == target);
        let user = (!looped && stack.len() < DEPTH)
            .then(|| chain_for(k, ns, (table, &target), &p))
            .flatten()
            .filter(|c| c.policy.is_none());
        let Some(user) = user else {
            // A target we do not know (or a chain too deep): it may decide.
            out.unsure.push((here, format!("target {target}")));
            continue;
        };
        if j.goto {
            if stack.len() == 1 {
                out.gone = Some(here.clone());
            }
            stack.pop();
        }
        stack.push(Frame {
            chain: target,
            rules: user.rules,
            next: 0,
            entered: Some(here),
        });
    }
    Some(out)
}

/// Whether the rule `here` (its `index` in its chain), which matches but for its quota `c`,
/// has used it up: then it is passed over and noted in `out`; an unread counter makes it
/// not understood (`j`).
fn spent(
    k: &mut dyn Kernel,
    ns: &Netns,
    (here, index): (&At, usize),
    c: &super::quota::Cap,
    p: &Seen,
    (j, out): (&mut Judged, &mut Outcome),
) -> bool {
    match super::quota::used_up(k, ns, (&here.table, &here.chain), index, c, p.wire.len) {
        Some(true) => {
            out.spent.push(super::quota::Spent {
                table: here.table.clone(),
                chain: here.chain.clone(),
                spec: here.spec.clone(),
                index,
                bytes: c.bytes,
            });
            true
        }
        Some(false) => false,
        // Its counter unread: what is left of it is not known.
        None => {
            j.hold = Hold::Unknown("-m quota".into());
            false
        }
    }
}

/// The marks the matching rule `here` (its text after any quota: `rest`) sets: the packet's
/// (MARK, CONNMARK --restore-mark) on `p` and `out`; the connection's (`conn`, returned).
fn marks(
    j: &Judged,
    rest: &str,
    here: &At,
    (p, conn): (&mut Seen, Option<u32>),
    out: &mut Outcome,
) -> Option<u32> {
    if let (Some(m), "MARK") = (j.set_mark, j.target.as_str()) {
        let old = p.mark;
        p.mark = p.mark.map(|old| m.apply(old));
        out.mark = p.mark;
        if p.mark != old {
            out.marked_by = Some(here.clone());
        }
    }
    let (Some(c), Some(m)) = (super::connmark::ConnMark::read(rest), p.mark) else {
        return conn;
    };
    let (new, ct) = c.apply(m, conn);
    if new.is_some_and(|n| n != m) {
        (p.mark, out.mark) = (new, new);
        out.marked_by = Some(here.clone());
    }
    if ct != conn {
        out.ct_marked_by = Some(here.clone());
    }
    ct
}

#[cfg(test)]
mod tests {
    use super::verb;

    #[test]
    fn a_reject_rejects_and_what_else_stops_the_packet_drops_it() {
        assert_eq!(verb("REJECT"), "rejects");
        for t in ["DROP", "QUEUE", "NFQUEUE"] {
            assert_eq!(verb(t), "drops");
        }
    }
}
