//! `netsh why` across an L3 VXLAN that has nothing to send by: no remote, no all-zeros flood
//! entry and no FDB entry for the far end's MAC (a hand-programmed mesh, or flannel's per-node
//! entry, gone). The near VTEP is named; the fix gives back the flood entry (ARP needs it), or
//! the far MAC's own entry where a neighbour entry already answers for it. Each case applies
//! the fix and proves it with a real ping; the healthy labs stay clear.

mod support;

use support::why_lab::{clear, clear_from, diagnose, diagnose_at, fixed, fixed_from};

/// The flannel lab with `inject`, asked from pod p1 to pod p2: `hop` blocked by `cause`, its
/// `fix` applied, then clear and a real ping.
fn flannel_fixed(inject: &str, hop: &str, cause: &str, fix: &str) {
    let flow = ("p1", "10.244.2.2");
    let got = diagnose_at("flannel", "", inject, flow, "", "");
    assert_eq!(got, fixed_from(flow, hop, cause, fix, None));
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_mesh_vtep_without_its_flood_entry_is_named_and_given_it_back() {
    fixed(
        "vxlan_flood",
        "",
        "ip netns exec ns1 bridge fdb del 00:00:00:00:00:00 dev vx0 dst 192.168.60.2; ip -n ns1 neigh flush dev vx0",
        "10.210.0.2",
        "ns1",
        "vx0 in ns1 has no remote and its FDB has no entry to send by (no 00:00:00:00:00:00 flood entry, none for v2's vx0 (MAC)): it sends the packet nowhere, ARP requests first",
        r#"ns1.sh("bridge fdb append 00:00:00:00:00:00 dev vx0 dst 192.168.60.2")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn flannels_lost_fdb_entry_is_given_back_for_the_far_mac() {
    flannel_fixed(
        "ip netns exec n1 bridge fdb del 02:fa:00:00:00:02 dev flannel.1 dst 192.0.2.12 self",
        "n1",
        "flannel.1 in n1 has no remote and its FDB has no entry to send by (no 00:00:00:00:00:00 flood entry, none for n2's flannel.1 (MAC)): it sends the packet nowhere",
        r#"n1.sh("bridge fdb append MAC dev flannel.1 dst 192.0.2.12")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn the_healthy_mesh_and_flannel_stay_clear() {
    assert_eq!(
        diagnose("vxlan_flood", "", "", "10.210.0.2"),
        clear("10.210.0.2")
    );
    let got = diagnose_at("flannel", "", "", ("p1", "10.244.2.2"), "", "");
    assert_eq!(got, clear_from(("p1", "10.244.2.2")));
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn the_far_vteps_lost_entry_back_is_given_back_not_the_device_remade() {
    // flannel: the far node's entry for our MAC (its neighbour entry still gives it).
    flannel_fixed(
        "ip netns exec n2 bridge fdb del 02:fa:00:00:00:01 dev flannel.1 dst 192.0.2.11 self",
        "n2",
        "flannel.1 in n2 learns no MACs and sends back to nowhere, not to n1 at 192.0.2.11: the replies to flannel.1 in n1 cannot come back (no FDB entry back)",
        r#"n2.sh("bridge fdb append MAC dev flannel.1 dst 192.0.2.11")"#,
    );
    // The flood mesh: the far VTEP's flood entry.
    fixed(
        "vxlan_flood",
        "",
        "ip netns exec v2 bridge fdb del 00:00:00:00:00:00 dev vx0 dst 192.168.60.1",
        "10.210.0.2",
        "v2",
        "vx0 in v2 learns no MACs and sends back to nowhere, not to ns1 at 192.168.60.1: the replies to vx0 in ns1 cannot come back (no FDB entry back)",
        r#"v2.sh("bridge fdb append 00:00:00:00:00:00 dev vx0 dst 192.168.60.1")"#,
    );
}
