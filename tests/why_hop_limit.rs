//! `netsh why` on an IPv6 path whose hop limit runs out: IPv6 has no ip_default_ttl; a packet
//! leaves with the hop limit of the link it leaves by (net.ipv6.conf.LINK.hop_limit). A sender
//! or a replier with a hop limit too small for the routers on the way is named at the router
//! that drops it, and the link's hop limit is raised. On the IPv6 chain ns1 — r1 — r2 — d
//! (tests/why/v6_chain.rhai); each fix is proved by a real ping.

mod support;

use support::why_lab::{diagnose_at, fixed_from};

const D: &str = "2001:db8:3::2";

fn named(inject: &str, hop: &str, cause: &str, fix: &str) {
    let got = diagnose_at("v6_chain", "", inject, ("ns1", D), "", "");
    assert_eq!(got, fixed_from(("ns1", D), hop, cause, fix, None));
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_sender_hop_limit_that_runs_out_on_the_path_is_named_and_raised() {
    named(
        "ip netns exec ns1 sysctl -qw net.ipv6.conf.eth0.hop_limit=2",
        "r2",
        "r2 drops the request: its hop limit runs out there (ns1 sends it with hop limit 2, its net.ipv6.conf.eth0.hop_limit, and r2 is router 2 on its way)",
        r#"ns1.sysctl("net.ipv6.conf.eth0.hop_limit", 64)"#,
    );
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_reply_hop_limit_that_runs_out_on_the_way_back_is_named_and_raised() {
    named(
        "ip netns exec d sysctl -qw net.ipv6.conf.eth0.hop_limit=1",
        "r2",
        "r2 drops the reply: its hop limit runs out there (d sends it with hop limit 1, its net.ipv6.conf.eth0.hop_limit, and r2 is router 1 on its way)",
        r#"d.sysctl("net.ipv6.conf.eth0.hop_limit", 64)"#,
    );
}
