//! `netsh why` when the way back (or the way there) leaves by a link that does not lead to
//! where the packet must go (issue 13, round y): a policy table's wide route over docker0's
//! subnet, a more specific route to the wrong link, a host holding an address of the other
//! bridge's subnet. Each case asserts the exact report and that applying its fix makes a real
//! ping pass; healthy labs with the same shapes stay clear.

mod support;

use support::why_case::{stays_clear, Named};

/// The tailscale + docker host lab: c1 (a container on h) to the internet.
const TS_DOCKER: Named = Named::on("ts_docker", "", ("c1", "203.0.113.10"));

/// The home lab: phone (on the guest bridge) to the internet.
const HOME: Named = Named::on("home", "", ("phone", "203.0.113.10"));

/// h's tailscale-like table 52 with a route over docker0's subnet.
const TABLE_52: &str = "ip -n h route add 172.16.0.0/12 dev ts0 table 52";

/// phone re-addressed into br-lan's subnet, still plugged into br-guest.
const PHONE_IN_LAN: &str = "ip -n phone addr flush dev eth0; ip -n phone addr add 192.168.1.50/24 dev eth0; ip -n phone route add default via 192.168.1.1";

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_vpn_subnet_route_in_a_policy_table_over_docker0_is_named_on_the_way_back() {
    Named {
        inject: TABLE_52,
        hop: "h",
        cause: "h's policy rule `5270: from all lookup 52` sends the reply to 172.17.0.2 by table 52's route `172.16.0.0/12 dev ts0` instead of main's `172.17.0.0/16 dev docker0`, and it is lost that way",
        fix: r#"h.sh("ip rule add priority 5269 to 172.17.0.0/16 lookup main")"#,
        ..TS_DOCKER
    }
    .check();
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn the_same_policy_route_on_the_way_there_is_named() {
    Named {
        inject: TABLE_52,
        flow: ("h", "172.17.0.2"),
        hop: "h",
        cause: "h's policy rule `5270: from all lookup 52` sends the packet to 172.17.0.2 by table 52's route `172.16.0.0/12 dev ts0` instead of main's `172.17.0.0/16 dev docker0`, and it is lost that way",
        fix: r#"h.sh("ip rule add priority 5269 to 172.17.0.0/16 lookup main")"#,
        ..TS_DOCKER
    }
    .check();
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_more_specific_main_route_to_the_wrong_link_is_named_on_the_way_back() {
    Named {
        inject: "ip -n h route add 172.17.0.0/24 dev ts0",
        hop: "h",
        cause: "h sends the reply to 172.17.0.2 out of ts0 (route `172.17.0.0/24 dev ts0`), but ts0 leads to tsr, not to c1: 172.17.0.2 is c1's eth0, behind docker0",
        fix: r#"h.del_route("172.17.0.0/24", #{ adopted: true })"#,
        ..TS_DOCKER
    }
    .check();
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_host_route_to_the_wrong_bridge_is_named_on_the_way_back() {
    Named {
        inject: "ip -n rt route add 192.168.2.10/32 dev br-lan",
        hop: "rt",
        cause: "rt sends the reply to 192.168.2.10 out of br-lan (route `192.168.2.10 dev br-lan`), but br-lan leads to pc, laptop, nas, not to phone: 192.168.2.10 is phone's eth0, behind br-guest",
        fix: r#"rt.del_route("192.168.2.10/32", #{ adopted: true })"#,
        ..HOME
    }
    .check();
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_guest_device_with_a_main_lan_address_is_re_addressed_into_its_own_bridges_subnet() {
    Named {
        inject: PHONE_IN_LAN,
        hop: "rt",
        cause: "rt sends the reply to 192.168.1.50 out of br-lan (route `192.168.1.0/24 dev br-lan`), but br-lan leads to pc, laptop, nas, not to phone: 192.168.1.50 is phone's eth0, behind br-guest; phone's address 192.168.1.50/24 is in br-lan's subnet (192.168.1.0/24), but phone is plugged into br-guest (192.168.2.0/24)",
        fix: r#"phone.sh("ip addr flush dev eth0"); phone.sh("ip addr add 192.168.2.50/24 dev eth0"); phone.sh("ip route replace default via 192.168.2.1 dev eth0")"#,
        other: Some(r#"rt.link("vphone").master(rt.link("br-lan"))"#),
        ..HOME
    }
    .check();
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn the_other_way_moving_the_guest_devices_port_to_the_main_lan_works_too() {
    let inject = format!("{PHONE_IN_LAN}; ip -n rt link set vphone master br-lan");
    stays_clear(HOME.lab, "", &inject, HOME.flow);
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn healthy_labs_with_a_policy_table_and_two_bridges_stay_clear() {
    let cases = [
        ("ts_docker", "c1", "203.0.113.10"),
        ("ts_docker", "h", "172.17.0.2"),
        ("home", "phone", "203.0.113.10"),
        ("home", "pc", "192.168.1.20"),
        ("two_bridges", "ns1", "10.30.2.10"),
        ("container_host", "c2", "203.0.113.10"),
    ];
    for (lab, src, dst) in cases {
        stays_clear(lab, "", "", (src, dst));
    }
}
