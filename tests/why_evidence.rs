//! `netsh why` from the probe's packets (issue 13, item 3): each lab is built in a sandbox by a
//! script of tests/why (ev_*.rhai), one fault the analysis does not read is injected by hand
//! (tc, ARP off, a static neighbour or FDB entry, a raw or mangle rule), and `why` must name the
//! place where the packets vanished in its exact words; where a fix is given, it is run as a
//! script, `why` must then find the path clear, and a real ping (iputils) must pass.

mod support;

use support::sandbox;
use support::why_lab::{self, clear};

/// One fault, named and fixed, on a lab without parameters.
fn fixed(lab: &str, inject: &str, dst: &str, hop: &str, cause: &str, fix: &str) {
    why_lab::fixed(lab, "", inject, dst, hop, cause, fix);
}

const D: &str = "10.0.2.2";

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_healthy_chain_is_clear_with_sightings_all_the_way() {
    let script = format!(
        r#"cd "{dir}"
"$NETSH" run tests/why/ev_chain.rhai >/dev/null 2>&1 || echo "build failed"
"$NETSH" why --json ns1 {D}"#,
        dir = env!("CARGO_MANIFEST_DIR")
    );
    let out = sandbox(&script);
    out.assert_success();
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    // --json carries the sightings: each echo on each link it crossed, in and out.
    let mut links: Vec<String> = json["sightings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let what = if s["reply"] == true { "<" } else { ">" };
            let dir = if s["out"] == true { "out" } else { "in" };
            format!(
                "{what} {} {} {dir}",
                s["at"].as_str().unwrap(),
                s["dev"].as_str().unwrap()
            )
        })
        .collect();
    links.sort();
    links.dedup();
    assert_eq!(
        links,
        [
            "< d eth0 out",
            "< ns1 eth0 in",
            "< r1 left out",
            "< r1 right in",
            "< r2 left out",
            "< r2 right in",
            "> d eth0 in",
            "> ns1 eth0 out",
            "> r1 left in",
            "> r1 right out",
            "> r2 left in",
            "> r2 right out",
        ]
    );
    assert_eq!(why_lab::diagnose("ev_chain", "", "", D), clear(D));
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_qdisc_that_drops_everything_on_a_routers_link_is_pinned_to_that_link() {
    // netem is not in every kernel; a pfifo of length 0 drops every packet as `loss 100%` does.
    fixed(
        "ev_chain",
        "ip netns exec r1 tc qdisc add dev right root pfifo limit 0",
        D,
        "r1",
        "the request arrived in r1 on left but never left on right: right in r1 has a tc qdisc pfifo limit 0 (root), which drops every packet",
        r#"r1.sh("tc qdisc del dev right root")"#,
    );
}

/// The blackhole qdisc drops every packet too; a shaper (tbf) only may.
#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_blackhole_qdisc_is_named_as_dropping_everything() {
    fixed(
        "ev_chain",
        "ip netns exec r1 tc qdisc add dev right root blackhole",
        D,
        "r1",
        "the request arrived in r1 on left but never left on right: right in r1 has a tc qdisc blackhole (root), which drops every packet",
        r#"r1.sh("tc qdisc del dev right root")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn arp_off_on_a_routers_link_is_named() {
    fixed(
        "ev_chain",
        "ip -n r1 link set right arp off",
        D,
        "r1",
        // The analysis names it before any packet is sent; the evidence agrees.
        "right in r1 has ARP off (NOARP), so it does not ask for 10.0.1.2",
        r#"r1.sh("ip link set right arp on")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_wrong_static_neighbour_mac_is_named() {
    fixed(
        "ev_chain",
        "ip -n r2 neigh replace 10.0.2.2 lladdr 02:00:00:00:00:99 dev right nud permanent",
        D,
        "r2",
        "the request reached d on eth0 addressed to MAC, not d's MAC, so d ignores it: r2's static neighbour entry for 10.0.2.2 on right gives the wrong MAC",
        r#"r2.sh("ip neigh replace 10.0.2.2 lladdr MAC dev right nud permanent")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_static_fdb_entry_on_the_wrong_port_is_named() {
    fixed(
        "ev_lan",
        // sticky: frames from d on p2 must not move the entry back.
        "bridge fdb replace $(ip netns exec d cat /sys/class/net/eth0/address) dev p3 master static sticky",
        "10.0.5.2",
        "host",
        // Read from the FDB before the probe (the capture said the same: it left on p3).
        "br0 in host has MAC (eth0 in d) in its FDB behind p3, so it sends the frame out of p3, not out of p2 toward it",
        r#"sh("bridge fdb del MAC dev p3 master")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_tc_ingress_drop_filter_is_pinned_to_its_link() {
    fixed(
        "ev_chain",
        // A classic BPF program in direct-action mode that answers TC_ACT_SHOT (2) for IPv4.
        "ip netns exec r2 tc qdisc add dev left clsact\n\
         ip netns exec r2 tc filter add dev left ingress protocol ip bpf da bytecode '1,6 0 0 2,'",
        D,
        "r2",
        "the request arrived in r2 on left but never left on right: left in r2 has a tc qdisc clsact (ingress), which may drop or delay it",
        r#"r2.sh("tc qdisc del dev left clsact")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_mangle_drop_of_both_ways_is_named_and_removed() {
    // The chain reader names it before the probe; the rule would drop the reply too, so the
    // fix removes it rather than letting only the request through.
    fixed(
        "ev_chain",
        "ip netns exec r2 iptables -t mangle -A PREROUTING -p icmp -j DROP",
        D,
        "r2",
        "r2's mangle PREROUTING chain drops the echo request in on left from 10.0.0.1 to 10.0.2.2 (rule `-t mangle -A PREROUTING -p icmp -j DROP`)",
        r#"r2.sh("iptables -t mangle -D PREROUTING -p icmp -j DROP")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_raw_drop_of_echo_requests_is_named() {
    fixed(
        "ev_chain",
        "ip netns exec r1 iptables -t raw -A PREROUTING -p icmp --icmp-type echo-request -j DROP",
        D,
        "r1",
        "r1's raw PREROUTING chain drops the echo request in on left from 10.0.0.1 to 10.0.2.2 (rule `-t raw -A PREROUTING -p icmp -m icmp --icmp-type 8 -j DROP`)",
        r#"r1.iptables("-t raw -I PREROUTING 1 -i left -s 10.0.0.1 -d 10.0.2.2 -p icmp -j ACCEPT")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_reply_dropped_on_the_way_back_is_named_at_the_router() {
    fixed(
        "ev_chain",
        "ip netns exec r1 iptables -t mangle -A FORWARD -p icmp --icmp-type echo-reply -j DROP",
        D,
        "r1",
        "r1's mangle FORWARD chain drops the echo reply right → left from 10.0.2.2 to 10.0.0.1 (rule `-t mangle -A FORWARD -p icmp -m icmp --icmp-type 0 -j DROP`)",
        r#"r1.iptables("-t mangle -I FORWARD 1 -i right -o left -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_qdisc_that_swallows_the_destinations_arp_answers_is_named_there() {
    fixed(
        "ev_chain",
        "ip netns exec d tc qdisc add dev eth0 root pfifo limit 0",
        D,
        "d",
        "the request arrived in r2 on left but never left on right: 10.0.2.2 never answered its ARP on right: eth0 in d has a tc qdisc pfifo limit 0 (root), which drops every packet",
        r#"d.sh("tc qdisc del dev eth0 root")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_destination_that_ignores_echoes_is_named() {
    fixed(
        "ev_chain",
        "ip netns exec d sysctl -qw net.ipv4.icmp_echo_ignore_all=1",
        D,
        "d",
        "the request reached d on eth0, but d sent no reply: net.ipv4.icmp_echo_ignore_all is 1",
        r#"d.sysctl("net.ipv4.icmp_echo_ignore_all", 0)"#,
    );
}

/// One fault named and fixed from `src`: the report, then clear, then the real ping.
fn fixed_from(
    lab: &str,
    inject: &str,
    (src, dst): (&str, &str),
    hop: &str,
    cause: &str,
    fix: &str,
) {
    let got = why_lab::diagnose_at(lab, "", inject, (src, dst), "", "");
    let blocked = format!(
        "why {src} → {dst}\n  [BROKEN] {hop}: {cause}\n  fix: {fix}\n  probe: no reply from {dst}\nverdict: blocked — {cause}\nexit 1\n"
    );
    assert_eq!(got, blocked + &clear_from(src, dst));
}

fn clear_from(src: &str, dst: &str) -> String {
    format!("why {src} → {dst}\n  probe: {dst} answers\nverdict: clear\nexit 0\nping ok\n")
}

/// A netdev table on n1 (k8s_node) with `stmt` in an ingress chain `{dev}in` on `dev`, and
/// the capture veth cap0 it names.
fn mirror(dev: &str, stmt: &str) -> String {
    format!(
        "ip netns exec n1 ip link add cap0 type veth peer name cap1\n\
         ip netns exec n1 ip link set cap0 up\n\
         ip netns exec n1 ip link set cap1 up\n\
         ip netns exec n1 nft add table netdev mirror\n\
         ip netns exec n1 nft 'add chain netdev mirror {dev}in {{ type filter hook ingress device \"{dev}\" priority 0; policy accept; }}'\n\
         ip netns exec n1 nft 'add rule netdev mirror {dev}in {stmt}'"
    )
}

#[test]
#[ignore = "needs iproute2, iptables, nftables, iputils-ping"]
fn a_netdev_fwd_that_steals_the_reply_into_a_capture_veth_is_named() {
    fixed_from(
        "k8s_node",
        &mirror("vp2", "fwd to \"cap0\""),
        ("p1", "10.96.0.10"),
        "n1",
        "n1's nftables chain `netdev mirror vp2in` (hook ingress on vp2, priority 0) forwards the echo reply from 10.244.1.3 to 10.244.1.2 arriving on vp2 to cap0 (rule handle 2): it never reaches n1's stack",
        r#"n1.sh("nft delete rule netdev mirror vp2in handle 2")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, nftables, iputils-ping"]
fn a_netdev_fwd_that_steals_the_request_is_named() {
    fixed_from(
        "k8s_node",
        &mirror("vp1", "fwd to \"cap0\""),
        ("p1", "10.96.0.10"),
        "n1",
        "n1's nftables chain `netdev mirror vp1in` (hook ingress on vp1, priority 0) forwards the echo request from 10.244.1.2 to 10.96.0.10 arriving on vp1 to cap0 (rule handle 2): it never reaches n1's stack",
        r#"n1.sh("nft delete rule netdev mirror vp1in handle 2")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, nftables, iputils-ping"]
fn a_netdev_dup_to_a_capture_veth_stays_clear() {
    for dev in ["vp1", "vp2"] {
        let got = why_lab::diagnose_at(
            "k8s_node",
            "",
            &mirror(dev, "dup to \"cap0\""),
            ("p1", "10.96.0.10"),
            "",
            "",
        );
        assert_eq!(got, clear_from("p1", "10.96.0.10"), "dup on {dev}");
    }
}

/// `hh:00:00` `h` hours from now (UTC), as iptables prints a time of day.
fn hour_from_now(h: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    format!("{:02}:00:00", (now / 3600 + h).rem_euclid(24))
}

/// pc's access cut by a parental-control rule (`-m time`) on home's router.
fn parental(start: &str, stop: &str) -> String {
    format!(
        "ip netns exec rt iptables -I FORWARD 1 -i br-lan -s 192.168.1.10 -m time --timestart {start} --timestop {stop} -j REJECT --reject-with icmp-admin-prohibited"
    )
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_time_window_that_holds_now_is_named_with_its_window() {
    let (start, stop) = (hour_from_now(-1), hour_from_now(1));
    fixed_from(
        "home",
        &parental(&start, &stop),
        ("pc", "203.0.113.10"),
        "rt",
        &format!("rt's FORWARD chain rejects br-lan → wan (rule `-A FORWARD -s 192.168.1.10/32 -i br-lan -m time --timestart {start} --timestop {stop} --datestop 2038-01-19T03:14:07 -j REJECT --reject-with icmp-admin-prohibited` (its time window, {start} to {stop} UTC, holds now))"),
        r#"rt.iptables("-I FORWARD 1 -i br-lan -o wan -s 192.168.1.10 -d 203.0.113.10 -p icmp -j ACCEPT")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_time_window_that_does_not_hold_now_stays_clear() {
    let (start, stop) = (hour_from_now(1), hour_from_now(2));
    let got = why_lab::diagnose_at(
        "home",
        "",
        &parental(&start, &stop),
        ("pc", "203.0.113.10"),
        "",
        "",
    );
    assert_eq!(got, clear_from("pc", "203.0.113.10"));
}
