//! The chains a packet crosses at one hook point of one namespace, table by table in the
//! kernel's order: the first that drops it is the fault (with the fix that precedes the rule,
//! or accepts before the policy); NAT there rewrites the packet the walk follows on with.

use super::flow_match::flow_matches;
use super::kernel::Kernel;
use super::report::Report;
use super::rule_match::{judge, Hold, Seen};
use super::traverse::{traverse, Outcome};
use super::words::call;
use crate::sys::Netns;

/// Where the packet is, in people's words: `the echo request` or `the echo reply`.
pub(crate) fn what(p: &Seen) -> &'static str {
    if let Some(w) = super::l4::what(p) {
        w
    } else if p.icmp_type == 8 {
        "the echo request"
    } else {
        "the echo reply"
    }
}

/// `ns1 → ns2` words for the links a hook knows.
fn links(p: &Seen) -> String {
    match (&p.in_dev, &p.out_dev) {
        (Some(i), Some(o)) => format!(" {i} → {o}"),
        (Some(i), None) => format!(" in on {i}"),
        (None, Some(o)) => format!(" out on {o}"),
        (None, None) => String::new(),
    }
}

/// `filter FORWARD` is said as `FORWARD` (the chain people mean); other tables are named.
pub(crate) fn chain_words(table: &str, chain: &str) -> String {
    match table {
        "filter" => chain.to_string(),
        t => format!("{t} {chain}"),
    }
}

/// The rule that lets this packet (and only this path's) through `chain`, first in the chain
/// (`flow_matches`).
pub(crate) fn accept_first(ns: &Netns, table: &str, chain: &str, p: &Seen) -> String {
    let t = match table {
        "filter" => String::new(),
        t => format!("-t {t} "),
    };
    let m = flow_matches(table, chain, p);
    if p.dst.is_ipv6() {
        let rule = format!("{t}-I {chain} 1 {m} -j ACCEPT");
        return call(ns, &format!("sh(\"ip6tables {rule}\")"));
    }
    call(ns, &format!("iptables(\"{t}-I {chain} 1 {m} -j ACCEPT\")"))
}

/// `accept_first` for `p`; in FORWARD, which the reply crosses too, also for the reply when
/// the same chain would drop it (or might: a rule not understood), so that one fix is enough.
pub(crate) fn accept_path(
    k: &mut dyn Kernel,
    ns: &Netns,
    table: &str,
    chain: &str,
    p: &Seen,
) -> String {
    let mut fix = accept_first(ns, table, chain, p);
    if chain != "FORWARD" || !p.request() {
        return fix;
    }
    let back = p.reply();
    if let Some(o) = traverse(k, ns, table, chain, &back) {
        if o.drops() || !o.unsure.is_empty() {
            fix += &format!("; {}", accept_first(ns, table, chain, &back));
        }
    }
    fix
}

/// The fix for a drop of `p` in `chain`: a rule in PREROUTING or POSTROUTING of a router that
/// drops the request and would drop its reply too (which crosses the same chains) is removed,
/// one fix for both; anything else is preceded by an accept (`accept_path`).
fn fix_drop(
    k: &mut dyn Kernel,
    ns: &Netns,
    table: &str,
    chain: &str,
    p: &Seen,
    o: &Outcome,
) -> String {
    let routed = matches!(chain, "PREROUTING" | "POSTROUTING") && !p.dst_local && !p.src_local;
    if let (true, true, Some(at)) = (routed, p.request(), &o.by) {
        if judge(&at.spec, &p.reply()).hold == Hold::Yes {
            return at.deleted(ns, p.dst.is_ipv6());
        }
    }
    accept_path(k, ns, table, chain, p)
}

/// Why `o` decided: the rule (and the jumps that led to it) or the policy.
pub(crate) fn by(o: &Outcome) -> String {
    let via: Vec<String> = o.via.iter().map(|v| format!("`{}`", v.text())).collect();
    if let (None, Some(g)) = (&o.by, &o.gone) {
        let to = g.spec.split_whitespace().last().unwrap_or_default();
        return format!(
            "{}, reached by `{}` (a goto: {to} does not return to {})",
            o.by_words(),
            g.text(),
            g.chain
        );
    }
    if via.is_empty() {
        o.by_words()
    } else {
        format!("{}, reached by {}", o.by_words(), via.join(" then "))
    }
}

/// Rules not understood that could have dropped what the analysis let through: `[?]` lines.
pub(crate) fn unsure(r: &mut Report, ns: &Netns, o: &Outcome) {
    for (rule, why) in &o.unsure {
        let text = format!("rule `{}` (not understood, may match: {why})", rule.text());
        // The request and the reply may cross the same rule: said once.
        let said = r.hops.iter().any(|h| h.unsure && h.text == text);
        if !said {
            r.unsure(ns, text);
        }
    }
}

/// The packet through `steps` ((table, chain) in the kernel's order) at `ns`: the packet as it
/// leaves them (NATed), or `None` when one drops it (said in `r`, with the fix).
pub(crate) fn cross(
    k: &mut dyn Kernel,
    r: &mut Report,
    ns: &Netns,
    steps: &[(&str, &str)],
    p: &Seen,
) -> Option<Seen> {
    let mut p = p.clone();
    for (table, chain) in steps {
        // NAT is decided on a connection's first packet; later ones follow conntrack.
        if *table == "nat" && !p.request() {
            continue;
        }
        let Some(o) = traverse(k, ns, table, chain, &p) else {
            continue;
        };
        p.mark = o.mark;
        r.crossed_chains
            .push((ns.clone(), table.to_string(), chain.to_string(), p.clone()));
        unsure(r, ns, &o);
        if blocked(k, r, ns, (table, chain), &p, &o) {
            return None;
        }
        if !translated(k, r, ns, (table, chain), &mut p, &o) {
            return None;
        }
    }
    // The request's mark goes on to the next hook in this namespace (FORWARD to POSTROUTING).
    if let (Some(m), true) = (p.mark, p.request()) {
        k.set_mark(ns, m);
    }
    Some(p)
}

/// Whether the verdict `o` of `table`/`chain` in `ns` drops `p` (said in `r`, with the fix):
/// to a queue nobody reads, by a set, untracked, a spent quota or limit, the reverse-path
/// filter, a rule or the policy.
fn blocked(
    k: &mut dyn Kernel,
    r: &mut Report,
    ns: &Netns,
    (table, chain): (&str, &str),
    p: &Seen,
    o: &Outcome,
) -> bool {
    let name = chain_words(table, chain);
    let queued = o.by.as_ref().filter(|_| o.drops());
    if let Some((words, fix)) = queued.and_then(|a| super::nfqueue::unread_queue(k, ns, a)) {
        let (w, l) = (what(p), links(p));
        let said = format!(
            "{ns}'s {name} chain queues {w}{l} from {} to {} {words}",
            p.src, p.dst
        );
        r.block(ns, said, Some(fix));
        return true;
    }
    let listed = o
        .drops()
        .then(|| super::ipset_drop::by_set(k, ns, (table, chain), p, o))
        .flatten();
    // What every drop below says first: the chain, the packet and what drops it.
    let drops = || {
        let (w, l) = (what(p), links(p));
        format!(
            "{ns}'s {name} chain {} {w}{l} from {} to {} ({})",
            o.verb(),
            p.src,
            p.dst,
            by(o)
        )
    };
    let untracked = super::untracked_state::dropped_untracked(k, ns, (table, chain), p, o);
    if let Some((words, fix)) = untracked {
        r.block(ns, format!("{}: {words}", drops()), Some(fix));
        return true;
    }
    if let Some((words, fix)) = listed {
        r.block(ns, format!("{}{words}", drops()), Some(fix));
        return true;
    }
    if let Some(s) = o.spent.first().filter(|_| o.drops()) {
        r.block(ns, format!("{}{}", drops(), s.words()), Some(s.fix(ns)));
        return true;
    }
    let rp = o
        .drops()
        .then(|| super::rpfilter_drop::dropped(k, ns, (table, chain), p, o))
        .flatten();
    if let Some((words, fix, other)) = rp {
        r.block(ns, words, Some(fix));
        r.other_way = Some(other).filter(|o| !o.is_empty());
        return true;
    }
    if o.drops() {
        // An ACCEPT the request needed before a DROP policy, naming a link `ns` lacks.
        let near = (o.by.is_none() && o.gone.is_none() && p.request())
            .then(|| super::nat_near::near_miss(k, ns, (table, chain), p, &["ACCEPT"]))
            .flatten();
        let said = near.as_ref().map(|n| format!(": {}", n.words("accept it")));
        let fix = near.and_then(|n| n.fix(k));
        r.block(
            ns,
            format!("{}{}", drops(), said.unwrap_or_default()),
            fix.or_else(|| Some(fix_drop(k, ns, table, chain, p, o))),
        );
        return true;
    }
    false
}

/// What `o` did to `p` when it let it pass: a DNAT (`p` rewritten, said in `r`), or an accept
/// said as a hop. False when the DNAT itself is the fault (said in `r`).
fn translated(
    k: &mut dyn Kernel,
    r: &mut Report,
    ns: &Netns,
    (table, chain): (&str, &str),
    p: &mut Seen,
    o: &Outcome,
) -> bool {
    let name = chain_words(table, chain);
    if o.target == "REDIRECT" && table == "nat" && chain == "PREROUTING" {
        return super::nat_redirect::redirected(k, r, ns, (&name, &by(o)), p, o);
    }
    // NETMAP before routing maps the destination (after it, the source).
    let dnat =
        o.target == "DNAT" || (o.target == "NETMAP" && matches!(chain, "PREROUTING" | "OUTPUT"));
    if let Some(d) = o.to_dest.filter(|_| dnat) {
        if super::owner::owner(k, d).is_none() {
            // The target's lost address back, or the rule pointed at the endpoint that is
            // there; else, where the packet's own destination is a host of its own, the rule
            // diverts it to nothing (so it does for every packet it takes): the rule goes, and
            // letting this flow by it untranslated is the other way.
            let (fix, other) = match super::owner::owner(k, p.dst).filter(|(n, _)| n != ns) {
                Some(_) => match super::dnat_target::give_back(k, ns, d) {
                    Some(f) => (Some(f), None),
                    None => match o.by.as_ref() {
                        Some(at) => (
                            Some(at.deleted(ns, p.dst.is_ipv6())),
                            Some(accept_first(ns, table, chain, p)),
                        ),
                        None => (Some(accept_first(ns, table, chain, p)), None),
                    },
                },
                None => (super::dnat_target::fix(k, ns, o.by.as_ref(), d), None),
            };
            r.block(
                ns,
                format!(
                    "{ns}'s {name} chain sends {} for {} to {d}, which no namespace here holds ({})",
                    what(p),
                    p.dst,
                    by(o)
                ),
                fix,
            );
            r.other_way = other;
            return false;
        }
        // A DNAT too broad for this packet (a DMZ rule without -i) is the fault, even
        // where the host it diverts to answers.
        if super::dnat_scope::blocks(k, r, ns, (o.by.as_ref(), table, chain), p, d) {
            return false;
        }
        let old = p.tcp_port;
        let (was, now) = super::l4::dnat(k, o, p, d);
        if let (Some(at), Some(old), Some(new)) = (&o.by, old, p.tcp_port) {
            r.dnat_by = Some((ns.clone(), at.clone(), old, new));
        }
        r.hop(
            ns,
            format!(
                "{name} DNAT: destination {}{was} becomes {d}{now} ({})",
                p.dst,
                by(o)
            ),
        );
        p.dst = d;
        p.dst_local = false;
        r.dnat_to = Some(d);
    } else if o.by.is_some() && table != "nat" && !(table == "filter" && chain == "FORWARD") {
        r.hop(ns, format!("{name} accepts {} ({})", what(p), by(o)));
    }
    true
}
