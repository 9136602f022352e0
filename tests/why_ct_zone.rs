//! `netsh why` on a conntrack zone that splits a connection at a stateful router without NAT
//! (unseen round AA, case 8): a raw `CT --zone 7` for what comes in on one side files the
//! request in zone 7, its replies fall in zone 0 and match no connection: the stateful
//! FORWARD drops them as INVALID. The raw rule is named and deleted (not the DROP blamed, and
//! no ACCEPT added for the request, which was let by all along). On tests/why/stateful_chain.

mod support;

use support::why_lab::fixed;

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_zone_for_one_side_of_a_stateful_router_is_named_and_deleted() {
    fixed(
        "stateful_chain",
        "",
        "ip netns exec r2 iptables -t raw -A PREROUTING -i left -j CT --zone 7",
        "10.0.3.2",
        "r2",
        "r2's raw rule `-t raw -A PREROUTING -i left -j CT --zone 7` puts the request in conntrack zone 7, its replies arriving on right in zone 0: they match no connection there, so its FORWARD policy DROP drops them (INVALID)",
        r#"r2.sh("iptables -t raw -D PREROUTING -i left -j CT --zone 7")"#,
    );
}
