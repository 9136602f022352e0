//! `netsh why` when a network of a namespace lies inside one of its own LANs (unseen case
//! e06): a NAS on the home LAN (192.168.1.0/24) runs Docker, and a new docker network got
//! 192.168.1.0/26; its connected route takes pc (.10), so the NAS sends pc's replies into
//! the docker bridge. The fix takes the overlapping network away on the NAS (or the router)
//! and never renumbers the client. The family: the way back (the case), the way there (the
//! NAS itself sending), the docker network with no container yet, a /26 route by hand onto a
//! bridge with no ports, the same docker network on the router; a docker network in the LAN
//! that does not hold the client stays clear.

mod support;

use support::why_case::{stays_clear, Named};

const PC: &str = "192.168.1.10";
const NAS: &str = "192.168.1.20";
const SRV: &str = "203.0.113.10";

/// A docker network `net` (the bridge's address) on `ns`: br-x with one container's veth
/// plugged in (its carrier up), as `docker network create` and `docker run` leave it.
fn docker(ns: &str, net: &str) -> String {
    format!(
        "ip -n {ns} link add br-x type bridge && ip -n {ns} addr add {net} dev br-x && \
         ip -n {ns} link set br-x up && ip -n {ns} link add veth1 type veth peer name eth9 && \
         ip -n {ns} link set veth1 master br-x && ip -n {ns} link set veth1 up && \
         ip -n {ns} link set eth9 up"
    )
}

/// The overlap `why` names at `ns` for a packet (`what`: the packet, the reply) to pc, whose
/// LAN there is `lan`, and the fix that takes `net` (the bridge's address) off br-x there.
fn overlap(inject: &str, flow: (&str, &str), ns: &str, lan: &str, what: &str) {
    let cause = format!(
        "the container network 192.168.1.0/26 on {ns} (br-x) overlaps its LAN 192.168.1.0/24 \
         ({lan}) and holds 192.168.1.10: {ns} sends the {what} to pc's 192.168.1.10 out of br-x, \
         not {lan}"
    );
    let fix = format!(r#"{ns}.sh("ip addr del 192.168.1.1/26 dev br-x")"#);
    Named {
        inject,
        flow,
        hop: ns,
        cause: &cause,
        fix: &fix,
        ..HOME
    }
    .check();
}

/// The home lab, no fault yet.
const HOME: Named = Named::on("home", "", ("pc", NAS));

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_docker_network_inside_the_lan_takes_the_nas_replies_to_pc() {
    overlap(
        &docker("nas", "192.168.1.1/26"),
        ("pc", NAS),
        "nas",
        "eth0",
        "reply",
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn the_nas_itself_sending_to_pc_is_sent_into_the_docker_bridge() {
    overlap(
        &docker("nas", "192.168.1.1/26"),
        ("nas", PC),
        "nas",
        "eth0",
        "packet",
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_docker_network_with_no_container_yet_is_named_the_same() {
    let inject = "ip -n nas link add br-x type bridge && ip -n nas addr add 192.168.1.1/26 dev br-x && ip -n nas link set br-x up";
    overlap(inject, ("pc", NAS), "nas", "eth0", "reply");
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_route_by_hand_onto_a_bridge_with_no_ports_is_deleted() {
    Named {
        inject: "ip -n nas link add br-y type bridge && ip -n nas link set br-y up && ip -n nas route add 192.168.1.0/26 dev br-y",
        hop: "nas",
        cause: "nas's route `192.168.1.0/26 dev br-y` (a bridge with no ports) overlaps its LAN 192.168.1.0/24 (eth0) and holds 192.168.1.10: nas sends the reply to pc's 192.168.1.10 out of br-y, not eth0",
        fix: r#"nas.sh("ip route del 192.168.1.0/26 dev br-y")"#,
        ..HOME
    }
    .check();
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_docker_network_on_the_router_shadows_the_lan_for_the_replies_from_the_internet() {
    overlap(
        &docker("rt", "192.168.1.1/26"),
        ("pc", SRV),
        "rt",
        "br-lan",
        "reply",
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_docker_network_in_the_lan_that_does_not_hold_the_client_stays_clear() {
    let inject = docker("nas", "192.168.1.129/26");
    stays_clear("home", "", &inject, ("pc", NAS));
    stays_clear("home", "", &inject, ("nas", PC));
}
