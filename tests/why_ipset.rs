//! `netsh why` on iptables rules that look up ipsets (`-m set --match-set`, issue 13): fail2ban's
//! iptables-ipset actions, blocklists and whitelists. Each lab is built in a sandbox by a script
//! of tests/why, the set and its rule are made by hand with `ipset` and `iptables`; `why` must
//! name the rule and the element (or the missing one) in its exact words and give the fix that
//! changes the set, not the rule; the fix is run as a script, `why` must then find the path
//! clear, and a real ping (iputils) must pass.

mod support;

use support::why_lab::{clear, diagnose, fixed};

const D: &str = "10.0.1.2";

/// A fault on the routed lab (ns1 — r — d), injected in namespace `ns`: each line of `cmds` is
/// an `ipset` or `iptables` command run there.
fn routed(ns: &str, cmds: &str, cause: &str, fix: &str) {
    fixed("fw_routed", "", &inject(ns, cmds), D, ns, cause, fix);
}

fn inject(ns: &str, cmds: &str) -> String {
    cmds.lines()
        .map(|l| format!("ip netns exec {ns} {}\n", l.trim()))
        .collect()
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping, ipset"]
fn a_banned_source_at_the_destination_input() {
    routed(
        "d",
        "ipset create ban hash:ip timeout 3600
         ipset add ban 10.0.0.1
         iptables -I INPUT -m set --match-set ban src -j DROP",
        "d's INPUT chain drops the echo request in on left from 10.0.0.1 to 10.0.1.2 (rule `-A INPUT -m set --match-set ban src -j DROP`): 10.0.0.1 is in ipset `ban` (it times out in 60 min)",
        "d.sh(\"ipset del ban 10.0.0.1\")",
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping, ipset"]
fn a_banned_net_at_the_router_forward() {
    routed(
        "r",
        "ipset create ban hash:net
         ipset add ban 10.0.0.0/24
         iptables -A FORWARD -m set --match-set ban src -j DROP",
        "r's FORWARD chain drops left → right (rule `-A FORWARD -m set --match-set ban src -j DROP`): 10.0.0.1 is in ipset `ban` as its element 10.0.0.0/24",
        "r.sh(\"ipset del ban 10.0.0.0/24\")",
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping, ipset"]
fn a_destination_and_service_rejected_in_a_fail2ban_chain() {
    routed(
        "r",
        "ipset create f2b-icmp hash:ip,port
         ipset add f2b-icmp 10.0.1.2,icmp:echo-request
         iptables -N f2b-icmp
         iptables -A f2b-icmp -m set --match-set f2b-icmp dst,dst -j REJECT --reject-with icmp-port-unreachable
         iptables -A f2b-icmp -j RETURN
         iptables -A FORWARD -p icmp -j f2b-icmp",
        "r's FORWARD chain rejects left → right (rule `-A f2b-icmp -m set --match-set f2b-icmp dst,dst -j REJECT --reject-with icmp-port-unreachable`, reached by `-A FORWARD -p icmp -j f2b-icmp`): 10.0.1.2 is in ipset `f2b-icmp` as its element 10.0.1.2,icmp:echo-request",
        "r.sh(\"ipset del f2b-icmp 10.0.1.2,icmp:echo-request\")",
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping, ipset"]
fn a_source_missing_from_a_negated_set() {
    routed(
        "d",
        "ipset create allow hash:ip
         ipset add allow 10.0.0.9
         iptables -A INPUT -p icmp -m set ! --match-set allow src -j DROP",
        "d's INPUT chain drops the echo request in on left from 10.0.0.1 to 10.0.1.2 (rule `-A INPUT -p icmp -m set ! --match-set allow src -j DROP`): 10.0.0.1 is not in ipset `allow`",
        "d.sh(\"ipset add allow 10.0.0.1\")",
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping, ipset"]
fn a_source_missing_from_a_whitelist_before_a_drop() {
    routed(
        "d",
        "ipset create allow hash:net
         ipset add allow 192.168.0.0/16
         iptables -A INPUT -m set --match-set allow src -j ACCEPT
         iptables -A INPUT -p icmp -j DROP",
        "d's INPUT chain drops the echo request in on left from 10.0.0.1 to 10.0.1.2 (rule `-A INPUT -p icmp -j DROP`): 10.0.0.1 is not in ipset `allow` (rule `-A INPUT -m set --match-set allow src -j ACCEPT` lets its members by)",
        "d.sh(\"ipset add allow 10.0.0.1\")",
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping, ipset"]
fn a_listed_net_with_a_nomatch_hole_and_other_bans_stay_clear() {
    let cmds = "ipset create ban hash:net
                ipset add ban 10.0.0.0/24
                ipset add ban 10.0.0.1 nomatch
                ipset create ban6 hash:ip family inet6
                ipset add ban6 fd00::1
                ipset create allow hash:ip
                ipset add allow 10.0.0.1
                iptables -A INPUT -m set --match-set ban src -j DROP
                iptables -A INPUT -m set --match-set ban dst -j DROP
                iptables -A INPUT -m set ! --match-set allow src -j DROP";
    let got = diagnose("fw_routed", "", &inject("d", cmds), D);
    assert_eq!(got, clear(D));
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping, ipset"]
fn a_ban_found_through_a_list_of_sets() {
    routed(
        "d",
        "ipset create f2b-ssh hash:ip
         ipset create f2b-icmp hash:ip
         ipset add f2b-icmp 10.0.0.1
         ipset create f2b-all list:set
         ipset add f2b-all f2b-ssh
         ipset add f2b-all f2b-icmp
         iptables -A INPUT -m set --match-set f2b-all src -j DROP",
        "d's INPUT chain drops the echo request in on left from 10.0.0.1 to 10.0.1.2 (rule `-A INPUT -m set --match-set f2b-all src -j DROP`): 10.0.0.1 is in ipset `f2b-icmp` (a member of list `f2b-all`)",
        "d.sh(\"ipset del f2b-icmp 10.0.0.1\")",
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping, ipset"]
fn the_replies_to_a_banned_destination_at_the_router() {
    routed(
        "r",
        "ipset create ban hash:ip
         ipset add ban 10.0.0.1
         iptables -A FORWARD -m set --match-set ban dst -j DROP",
        "r's FORWARD chain drops the replies right → left (rule `-A FORWARD -m set --match-set ban dst -j DROP`): 10.0.0.1 is in ipset `ban`",
        "r.sh(\"ipset del ban 10.0.0.1\")",
    );
}
