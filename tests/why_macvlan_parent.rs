//! `netsh why` from a host to its own macvlan child (tests/why/macvlan_parent.rhai: h's eth0
//! cabled to lan, c's mv0 a bridge-mode macvlan of it, h's shim mv-shim with a route to c):
//! the kernel never hands a parent's own packets to its macvlan children, they go out on the
//! wire. A host whose shim is gone (the child in bridge, VEPA or private mode), and a host
//! whose reply to a child leaves by the parent, are named with a fix that a real ping proves;
//! the healthy lab (bridge-mode siblings are one segment) stays clear with no break at all.

mod support;

use support::sandbox;
use support::why_lab::{diagnose_at, fixed_from};

const C: &str = "192.168.60.10";
const SHIM: &str = "192.168.60.2";
const NO_SHIM: &str = "ip netns exec h ip link del mv-shim";

/// `why SRC DST` after `inject` names `cause` at `hop` and gives `fix`; applied, a ping passes.
fn fixed((src, dst): (&str, &str), inject: &str, hop: &str, cause: &str, fix: &str) {
    let got = diagnose_at("macvlan_parent", "", inject, (src, dst), "", "");
    assert_eq!(got, fixed_from((src, dst), hop, cause, fix, None));
}

/// h's packet to c's mv0 (in `mode`) goes out of eth0, and `then` (the child's mode) follows.
fn no_shim_cause(mode: &str, then: &str) -> String {
    format!(
        "h sends the packet to 192.168.60.10 out of eth0, but 192.168.60.10 is c's mv0, a \
         macvlan (mode {mode}) of eth0: the kernel never hands a parent's own packets to its \
         macvlan children (they go out on eth0's wire), so h needs a macvlan shim on eth0 to \
         reach it{then}"
    )
}

const MAKE_SHIM: &str = r#"h.sh("ip link add mv-shim link eth0 type macvlan mode bridge && ip link set mv-shim up && ip route add 192.168.60.10/32 dev mv-shim src 192.168.60.1")"#;

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_host_without_its_macvlan_shim_is_told_it_needs_one() {
    fixed(
        ("h", C),
        NO_SHIM,
        "h",
        &no_shim_cause("bridge", ""),
        MAKE_SHIM,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_private_or_vepa_child_goes_to_bridge_mode_beside_the_new_shim() {
    for (mode, why) in [
        ("private", "a private macvlan talks to none of its siblings"),
        (
            "vepa",
            "it reaches its siblings only through a switch that sends frames back, hairpin",
        ),
    ] {
        let inject = format!("ip -n c link set mv0 type macvlan mode {mode}; {NO_SHIM}");
        let then = format!(
            "; mv0 in c, in {mode} mode, would not take frames from a shim either ({why}), so \
             it goes to bridge mode"
        );
        let fix = format!(r#"c.sh("ip link set mv0 type macvlan mode bridge"); {MAKE_SHIM}"#);
        fixed(("h", C), &inject, "h", &no_shim_cause(mode, &then), &fix);
    }
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_reply_from_the_parent_to_its_child_goes_by_the_shim() {
    fixed(
        ("c", SHIM),
        "ip -n h route del 192.168.60.10/32 dev mv-shim",
        "h",
        "h sends the reply to 192.168.60.10 out of eth0, but 192.168.60.10 is c's mv0, a \
         macvlan (mode bridge) of eth0: the kernel never hands a parent's own packets to its \
         macvlan children (they go out on eth0's wire), so h must send to it by its macvlan \
         shim mv-shim",
        r#"h.sh("ip route add 192.168.60.10/32 dev mv-shim")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn the_healthy_lab_is_clear_both_ways_with_no_break_at_all() {
    let out = sandbox(&format!(
        r#"cd "{dir}"
"$NETSH" run tests/why/macvlan_parent.rhai >/dev/null 2>&1 || echo "build failed"
"$NETSH" why h {C}; echo "exit $?"
"$NETSH" why c {SHIM}; echo "exit $?""#,
        dir = env!("CARGO_MANIFEST_DIR")
    ));
    out.assert_success();
    assert!(!out.stdout.contains("BROKEN"), "{}", out.stdout);
    let want = [
        "why h → 192.168.60.10",
        "  [ok] h: route to 192.168.60.10 dev mv-shim src 192.168.60.2",
        "  [ok] h: mv-shim and mv0 in c are macvlans of eth0 in h in bridge mode",
        "  [ok] c: 192.168.60.10 is local here (on mv0)",
        "  [ok] c: the way back: route to 192.168.60.2 dev mv0",
        "  [ok] h: the reply arrives on mv-shim",
        "  probe: 192.168.60.10 answers",
        "verdict: clear",
        "exit 0",
        "why c → 192.168.60.2",
        "  [ok] c: route to 192.168.60.2 dev mv0 src 192.168.60.10",
        "  [ok] c: mv0 and mv-shim in h are macvlans of eth0 in h in bridge mode",
        "  [ok] h: 192.168.60.2 is local here (on mv-shim)",
        "  [ok] h: the way back: route to 192.168.60.10 dev mv-shim",
        "  [ok] c: the reply arrives on mv0",
        "  probe: 192.168.60.2 answers",
        "verdict: clear",
        "exit 0",
    ];
    assert_eq!(out.stdout, want.join("\n") + "\n");
}
