//! `netsh why` on faults outside the first catalogue (issue 13, the lead's gaps): an on-link
//! address nobody on the segment holds, the sender's own address held by the next hop, the far
//! side of a tunnel (its underlay link down, its bridge down, its VTEP address gone), and a
//! gateway address gone from its bridge. Each lab is built in a sandbox by a script of
//! tests/why, one fault is injected by hand, `why` must name it in its exact words with a fix
//! in DSL form; the fix is run as a script, `why` then finds the path clear, and a real ping
//! passes. Healthy labs stay clear.

mod support;

use support::why_lab::{clear, diagnose_with as diagnose, fixed};

const NS2: &str = "10.1.1.3";
const NS2_150: &str = "10.1.1.5";
const H150: &str = "172.31.131.150";

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn an_on_link_destination_nobody_holds_is_named_and_given_back() {
    fixed(
        "lan",
        "",
        "ip -n ns2 addr del 10.1.1.3/24 dev veth2",
        NS2,
        "ns1",
        "no namespace on ns1's segment (veth1 → bridge0) holds 10.1.1.3",
        r#"ns2.link("veth2").addr("10.1.1.3/24")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_destination_gone_beyond_a_tunnel_is_named_and_given_back() {
    fixed(
        "vxlan",
        "",
        "ip -n h150.ns2 addr del 10.1.1.5/24 dev veth2",
        NS2_150,
        "ns1",
        "no namespace on ns1's segment (veth1 → bridge0) holds 10.1.1.5",
        r#"h150.ns("ns2").link("veth2").addr("10.1.1.5/24")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn the_senders_own_address_held_by_the_destination_is_named_and_removed() {
    fixed(
        "lan",
        "",
        "ip -n ns2 addr add 10.1.1.2/24 dev veth2",
        NS2,
        "ns1",
        "ns1's own address 10.1.1.2 is also held by ns2 (veth2 MAC) besides ns1 (veth1 MAC) (a duplicate address): ns2 takes ARP requests from 10.1.1.2 as its own and does not answer them",
        r#"ns2.link("veth2").del_addr("10.1.1.2/24", #{ adopted: true })"#,
    );
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn the_far_underlay_link_down_is_named_and_brought_up() {
    fixed(
        "vxlan",
        "",
        "ip -n h150 link set eth0 down",
        NS2_150,
        "h150",
        "eth0 in h150 (it holds vxlan1's remote 172.31.131.150) is down: the tunnel's underlay is cut",
        r#"h150.link("eth0").up()"#,
    );
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn the_far_bridge_down_is_named_and_brought_up() {
    fixed(
        "vxlan",
        "",
        "ip -n h150 link set bridge0 down",
        NS2_150,
        "h150",
        "the bridge bridge0 in h150 is down",
        r#"h150.link("bridge0").up()"#,
    );
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn the_far_vxlan_port_disabled_is_named() {
    fixed(
        "vxlan",
        "",
        "ip netns exec h150 bridge link set dev vxlan1 state 0",
        NS2_150,
        "h150",
        "vxlan1, a port of bridge0 in h150, is in the disabled state: it forwards no frames",
        r#"h150.exec("bridge link set dev vxlan1 state 3")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn the_far_vteps_lost_address_is_named_and_given_back() {
    fixed(
        "vxlan",
        "",
        "ip -n h150 addr del 172.31.131.150/24 dev eth0",
        NS2_150,
        "h150",
        "the L2 path over the tunnel ends at vxlan1 in host: its remote 172.31.131.150 is held by no namespace, and eth0 in h150, under h150's vxlan1, has no IPv4 address (the far VTEP's address is gone)",
        r#"h150.link("eth0").addr("172.31.131.150/24")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn the_gateways_address_gone_from_its_bridge_is_given_back() {
    fixed(
        "lan",
        "",
        "ip addr del 10.1.1.1/24 dev bridge0",
        H150,
        "ns1",
        "no namespace here holds ns1's gateway 10.1.1.1 (route `default via 10.1.1.1 dev veth1`)",
        r#"link("bridge0").addr("10.1.1.1/24")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn healthy_labs_stay_clear() {
    assert_eq!(diagnose("lan", "", "", NS2, "", ""), clear(NS2));
    assert_eq!(diagnose("lan", "", "", H150, "", ""), clear(H150));
    assert_eq!(diagnose("vxlan", "", "", NS2_150, "", ""), clear(NS2_150));
    assert_eq!(
        diagnose("l2_mesh", "", "", "10.2.0.3", "", ""),
        clear("10.2.0.3")
    );
}
