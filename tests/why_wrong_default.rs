//! `netsh why` when a multi-homed host's preferred route picks the wrong gateway (issue 13,
//! rounds c and d: c09, d02, d06): the fault is that host's route, not what lies beyond the
//! gateway it picked (the router there with no route back, the ISP's reverse-path filter, the
//! edge router's NAT that deliberately leaves a backend network out). What lies beyond is
//! named only as the other way; the fix is applied and a real ping must pass. Healthy
//! multi-homed labs stay clear.

mod support;

use support::why_lab::{clear_from, diagnose_at, fixed_from};

fn run(lab: &str, inject: &str, ends: (&str, &str)) -> String {
    diagnose_at(lab, "", inject, ends, "", "")
}

const D: (&str, &str) = ("ns1", "10.0.2.2");

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_dhcp_default_on_the_second_nic_is_the_hosts_not_the_far_routers() {
    let cause = "d's route `default via 10.0.5.1 dev eth1 metric 50` sends the reply to 10.0.0.1 to r3, not back the way the request came (r2, by `default via 10.0.2.1 dev eth0 metric 100`)";
    let fix = r#"d.sh("ip route del default via 10.0.5.1 dev eth1 metric 50")"#;
    let other = r#"r3.route("10.0.0.0/24", "10.0.6.1")"#;
    let inject = "ip netns exec d ip route add default via 10.0.5.1 dev eth1 metric 50";
    assert_eq!(
        run("dualhome", inject, D),
        fixed_from(D, "d", cause, fix, Some(other))
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_main_default_readded_behind_the_backup_is_named() {
    let cause = "d's route `default via 10.0.5.1 dev eth1 metric 200` sends the reply to 10.0.0.1 to r3, not back the way the request came (r2, by `default via 10.0.2.1 dev eth0 metric 300`)";
    let fix = r#"d.sh("ip route del default via 10.0.5.1 dev eth1 metric 200")"#;
    let other = r#"r3.route("10.0.0.0/24", "10.0.6.1")"#;
    let inject = "ip netns exec d ip route del default via 10.0.2.1 metric 100\n\
                  ip netns exec d ip route add default via 10.0.2.1 metric 300";
    assert_eq!(
        run("dualhome", inject, D),
        fixed_from(D, "d", cause, fix, Some(other))
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_healthy_dual_homed_host_stays_clear_from() {
    assert_eq!(run("dualhome", "true", D), clear_from(D));
}

const PF: (&str, &str) = ("ns1", "192.0.2.2");

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_port_forwarded_servers_default_moved_to_the_other_router_is_the_servers() {
    let cause = "d's route `default via 10.0.2.254 dev eth0` sends the reply to 203.0.113.10 via 10.0.2.254 (r3), not back through r2, which DNATed the request: only r2 can undo that DNAT, so the reply leaves with d's own address as its source";
    let fix = r#"d.sh("ip route replace default via 10.0.2.1")"#;
    let inject = "ip netns exec d ip route replace default via 10.0.2.254";
    assert_eq!(
        run("port_forward", inject, PF),
        fixed_from(PF, "d", cause, fix, None)
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_static_route_to_the_clients_by_the_second_line_bypasses_the_dnat() {
    let cause = "d's route `203.0.113.0/24 via 10.0.2.254 dev eth0` sends the reply to 203.0.113.10 via 10.0.2.254 (r3), not back through r2, which DNATed the request: only r2 can undo that DNAT, so the reply leaves with d's own address as its source";
    let fix = r#"d.sh("ip route replace 203.0.113.0/24 via 10.0.2.1")"#;
    let inject = "ip netns exec d ip route add 203.0.113.0/24 via 10.0.2.254";
    assert_eq!(
        run("port_forward", inject, PF),
        fixed_from(PF, "d", cause, fix, None)
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_healthy_port_forward_on_a_lan_with_two_routers_stays_clear_from() {
    assert_eq!(run("port_forward", "true", PF), clear_from(PF));
}

const APP: (&str, &str) = ("app", "203.0.113.10");

/// h's MASQUERADE as the lab writes it (it leaves br-back out on purpose).
const MASQ: &str =
    r#"-s 172.18.0.0/16 ! -o br-front -m comment --comment "netsh:compose_backend" -j MASQUERADE"#;

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_containers_default_on_the_backend_network_is_its_route_not_the_nat() {
    let cause = format!("app's route `default via 172.19.0.1 dev eth1` sends it from 172.19.0.2 by eth1, a network h does not masquerade (its rule `-t nat -A POSTROUTING {MASQ}` does not cover 172.19.0.2), while app's eth0 (172.18.0.2) is masqueraded, by way of h's 172.18.0.1: rt has no route back to 172.19.0.2 (Network is unreachable)");
    let fix = r#"app.sh("ip route replace default via 172.18.0.1 dev eth0")"#;
    let other = r#"h.sh("iptables -t nat -A POSTROUTING -s 172.19.0.0/16 -o eth0 -j MASQUERADE")"#;
    let inject = "ip -n app route replace default via 172.19.0.1 dev eth1";
    assert_eq!(
        run("compose_backend", inject, APP),
        fixed_from(APP, "app", &cause, fix, Some(other))
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_containers_route_to_the_server_by_the_backend_is_its_route_not_the_nat() {
    let cause = format!("app's route `203.0.113.0/24 via 172.19.0.1 dev eth1` sends it from 172.19.0.2 by eth1, a network h does not masquerade (its rule `-t nat -A POSTROUTING {MASQ}` does not cover 172.19.0.2), while app's eth0 (172.18.0.2) is masqueraded, by way of h's 172.18.0.1: rt has no route back to 172.19.0.2 (Network is unreachable)");
    let fix = r#"app.sh("ip route replace 203.0.113.0/24 via 172.18.0.1 dev eth0")"#;
    let other = r#"h.sh("iptables -t nat -A POSTROUTING -s 172.19.0.0/16 -o eth0 -j MASQUERADE")"#;
    let inject = "ip -n app route add 203.0.113.0/24 via 172.19.0.1 dev eth1";
    assert_eq!(
        run("compose_backend", inject, APP),
        fixed_from(APP, "app", &cause, fix, Some(other))
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_healthy_two_network_container_stays_clear_from() {
    assert_eq!(run("compose_backend", "true", APP), clear_from(APP));
}
