//! `netsh why` on a reply dropped in FORWARD, whatever its state, by a router the request
//! never crossed (unseen round g, case 10): conntrack there takes the reply for INVALID, so an
//! ESTABLISHED accept cannot let it through. The route that sends the reply there is the fault
//! (put back the way the request came); a stateless accept of the reply is the other way. A
//! router both ways keeps the ESTABLISHED accept as its fix.

mod support;

use support::why_lab::{diagnose, diagnose_at, fixed_from};

const D: &str = "10.40.2.10";

/// d's replies by r2, whose FORWARD `rules` (after a flush) drop them whatever their state.
fn by_r2(rules: &str) -> String {
    let mut inject = String::from(
        "ip -n d route replace default via 10.40.2.2\nip netns exec r2 iptables -F FORWARD\n",
    );
    for l in rules.lines() {
        inject += &format!("ip netns exec r2 iptables {l}\n");
    }
    inject
}

const ASYM_D: &str = "the way back is not the way there: d's route to 10.40.1.10 via 10.40.2.2 sends the reply by r2, but the request came by r1 (10.40.2.1); r2 never saw the request, so its conntrack takes the reply for INVALID: ";

const ROUTE_FIX: &str = r#"d.sh("ip route replace default via 10.40.2.1")"#;

const STATELESS: &str =
    r#"r2.iptables("-I FORWARD 1 -i b -o a -s 10.40.2.10 -d 10.40.1.10 -j ACCEPT")"#;

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_drop_policy_on_a_router_only_the_reply_crosses_names_the_way_back() {
    let got = diagnose("asym", "", &by_r2("-P FORWARD DROP"), D);
    let cause = format!("{ASYM_D}r2's FORWARD chain drops the replies b → a (policy DROP)");
    let want = fixed_from(("ns1", D), "d", &cause, ROUTE_FIX, Some(STATELESS));
    assert_eq!(got, want);
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_drop_rule_on_a_router_only_the_reply_crosses_names_the_way_back() {
    let got = diagnose("asym", "", &by_r2("-A FORWARD -j DROP"), D);
    let cause =
        format!("{ASYM_D}r2's FORWARD chain drops the replies b → a (rule `-A FORWARD -j DROP`)");
    let want = fixed_from(("ns1", D), "d", &cause, ROUTE_FIX, Some(STATELESS));
    assert_eq!(got, want);
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn the_other_direction_names_the_senders_route() {
    let inject = "ip -n ns1 route replace default via 10.40.1.2\n\
                  ip netns exec r2 iptables -F FORWARD\n\
                  ip netns exec r2 iptables -P FORWARD DROP";
    let got = diagnose_at("asym", "", inject, ("d", "10.40.1.10"), "", "");
    let cause = "the way back is not the way there: ns1's route to 10.40.2.10 via 10.40.1.2 sends the reply by r2, but the request came by r1 (10.40.1.1); r2 never saw the request, so its conntrack takes the reply for INVALID: r2's FORWARD chain drops the replies a → b (policy DROP)";
    let fix = r#"ns1.sh("ip route replace default via 10.40.1.1")"#;
    let other = r#"r2.iptables("-I FORWARD 1 -i a -o b -s 10.40.1.10 -d 10.40.2.10 -j ACCEPT")"#;
    let want = fixed_from(("d", "10.40.1.10"), "ns1", cause, fix, Some(other));
    assert_eq!(got, want);
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_router_both_ways_keeps_the_established_accept() {
    let inject = "ip -n ns1 route replace default via 10.40.1.2\n\
                  ip -n d route replace default via 10.40.2.2\n\
                  ip netns exec r2 iptables -F FORWARD\n\
                  ip netns exec r2 iptables -A FORWARD -i a -o b -j ACCEPT\n\
                  ip netns exec r2 iptables -P FORWARD DROP";
    let got = diagnose("asym", "", inject, D);
    let cause = "r2's FORWARD chain drops the replies b → a (policy DROP)";
    let fix = r#"r2.forward(#{ out: "a", state: "RELATED,ESTABLISHED" })"#;
    assert_eq!(got, fixed_from(("ns1", D), "r2", cause, fix, None));
}
