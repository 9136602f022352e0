//! `netsh why` on routes and NAT on the way (unseen rounds v and w): a route lost behind a
//! blackhole, a NETMAP source nobody routes back, a stray address whose connected route takes
//! the reply onto the wrong segment. Each case asserts the exact report and a real ping after
//! its fix; the healthy variants must stay clear.

mod support;

use support::why_lab::{clear, diagnose, diagnose_at, fixed};

const LOST: &str = "node has no route to 10.65.0.6 out of cali2, where c2 holds it (on eth0), so the lookup falls to route `blackhole 10.65.0.0/26`, which drops it: the route to 10.65.0.6 is missing";

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_pod_route_lost_behind_the_block_blackhole_is_added_back() {
    let got = diagnose_at(
        "calico_block",
        "",
        "ip -n node route del 10.65.0.6/32 dev cali2",
        ("ns1", "10.65.0.6"),
        "",
        "",
    );
    let first = format!("why ns1 → 10.65.0.6\n  [BROKEN] node: {LOST}\n  fix: node.sh(\"ip route add 10.65.0.6/32 dev cali2\")\n  other way: node.del_route(\"10.65.0.0/26\", #{{ adopted: true }})\n  probe: no reply from 10.65.0.6\nverdict: blocked — {LOST}\nexit 1\n");
    assert_eq!(got, first + clear("10.65.0.6").as_str());
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_pod_route_lost_behind_an_unreachable_block_is_added_back() {
    let cause = "node has no route to 10.65.0.5 out of cali1, where c1 holds it (on eth0), so the lookup falls to route `unreachable 10.65.0.0/26`, which refuses it (unreachable): the route to 10.65.0.5 is missing";
    let got = diagnose(
        "calico_block",
        "",
        "ip -n node route del 10.65.0.5/32 dev cali1; ip -n node route replace unreachable 10.65.0.0/26 proto bird",
        "10.65.0.5",
    );
    let first = format!("why ns1 → 10.65.0.5\n  [BROKEN] node: {cause}\n  fix: node.sh(\"ip route add 10.65.0.5/32 dev cali1\")\n  other way: node.del_route(\"10.65.0.0/26\", #{{ adopted: true }})\n  probe: no reply from 10.65.0.5\nverdict: blocked — {cause}\nexit 1\n");
    assert_eq!(got, first + clear("10.65.0.5").as_str());
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn the_block_blackhole_stays_clear_and_blamed_for_an_address_nobody_holds() {
    assert_eq!(
        diagnose("calico_block", "", "", "10.65.0.6"),
        clear("10.65.0.6")
    );
    // A free address of the block: nobody holds it, the blackhole is what drops it.
    let got = diagnose("calico_block", "", "", "10.65.0.9");
    let first = "why ns1 → 10.65.0.9\n  [BROKEN] node: node drops the packet to 10.65.0.9: route `blackhole 10.65.0.0/26` (table main; Invalid argument)\n";
    assert!(got.starts_with(first), "{got}");
}

const NETMAP: &str = "-s 10.1.1.0/24 -o eth0 -j NETMAP --to 10.99.1.0/24";

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_netmap_source_nobody_routes_back_is_named_and_deleted() {
    fixed(
        "l2_lan",
        "",
        &format!("iptables -t nat -I POSTROUTING 1 {NETMAP}"),
        "172.31.131.150",
        "host",
        &format!("host's NETMAP gives the request the source 10.99.1.2 (rule `{NETMAP}`), which no interface of host holds: the replies to 10.99.1.2 find no route back in h150"),
        &format!("sh(\"iptables -t nat -D POSTROUTING {NETMAP}\")"),
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_netmap_routed_back_stays_clear() {
    let inject = format!("iptables -t nat -I POSTROUTING 1 {NETMAP}; ip netns exec h150 ip route add 10.99.1.0/24 via 172.31.131.149");
    assert_eq!(
        diagnose("l2_lan", "", &inject, "172.31.131.150"),
        clear("172.31.131.150")
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_stray_address_taking_the_reply_on_link_is_deleted() {
    fixed(
        "two_bridges",
        "",
        "ip -n b1 addr add 10.30.1.77/24 dev eth0",
        "10.30.2.10",
        "b1",
        "b1 sends the reply to 10.30.1.10 on-link out of eth0 by the connected route `10.30.1.0/24 dev eth0` of its stray address 10.30.1.77/24 (beside its own 10.30.2.10/24), but 10.30.1.10 is ns1's eth0, not on eth0's segment (eth0 → lanB), where nobody else is in 10.30.1.0/24",
        r#"b1.sh("ip addr del 10.30.1.77/24 dev eth0")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_stray_address_at_the_sender_is_deleted() {
    fixed(
        "two_bridges",
        "",
        "ip -n ns1 addr add 10.30.2.77/24 dev eth0",
        "10.30.2.10",
        "ns1",
        "ns1 sends the packet to 10.30.2.10 on-link out of eth0 by the connected route `10.30.2.0/24 dev eth0` of its stray address 10.30.2.77/24 (beside its own 10.30.1.10/24), but 10.30.2.10 is b1's eth0, not on eth0's segment (eth0 → lanA), where nobody else is in 10.30.2.0/24",
        r#"ns1.sh("ip addr del 10.30.2.77/24 dev eth0")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_second_address_answered_by_proxy_arp_stays_clear() {
    assert_eq!(
        diagnose(
            "two_bridges",
            "",
            "ip -n b1 addr add 10.30.1.77/24 dev eth0; ip netns exec rt sysctl -qw net.ipv4.conf.lanB.proxy_arp=1",
            "10.30.2.10",
        ),
        clear("10.30.2.10")
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_blackhole_over_a_connected_subnet_is_itself_the_fault() {
    // c1's block blackhole put over a subnet the node has a route for on cali1: deliberate.
    fixed(
        "calico_block",
        "",
        "ip -n node route add 10.65.0.4/30 dev cali1; ip -n node route del 10.65.0.5/32 dev cali1; ip -n node route add blackhole 10.65.0.5/32",
        "10.65.0.5",
        "node",
        "node drops the packet to 10.65.0.5: route `blackhole 10.65.0.5` (table main; Invalid argument)",
        r#"node.del_route("10.65.0.5/32", #{ adopted: true })"#,
    );
}
