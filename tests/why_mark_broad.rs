//! `netsh why` when policy routing by mark takes a flow the mark was never meant for (unseen
//! round g, case 4): r sends packets marked 0x1 by table 100 (`ip rule add fwmark 0x1 table
//! 100`, its route wrong for this flow), and the mangle rule that marks them matches far more
//! than the flow it is for (no match at all, only a link). The broken hop names both the mangle
//! rule (MARK, --set-xmark with a mask, CONNMARK restoring the connection's mark; PREROUTING for
//! a forwarded flow, OUTPUT for r's own) and the policy rule and table; the fix exempts this
//! flow from the mark, and deleting the policy rule is only the other way. A mangle rule that
//! names this flow's protocol marks it on purpose: the table's route is named as before. Each
//! case asserts the exact report and proves the fix with a real ping.

mod support;

use support::why_lab::{clear, diagnose_at, fixed_from};

const D: &str = "10.0.2.2";

/// r's policy rule by mark (`fwmark`, with its mask when given) to table 100 holding `route`,
/// then its mangle rules.
fn inject(fwmark: &str, route: &str, mangle: &[&str]) -> String {
    let mut s = format!(
        "ip netns exec r ip rule add fwmark {fwmark} table 100\n\
         ip netns exec r ip route add {route} table 100\n"
    );
    for m in mangle {
        s += &format!("ip netns exec r iptables -t mangle -A {m}\n");
    }
    s
}

struct Case {
    from: &'static str,
    fwmark: &'static str,
    route: &'static str,
    mangle: &'static [&'static str],
    cause: &'static str,
    fix: &'static str,
    other: Option<&'static str>,
}

/// The pbr lab (ns1 — r — r2 — d) with the case's fault: `why FROM 10.0.2.2`, its fix applied,
/// then the real ping.
fn run(c: &Case) {
    let got = diagnose_at(
        "pbr",
        "",
        &inject(c.fwmark, c.route, c.mangle),
        (c.from, D),
        "",
        "",
    );
    assert_eq!(got, fixed_from((c.from, D), "r", c.cause, c.fix, c.other));
}

const DEL_RULE: Option<&str> = Some(r#"r.sh("ip rule del priority 32765")"#);

/// Every packet r forwards is marked: the request and its reply (which crosses the same
/// PREROUTING) are exempted.
const EVERY_PACKET: Case = Case {
    from: "ns1",
    fwmark: "0x1",
    route: "blackhole default",
    mangle: &["PREROUTING -j MARK --set-mark 1"],
    cause: "r's rule `-t mangle -A PREROUTING -j MARK --set-xmark 0x1/0xffffffff` marks the packet to 10.0.2.2 0x1, so policy rule `32765: from all fwmark 0x1/0xffffffff lookup 100` sends it to table 100, where route `blackhole default` drops it (Invalid argument)",
    fix: r#"r.iptables("-t mangle -I PREROUTING 1 -s 10.0.0.1 -d 10.0.2.2 -p icmp -j RETURN"); r.iptables("-t mangle -I PREROUTING 1 -s 10.0.2.2 -d 10.0.0.1 -p icmp -j RETURN")"#,
    other: DEL_RULE,
};

/// Marked by the link it came in on only, after a rule for another flow: the reply comes in
/// on another link, so only the request is exempted, before the broad rule.
const BY_LINK: Case = Case {
    from: "ns1",
    fwmark: "0x1",
    route: "unreachable default",
    mangle: &[
        "PREROUTING -p tcp --dport 80 -j MARK --set-mark 1",
        "PREROUTING -i left -j MARK --set-mark 1",
    ],
    cause: "r's rule `-t mangle -A PREROUTING -i left -j MARK --set-xmark 0x1/0xffffffff` marks the packet to 10.0.2.2 0x1, so policy rule `32765: from all fwmark 0x1/0xffffffff lookup 100` sends it to table 100, where route `unreachable default` refuses it as unreachable (No route to host)",
    fix: r#"r.iptables("-t mangle -I PREROUTING 2 -s 10.0.0.1 -d 10.0.2.2 -p icmp -j RETURN")"#,
    other: DEL_RULE,
};

/// `--set-xmark` with a mask, and a policy rule with the same mask.
const MASKED: Case = Case {
    from: "ns1",
    fwmark: "0x1/0xff",
    route: "blackhole default",
    mangle: &["PREROUTING -i left -j MARK --set-xmark 0x1/0xff"],
    cause: "r's rule `-t mangle -A PREROUTING -i left -j MARK --set-xmark 0x1/0xff` marks the packet to 10.0.2.2 0x1, so policy rule `32765: from all fwmark 0x1/0xff lookup 100` sends it to table 100, where route `blackhole default` drops it (Invalid argument)",
    fix: r#"r.iptables("-t mangle -I PREROUTING 1 -s 10.0.0.1 -d 10.0.2.2 -p icmp -j RETURN")"#,
    other: DEL_RULE,
};

/// r's own packet, marked in OUTPUT (routed again by its mark).
const OWN: Case = Case {
    from: "r",
    fwmark: "0x1",
    route: "unreachable default",
    mangle: &["OUTPUT -j MARK --set-mark 1"],
    cause: "r's rule `-t mangle -A OUTPUT -j MARK --set-xmark 0x1/0xffffffff` marks the packet to 10.0.2.2 0x1, so policy rule `32765: from all fwmark 0x1/0xffffffff lookup 100` sends it to table 100, where route `unreachable default` refuses it as unreachable (No route to host)",
    fix: r#"r.iptables("-t mangle -I OUTPUT 1 -s 10.0.1.1 -d 10.0.2.2 -p icmp -j RETURN")"#,
    other: DEL_RULE,
};

/// The connection's mark set for everything in on left, restored onto every packet.
const RESTORED: Case = Case {
    from: "ns1",
    fwmark: "0x1",
    route: "blackhole default",
    mangle: &[
        "PREROUTING -i left -j CONNMARK --set-mark 1",
        "PREROUTING -j CONNMARK --restore-mark",
    ],
    cause: "r's rule `-t mangle -A PREROUTING -j CONNMARK --restore-mark --nfmask 0xffffffff --ctmask 0xffffffff` marks the packet to 10.0.2.2 0x1 (the connection's mark, set by `-t mangle -A PREROUTING -i left -j CONNMARK --set-xmark 0x1/0xffffffff`), so policy rule `32765: from all fwmark 0x1/0xffffffff lookup 100` sends it to table 100, where route `blackhole default` drops it (Invalid argument)",
    fix: r#"r.iptables("-t mangle -I PREROUTING 2 -s 10.0.0.1 -d 10.0.2.2 -p icmp -j RETURN"); r.iptables("-t mangle -I PREROUTING 2 -s 10.0.2.2 -d 10.0.0.1 -p icmp -j RETURN")"#,
    other: DEL_RULE,
};

/// A MARK rule that names ICMP marks this flow on purpose: the table's route is the fault,
/// named as before.
const MEANT: Case = Case {
    from: "ns1",
    fwmark: "0x1",
    route: "blackhole default",
    mangle: &["PREROUTING -p icmp -j MARK --set-mark 1"],
    cause: "r drops the packet to 10.0.2.2: route `blackhole default` (table 100, by rule `32765: from all fwmark 0x1/0xffffffff lookup 100`; Invalid argument)",
    fix: r#"r.sh("ip rule del priority 32765")"#,
    other: None,
};

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_mark_on_every_forwarded_packet_is_named_with_its_policy_rule() {
    run(&EVERY_PACKET);
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_mark_by_link_only_is_named_and_the_request_exempted() {
    run(&BY_LINK);
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_masked_set_xmark_is_named() {
    run(&MASKED);
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_mark_in_output_on_the_routers_own_packet_is_named() {
    run(&OWN);
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_connmark_restored_onto_every_packet_is_named() {
    run(&RESTORED);
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_mark_meant_for_the_flow_names_the_tables_route() {
    run(&MEANT);
}

/// Healthy: the mark narrowed to the flow it is for (tcp/80), the ping clear.
#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_mark_narrowed_to_its_flow_stays_clear() {
    let fault = inject(
        "0x1",
        "blackhole default",
        &["PREROUTING -p tcp --dport 80 -j MARK --set-mark 1"],
    );
    assert_eq!(diagnose_at("pbr", "", &fault, ("ns1", D), "", ""), clear(D));
}
