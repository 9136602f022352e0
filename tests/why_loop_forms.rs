//! `netsh why` on routing loops in their forms (unseen case e07 and its family): two routes
//! "merged" into one wider route via the wrong neighbour, two defaults pointing at each other,
//! a loop on the way back, a loop of three routers, one far down a chain of twenty, a ring of
//! six. The loop is named at the router whose route makes it, with that route, and the fix
//! sends the destination on through what leads on (a wider route keeps what else it carries:
//! the destination's subnet gets a route of its own). Each lab is built in a sandbox by a
//! script of tests/why, the fault injected by hand with `ip`; the fix is run, `why` finds the
//! path clear and a real ping passes. Healthy labs near them stay clear.

mod support;

use support::why_case::{stays_clear, Named};

/// The chain lab (ns1 — r1 — r2 — r3 — d), ns1 to d.
const CHAIN: Named = Named::on("chain", "", ("ns1", "10.0.3.2"));

/// The LAN of routing hosts: cl to the subnet behind h2.
const LAN_HOSTS: Named = Named::on("lan_hosts", "", ("cl", "10.20.2.2"));

/// The loop `why` names at `r` when its route `route` sends `dst` back to `back` (at `via`),
/// while `on` (at `on_gw`) leads on.
fn back_loop(
    dst: &str,
    (r, route): (&str, &str),
    (back, via): (&str, &str),
    (on, on_gw): (&str, &str),
) -> String {
    format!(
        "{dst} loops between {r} and {back} until its TTL runs out: {r} sends it back to {back} \
         via {via} (route `{route}`), while {on} ({on_gw}) leads on toward {dst}"
    )
}

/// In the chain of `n` routers (built with `params`), router `k`'s routes to d's subnet and to
/// ns1's merged into one /16 back toward ns1: the loop is named at r`k`, and the fix routes
/// d's subnet on through r`k+1`.
fn merged_in_chain(params: &str, n: u32, k: u32) {
    let (back, on) = (k - 1, k + 1);
    let dst = format!("10.0.{n}.2");
    let via = format!("10.0.{back}.1");
    Named {
        inject: &format!(
            "ip -n r{k} route del 10.0.{n}.0/24; ip -n r{k} route del 10.0.0.0/24; \
             ip -n r{k} route add 10.0.0.0/16 via {via}"
        ),
        hop: &format!("r{k}"),
        cause: &back_loop(
            &dst,
            (&format!("r{k}"), &format!("10.0.0.0/16 via {via} dev left")),
            (&format!("r{back}"), &via),
            (&format!("r{on}"), &format!("10.0.{k}.2")),
        ),
        fix: &format!(r#"r{k}.route("10.0.{n}.0/24", "10.0.{k}.2")"#),
        ..Named::on("chain", params, ("ns1", &dst))
    }
    .check();
}

/// rt's two routes to 10.20.1.0/24 (via h1) and 10.20.2.0/24 (via h2) merged into one /16.
const MERGED_AT_RT: &str = "ip -n rt route del 10.20.1.0/24; ip -n rt route del 10.20.2.0/24; \
                            ip -n rt route add 10.20.0.0/16 via 10.10.0.5";

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn e07_a_merged_route_via_the_wrong_host_loops_between_rt_and_h1_and_gets_the_subnet_routed() {
    Named {
        inject: MERGED_AT_RT,
        hop: "rt",
        cause: &back_loop(
            "10.20.2.2",
            ("rt", "10.20.0.0/16 via 10.10.0.5 dev lan"),
            ("h1", "10.10.0.5"),
            ("h2", "10.10.0.6"),
        ),
        fix: r#"rt.route("10.20.2.0/24", "10.10.0.6")"#,
        ..LAN_HOSTS
    }
    .check();
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn the_merged_route_still_reaches_the_host_it_does_lead_to() {
    stays_clear(LAN_HOSTS.lab, "", MERGED_AT_RT, ("cl", "10.20.1.2"));
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_healthy_lan_of_routing_hosts_stays_clear() {
    stays_clear(LAN_HOSTS.lab, "", "true", LAN_HOSTS.flow);
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_route_merged_into_a_16_back_toward_ns1_loops_between_r2_and_r1() {
    merged_in_chain("", 3, 2);
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_healthy_summary_route_beside_a_narrower_one_stays_clear() {
    let inject = "ip -n r2 route del 10.0.0.0/24; ip -n r2 route add 10.0.0.0/16 via 10.0.1.1";
    stays_clear(CHAIN.lab, "", inject, CHAIN.flow);
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn two_defaults_pointing_at_each_other_are_named_at_the_one_that_goes_back() {
    Named {
        inject: "ip -n g3 route replace default via 172.20.2.1",
        hop: "g3",
        cause: &back_loop(
            "172.20.4.2",
            ("g3", "default via 172.20.2.1 dev pv"),
            ("g2", "172.20.2.1"),
            ("g4", "172.20.3.2"),
        ),
        fix: r#"g3.del_route("default", #{ adopted: true }); g3.route("default", "172.20.3.2")"#,
        ..Named::on("routers", "", ("ns1", "172.20.4.2"))
    }
    .check();
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_merged_route_that_loops_the_reply_is_named_on_the_way_back() {
    Named {
        inject: "ip -n r2 route del 10.0.3.0/24; ip -n r2 route del 10.0.0.0/24; \
                 ip -n r2 route add 10.0.0.0/16 via 10.0.2.2",
        hop: "r2",
        cause: "routing loop on the way back: the reply to 10.0.0.1 goes d → r3 → r2 → r3 → r2: r2 has \
                no route of its own back to 10.0.0.0/24 and sends the reply by one that leads round \
                (route `10.0.0.0/16 via 10.0.2.2 dev right`)",
        fix: r#"r2.route("10.0.0.0/24", "10.0.1.1")"#,
        ..CHAIN
    }
    .check();
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_loop_of_three_is_named_at_the_host_route_that_turns_away() {
    Named {
        inject: "ip -n r1 route replace 10.0.9.0/24 via 10.0.100.2; \
                 ip -n r3 route add 10.0.9.2/32 via 10.0.100.1",
        hop: "r3",
        cause: "10.0.9.2 loops round r2 → r3 → r1 → r2 until its TTL runs out: r3 sends it away from \
                10.0.9.2 to r1 via 10.0.100.1 (route `10.0.9.2 via 10.0.100.1 dev eth0`), while its own \
                eth1 reaches 10.0.9.2",
        fix: r#"r3.del_route("10.0.9.2/32", #{ adopted: true })"#,
        ..Named::on("triangle", "", ("ns1", "10.0.9.2"))
    }
    .check();
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_merged_route_at_hop_eighteen_of_twenty_is_reached_and_fixed() {
    merged_in_chain("-p n=20", 20, 18);
}

/// A cable r1 — r6 (10.0.50.0/24) that closes the chain of six into a ring.
const RING: &str = "ip link add x16 netns r1 type veth peer name x61 netns r6; \
                    ip -n r1 addr add 10.0.50.1/24 dev x16; ip -n r6 addr add 10.0.50.2/24 dev x61; \
                    ip -n r1 link set x16 up; ip -n r6 link set x61 up";

/// The chain of six, ns1 to d.
const CHAIN_6: Named = Named::on("chain", "-p n=6", ("ns1", "10.0.6.2"));

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_loop_round_a_ring_of_six_is_named_at_the_router_beside_the_destination() {
    Named {
        inject: &format!("{RING}; ip -n r6 route add 10.0.6.2/32 via 10.0.50.1"),
        hop: "r6",
        cause: "10.0.6.2 loops round r2 → r3 → r4 → r5 → r6 → r1 → r2 until its TTL runs out: r6 sends \
                it away from 10.0.6.2 to r1 via 10.0.50.1 (route `10.0.6.2 via 10.0.50.1 dev x61`), \
                while its own right reaches 10.0.6.2",
        fix: r#"r6.del_route("10.0.6.2/32", #{ adopted: true })"#,
        ..CHAIN_6
    }
    .check();
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_healthy_ring_of_six_stays_clear() {
    stays_clear(CHAIN_6.lab, CHAIN_6.params, RING, CHAIN_6.flow);
}
