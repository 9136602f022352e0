//! `netsh why` reading what it did not read before (issue 13, rounds v and w): x_tables
//! (iptables-legacy) chains kept beside the nf_tables rules, both of which the kernel runs;
//! an XDP program left on a link, which drops packets before anything else sees them (the
//! prebuilt tests/why/xdp_drop.o, source beside it, so only iproute2 is needed).
//! Each lab is built in a sandbox by a script of tests/why, one fault is injected by hand, and
//! `why` must name it in its exact words with a fix in DSL form; the fix is run as a script,
//! `why` then finds the path clear, and a real ping passes. Healthy variants stay clear.

mod support;

use support::why_lab::{blocked, clear, diagnose_at};

const SRV: &str = "203.0.113.2";

/// The docker_gw lab's c1 → srv, after `inject`.
fn from_c1(inject: &str) -> String {
    diagnose_at("docker_gw", "", inject, ("c1", SRV), "", "")
}

fn c1(s: String) -> String {
    s.replace("why ns1 →", "why c1 →")
}

const LEGACY: &str = "gw's iptables-legacy (x_tables, run beside its nf_tables rules)";

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_legacy_forward_policy_drop_beside_docker_s_nft_rules_is_named() {
    let got = from_c1("ip netns exec gw iptables-legacy -P FORWARD DROP");
    let cause = format!(
        "the request arrived in gw on docker0 but never left on eth0: {LEGACY} drops it by the filter FORWARD policy DROP"
    );
    let fix = format!(
        "{}; {}",
        r#"gw.sh("iptables-legacy -t filter -I FORWARD 1 -i docker0 -o eth0 -s 172.17.0.2 -d 203.0.113.2 -p icmp -j ACCEPT")"#,
        r#"gw.sh("iptables-legacy -t filter -I FORWARD 1 -i eth0 -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT")"#
    );
    assert_eq!(got, c1(blocked(SRV, "gw", &cause, &fix) + &clear(SRV)));
}

/// A legacy table that holds rules makes the namespace legacy to netsh (its writes go there):
/// the rule is named by its counter, and the fix is inserted into the legacy FORWARD.
#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_legacy_forward_rule_dropping_the_containers_is_named_by_its_counter() {
    let got = from_c1("ip netns exec gw iptables-legacy -A FORWARD -s 172.17.0.0/16 -j DROP");
    let cause = "gw's FORWARD chain drops the probe: rule `-A FORWARD -s 172.17.0.0/16 -j DROP` (its packet counter rose by the probe's packet)";
    let fix = r#"gw.iptables("-I FORWARD 1 -i docker0 -o eth0 -s 172.17.0.2 -d 203.0.113.2 -p icmp -j ACCEPT")"#;
    assert_eq!(got, c1(blocked(SRV, "gw", cause, fix) + &clear(SRV)));
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_legacy_mangle_forward_policy_drop_is_named() {
    let got = from_c1("ip netns exec gw iptables-legacy -t mangle -P FORWARD DROP");
    let cause = format!(
        "the request arrived in gw on docker0 but never left on eth0: {LEGACY} drops it by the mangle FORWARD policy DROP"
    );
    let fix = format!(
        "{}; {}",
        r#"gw.sh("iptables-legacy -t mangle -I FORWARD 1 -i docker0 -o eth0 -s 172.17.0.2 -d 203.0.113.2 -p icmp -j ACCEPT")"#,
        r#"gw.sh("iptables-legacy -t mangle -I FORWARD 1 -i eth0 -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT")"#
    );
    assert_eq!(got, c1(blocked(SRV, "gw", &cause, &fix) + &clear(SRV)));
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_legacy_input_policy_drop_at_the_gateway_is_named() {
    let got = diagnose_at(
        "docker_gw",
        "",
        "ip netns exec gw iptables-legacy -P INPUT DROP",
        ("c1", "172.17.0.1"),
        "",
        "",
    );
    let cause = format!(
        "the request reached gw on docker0, but gw sent no reply: {LEGACY} drops it by the filter INPUT policy DROP"
    );
    let fix = r#"gw.sh("iptables-legacy -t filter -I INPUT 1 -i docker0 -s 172.17.0.2 -d 172.17.0.1 -p icmp -j ACCEPT")"#;
    let dst = "172.17.0.1";
    assert_eq!(got, c1(blocked(dst, "gw", &cause, fix) + &clear(dst)));
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn legacy_tables_that_accept_stay_clear() {
    let got = from_c1(
        "ip netns exec gw iptables-legacy -A FORWARD -i docker0 -j ACCEPT; ip netns exec gw iptables-legacy -t mangle -A PREROUTING -s 10.9.9.9 -j DROP",
    );
    assert_eq!(got, c1(clear(SRV)));
}

const SRV10: &str = "203.0.113.10";

/// The container_host lab's c1 → srv, after `inject`; XDP program ids (they grow) as N, and
/// an unanswered neighbour as FAILED (INCOMPLETE until its last solicitation times out).
fn host_c1(inject: &str) -> String {
    let got = diagnose_at("container_host", "", inject, ("c1", SRV10), "", "");
    let mut out = String::new();
    let mut rest = got.as_str();
    while let Some(i) = rest.find("prog id ") {
        out.push_str(&rest[..i + 8]);
        rest = rest[i + 8..].trim_start_matches(|c: char| c.is_ascii_digit());
        out.push('N');
    }
    (out + rest).replace("(neighbour INCOMPLETE)", "(neighbour FAILED)")
}

/// The report naming the XDP program on `dev` of `ns` (mode `mode`) where `lost` vanished.
fn xdp_named(lost: &str, ns: &str, dev: &str, mode: &str) -> String {
    let cause = format!(
        "{lost}: {dev} in {ns} has an XDP program attached ({mode}, prog id N), which runs before anything else sees a packet and may drop it"
    );
    let fix = format!(r#"{ns}.sh("ip link set dev {dev} {mode} off")"#);
    c1(blocked(SRV10, ns, &cause, &fix) + &clear(SRV10))
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_leftover_generic_xdp_program_on_the_uplink_is_named_and_detached() {
    // With no traffic before, rt's ARP answers are what it drops first.
    let got = host_c1("ip -n h link set dev eth0 xdpgeneric obj tests/why/xdp_drop.o sec xdp");
    let lost = "the request arrived in h on docker0 but never left on eth0: 10.10.0.1 does not answer ARP on eth0 (neighbour FAILED)";
    assert_eq!(got, xdp_named(lost, "h", "eth0", "xdpgeneric"));
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_generic_xdp_program_on_the_uplink_after_traffic_is_named_where_the_reply_vanished() {
    let got = host_c1(
        "ip netns exec c1 ping -c1 -W2 203.0.113.10 >/dev/null; ip -n h link set dev eth0 xdpgeneric obj tests/why/xdp_drop.o sec xdp",
    );
    let lost = "the reply left rt on lan but never arrived on h's eth0";
    assert_eq!(got, xdp_named(lost, "h", "eth0", "xdpgeneric"));
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn an_xdp_program_on_a_containers_host_side_veth_is_named() {
    let got = host_c1("ip -n h link set dev vethc1 xdpgeneric obj tests/why/xdp_drop.o sec xdp");
    let lost = "172.17.0.1 does not answer ARP on eth0 in c1 (neighbour FAILED)";
    assert_eq!(got, xdp_named(lost, "h", "vethc1", "xdpgeneric"));
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_native_xdp_program_on_the_servers_veth_is_named_in_its_mode() {
    let got = host_c1("ip -n srv link set dev eth0 xdpdrv obj tests/why/xdp_drop.o sec xdp");
    let lost = "the request arrived in rt on lan but never left on wan: 203.0.113.10 does not answer ARP on wan (neighbour FAILED)";
    assert_eq!(got, xdp_named(lost, "srv", "eth0", "xdpdrv"));
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn an_xdp_program_off_the_path_stays_clear() {
    let got = host_c1("ip -n h link set dev vethc2 xdpgeneric obj tests/why/xdp_drop.o sec xdp");
    assert_eq!(got, c1(clear(SRV10)));
}

const T2: &str = "10.60.0.2";
const TO_H2: &str = "vx0's underlay packets to its remote 198.51.100.2";

/// The vxlan_routed lab's ns1 → t2 across the overlay, after `inject` (u drops realm 7).
fn overlay(inject: &str) -> String {
    diagnose_at("vxlan_routed", "", inject, ("ns1", T2), "", "")
}

/// u's connected route to h2's segment, tagged with `realm`.
fn tagged(realm: u32) -> String {
    format!(
        "ip -n u route replace 198.51.100.0/24 dev b proto kernel scope link src 198.51.100.254 realm {realm}"
    )
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn an_underlay_route_tagged_with_a_dropped_realm_is_named_and_untagged() {
    let got = overlay(&tagged(7));
    let cause = format!(
        "u drops {TO_H2} by `-t filter -A FORWARD -m realm --realm 0x7 -j DROP`: its route `198.51.100.0/24 dev b` tags them with realm 7"
    );
    let fix = r#"u.sh("ip route replace 198.51.100.0/24 dev b")"#;
    assert_eq!(got, blocked(T2, "u", &cause, fix) + &clear(T2));
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn an_underlay_router_dropping_vxlan_s_port_is_named_at_its_rule() {
    let got = overlay("ip netns exec u iptables -I FORWARD -p udp --dport 4789 -j DROP");
    let cause =
        format!("u drops {TO_H2} by `-t filter -A FORWARD -p udp -m udp --dport 4789 -j DROP`");
    let fix = r#"u.sh("iptables -t filter -D FORWARD -p udp -m udp --dport 4789 -j DROP")"#;
    assert_eq!(got, blocked(T2, "u", &cause, fix) + &clear(T2));
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn an_underlay_route_in_another_realm_stays_clear() {
    assert_eq!(overlay(&tagged(5)), clear(T2));
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn the_way_back_tagged_with_the_dropped_realm_is_named() {
    let got = overlay(
        "ip -n u route replace 192.0.2.0/24 dev a proto kernel scope link src 192.0.2.254 realm 7",
    );
    let cause = "u drops the tunnel's underlay packets back to 192.0.2.1 by `-t filter -A FORWARD -m realm --realm 0x7 -j DROP`: its route `192.0.2.0/24 dev a` tags them with realm 7";
    let fix = r#"u.sh("ip route replace 192.0.2.0/24 dev a")"#;
    assert_eq!(got, blocked(T2, "u", cause, fix) + &clear(T2));
}
