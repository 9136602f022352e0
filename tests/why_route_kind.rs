//! `why` on faults of the unseen evaluation (round y/z) where it named the wrong object or
//! gave a fix that changes nothing: a reverse-path drop with no route back at all (the route
//! back is the fix, not loose mode it already has), a gatewayless route to a network nobody
//! on the link holds, and a router holding the sender's address (a martian source). Each case
//! asserts the exact report and that applying its fix makes a real ping pass.

mod support;

use support::why_case::{stays_clear, Named};
use support::why_lab::{clear_from, diagnose_at};

/// The kube nodes lab, p1 to the pod behind n2.
const KUBE: Named = Named::on("kube_nodes", "", ("p1", "10.244.2.2"));

/// The routers lab of four, ns1 to srv.
const ROUTERS: Named = Named::on("routers", "-p n=4", ("ns1", "172.20.4.2"));

const RP_OFF: &str =
    r#"n2.sysctl("net.ipv4.conf.all.rp_filter", 0); n2.sysctl("net.ipv4.conf.ul.rp_filter", 0)"#;

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn loose_rp_filter_with_no_route_back_is_fixed_by_the_route_back() {
    Named {
        inject: "ip netns exec n2 sysctl -qw net.ipv4.conf.all.rp_filter=2; ip netns exec n2 sysctl -qw net.ipv4.conf.ul.rp_filter=2; ip -n n2 route del 10.244.1.0/24",
        hop: "n2",
        cause: "n2 drops the packet from 10.244.1.2 arriving on ul: rp_filter is 2 and it has no route back to 10.244.1.2 (Network is unreachable) (reverse-path filter); n1 at 192.0.2.11 on ul routes 10.244.1.0/24",
        fix: r#"n2.route("10.244.1.0/24", "192.0.2.11")"#,
        other: Some(RP_OFF),
        ..KUBE
    }
    .check();
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn strict_rp_filter_with_no_route_back_is_fixed_by_the_route_back_on_its_link() {
    Named {
        inject: "ip netns exec n2 sysctl -qw net.ipv4.conf.all.rp_filter=1; ip -n n2 route del 10.244.1.0/24",
        hop: "n2",
        cause: "n2 drops the packet from 10.244.1.2 arriving on ul: rp_filter is 1 and it has no route back to 10.244.1.2 (Network is unreachable) (reverse-path filter); n1 at 192.0.2.11 on ul routes 10.244.1.0/24",
        fix: r#"n2.route("10.244.1.0/24", "192.0.2.11")"#,
        other: Some(r#"n2.sysctl("net.ipv4.conf.all.rp_filter", 0)"#),
        ..KUBE
    }
    .check();
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn loose_rp_filter_with_its_routes_stays_clear() {
    let inject = "ip netns exec n2 sysctl -qw net.ipv4.conf.all.rp_filter=2; ip netns exec n2 sysctl -qw net.ipv4.conf.ul.rp_filter=2";
    stays_clear(KUBE.lab, "", inject, KUBE.flow);
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_pod_route_without_its_gateway_is_named_with_the_node_that_routes_it() {
    Named {
        inject: "ip -n n1 route replace 10.244.2.0/24 dev ul",
        hop: "n1",
        cause: "n1's route `10.244.2.0/24 dev ul` has no gateway: it sends the packet for 10.244.2.2 straight onto ul, where no namespace holds 10.244.2.2 or answers ARP for it; n2 at 192.0.2.12 on ul routes it",
        fix: r#"n1.sh("ip route replace 10.244.2.0/24 via 192.0.2.12 dev ul")"#,
        ..KUBE
    }
    .check();
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_wide_pod_route_without_its_gateway_is_named_too() {
    Named {
        inject: "ip -n n1 route del 10.244.2.0/24; ip -n n1 route add 10.244.0.0/16 dev ul",
        hop: "n1",
        cause: "n1's route `10.244.0.0/16 dev ul` has no gateway: it sends the packet for 10.244.2.2 straight onto ul, where no namespace holds 10.244.2.2 or answers ARP for it; n2 at 192.0.2.12 on ul routes it",
        fix: r#"n1.sh("ip route replace 10.244.0.0/16 via 192.0.2.12 dev ul")"#,
        ..KUBE
    }
    .check();
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_gatewayless_route_answered_by_proxy_arp_stays_clear() {
    let inject = "ip -n n1 route replace 10.244.2.0/24 dev ul; ip netns exec n2 sysctl -qw net.ipv4.conf.ul.proxy_arp=1";
    let got = diagnose_at(KUBE.lab, "", inject, KUBE.flow, "", "");
    // The route is not blamed. The layer-2 line before it (the walk follows the holder of
    // 10.244.2.2, not the proxy) is older than this check and overruled by the probe.
    let l2 = "why p1 → 10.244.2.2\n  [BROKEN] host: under in host has no port that leads to n2 (eth0 in q1 is behind cbr0 there)\n";
    let clear = clear_from(KUBE.flow);
    assert_eq!(got, clear.replacen("why p1 → 10.244.2.2\n", l2, 1));
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_router_holding_the_senders_address_is_named_as_a_martian_source() {
    Named {
        inject: "ip -n g3 link add docker0 type bridge; ip -n g3 addr add 172.20.0.1/29 dev docker0",
        hop: "g3",
        cause: "g3 refuses the packet from 172.20.0.1 arriving on pv as a martian source: g3 holds 172.20.0.1 itself (172.20.0.1/29 on docker0), the address of ns1",
        fix: r#"g3.sh("ip addr del 172.20.0.1/29 dev docker0")"#,
        ..ROUTERS
    }
    .check();
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_destination_holding_the_senders_address_on_lo_is_named_as_a_martian_source() {
    Named {
        inject: "ip -n srv addr add 172.20.0.1/32 dev lo",
        hop: "srv",
        cause: "srv refuses the packet from 172.20.0.1 arriving on pv as a martian source: srv holds 172.20.0.1 itself (172.20.0.1/32 on lo), the address of ns1",
        fix: r#"srv.sh("ip addr del 172.20.0.1/32 dev lo")"#,
        ..ROUTERS
    }
    .check();
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn the_routers_lab_stays_clear() {
    stays_clear(ROUTERS.lab, ROUTERS.params, "true", ROUTERS.flow);
}
