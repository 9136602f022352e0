//! `netsh why` on two faults of round b: a raw NOTRACK rule at a stateful router (its packets
//! are UNTRACKED, so no `--ctstate` rule matches them and the policy drops them), and a macvlan
//! container made on the wrong parent NIC (never "fixed" by moving a port other hosts use).
//! Each case asserts the exact report and proves the fix with a real ping.

mod support;

use support::why_lab::{diagnose, diagnose_at, diagnose_then};

fn fixed_from(src: &str, dst: &str, hop: &str, cause: &str, fix: &str) -> String {
    format!(
        "why {src} → {dst}\n  [BROKEN] {hop}: {cause}\n  fix: {fix}\n  probe: no reply from {dst}\nverdict: blocked — {cause}\nexit 1\n{}",
        clear_from(src, dst)
    )
}

fn clear_from(src: &str, dst: &str) -> String {
    format!("why {src} → {dst}\n  probe: {dst} answers\nverdict: clear\nexit 0\nping ok\n")
}

const LAB: &str = "stateful_chain";
const D: &str = "10.0.3.2";

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_ct_notrack_at_a_stateful_router_is_named_not_its_policy() {
    let got = diagnose(
        LAB,
        "",
        "ip netns exec r2 iptables -t raw -A PREROUTING -j CT --notrack",
        D,
    );
    let cause = "r2's FORWARD chain drops left → right (policy DROP): r2's raw rule `-t raw -A PREROUTING -j CT --notrack` untracks the packets (conntrack state UNTRACKED), so no `--ctstate`/`--state` rule of FORWARD matches them";
    let fix = r#"r2.sh("iptables -t raw -D PREROUTING -j CT --notrack")"#;
    assert_eq!(got, fixed_from("ns1", D, "r2", cause, fix));
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_notrack_on_the_replies_only_is_named_where_they_die() {
    let got = diagnose(
        LAB,
        "",
        "ip netns exec r2 iptables -t raw -A PREROUTING -i right -p icmp -j NOTRACK",
        D,
    );
    let cause = "r2's FORWARD chain drops the replies right → left (policy DROP): r2's raw rule `-t raw -A PREROUTING -i right -p icmp -j NOTRACK` untracks the packets (conntrack state UNTRACKED), so no `--ctstate`/`--state` rule of FORWARD matches them";
    let fix = r#"r2.sh("iptables -t raw -D PREROUTING -i right -p icmp -j NOTRACK")"#;
    assert_eq!(got, fixed_from("ns1", D, "r2", cause, fix));
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_notrack_before_a_stateful_input_is_named() {
    let inject = "ip netns exec d iptables -A INPUT -m state --state NEW,ESTABLISHED -j ACCEPT && ip netns exec d iptables -P INPUT DROP && ip netns exec d iptables -t raw -A PREROUTING -s 10.0.0.0/24 -j CT --notrack";
    let got = diagnose(LAB, "", inject, D);
    let cause = "d's INPUT chain drops the echo request in on left from 10.0.0.1 to 10.0.3.2 (policy DROP): d's raw rule `-t raw -A PREROUTING -s 10.0.0.0/24 -j CT --notrack` untracks the packets (conntrack state UNTRACKED), so no `--ctstate`/`--state` rule of INPUT matches them";
    let fix = r#"d.sh("iptables -t raw -D PREROUTING -s 10.0.0.0/24 -j CT --notrack")"#;
    assert_eq!(got, fixed_from("ns1", D, "d", cause, fix));
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn untracked_packets_a_rule_accepts_stay_clear() {
    let inject = "ip netns exec r2 iptables -I FORWARD -m conntrack --ctstate UNTRACKED -j ACCEPT && ip netns exec r2 iptables -t raw -A PREROUTING -j CT --notrack && ip netns exec r1 iptables -t raw -A PREROUTING -j NOTRACK";
    assert_eq!(diagnose(LAB, "", inject, D), clear_from("ns1", D));
}

const MV: &str = "macvlan_two_nics";
const SRV: &str = "10.77.0.2";

/// Re-create m1's eth0 as a macvlan of h's `parent` (bash).
fn on_parent(parent: &str) -> String {
    format!("ip -n m1 link del eth0; ip -n h link add mv1 link {parent} type macvlan mode bridge; ip -n h link set mv1 netns m1; ip -n m1 link set mv1 name eth0; ip -n m1 addr add 192.168.50.21/24 dev eth0; ip -n m1 link set eth0 up; ip -n m1 route add default via 192.168.50.1")
}

/// A real ping from m1, then from m2 and h, which must keep their way to srv.
fn pings() -> String {
    ["m1", "m2", "h"]
        .iter()
        .map(|n| format!("ip netns exec {n} ping -c1 -W2 {SRV} >/dev/null 2>&1 && echo \"{n} ok\" || echo \"{n} fails\""))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_macvlan_on_the_wrong_parent_is_made_again_on_the_right_one() {
    let got = diagnose_then(MV, "", &on_parent("eth1"), ("m1", SRV), "", &pings());
    let cause = "eth0 in m1 is a macvlan of eth1 in h, which leads to mgmt in host; eth0 in r (the next hop) is on lan in host, which eth0 in h leads to: the macvlan was made on the wrong parent";
    let fix = r#"m1.sh("ip link del eth0"); h.sh("ip link add mvfix0 link eth0 type macvlan mode bridge && ip link set mvfix0 netns m1"); m1.sh("ip link set mvfix0 name eth0 && ip addr add 192.168.50.21/24 dev eth0 && ip link set eth0 up && ip route add default via 192.168.50.1 dev eth0")"#;
    let want = fixed_from("m1", SRV, "m1", cause, fix).replace("ping ok\n", "m1 ok\nm2 ok\nh ok\n");
    assert_eq!(got, want);
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_port_other_hosts_use_is_never_moved() {
    // mb (on mgmt) given a lan address: lr is on lan, where h's shim uses it.
    let inject = "ip -n mb addr add 192.168.50.30/24 dev eth0 && ip -n mb route add 10.77.0.0/24 via 192.168.50.1";
    let got = diagnose_at(MV, "", inject, ("mb", SRV), "", "");
    let cause = "lr in host is not a port of mgmt (it is a port of lan), so eth0 in r is cut off; not moved: that would cut off eth0 in h (on lan, in its subnet)";
    let want = format!("why mb → {SRV}\n  [BROKEN] host: {cause}\n  probe: no reply from {SRV}\nverdict: blocked — {cause}\nexit 1\nping fails\n");
    assert_eq!(got, want);
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_router_port_on_the_wrong_bridge_is_still_moved_back() {
    let got = diagnose_at(MV, "", "ip link set lr master mgmt", ("m1", SRV), "", "");
    let cause = "lr in host is not a port of lan (it is a port of mgmt), so eth0 in r is cut off";
    let fix = r#"link("lr").master(link("lan"))"#;
    assert_eq!(got, fixed_from("m1", SRV, "host", cause, fix));
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn macvlans_on_the_right_parent_stay_clear() {
    assert_eq!(
        diagnose_then(MV, "", &on_parent("eth0"), ("m1", SRV), "", &pings()),
        clear_from("m1", SRV).replace("ping ok\n", "m1 ok\nm2 ok\nh ok\n")
    );
}
