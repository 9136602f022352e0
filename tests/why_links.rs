//! `netsh why` on links that are down in ways easy to misread (issue 13, round u): a loopback
//! that is down or lost 127.0.0.1 under a DNAT to it, a stale route out a tun whose reader is
//! gone, a VXLAN port held down by protodown. Each lab is built in a sandbox by a script of
//! tests/why, one fault is injected by hand with `ip`, and `why` must name it in its exact
//! words with a fix in DSL form; the fix is run as a script, `why` then finds the path clear,
//! and a real ping passes. Healthy labs stay clear.

mod support;

use support::why_lab::{blocked, clear, diagnose_at, fixed};

/// The report from `src` (not ns1) of a blocked probe, then clear, then the real ping.
fn fixed_from(src: &str, dst: &str, hop: &str, cause: &str, fix: &str) -> String {
    let b = blocked(dst, hop, cause, fix) + clear(dst).as_str();
    b.replace("why ns1 →", &format!("why {src} →"))
}

// --- a loopback destination (u05): judged on the namespace's own lo, never routed away ---

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_loopback_down_without_its_address_under_a_dnat_to_127_0_0_1_is_named() {
    let got = diagnose_at(
        "kube_nodes",
        "",
        "ip netns exec n2 ip link set lo down && ip netns exec n2 ip addr flush dev lo",
        ("ext", "10.96.0.20"),
        "",
        "",
    );
    assert_eq!(
        got,
        fixed_from(
            "ext",
            "10.96.0.20",
            "n2",
            "n2's loopback lo is down (and holds no 127.0.0.1), so n2 has no route to 127.0.0.1",
            r#"n2.sh("ip link set lo up")"#,
        )
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_loopback_that_lost_127_0_0_1_gets_it_back_not_a_route_to_another_host() {
    let got = diagnose_at(
        "kube_nodes",
        "",
        "ip netns exec n2 ip addr del 127.0.0.1/8 dev lo",
        ("ext", "10.96.0.20"),
        "",
        "",
    );
    assert_eq!(
        got,
        fixed_from(
            "ext",
            "10.96.0.20",
            "n2",
            "n2's loopback lo holds no 127.0.0.1, so n2 has no route to 127.0.0.1",
            r#"n2.sh("ip addr add 127.0.0.1/8 dev lo")"#,
        )
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_healthy_node_local_service_on_127_0_0_1_stays_clear() {
    let got = diagnose_at("kube_nodes", "", "true", ("ext", "10.96.0.20"), "", "");
    assert_eq!(got, clear("10.96.0.20").replace("why ns1 →", "why ext →"));
}

// --- a stale route out a tun whose reader is gone (u08): the route, never ARP ---

const TUN: &str =
    "ip netns exec rt ip tuntap add dev tun0 mode tun && ip netns exec rt ip link set tun0 up";

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_stale_vpn_route_to_a_tun_without_reader_is_deleted() {
    fixed(
        "two_bridges",
        "",
        &format!("{TUN} && ip netns exec rt ip route add 10.30.2.0/25 dev tun0"),
        "10.30.2.10",
        "rt",
        "rt's route `10.30.2.0/25 dev tun0` sends 10.30.2.10 to tun0, a tun device whose reader \
         is gone (NO-CARRIER: no process holds it), so the kernel drops what it sends there, \
         while rt's `10.30.2.0/24 dev lanB` would reach it",
        r#"rt.sh("ip route del 10.30.2.0/25 dev tun0")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_stale_host_route_to_a_dead_tun_is_deleted() {
    fixed(
        "two_bridges",
        "",
        &format!("{TUN} && ip netns exec rt ip route add 10.30.2.10 dev tun0"),
        "10.30.2.10",
        "rt",
        "rt's route `10.30.2.10 dev tun0` sends 10.30.2.10 to tun0, a tun device whose reader \
         is gone (NO-CARRIER: no process holds it), so the kernel drops what it sends there, \
         while rt's `10.30.2.0/24 dev lanB` would reach it",
        r#"rt.sh("ip route del 10.30.2.10/32 dev tun0")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_dead_tun_that_routes_nothing_stays_clear() {
    let got = support::why_lab::diagnose("two_bridges", "", TUN, "10.30.2.10");
    assert_eq!(got, clear("10.30.2.10"));
}

// --- a VXLAN port held down by protodown (u10): the link, never the port's state ---

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_vxlan_port_in_protodown_is_named_and_released() {
    fixed(
        "evpn_pair",
        "",
        "ip netns exec h2 ip link set vx0 protodown on && sleep 2",
        "10.60.0.2",
        "h2",
        "vx0 in h2 is protodown (set by a control-plane daemon or by hand): the kernel keeps it \
         down, so br0 disables it",
        r#"h2.sh("ip link set vx0 protodown off")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn the_far_vxlan_port_that_is_down_is_named_not_its_port_state() {
    fixed(
        "evpn_pair",
        "",
        "ip netns exec h2 ip link set vx0 down",
        "10.60.0.2",
        "h2",
        "vx0 in h2 (the far end of vx0 in h1) is down",
        r#"h2.link("vx0").up()"#,
    );
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_healthy_evpn_pair_stays_clear() {
    let got = support::why_lab::diagnose("evpn_pair", "", "true", "10.60.0.2");
    assert_eq!(got, clear("10.60.0.2"));
}
