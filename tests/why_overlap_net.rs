//! `netsh why` when a network of a namespace lies inside one of its own LANs (unseen case
//! e06): a NAS on the home LAN (192.168.1.0/24) runs Docker, and a new docker network got
//! 192.168.1.0/26; its connected route takes pc (.10), so the NAS sends pc's replies into
//! the docker bridge. The fix takes the overlapping network away on the NAS (or the router)
//! and never renumbers the client. The family: the way back (the case), the way there (the
//! NAS itself sending), the docker network with no container yet, a /26 route by hand onto a
//! bridge with no ports, the same docker network on the router; a docker network in the LAN
//! that does not hold the client stays clear.

mod support;

use support::why_lab::diagnose_at;

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

/// The report of a blocked probe from `src`, then clear after the fix, then the real ping.
fn fixed_at(src: &str, dst: &str, hop: &str, cause: &str, fix: &str) -> String {
    format!(
        "why {src} → {dst}\n  [BROKEN] {hop}: {cause}\n  fix: {fix}\n  probe: no reply from {dst}\nverdict: blocked — {cause}\nexit 1\n{}",
        clear_at(src, dst)
    )
}

fn clear_at(src: &str, dst: &str) -> String {
    format!("why {src} → {dst}\n  probe: {dst} answers\nverdict: clear\nexit 0\nping ok\n")
}

fn home(inject: &str, src: &str, dst: &str) -> String {
    diagnose_at("home", "", inject, (src, dst), "", "")
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_docker_network_inside_the_lan_takes_the_nas_replies_to_pc() {
    let got = home(&docker("nas", "192.168.1.1/26"), "pc", NAS);
    let cause = "the container network 192.168.1.0/26 on nas (br-x) overlaps its LAN 192.168.1.0/24 (eth0) and holds 192.168.1.10: nas sends the reply to pc's 192.168.1.10 out of br-x, not eth0";
    let fix = r#"nas.sh("ip addr del 192.168.1.1/26 dev br-x")"#;
    assert_eq!(got, fixed_at("pc", NAS, "nas", cause, fix));
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn the_nas_itself_sending_to_pc_is_sent_into_the_docker_bridge() {
    let got = home(&docker("nas", "192.168.1.1/26"), "nas", PC);
    let cause = "the container network 192.168.1.0/26 on nas (br-x) overlaps its LAN 192.168.1.0/24 (eth0) and holds 192.168.1.10: nas sends the packet to pc's 192.168.1.10 out of br-x, not eth0";
    let fix = r#"nas.sh("ip addr del 192.168.1.1/26 dev br-x")"#;
    assert_eq!(got, fixed_at("nas", PC, "nas", cause, fix));
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_docker_network_with_no_container_yet_is_named_the_same() {
    let inject = "ip -n nas link add br-x type bridge && ip -n nas addr add 192.168.1.1/26 dev br-x && ip -n nas link set br-x up";
    let got = home(inject, "pc", NAS);
    let cause = "the container network 192.168.1.0/26 on nas (br-x) overlaps its LAN 192.168.1.0/24 (eth0) and holds 192.168.1.10: nas sends the reply to pc's 192.168.1.10 out of br-x, not eth0";
    let fix = r#"nas.sh("ip addr del 192.168.1.1/26 dev br-x")"#;
    assert_eq!(got, fixed_at("pc", NAS, "nas", cause, fix));
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_route_by_hand_onto_a_bridge_with_no_ports_is_deleted() {
    let inject = "ip -n nas link add br-y type bridge && ip -n nas link set br-y up && ip -n nas route add 192.168.1.0/26 dev br-y";
    let got = home(inject, "pc", NAS);
    let cause = "nas's route `192.168.1.0/26 dev br-y` (a bridge with no ports) overlaps its LAN 192.168.1.0/24 (eth0) and holds 192.168.1.10: nas sends the reply to pc's 192.168.1.10 out of br-y, not eth0";
    let fix = r#"nas.sh("ip route del 192.168.1.0/26 dev br-y")"#;
    assert_eq!(got, fixed_at("pc", NAS, "nas", cause, fix));
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_docker_network_on_the_router_shadows_the_lan_for_the_replies_from_the_internet() {
    let got = home(&docker("rt", "192.168.1.1/26"), "pc", SRV);
    let cause = "the container network 192.168.1.0/26 on rt (br-x) overlaps its LAN 192.168.1.0/24 (br-lan) and holds 192.168.1.10: rt sends the reply to pc's 192.168.1.10 out of br-x, not br-lan";
    let fix = r#"rt.sh("ip addr del 192.168.1.1/26 dev br-x")"#;
    assert_eq!(got, fixed_at("pc", SRV, "rt", cause, fix));
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_docker_network_in_the_lan_that_does_not_hold_the_client_stays_clear() {
    let inject = docker("nas", "192.168.1.129/26");
    assert_eq!(home(&inject, "pc", NAS), clear_at("pc", NAS));
    assert_eq!(home(&inject, "nas", PC), clear_at("nas", PC));
}
