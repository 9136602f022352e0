//! `netsh why` when the bridge floods the request because the destination's MAC left its FDB
//! (its port lost carrier, which flushes what was learned there) while the sender still holds
//! a REACHABLE neighbour entry: the flood's copies out of the other ports are not "off its
//! path", and the sender's entry (the right MAC) is not the fault; the port that forwards
//! nothing is, as the walk says. On the benchmark's star (n=3, ns1 pinged ns3 while building).

mod support;

use support::why_lab::fixed;

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_flood_past_a_port_whose_peer_is_down_names_the_peer_not_the_senders_entry() {
    let cause = "veth3, a port of br0 in host, is disabled: its other end ceth3 in ns3 is down, so veth3 in host has no carrier";
    let fix = "ns3.link(\"ceth3\").up()";
    fixed(
        "benches/star.rhai",
        "-p n=3",
        "ip -n ns3 link set ceth3 down",
        "10.1.0.4",
        "host",
        cause,
        fix,
    );
}
