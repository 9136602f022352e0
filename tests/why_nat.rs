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
