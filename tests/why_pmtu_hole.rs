//! A PMTU black hole: a link smaller than the probe on purpose, path MTU discovery made to
//! fail by a router's OUTPUT rule dropping its own ICMP "fragmentation needed" (unseen round g,
//! case 7). The rule is the fault; without it the small link stays today's report.

mod support;

use support::why_lab::{blocked, clear, diagnose_with};

const SRV: &str = "172.20.4.2";
const SMALL: &str = "ip -n g2 link set nx mtu 1200; ip -n g3 link set pv mtu 1200";
const MTU_CAUSE: &str = "nx in g2 has MTU 1200: a 1428-byte packet with DF set does not fit";
const MTU_FIX: &str =
    r#"g2.link("nx").mtu(1500); g3.link("pv").mtu(1500); ns1.sh("ip route flush cache")"#;

/// The hole named at g2 (rule `rule`, deleted by `del`), then the small link, then clear.
fn hole(rule: &str, del: &str) -> String {
    let cause = format!("g2 cannot tell ns1 that the path MTU is 1200: its OUTPUT rule `{rule}` drops the ICMP \"fragmentation needed\" (a PMTU black hole)");
    let first = blocked(SRV, "g2", &cause, &format!(r#"g2.sh("{del}")"#))
        .replace("  probe:", &format!("  other way: {MTU_FIX}\n  probe:"));
    first + &blocked(SRV, "g2", MTU_CAUSE, MTU_FIX) + &clear(SRV)
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_router_dropping_its_own_icmp_is_a_pmtu_black_hole() {
    let inject = format!("{SMALL}; ip netns exec g2 iptables -A OUTPUT -p icmp -j DROP");
    let got = diagnose_with("routers", "", &inject, SRV, "--size 1400", "-M do -s 1400");
    let rule = "-A OUTPUT -p icmp -j DROP";
    assert_eq!(got, hole(rule, "iptables -D OUTPUT -p icmp -j DROP"));
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_rule_dropping_only_fragmentation_needed_is_a_pmtu_black_hole() {
    let inject = format!(
        "{SMALL}; ip netns exec g2 iptables -A OUTPUT -p icmp --icmp-type fragmentation-needed -j DROP"
    );
    let got = diagnose_with("routers", "", &inject, SRV, "--size 1400", "-M do -s 1400");
    let rule = "-A OUTPUT -p icmp -m icmp --icmp-type 3/4 -j DROP";
    assert_eq!(
        got,
        hole(
            rule,
            "iptables -D OUTPUT -p icmp -m icmp --icmp-type 3/4 -j DROP"
        )
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_small_link_whose_router_can_say_so_stays_the_mtus_report() {
    // An OUTPUT rule dropping only echo requests leaves the ICMP error alone.
    let inject = format!(
        "{SMALL}; ip netns exec g2 iptables -A OUTPUT -p icmp --icmp-type echo-request -j DROP"
    );
    let got = diagnose_with("routers", "", &inject, SRV, "--size 1400", "-M do -s 1400");
    assert_eq!(got, blocked(SRV, "g2", MTU_CAUSE, MTU_FIX) + &clear(SRV));
}
