//! `netsh why` on native nftables rulesets of the user's own (not iptables-nft's), on the chain
//! lab (ns1 — r1 — r2 — d). A base chain whose policy drops the packet, no rule accepting it,
//! is named by family, table and chain with "policy drop", and the fix inserts an accept for
//! this flow only (in a forward chain, its replies too when the policy drops them), never the
//! policy: on a router's forward chain, the destination's input, the sender's output, in the
//! inet and ip families, and on the reply's way. A native nft masquerade upstream of an
//! iptables allowlist by source is named by table, chain and handle and deleted by handle.
//! Each case asserts the exact report, applies the fix, and proves it with a real ping.

mod support;

use support::why_lab::{clear, diagnose, fixed};

const D: &str = "10.0.2.2";

/// `table FAMILY NAME { chain CHAIN { type filter hook HOOK priority 0; policy drop; RULES } }`
/// loaded in `ns` with nft.
fn table(ns: &str, family_name: &str, chain: &str, rules: &str) -> String {
    format!(
        "ip netns exec {ns} nft -f - <<'X'\ntable {family_name} {{\n  chain {chain} {{ type filter hook {chain} priority 0; policy drop; {rules} }}\n}}\nX\n"
    )
}

const SH: &str = "nft insert rule";
const REQ_ACCEPT: &str = "ip saddr 10.0.0.1 ip daddr 10.0.2.2 meta l4proto icmp accept";
const REPLY_ACCEPT: &str =
    "ip saddr 10.0.2.2 ip daddr 10.0.0.1 ct state established,related accept";

/// (ns, table, chain, rules, hop, where it was lost, what was dropped, fix's rules).
type Case = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
);

const REQUEST: &str = "the echo request from 10.0.0.1 to 10.0.2.2";
const REPLY: &str = "the echo reply from 10.0.2.2 to 10.0.0.1";

const CASES: &[Case] = &[
    // A router's inet forward chain with no rules: the request, and its replies, accepted.
    (
        "r2",
        "inet filter",
        "forward",
        "",
        "r2",
        "the request arrived in r2 on left but never left on right",
        REQUEST,
        &[REQ_ACCEPT, REPLY_ACCEPT],
    ),
    // It lets established traffic back: only the request is accepted.
    (
        "r2",
        "inet filter",
        "forward",
        "ct state established,related accept;",
        "r2",
        "the request arrived in r2 on left but never left on right",
        REQUEST,
        &[REQ_ACCEPT],
    ),
    // An ip-family forward chain that accepts the request by source but not the reply.
    (
        "r2",
        "ip fw",
        "forward",
        "ip saddr 10.0.0.0/24 accept;",
        "r2",
        "the reply arrived in r2 on right but never left on left",
        REPLY,
        &[REPLY_ACCEPT],
    ),
    // The destination's own input chain.
    (
        "d",
        "inet filter",
        "input",
        "",
        "d",
        "the request reached d on left, but d sent no reply",
        REQUEST,
        &[REQ_ACCEPT],
    ),
    // The sender's own output chain (ip family).
    (
        "ns1",
        "ip fw",
        "output",
        "",
        "ns1",
        "the request never left ns1",
        REQUEST,
        &[REQ_ACCEPT],
    ),
    // The sender's input chain, whose one accept misses the reply.
    (
        "ns1",
        "inet filter",
        "input",
        "ip saddr 10.9.9.9 accept;",
        "ns1",
        "the reply reached ns1 on right, but never the probe",
        REPLY,
        &[REPLY_ACCEPT],
    ),
];

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping, nftables"]
fn a_native_chain_policy_drop_is_named_and_only_this_flow_is_accepted() {
    for (ns, t, chain, rules, hop, lost, pkt, accepts) in CASES {
        let hook = match *chain {
            "forward" => "forward",
            "input" => "input",
            _ => "output",
        };
        let cause = format!(
            "{lost}: {ns}'s nft table {t} chain {chain} (hook {hook}, priority 0): policy drop, no rule accepts {pkt}"
        );
        let fix: Vec<String> = accepts
            .iter()
            .map(|a| format!("{ns}.sh(\"{SH} {t} {chain} {a}\")"))
            .collect();
        fixed(
            "chain",
            "-p n=2",
            &table(ns, t, chain, rules),
            D,
            hop,
            &cause,
            &fix.join("; "),
        );
    }
}

/// Healthy rulesets: a policy drop with the accepts the flow needs says clear.
#[test]
#[ignore = "needs iproute2, iptables, iputils-ping, nftables"]
fn native_chains_that_accept_the_flow_stay_clear() {
    let healthy = [
        table(
            "r2",
            "inet filter",
            "forward",
            "ct state established,related accept; ip saddr 10.0.0.0/24 accept;",
        ),
        table(
            "d",
            "ip fw",
            "input",
            "ct state established,related accept; icmp type echo-request accept;",
        ),
        table(
            "ns1",
            "inet filter",
            "input",
            "ct state established,related accept;",
        ),
    ];
    for inject in healthy {
        assert_eq!(
            diagnose("chain", "-p n=2", &inject, D),
            clear(D),
            "{inject}"
        );
    }
}

/// r2's iptables FORWARD allowlist by ns1's subnet (policy DROP, replies let back).
const ALLOWLIST: &str =
    "ip netns exec r2 iptables -A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n\
    ip netns exec r2 iptables -A FORWARD -s 10.0.0.0/24 -j ACCEPT\n\
    ip netns exec r2 iptables -P FORWARD DROP\n";

/// r1's native nft NAT toward r2: `table ip nat { chain post { … STMT } }`.
fn r1_nat(stmt: &str) -> String {
    format!(
        "ip netns exec r1 nft -f - <<'X'\ntable ip nat {{\n  chain post {{ type nat hook postrouting priority 100; {stmt}; }}\n}}\nX\n"
    )
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping, nftables"]
fn a_native_nft_nat_upstream_is_what_makes_the_allowlist_miss() {
    for (stmt, kind) in [
        ("oifname \"right\" masquerade", "masquerade"),
        ("oifname \"right\" snat to 10.0.1.1", "snat"),
    ] {
        let inject = format!("{ALLOWLIST}{}", r1_nat(stmt));
        fixed(
            "chain",
            "-p n=2",
            &inject,
            D,
            "r2",
            &format!("r2's FORWARD chain drops left → right (policy DROP): it arrives from 10.0.1.1 (r1's nftables {kind} (chain `ip nat post` rule handle 2) rewrote 10.0.0.1), and rule `-A FORWARD -s 10.0.0.0/24 -j ACCEPT` would accept the original source"),
            r#"r1.sh("nft delete rule ip nat post handle 2")"#,
        );
    }
}

/// Healthy: the allowlist and no NAT upstream (r1's nat table only for another link).
#[test]
#[ignore = "needs iproute2, iptables, iputils-ping, nftables"]
fn the_allowlist_with_a_native_nat_elsewhere_stays_clear() {
    let inject = ALLOWLIST.to_string() + &r1_nat("oifname \"left\" masquerade");
    assert_eq!(diagnose("chain", "-p n=2", &inject, D), clear(D));
}
