//! `netsh why` on a host route to the wrong link of a router (unseen round b, case b07) and on a
//! cached ICMP redirect that is right (round a, case a08). A pod's /32 (Calico, a static route
//! to a container) pointing at another pod's link is named with the link of the router that
//! does lead to the holder; a default route back to the sender is never said to "reach it". A
//! cached redirect to a router that leads on is [ok], and the walk finds the real drop. Each
//! case asserts the exact report and a real ping after its fix; healthy variants stay clear.

mod support;

use support::sandbox;
use support::why_lab::{clear, diagnose, diagnose_at, fixed};

const POD: &str = "10.65.0.6";

/// node's route to c2 (10.65.0.6, behind cali2) put onto c1's cali1.
const ON_CALI1: &str = "node's route `10.65.0.6 dev cali1` (its segment: cali1) takes 10.65.0.6, which nobody there holds: c2 holds it (on eth0), behind node's cali2";

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_pod_route_to_another_pods_link_is_moved_to_the_holders_link() {
    fixed(
        "calico",
        "",
        "ip -n node route replace 10.65.0.6/32 dev cali1",
        POD,
        "node",
        ON_CALI1,
        r#"node.sh("ip route replace 10.65.0.6/32 dev cali2")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_pod_route_with_a_source_keeps_it_when_moved() {
    fixed(
        "calico",
        "",
        "ip -n node route replace 10.65.0.6/32 dev cali1 src 192.0.2.2",
        POD,
        "node",
        ON_CALI1,
        r#"node.sh("ip route replace 10.65.0.6/32 dev cali2 src 192.0.2.2")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_pod_route_to_the_wrong_link_under_a_block_blackhole_is_moved() {
    // No other route would reach c2 here (the block's blackhole takes 10.65.0.0/26).
    fixed(
        "calico_block",
        "",
        "ip -n node route replace 10.65.0.6/32 dev cali1 proto bird",
        POD,
        "node",
        ON_CALI1,
        r#"node.sh("ip route replace 10.65.0.6/32 dev cali2")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn healthy_pods_stay_clear() {
    assert_eq!(diagnose("calico", "", "", POD), clear(POD));
    assert_eq!(diagnose("calico", "", "", "10.65.0.5"), clear("10.65.0.5"));
}

/// c2 on h's br-app (tests/why/routed_docker.rhai), asked from cl.
const C2: &str = "172.20.0.2";

/// cl's ping through its default router rt, which routes 172.20.0.0/16 via h on the same LAN:
/// rt's ICMP redirect to h is cached on cl (two echoes: it is taken once h's neighbour is valid).
const REDIRECT: &str = "ip netns exec cl ping -c2 -i 0.3 -W1 172.20.0.2 >/dev/null\n\
    ip -n cl route get 172.20.0.2 | grep -q redirected || echo 'no redirect cached'\n";

/// The report from cl: each round's lines but its [ok] hops, then the real ping.
fn from_cl(rounds: &[(&str, &str)]) -> String {
    let mut s = String::new();
    for (cause, fix) in rounds {
        s += &format!("why cl → {C2}\n  [BROKEN] h: {cause}\n  fix: {fix}\n  probe: no reply from {C2}\nverdict: blocked — {cause}\nexit 1\n");
    }
    s + &format!("why cl → {C2}\n  probe: {C2} answers\nverdict: clear\nexit 0\nping ok\n")
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_right_cached_redirect_is_not_blamed_for_the_drop_behind_it() {
    let inject = format!(
        "{REDIRECT}ip netns exec h iptables -N DOCKER\n\
         ip netns exec h iptables -A FORWARD -o br-app -j DOCKER\n\
         ip netns exec h iptables -A DOCKER ! -i br-app -o br-app -j DROP\n"
    );
    let got = diagnose_at("routed_docker", "", &inject, ("cl", C2), "", "");
    let cause = "h's FORWARD chain drops eth0 → br-app (rule `-A DOCKER ! -i br-app -o br-app -j DROP`, reached by `-A FORWARD -o br-app -j DOCKER`)";
    let fix = r#"h.iptables("-I FORWARD 1 -i eth0 -o br-app -s 10.10.0.50 -d 172.20.0.2 -p icmp -j ACCEPT")"#;
    assert_eq!(got, from_cl(&[(cause, fix)]));
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_right_cached_redirect_is_said_to_lead_on_and_stays_clear() {
    let out = sandbox(&format!(
        r#"cd "{dir}"
"$NETSH" run tests/why/routed_docker.rhai >/dev/null 2>&1 || echo "build failed"
{REDIRECT}
"$NETSH" why cl {C2} | grep -E 'cl: .*redirect|verdict'"#,
        dir = env!("CARGO_MANIFEST_DIR")
    ));
    out.assert_success();
    assert_eq!(
        out.stdout,
        "  [ok] cl: route to 172.20.0.2 via 10.10.0.5 dev eth0 src 10.10.0.50 (a cached redirect)\n  [ok] cl: a cached redirect via 10.10.0.5, which leads on toward 172.20.0.2\nverdict: clear\n"
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_static_host_route_to_the_wrong_bridge_is_moved_to_the_holders_bridge() {
    let inject = format!("{REDIRECT}ip -n h route add 172.20.0.2/32 dev docker0\n");
    let got = diagnose_at("routed_docker", "", &inject, ("cl", C2), "", "");
    // cl's redirect to h is not blamed: its own default via rt leads through h too.
    let cause = "h's route `172.20.0.2 dev docker0` (its segment: docker0) takes 172.20.0.2, which nobody there holds: c2 holds it (on eth0), and without that route h's `172.20.0.0/16 dev br-app` would reach it";
    let fix = r#"h.sh("ip route replace 172.20.0.2/32 dev br-app")"#;
    assert_eq!(got, from_cl(&[(cause, fix)]));
}
