//! `netsh why` names the native nftables rule that let the packet through a router, as it
//! names iptables' accepting rule: a forward chain of the user's own with a drop policy and an
//! accept rule is the kernel's real verdict on the packet, beside iptables' (empty) FORWARD.
//! On the chain lab (ns1 — r1 — r2 — d); the lab stays clear and a real ping proves it.

mod support;

use support::why_lab::why_lines;

/// The chain lab with `ruleset` loaded in r1 by nft, then `why ns1 10.0.2.2`: its r1 lines
/// about forwarding, the verdict, then a real ping.
fn forward_lines(ruleset: &str) -> String {
    let inject = format!("ip netns exec r1 nft -f - <<'X'\n{ruleset}\nX");
    let keep = r"^  \[.*\] r1: .*(FORWARD|nftables)|^verdict";
    why_lines("chain", "-p n=2", &inject, ("ns1", "10.0.2.2"), keep)
}

#[test]
#[ignore = "needs iproute2, nftables, iptables, iputils-ping"]
fn a_native_forward_chain_that_accepts_by_a_rule_is_named_with_its_handle() {
    let got = forward_lines(
        "table inet fw {\n  chain myfwd { type filter hook forward priority 0; policy drop;\n    ip protocol icmp accept\n  }\n}",
    );
    assert_eq!(
        got,
        "  [ok] r1: FORWARD left → right accepted (policy ACCEPT)\n  [ok] r1: nftables chain `inet fw myfwd` (hook forward, priority 0) accepts left → right by `myfwd` rule handle 2\n  [ok] r1: FORWARD lets the replies back right → left\nverdict: clear\nping ok\n"
    );
}

#[test]
#[ignore = "needs iproute2, nftables, iptables, iputils-ping"]
fn an_accept_reached_through_a_jump_names_the_whole_trail() {
    let got = forward_lines(
        "table ip fw {\n  chain lan {\n    ip saddr 10.0.0.0/24 accept\n  }\n  chain myfwd { type filter hook forward priority 0; policy drop;\n    ct state established,related accept\n    jump lan\n  }\n}",
    );
    assert_eq!(
        got,
        "  [ok] r1: FORWARD left → right accepted (policy ACCEPT)\n  [ok] r1: nftables chain `ip fw myfwd` (hook forward, priority 0) accepts left → right by `myfwd` rule handle 5 → `lan` rule handle 3\n  [ok] r1: FORWARD lets the replies back right → left\nverdict: clear\nping ok\n"
    );
}
