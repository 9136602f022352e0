//! `netsh why` when the reply comes back from the DNAT target, never un-DNATed (issue 13, round
//! a, extras x2-x3; round y, y01b; x1, a DMZ DNAT without `-i wan`, is a DNAT too broad: it is
//! named as such in why_dnat_scope.rs): NAT loopback on a home router, a Service without the
//! masquerade for outside clients, br_netfilter off under a Service whose endpoint shares the
//! client's bridge. A real ping passes before the fix (iputils takes a reply from another
//! source: `DIFFERENT ADDRESS!`), a TCP client does not; `why` named a drop inside the client.
//! Each case asserts the exact report, applies the fix, then proves it by `why`'s own probe
//! (clear: the reply now comes from the address asked) and a real ping answered by that address.

mod support;

use support::why_lab::{diagnose_then, home_tcp};

/// A ping from `src` to `dst`: "ping ok from DST" only when `dst` itself answers.
fn ping_from(src: &str, dst: &str) -> String {
    format!(
        r#"ip netns exec {src} ping -c1 -W2 {dst} 2>&1 | grep -q "from {dst}:" && echo "ping ok from {dst}" || echo "ping fails or answered by another address""#
    )
}

/// The fault `inject` in `lab`, seen first by a real ping (answered by another address), then
/// named at `hop` by `why src dst`, fixed, clear, and a ping answered by `dst`.
fn fixed(lab: &str, inject: &str, (src, dst): (&str, &str), hop: &str, cause: &str, fix: &str) {
    let first =
        format!("{inject}\nip netns exec {src} ping -c1 -W2 {dst} | grep -o 'DIFFERENT ADDRESS!'");
    let got = diagnose_then(lab, "", &first, (src, dst), "", &ping_from(src, dst));
    let want = format!(
        "DIFFERENT ADDRESS!\nwhy {src} → {dst}\n  [BROKEN] {hop}: {cause}\n  fix: {fix}\n  probe: no reply from {dst}\nverdict: blocked — {cause}\nexit 1\nwhy {src} → {dst}\n  probe: {dst} answers\nverdict: clear\nexit 0\nping ok from {dst}\n"
    );
    assert_eq!(got, want);
}

/// A healthy lab: clear, and the real ping answered by `dst` itself.
fn clear(lab: &str, (src, dst): (&str, &str)) {
    let got = diagnose_then(lab, "", "true", (src, dst), "", &ping_from(src, dst));
    let want = format!(
        "why {src} → {dst}\n  probe: {dst} answers\nverdict: clear\nexit 0\nping ok from {dst}\n"
    );
    assert_eq!(got, want);
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn nat_loopback_to_the_routers_own_wan_address_gets_its_masquerade() {
    // The classic hairpin: pc asks rt's public address, forwarded to nas on pc's own LAN.
    fixed(
        "home",
        "ip netns exec rt iptables -t nat -A PREROUTING -d 100.64.0.2 -p icmp -j DNAT --to-destination 192.168.1.20",
        ("pc", "100.64.0.2"),
        "rt",
        "pc's echo request to 100.64.0.2 was DNATed by rt to 192.168.1.20 (rule `-t nat -A PREROUTING -d 100.64.0.2/32 -p icmp -j DNAT --to-destination 192.168.1.20`), but nas's reply goes straight to pc on br-lan, not back through rt, so it is never un-DNATed: pc sees it from 192.168.1.20, not 100.64.0.2 (TCP/UDP clients drop it)",
        r#"rt.sh("iptables -t nat -I POSTROUTING 1 -s 192.168.1.0/24 -d 192.168.1.20 -o br-lan -j MASQUERADE")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_service_without_the_masquerade_for_outside_clients_is_answered_around_the_node() {
    // Before: "dropped inside ext by nothing netsh reads" (case x2).
    fixed(
        "kube_nodes",
        "ip netns exec n1 iptables -t nat -D KUBE-SVC-DNS 1",
        ("ext", "10.96.0.10"),
        "n1",
        "ext's echo request to 10.96.0.10 was DNATed by n1 to 10.244.2.2 (rule `-t nat -A KUBE-SEP-Q1 -p icmp -m comment --comment \"netsh:kube_nodes\" -j DNAT --to-destination 10.244.2.2`), but q1's reply goes to ext without passing n1, so it is never un-DNATed: ext sees it from 10.244.2.2, not 10.96.0.10 (TCP/UDP clients drop it)",
        r#"n1.sh("iptables -t nat -I POSTROUTING 1 -d 10.244.2.2 -o ul -m conntrack --ctstate DNAT -j MASQUERADE")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn br_netfilter_off_under_a_service_on_the_clients_bridge_is_turned_back_on() {
    // Before: "dropped inside p1 by nothing netsh reads" (cases x3, y01b).
    fixed(
        "k8s_node",
        "ip netns exec n1 sysctl -qw net.bridge.bridge-nf-call-iptables=0",
        ("p1", "10.96.0.10"),
        "n1",
        "p1's echo request to 10.96.0.10 was DNATed by n1 to 10.244.1.3 (rule `-t nat -A PREROUTING -d 10.96.0.10/32 -p icmp -m comment --comment \"netsh:k8s_node\" -j DNAT --to-destination 10.244.1.3`), but p2's reply to p1 is switched by n1's bridge cbr0 without passing iptables (net.bridge.bridge-nf-call-iptables is 0), so it is never un-DNATed: p1 sees it from 10.244.1.3, not 10.96.0.10 (TCP/UDP clients drop it)",
        r#"n1.sh("sysctl -w net.bridge.bridge-nf-call-iptables=1")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn the_healthy_service_on_the_clients_bridge_is_clear() {
    clear("k8s_node", ("p1", "10.96.0.10"));
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn the_healthy_service_from_outside_the_cluster_is_clear() {
    clear("kube_nodes", ("ext", "10.96.0.10"));
}

/// The home lab with a service on nas:80 and `fault`: `why pc 100.64.0.2:8080`, its fix, again,
/// then a real connect from pc.
fn loopback_tcp(fault: &str) -> String {
    home_tcp("pc", fault)
}

#[test]
#[ignore = "needs iproute2, iptables"]
fn a_port_forward_reached_from_the_lan_gets_its_nat_loopback() {
    // The port forward without `-i wan`: pc's SYN reaches nas, whose SYN-ACK pc never takes.
    let got = loopback_tcp("ip netns exec rt iptables -t nat -A PREROUTING -d 100.64.0.2 -p tcp --dport 8080 -j DNAT --to-destination 192.168.1.20:80");
    let cause = "pc's SYN to 100.64.0.2:8080 was DNATed by rt to 192.168.1.20:80 (rule `-t nat -A PREROUTING -d 100.64.0.2/32 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 192.168.1.20:80`), but nas's reply goes straight to pc on br-lan, not back through rt, so it is never un-DNATed: pc sees it from 192.168.1.20:80, not 100.64.0.2:8080 (its TCP stack drops it)";
    let fix = r#"rt.sh("iptables -t nat -I POSTROUTING 1 -s 192.168.1.0/24 -d 192.168.1.20 -o br-lan -j MASQUERADE")"#;
    let want = format!(
        "why pc → 100.64.0.2:8080\n  [BROKEN] rt: {cause}\n  fix: {fix}\n  probe: no answer from 100.64.0.2:8080 (the SYN timed out)\nverdict: blocked — {cause}\nexit 1\nwhy pc → 100.64.0.2:8080\n  probe: 100.64.0.2:8080 port reachable, listener answered\nverdict: clear\nexit 0\nconnect ok\n"
    );
    assert_eq!(got, want);
}
