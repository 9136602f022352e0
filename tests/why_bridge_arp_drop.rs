//! `netsh why` and `bridge` family rules that drop ARP or broadcasts (unseen case e02): an nft
//! table in the bridge family (`meta pkttype broadcast drop`, `ether type arp drop`, `arp
//! operation request drop`, a drop policy) or ebtables(-nft) (`-p ARP -j DROP`, `-d Broadcast
//! -j DROP`) on the forward hook between two ports, or on the input hook when the bridge
//! itself is asked. The ARP request never crosses, so the asker's neighbour entry stays
//! INCOMPLETE: the report names the bridge's host, the rule and the ports, and the fix deletes
//! that rule (its handle read from the kernel). A bridge rule that does not match ARP (nor the
//! probe) stays clear. Each case builds l2_lan (ns1..ns3 on the host's br0) in a sandbox.

mod support;

use support::why_lab::{blocked, clear, diagnose};

const NS2: &str = "10.1.1.3";
const BR: &str = "10.1.1.1";
/// Neighbour caches flushed, as after expiry: the next ping must ask ARP again.
const FLUSH: &str =
    "ip netns exec ns1 ip neigh flush all; ip netns exec ns2 ip neigh flush all; ip neigh flush all";
/// An nft `bridge` table `f` with a chain `fw` on `hook` (`fwd` is a keyword of nft 1.0).
fn table(hook: &str, policy: &str) -> String {
    format!(
        "nft add table bridge f; nft add chain bridge f fw '{{ type filter hook {hook} priority 0; {policy} }}'"
    )
}

/// `inject` then flushed caches, ns1 → `dst` named at host with `cause` and fixed by `fix`.
fn lan_fixed(inject: &str, dst: &str, cause: &str, fix: &str) {
    let got = diagnose("l2_lan", "-p ports=3", &format!("{inject}; {FLUSH}"), dst);
    assert_eq!(got, blocked(dst, "host", cause, fix) + clear(dst).as_str());
}

fn lan_clear(inject: &str, dst: &str) {
    let got = diagnose("l2_lan", "-p ports=3", &format!("{inject}; {FLUSH}"), dst);
    assert_eq!(got, clear(dst));
}

/// The forward chain `fw` of table `f` drops the ARP request by rule handle 2, `rule`.
fn forward_cause(rule: &str) -> String {
    format!("host's nftables chain `bridge f fw` (hook forward, priority 0) drops the ARP request from 10.1.1.2 for 10.1.1.3 switched by br0 from vethb1 to vethb2 (rule handle 2: `{rule}`)")
}

const DELETE: &str = r#"sh("nft delete rule bridge f fw handle 2")"#;

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping, nftables, ebtables"]
fn e02_a_bridge_rule_dropping_broadcasts_is_named_and_deleted() {
    let inject = format!(
        "{}; nft add rule bridge f fw meta pkttype broadcast drop",
        table("forward", "")
    );
    lan_fixed(
        &inject,
        NS2,
        &forward_cause("meta pkttype broadcast drop"),
        DELETE,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping, nftables, ebtables"]
fn a_bridge_rule_dropping_all_arp_is_named_and_deleted() {
    let inject = format!(
        "{}; nft add rule bridge f fw ether type arp drop",
        table("forward", "")
    );
    lan_fixed(&inject, NS2, &forward_cause("ether type arp drop"), DELETE);
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping, nftables, ebtables"]
fn a_bridge_rule_dropping_arp_requests_is_named_and_deleted() {
    let inject = format!(
        "{}; nft add rule bridge f fw arp operation request drop",
        table("forward", "")
    );
    lan_fixed(
        &inject,
        NS2,
        &forward_cause("ether type arp arp operation request drop"),
        DELETE,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping, nftables, ebtables"]
fn an_ebtables_rule_dropping_broadcasts_is_named_and_deleted() {
    lan_fixed(
        "ebtables -A FORWARD -d Broadcast -j DROP",
        NS2,
        "host's nftables chain `bridge filter FORWARD` (hook forward, priority -200) drops the ARP request from 10.1.1.2 for 10.1.1.3 switched by br0 from vethb1 to vethb2 (rule handle 2: `-d Broadcast -j DROP`)",
        r#"sh("ebtables -D FORWARD -d Broadcast -j DROP")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping, nftables, ebtables"]
fn an_ebtables_rule_dropping_all_arp_is_named_and_deleted() {
    lan_fixed(
        "ebtables -A FORWARD -p ARP -j DROP",
        NS2,
        "host's nftables chain `bridge filter FORWARD` (hook forward, priority -200) drops the ARP request from 10.1.1.2 for 10.1.1.3 switched by br0 from vethb1 to vethb2 (rule handle 2: `-p ARP -j DROP`)",
        r#"sh("ebtables -D FORWARD -p ARP -j DROP")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping, nftables, ebtables"]
fn an_ebtables_pkttype_rule_dropping_broadcasts_is_named_and_deleted() {
    lan_fixed(
        "ebtables -A FORWARD --pkttype-type broadcast -j DROP",
        NS2,
        "host's nftables chain `bridge filter FORWARD` (hook forward, priority -200) drops the ARP request from 10.1.1.2 for 10.1.1.3 switched by br0 from vethb1 to vethb2 (rule handle 2: `--pkttype-type broadcast -j DROP`)",
        r#"sh("ebtables -D FORWARD --pkttype-type broadcast -j DROP")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping, nftables, ebtables"]
fn a_bridge_chain_dropping_by_policy_is_named_and_opened_for_the_flow_and_its_arp() {
    lan_fixed(
        &table("forward", "policy drop;"),
        NS2,
        "host's nftables chain `bridge f fw` (hook forward, priority 0) drops the echo request from 10.1.1.2 to 10.1.1.3 switched by br0 from vethb1 to vethb2 (policy drop)",
        r#"sh("nft insert rule bridge f fw ether type arp accept"); sh("nft insert rule bridge f fw ip saddr 10.1.1.2 ip daddr 10.1.1.3 accept"); sh("nft insert rule bridge f fw ip saddr 10.1.1.3 ip daddr 10.1.1.2 accept")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping, nftables, ebtables"]
fn a_bridge_input_rule_dropping_broadcasts_to_the_bridge_itself_is_named() {
    let inject = format!(
        "{}; nft add rule bridge f fw meta pkttype broadcast drop",
        table("input", "")
    );
    lan_fixed(
        &inject,
        BR,
        "host's nftables chain `bridge f fw` (hook input, priority 0) drops the ARP request from 10.1.1.2 for 10.1.1.1 switched by br0, in by vethb1 (rule handle 2: `meta pkttype broadcast drop`)",
        DELETE,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping, nftables, ebtables"]
fn an_ebtables_input_rule_dropping_arp_to_the_bridge_itself_is_named() {
    lan_fixed(
        "ebtables -A INPUT -p ARP -j DROP",
        BR,
        "host's nftables chain `bridge filter INPUT` (hook input, priority -200) drops the ARP request from 10.1.1.2 for 10.1.1.1 switched by br0, in by vethb1 (rule handle 2: `-p ARP -j DROP`)",
        r#"sh("ebtables -D INPUT -p ARP -j DROP")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping, nftables, ebtables"]
fn bridge_rules_that_do_not_match_arp_or_the_probe_stay_clear() {
    let inject = format!(
        "{}; nft add rule bridge f fw ip protocol udp drop; nft add rule bridge f fw meta pkttype multicast drop; nft add rule bridge f fw arp operation reply ether saddr 02:00:00:00:00:99 drop",
        table("forward", "")
    );
    lan_clear(&inject, NS2);
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping, nftables, ebtables"]
fn a_forward_rule_dropping_broadcasts_leaves_the_bridge_itself_clear() {
    // The bridge's own address is reached by the input hook: forward is never crossed.
    let inject = format!(
        "{}; nft add rule bridge f fw meta pkttype broadcast drop",
        table("forward", "")
    );
    lan_clear(&inject, BR);
}
