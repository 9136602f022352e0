//! `netsh why` on bridged frames that br_netfilter sends through iptables: a bridge's own
//! `nf_call_iptables 1` (per-bridge, as a container runtime or VPN script sets it) or the
//! namespace's net.bridge.bridge-nf-call-iptables = 1 (Docker hosts, Kubernetes nodes, which need
//! it: never turned off by a fix) makes LAN-to-LAN frames cross FORWARD. `why` must name the
//! switch that sent them there and the chain that drops them, and its fix must make a real ping
//! pass; a bridge whose FORWARD accepts them stays clear.

mod support;

use support::why_lab::{diagnose, diagnose_at};

const NAS: &str = "192.168.1.20";

/// A blocked report with a fix and another way, then the clear report after the fix, then
/// the real ping.
fn fixed_two_ways(src: &str, dst: &str, hop: &str, cause: &str, fix: &str, other: &str) -> String {
    format!(
        "why {src} → {dst}\n  [BROKEN] {hop}: {cause}\n  fix: {fix}\n  other way: {other}\n  probe: no reply from {dst}\nverdict: blocked — {cause}\nexit 1\n"
    ) + &clear_from(src, dst)
}

/// A blocked report with one fix, then clear, then the real ping.
fn fixed_one_way(src: &str, dst: &str, hop: &str, cause: &str, fix: &str) -> String {
    format!(
        "why {src} → {dst}\n  [BROKEN] {hop}: {cause}\n  fix: {fix}\n  probe: no reply from {dst}\nverdict: blocked — {cause}\nexit 1\n"
    ) + &clear_from(src, dst)
}

fn clear_from(src: &str, dst: &str) -> String {
    format!("why {src} → {dst}\n  probe: {dst} answers\nverdict: clear\nexit 0\nping ok\n")
}

/// pc → nas on the home router's br-lan, with `inject` run (bash) after the lab is built.
fn home(inject: &str) -> String {
    diagnose_at("home", "", inject, ("pc", NAS), "", "")
}

const PER_BRIDGE: &str = "ip -n rt link set br-lan type bridge nf_call_iptables 1";
const OFF: &str = "rt.sh(\"ip link set br-lan type bridge nf_call_iptables 0\")";
const ACCEPT: &str = "rt.iptables(\"-I FORWARD 1 -i br-lan -o br-lan -j ACCEPT\")";

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_bridges_own_nf_call_iptables_meets_the_forward_policy_drop() {
    let cause = "rt's br-lan has nf_call_iptables 1 (per-bridge; net.bridge.bridge-nf-call-iptables is 0), so the frames it switches from pc to nas cross rt's FORWARD chain, whose policy DROP drops them";
    assert_eq!(
        home(PER_BRIDGE),
        fixed_two_ways("pc", NAS, "rt", cause, OFF, ACCEPT)
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_bridges_own_nf_call_iptables_meets_a_mangle_drop_rule() {
    let inject = format!(
        "{PER_BRIDGE}\nip netns exec rt iptables -t mangle -A FORWARD -d 192.168.1.0/24 -j DROP"
    );
    let cause = "rt's br-lan has nf_call_iptables 1 (per-bridge; net.bridge.bridge-nf-call-iptables is 0), so the frames it switches from pc to nas cross rt's mangle FORWARD chain, whose rule `-t mangle -A FORWARD -d 192.168.1.0/24 -j DROP` drops them";
    let other = "rt.iptables(\"-t mangle -I FORWARD 1 -i br-lan -o br-lan -j ACCEPT\")";
    assert_eq!(
        home(&inject),
        fixed_two_ways("pc", NAS, "rt", cause, OFF, other)
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_bridges_own_nf_call_iptables_meets_a_drop_rule_under_policy_accept() {
    let inject = "sysctl -qw net.bridge.bridge-nf-call-iptables=0\n\
                  ip link set bridge0 type bridge nf_call_iptables 1\n\
                  iptables -A FORWARD -s 10.1.1.0/24 -d 10.1.1.0/24 -j DROP";
    let cause = "host's bridge0 has nf_call_iptables 1 (per-bridge; net.bridge.bridge-nf-call-iptables is 0), so the frames it switches from ns1 to ns2 cross host's FORWARD chain, whose rule `-A FORWARD -s 10.1.1.0/24 -d 10.1.1.0/24 -j DROP` drops them";
    let got = diagnose("lan", "", inject, "10.1.1.3");
    assert_eq!(
        got,
        fixed_two_ways(
            "ns1",
            "10.1.1.3",
            "host",
            cause,
            "sh(\"ip link set bridge0 type bridge nf_call_iptables 0\")",
            "iptables(\"-I FORWARD 1 -i bridge0 -o bridge0 -j ACCEPT\")"
        )
    );
}

/// The global switch (a Docker host's, a Kubernetes node's) is named, and kept on: the fix
/// accepts the bridge's own traffic instead.
#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn the_global_bridge_nf_call_iptables_is_named_and_left_on() {
    let cause = "rt's FORWARD chain drops the echo request switched by br-lan from 192.168.1.10 to 192.168.1.20 (policy DROP; bridge-nf-call-iptables is 1: br_netfilter passes bridged traffic to iptables)";
    assert_eq!(
        home("ip netns exec rt sysctl -qw net.bridge.bridge-nf-call-iptables=1"),
        fixed_one_way("pc", NAS, "rt", cause, ACCEPT)
    );
}

/// Both switches on: turning the bridge's own off would not help, so the global one is named.
#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn both_switches_on_name_the_global_one() {
    let inject =
        format!("{PER_BRIDGE}\nip netns exec rt sysctl -qw net.bridge.bridge-nf-call-iptables=1");
    let cause = "rt's FORWARD chain drops the echo request switched by br-lan from 192.168.1.10 to 192.168.1.20 (policy DROP; bridge-nf-call-iptables is 1: br_netfilter passes bridged traffic to iptables)";
    assert_eq!(home(&inject), fixed_one_way("pc", NAS, "rt", cause, ACCEPT));
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_bridge_with_its_own_switch_whose_forward_accepts_stays_clear() {
    let inject = format!(
        "{PER_BRIDGE}\nip netns exec rt iptables -I FORWARD 1 -i br-lan -o br-lan -j ACCEPT"
    );
    assert_eq!(home(&inject), clear_from("pc", NAS));
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_bridge_with_its_own_switch_under_policy_accept_stays_clear() {
    let inject = "sysctl -qw net.bridge.bridge-nf-call-iptables=0\n\
                  ip link set bridge0 type bridge nf_call_iptables 1";
    assert_eq!(
        diagnose("lan", "", inject, "10.1.1.3"),
        clear_from("ns1", "10.1.1.3")
    );
}

/// FORWARD lets the request through, not the reply: the reply's bridged crossing is named.
#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_bridges_own_nf_call_iptables_drops_only_the_replies() {
    let inject = "sysctl -qw net.bridge.bridge-nf-call-iptables=0\n\
                  ip link set bridge0 type bridge nf_call_iptables 1\n\
                  iptables -F FORWARD\n\
                  iptables -P FORWARD DROP\n\
                  iptables -A FORWARD -s 10.1.1.2 -d 10.1.1.3 -j ACCEPT";
    let cause = "host's bridge0 has nf_call_iptables 1 (per-bridge; net.bridge.bridge-nf-call-iptables is 0), so the replies it switches from ns2 to ns1 cross host's FORWARD chain, whose policy DROP drops them";
    assert_eq!(
        diagnose("lan", "", inject, "10.1.1.3"),
        fixed_two_ways(
            "ns1",
            "10.1.1.3",
            "host",
            cause,
            "sh(\"ip link set bridge0 type bridge nf_call_iptables 0\")",
            "iptables(\"-I FORWARD 1 -i bridge0 -o bridge0 -j ACCEPT\")"
        )
    );
}

/// Its own switch on, FORWARD dropping by default but accepting the LAN's requests and what
/// conntrack knows: clear.
#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_bridge_with_its_own_switch_and_a_stateful_forward_stays_clear() {
    let inject = "sysctl -qw net.bridge.bridge-nf-call-iptables=0\n\
                  ip link set bridge0 type bridge nf_call_iptables 1\n\
                  iptables -F FORWARD\n\
                  iptables -P FORWARD DROP\n\
                  iptables -A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n\
                  iptables -A FORWARD -s 10.1.1.2 -d 10.1.1.3 -j ACCEPT";
    assert_eq!(
        diagnose("lan", "", inject, "10.1.1.3"),
        clear_from("ns1", "10.1.1.3")
    );
}
