//! `netsh why` on faults first met outside its catalogue (issue 13, the unseen evaluation):
//! each family it fell short on, pinned on a lab of tests/why with one fault injected by
//! hand. Each case asserts the exact report and that applying its fix makes a real ping pass.

mod support;

use support::why_lab::{blocked, clear, diagnose, diagnose_with, fixed};

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_netmask_too_wide_at_the_sender_is_named_and_dropped() {
    fixed(
        "routers",
        "",
        "ip -n ns1 addr add 172.20.0.1/16 dev nx",
        "172.20.4.2",
        "ns1",
        "ns1 sends the packet to 172.20.4.2 on-link out of nx, as its address 172.20.0.1/16 puts 172.20.4.2 on that link, but 172.20.4.2 is srv's pv, not on nx's segment (nx): the netmask 172.20.0.1/16 is too wide",
        r#"ns1.sh("ip addr del 172.20.0.1/16 dev nx")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_netmask_too_wide_on_the_way_back_gets_the_segments_prefix() {
    fixed(
        "two_bridges",
        "",
        "ip -n b2 addr del 10.30.2.11/24 dev eth0; ip -n b2 addr add 10.30.2.11/16 dev eth0; ip -n b2 route add default via 10.30.2.1",
        "10.30.2.11",
        "b2",
        "b2 sends the reply to 10.30.1.10 on-link out of eth0, as its address 10.30.2.11/16 puts 10.30.1.10 on that link, but 10.30.1.10 is ns1's eth0, not on eth0's segment (eth0 → lanB): the netmask 10.30.2.11/16 is too wide",
        r#"b2.sh("ip addr add 10.30.2.11/24 dev eth0"); b2.sh("ip addr del 10.30.2.11/16 dev eth0")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_bridge_port_disabled_by_its_peer_down_names_the_peer() {
    let got = diagnose(
        "two_bridges",
        "",
        "ip -n b2 link set eth0 down",
        "10.30.2.11",
    );
    let first = blocked(
        "10.30.2.11",
        "rt",
        "pb2, a port of lanB in rt, is disabled: its other end eth0 in b2 is down, so pb2 in rt has no carrier",
        r#"b2.link("eth0").up()"#,
    );
    // The link going down took b2's default route with it: the second round gives it back.
    let second = "why ns1 → 10.30.2.11\n  [BROKEN] b2: b2 has no route back to 10.30.1.10 (Network is unreachable)\n  fix: b2.route(\"10.30.1.0/24\", \"10.30.2.1\")\n  other way: rt.masquerade(#{ src: \"10.30.1.0/24\", out: \"!lanA\" })\n  probe: no reply from 10.30.2.11\nverdict: blocked — b2 has no route back to 10.30.1.10 (Network is unreachable)\nexit 1\n";
    assert_eq!(got, first + second + clear("10.30.2.11").as_str());
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_reply_through_a_link_whose_peer_is_down_names_the_peer() {
    fixed(
        "two_uplinks",
        "",
        "ip -n pr link set up2 down",
        "10.20.2.2",
        "isp2",
        "the reply crosses down in isp2: its other end up2 in pr is down, so down in isp2 has no carrier",
        r#"pr.link("up2").up()"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn rp_filter_judged_with_the_policy_rule_of_the_reply() {
    fixed(
        "two_uplinks",
        "",
        "ip -n srv route replace 10.9.0.0/24 via 10.20.1.1; ip netns exec pr sysctl -qw net.ipv4.conf.all.rp_filter=1",
        "10.20.2.2",
        "pr",
        "pr drops the packet from 10.20.2.2 arriving on up1: rp_filter is 1 and its route back to 10.20.2.2 leaves by up2 (reverse-path filter)",
        r#"pr.sysctl("net.ipv4.conf.all.rp_filter", 2)"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_dnat_target_without_a_way_back_is_named_there_not_at_the_gateway() {
    let got = diagnose(
        "docker_gw",
        "",
        "ip -n c1 route del default",
        "198.51.100.1",
    );
    let cause = "c1 has no route back to 198.51.100.10 (Network is unreachable)";
    let want = format!("why ns1 → 198.51.100.1\n  [BROKEN] c1: {cause}\n  fix: c1.route(\"198.51.100.0/24\", \"172.17.0.1\")\n  other way: gw.masquerade(#{{ src: \"198.51.100.0/24\", out: \"!eth0\" }})\n  probe: no reply from 198.51.100.1\nverdict: blocked — {cause}\nexit 1\n");
    assert_eq!(got, want + clear("198.51.100.1").as_str());
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_routing_loop_on_the_way_back_gets_the_missing_route() {
    fixed(
        "routers",
        "",
        "ip -n g3 route del 172.20.0.0/29",
        "172.20.4.2",
        "g3",
        "routing loop on the way back: the reply to 172.20.0.1 goes srv → g4 → g3 → g4 → g3: g3 has no route of its own back to 172.20.0.0/29 and sends the reply by one that leads round (route `default via 172.20.3.2 dev nx`)",
        r#"g3.route("172.20.0.0/29", "172.20.2.1")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_small_mtu_on_both_ends_of_a_cable_is_raised_at_both_and_the_cache_flushed() {
    let got = diagnose_with(
        "routers",
        "",
        "ip -n g2 link set nx mtu 1200; ip -n g3 link set pv mtu 1200",
        "172.20.4.2",
        "--size 1400",
        "-M do -s 1400",
    );
    let want = blocked(
        "172.20.4.2",
        "g2",
        "nx in g2 has MTU 1200: a 1428-byte packet with DF set does not fit",
        r#"g2.link("nx").mtu(1500); g3.link("pv").mtu(1500); ns1.sh("ip route flush cache")"#,
    );
    assert_eq!(got, want + clear("172.20.4.2").as_str());
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn one_end_of_a_cable_set_smaller_gets_the_other_ends_mtu_back() {
    // Round f, case 8: a jumbo link reset by hand on one end; the fix restores the peer's MTU,
    // not just enough for the probe.
    let got = diagnose_with(
        "routers",
        "",
        "ip -n g3 link set pv mtu 1480; ip -n g2 link set nx mtu 1200",
        "172.20.4.2",
        "--size 1400",
        "-M do -s 1400",
    );
    let want = blocked(
        "172.20.4.2",
        "g2",
        "nx in g2 has MTU 1200: a 1428-byte packet with DF set does not fit (its peer pv in g3 has MTU 1480)",
        r#"g2.link("nx").mtu(1480); ns1.sh("ip route flush cache")"#,
    );
    assert_eq!(got, want + clear("172.20.4.2").as_str());
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_far_vxlan_on_the_wrong_port_is_called_the_wrong_port() {
    let mk = "ip -n v3 link del vx42; ip -n v3 link add vx42 type vxlan id 42 local 192.0.2.3 dstport 4789 dev ul; ip -n v3 link set vx42 master br0 up; bridge -n v3 fdb append 00:00:00:00:00:00 dev vx42 dst 192.0.2.1; bridge -n v3 fdb append 00:00:00:00:00:00 dev vx42 dst 192.0.2.2";
    fixed(
        "vxlan_ns_mesh",
        "",
        mk,
        "10.42.0.3",
        "v3",
        "the L2 path over the tunnel ends at vx42 in v1: v3 at 192.0.2.3 has no VXLAN with VNI 42 port 8472 (it has vx42 VNI 42 port 4789 remote none; wrong port)",
        r#"v3.link("vx42").del(#{ adopted: true }); v3.vxlan("vx42", #{ id: 42, local: "192.0.2.3", dev: "ul", port: 8472 }).master(v3.link("br0")).up(); v3.link("vx42").fdb(#{ dst: "192.0.2.1" }); v3.link("vx42").fdb(#{ dst: "192.0.2.2" })"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_counted_drop_of_the_tunnels_udp_at_the_sender_is_deleted() {
    fixed(
        "vxlan_ns_mesh",
        "",
        "ip netns exec v1 iptables -A OUTPUT -p udp --dport 8472 -j DROP",
        "10.42.0.3",
        "v1",
        "v1's OUTPUT chain drops the probe: rule `-A OUTPUT -p udp -m udp --dport 8472 -j DROP` (its packet counter rose by the probe's packet)",
        r#"v1.sh("iptables -D OUTPUT -p udp -m udp --dport 8472 -j DROP")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn the_new_labs_stay_clear_healthy_and_with_an_invalid_state_drop() {
    for (lab, inject, dst) in [
        ("routers", "", "172.20.4.2"),
        (
            "routers",
            "ip netns exec g2 iptables -A FORWARD -m conntrack --ctstate INVALID -j DROP",
            "172.20.4.2",
        ),
        ("two_uplinks", "", "10.20.2.2"),
        (
            "docker_gw",
            "ip netns exec gw iptables -I FORWARD -m conntrack --ctstate INVALID -j DROP",
            "198.51.100.1",
        ),
        ("two_bridges", "", "10.30.2.11"),
        ("vxlan_ns_mesh", "", "10.42.0.3"),
    ] {
        assert_eq!(diagnose(lab, "", inject, dst), clear(dst), "{lab} {inject}");
    }
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_reply_gateway_nobody_holds_gets_the_route_through_the_neighbour() {
    fixed(
        "routers",
        "",
        "ip -n srv route replace default via 172.20.4.3",
        "172.20.4.2",
        "srv",
        "no namespace here holds srv's gateway 172.20.4.3 for the reply",
        r#"srv.del_route("default", #{ adopted: true }); srv.route("default", "172.20.4.1")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_wrong_static_neighbour_on_the_way_back_is_named_not_the_bridge_that_floods_it() {
    fixed(
        "two_bridges",
        "",
        "ip -n b2 neigh replace 10.30.2.1 lladdr 02:00:00:00:00:42 dev eth0 nud permanent",
        "10.30.2.11",
        "b2",
        "the reply for MAC left rt on pb1 toward b1's eth0, off its path: b2's static neighbour entry for 10.30.2.1 on eth0 gives the wrong MAC",
        r#"b2.sh("ip neigh replace 10.30.2.1 lladdr MAC dev eth0 nud permanent")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_dnat_target_that_lost_its_address_gets_it_back_not_a_bypass() {
    let got = diagnose(
        "docker_gw",
        "",
        "ip -n c1 addr flush dev eth0",
        "198.51.100.1",
    );
    let first = blocked(
        "198.51.100.1",
        "gw",
        "gw's nat PREROUTING chain sends the echo request for 198.51.100.1 to 172.17.0.2, which no namespace here holds (rule `-t nat -A PREROUTING -d 198.51.100.1/32 -p icmp -m comment --comment \"netsh:docker_gw\" -j DNAT --to-destination 172.17.0.2`)",
        r#"c1.link("eth0").addr("172.17.0.2/16")"#,
    );
    // The flush took c1's default route with it: the second round gives the way back.
    let cause = "c1 has no route back to 198.51.100.10 (Network is unreachable)";
    let second = format!("why ns1 → 198.51.100.1\n  [BROKEN] c1: {cause}\n  fix: c1.route(\"198.51.100.0/24\", \"172.17.0.1\")\n  other way: gw.masquerade(#{{ src: \"198.51.100.0/24\", out: \"!eth0\" }})\n  probe: no reply from 198.51.100.1\nverdict: blocked — {cause}\nexit 1\n");
    assert_eq!(
        got,
        first + second.as_str() + clear("198.51.100.1").as_str()
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn arp_off_at_a_routers_far_end_is_named_there_not_at_the_router_that_asks() {
    fixed(
        "routers",
        "",
        "ip -n g2 link set pv arp off",
        "172.20.4.2",
        "g2",
        "pv in g2 has ARP off (NOARP), so it does not answer for 172.20.1.2",
        r#"g2.sh("ip link set pv arp on")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_router_that_lost_its_address_toward_the_destination_gets_it_back() {
    fixed(
        "routers",
        "",
        "ip -n g4 addr del 172.20.4.1/29 dev nx",
        "172.20.4.2",
        "g4",
        "g4 has no route to 172.20.4.2: nx in g4, on 172.20.4.2's segment, has no address in 172.20.4.0/29 (srv routes via 172.20.4.1, which nobody holds)",
        r#"g4.link("nx").addr("172.20.4.1/29")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn forwarding_off_on_one_link_of_a_router_is_named_with_its_sysctl() {
    fixed(
        "two_bridges",
        "",
        "ip netns exec rt sysctl -qw net.ipv4.conf.lanB.forwarding=0",
        "10.30.2.11",
        "rt",
        "rt does not forward packets arriving on lanB: net.ipv4.conf.lanB.forwarding is 0 (ip_forward is on, but not for that link)",
        r#"rt.sysctl("net.ipv4.conf.lanB.forwarding", 1)"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_bridge_down_behind_a_dnat_is_named_not_the_detour_its_packet_takes() {
    fixed(
        "docker_gw",
        "",
        "ip -n gw link set docker0 down",
        "198.51.100.1",
        "gw",
        "docker0 in gw is down, so its route to 172.17.0.2 is gone and the packet leaves by eth0 instead",
        r#"gw.link("docker0").up()"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_notrack_rule_that_keeps_masquerade_from_rewriting_the_source_is_named_and_deleted() {
    fixed(
        "host_gw",
        "",
        "ip netns exec n1 iptables -t raw -I PREROUTING -j NOTRACK",
        "203.0.113.1",
        "n1",
        "n1's raw rule `-t raw -A PREROUTING -j NOTRACK` untracks the request, so its rule `-t nat -A POSTROUTING -s 10.244.0.0/16 ! -d 10.244.0.0/16 -m comment --comment \"netsh:host_gw\" -j MASQUERADE` never rewrites the source: ext has no route back to 10.244.1.2 (Network is unreachable)",
        r#"n1.sh("iptables -t raw -D PREROUTING -j NOTRACK")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_route_that_overrides_a_wider_one_toward_a_host_that_does_not_forward_is_deleted() {
    fixed(
        "host_gw",
        "",
        "ip -n n1 route add 10.244.2.0/25 via 192.0.2.100",
        "10.244.2.2",
        "n1",
        "n1 sends 10.244.2.2 to ext by its route `10.244.2.0/25 via 192.0.2.100 dev ul`, which overrides `10.244.2.0/24 via 192.0.2.12 dev ul`, but ext does not forward (net.ipv4.ip_forward is 0) and has no route to 10.244.2.2 either (Network is unreachable)",
        r#"n1.del_route("10.244.2.0/25", #{ adopted: true })"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_route_through_a_neighbour_host_that_would_send_it_back_is_deleted() {
    let got = diagnose(
        "host_gw",
        "",
        "ip -n ns1 route add 10.244.2.0/24 via 10.244.1.3",
        "10.244.2.2",
    );
    let cause = "ns1 sends 10.244.2.2 to p2 by its route `10.244.2.0/24 via 10.244.1.3 dev eth0`, which overrides `default via 10.244.1.1 dev eth0`, but p2 does not forward (net.ipv4.ip_forward is 0) and would send it back out of eth0";
    let want = format!(
        "why ns1 → 10.244.2.2\n  [BROKEN] ns1: {cause}\n  fix: ns1.del_route(\"10.244.2.0/24\", #{{ adopted: true }})\n  other way: p2.ip_forward(true)\n  probe: no reply from 10.244.2.2\nverdict: blocked — {cause}\nexit 1\n"
    );
    assert_eq!(got, want + clear("10.244.2.2").as_str());
}

/// Round AB, case 4: the sender's own address narrowed (a /32 where the segment is a /24)
/// took its default route with it: one fix widens the address and gives the route back.
#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_senders_netmask_too_narrow_gets_the_prefix_and_its_default_route_back() {
    fixed(
        "chain",
        "",
        "ip -n ns1 addr del 10.0.0.1/24 dev right; ip -n ns1 addr add 10.0.0.1/32 dev right",
        "10.0.3.2",
        "ns1",
        "ns1 has no route for the packet to 10.0.3.2 (Network is unreachable): its address 10.0.0.1/32 on right is narrower than its segment's 10.0.0.0/24 (r1's left holds 10.0.0.2/24), so it has no route into the segment nor through its gateway",
        r#"ns1.sh("ip addr add 10.0.0.1/24 dev right"); ns1.sh("ip addr del 10.0.0.1/32 dev right"); ns1.route("default", "10.0.0.2")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_netmask_too_narrow_on_the_way_back_gets_the_segments_prefix() {
    let got = diagnose(
        "host_gw",
        "",
        "ip -n q1 addr del 10.244.2.2/24 dev eth0; ip -n q1 addr add 10.244.2.2/32 dev eth0",
        "10.244.2.2",
    );
    let first = blocked(
        "10.244.2.2",
        "q1",
        "q1 has no route for the reply to 10.244.1.2 (Network is unreachable): its address 10.244.2.2/32 on eth0 is narrower than its segment's 10.244.2.0/24 (n2's cbr0 holds 10.244.2.1/24), so it has no route into the segment nor through its gateway",
        // The /32 took q1's default route with it: the same fix gives it back.
        r#"q1.sh("ip addr add 10.244.2.2/24 dev eth0"); q1.sh("ip addr del 10.244.2.2/32 dev eth0"); q1.route("default", "10.244.2.1")"#,
    );
    assert_eq!(got, first + clear("10.244.2.2").as_str());
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping, nftables"]
fn an_nftables_chain_of_its_own_that_drops_by_policy_lets_the_flow_through() {
    fixed(
        "host_gw",
        "",
        "ip netns exec n2 nft add table inet fw; ip netns exec n2 nft add chain inet fw forward '{ type filter hook forward priority 0; policy drop; }'",
        "10.244.2.2",
        "n2",
        "the request arrived in n2 on ul but never left on cbr0: n2's nft table inet fw chain forward (hook forward, priority 0): policy drop, no rule accepts the echo request from 10.244.1.2 to 10.244.2.2",
        r#"n2.sh("nft insert rule inet fw forward ip saddr 10.244.1.2 ip daddr 10.244.2.2 meta l4proto icmp accept"); n2.sh("nft insert rule inet fw forward ip saddr 10.244.2.2 ip daddr 10.244.1.2 ct state established,related accept")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping, nftables"]
fn an_nftables_rule_that_rejects_at_the_destination_is_deleted_by_its_handle() {
    fixed(
        "host_gw",
        "",
        "ip netns exec q1 nft add table ip t; ip netns exec q1 nft add chain ip t in '{ type filter hook input priority 0; }'; ip netns exec q1 nft add rule ip t in icmp type echo-request reject",
        "10.244.2.2",
        "q1",
        "the request reached q1 on eth0, but q1 sent no reply: q1's nftables chain `ip t in` (hook input, priority 0, 1 rule netsh does not judge) may drop it by its rule handle 2",
        r#"q1.sh("nft delete rule ip t in handle 2")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_missing_route_that_sends_the_reply_to_a_host_that_does_not_forward_is_added_there() {
    fixed(
        "host_gw",
        "",
        "ip -n n2 route del 10.244.1.0/24",
        "10.244.2.2",
        "n2",
        "n2 has no route to 10.244.1.0/24, so it sends the reply to 10.244.1.2 to ext, which does not forward (net.ipv4.ip_forward is 0) and has no route to 10.244.1.2 either (Network is unreachable): n1 is the way there",
        r#"n2.route("10.244.1.0/24", "192.0.2.11")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_ttl_rewritten_upstream_is_named_where_it_was_rewritten() {
    let got = diagnose(
        "host_gw",
        "",
        "ip netns exec n1 iptables -t mangle -A FORWARD -j TTL --ttl-set 1",
        "10.244.2.2",
    );
    let cause = "the request arrived in n2 on ul but never left on cbr0: n1's rule `-t mangle -A FORWARD -j TTL --ttl-set 1` sets its TTL to 1, so it expires in n2, the router that would take it to 0, which drops it without a rule (time exceeded)";
    let want = format!(
        "why ns1 → 10.244.2.2\n  [BROKEN] n1: {cause}\n  fix: n1.sh(\"iptables -t mangle -D FORWARD -j TTL --ttl-set 1\")\n  probe: no reply from 10.244.2.2\nverdict: blocked — {cause}\nexit 1\n"
    );
    assert_eq!(got, want + clear("10.244.2.2").as_str());
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_bridge_port_that_neither_learns_nor_floods_is_named_and_learns_again() {
    fixed(
        "host_gw",
        "",
        // Learned entries flushed too: one learned before the flags changed would carry the
        // ping until it ages out.
        "bridge -n n1 link set dev vp1 learning off flood off; ip -n n1 link set vp1 type bridge_slave fdb_flush",
        "10.244.2.2",
        "n1",
        "vp1, a port of cbr0 in n1, neither learns nor floods, and no FDB entry points at it: unicast frames to what is behind it are never sent there",
        r#"n1.sh("bridge link set dev vp1 learning on")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn two_isolated_ports_of_a_bridge_are_named_and_one_is_let_out() {
    fixed(
        "two_bridges",
        "",
        "bridge -n rt link set dev pa1 isolated on; bridge -n rt link set dev pa2 isolated on",
        "10.30.1.11",
        "rt",
        "pa1 and pa2, ports of lanA in rt, are both isolated: the bridge forwards nothing between them",
        r#"rt.sh("bridge link set dev pa2 isolated off")"#,
    );
    // One isolated port still talks to the others: the lab stays clear.
    let got = diagnose(
        "two_bridges",
        "",
        "bridge -n rt link set dev pa1 isolated on",
        "10.30.1.11",
    );
    assert_eq!(got, clear("10.30.1.11"));
}

/// A kube-proxy endpoint chain whose DNAT still points at the pod's old address: the rule is
/// pointed at the pod that is there (its own chain names it as a source), not skipped.
#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_stale_endpoint_dnat_is_pointed_at_the_pod_that_is_there() {
    let inject = "ip -n n1 route add default via 192.0.2.100; ip netns exec n1 iptables -t nat -R KUBE-SEP-Q1 2 -p icmp -j DNAT --to-destination 10.244.2.9";
    let got = support::why_lab::diagnose_at("kube_nodes", "", inject, ("n1", "10.96.0.10"), "", "");
    let cause = "n1's nat OUTPUT chain sends the echo request for 10.96.0.10 to 10.244.2.9, which no namespace here holds (rule `-t nat -A KUBE-SEP-Q1 -p icmp -j DNAT --to-destination 10.244.2.9`, reached by `-t nat -A OUTPUT -m comment --comment \"netsh:kube_nodes\" -j KUBE-SERVICES` then `-t nat -A KUBE-SERVICES -d 10.96.0.10/32 -p icmp -m comment --comment \"netsh:kube_nodes\" -j KUBE-SVC-DNS` then `-t nat -A KUBE-SVC-DNS -m comment --comment \"netsh:kube_nodes\" -j KUBE-SEP-Q1`)";
    let fix =
        r#"n1.sh("iptables -t nat -R KUBE-SEP-Q1 2 -p icmp -j DNAT --to-destination 10.244.2.2")"#;
    assert_eq!(
        got,
        from("n1", &blocked("10.96.0.10", "n1", cause, fix)) + &from("n1", &clear("10.96.0.10"))
    );
}

/// A pod on the far node that lost its address: given back there, across the route to it.
#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_dnat_target_that_lost_its_address_behind_another_node_gets_it_back() {
    let got = support::why_lab::diagnose_at(
        "kube_nodes",
        "",
        "ip -n q1 addr flush dev eth0",
        ("ext", "10.96.0.10"),
        "",
        "",
    );
    let cause = "n1's nat PREROUTING chain sends the echo request for 10.96.0.10 to 10.244.2.2, which no namespace here holds (rule `-t nat -A KUBE-SEP-Q1 -p icmp -m comment --comment \"netsh:kube_nodes\" -j DNAT --to-destination 10.244.2.2`, reached by `-t nat -A PREROUTING -m comment --comment \"netsh:kube_nodes\" -j KUBE-SERVICES` then `-t nat -A KUBE-SERVICES -d 10.96.0.10/32 -p icmp -m comment --comment \"netsh:kube_nodes\" -j KUBE-SVC-DNS` then `-t nat -A KUBE-SVC-DNS -m comment --comment \"netsh:kube_nodes\" -j KUBE-SEP-Q1`)";
    let first = blocked(
        "10.96.0.10",
        "n1",
        cause,
        r#"q1.link("eth0").addr("10.244.2.2/24")"#,
    );
    // The flush took q1's routes with it: the second round gives the way back.
    let back = "q1 has no route back to 192.0.2.11 (Network is unreachable)";
    let second = format!("why ns1 → 10.96.0.10\n  [BROKEN] q1: {back}\n  fix: q1.route(\"192.0.2.0/24\", \"10.244.2.1\")\n  other way: n2.masquerade(#{{ src: \"192.0.2.0/24\", out: \"!ul\" }})\n  probe: no reply from 10.96.0.10\nverdict: blocked — {back}\nexit 1\n");
    assert_eq!(
        got,
        from("ext", &first) + &from("ext", &second) + &from("ext", &clear("10.96.0.10"))
    );
}

/// A healthy report, or a blocked one, as seen from `src` instead of ns1.
fn from(src: &str, report: &str) -> String {
    report.replacen("why ns1 →", &format!("why {src} →"), 1)
}

/// Two VEPA children behind a switch port that does not hairpin: both named, both set to
/// bridge mode in one fix.
#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn two_vepa_macvlans_without_a_hairpin_are_both_named_and_bridged() {
    let inject = "ip -n m1 link set eth0 type macvlan mode vepa; ip -n m2 link set eth0 type macvlan mode vepa";
    let got = support::why_lab::diagnose_at("macvlan", "", inject, ("m1", "192.168.50.22"), "", "");
    let cause = "eth0 in m1 and eth0 in m2 are macvlans of eth0 in h in vepa mode: a VEPA macvlan reaches its siblings only through a switch that sends frames back (hairpin)";
    let fix = r#"m1.sh("ip link set eth0 type macvlan mode bridge"); m2.sh("ip link set eth0 type macvlan mode bridge")"#;
    assert_eq!(
        got,
        from("m1", &blocked("192.168.50.22", "m1", cause, fix))
            + &from("m1", &clear("192.168.50.22"))
    );
}

/// VEPA children whose switch port hairpins reach each other: clear.
#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn vepa_macvlans_behind_a_hairpin_port_stay_clear() {
    let inject = "ip -n m1 link set eth0 type macvlan mode vepa; ip -n m2 link set eth0 type macvlan mode vepa; bridge link set dev lh hairpin on";
    let got = support::why_lab::diagnose_at("macvlan", "", inject, ("m1", "192.168.50.22"), "", "");
    assert_eq!(got, from("m1", &clear("192.168.50.22")));
}
