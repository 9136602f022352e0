//! `netsh why` where a router forwards a packet back out the link it came in by (round H, B10,
//! B11) and on a dual-homed server whose strict reverse-path filter loses its way back (B2).
//! The packet evidence follows the router's turn on the LAN (a frame for another MAC than its
//! sender's: forwarded on, not dropped) to the hops after it, so the analysis of a fault behind
//! it stands; the server's missing policy rule is put back, not the filter loosened. Each case
//! asserts the exact report and proves the fix with a real ping.

mod support;

use support::why_lab::{clear_from, diagnose_at, fixed_from};

/// `why c1 10.0.3.2` on the same_link lab after `inject`, fixed as told, then the real ping.
fn same_link(inject: &str) -> String {
    diagnose_at("same_link", "", inject, ("c1", "10.0.3.2"), "", "")
}

/// B10: r1 forwards c1's packets back out eth0 to r2, and nothing is wrong: clear.
#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_router_forwarding_back_out_its_lan_stays_clear() {
    assert_eq!(same_link(""), clear_from(("c1", "10.0.3.2")));
}

/// B11: behind that router, s1's default route points at 10.0.3.99, which nobody holds. The
/// evidence sees the request turn in r1 and go on to r2 and s1: the reply route is named.
#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_reply_route_behind_a_router_that_forwards_back_out_its_lan_is_named() {
    let got = same_link("ip -n s1 route del default; ip -n s1 route add default via 10.0.3.99");
    let cause = "no namespace here holds s1's gateway 10.0.3.99 for the reply";
    let fix = r#"s1.del_route("default", #{ adopted: true }); s1.route("default", "10.0.3.1")"#;
    let want = fixed_from(("c1", "10.0.3.2"), "s1", cause, fix, None);
    assert_eq!(got, want);
}

/// B2: s1 lost `from 10.0.4.2 lookup 102`; its strict rp_filter drops c2's request on eth1,
/// since the route back leaves by eth0. The rule is put back; loose mode is the other way.
#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_lost_source_rule_under_strict_rp_filter_is_put_back() {
    let got = diagnose_at(
        "rp_dual",
        "",
        "ip -n s1 rule del priority 100",
        ("c2", "10.0.4.2"),
        "",
        "",
    );
    let cause = "s1 drops the packet from 10.0.2.2 arriving on eth1: rp_filter is 1 and its route back to 10.0.2.2 leaves by eth0 (reverse-path filter); table 102 routes back to 10.0.2.2 by eth1, but no policy rule looks it up (`from 10.0.4.2 lookup 102` is missing)";
    let fix = r#"s1.sh("ip rule add from 10.0.4.2 lookup 102 pref 32765")"#;
    let other = r#"s1.sysctl("net.ipv4.conf.all.rp_filter", 2)"#;
    let want = fixed_from(("c2", "10.0.4.2"), "s1", cause, fix, Some(other));
    assert_eq!(got, want);
}
