//! `netsh why` on an IPv6 router address with too narrow a prefix (a /128 where its segment is
//! a /64; unseen round X, case 8): named as for IPv4, and the fix works in IPv6's order — the
//! narrow address deleted first, as IPv6 refuses the same address twice, then the wide one
//! (no DAD: it was the router's own). Applied, then proved by a real ping.

mod support;

use support::why_lab::fixed;

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_v6_router_address_narrower_than_its_segment_is_widened_in_ipv6s_order() {
    fixed(
        "v6_chain",
        "",
        "ip -n r2 addr del 2001:db8:3::1/64 dev r2b; ip -n r2 addr add 2001:db8:3::1/128 dev r2b nodad",
        "2001:db8:3::2",
        "r2",
        "r2 has no route for the packet to 2001:db8:3::2 (Network is unreachable): its address 2001:db8:3::1/128 on r2b is narrower than its segment's 2001:db8:3::/64 (d's eth0 holds 2001:db8:3::2/64), so it has no route into the segment nor through its gateway",
        r#"r2.sh("ip addr del 2001:db8:3::1/128 dev r2b && ip addr add 2001:db8:3::1/64 dev r2b nodad")"#,
    );
}
