//! A native nftables table's chains where a router forwards the request (hook forward, then
//! postrouting), followed rule by rule (`foreign_eval`): a drop or reject reached through a
//! jump or a verdict map is named by the rules that led to it, with the rule or map element
//! deleted as the fix; a `masquerade` or `snat to` changes the source the reply comes back to;
//! a masquerade passed over (a mark test that fails) is kept for the way back's words.

use super::kernel::Kernel;
use super::nft_early::{frame, what};
use super::nft_words::{chains_at, head};
use super::report::Report;
use super::words::call;
use crate::firewall::nft::foreign::ForeignChain;
use crate::firewall::nft::foreign_eval::{at_hook, NatKind, Outcome, Step};
use crate::firewall::nft::foreign_judge::Frame;
use crate::sys::Netns;
use std::net::IpAddr;

/// `chain-a rule handle 26 → chain-b rule handle 9 (map `m` element `K : goto c`) → …`.
fn trail(path: &[Step]) -> String {
    let words: Vec<String> = path
        .iter()
        .map(|s| {
            let el = match &s.element {
                Some((set, key, data)) => {
                    let what = if data.is_empty() { "set" } else { "map" };
                    format!(" ({what} `{set}` element `{key}{data}`)")
                }
                None => String::new(),
            };
            format!("`{}` rule handle {}{el}", s.chain, s.handle)
        })
        .collect();
    words.join(" → ")
}

/// Whether the rule `s` of `c`'s table rejects (else it drops).
fn rejects(c: &ForeignChain, s: &Step) -> bool {
    let rules = c.table_of.chains.get(&s.chain);
    let rule = rules.and_then(|r| r.iter().find(|(h, _)| *h == s.handle));
    rule.is_some_and(|(_, e)| e.iter().any(|e| e.name == "reject"))
}

/// A drop in `o`: said in `r` (`[BROKEN]` when sure, else `[?]`); true when sure.
pub(crate) fn dropped(
    k: &mut dyn Kernel,
    r: &mut Report,
    ns: &Netns,
    o: &Outcome,
    f: &Frame,
) -> bool {
    let Some((c, path)) = &o.dropped else {
        return false;
    };
    let s = super::nft_early::seen_at(
        k,
        ns,
        f.iif.as_deref().unwrap_or_default(),
        (f.src, f.dst),
        true,
    );
    let pkt = what(&s);
    let (verb, how) = match path.last() {
        // A policy drop is named, with its accept fix, where the packet is seen to vanish.
        None => return false,
        Some(last) => {
            let v = if rejects(c, last) { "rejects" } else { "drops" };
            (v.to_string(), format!("by {}", trail(path)))
        }
    };
    let said = format!(
        "{ns}'s nftables chain `{}` (hook {}, priority {}) {verb} {pkt} {how}",
        c.path(),
        c.hook_word(),
        c.priority
    );
    if !o.maybe.is_empty() {
        r.unsure(
            ns,
            format!("{said} (rules before it are not understood: it may not)"),
        );
        return false;
    }
    let exec = |cmd: String| call(ns, &format!("sh(\"{cmd}\")"));
    let t = format!("{} {}", c.family, c.table);
    let fix = match (
        path.iter().rev().find_map(|s| s.element.clone()),
        path.last(),
    ) {
        (Some((set, key, _)), _) => Some(exec(format!("nft delete element {t} {set} {{ {key} }}"))),
        (None, Some(last)) => Some(exec(format!(
            "nft delete rule {t} {} handle {}",
            last.chain, last.handle
        ))),
        (None, None) => None,
    };
    // Without the rule, the packet would still go to an address nobody answers for.
    if super::owner::owner(k, f.dst).is_none() {
        let why = format!(
            "{said}; no namespace here holds {} either, so no fix is offered",
            f.dst
        );
        r.block(ns, why, None);
        return true;
    }
    r.block(ns, said, fix);
    true
}

/// The request forwarded by `ns` from `i` out of `out` (its source there `out_src`): the
/// native forward and postrouting chains. `None` when dropped (said in `r`), else the source
/// a masquerade or SNAT gave it.
pub(crate) fn forwarded(
    k: &mut dyn Kernel,
    r: &mut Report,
    (ns, i, out): (&Netns, &str, &str),
    (src, dst): (IpAddr, IpAddr),
    out_src: Option<IpAddr>,
) -> Option<Option<IpAddr>> {
    let v4 = dst.is_ipv4();
    let fwd = chains_at(k, ns, 2, v4);
    let post = chains_at(k, ns, 4, v4);
    if fwd.is_empty() && post.is_empty() {
        return Some(None);
    }
    let mut s = super::nft_early::seen_at(k, ns, i, (src, dst), true);
    s.out_dev = Some(out.to_string());
    let f = frame(&s);
    let o = at_hook(&fwd, &f, Some(k.mark_in(ns)), true);
    if dropped(k, r, ns, &o, &f) {
        return None;
    }
    if o.maybe.is_empty() {
        for (c, path) in &o.accepted {
            r.hop(
                ns,
                format!(
                    "nftables chain `{}` (hook {}, priority {}) accepts {i} → {out} by {}",
                    c.path(),
                    c.hook_word(),
                    c.priority,
                    trail(path)
                ),
            );
        }
    }
    let before = r.nft_mark_by.as_ref().filter(|(n, _)| n == ns);
    let mark_by = o.mark_by.clone().or_else(|| before.map(|(_, s)| s.clone()));
    let p = at_hook(&post, &f, o.mark, true);
    if let Some((c, n, path)) = &p.nat {
        let to = match n.kind {
            NatKind::Masquerade => out_src,
            NatKind::Snat => n.addr,
            _ => None,
        };
        let by = super::nft_words::rule_words(c, &n.by, path);
        if let Some(to) = to {
            let kind = if n.kind == NatKind::Snat {
                "SNAT"
            } else {
                "masquerade"
            };
            r.hop(
                ns,
                format!("nftables {kind}: source {src} becomes {to} ({by})"),
            );
            return Some(Some(to));
        }
        return Some(None);
    }
    let nat_chain = post.iter().find(|c| c.kind == "nat");
    if let (Some((ret, test, nat)), Some(c)) = (&p.passed_nat, nat_chain) {
        let said = passed_words(ns, c, (ret, &test.0, nat), (o.mark, mark_by.clone()), &s);
        let fix = mark_fix(ns, c, mark_by.as_ref(), test.1);
        r.nat_passed = Some((said, fix));
    }
    Some(None)
}

/// o10's words: the masquerade a `return` passed over, and the mark that made it return.
fn passed_words(
    ns: &Netns,
    c: &ForeignChain,
    (ret, test, nat): (&Step, &str, &Step),
    (mark, set_by): (Option<u32>, Option<Step>),
    s: &super::rule_match::Seen,
) -> String {
    let mark = match (mark, set_by) {
        (Some(m), Some(by)) => format!(
            "its mark is {m:#x}, set by chain `{}` rule handle {}",
            by.chain, by.handle
        ),
        (Some(m), None) => format!("its mark is {m:#x}"),
        _ => "its mark is not known".to_string(),
    };
    format!(
        "{} does not masquerade {}: chain `{}` rule handle {} (`{test}`) returns before rule handle {} masquerades it ({mark})",
        head(ns, c),
        what(s),
        ret.chain,
        ret.handle,
        nat.handle
    )
}

/// The rule that set the mark, made to set the bits the masquerade's test looks for
/// (`meta mark set meta mark or 0x4000`, as kube-proxy writes it).
fn mark_fix(
    ns: &Netns,
    c: &ForeignChain,
    set_by: Option<&Step>,
    bits: Option<u32>,
) -> Option<String> {
    let (by, bits) = (set_by?, bits?);
    let cmd = format!(
        "nft replace rule {} {} {} handle {} meta mark set meta mark or {bits:#x}",
        c.family, c.table, by.chain, by.handle
    );
    Some(call(ns, &format!("sh(\"{cmd}\")")))
}

/// The walk ended on the reply's way back with a masquerade passed over on the way: that is
/// the cause (the reply goes to the untranslated source), said with the break.
pub(crate) fn passed_back(r: &mut Report) {
    let Some((said, fix)) = r.nat_passed.take() else {
        return;
    };
    if !r.back || r.broken.is_none() {
        return;
    }
    let cause = format!("{}: {said}", r.broken.take().unwrap_or_default());
    if let Some(h) = r.hops.iter_mut().rev().find(|h| !h.ok) {
        h.text = cause.clone();
    }
    r.broken = Some(cause);
    if fix.is_some() {
        // The route back also works; the mark is what was meant.
        r.other_way = std::mem::replace(&mut r.fix, fix);
    }
}
