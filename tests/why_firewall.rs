//! `netsh why` on firewall faults (issue 13, items 2 and 6 for rules): each lab is built in a
//! sandbox by a script of tests/why, one fault is injected by hand with `iptables` (or a
//! sysctl), `why` must name the chain and rule that drops the probe in its exact words and give
//! a fix in DSL form that accepts before the drop (never after it); the fix is run as a script,
//! `why` must then find the path clear, and a real ping (iputils) must pass. Rules `why` does
//! not understand are shown as `[?]` and settled by the rule counters around the probe.

mod support;

use support::why_lab::{blocked, clear, diagnose, diagnose_at, fixed};

/// A fault on the routed lab (ns1 — r — d), injected in namespace `ns` with iptables.
fn routed(ns: &str, rules: &str, hop: &str, cause: &str, fix: &str) {
    let inject: String = rules
        .lines()
        .map(|l| format!("ip netns exec {ns} iptables {l}\n"))
        .collect();
    fixed("fw_routed", "", &inject, D, hop, cause, fix);
}

const D: &str = "10.0.1.2";

const REQ: &str = "-s 10.0.0.1 -d 10.0.1.2 -p icmp -j ACCEPT";
/// The accept for the replies that goes with a FORWARD fix when the same chain drops them.
const BACK: &str =
    "r.iptables(\"-I FORWARD 1 -i right -o left -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\")";

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn an_input_drop_at_the_destination() {
    routed(
        "d",
        "-A INPUT -p icmp -j DROP",
        "d",
        "d's INPUT chain drops the echo request in on left from 10.0.0.1 to 10.0.1.2 (rule `-A INPUT -p icmp -j DROP`)",
        &format!("d.iptables(\"-I INPUT 1 -i left {REQ}\")"),
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn an_output_drop_at_the_source() {
    routed(
        "ns1",
        "-A OUTPUT -d 10.0.1.0/24 -j DROP",
        "ns1",
        "ns1's OUTPUT chain drops the echo request out on right from 10.0.0.1 to 10.0.1.2 (rule `-A OUTPUT -d 10.0.1.0/24 -j DROP`)",
        &format!("ns1.iptables(\"-I OUTPUT 1 -o right {REQ}\")"),
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn the_echo_reply_dropped_in_output_at_the_destination() {
    routed(
        "d",
        "-A OUTPUT -p icmp -m icmp --icmp-type echo-reply -j DROP",
        "d",
        "d's OUTPUT chain drops the echo reply out on left from 10.0.1.2 to 10.0.0.1 (rule `-A OUTPUT -p icmp -m icmp --icmp-type 0 -j DROP`)",
        "d.iptables(\"-I OUTPUT 1 -o left -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\")",
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_raw_prerouting_drop_at_the_router() {
    routed(
        "r",
        "-t raw -A PREROUTING -s 10.0.0.0/24 -j DROP",
        "r",
        "r's raw PREROUTING chain drops the echo request in on left from 10.0.0.1 to 10.0.1.2 (rule `-t raw -A PREROUTING -s 10.0.0.0/24 -j DROP`)",
        &format!("r.iptables(\"-t raw -I PREROUTING 1 -i left {REQ}\")"),
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_mangle_forward_drop_at_the_router() {
    routed(
        "r",
        "-t mangle -A FORWARD -i left -j DROP",
        "r",
        "r's mangle FORWARD chain drops the echo request left → right from 10.0.0.1 to 10.0.1.2 (rule `-t mangle -A FORWARD -i left -j DROP`)",
        &format!("r.iptables(\"-t mangle -I FORWARD 1 -i left -o right {REQ}\")"),
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_mangle_postrouting_drop_is_fixed_without_an_in_link() {
    routed(
        "r",
        "-t mangle -A POSTROUTING -o right -j DROP",
        "r",
        "r's mangle POSTROUTING chain drops the echo request left → right from 10.0.0.1 to 10.0.1.2 (rule `-t mangle -A POSTROUTING -o right -j DROP`)",
        &format!("r.iptables(\"-t mangle -I POSTROUTING 1 -o right {REQ}\")"),
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_drop_in_a_user_chain_is_named_with_the_jump() {
    routed(
        "r",
        "-N BLOCK\n-A BLOCK -p icmp -j DROP\n-A FORWARD -i left -j BLOCK",
        "r",
        "r's FORWARD chain drops left → right (rule `-A BLOCK -p icmp -j DROP`, reached by `-A FORWARD -i left -j BLOCK`)",
        &format!("r.iptables(\"-I FORWARD 1 -i left -o right {REQ}\")"),
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_goto_never_returns_to_the_accept_after_it() {
    routed(
        "r",
        "-P FORWARD DROP\n-N TAIL\n-A TAIL -p tcp -j ACCEPT\n-A FORWARD -g TAIL\n-A FORWARD -j ACCEPT",
        "r",
        "r's FORWARD chain drops left → right (policy DROP, reached by `-A FORWARD -g TAIL` (a goto: TAIL does not return to FORWARD))",
        &format!("r.iptables(\"-I FORWARD 1 -i left -o right {REQ}\"); {BACK}"),
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn an_icmp_type_echo_request_drop() {
    routed(
        "r",
        "-A FORWARD -p icmp -m icmp --icmp-type echo-request -j DROP",
        "r",
        "r's FORWARD chain drops left → right (rule `-A FORWARD -p icmp -m icmp --icmp-type 8 -j DROP`)",
        &format!("r.iptables(\"-I FORWARD 1 -i left -o right {REQ}\")"),
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_reject_on_the_router() {
    routed(
        "r",
        "-A FORWARD -d 10.0.1.2/32 -j REJECT --reject-with icmp-host-prohibited",
        "r",
        "r's FORWARD chain rejects left → right (rule `-A FORWARD -d 10.0.1.2/32 -j REJECT --reject-with icmp-host-prohibited`)",
        &format!("r.iptables(\"-I FORWARD 1 -i left -o right {REQ}\")"),
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_dnat_that_sends_the_packet_nowhere() {
    // It sends every packet it takes nowhere: the rule goes; letting this flow by it
    // untranslated is the other way.
    let got = support::why_lab::diagnose(
        "fw_routed",
        "",
        "ip netns exec r iptables -t nat -A PREROUTING -d 10.0.1.2/32 -p icmp -j DNAT --to-destination 10.0.1.9",
        D,
    );
    let want = support::why_lab::fixed_from(
        ("ns1", D),
        "r",
        "r's nat PREROUTING chain sends the echo request for 10.0.1.2 to 10.0.1.9, which no namespace here holds (rule `-t nat -A PREROUTING -d 10.0.1.2/32 -p icmp -j DNAT --to-destination 10.0.1.9`)",
        r#"r.sh("iptables -t nat -D PREROUTING -d 10.0.1.2/32 -p icmp -j DNAT --to-destination 10.0.1.9")"#,
        Some(&format!("r.iptables(\"-t nat -I PREROUTING 1 -i left {REQ}\")")),
    );
    assert_eq!(got, want);
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn the_replies_dropped_by_a_policy_without_an_established_accept() {
    routed(
        "r",
        "-P FORWARD DROP\n-A FORWARD -i left -o right -j ACCEPT",
        "r",
        "r's FORWARD chain drops the replies right → left (policy DROP)",
        "r.forward(#{ out: \"left\", state: \"RELATED,ESTABLISHED\" })",
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_rule_not_understood_is_pinned_by_its_counter() {
    let got = diagnose(
        "fw_routed",
        "",
        "ip netns exec r iptables -A FORWARD -m statistic --mode nth --every 1 --packet 0 -j DROP",
        D,
    );
    let rule = "-A FORWARD -m statistic --mode nth --every 1 --packet 0 -j DROP";
    let cause = format!(
        "r's FORWARD chain drops the probe: rule `{rule}` (its packet counter rose by the probe's packet)"
    );
    let want = format!(
        "why ns1 → {D}\n  [?] r: rule `{rule}` (not understood, may match: -m statistic)\n"
    ) + &blocked(
        D,
        "r",
        &cause,
        &format!("r.iptables(\"-I FORWARD 1 -i left -o right {REQ}\"); {BACK}"),
    )[format!("why ns1 → {D}\n").len()..]
        + &clear(D);
    assert_eq!(got, want);
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_statistic_match_at_the_destination_is_pinned_by_its_counter() {
    let got = diagnose(
        "fw_routed",
        "",
        "ip netns exec d iptables -A INPUT -m statistic --mode nth --every 1 --packet 0 -j DROP",
        D,
    );
    let rule = "-A INPUT -m statistic --mode nth --every 1 --packet 0 -j DROP";
    let cause = format!(
        "d's INPUT chain drops the probe: rule `{rule}` (its packet counter rose by the probe's packet)"
    );
    let want = format!(
        "why ns1 → {D}\n  [?] d: rule `{rule}` (not understood, may match: -m statistic)\n"
    ) + &blocked(
        D,
        "d",
        &cause,
        &format!("d.iptables(\"-I INPUT 1 -i left {REQ}\")"),
    )[format!("why ns1 → {D}\n").len()..]
        + &clear(D);
    assert_eq!(got, want);
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_forward_drop_policy_under_br_netfilter_blocks_one_bridge() {
    let got = diagnose(
        "lan",
        "",
        "sysctl -qw net.bridge.bridge-nf-call-iptables=1\niptables -P FORWARD DROP",
        "10.1.1.3",
    );
    let cause = "host's FORWARD chain drops the echo request switched by bridge0 from 10.1.1.2 to 10.1.1.3 (policy DROP; bridge-nf-call-iptables is 1: br_netfilter passes bridged traffic to iptables)";
    let want = blocked(
        "10.1.1.3",
        "host",
        cause,
        "iptables(\"-I FORWARD 1 -i bridge0 -o bridge0 -j ACCEPT\")",
    ) + &clear("10.1.1.3");
    assert_eq!(got, want);
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_docker_like_rule_set_stays_clear() {
    assert_eq!(diagnose("fw_routed", "-p docker=true", "", D), clear(D));
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_user_chain_that_returns_stays_clear() {
    let inject = "ip netns exec r iptables -N CHECK\n\
                  ip netns exec r iptables -A CHECK -s 10.9.0.0/16 -j DROP\n\
                  ip netns exec r iptables -A CHECK -j RETURN\n\
                  ip netns exec r iptables -A FORWARD -j CHECK\n\
                  ip netns exec r iptables -A FORWARD -p icmp -j ACCEPT\n\
                  ip netns exec r iptables -P FORWARD DROP\n\
                  ip netns exec d iptables -P INPUT DROP\n\
                  ip netns exec d iptables -A INPUT -p icmp --icmp-type echo-request -j ACCEPT\n\
                  ip netns exec ns1 iptables -P INPUT DROP\n\
                  ip netns exec ns1 iptables -A INPUT -m state --state ESTABLISHED,RELATED -j ACCEPT";
    assert_eq!(diagnose("fw_routed", "", inject, D), clear(D));
}

// The way back is not the way there (round s s05): the reply crosses a router the request did
// not, whose conntrack calls it INVALID; the route that sends it there is the fault.

/// `why SRC → DST` blocked at `hop` with `cause` and `fix`, then clear, then a real ping.
fn fixed_at(src: &str, dst: &str, hop: &str, cause: &str, fix: &str) -> String {
    format!(
        "why {src} → {dst}\n  [BROKEN] {hop}: {cause}\n  fix: {fix}\n  probe: no reply from {dst}\nverdict: blocked — {cause}\nexit 1\nwhy {src} → {dst}\n  probe: {dst} answers\nverdict: clear\nexit 0\nping ok\n"
    )
}

/// r2's words for the asym lab's INVALID rule, dropping the replies `way`.
fn asym_rule(way: &str) -> String {
    format!("r2's FORWARD chain drops the replies {way} (rule `-A FORWARD -m comment --comment \"netsh:asym\" -m conntrack --ctstate INVALID -j DROP`)")
}

const ASYM_D: &str = "the way back is not the way there: d's route to 10.40.1.10 via 10.40.2.2 sends the reply by r2, but the request came by r1 (10.40.2.1); r2 never saw the request, so its conntrack takes the reply for INVALID: ";

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_reply_sent_by_the_backup_router_is_dropped_as_invalid_and_the_route_put_back() {
    let inject = "ip -n d route replace default via 10.40.2.2";
    let got = diagnose("asym", "", inject, "10.40.2.10");
    let cause = format!("{ASYM_D}{}", asym_rule("b → a"));
    let fix = r#"d.sh("ip route replace default via 10.40.2.1")"#;
    assert_eq!(got, fixed_at("ns1", "10.40.2.10", "d", &cause, fix));
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn the_other_direction_names_the_senders_peer_route() {
    let inject = "ip -n ns1 route replace default via 10.40.1.2";
    let got = diagnose_at("asym", "", inject, ("d", "10.40.1.10"), "", "");
    let cause = format!("the way back is not the way there: ns1's route to 10.40.2.10 via 10.40.1.2 sends the reply by r2, but the request came by r1 (10.40.1.1); r2 never saw the request, so its conntrack takes the reply for INVALID: {}", asym_rule("a → b"));
    let fix = r#"ns1.sh("ip route replace default via 10.40.1.1")"#;
    assert_eq!(got, fixed_at("d", "10.40.1.10", "ns1", &cause, fix));
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn only_established_accepted_before_a_drop_policy_is_the_same_asymmetry() {
    let inject = "ip netns exec r2 iptables -F FORWARD\n\
                  ip netns exec r2 iptables -A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n\
                  ip netns exec r2 iptables -A FORWARD -i a -o b -j ACCEPT\n\
                  ip netns exec r2 iptables -P FORWARD DROP\n\
                  ip -n d route replace default via 10.40.2.2";
    let got = diagnose("asym", "", inject, "10.40.2.10");
    let cause = format!("{ASYM_D}r2's FORWARD chain drops the replies b → a (policy DROP)");
    let fix = r#"d.sh("ip route replace default via 10.40.2.1")"#;
    assert_eq!(got, fixed_at("ns1", "10.40.2.10", "d", &cause, fix));
}

#[test]
#[ignore = "needs iproute2, iptables, nftables, iputils-ping"]
fn an_nft_invalid_drop_behind_a_specific_route_back_is_the_same_asymmetry() {
    let inject = "ip netns exec r2 iptables -F FORWARD\n\
                  ip netns exec r2 nft add table inet fw\n\
                  ip netns exec r2 nft add chain inet fw forward '{ type filter hook forward priority 0; policy accept; }'\n\
                  ip netns exec r2 nft add rule inet fw forward ct state invalid drop\n\
                  ip -n d route add 10.40.1.0/24 via 10.40.2.2";
    let got = diagnose("asym", "", inject, "10.40.2.10");
    let cause = format!("{ASYM_D}r2's nftables chain `inet fw forward` (hook forward, priority 0) drops the replies b → a by its rule handle 2");
    let fix = r#"d.sh("ip route replace 10.40.1.0/24 via 10.40.2.1")"#;
    assert_eq!(got, fixed_at("ns1", "10.40.2.10", "d", &cause, fix));
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn the_asym_lab_stays_clear_when_both_ways_take_the_same_router() {
    assert_eq!(
        diagnose("asym", "", "true", "10.40.2.10"),
        clear("10.40.2.10")
    );
    let both = "ip -n d route replace default via 10.40.2.2\nip -n ns1 route replace default via 10.40.1.2";
    assert_eq!(
        diagnose("asym", "", both, "10.40.2.10"),
        clear("10.40.2.10")
    );
    // The request by r2 (new there), the reply by r1 (which keeps no state): nothing drops.
    let there = "ip -n ns1 route replace default via 10.40.1.2";
    assert_eq!(
        diagnose("asym", "", there, "10.40.2.10"),
        clear("10.40.2.10")
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_router_on_the_way_that_sends_the_reply_by_another_is_named() {
    let inject = "ip netns exec r4 iptables -A FORWARD -m conntrack --ctstate INVALID -j DROP";
    let got = diagnose("asym_back", "", inject, "10.3.0.2");
    let cause = "the way back is not the way there: r3's route to 10.1.0.2 via 10.34.0.2 sends the reply by r4, but the request came by r2 (10.23.0.1); r4 never saw the request, so its conntrack takes the reply for INVALID: r4's FORWARD chain drops the replies a → b (rule `-A FORWARD -m conntrack --ctstate INVALID -j DROP`)";
    let fix = r#"r3.sh("ip route replace 10.1.0.0/24 via 10.23.0.1")"#;
    assert_eq!(got, fixed_at("ns1", "10.3.0.2", "r3", cause, fix));
}

// An address banned in a named nftables set (round s s01): the element goes, not the rule that
// keeps every other banned address out.

/// A fail2ban-like table in `d`: a set `flags` (and `elements`) looked up by `ip saddr` at input.
fn f2b(set: &str, add: &str) -> String {
    format!(
        "ip netns exec d nft -f - <<'NFT'\n\
         table inet f2b {{\n  set addr-set-sshd {{ type ipv4_addr; {set} }}\n  \
         chain input {{ type filter hook input priority -1; policy accept; ip saddr @addr-set-sshd drop; }}\n}}\nNFT\n{add}"
    )
}

const F2B: &str = "the request reached d on left, but d sent no reply: d's nftables chain `inet f2b input` (hook input, priority -1) drops the echo request from 10.0.0.1 to 10.0.1.2 by its rule handle 3: ";

#[test]
#[ignore = "needs iproute2, iptables, nftables, iputils-ping"]
fn a_source_banned_in_a_timeout_set_is_named_and_only_its_element_deleted() {
    let add = "ip netns exec d nft add element inet f2b addr-set-sshd '{ 10.0.0.1 timeout 1h }'";
    let inject = f2b("flags timeout;", add);
    let cause = format!("{F2B}10.0.0.1 is in its set `addr-set-sshd` (it times out in 60 min)");
    let fix = r#"d.sh("nft delete element inet f2b addr-set-sshd { 10.0.0.1 }")"#;
    fixed("fw_routed", "", &inject, D, "d", &cause, fix);
}

#[test]
#[ignore = "needs iproute2, iptables, nftables, iputils-ping"]
fn a_banned_subnet_in_an_interval_set_is_its_element() {
    let inject = f2b(
        "flags interval; elements = { 10.0.0.0/24, 192.0.2.0/24 };",
        "",
    );
    let cause = format!("{F2B}10.0.0.0/24 is in its set `addr-set-sshd`");
    let fix = r#"d.sh("nft delete element inet f2b addr-set-sshd { 10.0.0.0/24 }")"#;
    fixed("fw_routed", "", &inject, D, "d", &cause, fix);
}

#[test]
#[ignore = "needs iproute2, iptables, nftables, iputils-ping"]
fn a_destination_in_the_senders_blocklist_is_named_at_the_sender() {
    let inject = "ip netns exec ns1 nft -f - <<'NFT'\n\
                  table ip bl {\n  set blocked { type ipv4_addr; elements = { 10.0.1.2 } }\n  \
                  chain out { type filter hook output priority 0; policy accept; ip daddr @blocked drop; }\n}\nNFT";
    let cause = "the request never left ns1: ns1's nftables chain `ip bl out` (hook output, priority 0) drops the echo request from 10.0.0.1 to 10.0.1.2 by its rule handle 3: 10.0.1.2 is in its set `blocked`";
    let fix = r#"ns1.sh("nft delete element ip bl blocked { 10.0.1.2 }")"#;
    fixed("fw_routed", "", inject, D, "ns1", cause, fix);
}

#[test]
#[ignore = "needs iproute2, iptables, nftables, iputils-ping"]
fn a_ban_set_that_holds_other_addresses_stays_clear() {
    let add = "ip netns exec d nft add element inet f2b addr-set-sshd '{ 10.9.9.9 timeout 1h }'";
    let inject = f2b("flags timeout;", add);
    assert_eq!(diagnose("fw_routed", "", &inject, D), clear(D));
}

// NFQUEUE with no program reading the queue (round s s06): the kernel drops what is queued.

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_forward_nfqueue_nobody_reads_is_named_and_deleted() {
    let inject = "ip netns exec rt iptables -I FORWARD -j NFQUEUE --queue-num 0";
    let got = diagnose_at("home", "", inject, ("pc", "203.0.113.10"), "", "");
    let cause = "rt's FORWARD chain queues the echo request br-lan → wan to NFQUEUE 0 (rule `-A FORWARD -j NFQUEUE --queue-num 0`), which no program in rt reads: the kernel drops what it queues there";
    let fix = r#"rt.sh("iptables -D FORWARD -j NFQUEUE --queue-num 0")"#;
    assert_eq!(got, fixed_at("pc", "203.0.113.10", "rt", cause, fix));
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn an_input_nfqueue_at_the_destination_is_named_with_its_queue() {
    routed(
        "d",
        "-I INPUT -p icmp -j NFQUEUE --queue-num 3",
        "d",
        "d's INPUT chain queues the echo request in on left from 10.0.0.1 to 10.0.1.2 to NFQUEUE 3 (rule `-A INPUT -p icmp -j NFQUEUE --queue-num 3`), which no program in d reads: the kernel drops what it queues there",
        r#"d.sh("iptables -D INPUT -p icmp -j NFQUEUE --queue-num 3")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn an_nfqueue_with_queue_bypass_stays_clear() {
    let inject =
        "ip netns exec r iptables -I FORWARD -j NFQUEUE --queue-balance 0:3 --queue-bypass";
    assert_eq!(diagnose("fw_routed", "", inject, D), clear(D));
}

#[test]
#[ignore = "needs iproute2, iptables, nftables, iputils-ping"]
fn a_mangle_invalid_drop_or_an_nft_drop_policy_is_the_same_asymmetry() {
    let fix = r#"d.sh("ip route replace default via 10.40.2.1")"#;
    let mangle = "ip netns exec r2 iptables -F FORWARD\n\
                  ip netns exec r2 iptables -t mangle -A PREROUTING -m conntrack --ctstate INVALID -j DROP\n\
                  ip -n d route replace default via 10.40.2.2";
    let cause = format!("{ASYM_D}r2's mangle PREROUTING chain drops the echo reply in on b from 10.40.2.10 to 10.40.1.10 (rule `-t mangle -A PREROUTING -m conntrack --ctstate INVALID -j DROP`)");
    let got = diagnose("asym", "", mangle, "10.40.2.10");
    assert_eq!(got, fixed_at("ns1", "10.40.2.10", "d", &cause, fix));
    let nft = "ip netns exec r2 iptables -F FORWARD\n\
               ip netns exec r2 nft add table inet fw\n\
               ip netns exec r2 nft add chain inet fw forward '{ type filter hook forward priority 0; policy drop; }'\n\
               ip netns exec r2 nft add rule inet fw forward ct state established,related accept\n\
               ip netns exec r2 nft add rule inet fw forward iifname a accept\n\
               ip -n d route replace default via 10.40.2.2";
    let cause = format!("{ASYM_D}r2's nftables chain `inet fw forward` (hook forward, priority 0) drops the replies b → a by its policy");
    let got = diagnose("asym", "", nft, "10.40.2.10");
    assert_eq!(got, fixed_at("ns1", "10.40.2.10", "d", &cause, fix));
}

// Matches that read more than addresses (round t t02, t09): the frame's source MAC, the
// sending socket's owner, the TTL at the hop, the packet type and length. Decided, they name
// the rule without its counter; a rule the probe does not meet stays clear.

/// ns1's, r's and d's MAC on the links of the routed lab, as shell variables.
const MACS: &str = "NS1=$(ip -n ns1 -br link show right | awk '{print $3}')\n\
                    RR=$(ip -n r -br link show right | awk '{print $3}')\n\
                    DL=$(ip -n d -br link show left | awk '{print $3}')\n";

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_mac_allowlist_at_the_destination_sees_the_routers_mac_not_the_senders() {
    let inject =
        format!("{MACS}ip netns exec d iptables -A INPUT -m mac ! --mac-source $NS1 -j DROP");
    let got = diagnose("fw_routed", "", &inject, D);
    let cause = "d's INPUT chain drops the echo request in on left from 10.0.0.1 to 10.0.1.2 (rule `-A INPUT -m mac ! --mac-source MAC -j DROP`)";
    let fix = format!("d.iptables(\"-I INPUT 1 -i left {REQ}\")");
    assert_eq!(got, blocked(D, "d", cause, &fix) + clear(D).as_str());
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_mac_allowlist_in_a_routers_forward_is_judged_each_way() {
    // Only d's MAC allowed: the request (in ns1's frame) is dropped. The reply's frame is not
    // known while the request is judged, so the fix lets the replies through too.
    let inject =
        format!("{MACS}ip netns exec r iptables -A FORWARD -m mac ! --mac-source $DL -j DROP");
    let got = diagnose("fw_routed", "", &inject, D);
    let cause =
        "r's FORWARD chain drops left → right (rule `-A FORWARD -m mac ! --mac-source MAC -j DROP`)";
    let fix = format!("r.iptables(\"-I FORWARD 1 -i left -o right {REQ}\"); {BACK}");
    assert_eq!(got, blocked(D, "r", cause, &fix) + clear(D).as_str());
    // Only ns1's: the request passes, the reply (in d's frame) is dropped.
    let inject =
        format!("{MACS}ip netns exec r iptables -A FORWARD -m mac ! --mac-source $NS1 -j DROP");
    let got = diagnose("fw_routed", "", &inject, D);
    let cause = "r's FORWARD chain drops the replies right → left (rule `-A FORWARD -m mac ! --mac-source MAC -j DROP`)";
    assert_eq!(got, blocked(D, "r", cause, BACK) + clear(D).as_str());
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn mac_allowlists_that_hold_the_previous_hop_stay_clear() {
    let inject = format!(
        "{MACS}ip netns exec r iptables -A FORWARD -i left -m mac ! --mac-source $NS1 -j DROP\n\
         ip netns exec r iptables -A FORWARD -i right -m mac ! --mac-source $DL -j DROP\n\
         ip netns exec d iptables -A INPUT -m mac ! --mac-source $RR -j DROP"
    );
    assert_eq!(diagnose("fw_routed", "", &inject, D), clear(D));
    // Across a bridge the frame keeps the sender's MAC (round t t02, pc in the allowlist).
    let inject = "PC=$(ip -n pc -br link show eth0 | awk '{print $3}')\n\
                  ip netns exec nas iptables -A INPUT -m mac ! --mac-source $PC -j DROP";
    let got = diagnose_at("home", "", inject, ("pc", "192.168.1.20"), "", "");
    let want =
        "why pc → 192.168.1.20\n  probe: 192.168.1.20 answers\nverdict: clear\nexit 0\nping ok\n";
    assert_eq!(got, want);
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn an_owner_rule_at_the_sender_drops_roots_ping() {
    routed(
        "ns1",
        "-A OUTPUT -o right -m owner ! --uid-owner 1000 -j REJECT",
        "ns1",
        "ns1's OUTPUT chain rejects the echo request out on right from 10.0.0.1 to 10.0.1.2 (rule `-A OUTPUT -o right -m owner ! --uid-owner 1000 -j REJECT --reject-with icmp-port-unreachable`)",
        &format!("ns1.iptables(\"-I OUTPUT 1 -o right {REQ}\")"),
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn owner_rules_for_another_uid_or_on_socketless_packets_stay_clear() {
    // Another user's traffic at the sender; root's rules where no process sent the packet
    // (a router forwarding, the kernel's echo reply).
    let inject = "ip netns exec ns1 iptables -A OUTPUT -m owner --uid-owner 1000 -j DROP\n\
                  ip netns exec r iptables -t mangle -A POSTROUTING -m owner --uid-owner 0 -j DROP\n\
                  ip netns exec d iptables -A OUTPUT -m owner --uid-owner 0 -j DROP";
    assert_eq!(diagnose("fw_routed", "", inject, D), clear(D));
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_ttl_match_is_judged_on_the_ttl_left_at_the_hop() {
    routed(
        "d",
        "-A INPUT -m ttl --ttl-eq 63 -j DROP",
        "d",
        "d's INPUT chain drops the echo request in on left from 10.0.0.1 to 10.0.1.2 (rule `-A INPUT -m ttl --ttl-eq 63 -j DROP`)",
        &format!("d.iptables(\"-I INPUT 1 -i left {REQ}\")"),
    );
    // r forwards it with 63 (its FORWARD sees it after the decrement); d answers with 64.
    let inject = "ip netns exec r iptables -A FORWARD -m ttl --ttl-gt 63 -j DROP\n\
                  ip netns exec d iptables -A INPUT -m ttl ! --ttl-eq 63 -j DROP\n\
                  ip netns exec ns1 iptables -A INPUT -m ttl --ttl-lt 63 -j DROP";
    assert_eq!(diagnose("fw_routed", "", inject, D), clear(D));
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn the_probe_is_a_unicast_packet_of_84_bytes() {
    routed(
        "d",
        "-A INPUT -m pkttype --pkt-type unicast -j DROP",
        "d",
        "d's INPUT chain drops the echo request in on left from 10.0.0.1 to 10.0.1.2 (rule `-A INPUT -m pkttype --pkt-type unicast -j DROP`)",
        &format!("d.iptables(\"-I INPUT 1 -i left {REQ}\")"),
    );
    routed(
        "d",
        "-A INPUT -p icmp -m length --length 64:100 -j DROP",
        "d",
        "d's INPUT chain drops the echo request in on left from 10.0.0.1 to 10.0.1.2 (rule `-A INPUT -p icmp -m length --length 64:100 -j DROP`)",
        &format!("d.iptables(\"-I INPUT 1 -i left {REQ}\")"),
    );
    let inject = "ip netns exec r iptables -A FORWARD -m pkttype ! --pkt-type unicast -j DROP\n\
                  ip netns exec d iptables -A INPUT -p icmp -m length --length 85:65535 -j DROP\n\
                  ip netns exec d iptables -A INPUT -m iprange --src-range 10.0.0.2-10.0.0.254 -j DROP";
    assert_eq!(diagnose("fw_routed", "", inject, D), clear(D));
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_nas_mac_allowlist_that_holds_only_the_laptop_drops_the_pc() {
    // Round t t02: pc's frame crosses rt's bridge with pc's own MAC, not the laptop's.
    let inject = "LAP=$(ip -n laptop -br link show eth0 | awk '{print $3}')\n\
                  ip netns exec nas iptables -A INPUT -m mac ! --mac-source $LAP -j DROP";
    let got = diagnose_at("home", "", inject, ("pc", "192.168.1.20"), "", "");
    let cause = "nas's INPUT chain drops the echo request in on eth0 from 192.168.1.10 to 192.168.1.20 (rule `-A INPUT -m mac ! --mac-source MAC -j DROP`)";
    let fix =
        r#"nas.iptables("-I INPUT 1 -i eth0 -s 192.168.1.10 -d 192.168.1.20 -p icmp -j ACCEPT")"#;
    assert_eq!(got, fixed_at("pc", "192.168.1.20", "nas", cause, fix));
}
