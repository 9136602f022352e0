//! `netsh why` for replies the destination makes itself on a policy-routed host (issue 13,
//! round x): with net.ipv4.fwmark_reflect 0 an echo reply carries no mark, so the fwmark rule
//! that sent the request's traffic back its own line does not take the reply.
//! Each lab is built in a sandbox by a script of tests/why, one fault is injected by hand, and
//! `why` must name it in its exact words with a fix in DSL form; the fix is run as a script,
//! `why` then finds the path clear, and a real ping passes. Healthy variants stay clear.

mod support;

use support::why_lab::{blocked, clear, diagnose_at};

/// rt's address on its backup line wan2.
const WAN2: &str = "100.64.2.2";

/// The dualmark lab's srv → rt's wan2 address, after `inject`.
fn from_srv(inject: &str) -> String {
    diagnose_at("dualmark", "", inject, ("srv", WAN2), "", "")
}

fn srv(s: String) -> String {
    s.replace("why ns1 →", "why srv →")
}

const RP: &str = "isp1 drops the packet from 100.64.2.2 arriving on cpe: rp_filter is 1 and its route back to 100.64.2.2 leaves by up (reverse-path filter)";
const FIX: &str = r#"rt.sh("sysctl -w net.ipv4.fwmark_reflect=1")"#;

fn unmarked(mark: &str, rule: &str) -> String {
    format!(
        "rt's echo reply to 203.0.113.10 carries no mark (net.ipv4.fwmark_reflect is 0), so it leaves via 100.64.1.1 dev wan1 (table main) instead of via 100.64.2.1 dev wan2 (table 2, by rule `{rule}`) as the request's mark {mark} asks; that way: {RP}"
    )
}

/// The case as met (x10): the sysctl set at runtime was lost, the replies leave by wan1.
#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_lost_fwmark_reflect_is_named_not_the_arp_it_causes() {
    let got = from_srv("ip netns exec rt sysctl -qw net.ipv4.fwmark_reflect=0");
    let cause = unmarked("0x2", "100: from all fwmark 0x2/0xffffffff lookup 2");
    assert_eq!(got, srv(blocked(WAN2, "rt", &cause, FIX) + &clear(WAN2)));
}

/// A masked mark (the bits a firewall tool keeps for itself), reflect never turned on.
#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_masked_mark_without_fwmark_reflect_is_named() {
    let inject = "ip netns exec rt sysctl -qw net.ipv4.fwmark_reflect=0
ip netns exec rt iptables -t mangle -F PREROUTING
ip netns exec rt iptables -t mangle -A PREROUTING -i wan2 -j MARK --set-xmark 0x200/0xf00
ip netns exec rt ip rule del pref 100
ip netns exec rt ip rule add pref 100 fwmark 0x200/0xf00 lookup 2";
    let cause = unmarked("0x200", "100: from all fwmark 0x200/0xf00 lookup 2");
    assert_eq!(
        from_srv(inject),
        srv(blocked(WAN2, "rt", &cause, FIX) + &clear(WAN2))
    );
}

/// Healthy: the reply is reflected the mark and goes back by wan2.
#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_reflected_mark_takes_the_reply_back_its_own_line() {
    assert_eq!(from_srv(""), srv(clear(WAN2)));
}

/// Healthy: no mark on the reply, but its way out wan1 gets it home too (isp1 filters no
/// sources): nothing to blame on the sysctl.
#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn an_unmarked_reply_that_gets_home_anyway_stays_clear() {
    let inject = "ip netns exec rt sysctl -qw net.ipv4.fwmark_reflect=0
ip netns exec isp1 sysctl -qw net.ipv4.conf.all.rp_filter=0
ip netns exec isp1 sysctl -qw net.ipv4.conf.cpe.rp_filter=0";
    assert_eq!(from_srv(inject), srv(clear(WAN2)));
}

/// Hardening at d that rate-limits its echo replies (x08): a burst of pings used it up, the
/// probe gets no reply although nothing drops the request.
#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn echo_replies_rate_limited_by_icmp_ratemask_are_named() {
    let inject =
        "ip netns exec d sysctl -qw net.ipv4.icmp_ratemask=6169 net.ipv4.icmp_ratelimit=600000
for i in 1 2 3 4 5 6 7; do ip netns exec ns1 ping -c1 -W1 10.0.2.2 >/dev/null; done";
    let dst = "10.0.2.2";
    let got = diagnose_at("chain", "-p n=2", inject, ("ns1", dst), "", "");
    let cause = "the request reached d on left, but d sent no reply: d rate-limits its echo replies (net.ipv4.icmp_ratemask 6169 has bit 0, echo reply; net.ipv4.icmp_ratelimit is 600000 ms between replies to one peer)";
    let fix = r#"d.sh("sysctl -w net.ipv4.icmp_ratemask=6168")"#;
    assert_eq!(got, blocked(dst, "d", cause, fix) + &clear(dst));
}
