//! `netsh why` on a VXLAN over an IPv6 underlay (issue 13, round x, x07): the underlay is
//! judged with IPv6's own forwarding sysctl, routes and ip6tables (never an IPv4 claim about
//! an IPv6 packet), and a sender of zero UDP checksums (udp6zerocsumtx) whose receiver does not
//! take them in (no udp6zerocsumrx) is named. Each case builds tests/why/vxlan_v6_underlay.rhai
//! in a sandbox, injects one fault by hand, asserts the exact report, applies its fix and
//! proves it with a real ping; healthy variants stay clear.

mod support;

use support::why_lab::{clear, diagnose, fixed};

const LAB: &str = "vxlan_v6_underlay";
const T2: &str = "10.60.0.2";

/// `ns`'s vx0 made again with `flags` (VNI 42, port 4789, over `ul`), back on br0.
fn remade(ns: &str, local: &str, remote: &str, flags: &str) -> String {
    format!(
        "ip netns exec {ns} ip link del vx0; ip netns exec {ns} ip link add vx0 type vxlan id 42 \
         local {local} remote {remote} dstport 4789 dev ul {flags}; \
         ip netns exec {ns} ip link set vx0 master br0 up"
    )
}

fn h1_with(flags: &str) -> String {
    remade("h1", "2001:db8:1::1", "2001:db8:2::2", flags)
}

fn h2_with(flags: &str) -> String {
    remade("h2", "2001:db8:2::2", "2001:db8:1::1", flags)
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn zero_checksums_sent_to_a_vtep_that_does_not_take_them_are_named_and_the_sender_remade() {
    fixed(
        LAB,
        "",
        &h1_with("udp6zerocsumtx"),
        T2,
        "h1",
        "h1's vx0 sends its UDP over IPv6 with a zero checksum (udp6zerocsumtx), and h2's vx0 \
         does not take such datagrams in (no udp6zerocsumrx): h2's UDPv6 socket drops them",
        r#"h1.sh("ip link del vx0"); h1.sh("ip link add vx0 type vxlan id 42 local 2001:db8:1::1 remote 2001:db8:2::2 dstport 4789 dev ul"); h1.sh("ip link set vx0 master br0 up")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn zero_checksums_on_the_replies_are_named_at_the_far_vtep() {
    fixed(
        LAB,
        "",
        &h2_with("udp6zerocsumtx"),
        T2,
        "h2",
        "h2's vx0 sends its UDP over IPv6 with a zero checksum (udp6zerocsumtx), and h1's vx0 \
         does not take such datagrams in (no udp6zerocsumrx): h1's UDPv6 socket drops the \
         replies",
        r#"h2.sh("ip link del vx0"); h2.sh("ip link add vx0 type vxlan id 42 local 2001:db8:2::2 remote 2001:db8:1::1 dstport 4789 dev ul"); h2.sh("ip link set vx0 master br0 up")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_healthy_ipv6_underlay_stays_clear() {
    assert_eq!(diagnose(LAB, "", "true", T2), clear(T2));
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn zero_checksums_both_ways_with_both_flags_stay_clear() {
    let both = "udp6zerocsumtx udp6zerocsumrx";
    let inject = format!("{}; {}", h1_with(both), h2_with(both));
    assert_eq!(diagnose(LAB, "", &inject, T2), clear(T2));
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn an_ipv4_drop_of_the_vxlan_port_does_not_touch_an_ipv6_underlay() {
    let inject = "ip netns exec h2 iptables -A INPUT -p udp --dport 4789 -j DROP";
    assert_eq!(diagnose(LAB, "", inject, T2), clear(T2));
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn an_ipv6_router_with_forwarding_off_is_named_by_its_ipv6_sysctl() {
    fixed(
        LAB,
        "",
        "ip netns exec u sysctl -qw net.ipv6.conf.all.forwarding=0",
        T2,
        "u",
        "u does not forward vx0's underlay packets to its remote 2001:db8:2::2 \
         (net.ipv6.conf.all.forwarding is 0)",
        r#"u.sh("sysctl -w net.ipv6.conf.all.forwarding=1")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn an_ip6tables_input_drop_of_the_vxlan_port_at_the_far_vtep_is_named() {
    fixed(
        LAB,
        "",
        "ip netns exec h2 ip6tables -A INPUT -p udp --dport 4789 -j DROP",
        T2,
        "h2",
        "h2's ip6tables INPUT chain drops the tunnel's UDP to 2001:db8:2::2 port 4789 from \
         2001:db8:1::1 (rule `-p udp -m udp --dport 4789 -j DROP`): vx0's frames do not get \
         through",
        r#"h2.sh("ip6tables -D INPUT -p udp -m udp --dport 4789 -j DROP")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn an_ip6tables_forward_drop_at_the_underlay_router_is_named() {
    fixed(
        LAB,
        "",
        "ip netns exec u ip6tables -A FORWARD -p udp --dport 4789 -j DROP",
        T2,
        "u",
        "u drops vx0's underlay packets to its remote 2001:db8:2::2 by ip6tables \
         `-t filter -A FORWARD -p udp -m udp --dport 4789 -j DROP`",
        r#"u.sh("ip6tables -t filter -D FORWARD -p udp -m udp --dport 4789 -j DROP")"#,
    );
}
