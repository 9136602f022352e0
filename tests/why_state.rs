//! `netsh why` on state the kernel keeps beside a rule or a route (issue 13, round w): a
//! `-m quota` whose bytes are used up, a route's `hoplimit` that sets its packets' TTL, a
//! VXLAN made flow-based (`external`). Each case asserts the exact report and that applying
//! its fix makes a real ping pass.

mod support;

use support::why_lab::{blocked, clear, diagnose, diagnose_at, fixed};

/// Five pings through the quota rule: 300 bytes are used up after three.
const SPEND: &str =
    "for i in 1 2 3 4 5; do ip netns exec ns1 ping -c1 -W1 10.0.2.2 >/dev/null 2>&1; done";

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_used_up_quota_accept_before_a_drop_policy_is_named_and_made_afresh() {
    fixed(
        "nat_filter",
        "",
        &format!(
            "ip netns exec r2 iptables -R FORWARD 2 -i left -o right -m quota --quota 300 -j ACCEPT\n{SPEND}"
        ),
        "10.0.2.2",
        "r2",
        "r2's FORWARD chain drops left → right (policy DROP): rule `-A FORWARD -i left -o right -m quota --quota 300 -j ACCEPT` would let it through, but its quota is used up (quota used up: 300 bytes)",
        r#"r2.sh("iptables -R FORWARD 2 -i left -o right -m quota --quota 300 -j ACCEPT")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_used_up_quota_accept_before_an_input_drop_policy_is_named() {
    fixed(
        "nat_filter",
        "",
        &format!(
            "ip netns exec d iptables -A INPUT -m quota --quota 300 -j ACCEPT; ip netns exec d iptables -P INPUT DROP\n{SPEND}"
        ),
        "10.0.2.2",
        "d",
        "d's INPUT chain drops the echo request in on left from 10.0.1.1 to 10.0.2.2 (policy DROP): rule `-A INPUT -m quota --quota 300 -j ACCEPT` would let it through, but its quota is used up (quota used up: 300 bytes)",
        r#"d.sh("iptables -R INPUT 1 -m quota --quota 300 -j ACCEPT")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_quota_with_bytes_left_stays_clear() {
    let got = diagnose(
        "nat_filter",
        "",
        &format!(
            "ip netns exec r2 iptables -R FORWARD 2 -i left -o right -m quota --quota 100000 -j ACCEPT\n{SPEND}"
        ),
        "10.0.2.2",
    );
    assert_eq!(got, clear("10.0.2.2"));
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_used_up_quota_return_in_a_parental_cap_chain_names_the_cap() {
    let inject = "ip netns exec rt iptables -N pc_quota
ip netns exec rt iptables -A pc_quota -m quota --quota 2000 -j RETURN
ip netns exec rt iptables -A pc_quota -j REJECT --reject-with icmp-admin-prohibited
ip netns exec rt iptables -I FORWARD 1 -i br-lan -s 192.168.1.10 -j pc_quota
ip netns exec pc ping -c2 -i0.3 -W1 -s1400 203.0.113.10 >/dev/null 2>&1";
    let got = diagnose_at("home", "", inject, ("pc", "203.0.113.10"), "", "");
    // 572 bytes look left, but the second 1428-byte ping found the quota short and the kernel
    // set it to 0: the counters after the probe tell.
    let cause = "rt's pc_quota chain rejects the probe: rule `-A pc_quota -j REJECT --reject-with icmp-admin-prohibited` (its packet counter rose by the probe's packet): rule `-A pc_quota -m quota --quota 2000 -j RETURN` would let it through, but its quota is used up (quota used up: 2000 bytes)";
    let first = blocked(
        "203.0.113.10",
        "rt",
        cause,
        r#"rt.sh("iptables -R pc_quota 1 -m quota --quota 2000 -j RETURN")"#,
    )
    .replace("why ns1", "why pc");
    let then = clear("203.0.113.10").replace("why ns1", "why pc");
    assert_eq!(got, first + then.as_str());
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_route_hoplimit_on_the_way_back_is_named_and_dropped() {
    fixed(
        "chain",
        "-p n=3",
        "ip -n d route replace default via 10.0.3.1 dev left hoplimit 2",
        "10.0.3.2",
        "r2",
        "r2 drops the reply: its TTL runs out there (d sends it with TTL 2, the hoplimit of its route `default via 10.0.3.1 dev left hoplimit 2`, and r2 is router 2 on its way)",
        r#"d.sh("ip route replace default via 10.0.3.1 dev left")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_route_hoplimit_at_the_sender_is_named_and_dropped() {
    fixed(
        "chain",
        "-p n=3",
        "ip -n ns1 route replace default via 10.0.0.2 dev right hoplimit 2",
        "10.0.3.2",
        "r2",
        "r2 drops the request: its TTL runs out there (ns1 sends it with TTL 2, the hoplimit of its route `default via 10.0.0.2 dev right hoplimit 2`, and r2 is router 2 on its way)",
        r#"ns1.sh("ip route replace default via 10.0.0.2 dev right")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_route_hoplimit_high_enough_stays_clear() {
    let got = diagnose(
        "chain",
        "-p n=3",
        "ip -n d route replace default via 10.0.3.1 dev left hoplimit 4",
        "10.0.3.2",
    );
    assert_eq!(got, clear("10.0.3.2"));
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_vxlan_made_external_at_the_far_end_is_named_and_made_again() {
    fixed(
        "vxlan_pair",
        "",
        "ip -n h2 link del vx0
ip -n h2 link add vx0 type vxlan external dstport 4789 dev ul
ip -n h2 link set vx0 master br0; ip -n h2 link set vx0 up",
        "10.50.0.2",
        "h2",
        "h2's vx0 takes in VNI 100 but the replies never leave by it: it is a VXLAN in external (collect_metadata) mode: it sends only what tunnel metadata (an `encap ip` route or BPF) addresses, and frames its bridge hands it have none, so it sends nothing",
        r#"h2.sh("ip link del vx0"); h2.sh("ip link add vx0 type vxlan id 100 remote 192.0.2.1 dstport 4789 dev ul"); h2.sh("ip link set vx0 master br0 up")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_vxlan_made_external_at_the_sender_is_named_and_made_again() {
    fixed(
        "vxlan_pair",
        "",
        "ip -n h1 link del vx0
ip -n h1 link add vx0 type vxlan external dstport 4789 dev ul
ip -n h1 link set vx0 master br0; ip -n h1 link set vx0 up",
        "10.50.0.2",
        "h1",
        "h1's vx0 is a VXLAN in external (collect_metadata) mode: it sends only what tunnel metadata (an `encap ip` route or BPF) addresses, and frames its bridge hands it have none, so it sends nothing",
        r#"h1.sh("ip link del vx0"); h1.sh("ip link add vx0 type vxlan id 100 remote 192.0.2.2 dstport 4789 dev ul"); h1.sh("ip link set vx0 master br0 up")"#,
    );
}
