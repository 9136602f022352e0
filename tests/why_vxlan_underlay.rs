//! `netsh why` on a VXLAN whose underlay goes the wrong way (issue 13, round r r09): a more
//! specific route sends the outer packets to a host that does not forward them, or has no
//! route on. Each lab is built in a sandbox by a script of tests/why (ovl, ovl_two), one fault
//! is injected by hand with `ip` or `sysctl`, and `why` must name the route in its exact words
//! with a fix in DSL form; the fix is run as a script, `why` then finds the path clear, and a
//! real ping passes. A healthy overlay with two underlay links stays clear.

mod support;

use support::why_lab::{blocked, clear, diagnose_at};

const C2: &str = "10.50.0.3";

fn from_c1(s: String) -> String {
    s.replace("why ns1 →", "why c1 →")
}

fn overlay(lab: &str, inject: &str) -> String {
    diagnose_at(lab, "", inject, ("c1", C2), "", "")
}

/// The report naming `route` (which overrides `wider`) at `ns`, its fix, then clear and ping.
fn named(ns: &str, what: &str, route: &str, wider: &str, there: &str, fix: &str) -> String {
    let cause = format!(
        "{ns} sends {what} by its route `{route}`, which overrides `{wider}`, to st, which {there}"
    );
    from_c1(blocked(C2, ns, &cause, fix) + &clear(C2))
}

const NO_FORWARD: &str = "does not forward (net.ipv4.ip_forward is 0)";
const TO_D2: &str = "vx0's underlay packets to its remote 10.2.0.2";

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_host_route_to_the_far_vtep_by_the_storage_net_is_named_and_deleted() {
    let got = overlay(
        "ovl",
        "ip -n d1 route add 10.2.0.2/32 via 10.9.0.1 dev eth1",
    );
    let want = named(
        "d1",
        TO_D2,
        "10.2.0.2 via 10.9.0.1 dev eth1",
        "default via 10.1.0.1 dev eth0",
        NO_FORWARD,
        r#"d1.del_route("10.2.0.2/32", #{ adopted: true })"#,
    );
    assert_eq!(got, want);
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_subnet_route_more_specific_than_the_default_is_named_and_deleted() {
    let got = overlay(
        "ovl",
        "ip -n d1 route add 10.2.0.0/24 via 10.9.0.1 dev eth1",
    );
    let want = named(
        "d1",
        TO_D2,
        "10.2.0.0/24 via 10.9.0.1 dev eth1",
        "default via 10.1.0.1 dev eth0",
        NO_FORWARD,
        r#"d1.del_route("10.2.0.0/24", #{ adopted: true })"#,
    );
    assert_eq!(got, want);
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_detour_to_a_router_with_no_route_on_is_named_at_the_vteps_route() {
    let got = overlay(
        "ovl",
        "ip netns exec st sysctl -qw net.ipv4.ip_forward=1; ip -n d1 route add 10.2.0.2/32 via 10.9.0.1 dev eth1",
    );
    let want = named(
        "d1",
        TO_D2,
        "10.2.0.2 via 10.9.0.1 dev eth1",
        "default via 10.1.0.1 dev eth0",
        "has no route to 10.2.0.2",
        r#"d1.del_route("10.2.0.2/32", #{ adopted: true })"#,
    );
    assert_eq!(got, want);
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn the_far_vteps_route_back_by_the_storage_net_is_named_and_deleted() {
    let got = overlay(
        "ovl_two",
        "ip -n d2 route add 10.1.0.2/32 via 10.8.0.1 dev eth2",
    );
    let want = named(
        "d2",
        "the tunnel's underlay packets back to 10.1.0.2",
        "10.1.0.2 via 10.8.0.1 dev eth2",
        "default via 10.2.0.1 dev eth0",
        NO_FORWARD,
        r#"d2.del_route("10.1.0.2/32", #{ adopted: true })"#,
    );
    assert_eq!(got, want);
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn an_overlay_with_two_underlay_links_stays_clear() {
    // d1's floods leave by eth0 (its `dev`), its learned frames by eth1 (the /32 via s).
    assert_eq!(overlay("ovl_two", ""), from_c1(clear(C2)));
}
