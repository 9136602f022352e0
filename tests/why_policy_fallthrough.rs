//! `netsh why` through a Docker-like host whose policy table lost its route (task M,
//! tests/why/masq_policy.rhai): `from 172.20.0.0/24 lookup 100` finds no route to the server
//! in table 100, so the lookup goes on to main, whose default leads out mgmt to a dead end.
//! The rule and its table are named, not the FORWARD policy or the dead end that follow, and
//! the route goes back into table 100 by the one router that leads on (up, on wan).

mod support;

use support::sandbox;
use support::why_lab::{diagnose_at, diagnose_then, fixed_from};

const LAB: &str = "masq_policy";
const SRV: &str = "203.0.113.10";
const LOST: &str = "ip -n h route del default table 100";
const FIX: &str = r#"h.sh("ip route add default via 198.51.100.1 dev wan table 100")"#;

/// The cause for the rule `rule` (as `ip rule` shows it).
fn fell_through(rule: &str) -> String {
    format!("h's policy rule `{rule}` chooses table 100, which has no route to 203.0.113.10, so the lookup goes on to main, which sends it out mgmt by `default via 10.50.0.1 dev mgmt`, and it is lost that way")
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_policy_table_that_lost_its_route_is_named_and_the_route_put_back() {
    let by_src = "100: from 172.20.0.0/24 lookup 100";
    let cases = [
        // The tester's fault: the default gone, main's FORWARD policy is what follows.
        (LOST.to_string(), by_src),
        // The rule by the link the packets come in on.
        (
            format!("{LOST}; ip -n h rule del pref 100; ip -n h rule add pref 100 iif docker0 lookup 100"),
            "100: from all iif docker0 lookup 100",
        ),
        // … and by a mark set as they come in.
        (
            format!("ip netns exec h iptables -t mangle -A PREROUTING -i docker0 -j MARK --set-mark 0x1\n\
             ip -n h rule del pref 100; ip -n h rule add pref 100 fwmark 0x1 lookup 100; {LOST}"),
            "100: from all fwmark 0x1/0xffffffff lookup 100",
        ),
        // The table held the server's prefix, not a default, and lost it.
        (
            "ip -n h route add 203.0.113.0/24 via 198.51.100.1 table 100; ip -n h route del default table 100\n\
             ip -n h route del 203.0.113.0/24 table 100".to_string(),
            by_src,
        ),
        // FORWARD lets it out mgmt: the dead end at m follows, not the fault.
        (
            format!("{LOST}; ip netns exec h iptables -I FORWARD -i docker0 -o mgmt -j ACCEPT"),
            by_src,
        ),
    ];
    for (inject, rule) in cases {
        let got = diagnose_at(LAB, "", &inject, ("c", SRV), "", "");
        let want = fixed_from(("c", SRV), "h", &fell_through(rule), FIX, None);
        assert_eq!(got, want, "{inject}");
    }
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn two_ways_to_the_router_leave_the_gateway_unknown_and_no_fix_is_guessed() {
    // A second link to up: either could be the table's way, so none is offered.
    let inject = format!(
        "{LOST}\nip -n h link add wan2 type veth peer u2 netns up\n\
         ip -n h addr add 198.51.100.5/30 dev wan2; ip -n up addr add 198.51.100.6/30 dev u2\n\
         ip -n h link set wan2 up; ip -n up link set u2 up"
    );
    let got = diagnose_at(LAB, "", &inject, ("c", SRV), "", "");
    let cause = fell_through("100: from 172.20.0.0/24 lookup 100");
    assert_eq!(
        got,
        format!("why c → {SRV}\n  [BROKEN] h: {cause}\n  probe: no reply from {SRV}\nverdict: blocked — {cause}\nexit 1\nping fails\n")
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping, socat"]
fn the_same_over_tcp_is_named_and_proved_by_a_connect() {
    let dst = format!("{SRV}:443");
    let listen = "ip netns exec srv timeout 60 socat TCP-LISTEN:443,fork,reuseaddr SYSTEM:'echo hi' >/dev/null 2>&1 & L=$!\n\
                  sleep 0.3\n";
    let prove = "ip netns exec c timeout 5 bash -c 'exec 3<>/dev/tcp/203.0.113.10/443' 2>/dev/null && echo \"connect ok\" || echo \"connect fails\"\n\
                 kill $L";
    let inject = format!("{listen}{LOST}");
    let got = diagnose_then(LAB, "", &inject, ("c", &dst), "", prove);
    let cause = fell_through("100: from 172.20.0.0/24 lookup 100");
    assert_eq!(
        got,
        format!(
            "why c → {dst}\n  [BROKEN] h: {cause}\n  fix: {FIX}\n  probe: no answer from {dst} (the SYN timed out)\nverdict: blocked — {cause}\nexit 1\n\
             why c → {dst}\n  probe: {dst} port reachable, listener answered\nverdict: clear\nexit 0\nconnect ok\n"
        )
    );
}

/// The healthy lab stays clear: the rule's table holds its route, nothing is noted.
#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn the_healthy_lab_says_nothing_of_the_rule() {
    let out = sandbox(&format!(
        r#"cd "{dir}"
"$NETSH" run tests/why/{LAB}.rhai >/dev/null 2>&1 || echo "build failed"
"$NETSH" why c {SRV} | grep -c "goes on to main" || true"#,
        dir = env!("CARGO_MANIFEST_DIR")
    ));
    out.assert_success();
    assert_eq!(out.stdout, "0\n");
}

/// The reply's lookup falls through the same way: a port forward wan:8080 → c:80, whose
/// replies (from 172.20.0.5) the rule sends to table 100, which lost its default.
#[test]
#[ignore = "needs iproute2, iptables, iputils-ping, socat"]
fn a_reply_that_falls_through_the_rules_table_is_named_on_the_way_back() {
    let dst = "198.51.100.2:8080";
    let inject = format!(
        "ip netns exec h iptables -t nat -A PREROUTING -i wan -p tcp --dport 8080 -j DNAT --to-destination 172.20.0.5:80\n\
         ip netns exec h iptables -A FORWARD -i wan -o docker0 -d 172.20.0.5 -p tcp --dport 80 -j ACCEPT\n\
         ip netns exec c timeout 60 socat TCP-LISTEN:80,fork,reuseaddr SYSTEM:'echo hi' >/dev/null 2>&1 & L=$!\n\
         sleep 0.3\n{LOST}"
    );
    let prove = "ip netns exec srv timeout 5 bash -c 'exec 3<>/dev/tcp/198.51.100.2/8080' 2>/dev/null && echo \"connect ok\" || echo \"connect fails\"\n\
                 kill $L";
    let got = diagnose_then(LAB, "", &inject, ("srv", dst), "", prove);
    let cause = "h's policy rule `100: from 172.20.0.0/24 lookup 100` chooses table 100, which has no route to 203.0.113.10, so the reply's lookup goes on to main, which sends it out mgmt by `default via 10.50.0.1 dev mgmt`, and it is lost that way";
    assert_eq!(
        got,
        format!(
            "why srv → {dst}\n  [BROKEN] h: {cause}\n  fix: {FIX}\n  probe: no answer from {dst} (the SYN timed out)\nverdict: blocked — {cause}\nexit 1\n\
             why srv → {dst}\n  probe: {dst} port reachable, listener answered\nverdict: clear\nexit 0\nconnect ok\n"
        )
    );
}

/// A catch-all rule (`5270: from all lookup 52`, tailscaled's) whose table holds only the
/// tailnet is meant to fall through to main: a FORWARD DROP further on is the fault, not it.
#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_catch_all_rule_that_falls_through_on_purpose_is_not_blamed() {
    let inject = "ip netns exec h iptables -I FORWARD -i docker0 -o eth0 -j DROP";
    let got = diagnose_at("ts_docker", "", inject, ("c1", SRV), "", "");
    let cause =
        "h's FORWARD chain drops docker0 → eth0 (rule `-A FORWARD -i docker0 -o eth0 -j DROP`)";
    let fix = r#"h.iptables("-I FORWARD 1 -i docker0 -o eth0 -s 172.17.0.2 -d 203.0.113.10 -p icmp -j ACCEPT")"#;
    assert_eq!(got, fixed_from(("c1", SRV), "h", cause, fix, None));
}
