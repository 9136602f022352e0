//! `netsh why` toward a macvlan child whose parent's port silently drops what the router sends
//! (tests/why/macvlan.rhai: r on the LAN bridge, h's eth0 a port, m1/m2 macvlans of it): every
//! child asking `bcqueuelen 0` (the port uses the largest, so ARP requests die) and a child in
//! `mode source` whose allowed source MACs lack the sender's. Each is named with a fix that a
//! real ping proves; what the kernel still delivers (one child at 0, a list that holds the
//! sender) stays clear, and a correct bridge FDB entry is never blamed.

mod support;

use support::why_lab::{blocked, clear, diagnose_at};

const M1: &str = "192.168.50.21";
const M2: &str = "192.168.50.22";

/// `why r DST` after `inject`, with the fix applied and a real ping.
fn from_r(inject: &str, dst: &str) -> String {
    diagnose_at("macvlan", "", inject, ("r", dst), "", "")
}

fn clear_r(dst: &str) -> String {
    clear(dst).replace("why ns1 →", "why r →")
}

fn fixed_r(inject: &str, dst: &str, hop: &str, cause: &str, fix: &str) {
    let want = blocked(dst, hop, cause, fix).replace("why ns1 →", "why r →") + &clear_r(dst);
    assert_eq!(from_r(inject, dst), want);
}

/// The source-mode cause for m2, its list as `list`.
fn source_cause(list: &str) -> String {
    format!(
        "eth0 in m2 is a macvlan of eth0 in h in source mode, which takes frames only from its \
         allowed source MACs ({list}), and eth0 in r (MAC) is not among them: nothing from r \
         reaches it (or let it in: ip link set eth0 type macvlan macaddr add MAC)"
    )
}

const TO_BRIDGE: &str = r#"m2.sh("ip link set eth0 type macvlan mode bridge")"#;

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn every_macvlan_of_a_parent_at_bcqueuelen_0_is_named_and_given_a_queue() {
    fixed_r(
        "ip -n h link set mvh type macvlan bcqueuelen 0; \
         ip -n m1 link set eth0 type macvlan bcqueuelen 0; \
         ip -n m2 link set eth0 type macvlan bcqueuelen 0; \
         ip -n r neigh flush all; ip -n m1 neigh flush all",
        M1,
        "m1",
        "192.168.50.21 does not answer ARP on eth0 in r (neighbour INCOMPLETE): eth0 in m1 is a \
         macvlan of eth0 in h, whose macvlan port drops every broadcast from outside (the ARP \
         requests for 192.168.50.21 too): the port's broadcast queue is the largest bcqueuelen \
         of its macvlans, and mvh in h, eth0 in m1 and eth0 in m2 all have bcqueuelen 0",
        r#"m1.sh("ip link set eth0 type macvlan bcqueuelen 1000")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn bcqueuelen_0_on_one_macvlan_only_stays_clear() {
    // Measured: the port takes the largest queue its children ask, so the others' 1000 stands.
    let inject = "ip -n m1 link set eth0 type macvlan bcqueuelen 0; ip -n r neigh flush all";
    assert_eq!(from_r(inject, M1), clear_r(M1));
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_source_mode_macvlan_with_no_sources_is_named_and_bridged() {
    fixed_r(
        "ip -n m2 link set eth0 type macvlan mode source; ip -n r neigh flush all",
        M2,
        "m2",
        &source_cause("none listed"),
        TO_BRIDGE,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_source_mode_macvlan_whose_list_lacks_the_router_is_named() {
    fixed_r(
        "ip -n m2 link set eth0 type macvlan mode source; \
         ip -n m2 link set eth0 type macvlan macaddr add 02:11:22:33:44:55; ip -n r neigh flush all",
        M2,
        "m2",
        &source_cause("MAC"),
        TO_BRIDGE,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_source_mode_macvlan_the_router_knows_blames_no_correct_fdb_entry() {
    // r still holds m2's MAC, so its echo goes out unicast: the host bridge's FDB entry for it
    // on lh (toward h's eth0, m2's parent) is right, and the macvlan is the fault.
    fixed_r(
        "ip netns exec r ping -c1 -W1 192.168.50.22 >/dev/null; \
         ip -n m2 link set eth0 type macvlan mode source",
        M2,
        "m2",
        &source_cause("none listed"),
        TO_BRIDGE,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_source_mode_macvlan_that_lists_the_router_stays_clear() {
    let inject = "ip -n m2 link set eth0 type macvlan mode source; \
         ip -n m2 link set eth0 type macvlan macaddr add $(ip -n r -br link show eth0 | awk '{print $3}'); \
         ip -n r neigh flush all";
    assert_eq!(from_r(inject, M2), clear_r(M2));
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_healthy_macvlan_lab_stays_clear() {
    assert_eq!(from_r("", M1), clear_r(M1));
    assert_eq!(from_r("", M2), clear_r(M2));
}
