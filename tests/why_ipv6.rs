//! `netsh why` on an IPv6 destination (unseen round d, cases d05 and d10): the walk, the probe
//! (a real ICMPv6 echo) and the way back in IPv6 terms: forwarding by
//! net.ipv6.conf.all.forwarding, ip6tables chains and their fixes, neighbour discovery that a
//! firewall breaks, and proxy NDP. Each case asserts the exact report and that applying its
//! fix makes a real `ping` to the IPv6 address pass; the healthy labs stay clear.

mod support;

use support::why_lab::{diagnose, diagnose_at, diagnose_then};

const D: &str = "2001:db8:2::10";

/// One fault named at `hop` and fixed in one round, then clear and the real ping.
fn fixed(dst: &str, hop: &str, cause: &str, fix: &str) -> String {
    format!(
        "why ns1 → {dst}\n  [BROKEN] {hop}: {cause}\n  fix: {fix}\n  probe: no reply from {dst}\nverdict: blocked — {cause}\nexit 1\nwhy ns1 → {dst}\n  probe: {dst} answers\nverdict: clear\nexit 0\nping ok\n"
    )
}

fn pair(inject: &str) -> String {
    diagnose("ipv6_pair", "", inject, D)
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_healthy_ipv6_path_is_clear_with_every_hop_ok() {
    let got = diagnose_then(
        "ipv6_pair",
        "",
        "",
        ("ns1", D),
        "",
        r#"cat /run/why.out; ip netns exec ns1 ping -c1 -W2 2001:db8:2::10 >/dev/null 2>&1 && echo "ping ok""#,
    );
    let report = "why ns1 → 2001:db8:2::10
  [ok] ns1: route to 2001:db8:2::10 via 2001:db8:1::1 dev eth0 src 2001:db8:1::10
  [ok] ns1: eth0 is up, cable to left in r
  [ok] r: 2001:db8:1::1 is r's left
  [ok] r: route to 2001:db8:2::10 dev right (from 2001:db8:1::10, in on left)
  [ok] r: net.ipv6.conf.all.forwarding is 1
  [ok] r: FORWARD left → right accepted (policy ACCEPT)
  [ok] r: right is up, cable to eth0 in d
  [ok] d: 2001:db8:2::10 is local here (on eth0)
  [ok] d: the way back: route to 2001:db8:1::10 via 2001:db8:2::1 dev eth0
  [ok] r: the way back: route to 2001:db8:1::10 dev left
  [ok] r: FORWARD lets the replies back right → left
  [ok] ns1: the reply arrives on eth0
  probe: 2001:db8:2::10 answers
verdict: clear
";
    let short =
        "why ns1 → 2001:db8:2::10\n  probe: 2001:db8:2::10 answers\nverdict: clear\nexit 0\n";
    assert_eq!(got, format!("{short}{report}ping ok\n"));
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn ipv6_forwarding_off_at_the_router_is_named_and_turned_on() {
    let got = pair("ip netns exec r sysctl -qw net.ipv6.conf.all.forwarding=0");
    let cause = "r does not forward IPv6: net.ipv6.conf.all.forwarding is 0";
    let fix = r#"r.sysctl("net.ipv6.conf.all.forwarding", 1)"#;
    assert_eq!(got, fixed(D, "r", cause, fix));
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn the_routers_deleted_ipv6_connected_route_is_named_and_added() {
    let got = pair("ip -n r -6 route del 2001:db8:2::/64 dev right");
    let cause = "r has no route to 2001:db8:2::10 (Network is unreachable): its address 2001:db8:2::1/64 on right has no connected route for 2001:db8:2::/64 (added with noprefixroute, or the route deleted)";
    let fix = r#"r.sh("ip route add 2001:db8:2::/64 dev right proto kernel scope link src 2001:db8:2::1")"#;
    assert_eq!(got, fixed(D, "r", cause, fix));
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn the_destinations_missing_ipv6_default_is_named_on_the_way_back() {
    let got = pair("ip -n d -6 route del default");
    let cause = "d has no route back to 2001:db8:1::10 (Network is unreachable)";
    let fix = r#"d.route("2001:db8:1::/64", "2001:db8:2::1")"#;
    assert_eq!(got, fixed(D, "d", cause, fix));
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn an_ip6tables_forward_drop_of_the_echo_is_named_with_an_ip6tables_fix() {
    let got = pair(
        "ip netns exec r ip6tables -A FORWARD -p ipv6-icmp --icmpv6-type echo-request -j DROP",
    );
    let cause = "r's FORWARD chain drops left → right (rule `-A FORWARD -p ipv6-icmp -m icmp6 --icmpv6-type 128 -j DROP`)";
    let fix = r#"r.sh("ip6tables -I FORWARD 1 -i left -o right -s 2001:db8:1::10 -d 2001:db8:2::10 -p ipv6-icmp --icmpv6-type echo-request -j ACCEPT")"#;
    assert_eq!(got, fixed(D, "r", cause, fix));
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn an_ip6tables_input_drop_of_the_echo_is_named_with_an_ip6tables_fix() {
    let got =
        pair("ip netns exec d ip6tables -A INPUT -p ipv6-icmp --icmpv6-type echo-request -j DROP");
    let cause = "d's INPUT chain drops the echo request in on eth0 from 2001:db8:1::10 to 2001:db8:2::10 (rule `-A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type 128 -j DROP`)";
    let fix = r#"d.sh("ip6tables -I INPUT 1 -i eth0 -s 2001:db8:1::10 -d 2001:db8:2::10 -p ipv6-icmp --icmpv6-type echo-request -j ACCEPT")"#;
    assert_eq!(got, fixed(D, "d", cause, fix));
}

/// d05: d lets only the echo request and ESTABLISHED in; r's neighbour solicitations for d
/// (never tracked: state INVALID) meet the policy DROP, so r cannot resolve d.
#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn an_input_policy_that_drops_neighbour_solicitations_is_named_as_neighbour_discovery() {
    let got = pair(
        "ip -n r -6 neigh flush all; ip -n d -6 neigh flush all
ip netns exec d ip6tables -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
ip netns exec d ip6tables -A INPUT -p ipv6-icmp --icmpv6-type echo-request -j ACCEPT
ip netns exec d ip6tables -P INPUT DROP",
    );
    let cause = "d's ip6tables INPUT chain drops the neighbour solicitations for 2001:db8:2::10 arriving on eth0 (policy DROP), so r cannot resolve 2001:db8:2::10 (neighbour discovery fails)";
    let fix = r#"d.sh("ip6tables -I INPUT -p ipv6-icmp --icmpv6-type neighbour-solicitation -j ACCEPT"); d.sh("ip6tables -I INPUT -p ipv6-icmp --icmpv6-type neighbour-advertisement -j ACCEPT")"#;
    assert_eq!(got, fixed(D, "d", cause, fix));
}

const C: &str = "2001:db8:1::100";

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_healthy_proxy_ndp_path_is_clear() {
    let got = diagnose_at("ipv6_ndproxy", "", "", ("ns1", C), "", "");
    assert_eq!(
        got,
        format!("why ns1 → {C}\n  probe: {C} answers\nverdict: clear\nexit 0\nping ok\n")
    );
}

/// d10: h's proxy entry for the container is still there, but proxy_ndp on its uplink is 0.
#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn proxy_ndp_off_on_the_uplink_is_named_and_turned_on() {
    let got = diagnose_at(
        "ipv6_ndproxy",
        "",
        "ip netns exec h sysctl -qw net.ipv6.conf.uplink.proxy_ndp=0; ip -n up -6 neigh flush all",
        ("ns1", C),
        "",
        "",
    );
    let cause = "h holds a proxy entry for 2001:db8:1::100 on uplink (ip -6 neigh add proxy), but net.ipv6.conf.uplink.proxy_ndp is 0, so h does not answer up's neighbour solicitations for 2001:db8:1::100";
    let fix = r#"h.sh("sysctl -w net.ipv6.conf.uplink.proxy_ndp=1")"#;
    assert_eq!(got, fixed(C, "h", cause, fix));
}
