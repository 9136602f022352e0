//! `-m rpfilter` judged on synthetic routes: strict, loose, accept-local, validmark, invert.

use super::fib::{Fib, FibRoute, FibRule, TABLE_LOCAL, TABLE_MAIN};
use super::route_get::RouteKind;
use super::rule_match::{judge, Hold, Seen};
use std::net::IpAddr;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

pub(super) fn route(table: u32, dst: &str, kind: RouteKind, dev: &str) -> FibRoute {
    FibRoute {
        table,
        dst: dst.parse().unwrap(),
        kind,
        via: None,
        dev: Some(dev.into()),
        metric: None,
        hops: vec![],
        src: None,
        scope: 0,
    }
}

/// r1 of rp_asym: ns1's net on lan, d's net by to2, its own 10.13.0.1 on to3, and (mark 7)
/// d's net by to3 in table 100.
fn fib() -> Fib {
    let rule = |priority, table, fwmark| FibRule {
        priority,
        table,
        fwmark,
        ..FibRule::default()
    };
    Fib {
        rules: vec![
            rule(0, TABLE_LOCAL, None),
            rule(100, 100, Some((7, 0xffff_ffff))),
            rule(32766, TABLE_MAIN, None),
        ],
        routes: vec![
            route(TABLE_LOCAL, "10.13.0.1/32", RouteKind::Local, "to3"),
            route(TABLE_MAIN, "10.1.0.0/24", RouteKind::Unicast, "lan"),
            route(TABLE_MAIN, "10.4.0.0/24", RouteKind::Unicast, "to2"),
            route(100, "10.4.0.0/24", RouteKind::Unicast, "to3"),
        ],
    }
}

fn from(src: &str, dev: &str, mark: Option<u32>) -> Seen {
    Seen {
        in_dev: Some(dev.into()),
        out_dev: None,
        src: ip(src),
        dst: ip("10.1.0.1"),
        icmp_type: 0,
        state: "ESTABLISHED",
        dst_local: false,
        src_local: false,
        udp_dport: None,
        tcp_port: None,
        mark,
        physdev: None,
        dnat: false,
        wire: super::wire::Wire {
            fib: Some(fib()),
            ..Default::default()
        },
    }
}

fn hold(spec: &str, p: &Seen) -> Hold {
    judge(spec, p).hold
}

#[test]
fn strict_wants_the_way_back_by_the_incoming_link_loose_any_way() {
    let drop = "-m rpfilter --invert -j DROP";
    let loose = "-m rpfilter --loose --invert -j DROP";
    assert_eq!(hold(drop, &from("10.4.0.2", "to3", None)), Hold::Yes);
    assert_eq!(hold(drop, &from("10.4.0.2", "to2", None)), Hold::No);
    assert_eq!(hold(loose, &from("10.4.0.2", "to3", None)), Hold::No);
    // No route back at all: both drop.
    assert_eq!(hold(drop, &from("192.0.2.9", "to2", None)), Hold::Yes);
    assert_eq!(hold(loose, &from("192.0.2.9", "to2", None)), Hold::Yes);
    // Without --invert the rule matches what passes.
    assert_eq!(
        hold("-m rpfilter -j ACCEPT", &from("10.4.0.2", "to2", None)),
        Hold::Yes
    );
    // The loopback is never checked.
    assert_eq!(hold(drop, &from("192.0.2.9", "lo", None)), Hold::No);
    // Not read: not guessed at.
    let mut unread = from("10.4.0.2", "to3", None);
    unread.wire.fib = None;
    assert_eq!(hold(drop, &unread), Hold::Unknown("-m rpfilter".into()));
}

#[test]
fn a_local_source_passes_only_with_accept_local_and_validmark_reads_the_mark() {
    let own = from("10.13.0.1", "to3", None);
    assert_eq!(hold("-m rpfilter --invert -j DROP", &own), Hold::Yes);
    assert_eq!(
        hold("-m rpfilter --accept-local --invert -j DROP", &own),
        Hold::No
    );
    let vm = "-m rpfilter --validmark --invert -j DROP";
    assert_eq!(hold(vm, &from("10.4.0.2", "to3", Some(7))), Hold::No);
    assert_eq!(hold(vm, &from("10.4.0.2", "to3", Some(0))), Hold::Yes);
    assert_eq!(
        hold(vm, &from("10.4.0.2", "to3", None)),
        Hold::Unknown("-m rpfilter".into())
    );
}
