//! `netsh why` when no policy rule reaches table main (unseen round d, case d04: `ip rule
//! flush` leaves only `0: from all lookup local`), and when a stateful underlay firewall drops
//! a VXLAN's packets back (case d03): the fix opens the tunnel's UDP port, never the whole
//! firewall. Each case builds a lab of tests/why in a sandbox, injects the fault by hand,
//! asserts the exact report, applies the fix and proves it with a real ping.

mod support;

use support::why_lab::{blocked, clear, diagnose, diagnose_at, fixed};

const D: &str = "10.0.3.2";
const SRV: &str = "203.0.113.10";
const T2: &str = "10.60.0.2";

/// `blocked` then `clear`, from the namespace `src`.
fn fixed_at(src: &str, dst: &str, hop: &str, cause: &str, fix: &str) -> String {
    (blocked(dst, hop, cause, fix) + clear(dst).as_str())
        .replace("why ns1 ", &format!("why {src} "))
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_flushed_rule_list_is_named_and_the_stock_rules_come_back() {
    let got = diagnose_at(
        "home",
        "",
        "ip netns exec rt ip rule flush",
        ("pc", SRV),
        "",
        "",
    );
    assert_eq!(
        got,
        fixed_at(
            "pc",
            SRV,
            "rt",
            "no policy rule of rt looks up table main (its rules: `0: from all lookup local`), so its routes there (`default via 100.64.0.1 dev wan`) are never used: rt has no route to 203.0.113.10 (Network is unreachable)",
            r#"rt.sh("ip rule add pref 32766 lookup main"); rt.sh("ip rule add pref 32767 lookup default")"#,
        )
    );
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_deleted_main_rule_on_a_router_is_named_and_put_back() {
    fixed(
        "chain",
        "",
        "ip -n r2 rule del pref 32766",
        D,
        "r2",
        "no policy rule of r2 looks up table main (its rules: `0: from all lookup local`, `32767: from all lookup default`), so its routes there (`10.0.3.0/24 via 10.0.2.2 dev right`) are never used: r2 has no route to 10.0.3.2 (Network is unreachable)",
        r#"r2.sh("ip rule add pref 32766 lookup main")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn main_looked_up_at_another_priority_stays_clear() {
    let got = diagnose(
        "chain",
        "",
        "ip -n r2 rule add pref 100 lookup main; ip -n r2 rule del pref 32766",
        D,
    );
    assert_eq!(got, clear(D));
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn with_the_route_lost_too_the_rules_come_first_then_the_route() {
    // Main lost the route as well as its rule: a route via 10.0.2.2 would be refused
    // (ENETUNREACH) while no rule reads main's connected route to it, so the rules come first.
    let got = diagnose(
        "chain",
        "",
        "ip -n r2 rule flush; ip -n r2 route del 10.0.3.0/24",
        D,
    );
    let rules = blocked(
        D,
        "r2",
        "no policy rule of r2 looks up table main (its rules: `0: from all lookup local`), so its routes there are never used (and none of them reaches 10.0.3.2): r2 has no route to 10.0.3.2 (Network is unreachable)",
        r#"r2.sh("ip rule add pref 32766 lookup main"); r2.sh("ip rule add pref 32767 lookup default")"#,
    );
    let route = blocked(
        D,
        "r2",
        "r2 has no route to 10.0.3.2 (Network is unreachable)",
        r#"r2.route("10.0.3.0/24", "10.0.2.2")"#,
    );
    assert_eq!(got, rules + route.as_str() + clear(D).as_str());
}

const STATEFUL: &str = "ip netns exec u iptables -P FORWARD DROP; ip netns exec u iptables -A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT; ip netns exec u iptables -A FORWARD -i a -o b -j ACCEPT";

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_stateful_underlay_firewall_gets_the_vxlan_port_not_policy_accept() {
    fixed(
        "vxlan_fw",
        "",
        STATEFUL,
        T2,
        "u",
        "u drops the tunnel's underlay packets back to 192.0.2.1 by the filter FORWARD policy DROP (VXLAN's source port is a hash of the inner flow, so the packets back are not replies to the conntrack entry of the packets out)",
        r#"u.sh("iptables -I FORWARD 1 -i b -o a -p udp --dport 4789 -j ACCEPT")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn an_underlay_policy_drop_is_opened_per_direction_and_kept() {
    let got = diagnose(
        "vxlan_fw",
        "",
        "ip netns exec u iptables -P FORWARD DROP",
        T2,
    );
    let out = "u drops vx0's underlay packets to its remote 198.51.100.2 by the filter FORWARD policy DROP";
    let back =
        "u drops the tunnel's underlay packets back to 192.0.2.1 by the filter FORWARD policy DROP";
    let want = blocked(
        T2,
        "u",
        out,
        r#"u.sh("iptables -I FORWARD 1 -i a -o b -p udp --dport 4789 -j ACCEPT")"#,
    ) + blocked(
        T2,
        "u",
        back,
        r#"u.sh("iptables -I FORWARD 1 -i b -o a -p udp --dport 4789 -j ACCEPT")"#,
    )
    .as_str()
        + clear(T2).as_str();
    assert_eq!(got, want);
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_stateful_underlay_firewall_with_the_vxlan_port_open_stays_clear() {
    let inject = format!(
        "{STATEFUL}; ip netns exec u iptables -I FORWARD 1 -i b -o a -p udp --dport 4789 -j ACCEPT"
    );
    assert_eq!(diagnose("vxlan_fw", "", &inject, T2), clear(T2));
}
