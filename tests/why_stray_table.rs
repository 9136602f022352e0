//! `netsh why` when a route sits in a table no policy rule looks up (round V, case 6): added
//! with `table N` by mistake, so the kernel has no route. The route is named where it sits and
//! goes into main by its own gateway; a table some rule reads is not blamed this way.

mod support;

use support::why_lab::fixed;

/// g2 (the chain ns1 — g1 … g4 — srv) with `route` deleted from main and added to table 100.
fn moved(route: &str) -> String {
    format!("ip -n g2 route del {route}; ip -n g2 route add {route} table 100")
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_route_in_a_table_no_rule_reads_is_named_and_put_in_main() {
    fixed(
        "routers",
        "",
        &moved("default via 172.20.2.2"),
        "172.20.4.2",
        "g2",
        "g2 has no route to 172.20.4.2 (Network is unreachable): table 100 holds `default via 172.20.2.2 dev nx`, but no policy rule of g2 looks that table up",
        r#"g2.route("default", "172.20.2.2")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_prefix_route_in_a_table_no_rule_reads_is_named_and_put_in_main() {
    // g2's default gone, the destination's prefix added to table 7 instead of main.
    let inject = "ip -n g2 route del default; ip -n g2 route add 172.20.4.0/24 via 172.20.2.2 table 7; ip -n g2 route add 10.99.0.0/16 via 172.20.2.2 table 100";
    fixed(
        "routers",
        "",
        inject,
        "172.20.4.2",
        "g2",
        "g2 has no route to 172.20.4.2 (Network is unreachable): table 7 holds `172.20.4.0/24 via 172.20.2.2 dev nx`, but no policy rule of g2 looks that table up",
        r#"g2.route("172.20.4.0/24", "172.20.2.2")"#,
    );
}
