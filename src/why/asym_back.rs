//! The way back is not the way there: the reply crosses a router the request did not cross.
//! That router's conntrack never saw the request, so the reply is INVALID to it, and a
//! stateful FORWARD (an INVALID drop, or only ESTABLISHED accepted before a drop policy, in
//! iptables or nftables) drops it. The fault is the route that sent the reply there: made to
//! go back the way the request came.

use super::crossed::Crossed;
use super::fib::{table_name, TABLE_MAIN};
use super::fib_lookup::decide;
use super::kernel::Kernel;
use super::nft_early::{frame, seen_at};
use super::nft_words::chains_at;
use super::packet::Packet;
use super::report::Report;
use super::route_fix::{dst_word, exec};
use super::route_get::{Lookup, RouteGet};
use super::rule_match::Seen;
use super::toward::toward;
use super::traverse::traverse;
use super::words::call;
use crate::firewall::nft::foreign_eval::{at_hook_ct, CT_ESTABLISHED, CT_INVALID};
use crate::sys::Netns;
use std::net::IpAddr;

/// One step of the way back: where, the reply's lookup there, and the route it got.
pub(crate) type Turn = (Netns, Lookup, RouteGet);

/// Why `at` drops the reply `p` when it is INVALID, though it would pass it as ESTABLISHED:
/// the words of that drop; `None` when its state does not decide it.
pub(crate) fn invalid_drop(k: &mut dyn Kernel, at: &Netns, p: &Packet) -> Option<String> {
    let invalid = Packet {
        state: "INVALID",
        ..p.clone()
    };
    let (mut bad, mut fine) = (Report::default(), Report::default());
    if !super::forward::reply(k, &mut bad, at, &invalid) {
        return super::forward::reply(k, &mut fine, at, p)
            .then_some(bad.broken)
            .flatten();
    }
    nft_invalid(k, at, p)
}

/// When `at`'s FORWARD drops the reply `p` whatever its state (a DROP policy or rule that
/// ESTABLISHED does not get past): the words of that drop, and a stateless accept of the reply
/// (an ESTABLISHED accept cannot work where conntrack never saw the request). `None` when the
/// break is not filter FORWARD's or the state would decide it.
pub(crate) fn stateless_drop(
    k: &mut dyn Kernel,
    at: &Netns,
    p: &Packet,
) -> Option<(String, String)> {
    let s = p.seen(k, at);
    if s.state != "ESTABLISHED" {
        return None;
    }
    let mut bad = Report::default();
    if super::forward::reply(k, &mut bad, at, p) {
        return None;
    }
    // The break must be filter FORWARD's own (the last chain crossed, where it was said).
    let last = bad.crossed_chains.last()?;
    if (last.0 != *at) || last.1 != "filter" || last.2 != "FORWARD" {
        return None;
    }
    let invalid = Seen {
        state: "INVALID",
        ..s.clone()
    };
    if !traverse(k, at, "filter", "FORWARD", &invalid)?.drops() {
        return None;
    }
    let i = p.in_dev.clone().unwrap_or_default();
    let rule = format!(
        "-I FORWARD 1 -i {i} -o {} -s {} -d {} -j ACCEPT",
        p.out_dev, p.src, p.dst
    );
    let fix = match p.dst.is_ipv4() {
        true => call(at, &format!("iptables(\"{rule}\")")),
        false => call(at, &format!("sh(\"ip6tables {rule}\")")),
    };
    Some((bad.broken?, fix))
}

/// The native forward chains of `at` on the reply: a sure drop when INVALID, none when
/// ESTABLISHED.
fn nft_invalid(k: &mut dyn Kernel, at: &Netns, p: &Packet) -> Option<String> {
    let fwd = chains_at(k, at, 2, p.dst.is_ipv4());
    if fwd.is_empty() {
        return None;
    }
    let i = p.in_dev.clone().unwrap_or_default();
    let mut s = seen_at(k, at, &i, (p.src, p.dst), false);
    s.out_dev = Some(p.out_dev.clone());
    let f = frame(&s);
    let bad = at_hook_ct(&fwd, &f, None, CT_INVALID);
    let good = at_hook_ct(&fwd, &f, None, CT_ESTABLISHED);
    let (c, path) = bad.dropped.as_ref()?;
    if good.dropped.is_some() || !bad.maybe.is_empty() {
        return None;
    }
    let by = match path.last() {
        Some(last) if last.chain == c.name => format!("by its rule handle {}", last.handle),
        Some(last) => format!("by rule handle {} of chain `{}`", last.handle, last.chain),
        None => "by its policy".to_string(),
    };
    Some(format!(
        "{at}'s nftables chain `{}` (hook forward, priority {}) drops the replies {i} → {} {by}",
        c.path(),
        c.priority,
        p.out_dev
    ))
}

/// The reply, sent along `turns`, is dropped at `cur` (which the request never crossed) as
/// INVALID (`drop`): blamed on the last route of the way back that left the way there, with
/// that route made to go by the router the request came from.
pub(crate) fn blame(
    k: &mut dyn Kernel,
    r: &mut Report,
    (at, crossed): (&Netns, &[Crossed]),
    turns: &[Turn],
    cur: &Netns,
    drop: String,
) {
    let on_way = |n: &Netns| n == at || crossed.iter().any(|c| c.ns == *n);
    let never = format!(
        "{cur} never saw the request, so its conntrack takes the reply for INVALID: {drop}"
    );
    r.lost_at = Some(cur.to_string());
    let Some(i) = turns.iter().rposition(|(n, _, _)| on_way(n)) else {
        return r.block(cur, never, None);
    };
    let (prev, q, rt) = &turns[i];
    let next = turns.get(i + 1).map_or(cur, |(n, _, _)| n);
    // The router the request came to `prev` from (none: it came from the source itself).
    let came = match prev == at {
        true => crossed.last(),
        false => crossed
            .iter()
            .position(|c| c.ns == *prev)
            .and_then(|j| j.checked_sub(1))
            .map(|j| &crossed[j]),
    }
    .map(|c| c.ns.clone());
    let back = came.and_then(|from| {
        let (n, gw) = toward(k, prev, &from, q.dst.is_ipv4())?;
        (n == from).then_some((from, gw))
    });
    let via = rt.via.map(|g| format!(" via {g}")).unwrap_or_default();
    let route = format!("{prev}'s route to {}{via} sends the reply by {next}", q.dst);
    let Some((from, gw)) = back else {
        let cause = format!("the way back is not the way there: {route}; {never}");
        return r.block(prev, cause, None);
    };
    let cause = format!(
        "the way back is not the way there: {route}, but the request came by {from} ({gw}); {never}"
    );
    r.block(prev, cause, replace_via(k, prev, q, gw));
}

/// `ip route replace DST via GW` for the route `q` takes at `ns` (in its table).
pub(crate) fn replace_via(
    k: &mut dyn Kernel,
    ns: &Netns,
    q: &Lookup,
    gw: IpAddr,
) -> Option<String> {
    let route = decide(&k.fib(ns), q).route?;
    let table = match route.table {
        TABLE_MAIN => String::new(),
        t => format!(" table {}", table_name(t)),
    };
    Some(exec(
        ns,
        &format!("ip route replace {} via {gw}{table}", dst_word(&route.dst)),
    ))
}
