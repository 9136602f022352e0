//! `netsh why` on faults of container hosts first met in an unseen round (issue 13): hairpin
//! NAT with br_netfilter, macvlan children, Calico's proxy_arp gateway, kube-proxy's DNAT to
//! 127.0.0.1, a VXLAN's local address, a route's `src`, a wrong broadcast; a MAC cloned on a
//! segment and a host's address that expired (round q). Each case asserts the
//! exact report and that applying its fix makes a real ping pass; the healthy labs stay clear.

mod support;

use support::why_lab::diagnose_at;

/// One fault named at `hop` and fixed in one round, from `src` to `dst`.
fn fixed_from(src: &str, dst: &str, hop: &str, cause: &str, fix: &str) -> String {
    format!(
        "why {src} → {dst}\n  [BROKEN] {hop}: {cause}\n  fix: {fix}\n  probe: no reply from {dst}\nverdict: blocked — {cause}\nexit 1\n{}",
        clear_from(src, dst)
    )
}

/// `fixed_from` with an `other way:` line after the fix.
fn fixed_other(src: &str, dst: &str, hop: &str, cause: &str, fix: &str, other: &str) -> String {
    fixed_from(src, dst, hop, cause, fix).replacen(
        &format!("  fix: {fix}\n"),
        &format!("  fix: {fix}\n  other way: {other}\n"),
        1,
    )
}

fn clear_from(src: &str, dst: &str) -> String {
    format!("why {src} → {dst}\n  probe: {dst} answers\nverdict: clear\nexit 0\nping ok\n")
}

fn run(lab: &str, inject: &str, src: &str, dst: &str) -> String {
    diagnose_at(lab, "", inject, (src, dst), "", "")
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn hairpin_off_on_the_port_a_dnat_sends_back_is_named_and_turned_on() {
    let got = run(
        "hairpin_nat",
        "bridge -n gw link set dev vc1 hairpin off",
        "c1",
        "198.51.100.1",
    );
    let cause = "vc1, a port of docker0 in gw, has hairpin off: the packet came in by vc1 and, DNATed to a host behind vc1 (bridge-nf-call-iptables is 1, so it is bridged, not routed), must leave by vc1 again; the bridge drops it";
    let fix = r#"gw.sh("bridge link set dev vc1 hairpin on")"#;
    assert_eq!(got, fixed_from("c1", "198.51.100.1", "gw", cause, fix));
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_missing_hairpin_masquerade_is_named_at_the_martian_and_added() {
    let got = run(
        "hairpin_nat",
        "ip netns exec gw iptables -t nat -D POSTROUTING 2",
        "c1",
        "198.51.100.1",
    );
    let cause = "the packet reaches c1 with source 172.17.0.2, c1's own address: gw's DNAT sent it back toward its sender without rewriting its source (no hairpin MASQUERADE there), so c1 drops it as a martian";
    let fix =
        r#"gw.iptables("-t nat -A POSTROUTING -s 172.17.0.2/32 -d 172.17.0.2/32 -j MASQUERADE")"#;
    assert_eq!(got, fixed_from("c1", "198.51.100.1", "c1", cause, fix));
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_private_macvlan_is_named_and_bridged() {
    let got = run(
        "macvlan",
        "ip -n m1 link set eth0 type macvlan mode private",
        "m1",
        "192.168.50.22",
    );
    let cause = "eth0 in m1 is a macvlan of eth0 in h in private mode: a private macvlan talks to none of its siblings";
    let fix = r#"m1.sh("ip link set eth0 type macvlan mode bridge")"#;
    assert_eq!(got, fixed_from("m1", "192.168.50.22", "m1", cause, fix));
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_macvlan_sending_to_its_parents_own_address_gets_the_address_on_a_shim() {
    let inject = "ip -n h addr del 192.168.50.10/24 dev mvh; ip -n h link set mvh down; ip -n h addr add 192.168.50.10/24 dev eth0";
    let got = run("macvlan", inject, "m1", "192.168.50.10");
    let cause = "the address is on eth0 in h, the parent of the macvlan eth0 in m1: a macvlan never reaches its parent's own addresses (give them to a macvlan of the parent)";
    let fix = r#"h.sh("ip addr del 192.168.50.10/24 dev eth0 && ip addr add 192.168.50.10/24 dev mvh && ip link set mvh up")"#;
    assert_eq!(got, fixed_from("m1", "192.168.50.10", "h", cause, fix));
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn proxy_arp_off_under_a_calico_gateway_is_named_and_turned_on() {
    let inject =
        "ip netns exec node sysctl -qw net.ipv4.conf.cali1.proxy_arp=0; ip -n c1 neigh flush all";
    let got = run("calico", inject, "ns1", "10.65.0.5");
    let cause = "no namespace here holds c1's gateway 169.254.1.1 for the reply, and node at the other end of eth0 does not answer for it (proxy_arp is 0 there)";
    let fix = r#"node.sysctl("net.ipv4.conf.cali1.proxy_arp", 1)"#;
    assert_eq!(got, fixed_from("ns1", "10.65.0.5", "c1", cause, fix));
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn route_localnet_off_under_a_dnat_to_loopback_is_named_and_turned_on() {
    let inject = "ip netns exec n2 sysctl -qw net.ipv4.conf.all.route_localnet=0 net.ipv4.conf.ul.route_localnet=0";
    let got = run("kube_nodes", inject, "ext", "10.96.0.20");
    let cause = "n2 drops the packet to 127.0.0.1 that came in on ul: a loopback destination from another host is a martian unless route_localnet is 1 (it is 0 for all and ul)";
    let fix = r#"n2.sysctl("net.ipv4.conf.ul.route_localnet", 1)"#;
    assert_eq!(got, fixed_from("ext", "10.96.0.20", "n2", cause, fix));
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_wrong_broadcast_equal_to_a_hosts_address_is_named_and_the_address_made_again() {
    let inject =
        "ip -n r3 addr del 10.3.0.1/24 dev c; ip -n r3 addr add 10.3.0.1/24 brd 10.3.0.2 dev c";
    let got = run("asym_back", inject, "ns1", "10.3.0.2");
    let cause = "r3 takes 10.3.0.2 (srv's eth0) for a broadcast address: its address 10.3.0.1/24 on c was given the broadcast 10.3.0.2 (`broadcast 10.3.0.2 dev c` in table local), so a packet to 10.3.0.2 is never sent to it";
    let fix = r#"r3.sh("ip addr del 10.3.0.1/24 dev c && ip addr add 10.3.0.1/24 brd + dev c")"#;
    assert_eq!(got, fixed_from("ns1", "10.3.0.2", "r3", cause, fix));
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_route_src_nobody_routes_back_to_is_named_at_the_sender() {
    let inject = "ip -n ns1 addr add 10.9.9.9/32 dev lo; ip -n ns1 route replace default via 10.1.0.1 src 10.9.9.9";
    let got = run("asym_back", inject, "ns1", "10.3.0.2");
    let cause = "ns1 sends from 10.9.9.9 (on lo, not on eth0, the link its route leaves by: the route's `src`), and r3 has no route back to it (Network is unreachable)";
    let fix = r#"ns1.sh("ip route replace default via 10.1.0.1 dev eth0")"#;
    assert_eq!(got, fixed_from("ns1", "10.3.0.2", "ns1", cause, fix));
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_vxlan_sending_from_a_local_address_it_does_not_hold_is_made_again() {
    let inject = "ip -n h2 link del vx0; ip -n h2 link add vx0 type vxlan id 100 local 192.0.2.22 remote 192.0.2.1 dstport 4789 dev ul; ip -n h2 link set vx0 master br0 up";
    let got = run("vxlan_pair", inject, "ns1", "10.50.0.2");
    let cause = "vx0 in h2 sends its tunnel from local 192.0.2.22, an address h2 does not hold: the kernel cannot send from it";
    let fix = r#"h2.link("vx0").del(#{ adopted: true }); h2.vxlan("vx0", #{ id: 100, remote: "192.0.2.1", dev: "ul", port: 4789 }).master(h2.link("br0")).up()"#;
    assert_eq!(got, fixed_from("ns1", "10.50.0.2", "h2", cause, fix));
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn the_container_host_labs_stay_clear_when_healthy() {
    for (lab, src, dst) in [
        ("hairpin_nat", "c1", "198.51.100.1"),
        ("macvlan", "m1", "10.77.0.2"),
        ("macvlan", "m1", "192.168.50.10"),
        ("calico", "ns1", "10.65.0.5"),
        ("asym_back", "ns1", "10.3.0.2"),
        ("kube_nodes", "ext", "10.96.0.10"),
    ] {
        assert_eq!(
            run(lab, "true", src, dst),
            clear_from(src, dst),
            "{lab}: {src} → {dst}"
        );
    }
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_mark_that_policy_routes_to_a_dead_gateway_is_followed_and_the_table_mended() {
    let inject = "ip netns exec n1 iptables -t mangle -A PREROUTING -i cbr0 -p icmp -j MARK --set-mark 0x20; ip -n n1 rule add pref 100 fwmark 0x20 lookup 20; ip -n n1 route add default via 192.0.2.99 table 20";
    let got = run("kube_nodes", inject, "p1", "10.244.2.2");
    // The table's route is dead; the rule that chose it is named too, and dropping it (or
    // sending the destination to main first) is the other way.
    let cause = "no namespace here holds n1's gateway 192.0.2.99 (route `default via 192.0.2.99 dev ul`): n1's policy rule `100: from all fwmark 0x20/0xffffffff lookup 20` sends the packet to 10.244.2.2 by table 20's route `default via 192.0.2.99 dev ul` instead of main's `10.244.2.0/24 via 192.0.2.12 dev ul`";
    let fix = r#"n1.sh("ip route replace default via 192.0.2.12 table 20")"#;
    let other = r#"n1.sh("ip rule add priority 99 to 10.244.2.0/24 lookup main")"#;
    assert_eq!(
        got,
        fixed_other("p1", "10.244.2.2", "n1", cause, fix, other)
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_mark_set_in_output_at_the_sender_reroutes_it_and_the_table_is_mended() {
    let inject = "ip netns exec p1 iptables -t mangle -A OUTPUT -p icmp -j MARK --set-mark 0x20; ip -n p1 rule add pref 100 fwmark 0x20 lookup 20; ip -n p1 route add default via 10.244.1.99 dev eth0 table 20";
    // The hops that say why the packet took table 20, printed before the rounds.
    let shown = format!("{inject}; \"$NETSH\" why p1 10.244.2.2 | grep -E 'marks|marked'");
    let got = run("kube_nodes", &shown, "p1", "10.244.2.2");
    let hops = "  [ok] p1: OUTPUT marks the echo request 0x20, so the kernel routes it again by that mark\n  [ok] p1: route to 10.244.2.2 via 10.244.1.99 dev eth0 (marked 0x20; table 20, by rule `100: from all fwmark 0x20/0xffffffff lookup 20`)\n";
    let cause = "no namespace here holds p1's gateway 10.244.1.99 (route `default via 10.244.1.99 dev eth0`): p1's policy rule `100: from all fwmark 0x20/0xffffffff lookup 20` sends the packet to 10.244.2.2 by table 20's route `default via 10.244.1.99 dev eth0` instead of main's `default via 10.244.1.1 dev eth0`";
    let fix = r#"p1.sh("ip route replace default via 10.244.1.1 table 20")"#;
    let other = r#"p1.sh("ip rule del priority 100")"#;
    let want = format!(
        "{hops}{}",
        fixed_other("p1", "10.244.2.2", "p1", cause, fix, other)
    );
    assert_eq!(got, want);
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_node_reaches_a_service_through_its_nat_output_dnat_routed_again() {
    let dg = "ip -n n1 route add default via 192.0.2.100";
    assert_eq!(
        run("kube_nodes", dg, "n1", "10.96.0.10"),
        clear_from("n1", "10.96.0.10")
    );
    // The DNAT in n1's nat OUTPUT routes the packet again, toward the pod.
    let gone = format!("{dg}; ip -n n1 route del 10.244.2.0/24");
    let cause = "n1 has no route to 10.244.2.0/24, so it sends the packet to 10.244.2.2 to ext, which does not forward (net.ipv4.ip_forward is 0) and has no route to 10.244.2.2 either (Network is unreachable): n2 is the way there";
    let fix = r#"n1.route("10.244.2.0/24", "192.0.2.12")"#;
    assert_eq!(
        run("kube_nodes", &gone, "n1", "10.96.0.10"),
        fixed_from("n1", "10.96.0.10", "n1", cause, fix)
    );
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_tree_of_bridges_is_followed_switch_by_switch() {
    for lab in ["tree", "tree_ns"] {
        assert_eq!(
            run(lab, "true", "h1", "10.0.0.4"),
            clear_from("h1", "10.0.0.4"),
            "{lab}"
        );
    }
    // Each switch of the tree is said, in the order the frame crosses them.
    let shown = "\"$NETSH\" why h1 10.0.0.4 | grep forwards";
    let hops = "  [ok] host: s2 forwards to its port s2-eth3, cable to s1-eth1 in host: a port of s1\n  [ok] host: s1 forwards to its port s1-eth2, cable to s3-eth3 in host: a port of s3\n  [ok] host: s3 forwards to its port s3-eth2, cable to h4-eth0 in h4\n";
    assert_eq!(
        run("tree", shown, "h1", "10.0.0.4"),
        format!("{hops}{}", clear_from("h1", "10.0.0.4"))
    );
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_static_fdb_entry_on_the_wrong_trunk_is_named_and_deleted() {
    for (lab, at, ns) in [("tree", "", "host"), ("tree_ns", "ip netns exec sw ", "sw")] {
        let inject = format!("m=$(ip netns exec h4 cat /sys/class/net/h4-eth0/address); {at}bridge fdb replace $m dev s1-eth1 master static sticky");
        let cause = format!("s1 in {ns} has MAC (h4-eth0 in h4) in its FDB behind s1-eth1, so it sends the frame out of s1-eth1, not out of s1-eth2 toward it");
        let call = r#"sh("bridge fdb del MAC dev s1-eth1 master")"#;
        let fix = match ns {
            "host" => call.to_string(),
            n => format!("{n}.{call}"),
        };
        assert_eq!(
            run(lab, &inject, "h1", "10.0.0.4"),
            fixed_from("h1", "10.0.0.4", ns, &cause, &fix),
            "{lab}"
        );
    }
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_physdev_drop_is_judged_at_the_switch_whose_port_it_names() {
    let inject =
        "iptables -A FORWARD -m physdev --physdev-is-bridged --physdev-out s3-eth2 -p icmp -j DROP";
    let cause = "host's FORWARD chain drops the echo request switched by s3 from 10.0.0.1 to 10.0.0.4 (rule `-A FORWARD -p icmp -m physdev --physdev-out s3-eth2 --physdev-is-bridged -j DROP`; bridge-nf-call-iptables is 1: br_netfilter passes bridged traffic to iptables)";
    let fix = r#"iptables("-I FORWARD 1 -i s3 -o s3 -j ACCEPT")"#;
    assert_eq!(
        run("tree", inject, "h1", "10.0.0.4"),
        fixed_from("h1", "10.0.0.4", "host", cause, fix)
    );
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn an_mtu_fix_covers_the_whole_path_through_a_vxlan_in_one_round() {
    // ns1 sends 1500-byte frames into a 1450 VXLAN; behind it the far tenant is 1450 too.
    let got = diagnose_at(
        "vxlan_pair",
        "",
        "ip -n ns1 link set eth0 mtu 1500",
        ("ns1", "10.50.0.2"),
        "--size 1440",
        "-M do -s 1440",
    );
    let cause = "vx0 in h1 has MTU 1450: a 1468-byte packet with DF set does not fit";
    let fix = r#"h1.link("ul").mtu(1550); h2.link("ul").mtu(1550); h1.link("vx0").mtu(1500); t2.link("eth0").mtu(1500); ns1.sh("ip route flush cache")"#;
    let want = format!(
        "why ns1 → 10.50.0.2\n  [BROKEN] h1: {cause}\n  fix: {fix}\n  probe: no reply from 10.50.0.2\nverdict: blocked — {cause}\nexit 1\nwhy ns1 → 10.50.0.2\n  probe: 10.50.0.2 answers\nverdict: clear\nexit 0\nping ok\n"
    );
    assert_eq!(got, want);
}

#[test]
#[ignore = "needs iproute2, nftables, iputils-ping"]
fn nft_drops_at_a_switch_inside_a_tree_are_named_at_that_switch() {
    let forward = "nft add table bridge filter; nft add chain bridge filter forward '{ type filter hook forward priority -200; }'; nft add rule bridge filter forward ip daddr 10.0.0.4 icmp type echo-request drop";
    let cause = "host's nftables chain `bridge filter forward` (hook forward, priority -200) drops the echo request from 10.0.0.1 to 10.0.0.4 switched by s2 from s2-eth1 to s2-eth3 (rule handle 2)";
    let fix = r#"sh("nft delete rule bridge filter forward handle 2")"#;
    assert_eq!(
        run("tree", forward, "h1", "10.0.0.4"),
        fixed_from("h1", "10.0.0.4", "host", cause, fix)
    );
    // An ingress filter on the uplink of the last switch, two switches along.
    let ingress = "nft add table netdev f; nft add chain netdev f in '{ type filter hook ingress device \"s3-eth3\" priority 0; }'; nft add rule netdev f in ip protocol icmp drop";
    let cause = "host's nftables chain `netdev f in` (hook ingress on s3-eth3, priority 0) drops the echo request from 10.0.0.1 to 10.0.0.4 arriving on s3-eth3 (rule handle 2)";
    let fix = r#"sh("nft delete rule netdev f in handle 2")"#;
    assert_eq!(
        run("tree", ingress, "h1", "10.0.0.4"),
        fixed_from("h1", "10.0.0.4", "host", cause, fix)
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_held_address_without_its_local_route_is_named_and_the_route_put_back() {
    assert_eq!(
        run("virt", "true", "g1", "203.0.113.10"),
        clear_from("g1", "203.0.113.10")
    );
    let inject = "ip -n srv route del local 203.0.113.10 dev eth0 table local";
    let cause = "srv holds 203.0.113.10 on eth0 but has no local route for it in table local (deleted): the kernel neither answers ARP for it nor takes the packet as its own";
    let fix = r#"srv.sh("ip route add local 203.0.113.10 dev eth0 table local proto kernel scope host src 203.0.113.10")"#;
    assert_eq!(
        run("virt", inject, "g1", "203.0.113.10"),
        fixed_from("g1", "203.0.113.10", "srv", cause, fix)
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_bridge_port_that_floods_no_broadcast_is_named_and_opened() {
    assert_eq!(
        run("virt", "true", "g1", "192.168.122.11"),
        clear_from("g1", "192.168.122.11")
    );
    let inject = "bridge -n hv link set dev vnet1 bcast_flood off";
    let cause = "vnet1, a port of virbr0 in hv, has bcast_flood off: the ARP request for eth0 in g2 (a broadcast) is never sent out of it, so it is never answered";
    let fix = r#"hv.sh("bridge link set dev vnet1 bcast_flood on")"#;
    assert_eq!(
        run("virt", inject, "g1", "192.168.122.11"),
        fixed_from("g1", "192.168.122.11", "hv", cause, fix)
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_masquerade_limited_to_a_link_the_router_lacks_is_named_and_replaced() {
    // A stray rule naming a missing link, with the real MASQUERADE still there: clear.
    let stray = "ip netns exec hv iptables -t nat -I LIBVIRT_PRT 1 -s 192.168.122.0/24 -o enp1s0 -j MASQUERADE";
    assert_eq!(
        run("virt", stray, "g1", "203.0.113.10"),
        clear_from("g1", "203.0.113.10")
    );
    let inject = "ip netns exec hv iptables -t nat -R LIBVIRT_PRT 5 -s 192.168.122.0/24 ! -d 192.168.122.0/24 -o enp1s0 -j MASQUERADE";
    let cause = "hv's MASQUERADE rule `-t nat -A LIBVIRT_PRT -s 192.168.122.0/24 ! -d 192.168.122.0/24 -o enp1s0 -j MASQUERADE` would rewrite 192.168.122.10, but it is limited to -o enp1s0, a link hv does not have; the packet leaves by eth0: isp has no route back to 192.168.122.10 (Network is unreachable)";
    let fix = r#"hv.sh("iptables -t nat -R LIBVIRT_PRT 5 -s 192.168.122.0/24 ! -d 192.168.122.0/24 -o eth0 -j MASQUERADE")"#;
    assert_eq!(
        run("virt", inject, "g1", "203.0.113.10"),
        fixed_from("g1", "203.0.113.10", "hv", cause, fix)
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_conntrack_zone_that_splits_request_and_reply_is_named_and_deleted() {
    // Both ways in one zone: the MASQUERADE entry is found, clear.
    let both = "ip netns exec hv iptables -t raw -A PREROUTING -j CT --zone 1";
    assert_eq!(
        run("virt", both, "g1", "203.0.113.10"),
        clear_from("g1", "203.0.113.10")
    );
    let inject = "ip netns exec hv iptables -t raw -A PREROUTING -i virbr0 -j CT --zone 1";
    let cause = "hv's raw rule `-t raw -A PREROUTING -i virbr0 -j CT --zone 1` puts the request in conntrack zone 1, its replies arriving on eth0 are in zone 0: they miss the MASQUERADE entry and are never turned back to 192.168.122.10";
    let fix = r#"hv.sh("iptables -t raw -D PREROUTING -i virbr0 -j CT --zone 1")"#;
    assert_eq!(
        run("virt", inject, "g1", "203.0.113.10"),
        fixed_from("g1", "203.0.113.10", "hv", cause, fix)
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_ct_notrack_that_keeps_masquerade_from_rewriting_is_named_and_deleted() {
    let inject = "ip netns exec hv iptables -t raw -A PREROUTING -i virbr0 -j CT --notrack";
    let cause = "hv's raw rule `-t raw -A PREROUTING -i virbr0 -j CT --notrack` untracks the request, so its rule `-t nat -A LIBVIRT_PRT -s 192.168.122.0/24 ! -d 192.168.122.0/24 -m comment --comment \"netsh:virt\" -j MASQUERADE` never rewrites the source: isp has no route back to 192.168.122.10 (Network is unreachable)";
    let fix = r#"hv.sh("iptables -t raw -D PREROUTING -i virbr0 -j CT --notrack")"#;
    assert_eq!(
        run("virt", inject, "g1", "203.0.113.10"),
        fixed_from("g1", "203.0.113.10", "hv", cause, fix)
    );
}

/// The MAC of a link in a namespace, for an injection that clones it.
fn mac_of(ns: &str, link: &str) -> String {
    format!(
        r#"$(ip -n {ns} -o link show {link} | grep -o "link/ether [0-9a-f:]*" | cut -d" " -f2)"#
    )
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_host_with_the_mac_of_its_gateway_bridge_gets_a_fresh_one() {
    // Round q, q08: ns1's eth0 cloned the MAC of rt's bridge lanA.
    let inject = format!(
        "ip -n ns1 link set eth0 address {}; ip -n ns1 neigh flush all",
        mac_of("rt", "lanA")
    );
    let cause = "ns1's eth0 has the MAC MAC of rt's lanA, on its segment: rt's ARP answer to ns1 is addressed to its own bridge and never leaves rt (a duplicate MAC)";
    let fix = r#"ns1.sh("ip link set eth0 address MAC")"#;
    assert_eq!(
        run("two_bridges", &inject, "ns1", "10.30.2.10"),
        fixed_from("ns1", "10.30.2.10", "ns1", cause, fix)
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn two_hosts_on_one_bridge_with_one_mac_are_named_and_one_gets_a_fresh_one() {
    assert_eq!(
        run("two_bridges", "true", "ns1", "10.30.1.11"),
        clear_from("ns1", "10.30.1.11")
    );
    // a2 cloned ns1's MAC (a cloned VM): between the two, the asker gets the new one.
    let inject = format!("ip -n a2 link set eth0 address {}", mac_of("ns1", "eth0"));
    let cause = "ns1's eth0 has the MAC MAC of a2's eth0, on its segment: lanA in rt learns MAC on whichever port sent last, so frames for one go to the other or are dropped where they came in (a duplicate MAC)";
    let fix = r#"ns1.sh("ip link set eth0 address MAC"); rt.sh("ip link set pa1 type bridge_slave fdb_flush")"#;
    assert_eq!(
        run("two_bridges", &inject, "ns1", "10.30.1.11"),
        fixed_from("ns1", "10.30.1.11", "ns1", cause, fix)
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_third_host_asking_for_one_of_two_with_one_mac_gets_the_other_renumbered() {
    // From b1 to ns1 through rt: the twin that is not asked for gets the new MAC, so that
    // rt's neighbour entry for ns1 stays right.
    let inject = format!("ip -n a2 link set eth0 address {}", mac_of("ns1", "eth0"));
    let got = diagnose_at("two_bridges", "", &inject, ("b1", "10.30.1.10"), "", "");
    let cause = "a2's eth0 has the MAC MAC of ns1's eth0, on its segment: lanA in rt learns MAC on whichever port sent last, so frames for one go to the other or are dropped where they came in (a duplicate MAC)";
    let fix = r#"a2.sh("ip link set eth0 address MAC"); rt.sh("ip link set pa2 type bridge_slave fdb_flush")"#;
    // The clash bites only while both twins talk: the one probe may well pass, the
    // duplicate stands all the same.
    let want = fixed_from("b1", "10.30.1.10", "a2", cause, fix).replacen(
        "probe: no reply from 10.30.1.10",
        "probe: 10.30.1.10 answers",
        1,
    );
    assert_eq!(got, want);
}

/// ns1 in fw_routed lost its address on right: the report, the fix, then clear.
fn lost_host_address(inject: &str, addr: &str) {
    let cause = "ns1's right holds no IPv4 address (an address that expired or was flushed takes its routes with it): ns1 has no route to 10.0.1.2";
    let fix = format!(r#"ns1.link("right").addr("{addr}/24"); ns1.route("default", "10.0.0.2")"#);
    assert_eq!(
        run("fw_routed", inject, "ns1", "10.0.1.2"),
        fixed_from("ns1", "10.0.1.2", "ns1", cause, &fix)
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_host_whose_address_expired_gets_it_back_from_its_gateways_neighbour_entry() {
    // Round q, q10: the valid_lft ran out after some traffic; r still maps 10.0.0.1 to right.
    lost_host_address(
        "ip netns exec ns1 ping -c1 -W2 10.0.1.2 >/dev/null; \
         ip -n ns1 addr change 10.0.0.1/24 dev right valid_lft 2 preferred_lft 2; sleep 4",
        "10.0.0.1",
    );
    // Another address than the first free one: it is the neighbour entry that tells it.
    lost_host_address(
        "ip -n ns1 addr del 10.0.0.1/24 dev right; ip -n ns1 addr add 10.0.0.9/24 dev right; \
         ip -n ns1 route replace default via 10.0.0.2; \
         ip netns exec ns1 ping -c1 -W2 10.0.1.2 >/dev/null; ip -n ns1 -4 addr flush dev right",
        "10.0.0.9",
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_host_whose_address_was_flushed_with_no_neighbour_entry_gets_the_first_free_one() {
    lost_host_address(
        "ip -n ns1 addr flush dev right; ip -n r neigh flush all",
        "10.0.0.1",
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_host_with_only_an_unnumbered_link_and_no_gateway_on_it_stays_as_today() {
    // Both ends of the cable unnumbered: no gateway on the segment to tell an address.
    let got = run(
        "fw_routed",
        "ip -n ns1 -4 addr flush dev right; ip -n r -4 addr flush dev left",
        "ns1",
        "10.0.1.2",
    );
    let cause = "ns1 has no route to 10.0.1.2 (Network is unreachable)";
    assert_eq!(
        got,
        format!("why ns1 → 10.0.1.2\n  [BROKEN] ns1: {cause}\n  probe: no reply from 10.0.1.2\nverdict: blocked — {cause}\nexit 1\nping fails\n")
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_macvlan_child_with_the_mac_of_its_gateways_port_gets_a_fresh_one() {
    // m1's macvlan child took r's MAC: the LAN bridge learns it behind h's port and r's.
    let inject = format!(
        "ip -n m1 link set eth0 address {}; ip -n m1 neigh flush all",
        mac_of("r", "eth0")
    );
    let got = run("macvlan", &inject, "m1", "10.77.0.2");
    let cause = "m1's eth0 has the MAC MAC of r's eth0, on its segment: lan in host learns MAC on whichever port sent last, so frames for one go to the other or are dropped where they came in (a duplicate MAC)";
    let fix = r#"m1.sh("ip link set eth0 address MAC"); sh("ip link set lh type bridge_slave fdb_flush")"#;
    assert_eq!(got, fixed_from("m1", "10.77.0.2", "m1", cause, fix));
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_host_that_lost_its_address_toward_a_neighbour_on_its_bridge_gets_one_back() {
    // No traffic yet, so no neighbour entry: the first free address, and the default route
    // via the bridge's router.
    let cause = "ns1's eth0 holds no IPv4 address (an address that expired or was flushed takes its routes with it): ns1 has no route to 10.30.1.11";
    let fix = r#"ns1.link("eth0").addr("10.30.1.2/24"); ns1.route("default", "10.30.1.1")"#;
    assert_eq!(
        run(
            "two_bridges",
            "ip -n ns1 -4 addr flush dev eth0",
            "ns1",
            "10.30.1.11"
        ),
        fixed_from("ns1", "10.30.1.11", "ns1", cause, fix)
    );
}
