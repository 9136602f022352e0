//! A policy rule whose table lost the route the flow needs (its default, or a prefix): the
//! lookup finds nothing there and goes on to a later table (main, say), whose route sends the
//! packet another way. The walk notes it as a shadow (src/why/shadow.rs); when that way fails
//! further on (a FORWARD policy, no NAT, a dead end), the rule's table is the fault, not the
//! later step. The fix puts the route back in the table where its gateway can be inferred from
//! what is left: the table's own gateway for its other routes, else the one router on another
//! link of the namespace that leads on to the destination; else the fault is named, no fix.

use super::ends::ends;
use super::fib::{table_name, Fib, FibRule, RuleAction, TABLE_LOCAL, TABLE_MAIN};
use super::fib_lookup::Decided;
use super::kernel::Kernel;
use super::leads_on::leads_on;
use super::report::Report;
use super::route_fix::exec;
use super::route_get::{Lookup, RouteKind};
use super::shadow_note::Shadow;
use crate::sys::Netns;
use std::net::IpAddr;

/// Notes (in `r`, once) that the lookup `q` at `at`, just said as the last hop, went past a
/// policy rule whose table has no route to `q.dst` and was decided by a later table's route.
/// `what`: "packet" or "reply".
pub(crate) fn note(
    k: &mut dyn Kernel,
    r: &mut Report,
    at: &Netns,
    q: &Lookup,
    (d, what): (Option<&Decided>, &str),
) {
    let Some(d) = d else { return };
    let Some(rt) = d.route.as_ref() else { return };
    if r.shadow.is_some() || d.thrown.is_some() || rt.kind != RouteKind::Unicast {
        return;
    }
    let Some(rule) = d.empty.iter().find(|x| passed(x, rt.table)) else {
        return;
    };
    let Some(dev) = rt.dev.clone() else { return };
    // A link of `at` that is down takes its routes with it, from every table: that link is
    // the fault (said where the walk meets it), not the rule's table.
    let Some(view) = k.view(at) else { return };
    if view.links.iter().any(|(n, l)| n != "lo" && !l.up) {
        return;
    }
    let fib = k.fib(at);
    let table = table_name(rule.table);
    let cause = format!(
        "{at}'s policy rule `{}` chooses table {table}, which has no route to {}, so {} goes on to {}, which sends it out {dev} by `{}`, and it is lost that way",
        rule.text(),
        q.dst,
        if what == "reply" { "the reply's lookup" } else { "the lookup" },
        table_name(rt.table),
        rt.text()
    );
    let fix = gateway(k, &fib, at, q, (rule, &dev))
        .map(|(gw, link)| {
            exec(
                at,
                &format!("ip route add default via {gw} dev {link} table {table}"),
            )
        })
        .unwrap_or_default();
    r.shadow = Some(Shadow {
        at: at.to_string(),
        hop: r.hops.len().saturating_sub(1),
        local: false,
        cause,
        fix,
        keep: false,
        request: what == "packet",
    });
}

/// A rule of the operator's that looks up a table of its own, before the one that decided,
/// for packets it selects. A catch-all `from all lookup T` (tailscaled's 5270, strongSwan's
/// 220) is meant to fall through: its table holds a few prefixes and main the rest.
fn passed(x: &FibRule, decided: u32) -> bool {
    // A stock rule selects nothing, so `selects` leaves it out too.
    x.selects()
        && x.action == RuleAction::Lookup
        && ![TABLE_LOCAL, TABLE_MAIN, 253, decided].contains(&x.table)
}

/// The gateway (and its link) the rule's table would lead on by: its other routes' one
/// gateway, else the one router on a link of `at` (not the packet's in link, not `out`, where
/// the later table sent it) that leads on to `q.dst`. `None` when not one can be inferred.
fn gateway(
    k: &mut dyn Kernel,
    fib: &Fib,
    at: &Netns,
    q: &Lookup,
    (rule, out): (&FibRule, &str),
) -> Option<(IpAddr, String)> {
    let mut own: Vec<(IpAddr, String)> = fib
        .routes
        .iter()
        .filter(|x| x.table == rule.table && x.kind == RouteKind::Unicast)
        .filter_map(|x| Some((x.via?, x.dev.clone()?)))
        .collect();
    own.dedup();
    if let [one] = own.as_slice() {
        return leads_on(k, at, one.0, q.dst).then(|| one.clone());
    }
    if !own.is_empty() {
        return None;
    }
    let view = k.view(at)?;
    let mut found: Vec<(IpAddr, String)> = vec![];
    let links: Vec<String> = view
        .links
        .iter()
        .filter(|(n, l)| l.up && l.master.is_none() && n.as_str() != out && n.as_str() != "lo")
        .filter(|(n, _)| q.iif.as_deref() != Some(n.as_str()))
        .map(|(n, _)| n.clone())
        .collect();
    for link in links {
        let nets: Vec<_> = view
            .addrs
            .iter()
            .filter(|(l, a)| *l == link && a.addr().is_ipv4() == q.dst.is_ipv4())
            .map(|(_, a)| a.trunc())
            .collect();
        for e in ends(k, at, &link).0 {
            let Some(there) = k.view(&e.ns) else { continue };
            for (_, a) in there.addrs.iter().filter(|(l, _)| *l == e.link) {
                let gw = a.addr();
                if nets.iter().any(|n| n.contains(&gw)) && leads_on(k, at, gw, q.dst) {
                    found.push((gw, link.clone()));
                }
            }
        }
    }
    found.dedup();
    match found.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    }
}
