//! `netsh why` through a Docker-like host whose containers leave by policy routing (task K,
//! tests/why/masq_policy.rhai): `from 172.20.0.0/24 lookup 100` sends them out wan, main's
//! default goes out mgmt to a dead end. MASQUERADE takes its address from the link the packet
//! really leaves by (wan's, on the gateway's network), never from main's route; and the policy
//! rule is not blamed for a break on the way back once the request got through its way.

mod support;

use support::why_lab::{clear_from, diagnose_at, diagnose_then, fixed_from, why_lines};

const LAB: &str = "masq_policy";
const SRV: &str = "203.0.113.10";

/// The lab with `inject`, then `why c SRV`: its MASQUERADE line, any broken step, the verdict,
/// then a real ping.
fn masq_words(inject: &str) -> String {
    why_lines(LAB, "", inject, ("c", SRV), "becomes|BROKEN|^verdict")
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn masquerade_under_policy_routing_takes_the_out_links_address_and_stays_clear() {
    let cases = [
        // The tester's lab: the rule by source.
        "",
        // The same way chosen by the link the packets come in on.
        "ip -n h rule del pref 100; ip -n h rule add pref 100 iif docker0 lookup 100",
        // … and by a mark set as they come in.
        "ip netns exec h iptables -t mangle -A PREROUTING -i docker0 -j MARK --set-mark 0x1\n\
         ip -n h rule del pref 100; ip -n h rule add pref 100 fwmark 0x1 lookup 100",
        // wan with another primary address and a secondary on the gateway's network: the
        // primary there is taken.
        "ip -n h addr add 192.0.2.2/24 dev wan; ip -n h addr add 198.51.100.3/30 dev wan",
    ];
    let want = "  [ok] h: POSTROUTING MASQUERADE: source 172.20.0.5 becomes 198.51.100.2\nverdict: clear\nping ok\n";
    for inject in cases {
        assert_eq!(masq_words(inject), want, "{inject}");
    }
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn the_healthy_lab_is_clear_without_a_word_against_the_rule() {
    let got = diagnose_at(LAB, "", "", ("c", SRV), "", "");
    assert_eq!(got, clear_from(("c", SRV)));
}

/// The MASQUERADE names mgmt, not wan, the link the policy route leaves by.
const OUT_MGMT: &str =
    "ip netns exec h iptables -t nat -R POSTROUTING 1 -s 172.20.0.0/24 -o mgmt -j MASQUERADE";
const UNNATED: &str = "h forwards 172.20.0.5 out wan (198.51.100.0/30) with its private source unchanged: its nat POSTROUTING's MASQUERADE for 172.20.0.5 is for mgmt, not wan, so up has no route back to 172.20.0.5 (Network is unreachable)";
const MASQ_WAN: &str =
    r#"h.sh("iptables -t nat -A POSTROUTING -s 172.20.0.0/24 -o wan -j MASQUERADE")"#;
const ROUTE_UP: &str = r#"up.route("172.20.0.0/24", "198.51.100.2")"#;

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_masquerade_on_the_wrong_link_is_named_not_the_policy_rule() {
    let got = diagnose_at(LAB, "", OUT_MGMT, ("c", SRV), "", "");
    assert_eq!(
        got,
        fixed_from(("c", SRV), "h", UNNATED, MASQ_WAN, Some(ROUTE_UP))
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
    let answered =
        format!("  probe: {dst} port reachable, listener answered\nverdict: clear\nexit 0\n");
    let healthy = diagnose_then(LAB, "", listen, ("c", &dst), "", prove);
    assert_eq!(healthy, format!("why c → {dst}\n{answered}connect ok\n"));
    let inject = format!("{listen}{OUT_MGMT}");
    let got = diagnose_then(LAB, "", &inject, ("c", &dst), "", prove);
    assert_eq!(
        got,
        format!(
            "why c → {dst}\n  [BROKEN] h: {UNNATED}\n  fix: {MASQ_WAN}\n  other way: {ROUTE_UP}\n  probe: no answer from {dst} (the SYN timed out)\nverdict: blocked — {UNNATED}\nexit 1\nwhy c → {dst}\n{answered}connect ok\n"
        )
    );
}
