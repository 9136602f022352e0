//! `netsh why` when the reply is what a native nftables chain drops (round hI case 4): the
//! destination's own output or postrouting chain (policy drop, or a drop rule), a router's
//! forward chain on the way back, the source's prerouting or input chain for the reply coming
//! home. Named by table, family, chain and "policy drop"; the fix accepts this flow's replies
//! only. And IPv6 disabled on a router's link toward the destination (case 7): the kernel took
//! the link's address away, so the sysctl is named, and the fix enables IPv6 again and gives
//! the address back (a re-enabled link does not get it back by itself); so is an MTU under
//! IPv6's 1280, on which the kernel takes IPv6 off the link (round U case 7).

mod support;

use support::why_lab::{blocked, clear, diagnose, fixed};

const D: &str = "10.0.2.2";

/// The chain lab (ns1 — r1 — r2 — d) with `nft` run in `at`: blocked at `hop`, fixed, proven.
fn nft_case(at: &str, nft: &str, hop: &str, cause: &str, fix: &str) {
    let inject = format!("ip netns exec {at} nft '{nft}'");
    fixed("chain", "-p n=2", &inject, D, hop, cause, fix);
}

const OUT_LOCKDOWN: &str = "add table inet lockdown; add chain inet lockdown out { type filter hook output priority 0; policy drop; }; add rule inet lockdown out oifname lo accept; add rule inet lockdown out tcp sport 22 accept";

#[test]
#[ignore = "needs iproute2, nftables, iputils-ping"]
fn the_destinations_output_chain_dropping_its_reply_by_policy_is_named() {
    nft_case(
        "d",
        OUT_LOCKDOWN,
        "d",
        "the request reached d on left, but d sent no reply: d's nft table inet lockdown chain out (hook output, priority 0): policy drop, no rule accepts the echo reply from 10.0.2.2 to 10.0.0.1",
        r#"d.sh("nft insert rule inet lockdown out ip saddr 10.0.2.2 ip daddr 10.0.0.1 ct state established,related accept")"#,
    );
}

#[test]
#[ignore = "needs iproute2, nftables, iputils-ping"]
fn the_destinations_postrouting_chain_dropping_its_reply_is_named() {
    nft_case(
        "d",
        "add table ip t; add chain ip t p { type filter hook postrouting priority 0; policy drop; }",
        "d",
        "the request reached d on left, but d sent no reply: d's nft table ip t chain p (hook postrouting, priority 0): policy drop, no rule accepts the echo reply from 10.0.2.2 to 10.0.0.1",
        r#"d.sh("nft insert rule ip t p ip saddr 10.0.2.2 ip daddr 10.0.0.1 ct state established,related accept")"#,
    );
}

#[test]
#[ignore = "needs iproute2, nftables, iputils-ping"]
fn a_drop_rule_in_the_destinations_output_chain_is_deleted() {
    nft_case(
        "d",
        "add table inet t; add chain inet t o { type filter hook output priority 0; }; add rule inet t o icmp type echo-reply drop",
        "d",
        "the request reached d on left, but d sent no reply: d's nftables chain `inet t o` (hook output, priority 0, 1 rule netsh does not judge) may drop it by its rule handle 2",
        r#"d.sh("nft delete rule inet t o handle 2")"#,
    );
}

#[test]
#[ignore = "needs iproute2, nftables, iputils-ping"]
fn a_routers_forward_chain_dropping_the_reply_is_named() {
    nft_case(
        "r2",
        "add table inet t; add chain inet t f { type filter hook forward priority 0; policy drop; }; add rule inet t f ip daddr 10.0.2.2 accept",
        "r2",
        "the reply arrived in r2 on right but never left on left: r2's nft table inet t chain f (hook forward, priority 0): policy drop, no rule accepts the echo reply from 10.0.2.2 to 10.0.0.1",
        r#"r2.sh("nft insert rule inet t f ip saddr 10.0.2.2 ip daddr 10.0.0.1 ct state established,related accept")"#,
    );
}

#[test]
#[ignore = "needs iproute2, nftables, iputils-ping"]
fn the_sources_input_chain_dropping_the_reply_home_is_named() {
    nft_case(
        "ns1",
        "add table inet t; add chain inet t i { type filter hook input priority 0; policy drop; }; add rule inet t i iifname lo accept",
        "ns1",
        "the reply reached ns1 on right, but never the probe: ns1's nft table inet t chain i (hook input, priority 0): policy drop, no rule accepts the echo reply from 10.0.2.2 to 10.0.0.1",
        r#"ns1.sh("nft insert rule inet t i ip saddr 10.0.2.2 ip daddr 10.0.0.1 ct state established,related accept")"#,
    );
}

#[test]
#[ignore = "needs iproute2, nftables, iputils-ping"]
fn the_sources_prerouting_chain_dropping_the_reply_home_is_named() {
    nft_case(
        "ns1",
        "add table inet t; add chain inet t i { type filter hook prerouting priority 0; policy drop; }",
        "ns1",
        "the reply reached ns1 on right, but never the probe: ns1's nft table inet t chain i (hook prerouting, priority 0): policy drop, no rule accepts the echo reply from 10.0.2.2 to 10.0.0.1",
        r#"ns1.sh("nft insert rule inet t i ip saddr 10.0.2.2 ip daddr 10.0.0.1 ct state established,related accept")"#,
    );
}

/// Healthy: the output chain drops by policy but accepts what conntrack knows.
#[test]
#[ignore = "needs iproute2, nftables, iputils-ping"]
fn an_output_chain_that_accepts_established_replies_stays_clear() {
    let inject = "ip netns exec d nft 'add table inet t; add chain inet t o { type filter hook output priority 0; policy drop; }; add rule inet t o ct state established,related accept'";
    assert_eq!(diagnose("chain", "-p n=2", inject, D), clear(D));
}

/// IPv6 off on r's link toward d: its address went with it, and the fix brings both back.
#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn ipv6_disabled_on_a_routers_link_toward_the_destination_is_named() {
    fixed(
        "ipv6_pair",
        "",
        "ip netns exec r sysctl -qw net.ipv6.conf.right.disable_ipv6=1",
        "2001:db8:2::10",
        "r",
        "r has no route to 2001:db8:2::10: IPv6 is disabled on right in r (net.ipv6.conf.right.disable_ipv6 is 1), so it lost its address 2001:db8:2::1/64 (d routes via 2001:db8:2::1)",
        r#"r.sh("sysctl -w net.ipv6.conf.right.disable_ipv6=0 && ip addr add 2001:db8:2::1/64 dev right nodad")"#,
    );
}

const V6: &str = "2001:db8:2::10";

/// The ipv6_pair lab (ns1 — r — d) with IPv6 disabled by `key` in `at`.
fn v6_off(at: &str, key: &str) -> String {
    let inject = format!("ip netns exec {at} sysctl -qw net.ipv6.conf.{key}.disable_ipv6=1");
    diagnose("ipv6_pair", "", &inject, V6)
}

/// IPv6 off on r's link toward ns1: the gateway ns1 routes by is gone with it.
#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn ipv6_disabled_on_a_routers_link_toward_the_source_is_named() {
    let cause = "no namespace here holds ns1's gateway 2001:db8:1::1: IPv6 is disabled on left in r (net.ipv6.conf.left.disable_ipv6 is 1), so it lost its address 2001:db8:1::1/64";
    let fix = r#"r.sh("sysctl -w net.ipv6.conf.left.disable_ipv6=0 && ip addr add 2001:db8:1::1/64 dev left nodad")"#;
    let want = blocked(V6, "ns1", cause, fix) + &clear(V6);
    assert_eq!(v6_off("r", "left"), want);
}

/// IPv6 off on the destination's link: its address (and its default route) went with it.
#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn ipv6_disabled_on_the_destinations_link_is_named() {
    let cause = "no namespace on r's segment (right) holds 2001:db8:2::10: IPv6 is disabled on eth0 in d (net.ipv6.conf.eth0.disable_ipv6 is 1), so it lost its address 2001:db8:2::10/64";
    let fix = r#"d.sh("sysctl -w net.ipv6.conf.eth0.disable_ipv6=0 && ip addr add 2001:db8:2::10/64 dev eth0 nodad")"#;
    // Its default route went with the address: the second round gives the way back.
    let back = blocked(
        V6,
        "d",
        "d has no route back to 2001:db8:1::10 (Network is unreachable)",
        r#"d.route("2001:db8:1::/64", "2001:db8:2::1")"#,
    );
    let want = blocked(V6, "r", cause, fix) + &back + &clear(V6);
    assert_eq!(v6_off("d", "eth0"), want);
}

/// `all` set to 1 on r: every link of r lost its address; the sysctl named is `all`.
#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn ipv6_disabled_for_all_links_of_a_router_is_named() {
    let cause = "no namespace here holds ns1's gateway 2001:db8:1::1: IPv6 is disabled on left in r (net.ipv6.conf.all.disable_ipv6 is 1), so it lost its address 2001:db8:1::1/64";
    let fix = r#"r.sh("sysctl -w net.ipv6.conf.all.disable_ipv6=0 && ip addr add 2001:db8:1::1/64 dev left nodad")"#;
    // `all` back to 0 enables every link again; the other link's address is the next round's.
    let right = blocked(
        V6,
        "r",
        "r has no route to 2001:db8:2::10: right in r, on 2001:db8:2::10's segment, has no address in 2001:db8:2::/64 (d routes via 2001:db8:2::1, which nobody holds)",
        r#"r.link("right").addr("2001:db8:2::1/64")"#,
    );
    let want = blocked(V6, "ns1", cause, fix) + &right + &clear(V6);
    assert_eq!(v6_off("r", "all"), want);
}

/// r's link toward d set to MTU 1200 (round U case 7): under IPv6's 1280 the kernel took IPv6
/// off it, its address too; the MTU is named, not the address, and the fix gives both back.
#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn an_mtu_below_1280_on_a_routers_link_toward_the_destination_is_named() {
    fixed(
        "ipv6_pair",
        "",
        "ip -n r link set right mtu 1200",
        V6,
        "r",
        "r has no route to 2001:db8:2::10: right in r has MTU 1200, below IPv6's minimum 1280: the kernel took IPv6 off it, and its address 2001:db8:2::1/64 with it (d routes via 2001:db8:2::1)",
        r#"r.sh("ip link set right mtu 1500 && ip addr add 2001:db8:2::1/64 dev right nodad")"#,
    );
}

/// The same on r's link toward ns1: the gateway ns1 routes by went with IPv6.
#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn an_mtu_below_1280_on_a_routers_link_toward_the_source_is_named() {
    let cause = "no namespace here holds ns1's gateway 2001:db8:1::1: left in r has MTU 1000, below IPv6's minimum 1280: the kernel took IPv6 off it, and its address 2001:db8:1::1/64 with it";
    let fix = r#"r.sh("ip link set left mtu 1500 && ip addr add 2001:db8:1::1/64 dev left nodad")"#;
    let got = diagnose("ipv6_pair", "", "ip -n r link set left mtu 1000", V6);
    assert_eq!(got, blocked(V6, "ns1", cause, fix) + &clear(V6));
}
