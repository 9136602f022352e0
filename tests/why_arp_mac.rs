//! `netsh why` on ARP and MAC faults the outside tester's round H found misnamed, and an MTU
//! fix that went too far: a service address on a host's `lo` (LVS direct routing) is reached
//! through the host's link on the segment, and an arp_ignore that silences it is the fault
//! (not the asker's netmask); a pinned neighbour entry holding a MAC nobody has is the fault
//! (not the bridge's FDB); a VXLAN set smaller than its bridge gets back what its underlay
//! carries (the underlay is left alone); and `netsh doc | head -1` ends quietly. Each kernel
//! case asserts the exact report and proves the fix with real traffic.

mod support;

use support::why_lab::{clear_from, diagnose_at, diagnose_then, fixed_from};

/// lan_hosts: cl (10.10.0.50) and h1 (eth0 10.10.0.5) on rt's bridge `lan`.
const CL: &str = "cl";
/// The service address h1 holds on lo, LVS-DR style.
const VIP: &str = "10.10.0.100";
const ON_LO: &str = "ip -n h1 addr add 10.10.0.100/32 dev lo\n";

/// Round H case B4: the service address is answered on h1's eth0 while h1's arp_ignore (the
/// larger of `all` and eth0's) is 0; 1 or 2 silences it, and that sysctl is the fault, fixed
/// where it was set. The healthy lab is clear, without a word about the netmask.
#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_service_address_on_lo_is_answered_on_the_hosts_segment_link() {
    let cases = [
        ("", None),
        ("all.arp_ignore=1", Some(("1", "all"))),
        ("eth0.arp_ignore=2", Some(("2", "eth0"))),
    ];
    for (sysctl, fault) in cases {
        let inject = match sysctl {
            "" => ON_LO.to_string(),
            s => format!("{ON_LO}ip netns exec h1 sysctl -qw net.ipv4.conf.{s}"),
        };
        let got = diagnose_at("lan_hosts", "", &inject, (CL, VIP), "", "");
        let want = match fault {
            None => clear_from((CL, VIP)),
            Some((v, key)) => {
                let cause = format!("h1 does not answer ARP for {VIP} on eth0 from 10.10.0.50: arp_ignore is {v} and {VIP} is not on eth0 (it is on lo)");
                let fix = format!("h1.sysctl(\"net.ipv4.conf.{key}.arp_ignore\", 0)");
                fixed_from((CL, VIP), "h1", &cause, &fix, None)
            }
        };
        assert_eq!(got, want, "{sysctl}");
    }
}

/// Round H case B7: cl pins its gateway h1 (to 10.20.1.0/24) with a permanent neighbour entry,
/// then h1's eth0 gets another MAC. The bridge still has the old MAC learned on h1's port, but
/// nobody holds that MAC: cl's entry is the fault in the first round, not the FDB; it is pinned
/// again, to h1's new MAC, not deleted.
#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_pinned_neighbour_for_a_mac_nobody_holds_is_named_not_the_fdb() {
    let inject = "ip -n cl route add 10.20.1.0/24 via 10.10.0.5\n\
        M=$(ip -n h1 -br link show eth0 | awk '{print $3}')\n\
        ip -n cl neigh replace 10.10.0.5 lladdr $M dev eth0 nud permanent\n\
        ip netns exec cl ping -c1 -W2 10.20.1.2 >/dev/null || echo 'healthy ping fails'\n\
        ip -n h1 link set eth0 address 02:00:00:00:01:01";
    let dst = "10.20.1.2";
    // The pin stays, now on h1's new MAC.
    let prove = format!(
        "ip netns exec cl ping -c1 -W2 {dst} >/dev/null 2>&1 && echo \"ping ok\" || echo \"ping fails\"\n\
         ip -n cl neigh show 10.10.0.5 dev eth0"
    );
    let got = diagnose_then("lan_hosts", "", inject, (CL, dst), "", &prove);
    let cause = "the request reached h1 on eth0 addressed to MAC, not h1's MAC, so h1 ignores it: cl's static neighbour entry for 10.10.0.5 on eth0 gives the wrong MAC";
    let fix = r#"cl.sh("ip neigh replace 10.10.0.5 lladdr MAC dev eth0 nud permanent")"#;
    let pinned = "10.10.0.5 lladdr 02:00:00:00:01:01 PERMANENT \n";
    assert_eq!(got, fixed_from((CL, dst), "cl", cause, fix, None) + pinned);
}

/// Round H case 10: h1's vx0 lowered to 1400 under 1450-byte tenants. The underlay (1500)
/// carries 1450: vx0 gets that back, and neither underlay link is touched.
#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_vxlan_set_too_small_gets_what_its_underlay_carries() {
    let got = diagnose_at(
        "vxlan_pair",
        "",
        "ip -n h1 link set vx0 mtu 1400",
        ("ns1", "10.50.0.2"),
        "--size 1400",
        "-M do -s 1400",
    );
    let cause = "vx0 in h1 has MTU 1400: a 1428-byte packet with DF set does not fit (its underlay ul carries 1450)";
    let fix = r#"h1.link("vx0").mtu(1450); ns1.sh("ip route flush cache")"#;
    assert_eq!(
        got,
        fixed_from(("ns1", "10.50.0.2"), "h1", cause, fix, None)
    );
}

/// `netsh doc | head -1`: netsh ends quietly (by SIGPIPE, or done before the reader closed),
/// never with a panic on stderr. The second pipe's reader is surely gone before netsh writes.
#[test]
fn output_into_a_closed_pipe_ends_quietly() {
    let netsh = env!("CARGO_BIN_EXE_netsh");
    for pipe in [
        format!("\"{netsh}\" doc | head -1 >/dev/null"),
        format!("{{ sleep 0.3; \"{netsh}\" doc; }} | true"),
    ] {
        let out = std::process::Command::new("bash")
            .arg("-c")
            .arg(format!("{pipe}; echo ${{PIPESTATUS[0]}}"))
            .output()
            .expect("bash runs");
        let code = String::from_utf8_lossy(&out.stdout).trim().to_string();
        assert!(code == "141" || code == "0", "{pipe}: exit {code}");
        assert_eq!(String::from_utf8_lossy(&out.stderr), "", "{pipe}");
    }
}
