//! `netsh why` on routing loops in their forms (unseen case e07 and its family): two routes
//! "merged" into one wider route via the wrong neighbour, two defaults pointing at each other,
//! a loop on the way back, a loop of three routers, one far down a chain of twenty, a ring of
//! six. The loop is named at the router whose route makes it, with that route, and the fix
//! sends the destination on through what leads on (a wider route keeps what else it carries:
//! the destination's subnet gets a route of its own). Each lab is built in a sandbox by a
//! script of tests/why, the fault injected by hand with `ip`; the fix is run, `why` finds the
//! path clear and a real ping passes. Healthy labs near them stay clear.

mod support;

use support::why_lab::{blocked, clear, diagnose_at, fixed};

/// The report from `src` (not ns1) of a blocked probe, then clear, then the real ping.
fn fixed_from(src: &str, dst: &str, hop: &str, cause: &str, fix: &str) -> String {
    let b = blocked(dst, hop, cause, fix) + clear(dst).as_str();
    b.replace("why ns1 →", &format!("why {src} →"))
}

/// rt's two routes to 10.20.1.0/24 (via h1) and 10.20.2.0/24 (via h2) merged into one /16.
const MERGED_AT_RT: &str = "ip -n rt route del 10.20.1.0/24; ip -n rt route del 10.20.2.0/24; \
                            ip -n rt route add 10.20.0.0/16 via 10.10.0.5";

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn e07_a_merged_route_via_the_wrong_host_loops_between_rt_and_h1_and_gets_the_subnet_routed() {
    let got = diagnose_at("lan_hosts", "", MERGED_AT_RT, ("cl", "10.20.2.2"), "", "");
    let cause = "10.20.2.2 loops between rt and h1 until its TTL runs out: rt sends it back to h1 \
                 via 10.10.0.5 (route `10.20.0.0/16 via 10.10.0.5 dev lan`), while h2 (10.10.0.6) \
                 leads on toward 10.20.2.2";
    let fix = r#"rt.route("10.20.2.0/24", "10.10.0.6")"#;
    assert_eq!(got, fixed_from("cl", "10.20.2.2", "rt", cause, fix));
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn the_merged_route_still_reaches_the_host_it_does_lead_to() {
    let got = diagnose_at("lan_hosts", "", MERGED_AT_RT, ("cl", "10.20.1.2"), "", "");
    assert_eq!(got, clear("10.20.1.2").replace("why ns1 →", "why cl →"));
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_healthy_lan_of_routing_hosts_stays_clear() {
    let got = diagnose_at("lan_hosts", "", "true", ("cl", "10.20.2.2"), "", "");
    assert_eq!(got, clear("10.20.2.2").replace("why ns1 →", "why cl →"));
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_route_merged_into_a_16_back_toward_ns1_loops_between_r2_and_r1() {
    fixed(
        "chain",
        "",
        "ip -n r2 route del 10.0.3.0/24; ip -n r2 route del 10.0.0.0/24; \
         ip -n r2 route add 10.0.0.0/16 via 10.0.1.1",
        "10.0.3.2",
        "r2",
        "10.0.3.2 loops between r2 and r1 until its TTL runs out: r2 sends it back to r1 via \
         10.0.1.1 (route `10.0.0.0/16 via 10.0.1.1 dev left`), while r3 (10.0.2.2) leads on \
         toward 10.0.3.2",
        r#"r2.route("10.0.3.0/24", "10.0.2.2")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_healthy_summary_route_beside_a_narrower_one_stays_clear() {
    let got = diagnose_at(
        "chain",
        "",
        "ip -n r2 route del 10.0.0.0/24; ip -n r2 route add 10.0.0.0/16 via 10.0.1.1",
        ("ns1", "10.0.3.2"),
        "",
        "",
    );
    assert_eq!(got, clear("10.0.3.2"));
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn two_defaults_pointing_at_each_other_are_named_at_the_one_that_goes_back() {
    fixed(
        "routers",
        "",
        "ip -n g3 route replace default via 172.20.2.1",
        "172.20.4.2",
        "g3",
        "172.20.4.2 loops between g3 and g2 until its TTL runs out: g3 sends it back to g2 via \
         172.20.2.1 (route `default via 172.20.2.1 dev pv`), while g4 (172.20.3.2) leads on \
         toward 172.20.4.2",
        r#"g3.del_route("default", #{ adopted: true }); g3.route("default", "172.20.3.2")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_merged_route_that_loops_the_reply_is_named_on_the_way_back() {
    fixed(
        "chain",
        "",
        "ip -n r2 route del 10.0.3.0/24; ip -n r2 route del 10.0.0.0/24; \
         ip -n r2 route add 10.0.0.0/16 via 10.0.2.2",
        "10.0.3.2",
        "r2",
        "routing loop on the way back: the reply to 10.0.0.1 goes d → r3 → r2 → r3 → r2: r2 has \
         no route of its own back to 10.0.0.0/24 and sends the reply by one that leads round \
         (route `10.0.0.0/16 via 10.0.2.2 dev right`)",
        r#"r2.route("10.0.0.0/24", "10.0.1.1")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_loop_of_three_is_named_at_the_host_route_that_turns_away() {
    fixed(
        "triangle",
        "",
        "ip -n r1 route replace 10.0.9.0/24 via 10.0.100.2; \
         ip -n r3 route add 10.0.9.2/32 via 10.0.100.1",
        "10.0.9.2",
        "r3",
        "10.0.9.2 loops round r2 → r3 → r1 → r2 until its TTL runs out: r3 sends it away from \
         10.0.9.2 to r1 via 10.0.100.1 (route `10.0.9.2 via 10.0.100.1 dev eth0`), while its own \
         eth1 reaches 10.0.9.2",
        r#"r3.del_route("10.0.9.2/32", #{ adopted: true })"#,
    );
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_merged_route_at_hop_eighteen_of_twenty_is_reached_and_fixed() {
    fixed(
        "chain",
        "-p n=20",
        "ip -n r18 route del 10.0.20.0/24; ip -n r18 route del 10.0.0.0/24; \
         ip -n r18 route add 10.0.0.0/16 via 10.0.17.1",
        "10.0.20.2",
        "r18",
        "10.0.20.2 loops between r18 and r17 until its TTL runs out: r18 sends it back to r17 via \
         10.0.17.1 (route `10.0.0.0/16 via 10.0.17.1 dev left`), while r19 (10.0.18.2) leads on \
         toward 10.0.20.2",
        r#"r18.route("10.0.20.0/24", "10.0.18.2")"#,
    );
}

/// A cable r1 — r6 (10.0.50.0/24) that closes the chain of six into a ring.
const RING: &str = "ip link add x16 netns r1 type veth peer name x61 netns r6; \
                    ip -n r1 addr add 10.0.50.1/24 dev x16; ip -n r6 addr add 10.0.50.2/24 dev x61; \
                    ip -n r1 link set x16 up; ip -n r6 link set x61 up";

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_loop_round_a_ring_of_six_is_named_at_the_router_beside_the_destination() {
    fixed(
        "chain",
        "-p n=6",
        &format!("{RING}; ip -n r6 route add 10.0.6.2/32 via 10.0.50.1"),
        "10.0.6.2",
        "r6",
        "10.0.6.2 loops round r2 → r3 → r4 → r5 → r6 → r1 → r2 until its TTL runs out: r6 sends \
         it away from 10.0.6.2 to r1 via 10.0.50.1 (route `10.0.6.2 via 10.0.50.1 dev x61`), \
         while its own right reaches 10.0.6.2",
        r#"r6.del_route("10.0.6.2/32", #{ adopted: true })"#,
    );
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_healthy_ring_of_six_stays_clear() {
    let got = diagnose_at("chain", "-p n=6", RING, ("ns1", "10.0.6.2"), "", "");
    assert_eq!(got, clear("10.0.6.2"));
}
