//! `netsh why` sees the probe inside VXLAN (issue 13, round z, z05): on the underlay routers
//! only the outer UDP packets pass, so the capture decodes them (outer IP/UDP, the VXLAN header,
//! the inner frame's echo) and the evidence follows the tunnel router by router. A route lost on
//! an underlay router, on the request's way or the reply's, is then where the packets are last
//! seen too: the analysis's finding stands, with a route as its fix, and a real ping passes.
//! The underlay routers are watched even where the analysis names none of them, so a far VTEP
//! that drops the tunnel's UDP is where the evidence ends too. The same over an IPv6 underlay.
//! A healthy overlay over routers stays clear.

mod support;

use support::sandbox;
use support::why_lab::{clear, diagnose, fixed};

const LAB: &str = "vxlan_routers";
const T2: &str = "10.60.0.2";

/// `inject` after a ping while healthy: the neighbours are known, so the probe's echoes go out
/// at once and the capture sees where they stop (as in the lab a user had working).
fn warm(inject: &str) -> String {
    format!("ip netns exec ns1 ping -c1 -W2 {T2} >/dev/null || echo 'no baseline'; {inject}")
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn the_underlay_route_back_lost_on_the_second_router_is_named_with_its_route() {
    fixed(
        LAB,
        "",
        &warm("ip -n u2 route del 192.0.2.0/24"),
        T2,
        "u2",
        "u2 has no route to 192.0.2.1: the tunnel's underlay packets back to 192.0.2.1 stop there",
        r#"u2.route("192.0.2.0/24", "10.255.0.1")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn the_underlay_route_on_lost_on_the_first_router_is_named_with_its_route() {
    fixed(
        LAB,
        "",
        &warm("ip -n u1 route del 198.51.100.0/24"),
        T2,
        "u1",
        "u1 has no route to 198.51.100.2: vx0's underlay packets to its remote 198.51.100.2 stop there",
        r#"u1.route("198.51.100.0/24", "10.255.0.2")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_healthy_overlay_over_two_routers_stays_clear() {
    assert_eq!(diagnose(LAB, "", "true", T2), clear(T2));
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn the_evidence_follows_the_reply_inside_vxlan_to_the_router_that_lost_it() {
    let script = format!(
        r#"cd "{dir}"
"$NETSH" run tests/why/{LAB}.rhai >/dev/null 2>&1 || echo "build failed"
# A ping while healthy: the neighbours are known, so the probe's echoes go out at once.
ip netns exec ns1 ping -c1 -W2 {T2} >/dev/null || echo "no baseline"
ip -n u2 route del 192.0.2.0/24
"$NETSH" why ns1 {T2} > /run/why.out
grep -E 'was seen|BROKEN' /run/why.out"#,
        dir = env!("CARGO_MANIFEST_DIR")
    );
    let out = sandbox(&script);
    out.assert_success();
    assert_eq!(
        out.stdout,
        "  [BROKEN] u2: u2 has no route to 192.0.2.1: the tunnel's underlay packets back to 192.0.2.1 stop there\n\
         \x20 [ok] t2: the request was seen at ns1 (out eth0), h1 (in tp1, out vx0), h2 (in vx0, out tp2), t2 (in eth0): it reached t2\n\
         \x20 [ok] u2: the reply was seen at t2 (out eth0), h2 (in tp2, out vx0), h2 (out ul, inside VXLAN 42), u2 (in b, inside VXLAN 42): last seen in u2\n"
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn replies_dropped_on_an_ipv6_underlay_router_are_seen_there_and_the_rule_named() {
    fixed(
        "vxlan_v6_underlay",
        "",
        &warm("ip netns exec u ip6tables -A FORWARD -p udp -s 2001:db8:2::2 -j DROP"),
        T2,
        "u",
        "u drops the tunnel's underlay packets back to 2001:db8:1::1 by ip6tables `-t filter -A FORWARD -s 2001:db8:2::2/128 -p udp -j DROP`",
        r#"u.sh("ip6tables -t filter -D FORWARD -s 2001:db8:2::2/128 -p udp -j DROP")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn requests_dropped_on_the_first_router_are_seen_there_and_the_rule_named() {
    fixed(
        LAB,
        "",
        &warm("ip netns exec u1 iptables -A FORWARD -p udp --dport 4789 -j DROP"),
        T2,
        "u1",
        "u1 drops vx0's underlay packets to its remote 198.51.100.2 by `-t filter -A FORWARD -p udp -m udp --dport 4789 -j DROP`",
        r#"u1.sh("iptables -t filter -D FORWARD -p udp -m udp --dport 4789 -j DROP")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn the_far_vtep_dropping_the_requests_tunnel_udp_is_where_the_evidence_ends() {
    fixed(
        LAB,
        "",
        &warm("ip netns exec h2 iptables -A INPUT -p udp --dport 4789 -j DROP"),
        T2,
        "h2",
        "h2's INPUT chain drops the tunnel's UDP to 198.51.100.2 port 4789 from 192.0.2.1 (rule `-p udp -m udp --dport 4789 -j DROP`): vx0's frames do not get through",
        r#"h2.sh("iptables -D INPUT -p udp -m udp --dport 4789 -j DROP")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn the_near_vtep_dropping_the_replies_tunnel_udp_is_where_the_evidence_ends() {
    fixed(
        LAB,
        "",
        &warm("ip netns exec h1 iptables -A INPUT -p udp -s 198.51.100.2 -j DROP"),
        T2,
        "h1",
        "h1's INPUT chain drops the tunnel's UDP back to 192.0.2.1 port 4789 from 198.51.100.2 (rule `-s 198.51.100.2/32 -p udp -j DROP`): vx0's frames do not get through",
        r#"h1.sh("iptables -D INPUT -s 198.51.100.2/32 -p udp -j DROP")"#,
    );
}

/// The far VXLAN remade by hand (round f, case 3): the request is seen arriving at the far
/// host inside the tunnel, which is where the analysis puts the fault too, so its finding (and
/// its fix, which remakes the far VXLAN) stands.
fn far_vxlan_remade(args: &str) -> String {
    format!(
        "ip netns exec ns1 ping -c1 -W2 10.50.0.2 >/dev/null || echo 'no baseline'; \
         ip -n h2 link del vx0; ip -n h2 link add vx0 type vxlan id {args} local 192.0.2.2 remote 192.0.2.1 dev ul; \
         ip -n h2 link set vx0 master br0 up"
    )
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_far_vxlan_remade_without_its_port_is_named_at_the_far_host() {
    fixed(
        "vxlan_pair",
        "",
        &far_vxlan_remade("100"),
        "10.50.0.2",
        "h2",
        "the L2 path over the tunnel ends at vx0 in h1: h2 at 192.0.2.2 has no VXLAN with VNI 100 port 4789 (it has vx0 VNI 100 port 8472 remote 192.0.2.1; wrong port)",
        r#"h2.link("vx0").del(#{ adopted: true }); h2.vxlan("vx0", #{ id: 100, remote: "192.0.2.1", local: "192.0.2.2", dev: "ul", port: 4789 }).master(h2.link("br0")).up()"#,
    );
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_far_vxlan_remade_with_another_vni_is_named_at_the_far_host() {
    fixed(
        "vxlan_pair",
        "",
        &far_vxlan_remade("101 dstport 4789"),
        "10.50.0.2",
        "h2",
        "the L2 path over the tunnel ends at vx0 in h1: h2 at 192.0.2.2 has no VXLAN with VNI 100 port 4789 (it has vx0 VNI 101 port 4789 remote 192.0.2.1; wrong VNI)",
        r#"h2.link("vx0").del(#{ adopted: true }); h2.vxlan("vx0", #{ id: 100, remote: "192.0.2.1", local: "192.0.2.2", dev: "ul", port: 4789 }).master(h2.link("br0")).up()"#,
    );
}
