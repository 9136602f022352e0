//! `netsh why` on faults outside the first catalogue (issue 13, the lead's gaps): an on-link
//! address nobody on the segment holds, the sender's own address held by the next hop, the far
//! side of a tunnel (its underlay link down, its bridge down, its VTEP address gone), and a
//! gateway address gone from its bridge. Each lab is built in a sandbox by a script of
//! tests/why, one fault is injected by hand, `why` must name it in its exact words with a fix
//! in DSL form; the fix is run as a script, `why` then finds the path clear, and a real ping
//! passes. Healthy labs stay clear.

mod support;

use support::why_lab::{clear, diagnose_with as diagnose, fixed};

const NS2: &str = "10.1.1.3";
const NS2_150: &str = "10.1.1.5";
const H150: &str = "172.31.131.150";

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn an_on_link_destination_nobody_holds_is_named_and_given_back() {
    fixed(
        "lan",
        "",
        "ip -n ns2 addr del 10.1.1.3/24 dev veth2",
        NS2,
        "ns1",
        "no namespace on ns1's segment (veth1 → bridge0) holds 10.1.1.3",
        r#"ns2.link("veth2").addr("10.1.1.3/24")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_destination_gone_beyond_a_tunnel_is_named_and_given_back() {
    fixed(
        "vxlan",
        "",
        "ip -n h150.ns2 addr del 10.1.1.5/24 dev veth2",
        NS2_150,
        "ns1",
        "no namespace on ns1's segment (veth1 → bridge0) holds 10.1.1.5",
        r#"h150.ns("ns2").link("veth2").addr("10.1.1.5/24")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn the_senders_own_address_held_by_the_destination_is_named_and_removed() {
    fixed(
        "lan",
        "",
        "ip -n ns2 addr add 10.1.1.2/24 dev veth2",
        NS2,
        "ns1",
        "ns1's own address 10.1.1.2 is also held by ns2 (veth2 MAC) besides ns1 (veth1 MAC) (a duplicate address): ns2 takes ARP requests from 10.1.1.2 as its own and does not answer them",
        r#"ns2.link("veth2").del_addr("10.1.1.2/24", #{ adopted: true })"#,
    );
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn the_far_underlay_link_down_is_named_and_brought_up() {
    fixed(
        "vxlan",
        "",
        "ip -n h150 link set eth0 down",
        NS2_150,
        "h150",
        "eth0 in h150 (it holds vxlan1's remote 172.31.131.150) is down: the tunnel's underlay is cut",
        r#"h150.link("eth0").up()"#,
    );
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn the_far_bridge_down_is_named_and_brought_up() {
    fixed(
        "vxlan",
        "",
        "ip -n h150 link set bridge0 down",
        NS2_150,
        "h150",
        "the bridge bridge0 in h150 is down",
        r#"h150.link("bridge0").up()"#,
    );
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn the_far_vxlan_port_disabled_is_named() {
    fixed(
        "vxlan",
        "",
        "ip netns exec h150 bridge link set dev vxlan1 state 0",
        NS2_150,
        "h150",
        "vxlan1, a port of bridge0 in h150, is in the disabled state: it forwards no frames",
        r#"h150.sh("bridge link set dev vxlan1 state 3")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn the_far_vteps_lost_address_is_named_and_given_back() {
    fixed(
        "vxlan",
        "",
        "ip -n h150 addr del 172.31.131.150/24 dev eth0",
        NS2_150,
        "h150",
        "the L2 path over the tunnel ends at vxlan1 in host: its remote 172.31.131.150 is held by no namespace, and eth0 in h150, under h150's vxlan1, has no IPv4 address (the far VTEP's address is gone)",
        r#"h150.link("eth0").addr("172.31.131.150/24")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn the_gateways_address_gone_from_its_bridge_is_given_back() {
    fixed(
        "lan",
        "",
        "ip addr del 10.1.1.1/24 dev bridge0",
        H150,
        "ns1",
        "no namespace here holds ns1's gateway 10.1.1.1 (route `default via 10.1.1.1 dev veth1`)",
        r#"link("bridge0").addr("10.1.1.1/24")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn healthy_labs_stay_clear() {
    assert_eq!(diagnose("lan", "", "", NS2, "", ""), clear(NS2));
    assert_eq!(diagnose("lan", "", "", H150, "", ""), clear(H150));
    assert_eq!(diagnose("vxlan", "", "", NS2_150, "", ""), clear(NS2_150));
    assert_eq!(
        diagnose("l2_mesh", "", "", "10.2.0.3", "", ""),
        clear("10.2.0.3")
    );
}

// A netdev egress chain (round q, q06): the chain lab, ns1 — r1 — r2 — r3 — d (10.0.3.2).
// The hook runs as the frame is queued to the device, after POSTROUTING.

const D3: &str = "10.0.3.2";
const EG_CHAIN: &str = r#"ip netns exec r1 nft add table netdev eg; ip netns exec r1 nft add chain netdev eg out '{ type filter hook egress device "right" priority 0; policy accept; }'"#;

#[test]
#[ignore = "needs iproute2, iputils-ping, nftables"]
fn a_netdev_egress_rule_dropping_the_request_is_named_and_deleted() {
    fixed(
        "chain",
        "-p n=3",
        &format!("{EG_CHAIN}; ip netns exec r1 nft add rule netdev eg out ip protocol icmp drop"),
        D3,
        "r1",
        "r1's nftables chain `netdev eg out` (hook egress on right, priority 0) drops the echo request from 10.0.0.1 to 10.0.3.2 leaving by right (rule handle 2)",
        r#"r1.sh("nft delete rule netdev eg out handle 2")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iputils-ping, nftables"]
fn a_netdev_egress_rule_dropping_the_reply_on_its_way_back_is_named() {
    fixed(
        "chain",
        "-p n=3",
        r#"ip netns exec r2 nft add table netdev eg; ip netns exec r2 nft add chain netdev eg back '{ type filter hook egress device "left" priority 0; }'; ip netns exec r2 nft add rule netdev eg back icmp type echo-reply drop"#,
        D3,
        "r2",
        "r2's nftables chain `netdev eg back` (hook egress on left, priority 0) drops the echo reply from 10.0.3.2 to 10.0.0.1 leaving by left (rule handle 2)",
        r#"r2.sh("nft delete rule netdev eg back handle 2")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iputils-ping, nftables"]
fn a_netdev_egress_drop_policy_is_named_and_opened() {
    fixed(
        "chain",
        "-p n=3",
        &EG_CHAIN.replace("policy accept", "policy drop"),
        D3,
        "r1",
        "r1's nftables chain `netdev eg out` (hook egress on right, priority 0) drops the echo request from 10.0.0.1 to 10.0.3.2 leaving by right (policy drop)",
        r#"r1.sh("nft insert rule netdev eg out ether type arp accept"); r1.sh("nft insert rule netdev eg out ip saddr 10.0.0.1 ip daddr 10.0.3.2 accept"); r1.sh("nft insert rule netdev eg out ip saddr 10.0.3.2 ip daddr 10.0.0.1 accept")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iputils-ping, nftables"]
fn a_netdev_egress_rule_not_understood_is_a_question_then_named_by_the_evidence() {
    let got = diagnose(
        "chain",
        "-p n=3",
        &format!("{EG_CHAIN}; ip netns exec r1 nft add rule netdev eg out ip saddr '{{ 10.0.0.1, 10.9.9.9 }}' drop"),
        D3,
        "",
        "",
    );
    let chain = "r1's nftables chain `netdev eg out` (hook egress on right, priority 0)";
    let cause = format!("the request arrived in r1 on left but never left on right: {chain} may drop it on right (rule handle 3)");
    let want = format!(
        "why ns1 → {D3}\n  [?] r1: {chain} may drop the echo request from 10.0.0.1 to 10.0.3.2 leaving by right (rule handle 3: not understood, may match)\n  [BROKEN] r1: {cause}\n  fix: r1.sh(\"nft delete rule netdev eg out handle 3\")\n  probe: no reply from {D3}\nverdict: blocked — {cause}\nexit 1\n"
    ) + &clear(D3);
    assert_eq!(got, want);
}

#[test]
#[ignore = "needs iproute2, iputils-ping, nftables"]
fn a_netdev_egress_chain_that_accepts_stays_clear() {
    let inject = format!(
        "{EG_CHAIN}; ip netns exec r1 nft add rule netdev eg out ip daddr 10.9.9.9 drop; ip netns exec r1 nft add rule netdev eg out icmp type echo-request accept"
    );
    assert_eq!(diagnose("chain", "-p n=3", &inject, D3, "", ""), clear(D3));
}

// A route in a table whose rule comes after main (round q, q09): the pbr lab, ns1 — r (its
// default to isp, which does not forward) — r2 — d (10.0.2.2).

const D_PBR: &str = "10.0.2.2";
const TO_TABLE_100: &str = "ip -n r route del 10.0.2.0/24 via 10.0.1.2; ip -n r route add 10.0.2.0/24 via 10.0.1.2 table 100";

/// The pbr lab with the route moved to table 100 and its rule `rule` added: the late rule
/// named (`words`: its text), moved before main, the route in main the other way.
fn late_rule(rule: &str, words: &str, moved: &str) {
    let got = diagnose(
        "pbr",
        "",
        &format!("{TO_TABLE_100}; ip -n r rule add {rule}"),
        D_PBR,
        "",
        "",
    );
    let pref = words.split(':').next().unwrap_or_default();
    let cause = format!("r's route `10.0.2.0/24 via 10.0.1.2 dev right` is in table 100, whose rule `{words}` comes after main (32766): main's `default via 100.64.0.1 dev wan` answers first and sends the packet to isp, which does not forward");
    let fix = format!(r#"r.sh("ip rule del pref {pref}"); r.sh("ip rule add {moved} pref 32765")"#);
    let want = support::why_lab::blocked(D_PBR, "r", &cause, &fix).replace(
        "  probe:",
        "  other way: r.route(\"10.0.2.0/24\", \"10.0.1.2\")\n  probe:",
    ) + &clear(D_PBR);
    assert_eq!(got, want);
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_tables_rule_after_main_is_named_and_moved_before_it() {
    late_rule(
        "from 10.0.0.0/24 lookup 100 pref 40000",
        "40000: from 10.0.0.0/24 lookup 100",
        "from 10.0.0.0/24 lookup 100",
    );
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_tables_rule_after_default_is_named_and_moved_before_main() {
    late_rule(
        "from 10.0.0.0/24 lookup 100 pref 32800",
        "32800: from 10.0.0.0/24 lookup 100",
        "from 10.0.0.0/24 lookup 100",
    );
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_tables_rule_by_iif_after_main_is_named_and_moved_before_it() {
    late_rule(
        "iif left lookup 100 pref 40000",
        "40000: from all iif left lookup 100",
        "from all iif left lookup 100",
    );
}

/// Round Z, case 8: a leftover `prohibit` rule before the rule whose table carries the
/// packet: the prohibit rule is deleted (moving the lookup before it is the other way).
#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_prohibit_rule_before_the_tables_rule_is_deleted() {
    let inject = format!("{TO_TABLE_100}; ip -n r rule add from 10.0.0.0/24 lookup 100 pref 1000; ip -n r rule add from 10.0.0.0/24 iif left prohibit pref 900");
    let got = diagnose("pbr", "", &inject, D_PBR, "", "");
    let cause = "r's route `10.0.2.0/24 via 10.0.1.2 dev right` is in table 100, whose rule `1000: from 10.0.0.0/24 lookup 100` comes after rule `900: from 10.0.0.0/24 iif left prohibit`: rule `900: from 10.0.0.0/24 iif left prohibit` answers first and refuses the packet (Permission denied)";
    let fix = r#"r.sh("ip rule del priority 900")"#;
    let other = r#"r.sh("ip rule del pref 1000"); r.sh("ip rule add from 10.0.0.0/24 lookup 100 pref 899")"#;
    let want = support::why_lab::blocked(D_PBR, "r", cause, fix)
        .replace("  probe:", &format!("  other way: {other}\n  probe:"))
        + &clear(D_PBR);
    assert_eq!(got, want);
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_late_rule_whose_table_is_not_needed_stays_clear() {
    let inject = "ip -n r route add 10.0.2.0/24 via 10.0.1.2 table 100; ip -n r rule add from 10.0.0.0/24 lookup 100 pref 40000";
    assert_eq!(diagnose("pbr", "", inject, D_PBR, "", ""), clear(D_PBR));
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_tables_rule_after_mains_unreachable_route_is_named_and_moved() {
    let inject = format!("{TO_TABLE_100}; ip -n r route add unreachable 10.0.2.0/24; ip -n r rule add from 10.0.0.0/24 lookup 100 pref 40000");
    let got = diagnose("pbr", "", &inject, D_PBR, "", "");
    let cause = "r's route `10.0.2.0/24 via 10.0.1.2 dev right` is in table 100, whose rule `40000: from 10.0.0.0/24 lookup 100` comes after main (32766): main's `unreachable 10.0.2.0/24` answers first and refuses the packet (No route to host)";
    let fix = r#"r.sh("ip rule del pref 40000"); r.sh("ip rule add from 10.0.0.0/24 lookup 100 pref 32765")"#;
    assert_eq!(
        got,
        support::why_lab::blocked(D_PBR, "r", cause, fix) + &clear(D_PBR)
    );
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_tables_rule_after_an_earlier_rule_that_took_the_packet_is_moved_below_it() {
    let inject = format!("{TO_TABLE_100}; ip -n r route add default via 100.64.0.1 table 200; ip -n r rule add from 10.0.0.0/24 lookup 200 pref 100; ip -n r rule add from 10.0.0.0/24 lookup 100 pref 40000");
    let got = diagnose("pbr", "", &inject, D_PBR, "", "");
    let cause = "r's route `10.0.2.0/24 via 10.0.1.2 dev right` is in table 100, whose rule `40000: from 10.0.0.0/24 lookup 100` comes after rule `100: from 10.0.0.0/24 lookup 200`: table 200's `default via 100.64.0.1 dev wan` answers first and sends the packet to isp, which does not forward";
    let fix = r#"r.sh("ip rule del pref 40000"); r.sh("ip rule add from 10.0.0.0/24 lookup 100 pref 99")"#;
    assert_eq!(
        got,
        support::why_lab::blocked(D_PBR, "r", cause, fix) + &clear(D_PBR)
    );
}
