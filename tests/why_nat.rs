//! `netsh why` on NAT and conntrack faults that break a path quietly (issue 13, round u): each
//! lab is built in a sandbox by a script of tests/why, one fault is injected by hand, `why` must
//! name the namespace and the rule (or sysctl) in its exact words and give a fix in DSL form;
//! the fix is run as a script, `why` must then find the path clear, and a real ping (iputils)
//! must pass. Healthy variants must stay clear.

mod support;

use support::why_lab::{clear, diagnose, diagnose_at};

const H150: &str = "172.31.131.150";
const MASQ: &str = r#"-s 10.1.1.0/24 ! -o br0 -m comment --comment "netsh:l2_lan" -j MASQUERADE"#;

/// The l2_lan report when the host's nat POSTROUTING rule `exempt` (as -S prints it) keeps
/// ns1's request from being masqueraded, then clear after deleting it, then the ping.
fn exempted(inject: &str, exempt: &str) {
    let got = diagnose("l2_lan", "", inject, H150);
    let cause = format!(
        "host's nat POSTROUTING rule `-A POSTROUTING {exempt}` comes before `-A POSTROUTING {MASQ}`, so the request leaves with source 10.1.1.2 unchanged: h150 has no route back to 10.1.1.2 (Network is unreachable)"
    );
    let want = format!(
        "why ns1 → {H150}\n  [BROKEN] host: {cause}\n  fix: sh(\"iptables -t nat -D POSTROUTING {}\")\n  other way: h150.route(\"10.1.1.0/24\", \"172.31.131.149\")\n  probe: no reply from {H150}\nverdict: blocked — {cause}\nexit 1\n",
        exempt.replace('"', "\\\"")
    );
    assert_eq!(got, want + clear(H150).as_str());
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_nat_exemption_before_the_masquerade_is_named_and_deleted() {
    exempted(
        "iptables -t nat -I POSTROUTING 1 -s 10.1.1.0/24 -d 172.31.131.0/24 -j RETURN",
        "-s 10.1.1.0/24 -d 172.31.131.0/24 -j RETURN",
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn an_accept_for_one_host_before_the_masquerade_is_named() {
    exempted(
        "iptables -t nat -I POSTROUTING 1 -s 10.1.1.2/32 -o eth0 -j ACCEPT",
        "-s 10.1.1.2/32 -o eth0 -j ACCEPT",
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn an_exemption_behind_a_log_rule_is_named() {
    exempted(
        "iptables -t nat -I POSTROUTING 1 -d 172.31.131.150/32 -p icmp -j RETURN\n\
         iptables -t nat -I POSTROUTING 1 -j LOG --log-prefix nat-out",
        "-d 172.31.131.150/32 -p icmp -j RETURN",
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn an_exemption_for_other_networks_stays_clear() {
    let got = diagnose_at(
        "l2_lan",
        "",
        "iptables -t nat -I POSTROUTING 1 -s 10.1.1.0/24 -d 192.168.0.0/16 -j RETURN",
        ("ns1", H150),
        "",
        "",
    );
    assert_eq!(got, clear(H150));
}

const C2: &str = "10.50.0.3";

/// The ovl report (c1 → c2 over VXLAN through router r) for one direction of the tunnel whose
/// outer source r's nat POSTROUTING `rule` rewrites: (local VTEP, remote VTEP, new source,
/// learner, its inner sender, the other VTEP).
fn outer_rewritten(
    rule: &str,
    (local, remote, new): (&str, &str, &str),
    (far, inner): (&str, &str),
) -> String {
    let cause = format!(
        "r's nat POSTROUTING rule `-A POSTROUTING {rule}` rewrites the tunnel's outer source {local} to {new}, so {far} learns {inner}'s MAC behind {new} and sends its frames there"
    );
    let forget = format!("{far}.sh(\"bridge fdb flush dev vx0 self dynamic\")");
    format!(
        "why c1 → {C2}\n  [BROKEN] r: {cause}\n  fix: r.iptables(\"-t raw -I PREROUTING 1 -s {local} -d {remote} -p udp --dport 4789 -j NOTRACK\"); {forget}\n  other way: r.sh(\"iptables -t nat -D POSTROUTING {}\"); {forget}\n  probe: no reply from {C2}\nverdict: blocked — {cause}\nexit 1\n",
        rule.replace('"', "\\\"")
    )
}

/// c1 → c2 clear, then the real ping.
fn c2_clear() -> String {
    format!("why c1 → {C2}\n  probe: {C2} answers\nverdict: clear\nexit 0\nping ok\n")
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_catch_all_masquerade_on_the_underlay_router_is_named_each_way() {
    let got = diagnose_at(
        "ovl",
        "",
        "ip netns exec c1 ping -c1 -W2 10.50.0.3 >/dev/null\n\
         ip netns exec r iptables -t nat -A POSTROUTING -j MASQUERADE\n\
         ip netns exec c1 ping -c1 -W2 10.50.0.3 >/dev/null",
        ("c1", C2),
        "",
        "",
    );
    let want = outer_rewritten(
        "-j MASQUERADE",
        ("10.1.0.2", "10.2.0.2", "10.2.0.1"),
        ("d2", "c1"),
    ) + &outer_rewritten(
        "-j MASQUERADE",
        ("10.2.0.2", "10.1.0.2", "10.1.0.1"),
        ("d1", "c2"),
    ) + &c2_clear();
    assert_eq!(got, want);
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn an_snat_toward_the_far_vtep_is_named() {
    let got = diagnose_at(
        "ovl",
        "",
        "ip netns exec r iptables -t nat -A POSTROUTING -o b -j SNAT --to-source 10.2.0.1",
        ("c1", C2),
        "",
        "",
    );
    let want = outer_rewritten(
        "-o b -j SNAT --to-source 10.2.0.1",
        ("10.1.0.2", "10.2.0.2", "10.2.0.1"),
        ("d2", "c1"),
    ) + &c2_clear();
    assert_eq!(got, want);
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_masquerade_for_another_network_leaves_the_tunnel_clear() {
    let got = diagnose_at(
        "ovl",
        "",
        "ip netns exec r iptables -t nat -A POSTROUTING -s 10.9.0.0/24 -j MASQUERADE\n\
         ip netns exec r iptables -t nat -I POSTROUTING 1 -p udp --dport 4789 -j RETURN\n\
         ip netns exec r iptables -t nat -A POSTROUTING -j MASQUERADE",
        ("c1", C2),
        "",
        "",
    );
    assert_eq!(got, c2_clear());
}

const SRV: &str = "203.0.113.2";
const ICMP_TIMEOUT: &str = "net.netfilter.nf_conntrack_icmp_timeout";

/// The report when `ns`'s (script name `var`) ICMP conntrack timeout is `secs`: the echo's
/// entry is gone before the reply to `to` comes, so it is never turned back to `from`.
fn forgotten(
    src: &str,
    dst: &str,
    (ns, var): (&str, &str),
    secs: u32,
    (from, to): (&str, &str),
) -> String {
    let cause = format!(
        "{ns}'s {ICMP_TIMEOUT} is {secs}: the echo's conntrack entry expires at once, so the reply to {to} is never turned back to {from}"
    );
    format!(
        "why {src} → {dst}\n  [BROKEN] {ns}: {cause}\n  fix: {var}sysctl(\"{ICMP_TIMEOUT}\", 30)\n  probe: no reply from {dst}\nverdict: blocked — {cause}\nexit 1\n"
    )
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn an_icmp_conntrack_timeout_of_zero_on_the_nat_box_is_named() {
    let got = diagnose_at(
        "docker_gw",
        "",
        "ip netns exec c1 ping -c1 -W2 203.0.113.2 >/dev/null\n\
         ip netns exec gw sysctl -qw net.netfilter.nf_conntrack_icmp_timeout=0",
        ("c1", SRV),
        "",
        "",
    );
    let want = forgotten("c1", SRV, ("gw", "gw."), 0, ("172.17.0.2", "198.51.100.1"))
        + &format!("why c1 → {SRV}\n  probe: {SRV} answers\nverdict: clear\nexit 0\nping ok\n");
    assert_eq!(got, want);
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_zero_icmp_timeout_on_the_hosts_masquerade_is_named() {
    let got = diagnose(
        "l2_lan",
        "",
        "sysctl -qw net.netfilter.nf_conntrack_icmp_timeout=0",
        H150,
    );
    let want = forgotten("ns1", H150, ("host", ""), 0, ("10.1.1.2", "172.31.131.149"))
        + clear(H150).as_str();
    assert_eq!(got, want);
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_one_second_icmp_timeout_is_enough_and_stays_clear() {
    let got = diagnose_at(
        "docker_gw",
        "",
        "ip netns exec gw sysctl -qw net.netfilter.nf_conntrack_icmp_timeout=1",
        ("c1", SRV),
        "",
        "",
    );
    assert_eq!(
        got,
        format!("why c1 → {SRV}\n  probe: {SRV} answers\nverdict: clear\nexit 0\nping ok\n")
    );
}
