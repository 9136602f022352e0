//! `netsh why` when a host's route to a remote network points at another host of its LAN (the
//! NAS) instead of the router (unseen round AA, case 3): the NAS does not forward and its own
//! way on is back out of its link, so the route is the fault, re-pointed at the router; the
//! NAS is not made a router. On the home lab, pc without its default route.

mod support;

use support::why_lab::{diagnose_at, fixed_from};

const SRV: &str = "203.0.113.10";

/// pc's route to srv's network through `how` (after its default is gone): named and
/// re-pointed at rt.
fn through_nas(how: &str, route: &str) {
    let inject = format!("ip -n pc route del default\n{how}");
    let cause = format!("pc's route `{route}` sends the packet to {SRV} to nas (192.168.1.20), which does not forward (net.ipv4.ip_forward is 0) and would send it back out of eth0: rt (192.168.1.1) is the way there");
    let fix = r#"pc.del_route("203.0.113.0/24", #{ adopted: true }); pc.route("203.0.113.0/24", "192.168.1.1")"#;
    assert_eq!(
        diagnose_at("home", "", &inject, ("pc", SRV), "", ""),
        fixed_from(("pc", SRV), "pc", &cause, fix, None)
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_route_through_a_lan_host_is_re_pointed_at_the_router() {
    through_nas(
        "ip -n pc route add 203.0.113.0/24 via 192.168.1.20",
        "203.0.113.0/24 via 192.168.1.20 dev eth0",
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_nexthop_object_through_a_lan_host_is_re_pointed_at_the_router() {
    through_nas(
        "ip -n pc nexthop add id 10 via 192.168.1.20 dev eth0; ip -n pc route add 203.0.113.0/24 nhid 10",
        "203.0.113.0/24 via 192.168.1.20 dev eth0",
    );
}

/// Round AA, case 2: a route to a remote network with no gateway, onto a LAN whose router
/// holds its address on a bridge (br-lan): the router on the bridge is the gateway to give it
/// (the fix was once to merge the server's link into the bridge).
#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_gatewayless_route_onto_a_bridged_lan_gets_the_router_on_the_bridge() {
    let inject = "ip -n pc route add 203.0.113.0/24 dev eth0";
    let cause = format!("pc's route `203.0.113.0/24 dev eth0` has no gateway: it sends the packet for {SRV} straight onto eth0, where no namespace holds {SRV} or answers ARP for it; rt at 192.168.1.1 on eth0 routes it");
    let fix = r#"pc.sh("ip route replace 203.0.113.0/24 via 192.168.1.1 dev eth0")"#;
    assert_eq!(
        diagnose_at("home", "", inject, ("pc", SRV), "", ""),
        fixed_from(("pc", SRV), "pc", &cause, fix, None)
    );
}
