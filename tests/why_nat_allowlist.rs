//! `netsh why` when a router's FORWARD allowlist by source is missed because a router before it
//! rewrote the source (unseen case e05): r2 accepts only ns1's subnet (policy DROP, ESTABLISHED
//! let back), and r1 got a MASQUERADE (or SNAT) toward r2, so the request arrives from r1's
//! address. The break is said at r2 as r1's NAT's doing and the fix deletes that rule, never
//! r2's policy opened. An allowlist by link, which the NAT does not touch, keeps its result.

mod support;

use support::why_lab::{clear, diagnose, fixed};

/// r2's allowlist on the chain lab (ns1 — r1 — r2 — d): replies, then `allow`, then the policy.
fn allowlist(allow: &str) -> String {
    format!(
        "ip netns exec r2 iptables -A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n\
         ip netns exec r2 iptables -A FORWARD {allow} -j ACCEPT\n\
         ip netns exec r2 iptables -P FORWARD DROP\n"
    )
}

const D: &str = "10.0.2.2";
const MASQ: &str = "ip netns exec r1 iptables -t nat -A POSTROUTING -o right -j MASQUERADE";

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_masquerade_upstream_is_what_makes_the_allowlist_miss() {
    let inject = allowlist("-s 10.0.0.0/24") + MASQ;
    fixed(
        "chain",
        "-p n=2",
        &inject,
        D,
        "r2",
        "r2's FORWARD chain drops left → right (policy DROP): it arrives from 10.0.1.1 (r1's MASQUERADE `-t nat -A POSTROUTING -o right -j MASQUERADE` rewrote 10.0.0.1), and rule `-A FORWARD -s 10.0.0.0/24 -j ACCEPT` would accept the original source",
        r#"r1.sh("iptables -t nat -D POSTROUTING -o right -j MASQUERADE")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_snat_to_source_upstream_on_the_routers_lab_is_named_the_same_way() {
    let inject = "ip netns exec g2 iptables -A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n\
                  ip netns exec g2 iptables -A FORWARD -s 172.20.0.0/29 -j ACCEPT\n\
                  ip netns exec g2 iptables -P FORWARD DROP\n\
                  ip netns exec g1 iptables -t nat -A POSTROUTING -o nx -j SNAT --to-source 172.20.1.1";
    fixed(
        "routers",
        "",
        inject,
        "172.20.4.2",
        "g2",
        "g2's FORWARD chain drops pv → nx (policy DROP): it arrives from 172.20.1.1 (g1's SNAT `-t nat -A POSTROUTING -o nx -j SNAT --to-source 172.20.1.1` rewrote 172.20.0.1), and rule `-A FORWARD -s 172.20.0.0/29 -j ACCEPT` would accept the original source",
        r#"g1.sh("iptables -t nat -D POSTROUTING -o nx -j SNAT --to-source 172.20.1.1")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn an_allowlist_by_link_is_not_touched_by_the_nat_and_stays_clear() {
    let inject = allowlist("-i left -o right") + MASQ;
    assert_eq!(diagnose("chain", "-p n=2", &inject, D), clear(D));
}

/// The allowlist names only the other direction: the policy drops the request whatever its
/// source, so the NAT is not blamed and the existing answer stands.
#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn an_allowlist_by_link_that_misses_with_or_without_the_nat_blames_the_policy() {
    let inject = allowlist("-i right -o left") + MASQ;
    fixed(
        "chain",
        "-p n=2",
        &inject,
        D,
        "r2",
        "r2's FORWARD chain drops left → right (policy DROP)",
        r#"r2.forward(#{ "in": "left", out: "right", src: "10.0.1.1", dst: "10.0.2.2", proto: "icmp" })"#,
    );
}

/// Healthy: the allowlist by source and no NAT upstream.
#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn the_allowlist_without_the_nat_stays_clear() {
    let inject = allowlist("-s 10.0.0.0/24");
    assert_eq!(diagnose("chain", "-p n=2", &inject, D), clear(D));
}
