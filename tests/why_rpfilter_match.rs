//! `netsh why` and the iptables reverse-path match (`-m rpfilter`, as firewalld and many
//! distributions set it: `-t raw -A PREROUTING -m rpfilter --invert -j DROP`): each lab is built
//! in a sandbox from tests/why/rp_asym.rhai (requests via r2, replies via r3), one rule is
//! injected by hand, and `why` must name the rule, the packet it drops, the link it came in on
//! and the way back the check wanted; its fix is run, `why` must then be clear, and a real ping
//! must pass.

mod support;

use support::why_lab::{clear, diagnose};

const D: &str = "10.4.0.2";

/// The report of a blocked probe with another way to fix it.
fn blocked_or(hop: &str, cause: &str, fix: &str, other: &str) -> String {
    format!(
        "why ns1 → {D}\n  [BROKEN] {hop}: {cause}\n  fix: {fix}\n  other way: {other}\n  probe: no reply from {D}\nverdict: blocked — {cause}\nexit 1\n"
    )
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_strict_rpfilter_drops_the_reply_that_comes_back_another_way() {
    let got = diagnose(
        "rp_asym",
        "",
        "ip netns exec r1 iptables -t raw -A PREROUTING -m rpfilter --invert -j DROP",
        D,
    );
    let cause = "r1's raw PREROUTING rule `-m rpfilter --invert -j DROP` drops the reply from 10.4.0.2 arriving on to3: r1's route back to 10.4.0.2 goes out to2 (strict reverse-path check)";
    let want = blocked_or(
        "r1",
        cause,
        r#"r1.sh("iptables -t raw -R PREROUTING 1 -m rpfilter --loose --invert -j DROP")"#,
        r#"r1.sh("iptables -t raw -D PREROUTING 1")"#,
    );
    assert_eq!(got, want + clear(D).as_str());
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_strict_rpfilter_drops_the_request_where_the_way_back_leaves_by_another_link() {
    // r4 sends back to ns1's net by r3: the request, in from r2, fails its strict check.
    let got = diagnose(
        "rp_asym",
        "",
        "ip netns exec r4 iptables -t raw -A PREROUTING -i lo -j ACCEPT; \
         ip netns exec r4 iptables -t raw -A PREROUTING -m rpfilter --invert -j DROP",
        D,
    );
    let cause = "r4's raw PREROUTING rule `-m rpfilter --invert -j DROP` drops the echo request from 10.1.0.1 arriving on to2: r4's route back to 10.1.0.1 goes out to3 (strict reverse-path check)";
    let want = blocked_or(
        "r4",
        cause,
        r#"r4.sh("iptables -t raw -R PREROUTING 2 -m rpfilter --loose --invert -j DROP")"#,
        r#"r4.sh("iptables -t raw -D PREROUTING 2")"#,
    );
    assert_eq!(got, want + clear(D).as_str());
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_loose_rpfilter_drops_a_source_with_no_route_back_at_all() {
    // r4 lost its route back to ns1's net: the loose check drops the request too.
    let got = diagnose(
        "rp_asym",
        "",
        "ip -n r4 route del 10.1.0.0/24; \
         ip netns exec r4 iptables -t mangle -A PREROUTING -m rpfilter --loose --invert -j DROP",
        D,
    );
    let cause = "r4's mangle PREROUTING rule `-m rpfilter --loose --invert -j DROP` drops the echo request from 10.1.0.1 arriving on to2: r4 has no route back to 10.1.0.1 (strict and loose reverse-path checks both drop it)";
    let want = blocked_or(
        "r4",
        cause,
        r#"r4.route("10.1.0.0/24", "10.24.0.1")"#,
        r#"r4.sh("iptables -t mangle -D PREROUTING 1")"#,
    );
    assert_eq!(got, want + clear(D).as_str());
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn strict_rpfilter_everywhere_on_a_symmetric_path_stays_clear() {
    let mut inject = String::from("ip -n r4 route replace 10.1.0.0/24 via 10.24.0.1");
    for ns in ["ns1", "r1", "r2", "r3", "r4", "d"] {
        inject += &format!(
            "; ip netns exec {ns} iptables -t raw -A PREROUTING -m rpfilter --invert -j DROP"
        );
    }
    assert_eq!(diagnose("rp_asym", "", &inject, D), clear(D));
}
