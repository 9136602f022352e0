//! `netsh why` on a stray route (the unseen case e08): a route more specific than the one
//! meant (a host route, a narrower prefix) that sends packets or replies to a neighbour that
//! is an end host (a container, a LAN host; no forwarding, its own way on leads back), where
//! they die. The route is the fault, not the end host's ip_forward; a gateway that is a
//! deliberate router with forwarding off still gets the forwarding fix.

mod support;

use support::why_lab::diagnose_at;

const SRV: &str = "203.0.113.10";
const C2: &str = "172.20.0.2";
const LAN: &str = "172.31.131.150";

/// The reports of `why src → dst`: one blocked round per (hop, cause, fix), then clear and
/// the real ping.
fn rounds(src: &str, dst: &str, blocked: &[(&str, &str, &str)]) -> String {
    let mut s = String::new();
    for (hop, cause, fix) in blocked {
        s += &format!("why {src} → {dst}\n  [BROKEN] {hop}: {cause}\n  fix: {fix}\n  probe: no reply from {dst}\nverdict: blocked — {cause}\nexit 1\n");
    }
    s + &format!("why {src} → {dst}\n  probe: {dst} answers\nverdict: clear\nexit 0\nping ok\n")
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_host_route_via_a_container_is_deleted_not_the_containers_forwarding() {
    let got = diagnose_at(
        "container_host",
        "",
        "ip -n h route add 203.0.113.10/32 via 172.17.0.2",
        ("h", SRV),
        "",
        "",
    );
    let cause = "h sends 203.0.113.10 to c1 by its route `203.0.113.10 via 172.17.0.2 dev docker0`, which overrides `default via 10.10.0.1 dev eth0`, but 172.17.0.2 is an end host, not a router: c1 does not forward (net.ipv4.ip_forward is 0) and its own route to 203.0.113.10 leads back to h";
    let fix = r#"h.del_route("203.0.113.10/32", #{ adopted: true })"#;
    assert_eq!(got, rounds("h", SRV, &[("h", cause, fix)]));
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_host_route_via_a_container_on_the_way_back_is_deleted() {
    let got = diagnose_at(
        "routed_docker",
        "",
        "ip -n h route add 10.10.0.50/32 via 172.17.0.2",
        ("cl", C2),
        "",
        "",
    );
    let cause = "h sends the reply to 10.10.0.50 to c1 by its route `10.10.0.50 via 172.17.0.2 dev docker0`, which overrides `10.10.0.0/24 dev eth0`, but 172.17.0.2 is an end host, not a router: c1 does not forward (net.ipv4.ip_forward is 0) and its own route to 10.10.0.50 leads back to h";
    let fix = r#"h.del_route("10.10.0.50/32", #{ adopted: true })"#;
    assert_eq!(got, rounds("cl", C2, &[("h", cause, fix)]));
}

/// ns1 and ns2 share host's bridge0: the probe routed back out of it makes host send ns1 an
/// ICMP redirect to ns2, which ns1 keeps after the route is gone (the second round).
fn lan_rounds(first: &str, inject: &str) {
    let got = diagnose_at("lan", "", inject, ("ns1", LAN), "", "");
    let redirect = "ns1's route to 172.31.131.150 is an ICMP redirect it cached (via 10.1.1.3, expires in N s), not one of its routes (default via 10.1.1.1 dev veth1): the packet is sent that way and lost";
    let del = r#"del_route("172.31.131.128/25", #{ adopted: true })"#;
    let flush = r#"ns1.sh("ip route flush cache")"#;
    let want = rounds(
        "ns1",
        LAN,
        &[("host", first, del), ("ns1", redirect, flush)],
    );
    assert_eq!(expires_n(&got), want);
}

/// The seconds a cached route has left, as N (they change from run to run).
fn expires_n(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("expires in ") {
        let (head, tail) = rest.split_at(i + "expires in ".len());
        out += head;
        out += "N";
        rest = tail.trim_start_matches(|c: char| c.is_ascii_digit());
    }
    out + rest
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_narrower_prefix_via_a_lan_host_is_deleted() {
    lan_rounds(
        "host sends 172.31.131.150 to ns2 by its route `172.31.131.128/25 via 10.1.1.3 dev bridge0`, which overrides `172.31.131.0/24 dev eth0`, but 10.1.1.3 is an end host, not a router: ns2 does not forward (net.ipv4.ip_forward is 0) and its own route to 172.31.131.150 leads back to host",
        "ip -n ns2 route add default via 10.1.1.1; ip route add 172.31.131.128/25 via 10.1.1.3",
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_narrower_route_via_a_router_with_forwarding_off_gets_forwarding_back() {
    // h routes c2's network on by another link: it is the router meant, its ip_forward the fault.
    let got = diagnose_at(
        "routed_docker",
        "",
        "ip -n cl route add 172.20.0.0/16 via 10.10.0.5; ip netns exec h sysctl -qw net.ipv4.ip_forward=0",
        ("cl", C2),
        "",
        "",
    );
    let cause = "h does not forward: net.ipv4.ip_forward is 0";
    assert_eq!(got, rounds("cl", C2, &[("h", cause, "h.ip_forward(true)")]));
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_narrower_route_via_a_router_that_forwards_stays_clear() {
    let got = diagnose_at(
        "routed_docker",
        "",
        "ip -n cl route add 172.20.0.0/16 via 10.10.0.5",
        ("cl", C2),
        "",
        "",
    );
    assert_eq!(got, rounds("cl", C2, &[]));
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_container_host_without_a_stray_route_stays_clear() {
    let got = diagnose_at("container_host", "", "", ("h", SRV), "", "");
    assert_eq!(got, rounds("h", SRV, &[]));
}
