//! A lookup the kernel refused: the blackhole, unreachable or prohibit route (or policy rule)
//! behind it, named from the namespace's rules and tables, with the fix that removes it.

use super::fib::FibRoute;
use super::fib::FibRule;
use super::fib::{table_name, TABLE_MAIN};
use super::fib_lookup::{decide, kind, Decided};
use super::kernel::Kernel;
use super::no_route::no_route;
use super::report::Report;
use super::route_fix::{dst_word, exec, route_del, rule_del};
use super::route_get::{Lookup, Refusal, RouteKind};
use super::words::call;
use crate::sys::Netns;
use std::net::IpAddr;

/// The rule and route behind a lookup, when the rules walked as the kernel walks them agree
/// with its answer (`want`: the type the kernel answered; `None` for no route at all).
pub(crate) fn named(
    k: &mut dyn Kernel,
    at: &Netns,
    q: &Lookup,
    want: Option<RouteKind>,
) -> Option<Decided> {
    let d = decide(&k.fib(at), q);
    (kind(&d) == want && (want.is_some() || !d.empty.is_empty())).then_some(d)
}

/// `(table main)`, or `(table 100, by rule `100: from 10.0.1.0/24 lookup 100`)`.
pub(crate) fn whence(d: &Decided) -> String {
    let table = d.route.as_ref().map(|r| r.table).unwrap_or(TABLE_MAIN);
    match d.rule.as_ref().filter(|r| !r.stock()) {
        Some(rule) => format!("table {}, by rule `{}`", table_name(table), rule.text()),
        None => format!("table {}", table_name(table)),
    }
}

fn verb(k: RouteKind) -> &'static str {
    match k {
        RouteKind::Blackhole => "drops",
        RouteKind::Unreachable => "refuses (unreachable)",
        _ => "refuses (prohibited)",
    }
}

/// Says why the kernel refused `q` in `at`, with the fix; `upstream` are the stacks the packet
/// came through (no way on).
pub(crate) fn refused(
    k: &mut dyn Kernel,
    r: &mut Report,
    at: &Netns,
    q: &Lookup,
    e: &Refusal,
    first: bool,
) {
    let dst = q.dst;
    if super::martian_src::local_source(k, r, at, (q, e), "packet") {
        return;
    }
    if rp_drops(k, at, q, e) {
        return reverse_path(k, r, at, q, e, "packet");
    }
    if super::late_rule::refused(k, r, at, q, &e.words) {
        return;
    }
    // Table main holds the way, but no rule reads it: the rules are the fault, not a route.
    if e.no_route() && super::main_unreached::unreached(k, r, at, q, &e.words) {
        return;
    }
    if let Some(want) = e.kind() {
        let Some(d) = named(k, at, q, Some(want)) else {
            if let Some((cause, fix)) = forwarding_off(k, at, q) {
                r.block(at, cause, Some(fix));
                return;
            }
            let from = q
                .iif
                .as_ref()
                .map(|i| format!(" arriving on {i}"))
                .unwrap_or_default();
            r.block(
                at,
                format!("{at} refuses the packet to {dst}{from}: {}", e.words),
                None,
            );
            return;
        };
        let rule = d.rule.clone().unwrap_or_default();
        // A mark set too broadly sent it to that table: the mark is the fault, not the table.
        if let Some((cause, fix)) = super::broad_mark::blamed(k, at, q, &d, &e.words) {
            r.block(at, cause, Some(fix));
            r.other_way = Some(rule_del(at, &rule));
            return;
        }
        let lost = d
            .route
            .as_ref()
            .and_then(|rt| super::lost_route::missing(k, at, dst, &rt.text(), verb(want)));
        match (&d.route, lost) {
            (Some(rt), Some((cause, fix))) => {
                r.block(at, cause, Some(fix));
                r.other_way = Some(del_in_table(k, at, rt, &rule));
            }
            (Some(rt), None) => {
                let mut fix = del_in_table(k, at, rt, &rule);
                // Put in place of the route to it (`ip route replace`): deleted, nothing is left.
                if !beneath(k, at, rt, dst) {
                    if let Some(add) = super::no_route::way_on(k, r, at, dst, first) {
                        fix = format!("{fix}; {add}");
                    }
                }
                r.block(
                    at,
                    format!(
                        "{at} {} the packet to {dst}: route `{}` ({}; {})",
                        verb(want),
                        rt.text(),
                        whence(&d),
                        e.words
                    ),
                    Some(fix),
                )
            }
            (None, _) => {
                let before: Vec<String> = d
                    .empty
                    .iter()
                    .filter(|x| !x.stock())
                    .map(|x| {
                        format!(
                            ", after rule `{}` found no route in table {}",
                            x.text(),
                            table_name(x.table)
                        )
                    })
                    .collect();
                r.block(
                    at,
                    format!(
                        "{at}'s policy rule `{}` {} the packet to {dst}{} ({})",
                        rule.text(),
                        verb(want),
                        before.concat(),
                        e.words
                    ),
                    Some(rule_del(at, &rule)),
                )
            }
        }
        return;
    }
    // A rule that leads to a table with no route is not the fault (the kernel goes on past
    // it); a throw that leaves a table holding the way out is.
    if e.no_route()
        && (super::goto_rule::jumped(k, r, at, q, &e.words) || super::throw::thrown(k, r, at, q, e))
    {
        return;
    }
    // A Service address: its DNAT, never reached, is the fault, not a missing route.
    if e.no_route() && super::skipped_dnat::skipped(k, r, at, q, &e.words, first) {
        return;
    }
    no_route(k, r, at, dst, &e.words, first);
}

/// Whether the reverse-path filter explains a refused input lookup: the kernel answers EXDEV
/// when forwarding, EINVAL (a "martian source") when delivering locally; rp_filter 1 wants the
/// route back to the source to leave by the link the packet came in on, 2 any route back.
pub(crate) fn rp_drops(k: &mut dyn Kernel, at: &Netns, q: &Lookup, e: &Refusal) -> bool {
    let (Some(src), Some(iif)) = (q.src, q.iif.as_deref()) else {
        return false;
    };
    if !e.reverse_path() && e.errno != 22 {
        return false;
    }
    match (
        rp_mode(k, at, iif).as_str(),
        super::rp_back::back_dev(k, at, src, q.dst),
    ) {
        ("1", Ok(back)) => back != iif,
        ("1" | "2", Err(_)) => true,
        _ => e.reverse_path(),
    }
}

/// The reverse-path filter's mode on `iif`: the larger of `all` and the link's own, as the
/// kernel takes it.
fn rp_mode(k: &mut dyn Kernel, at: &Netns, iif: &str) -> String {
    let all = k
        .sysctl(at, "net.ipv4.conf.all.rp_filter")
        .unwrap_or_default();
    let dev = k
        .sysctl(at, &format!("net.ipv4.conf.{iif}.rp_filter"))
        .unwrap_or_default();
    all.max(dev)
}

/// The reverse-path filter dropped what arrived on `q.iif` from `q.src`: the route back to the
/// source leaves by another link. Loose mode (2) accepts it while any route leads back.
pub(crate) fn reverse_path(
    k: &mut dyn Kernel,
    r: &mut Report,
    at: &Netns,
    q: &Lookup,
    e: &Refusal,
    what: &str,
) {
    let (Some(src), Some(iif)) = (q.src, q.iif.clone()) else {
        r.block(
            at,
            format!("{at} refuses the {what} to {}: {}", q.dst, e.words),
            None,
        );
        return;
    };
    let mode = rp_mode(k, at, &iif);
    let back = super::rp_back::back_dev(k, at, src, q.dst);
    let f = super::rp_fix::rp_fix(k, at, (src, q.dst), &iif, back.is_ok());
    let back = match back {
        Ok(b) => format!("its route back to {src} leaves by {b}"),
        Err(b) => format!("it has no route back to {src} ({b})"),
    };
    r.block(
        at,
        format!("{at} drops the {what} from {src} arriving on {iif}: rp_filter is {mode} and {back} (reverse-path filter){}", f.words),
        f.fix,
    );
    r.other_way = f.other;
    r.break_kind = Some(super::break_kind::BreakKind::RpFilter);
}

/// A packet refused as it arrives on a link whose own `forwarding` is 0 (the `all` switch on):
/// the kernel answers "no route to host" for it, whatever the tables say.
fn forwarding_off(k: &mut dyn Kernel, at: &Netns, q: &Lookup) -> Option<(String, String)> {
    let iif = q.iif.as_ref()?;
    if !q.dst.is_ipv4() {
        return None;
    }
    let key = format!("net.ipv4.conf.{}.forwarding", iif.replace('.', "/"));
    if k.sysctl(at, &key)?.trim() != "0" {
        return None;
    }
    Some((
        format!(
            "{at} does not forward packets arriving on {iif}: {key} is 0 (ip_forward is on, but \
             not for that link)"
        ),
        call(at, &format!("sysctl(\"{key}\", 1)")),
    ))
}

/// Removes `rt`: the route alone when its table holds other routes (the rule that chose the
/// table serves them, and is healthy), else as `route_del` does.
/// Whether a unicast route of `rt`'s table or main, other than `rt`, still holds `dst`.
fn beneath(k: &mut dyn Kernel, at: &Netns, rt: &FibRoute, dst: IpAddr) -> bool {
    k.fib(at).routes.iter().any(|x| {
        x != rt
            && x.kind == RouteKind::Unicast
            && (x.table == rt.table || x.table == TABLE_MAIN)
            && x.dst.contains(&dst)
    })
}

fn del_in_table(k: &mut dyn Kernel, at: &Netns, rt: &FibRoute, rule: &FibRule) -> String {
    let others = rt.table != TABLE_MAIN
        && k.fib(at)
            .routes
            .iter()
            .any(|x| x.table == rt.table && x != rt);
    if !others {
        return route_del(at, rt, Some(rule));
    }
    exec(
        at,
        &format!(
            "ip route del {} {} table {}",
            rt.kind.word(),
            dst_word(&rt.dst),
            table_name(rt.table)
        ),
    )
}
