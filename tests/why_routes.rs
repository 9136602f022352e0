//! `netsh why` on routing faults (issue 13, items 1, 4 and 6 for routes): each lab is built in a
//! sandbox by a script of tests/why, one fault is injected by hand with `ip`, `why` must name
//! that fault in its exact words and give a fix in DSL form; the fix is run as a script, `why`
//! must then find the path clear, and a real ping (iputils) must pass.

mod support;

use support::sandbox;
use support::why_case::Named;
use support::why_lab::{blocked, clear, diagnose, diagnose_at, diagnose_then, fixed};

const D: &str = "10.0.3.2";

/// The chain lab (ns1 — r1 — r2 — r3 — d), ns1 to d.
const CHAIN: Named = Named::on("chain", "", ("ns1", D));

/// The chain of two routers, ns1 to d.
const CHAIN_2: Named = Named::on("chain", "-p n=2", ("ns1", "10.0.2.2"));

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_blackhole_route_mid_path_is_named_and_deleted() {
    Named {
        inject: "ip -n r2 route add blackhole 10.0.3.2/32",
        hop: "r2",
        cause: "r2 drops the packet to 10.0.3.2: route `blackhole 10.0.3.2` (table main; Invalid argument)",
        fix: r#"r2.del_route("10.0.3.2/32", #{ adopted: true })"#,
        ..CHAIN
    }
    .check();
}

/// A blackhole put in place of the route (`ip route replace`): deleting it leaves no way on,
/// so the fix gives the route back as well (toward the next router).
#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_blackhole_in_place_of_the_route_is_deleted_and_the_route_given_back() {
    Named {
        inject: "ip -n r1 route replace blackhole 10.0.2.0/24",
        hop: "r1",
        cause: "r1 drops the packet to 10.0.2.2: route `blackhole 10.0.2.0/24` (table main; Invalid argument)",
        fix: r#"r1.del_route("10.0.2.0/24", #{ adopted: true }); r1.route("10.0.2.0/24", "10.0.1.2")"#,
        ..CHAIN_2
    }
    .check();
}

/// The same through a nexthop object (`ip nexthop add id 7 blackhole`, the route `nhid 7`).
#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_route_by_a_blackhole_nexthop_object_is_replaced() {
    Named {
        inject: "ip -n r1 nexthop add id 7 blackhole; ip -n r1 route replace 10.0.2.0/24 nhid 7",
        hop: "r1",
        cause: "r1 drops the packet to 10.0.2.2: route `blackhole 10.0.2.0/24 dev lo` (table main; Invalid argument)",
        fix: r#"r1.del_route("10.0.2.0/24", #{ adopted: true }); r1.route("10.0.2.0/24", "10.0.1.2")"#,
        ..CHAIN_2
    }
    .check();
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn an_unreachable_route_is_named_and_deleted() {
    Named {
        inject: "ip -n r1 route add unreachable 10.0.3.0/25",
        hop: "r1",
        cause: "r1 refuses (unreachable) the packet to 10.0.3.2: route `unreachable 10.0.3.0/25` (table main; No route to host)",
        fix: r#"r1.del_route("10.0.3.0/25", #{ adopted: true })"#,
        ..CHAIN
    }
    .check();
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_prohibit_route_on_the_last_router_is_named_and_deleted() {
    Named {
        inject: "ip -n r3 route add prohibit 10.0.3.2/32",
        hop: "r3",
        cause: "r3 refuses (prohibited) the packet to 10.0.3.2: route `prohibit 10.0.3.2` (table main; Permission denied)",
        fix: r#"r3.del_route("10.0.3.2/32", #{ adopted: true })"#,
        ..CHAIN
    }
    .check();
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_missing_route_mid_path_gets_one_through_the_next_router() {
    Named {
        inject: "ip -n r2 route del 10.0.3.0/24",
        hop: "r2",
        cause: "r2 has no route to 10.0.3.2 (Network is unreachable)",
        fix: r#"r2.route("10.0.3.0/24", "10.0.2.2")"#,
        ..CHAIN
    }
    .check();
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_missing_return_route_gets_the_route_and_nat_only_as_the_other_way() {
    let got = diagnose("chain", "", "ip -n d route del default", D);
    let cause = "d has no route back to 10.0.0.1 (Network is unreachable)";
    let want = blocked(D, "d", cause, r#"d.route("10.0.0.0/24", "10.0.3.1")"#).replace(
        "  probe:",
        "  other way: r3.masquerade(#{ src: \"10.0.0.0/24\", out: \"!left\" })\n  probe:",
    ) + &clear(D);
    assert_eq!(got, want);
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_wrong_gateway_is_replaced_by_the_neighbour_towards_the_destination() {
    Named {
        inject: "ip -n r1 route replace 10.0.3.0/24 via 10.0.1.99",
        hop: "r1",
        cause: "no namespace here holds r1's gateway 10.0.1.99 (route `10.0.3.0/24 via 10.0.1.99 dev right`)",
        fix: r#"r1.del_route("10.0.3.0/24", #{ adopted: true }); r1.route("10.0.3.0/24", "10.0.1.2")"#,
        ..CHAIN
    }
    .check();
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_policy_rule_after_an_empty_table_is_named_with_both_priorities() {
    Named {
        inject: "ip -n r2 rule add from 10.0.0.0/24 lookup 100 pref 100\n\
         ip -n r2 rule add from 10.0.0.0/24 prohibit pref 101",
        hop: "r2",
        cause: "r2's policy rule `101: from 10.0.0.0/24 prohibit` refuses (prohibited) the packet to 10.0.3.2, after rule `100: from 10.0.0.0/24 lookup 100` found no route in table 100 (Permission denied)",
        fix: r#"r2.sh("ip rule del priority 101")"#,
        ..CHAIN
    }
    .check();
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_policy_rule_by_source_to_a_wrong_table_is_named_and_removed() {
    Named {
        inject: "ip -n r1 rule add from 10.0.0.0/24 lookup 100 pref 100\n\
         ip -n r1 route add blackhole default table 100",
        hop: "r1",
        cause: "r1 drops the packet to 10.0.3.2: route `blackhole default` (table 100, by rule `100: from 10.0.0.0/24 lookup 100`; Invalid argument)",
        fix: r#"r1.sh("ip rule del priority 100")"#,
        ..CHAIN
    }
    .check();
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_routing_loop_of_two_is_named_once_and_broken() {
    Named {
        inject: "ip -n r2 route replace 10.0.3.0/24 via 10.0.1.1",
        hop: "r2",
        cause: "10.0.3.2 loops between r2 and r1 until its TTL runs out: r2 sends it back to r1 via 10.0.1.1 (route `10.0.3.0/24 via 10.0.1.1 dev left`), while r3 (10.0.2.2) leads on toward 10.0.3.2",
        fix: r#"r2.del_route("10.0.3.0/24", #{ adopted: true }); r2.route("10.0.3.0/24", "10.0.2.2")"#,
        ..CHAIN
    }
    .check();
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_routing_loop_of_three_is_named_once_and_broken() {
    let inject = "ip -n r1 route replace 10.0.9.0/24 via 10.0.100.2\n\
                  ip -n r3 route add 10.0.9.2/32 via 10.0.100.1";
    let got = diagnose("triangle", "", inject, "10.0.9.2");
    let broken = got
        .lines()
        .find(|l| l.contains("[BROKEN]"))
        .unwrap_or_default();
    assert!(
        broken.contains("[BROKEN] r3: 10.0.9.2 loops round "),
        "{got}"
    );
    assert!(broken.contains(" → r1 → "), "{got}");
    assert!(
        got.contains("  fix: r3.del_route(\"10.0.9.2/32\", #{ adopted: true })\n"),
        "{got}"
    );
    assert!(got.ends_with(&clear("10.0.9.2")), "{got}");
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_chain_of_twenty_routers_is_walked_to_its_end() {
    let out = sandbox(&format!(
        "cd \"{}\"\n\"$NETSH\" run tests/why/chain.rhai -p n=20 >/dev/null 2>&1 || exit 9\n\
         \"$NETSH\" why ns1 10.0.20.2 > /run/why.out; echo \"exit $?\"\n\
         grep -c 'ip_forward is 1' /run/why.out; grep -c 'the way back: route' /run/why.out\n\
         grep 'd: 10.0.20.2 is local here\\|arrives on\\|verdict' /run/why.out",
        env!("CARGO_MANIFEST_DIR")
    ));
    let want = "exit 0\n20\n21\n  [ok] d: 10.0.20.2 is local here (on left)\n  [ok] ns1: the reply arrives on right\nverdict: clear\n";
    assert_eq!(out.stdout, want, "{out}");
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_fault_at_hop_eighteen_of_twenty_is_reached_and_fixed() {
    Named {
        inject: "ip -n r18 route add blackhole 10.0.20.2/32",
        hop: "r18",
        cause: "r18 drops the packet to 10.0.20.2: route `blackhole 10.0.20.2` (table main; Invalid argument)",
        fix: r#"r18.del_route("10.0.20.2/32", #{ adopted: true })"#,
        ..Named::on("chain", "-p n=20", ("ns1", "10.0.20.2"))
    }
    .check();
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn rp_filter_dropping_an_asymmetric_reply_is_named() {
    Named {
        inject: "ip -n d route replace 10.0.0.0/24 via 10.0.6.1",
        hop: "ns1",
        cause: "ns1 drops the reply from 10.0.1.2 arriving on b: rp_filter is 1 and its route back to 10.0.1.2 leaves by a (reverse-path filter)",
        fix: r#"ns1.sysctl("net.ipv4.conf.all.rp_filter", 2)"#,
        ..Named::on("two_ways", "", ("ns1", "10.0.1.2"))
    }
    .check();
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn healthy_labs_stay_clear_with_a_harmless_policy_rule() {
    // A rule to an empty table falls through to main: nothing to blame.
    let inject = "ip -n r2 rule add from 10.0.0.0/24 lookup 100 pref 100";
    assert_eq!(diagnose("chain", "", inject, D), clear(D));
    assert_eq!(diagnose("two_ways", "", "", "10.0.1.2"), clear("10.0.1.2"));
    assert_eq!(diagnose("triangle", "", "", "10.0.9.2"), clear("10.0.9.2"));
}

/// The dual-WAN lab's server (tests/why/dual.rhai).
const SRV: &str = "203.0.113.10";

/// The dual-WAN lab, ns1 to its server.
const DUAL: Named = Named::on("dual", "", ("ns1", SRV));

/// `blocked` with the `other way:` line a fix may come with.
fn blocked_other(dst: &str, hop: &str, cause: &str, fix: &str, other: &str) -> String {
    blocked(dst, hop, cause, fix).replace("  probe:", &format!("  other way: {other}\n  probe:"))
}

/// ns1's only default in table 100, chosen by rule 100 (the round-n lab's policy routing).
const TABLE_100: &str = "ip -n ns1 route del default\n\
     ip -n ns1 route add default via 192.168.1.1 table 100\n\
     ip -n ns1 rule add pref 100 lookup 100\n";

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_throw_route_past_the_tables_way_out_is_named_and_deleted_not_the_rule() {
    Named {
        inject: &format!("{TABLE_100}ip -n ns1 route add throw 203.0.113.0/24 table 100"),
        hop: "ns1",
        cause: "ns1 has no route to 203.0.113.10: route `throw 203.0.113.0/24` in table 100 (by rule `100: from all lookup 100`) throws the packet past that table's `default via 192.168.1.1 dev eth0`, on to the next rules, and tables main, default have no route to it (Network is unreachable)",
        fix: r#"ns1.sh("ip route del throw 203.0.113.0/24 table 100")"#,
        ..DUAL
    }
    .check();
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_throw_route_with_a_way_out_in_main_stays_clear() {
    let inject = format!(
        "{TABLE_100}ip -n ns1 route add throw 203.0.113.0/24 table 100\n\
         ip -n ns1 route add default via 192.168.1.1"
    );
    assert_eq!(diagnose("dual", "", &inject, SRV), clear(SRV));
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_blackhole_in_a_policy_table_is_deleted_alone_not_the_rule_that_serves_the_table() {
    Named {
        inject: &format!("{TABLE_100}ip -n ns1 route add blackhole 203.0.113.0/24 table 100"),
        hop: "ns1",
        cause: "ns1 drops the packet to 203.0.113.10: route `blackhole 203.0.113.0/24` (table 100, by rule `100: from all lookup 100`; Invalid argument)",
        fix: r#"ns1.sh("ip route del blackhole 203.0.113.0/24 table 100")"#,
        ..DUAL
    }
    .check();
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn an_onlink_gateway_on_the_wrong_link_is_named_and_the_route_moved_to_its_link() {
    Named {
        inject: "ip -n rt route del default via 100.64.1.1 dev wan1 metric 10\n\
         ip -n rt route add default via 100.64.1.1 dev wan2 onlink metric 10",
        hop: "rt",
        cause: "rt's route `default via 100.64.1.1 dev wan2` sends the packet to gateway 100.64.1.1 out of wan2, but 100.64.1.1 is not on wan2: it is on wan1's subnet 100.64.1.0/30, where isp1's cpe holds it",
        fix: r#"rt.sh("ip route replace default via 100.64.1.1 dev wan1 metric 10")"#,
        ..DUAL
    }
    .check();
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn an_ecmp_leg_without_carrier_that_the_flow_hashes_onto_is_named() {
    // The hash seed is chosen (bounded) so that this flow takes the wan2 leg, as in the round.
    let inject = "ip -n rt route del default via 100.64.1.1 dev wan1 metric 10\n\
         ip -n rt route del default via 100.64.2.1 dev wan2 metric 20\n\
         ip -n rt route add default nexthop via 100.64.1.1 dev wan1 nexthop via 100.64.2.1 dev wan2\n\
         for s in $(seq 1 64); do\n\
           ip netns exec rt sysctl -qw net.ipv4.fib_multipath_hash_seed=$s\n\
           ip -n rt route get 203.0.113.10 from 192.168.1.10 iif lan | grep -q 'dev wan2' && break\n\
         done\n\
         ip -n isp2 link set cpe down";
    let cause = "rt's multipath route `default` (2 nexthops) hashes this flow onto nexthop via 100.64.2.1 dev wan2, which has no carrier (linkdown: its other end cpe in isp2 is down), yet the kernel keeps using it";
    let want = blocked_other(
        SRV,
        "rt",
        cause,
        r#"isp2.link("cpe").up()"#,
        r#"rt.sh("ip route replace default nexthop via 100.64.1.1 dev wan1")"#,
    ) + &clear(SRV);
    assert_eq!(diagnose("dual", "", inject, SRV), want);
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_preferred_default_without_carrier_is_named_beside_the_one_that_would_work() {
    let cause = "rt's route `default via 100.64.1.1 dev wan1` leaves by wan1, which has no carrier (linkdown: its other end cpe in isp1 is down), yet the kernel keeps using it rather than `default via 100.64.2.1 dev wan2` (metric 20)";
    let want = blocked_other(
        SRV,
        "rt",
        cause,
        r#"isp1.link("cpe").up()"#,
        r#"rt.sh("ip route del default via 100.64.1.1 dev wan1 metric 10")"#,
    ) + &clear(SRV);
    assert_eq!(
        diagnose("dual", "", "ip -n isp1 link set cpe down", SRV),
        want
    );
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_down_uplink_is_brought_up_with_the_route_the_kernel_took_away() {
    Named {
        inject: "ip -n isp1 link set dev up down",
        hop: "isp1",
        cause: "up in isp1 is down, so isp1 has no route to 203.0.113.10 (the kernel took away the routes through it: up() alone does not bring them back)",
        fix: r#"isp1.link("up").up(); isp1.route("203.0.113.0/24", "198.18.1.2")"#,
        ..DUAL
    }
    .check();
}

/// A container's address re-added with `noprefixroute` in the overlay lab (tests/why/ovl.rhai).
fn noprefixroute(ns: &str, addr: &str) -> String {
    format!(
        "ip -n {ns} addr del {addr}/24 dev eth0\n\
         ip -n {ns} addr add {addr}/24 dev eth0 noprefixroute"
    )
}

/// The report from c1 (the overlay lab's sender).
fn from_c1(want: String) -> String {
    want.replace("why ns1 →", "why c1 →")
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn an_address_without_its_connected_route_at_the_destination_is_no_route_back() {
    let dst = "10.50.0.3";
    let got = diagnose_at("ovl", "", &noprefixroute("c2", dst), ("c1", dst), "", "");
    let cause = "c2 has no route back to 10.50.0.2 (Network is unreachable): its address 10.50.0.3/24 on eth0 has no connected route for 10.50.0.0/24 (added with noprefixroute, or the route deleted)";
    let fix =
        r#"c2.sh("ip route add 10.50.0.0/24 dev eth0 proto kernel scope link src 10.50.0.3")"#;
    assert_eq!(got, from_c1(blocked(dst, "c2", cause, fix) + &clear(dst)));
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn an_address_without_its_connected_route_at_the_sender_is_named() {
    let dst = "10.50.0.3";
    let got = diagnose_at(
        "ovl",
        "",
        &noprefixroute("c1", "10.50.0.2"),
        ("c1", dst),
        "",
        "",
    );
    let cause = "c1 has no route to 10.50.0.3 (Network is unreachable): its address 10.50.0.2/24 on eth0 has no connected route for 10.50.0.0/24 (added with noprefixroute, or the route deleted)";
    let fix =
        r#"c1.sh("ip route add 10.50.0.0/24 dev eth0 proto kernel scope link src 10.50.0.2")"#;
    assert_eq!(got, from_c1(blocked(dst, "c1", cause, fix) + &clear(dst)));
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn the_dual_wan_and_overlay_labs_stay_clear() {
    assert_eq!(diagnose("dual", "", "", SRV), clear(SRV));
    let got = diagnose_at("ovl", "", "", ("c1", "10.50.0.3"), "", "");
    assert_eq!(got, from_c1(clear("10.50.0.3")));
}

/// The libvirt-like lab's guest and its home router's LAN address (tests/why/virt.rhai).
const GW_LAN: &str = "10.0.0.1";

/// The virt lab: g1 to its home router's LAN address, and out to the internet.
const VIRT: Named = Named::on("virt", "", ("g1", GW_LAN));
const VIRT_OUT: Named = Named::on("virt", "", ("g1", "203.0.113.10"));

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_rule_for_the_routers_own_traffic_that_sends_its_replies_out_the_wan_is_named() {
    Named {
        inject: "ip -n gw route add default via 198.51.100.1 dev wan table 60\n\
                 ip -n gw rule add pref 100 iif lo lookup 60",
        hop: "gw",
        cause: "gw's policy rule `100: from all iif lo lookup 60` sends the reply to 10.0.0.2 by table 60's route `default via 198.51.100.1 dev wan` instead of main's `10.0.0.0/24 dev lan`, and it is lost that way",
        fix: r#"gw.sh("ip rule add priority 99 to 10.0.0.0/24 lookup main")"#,
        ..VIRT
    }
    .check();
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_rule_that_sends_forwarded_packets_to_a_table_leading_nowhere_is_named_and_removed() {
    Named {
        inject: "ip -n gw route add 203.0.113.0/24 dev lan table 60\n\
                 ip -n gw rule add pref 100 iif lan lookup 60",
        hop: "gw",
        cause: "gw's policy rule `100: from all iif lan lookup 60` sends the packet to 203.0.113.10 by table 60's route `203.0.113.0/24 dev lan` instead of main's `default via 198.51.100.1 dev wan`, and it is lost that way",
        fix: r#"gw.sh("ip rule del priority 100")"#,
        ..VIRT_OUT
    }
    .check();
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_unicast_route_in_table_local_that_shadows_main_is_named_and_deleted() {
    Named {
        inject: "ip -n gw route add 203.0.113.0/24 dev lan table local",
        hop: "gw",
        cause: "a unicast route `203.0.113.0/24 dev lan` in gw's table local, looked up before main (rule 0), shadows main's route `default via 198.51.100.1 dev wan`: the packet to 203.0.113.10 is sent that way and lost",
        fix: r#"gw.sh("ip route del unicast 203.0.113.0/24 table local")"#,
        ..VIRT_OUT
    }
    .check();
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_route_in_table_local_to_a_gateway_nobody_holds_is_named_at_the_first_router() {
    Named {
        inject: "ip -n hv route add 203.0.113.0/24 via 10.0.0.99 dev eth0 table local",
        hop: "hv",
        cause: "a unicast route `203.0.113.0/24 via 10.0.0.99 dev eth0` in hv's table local, looked up before main (rule 0), shadows main's route `default via 10.0.0.1 dev eth0`: the packet to 203.0.113.10 is sent that way and lost",
        fix: r#"hv.sh("ip route del unicast 203.0.113.0/24 table local")"#,
        ..VIRT_OUT
    }
    .check();
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn policy_routing_that_works_stays_clear() {
    // ns1's traffic out the second uplink by a rule: another way than main's, and a good one.
    let inject = "ip -n rt route add default via 100.64.2.1 dev wan2 table 60\n\
                  ip -n rt rule add pref 100 from 192.168.1.10 lookup 60";
    assert_eq!(diagnose("dual", "", inject, SRV), clear(SRV));
    // The router's own traffic by table 60, its LAN kept in main by a rule before it.
    let inject = "ip -n gw route add default via 198.51.100.1 dev wan table 60\n\
                  ip -n gw rule add pref 99 to 10.0.0.0/24 lookup main\n\
                  ip -n gw rule add pref 100 iif lo lookup 60";
    let got = diagnose_at("virt", "", inject, ("g1", GW_LAN), "", "");
    assert_eq!(got, clear(GW_LAN).replace("why ns1 →", "why g1 →"));
}

/// The home router lab (tests/why/home.rhai): its internet server, and its NAS on the LAN.
const SRV_HOME: &str = "203.0.113.10";
const NAS: &str = "192.168.1.20";

/// `clear` from `src`.
fn clear_from(src: &str, dst: &str) -> String {
    clear(dst).replace("why ns1 →", &format!("why {src} →"))
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_route_mtu_below_the_packet_is_named_and_removed() {
    let inject = "ip -n rt route replace default via 100.64.0.1 dev wan mtu 1400";
    let got = diagnose_at(
        "home",
        "",
        inject,
        ("pc", SRV_HOME),
        "--size 1450",
        "-M do -s 1450",
    );
    let cause = "rt's route `default via 100.64.0.1 dev wan mtu 1400` caps packets at 1400 bytes: a 1478-byte packet with DF set does not fit";
    let fix = r#"rt.sh("ip route replace default via 100.64.0.1 dev wan"); pc.sh("ip route flush cache")"#;
    let want = blocked(SRV_HOME, "rt", cause, fix) + &clear(SRV_HOME);
    assert_eq!(got, want.replace("why ns1 →", "why pc →"));
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_missing_wg_quick_suppress_rule_is_named_and_put_back() {
    let inject = "ip -n laptop rule del pref 32764";
    let got = diagnose_at("home", "", inject, ("laptop", NAS), "", "");
    let cause = "laptop's policy rule `32765: not from all fwmark 0xca6c/0xffffffff lookup 51820` sends the packet to 192.168.1.20 by table 51820's route `default dev wg0` instead of main's `192.168.1.0/24 dev eth0`, and it is lost that way";
    let fix = r#"laptop.sh("ip rule add priority 32764 lookup main suppress_prefixlength 0")"#;
    let want = blocked(NAS, "laptop", cause, fix) + &clear(NAS);
    assert_eq!(got, want.replace("why ns1 →", "why laptop →"));
}

#[test]
#[ignore = "needs iproute2, iputils-ping, socat"]
fn a_policy_rule_on_the_tcp_port_to_a_gone_portal_is_named_and_deleted() {
    // A web server on srv for why's TCP probe and the connect that proves the fix.
    let setup = "ip netns exec srv socat TCP-LISTEN:80,fork,reuseaddr SYSTEM:'echo hi' >/dev/null 2>&1 & L=$!\n\
                 ip -n rt route add default via 192.168.2.2 table 80\n\
                 ip -n rt rule add pref 80 iif br-guest ipproto tcp dport 80 lookup 80\n\
                 sleep 0.3";
    let prove = "ip netns exec phone timeout 5 bash -c 'exec 3<>/dev/tcp/203.0.113.10/80; head -c2 <&3' >/dev/null 2>&1 && echo \"connect ok\" || echo \"connect fails\"\n\
                 kill $L";
    let dst = "203.0.113.10:80";
    let got = diagnose_then("home", "", setup, ("phone", dst), "", prove);
    let cause = "rt's policy rule `80: from all iif br-guest ipproto tcp dport 80 lookup 80` sends the packet to 203.0.113.10 by table 80's route `default via 192.168.2.2 dev br-guest` instead of main's `default via 100.64.0.1 dev wan`, and it is lost that way";
    let fix = r#"rt.sh("ip rule del priority 80")"#;
    let want = format!(
        "why phone → {dst}\n  [BROKEN] rt: {cause}\n  fix: {fix}\n  probe: no answer from {dst} (the SYN timed out)\nverdict: blocked — {cause}\nexit 1\nwhy phone → {dst}\n  probe: {dst} port reachable, listener answered\nverdict: clear\nexit 0\nconnect ok\n"
    );
    assert_eq!(got, want);
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn the_home_lab_stays_clear_through_masquerade_and_the_suppress_rule() {
    let got = diagnose_at("home", "", "", ("pc", SRV_HOME), "", "");
    assert_eq!(got, clear_from("pc", SRV_HOME));
    let got = diagnose_at("home", "", "", ("laptop", NAS), "", "");
    assert_eq!(got, clear_from("laptop", NAS));
    let got = diagnose_at(
        "home",
        "",
        "",
        ("pc", SRV_HOME),
        "--size 1450",
        "-M do -s 1450",
    );
    assert_eq!(got, clear_from("pc", SRV_HOME));
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_sender_ttl_that_runs_out_on_the_path_is_named_and_raised() {
    Named {
        inject: "ip netns exec ns1 sysctl -qw net.ipv4.ip_default_ttl=2",
        hop: "r2",
        cause: "r2 drops the request: its TTL runs out there (ns1 sends it with TTL 2, its net.ipv4.ip_default_ttl, and r2 is router 2 on its way)",
        fix: r#"ns1.sysctl("net.ipv4.ip_default_ttl", 64)"#,
        ..CHAIN
    }
    .check();
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_reply_ttl_that_runs_out_on_the_way_back_is_named_at_the_router() {
    Named {
        inject: "ip netns exec d sysctl -qw net.ipv4.ip_default_ttl=2",
        hop: "r2",
        cause: "r2 drops the reply: its TTL runs out there (d sends it with TTL 2, its net.ipv4.ip_default_ttl, and r2 is router 2 on its way)",
        fix: r#"d.sysctl("net.ipv4.ip_default_ttl", 64)"#,
        ..CHAIN
    }
    .check();
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_goto_rule_that_jumps_past_main_is_named_and_deleted() {
    Named {
        inject: "ip -n r2 rule add pref 500 from 10.0.0.0/24 goto 32767",
        hop: "r2",
        cause: "r2's policy rule `500: from 10.0.0.0/24 goto 32767` jumps past main (32766), so main's `10.0.2.0/24 dev right` is never looked up and the lookup ends with nothing (Network is unreachable)",
        fix: r#"r2.sh("ip rule del priority 500")"#,
        ..CHAIN_2
    }
    .check();
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_prohibit_rule_is_named_with_its_type_and_deleted() {
    Named {
        inject: "ip -n r2 rule add pref 500 from 10.0.0.0/24 prohibit",
        hop: "r2",
        cause: "r2's policy rule `500: from 10.0.0.0/24 prohibit` refuses (prohibited) the packet to 10.0.2.2 (Permission denied)",
        fix: r#"r2.sh("ip rule del priority 500")"#,
        ..CHAIN_2
    }
    .check();
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_goto_to_a_rule_whose_table_holds_the_route_stays_clear() {
    let got = diagnose(
        "chain",
        "-p n=2",
        "ip -n r2 route add 10.0.2.0/24 dev right table 100; ip -n r2 rule add pref 600 lookup 100; ip -n r2 rule add pref 500 from 10.0.0.0/24 goto 600",
        "10.0.2.2",
    );
    assert_eq!(got, clear("10.0.2.2"));
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_goto_rule_that_sends_the_packet_to_a_later_table_is_named_and_deleted() {
    Named {
        inject: "ip -n r2 route add default via 10.0.1.1 dev left table default; ip -n r2 rule add pref 500 from 10.0.0.0/24 goto 32767",
        hop: "r2",
        cause: "r2's policy rule `500: from 10.0.0.0/24 goto 32767` jumps past main (32766), so the packet to 10.0.2.2 is sent by table default's route `default via 10.0.1.1 dev left` instead of `10.0.2.0/24 dev right`, and it is lost that way",
        fix: r#"r2.sh("ip rule del priority 500")"#,
        ..CHAIN_2
    }
    .check();
}

// Round s (s08): the sender's lookups carry the uid the probe is sent as, so a `uidrange`
// rule (a VPN app's kill switch) is walked as the kernel walks it and named.
#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_uidrange_rule_to_a_kill_switch_table_at_the_sender_is_named_and_deleted() {
    Named {
        inject: "ip -n ns1 route add unreachable default table 300; ip -n ns1 rule add pref 100 uidrange 0-0 lookup 300",
        hop: "ns1",
        cause: "ns1 refuses (unreachable) the packet to 10.0.2.2: route `unreachable default` (table 300, by rule `100: from all uidrange 0-0 lookup 300`; No route to host)",
        fix: r#"ns1.sh("ip rule del priority 100")"#,
        ..CHAIN_2
    }
    .check();
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_uidrange_prohibit_rule_at_the_sender_is_named_and_deleted() {
    Named {
        inject: "ip -n ns1 rule add pref 90 uidrange 0-0 prohibit",
        hop: "ns1",
        cause: "ns1's policy rule `90: from all uidrange 0-0 prohibit` refuses (prohibited) the packet to 10.0.2.2 (Permission denied)",
        fix: r#"ns1.sh("ip rule del priority 90")"#,
        ..CHAIN_2
    }
    .check();
}

// The kernel answers an echo as uid 0, and routes a forwarded packet as uid 0.
#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_uidrange_rule_at_the_destination_that_refuses_the_reply_is_named() {
    Named {
        inject: "ip -n d route add unreachable default table 300; ip -n d rule add pref 100 uidrange 0-0 lookup 300",
        hop: "d",
        cause: "d refuses (unreachable) the packet to 10.0.0.1: route `unreachable default` (table 300, by rule `100: from all uidrange 0-0 lookup 300`; No route to host)",
        fix: r#"d.sh("ip rule del priority 100")"#,
        ..CHAIN_2
    }
    .check();
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_uidrange_rule_at_a_router_catches_forwarded_packets_too() {
    Named {
        inject: "ip -n r1 route add unreachable default table 300; ip -n r1 rule add pref 100 uidrange 0-0 lookup 300",
        hop: "r1",
        cause: "r1 refuses (unreachable) the packet to 10.0.2.2: route `unreachable default` (table 300, by rule `100: from all uidrange 0-0 lookup 300`; No route to host)",
        fix: r#"r1.sh("ip rule del priority 100")"#,
        ..CHAIN_2
    }
    .check();
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_uidrange_rule_for_another_user_stays_clear() {
    let got = diagnose(
        "chain",
        "-p n=2",
        "ip -n ns1 route add unreachable default table 300; ip -n ns1 rule add pref 100 uidrange 1000-1000 lookup 300",
        "10.0.2.2",
    );
    assert_eq!(got, clear("10.0.2.2"));
}

// Round s (s09): a sender whose only address is of scope link (or host) has no source for a
// destination behind a gateway; the fix re-adds it global and puts back the routes its
// deletion takes.
#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_sender_address_of_scope_link_is_named_and_made_global() {
    Named {
        inject: "ip -n ns1 addr del 10.0.0.1/24 dev right; ip -n ns1 addr add 10.0.0.1/24 dev right scope link; ip -n ns1 route add default via 10.0.0.2",
        hop: "ns1",
        cause: "ns1 has no address of scope global for 10.0.2.2: 10.0.0.1/24 on right is scope link (the packet would leave from 0.0.0.0)",
        fix: r#"ns1.sh("ip addr del 10.0.0.1/24 dev right && ip addr add 10.0.0.1/24 dev right && ip route replace default via 10.0.0.2 dev right")"#,
        ..CHAIN_2
    }
    .check();
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_sender_address_of_scope_host_is_named_and_made_global() {
    Named {
        inject: "ip -n ns1 addr del 10.0.0.1/24 dev right; ip -n ns1 addr add 10.0.0.1/24 dev right scope host; ip -n ns1 route add default via 10.0.0.2",
        hop: "ns1",
        cause: "ns1 has no address of scope global for 10.0.2.2: 10.0.0.1/24 on right is scope host (the packet would leave from 0.0.0.0)",
        fix: r#"ns1.sh("ip addr del 10.0.0.1/24 dev right && ip addr add 10.0.0.1/24 dev right && ip route replace default via 10.0.0.2 dev right")"#,
        ..CHAIN_2
    }
    .check();
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn the_scope_fix_puts_back_every_route_by_the_link() {
    Named {
        inject: "ip -n ns1 addr del 10.0.0.1/24 dev right; ip -n ns1 addr add 10.0.0.1/24 dev right scope link; ip -n ns1 route add default via 10.0.0.2; ip -n ns1 route add 10.0.2.0/24 via 10.0.0.2 metric 5",
        hop: "ns1",
        cause: "ns1 has no address of scope global for 10.0.2.2: 10.0.0.1/24 on right is scope link (the packet would leave from 0.0.0.0)",
        fix: r#"ns1.sh("ip addr del 10.0.0.1/24 dev right && ip addr add 10.0.0.1/24 dev right && ip route replace default via 10.0.0.2 dev right && ip route replace 10.0.2.0/24 via 10.0.0.2 dev right metric 5")"#,
        ..CHAIN_2
    }
    .check();
}

// A scope link address serves a neighbour on its link, and a router forwards whatever the
// scope of its own addresses: neither is a fault.
#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_scope_link_address_toward_a_neighbour_stays_clear() {
    let got = diagnose(
        "chain",
        "-p n=2",
        "ip -n ns1 addr del 10.0.0.1/24 dev right; ip -n ns1 addr add 10.0.0.1/24 dev right scope link; ip -n ns1 route add default via 10.0.0.2",
        "10.0.0.2",
    );
    assert_eq!(got, clear("10.0.0.2"));
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_router_whose_outgoing_address_is_scope_link_stays_clear() {
    let got = diagnose(
        "chain",
        "-p n=2",
        "ip -n r1 addr del 10.0.1.1/24 dev right; ip -n r1 addr add 10.0.1.1/24 dev right scope link; ip -n r1 route add 10.0.2.0/24 via 10.0.1.2",
        "10.0.2.2",
    );
    assert_eq!(got, clear("10.0.2.2"));
}

// Round s (s04): IPsec (xfrm) policies where the packet vanishes: an `out` policy whose
// template has no SA, a `fwd` or `in` policy a plain packet fails, `action block`.
#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn an_ipsec_out_policy_with_no_sa_at_a_router_is_named_and_deleted() {
    Named {
        inject: "ip -n r1 xfrm policy add src 10.0.0.0/24 dst 10.0.2.0/24 dir out tmpl src 10.0.1.1 dst 10.0.1.2 proto esp mode tunnel",
        hop: "r1",
        cause: "the request arrived in r1 on left but never left on right: r1's IPsec policy `src 10.0.0.0/24 dst 10.0.2.0/24 dir out` sends it through the ESP SA 10.0.1.1 → 10.0.1.2 (mode tunnel), and r1 has no such SA (ip xfrm state): the tunnel is not up",
        fix: r#"r1.sh("ip xfrm policy del src 10.0.0.0/24 dst 10.0.2.0/24 dir out")"#,
        ..CHAIN_2
    }
    .check();
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn an_ipsec_out_policy_with_no_sa_at_the_sender_is_named_and_deleted() {
    Named {
        inject: "ip -n ns1 xfrm policy add src 10.0.0.0/24 dst 10.0.2.0/24 dir out tmpl src 10.0.0.1 dst 10.0.0.2 proto esp mode tunnel",
        hop: "ns1",
        cause: "the request never left ns1: ns1's IPsec policy `src 10.0.0.0/24 dst 10.0.2.0/24 dir out` sends it through the ESP SA 10.0.0.1 → 10.0.0.2 (mode tunnel), and ns1 has no such SA (ip xfrm state): the tunnel is not up",
        fix: r#"ns1.sh("ip xfrm policy del src 10.0.0.0/24 dst 10.0.2.0/24 dir out")"#,
        ..CHAIN_2
    }
    .check();
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn an_ipsec_fwd_policy_at_the_far_router_that_drops_the_plain_reply_is_named() {
    Named {
        inject: "ip -n r2 xfrm policy add src 10.0.2.0/24 dst 10.0.0.0/24 dir fwd tmpl src 10.0.1.2 dst 10.0.1.1 proto esp mode tunnel",
        hop: "r2",
        cause: "the reply arrived in r2 on right but never left on left: r2's IPsec policy `src 10.0.2.0/24 dst 10.0.0.0/24 dir fwd` accepts only packets that came through the ESP SA 10.0.1.2 → 10.0.1.1 (mode tunnel), and this one came in plain",
        fix: r#"r2.sh("ip xfrm policy del src 10.0.2.0/24 dst 10.0.0.0/24 dir fwd")"#,
        ..CHAIN_2
    }
    .check();
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn an_ipsec_fwd_policy_that_drops_the_plain_request_is_named() {
    Named {
        inject: "ip -n r2 xfrm policy add src 10.0.0.0/24 dst 10.0.2.0/24 dir fwd tmpl src 10.0.1.1 dst 10.0.1.2 proto esp mode tunnel",
        hop: "r2",
        cause: "the request arrived in r2 on left but never left on right: r2's IPsec policy `src 10.0.0.0/24 dst 10.0.2.0/24 dir fwd` accepts only packets that came through the ESP SA 10.0.1.1 → 10.0.1.2 (mode tunnel), and this one came in plain",
        fix: r#"r2.sh("ip xfrm policy del src 10.0.0.0/24 dst 10.0.2.0/24 dir fwd")"#,
        ..CHAIN_2
    }
    .check();
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn an_ipsec_in_policy_at_the_destination_is_named() {
    Named {
        inject: "ip -n d xfrm policy add src 10.0.0.0/24 dst 10.0.2.2/32 dir in tmpl src 10.0.1.1 dst 10.0.1.2 proto esp mode tunnel",
        hop: "d",
        cause: "the request reached d on left, but d sent no reply: d's IPsec policy `src 10.0.0.0/24 dst 10.0.2.2/32 dir in` accepts only packets that came through the ESP SA 10.0.1.1 → 10.0.1.2 (mode tunnel), and this one came in plain",
        fix: r#"d.sh("ip xfrm policy del src 10.0.0.0/24 dst 10.0.2.2/32 dir in")"#,
        ..CHAIN_2
    }
    .check();
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn an_ipsec_block_policy_is_named_and_deleted() {
    Named {
        inject: "ip -n r1 xfrm policy add src 10.0.0.0/24 dst 10.0.2.0/24 proto icmp dir out action block",
        hop: "r1",
        cause: "the request arrived in r1 on left but never left on right: r1's IPsec policy `src 10.0.0.0/24 dst 10.0.2.0/24 proto icmp dir out` blocks it (action block)",
        fix: r#"r1.sh("ip xfrm policy del src 10.0.0.0/24 dst 10.0.2.0/24 proto icmp dir out")"#,
        ..CHAIN_2
    }
    .check();
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn an_ipsec_policy_off_the_path_and_a_bypass_policy_stay_clear() {
    let got = diagnose(
        "chain",
        "-p n=2",
        "ip -n r1 xfrm policy add src 10.0.0.0/24 dst 10.9.0.0/24 dir out tmpl src 10.0.1.1 dst 10.0.1.2 proto esp mode tunnel; ip -n r2 xfrm policy add src 10.0.0.0/24 dst 10.0.2.0/24 dir fwd action allow",
        "10.0.2.2",
    );
    assert_eq!(got, clear("10.0.2.2"));
}

/// The l2 LAN's ns2 (tests/why/l2_lan.rhai).
const NS2: &str = "10.1.1.3";

/// What ns2 is told when its own address is routed away by the rules, not the tables.
fn routed_away(why: &str, by: &str) -> String {
    format!("{why}, so 10.1.1.3, ns2's own address (its local route is there), is routed away by {by}: the kernel neither answers ARP for it nor takes the packet as its own")
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_local_rule_moved_below_a_catch_all_rule_is_named_and_put_back() {
    // As VRF and anycast guides do: the local table's rule moved down, a catch-all before it.
    let inject = "ip -n ns2 route add default via 10.1.1.1 dev veth2 table 100\n\
                  ip -n ns2 rule add pref 100 lookup 100\n\
                  ip -n ns2 rule add pref 32000 lookup local\n\
                  ip -n ns2 rule del pref 0 lookup local";
    let cause = routed_away(
        "ns2's policy rule `100: from all lookup 100` comes before the local table's rule (32000)",
        "table 100's `default via 10.1.1.1 dev veth2`",
    );
    let fix = r#"ns2.sh("ip rule add pref 0 lookup local")"#;
    fixed("l2_lan", "", inject, NS2, "ns2", &cause, fix);
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_deleted_local_rule_is_named_and_added_back_from_another_namespace() {
    let got = diagnose_at(
        "l2_lan",
        "",
        "ip -n ns2 rule del pref 0",
        ("ns3", NS2),
        "",
        "",
    );
    let cause = routed_away(
        "ns2 has no policy rule that looks up table local (`0: from all lookup local` was deleted)",
        "table main's `10.1.1.0/24 dev veth2`",
    );
    let fix = r#"ns2.sh("ip rule add pref 0 lookup local")"#;
    let want =
        (blocked(NS2, "ns2", &cause, fix) + clear(NS2).as_str()).replace("why ns1", "why ns3");
    assert_eq!(got, want);
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_gateways_local_rule_moved_below_a_catch_all_is_named_at_the_gateway() {
    // The other end: the host (ns1's gateway) sends its own 10.1.1.1 on to h150.
    let inject = "ip route add default via 172.31.131.150 dev eth0 table 100\n\
                  ip rule add pref 100 lookup 100\n\
                  ip rule add pref 32000 lookup local\n\
                  ip rule del pref 0 lookup local";
    let cause = "host's policy rule `100: from all lookup 100` comes before the local table's rule (32000), so 10.1.1.1, host's own address (its local route is there), is routed away by table 100's `default via 172.31.131.150 dev eth0`: the kernel neither answers ARP for it nor takes the packet as its own";
    let fix = r#"sh("ip rule add pref 0 lookup local")"#;
    // Then the catch-all's other victim: the host's reply to its own LAN goes to h150 too.
    let then = "host's policy rule `100: from all lookup 100` sends the reply to 10.1.1.2 by table 100's route `default via 172.31.131.150 dev eth0` instead of main's `10.1.1.0/24 dev br0`, and it is lost that way";
    let then_fix = r#"sh("ip rule add priority 99 to 10.1.1.0/24 lookup main")"#;
    let got = diagnose("l2_lan", "", inject, "10.1.1.1");
    let want = blocked("10.1.1.1", "host", cause, fix)
        + &blocked("10.1.1.1", "host", then, then_fix)
        + &clear("10.1.1.1");
    assert_eq!(got, want);
}

/// d on r1's far side (tests/why/redirect.rhai).
const D_FAR: &str = "10.8.0.10";

/// r1 briefly routes `dst` through r2, so ns1's ping takes (and caches) r1's ICMP redirect;
/// `keep`: r1's route stays (a redirect that is right), else it goes (a stale one).
fn redirect_to_r2(dst: &str, net: &str, keep: bool) -> String {
    let undo = match keep {
        true => String::new(),
        false => format!("ip -n r1 route del {net} via 10.7.0.2\n"),
    };
    // Two echoes: the kernel takes a redirect only once the new gateway's neighbour is valid.
    format!(
        "ip -n r1 route add {net} via 10.7.0.2\n\
         ip netns exec ns1 ping -c2 -i 0.3 -W1 {dst} >/dev/null\n{undo}\
         ip -n ns1 route get {dst} | grep -q redirected || echo 'no redirect cached'\n"
    )
}

/// The seconds a redirect has left, said as N: they tick while the test runs.
fn expires_n(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("expires in ") {
        let (head, tail) = rest.split_at(i + "expires in ".len());
        out += head;
        out += "N";
        rest = tail.trim_start_matches(|c: char| c.is_ascii_digit());
    }
    out + rest
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_stale_icmp_redirect_is_named_and_flushed() {
    let inject = redirect_to_r2(D_FAR, "10.8.0.10/32", false);
    let got = expires_n(&diagnose("redirect", "", &inject, D_FAR));
    let cause = "ns1's route to 10.8.0.10 is an ICMP redirect it cached (via 10.7.0.2, expires in N s), not one of its routes (default via 10.7.0.1 dev eth0): the packet is sent that way and lost";
    let fix = r#"ns1.sh("ip route flush cache")"#;
    assert_eq!(
        got,
        blocked(D_FAR, "ns1", cause, fix) + clear(D_FAR).as_str()
    );
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_stale_icmp_redirect_to_a_gateway_that_stopped_forwarding_is_named() {
    // r2 still routes 10.8.0.0/24 back through r1, but no longer forwards at all.
    let inject = redirect_to_r2(D_FAR, "10.8.0.10/32", false)
        + "ip -n r2 route add 10.8.0.0/24 via 10.7.0.1\n\
           ip netns exec r2 sysctl -qw net.ipv4.ip_forward=0\n";
    let got = expires_n(&diagnose("redirect", "", &inject, D_FAR));
    let cause = "ns1's route to 10.8.0.10 is an ICMP redirect it cached (via 10.7.0.2, expires in N s), not one of its routes (default via 10.7.0.1 dev eth0): the packet is sent that way and lost";
    let fix = r#"ns1.sh("ip route flush cache")"#;
    assert_eq!(
        got,
        blocked(D_FAR, "ns1", cause, fix) + clear(D_FAR).as_str()
    );
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_redirect_that_is_right_stays_clear_and_is_shown_on_the_route() {
    let inject = redirect_to_r2("10.9.0.10", "10.9.0.0/24", true);
    let out = sandbox(&format!(
        r#"cd "{dir}"
"$NETSH" run tests/why/redirect.rhai >/dev/null 2>&1 || echo "build failed"
{inject}
"$NETSH" why ns1 10.9.0.10 | grep -E 'ns1: route|verdict'"#,
        dir = env!("CARGO_MANIFEST_DIR")
    ));
    out.assert_success();
    assert_eq!(
        out.stdout,
        "  [ok] ns1: route to 10.9.0.10 via 10.7.0.2 dev eth0 src 10.7.0.10 (a cached redirect)\nverdict: clear\n"
    );
}

/// srv on the office network behind rt (tests/why/conthost.rhai).
const OFFICE: &str = "172.18.5.10";

/// A docker compose network on ns1: a bridge with 172.18.0.1/16.
const COMPOSE: &str = "ip -n ns1 link add br-5f3a9c type bridge\n\
     ip -n ns1 addr add 172.18.0.1/16 dev br-5f3a9c\n\
     ip -n ns1 link set br-5f3a9c up\n";

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_new_bridge_whose_subnet_hides_the_office_network_is_named() {
    let got = diagnose("conthost", "", COMPOSE, OFFICE);
    let cause = "ns1's connected route `172.18.0.0/16 dev br-5f3a9c` (a bridge with no ports) takes 172.18.5.10, which nobody there holds: srv holds it (on eth0), and without that route ns1's `default via 10.10.0.1 dev eth0` would reach it";
    let fix = r#"ns1.route("172.18.5.0/24", "10.10.0.1")"#;
    let other = r#"ns1.sh("ip link del br-5f3a9c")"#;
    assert_eq!(
        got,
        blocked_other(OFFICE, "ns1", cause, fix, other) + clear(OFFICE).as_str()
    );
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_compose_network_with_a_container_that_hides_the_office_network_is_named() {
    // A container on the new bridge: the segment is not empty, the office is still not on it.
    let inject = format!(
        "{COMPOSE}ip netns add c2\n\
         ip -n ns1 link add vc2 type veth peer name eth0 netns c2\n\
         ip -n ns1 link set vc2 master br-5f3a9c up\n\
         ip -n c2 addr add 172.18.0.2/16 dev eth0\n\
         ip -n c2 link set eth0 up\n"
    );
    let got = diagnose("conthost", "", &inject, OFFICE);
    let cause = "ns1's connected route `172.18.0.0/16 dev br-5f3a9c` (its segment: br-5f3a9c) takes 172.18.5.10, which nobody there holds: srv holds it (on eth0), and without that route ns1's `default via 10.10.0.1 dev eth0` would reach it";
    let fix = r#"ns1.route("172.18.5.0/24", "10.10.0.1")"#;
    assert_eq!(
        got,
        blocked(OFFICE, "ns1", cause, fix) + clear(OFFICE).as_str()
    );
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_compose_network_beside_the_office_network_stays_clear() {
    let inject = "ip -n ns1 link add br-5f3a9c type bridge\n\
                  ip -n ns1 addr add 172.19.0.1/16 dev br-5f3a9c\n\
                  ip -n ns1 link set br-5f3a9c up\n";
    assert_eq!(diagnose("conthost", "", inject, OFFICE), clear(OFFICE));
    // The container on docker0 reaches the office through ns1's masquerade.
    let got = diagnose_at("conthost", "", "", ("c1", OFFICE), "", "");
    assert_eq!(got, clear(OFFICE).replace("why ns1", "why c1"));
}
