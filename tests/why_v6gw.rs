//! `netsh why` on IPv4 routes whose gateway is an IPv6 link-local (`via inet6 fe80::2`, RFC
//! 5549, as BGP unnumbered sets up): the gateway is read from RTA_VIA, and a link with IPv6
//! disabled (`disable_ipv6=1`, which also drops its link-local) is named with a fix that brings
//! both back; a real ping proves it. The healthy lab stays clear.

mod support;

use support::why_lab::{blocked, clear, diagnose, diagnose_at, fixed};

const D: &str = "10.0.9.10";

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn ipv6_disabled_on_the_peer_of_an_inet6_gateway_is_named_and_undone() {
    fixed(
        "v6gw",
        "",
        "ip netns exec r2 sysctl -qw net.ipv6.conf.left.disable_ipv6=1",
        D,
        "r2",
        "r1's route to 10.0.9.10 goes via inet6 fe80::2 dev right, but IPv6 is disabled on left in r2 (net.ipv6.conf.left.disable_ipv6 = 1): left has no IPv6 address, so fe80::2 does not answer",
        r#"r2.sh("sysctl -w net.ipv6.conf.left.disable_ipv6=0 && ip addr replace fe80::2/64 dev left nodad")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn ipv6_disabled_at_the_far_end_is_named_from_the_other_side() {
    let got = diagnose_at(
        "v6gw",
        "",
        "ip netns exec r1 sysctl -qw net.ipv6.conf.right.disable_ipv6=1",
        ("d", "10.0.0.10"),
        "",
        "",
    );
    let cause = "r2's route to 10.0.0.10 goes via inet6 fe80::1 dev left, but IPv6 is disabled on right in r1 (net.ipv6.conf.right.disable_ipv6 = 1): right has no IPv6 address, so fe80::1 does not answer";
    let fix = r#"r1.sh("sysctl -w net.ipv6.conf.right.disable_ipv6=0 && ip addr replace fe80::1/64 dev right nodad")"#;
    let want = blocked("10.0.0.10", "r1", cause, fix).replace("ns1 →", "d →")
        + &clear("10.0.0.10").replace("ns1 →", "d →");
    assert_eq!(got, want);
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_healthy_unnumbered_link_stays_clear() {
    assert_eq!(diagnose("v6gw", "", "", D), clear(D));
}
