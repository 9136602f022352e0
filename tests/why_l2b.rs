//! `netsh why` on bridge FDB and STP faults found by the unseen evaluation (round w): a local
//! FDB entry written on the bridge itself for a host's MAC, a bridge that forgets every MAC
//! (ageing_time 0) with a port that floods no unknown unicast, and root guard (root_block) on
//! an uplink facing the root. Each lab of tests/why is built in a sandbox, the fault injected
//! by hand, `why` must name it in its exact words, its fix is applied and a real ping passes;
//! the healthy variants stay clear.

mod support;

use support::why_lab::{blocked, clear, diagnose_at, diagnose_with as diagnose, fixed};

/// The report from `src`, blocked at `hop` (`cause`, `fix`), then clear and the real ping.
fn fixed_at(src: &str, dst: &str, hop: &str, cause: &str, fix: &str) -> String {
    format!(
        "why {src} → {dst}\n  [BROKEN] {hop}: {cause}\n  fix: {fix}\n  probe: no reply from {dst}\nverdict: blocked — {cause}\nexit 1\nwhy {src} → {dst}\n  probe: {dst} answers\nverdict: clear\nexit 0\nping ok\n"
    )
}

const NAS_MAC: &str = r#"M=$(ip -n nas -br link show eth0 | awk '{print $3}')"#;

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_local_fdb_entry_on_the_bridge_for_a_hosts_mac_is_named_not_the_forward_policy() {
    // w06: the home router's FORWARD policy is DROP, but the frames never reach IP forwarding
    // by it: br-lan takes them as its own.
    let inject = format!("{NAS_MAC}; bridge -n rt fdb replace $M dev br-lan self local");
    let got = diagnose_at("home", "", &inject, ("pc", "192.168.1.20"), "", "");
    assert_eq!(
        got,
        fixed_at(
            "pc",
            "192.168.1.20",
            "rt",
            "br-lan in rt has a local FDB entry for MAC (eth0 in nas) on br-lan itself \
             (`bridge fdb … dev br-lan self local`): it takes the frames for MAC as its own, up \
             to rt's stack, instead of sending them out of vnas",
            r#"rt.sh("bridge fdb del MAC dev br-lan self")"#,
        )
    );
}

/// A local FDB entry on br0 itself for ns2's MAC.
const NS2_LOCAL: &str = r#"M=$(ip -n ns2 -br link show veth2 | awk '{print $3}'); bridge fdb replace $M dev br0 self local"#;

/// The l2 LAN with `inject` (a local FDB entry for ns2's MAC on br0 among it): named at host.
fn local_fdb_on_br0(inject: &str) {
    fixed(
        "l2_lan",
        "",
        inject,
        "10.1.1.3",
        "host",
        "br0 in host has a local FDB entry for MAC (veth2 in ns2) on br0 itself (`bridge fdb … \
         dev br0 self local`): it takes the frames for MAC as its own, up to host's stack, \
         instead of sending them out of vethb2",
        r#"sh("bridge fdb del MAC dev br0 self")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_local_fdb_entry_on_a_switch_that_does_not_route_is_named() {
    // The host takes the frames in and, forwarding off, drops them.
    local_fdb_on_br0(&format!("sysctl -qw net.ipv4.ip_forward=0; {NS2_LOCAL}"));
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_local_fdb_entry_is_named_when_the_host_routes_the_frames_back_too() {
    // The host forwards what it took in back out of br0, whose own entry drops it again.
    local_fdb_on_br0(NS2_LOCAL);
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_static_fdb_entry_on_the_right_port_stays_clear() {
    let inject = format!("{NAS_MAC}; bridge -n rt fdb replace $M dev vnas master static");
    let got = diagnose_at("home", "", &inject, ("pc", "192.168.1.20"), "", "");
    assert_eq!(
        got,
        "why pc → 192.168.1.20\n  probe: 192.168.1.20 answers\nverdict: clear\nexit 0\nping ok\n"
    );
}

const NS3: &str = "10.1.1.4";

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn ageing_time_0_with_flood_off_toward_the_target_is_named_not_the_flooded_copy() {
    // w10: br0 made a hub for a capture; vethb3 floods no unknown unicast.
    fixed(
        "l2_lan",
        "-p ports=3",
        "bridge link set dev vethb3 flood off; ip netns exec ns1 ping -c1 -W1 10.1.1.4 >/dev/null; \
         ip link set br0 type bridge ageing_time 0",
        NS3,
        "host",
        "br0 in host has ageing_time 0: it forgets MAC (veth3 in ns3) as soon as it learns it, \
         so every unicast frame for it is unknown and flooded, and vethb3, the port toward it, \
         has flood off: the frame is never sent out of vethb3 (or restore ageing: `ip link set \
         br0 type bridge ageing_time 30000`, then flush the sender's neighbour entry)",
        r#"sh("bridge link set dev vethb3 flood on")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn ageing_time_0_with_a_static_entry_on_the_flood_off_port_stays_clear() {
    let inject =
        "bridge link set dev vethb3 flood off; ip link set br0 type bridge ageing_time 0; \
                  M=$(ip -n ns3 -br link show veth3 | awk '{print $3}'); \
                  bridge fdb replace $M dev vethb3 master static";
    assert_eq!(
        diagnose("l2_lan", "-p ports=3", inject, NS3, "", ""),
        clear(NS3)
    );
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn ageing_time_0_with_flooding_ports_stays_clear() {
    // A hub: every frame flooded, and every port floods.
    assert_eq!(
        diagnose(
            "l2_lan",
            "-p ports=3",
            "ip link set br0 type bridge ageing_time 0",
            NS3,
            "",
            ""
        ),
        clear(NS3)
    );
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn flood_off_with_learning_stays_clear() {
    // The ARP exchange teaches br0 where ns3 is: the unicast frames need no flood.
    assert_eq!(
        diagnose(
            "l2_lan",
            "-p ports=3",
            "bridge link set dev vethb3 flood off",
            NS3,
            "",
            ""
        ),
        clear(NS3)
    );
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn flood_off_and_learning_off_with_ageing_time_0_names_both_in_turn() {
    let learning = "vethb3, a port of br0 in host, neither learns nor floods, and no FDB entry \
                    points at it: unicast frames to what is behind it are never sent there";
    let ageing = "br0 in host has ageing_time 0: it forgets MAC (veth3 in ns3) as soon as it \
                  learns it, so every unicast frame for it is unknown and flooded, and vethb3, \
                  the port toward it, has flood off: the frame is never sent out of vethb3 (or \
                  restore ageing: `ip link set br0 type bridge ageing_time 30000`, then flush \
                  the sender's neighbour entry)";
    let got = diagnose(
        "l2_lan",
        "-p ports=3",
        "bridge link set dev vethb3 flood off learning off; ip link set br0 type bridge ageing_time 0",
        NS3,
        "",
        "",
    );
    let first = blocked(
        NS3,
        "host",
        learning,
        r#"sh("bridge link set dev vethb3 learning on")"#,
    );
    let second = blocked(
        NS3,
        "host",
        ageing,
        r#"sh("bridge link set dev vethb3 flood on")"#,
    );
    assert_eq!(got, format!("{first}{second}") + clear(NS3).as_str());
}

const STP_UP: &str = "for i in $(seq 1 30); do ip netns exec ns1 ping -c1 -W1 10.60.0.2 \
                      >/dev/null 2>&1 && break; sleep 1; done";

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn root_guard_on_the_uplink_facing_the_root_is_named_and_turned_off() {
    // w05: s2 is the root; s1's `up` would be s1's root port, which root guard forbids.
    let inject = format!("{STP_UP}; bridge -n s1 link set dev up root_block on; sleep 3");
    fixed(
        "l2_stp",
        "",
        &inject,
        "10.60.0.2",
        "s1",
        "up, a port of sw in s1, is listening: root guard (root_block on) keeps it from \
         forwarding while better BPDUs come in by it from the root s2",
        r#"s1.sh("bridge link set dev up root_block off")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn root_guard_on_the_roots_own_port_stays_clear() {
    // On the root's side the BPDUs from s1 are worse than its own: root guard lets it forward.
    let inject = format!(
        "{STP_UP}; bridge -n s2 link set dev upx root_block on; bridge -n s1 link set dev p1 \
         root_block on; sleep 3"
    );
    assert_eq!(
        diagnose("l2_stp", "", &inject, "10.60.0.2", "", ""),
        clear("10.60.0.2")
    );
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn flood_off_toward_a_mac_the_bridge_forgot_is_named_from_the_flooded_copy() {
    // br0 ages ns3's MAC out in a second; ns1 holds a permanent neighbour entry, so it never
    // asks again, and ns3 (IPv6 off: no router solicitations) stays silent: every echo is
    // unknown unicast, and vethb3 floods none.
    let inject = "M=$(ip -n ns3 -br link show veth3 | awk '{print $3}'); \
                  ip netns exec ns3 sysctl -qw net.ipv6.conf.veth3.disable_ipv6=1; \
                  ip -n ns1 neigh replace 10.1.1.4 lladdr $M dev veth1 nud permanent; \
                  bridge link set dev vethb3 flood off; ip link set br0 type bridge ageing_time 100; \
                  bridge fdb del $M dev vethb3 master 2>/dev/null; sleep 2";
    fixed(
        "l2_lan",
        "-p ports=3",
        inject,
        NS3,
        "host",
        "the request for MAC left host on vethb2 toward ns2's veth2, off its path: MAC is veth3 \
         in ns3, behind vethb3 of br0, but br0 in host has no FDB entry for it there (not \
         learned, or aged out), so it floods the frame, and vethb3 has flood off: the frame is \
         never sent toward veth3",
        r#"sh("bridge link set dev vethb3 flood on")"#,
    );
}
