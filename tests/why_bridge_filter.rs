//! `netsh why` and a bridge's own filter (round z): ebtables-nft rules (table `bridge filter`)
//! and hand-written nftables `bridge` tables on the hooks a switched frame crosses. Their rules
//! are run against the probe's frames, the ARP exchange before it included, with the frames'
//! MACs: a rule that drops ARP for the target, or frames from a MAC that is not the port's own
//! (port security against macvlan children), is named with its text and deleted by the fix.
//! Each case builds a lab of tests/why in a sandbox, injects the rule by hand, and proves the
//! fix with a real ping; rules that do not touch the probe stay clear.

mod support;

use support::why_lab::{blocked, clear, diagnose, diagnose_at};

const NS2: &str = "10.1.1.3";
/// Neighbour caches flushed, as after expiry: the next ping must ask ARP again.
const FLUSH: &str = "ip netns exec ns1 ip neigh flush all; ip netns exec ns2 ip neigh flush all";

/// The l2_lan case: `inject` then flushed caches, named at host with `cause` and fixed by `fix`.
fn lan_fixed(inject: &str, cause: &str, fix: &str) {
    let got = diagnose("l2_lan", "-p ports=3", &format!("{inject}; {FLUSH}"), NS2);
    assert_eq!(got, blocked(NS2, "host", cause, fix) + clear(NS2).as_str());
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping, nftables, ebtables"]
fn an_ebtables_rule_dropping_arp_for_the_target_is_named_and_deleted() {
    lan_fixed(
        "ebtables -A FORWARD -p ARP --arp-ip-dst 10.1.1.3 -j DROP",
        "host's nftables chain `bridge filter FORWARD` (hook forward, priority -200) drops the ARP request from 10.1.1.2 for 10.1.1.3 switched by br0 from vethb1 to vethb2 (rule handle 2: `-p ARP --arp-ip-dst 10.1.1.3 -j DROP`)",
        r#"sh("ebtables -D FORWARD -p ARP --arp-ip-dst 10.1.1.3 -j DROP")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping, nftables, ebtables"]
fn an_ebtables_rule_dropping_the_arp_reply_to_the_asker_is_named() {
    lan_fixed(
        "ebtables -A FORWARD -p ARP --arp-ip-dst 10.1.1.2 -j DROP",
        "host's nftables chain `bridge filter FORWARD` (hook forward, priority -200) drops the ARP reply from 10.1.1.3 to 10.1.1.2 switched by br0 from vethb2 to vethb1 (rule handle 2: `-p ARP --arp-ip-dst 10.1.1.2 -j DROP`)",
        r#"sh("ebtables -D FORWARD -p ARP --arp-ip-dst 10.1.1.2 -j DROP")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping, nftables, ebtables"]
fn an_ebtables_rule_dropping_ipv4_to_the_target_is_named_with_its_text() {
    lan_fixed(
        "ebtables -A FORWARD -p IPv4 --ip-dst 10.1.1.3 -j DROP",
        "host's nftables chain `bridge filter FORWARD` (hook forward, priority -200) drops the echo request from 10.1.1.2 to 10.1.1.3 switched by br0 from vethb1 to vethb2 (rule handle 2: `-p IPv4 --ip-dst 10.1.1.3 -j DROP`)",
        r#"sh("ebtables -D FORWARD -p IPv4 --ip-dst 10.1.1.3 -j DROP")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping, nftables, ebtables"]
fn an_nft_bridge_rule_dropping_arp_out_of_the_targets_port_is_named_and_deleted() {
    lan_fixed(
        "nft add table bridge lanf; nft add chain bridge lanf pf '{ type filter hook forward priority 0; }'; nft add rule bridge lanf pf oifname vethb2 ether type arp drop",
        "host's nftables chain `bridge lanf pf` (hook forward, priority 0) drops the ARP request from 10.1.1.2 for 10.1.1.3 switched by br0 from vethb1 to vethb2 (rule handle 2: `oifname \"vethb2\" ether type arp drop`)",
        r#"sh("nft delete rule bridge lanf pf handle 2")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping, nftables, ebtables"]
fn an_nft_bridge_rule_dropping_arp_for_the_target_by_address_is_named() {
    lan_fixed(
        "nft add table bridge lanf; nft add chain bridge lanf pf '{ type filter hook prerouting priority 0; }'; nft add rule bridge lanf pf arp daddr ip 10.1.1.3 drop",
        "host's nftables chain `bridge lanf pf` (hook prerouting, priority 0) drops the ARP request from 10.1.1.2 for 10.1.1.3 switched by br0 from vethb1 to vethb2 (rule handle 2: `ether type arp arp daddr ip 10.1.1.3 drop`)",
        r#"sh("nft delete rule bridge lanf pf handle 2")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping, nftables, ebtables"]
fn bridge_rules_for_other_addresses_stay_clear() {
    let inject = format!(
        "ebtables -A FORWARD -p ARP --arp-ip-dst 10.1.1.4 -j DROP; ebtables -A FORWARD -p IPv4 --ip-dst 10.1.1.4 -j DROP; nft add table bridge lanf; nft add chain bridge lanf pf '{{ type filter hook forward priority 0; }}'; nft add rule bridge lanf pf iifname vethb3 ether saddr != 02:00:00:00:00:03 drop; {FLUSH}"
    );
    assert_eq!(diagnose("l2_lan", "-p ports=3", &inject, NS2), clear(NS2));
}

/// Port security on the LAN switch of the macvlan lab: frames in by lh must come from h's own
/// NIC, so its macvlan children's frames are dropped.
const PORTSEC: &str = r#"M=$(ip netns exec h cat /sys/class/net/eth0/address); nft add table bridge portsec; nft add chain bridge portsec pfwd "{ type filter hook forward priority 0; }"; nft add rule bridge portsec pfwd iifname lh ether saddr != $M drop"#;

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping, nftables, ebtables"]
fn port_security_dropping_a_macvlan_childs_mac_is_named_and_deleted() {
    let got = diagnose_at("macvlan", "", PORTSEC, ("m1", "10.77.0.2"), "", "");
    let cause = "host's nftables chain `bridge portsec pfwd` (hook forward, priority 0) drops the echo request from 192.168.50.21 to 10.77.0.2 switched by lan from lh to lr (rule handle 2: `iifname \"lh\" ether saddr != MAC drop`)";
    let fix = r#"sh("nft delete rule bridge portsec pfwd handle 2")"#;
    let want = format!(
        "why m1 → 10.77.0.2\n  [BROKEN] host: {cause}\n  fix: {fix}\n  probe: no reply from 10.77.0.2\nverdict: blocked — {cause}\nexit 1\nwhy m1 → 10.77.0.2\n  probe: 10.77.0.2 answers\nverdict: clear\nexit 0\nping ok\n"
    );
    assert_eq!(got, want);
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping, nftables, ebtables"]
fn port_security_on_the_routers_port_stays_clear() {
    // The router's frames come from its own MAC: the rule holds them to it and passes them.
    let inject = r#"R=$(ip netns exec r cat /sys/class/net/eth0/address); nft add table bridge portsec; nft add chain bridge portsec pfwd "{ type filter hook forward priority 0; }"; nft add rule bridge portsec pfwd iifname lr ether saddr != $R drop"#;
    let got = diagnose_at("macvlan", "", inject, ("m1", "10.77.0.2"), "", "");
    assert_eq!(
        got,
        "why m1 → 10.77.0.2\n  probe: 10.77.0.2 answers\nverdict: clear\nexit 0\nping ok\n"
    );
}
