//! `netsh why` on a DNAT whose interface, source or protocol match is wrong (issue 13, round c,
//! cases c06 and c10): a Service DNAT for exactly the destination that misses the packet only by
//! its `-i`/`-s`/`-p` is named and its match fixed (never a route for the Service address "via a
//! pod"); a DMZ DNAT naming neither destination nor incoming link, which catches transit traffic
//! and sends it back into the LAN, is named and limited to the outside link (never a hairpin
//! MASQUERADE, and never `clear` while another host answers). Each case asserts the exact report
//! and a real ping after the fix.

mod support;

use support::why_lab::{blocked, clear, diagnose_at, diagnose_then};

/// One fault from `src`, named at `hop` and fixed: the report, then clear, then the real ping.
fn fixed_at(lab: &str, inject: &str, (src, dst): (&str, &str), hop: &str, cause: &str, fix: &str) {
    let got = diagnose_at(lab, "", inject, (src, dst), "", "");
    let want = blocked(dst, hop, cause, fix) + clear(dst).as_str();
    assert_eq!(got, want.replace("why ns1 →", &format!("why {src} →")));
}

/// A ping from pc that srv itself answers: its Icmp InEchos counter rises.
const SRV_ANSWERS: &str = r#"n() { ip netns exec srv awk '/^Icmp:/{ if (!h) { for (i=1;i<=NF;i++) if ($i=="InEchos") c=i; h=1 } else print $c }' /proc/net/snmp; }
a=$(n); ip netns exec pc ping -c1 -W2 203.0.113.10 >/dev/null 2>&1 && echo "ping ok" || echo "ping fails"
b=$(n); [ "$b" -gt "$a" ] && echo "srv answered" || echo "srv never saw it""#;

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_service_dnat_skipping_the_pod_bridge_is_named_and_widened() {
    fixed_at(
        "k8s_node",
        "ip netns exec n1 iptables -t nat -R PREROUTING 1 -d 10.96.0.10/32 ! -i cbr0 -p icmp -j DNAT --to-destination 10.244.1.3",
        ("p1", "10.96.0.10"),
        "n1",
        "n1's nat PREROUTING rule 1 `-t nat -A PREROUTING -d 10.96.0.10/32 ! -i cbr0 -p icmp -j DNAT --to-destination 10.244.1.3` would DNAT 10.96.0.10 to 10.244.1.3, but its `! -i cbr0` does not hold for the packet in on cbr0, so 10.96.0.10 is never translated and n1 has no route to it (Network is unreachable)",
        r#"n1.sh("iptables -t nat -R PREROUTING 1 -d 10.96.0.10/32 -p icmp -j DNAT --to-destination 10.244.1.3")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_service_dnat_for_another_pod_range_is_named_by_its_source() {
    fixed_at(
        "k8s_node",
        "ip netns exec n1 iptables -t nat -R PREROUTING 1 -s 10.244.2.0/24 -d 10.96.0.10/32 -p icmp -j DNAT --to-destination 10.244.1.3",
        ("p1", "10.96.0.10"),
        "n1",
        "n1's nat PREROUTING rule 1 `-t nat -A PREROUTING -s 10.244.2.0/24 -d 10.96.0.10/32 -p icmp -j DNAT --to-destination 10.244.1.3` would DNAT 10.96.0.10 to 10.244.1.3, but its `-s 10.244.2.0/24` does not hold for the packet from 10.244.1.2, so 10.96.0.10 is never translated and n1 has no route to it (Network is unreachable)",
        r#"n1.sh("iptables -t nat -R PREROUTING 1 -d 10.96.0.10/32 -p icmp -j DNAT --to-destination 10.244.1.3")"#,
    );
}

/// kube-proxy's shape: the KUBE-SERVICES rule for the ClusterIP, narrowed to the pod bridge,
/// misses a client on the underlay.
#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_kube_services_rule_narrowed_to_the_pods_is_named_for_an_outside_client() {
    fixed_at(
        "kube_nodes",
        "ip netns exec n1 iptables -t nat -R KUBE-SERVICES 1 -d 10.96.0.10/32 -i cbr0 -p icmp -j KUBE-SVC-DNS",
        ("ext", "10.96.0.10"),
        "n1",
        "n1's nat KUBE-SERVICES rule 1 `-t nat -A KUBE-SERVICES -d 10.96.0.10/32 -i cbr0 -p icmp -j KUBE-SVC-DNS` would lead 10.96.0.10 to its DNAT to 10.244.2.2, but its `-i cbr0` does not hold for the packet in on ul, so 10.96.0.10 is never translated and n1 has no route to it (Network is unreachable)",
        r#"n1.sh("iptables -t nat -R KUBE-SERVICES 1 -d 10.96.0.10/32 -p icmp -j KUBE-SVC-DNS")"#,
    );
}

/// c10: the ISP box's DMZ rule without `-i wan` turns rt2's outgoing ping back to rt2. The fix
/// is proved by srv's own echo counter (rt2 answering would make a ping pass as well).
#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_dmz_dnat_without_its_wan_link_is_named_and_limited_to_wan() {
    let got = diagnose_then(
        "dnat2",
        "",
        "ip netns exec rt1 iptables -t nat -A PREROUTING -j DNAT --to-destination 192.168.0.2",
        ("pc", "203.0.113.10"),
        "",
        SRV_ANSWERS,
    );
    let cause = "rt1's nat PREROUTING rule 1 `-t nat -A PREROUTING -j DNAT --to-destination 192.168.0.2` names no destination (-d) and no incoming link (-i), so it also catches the packet to 203.0.113.10 (not rt1's address: its way is out wan) in on lan and sends it to 192.168.0.2 back out lan, the side it came from";
    let fix =
        r#"rt1.sh("iptables -t nat -R PREROUTING 1 -i wan -j DNAT --to-destination 192.168.0.2")"#;
    let want = blocked("203.0.113.10", "rt1", cause, fix) + clear("203.0.113.10").as_str();
    let want = want.replace("why ns1 →", "why pc →") + "srv answered\n";
    assert_eq!(got, want);
}

/// a10's x1: a home router's "DMZ host" for ICMP without `-i wan` diverts the LAN's pings to
/// the internet to the nas.
#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_home_dmz_dnat_for_icmp_without_wan_is_named() {
    fixed_at(
        "home",
        "ip netns exec rt iptables -t nat -A PREROUTING -p icmp -j DNAT --to-destination 192.168.1.20",
        ("pc", "203.0.113.10"),
        "rt",
        "rt's nat PREROUTING rule 2 `-t nat -A PREROUTING -p icmp -j DNAT --to-destination 192.168.1.20` names no destination (-d) and no incoming link (-i), so it also catches the packet to 203.0.113.10 (not rt's address: its way is out wan) in on br-lan and sends it to 192.168.1.20 back out br-lan, the side it came from",
        r#"rt.sh("iptables -t nat -R PREROUTING 2 -i wan -p icmp -j DNAT --to-destination 192.168.1.20")"#,
    );
}

/// The DMZ rule as it should be (`-i wan`) leaves the LAN's way out alone, and srv answers.
#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_healthy_dmz_stays_clear_for_the_lan() {
    let got = diagnose_then(
        "dnat2",
        "",
        "ip netns exec rt1 iptables -t nat -A PREROUTING -i wan -j DNAT --to-destination 192.168.0.2",
        ("pc", "203.0.113.10"),
        "",
        SRV_ANSWERS,
    );
    let want = clear("203.0.113.10").replace("why ns1 →", "why pc →") + "srv answered\n";
    assert_eq!(got, want);
}

/// c10 after a hairpin MASQUERADE at rt1: rt2 itself answers the ping, so the probe "passes";
/// the too-broad DNAT still stands (never `clear` while another host answers for srv).
#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_dmz_dnat_answered_by_the_wrong_host_is_never_clear() {
    let inject = "ip netns exec rt1 sh -c 'iptables -t nat -A PREROUTING -j DNAT --to-destination 192.168.0.2; iptables -t nat -A POSTROUTING -s 192.168.0.2/32 -d 192.168.0.2/32 -j MASQUERADE'";
    let got = diagnose_then("dnat2", "", inject, ("pc", "203.0.113.10"), "", SRV_ANSWERS);
    let cause = "rt1's nat PREROUTING rule 1 `-t nat -A PREROUTING -j DNAT --to-destination 192.168.0.2` names no destination (-d) and no incoming link (-i), so it also catches the packet to 203.0.113.10 (not rt1's address: its way is out wan) in on lan and sends it to 192.168.0.2 back out lan, the side it came from";
    let fix =
        r#"rt1.sh("iptables -t nat -R PREROUTING 1 -i wan -j DNAT --to-destination 192.168.0.2")"#;
    let want = blocked("203.0.113.10", "rt1", cause, fix).replace(
        "probe: no reply from 203.0.113.10",
        "probe: 203.0.113.10 answers",
    ) + clear("203.0.113.10").as_str();
    let want = want.replace("why ns1 →", "why pc →") + "srv answered\n";
    assert_eq!(got, want);
}
