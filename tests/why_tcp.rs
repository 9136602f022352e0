//! `netsh why ADDR:PORT` where the SYN gets an answer that is not a service: a RST from a
//! firewall rule (`REJECT --reject-with tcp-reset`), or from a host a port forward sent it to
//! on a port nothing listens on. Each case runs a real service (examples/tcp_listen), asserts
//! the exact report, applies the fix and proves it with a real connect.

mod support;

use support::why_lab::home_tcp;

/// The port forward asked from outside (srv).
fn port_forward(fault: &str) -> String {
    home_tcp("srv", fault)
}

const CLEAR: &str = "why srv → 100.64.0.2:8080\n  probe: 100.64.0.2:8080 port reachable, listener answered\nverdict: clear\nexit 0\nconnect ok\n";

fn blocked(hop: &str, cause: &str, fix: &str) -> String {
    format!("why srv → 100.64.0.2:8080\n  [BROKEN] {hop}: {cause}\n  fix: {fix}\n  probe: 100.64.0.2:8080 host reached, port closed (RST)\nverdict: blocked — {cause}\nexit 1\n{CLEAR}")
}

#[test]
#[ignore = "needs iproute2, iptables"]
fn the_healthy_port_forward_is_clear() {
    // Before: rt's FORWARD accepts the forward by `--ctstate DNAT`, which why did not read.
    assert_eq!(port_forward("true"), CLEAR);
}

#[test]
#[ignore = "needs iproute2, iptables"]
fn a_port_forward_to_a_port_nothing_listens_on_is_named_and_its_rule_replaced() {
    // Before: "nothing listens on TCP port 8081 of 192.168.1.20 in nas", with no fix.
    let got = port_forward("ip netns exec rt iptables -t nat -R PREROUTING 1 -i wan -p tcp --dport 8080 -j DNAT --to-destination 192.168.1.20:8081");
    let cause = "rt's DNAT rule `-t nat -A PREROUTING -i wan -p tcp -m tcp --dport 8080 -j DNAT --to-destination 192.168.1.20:8081` sends TCP port 8080 on to 192.168.1.20:8081, but nothing listens on port 8081 in nas (it listens on TCP 80): nas answers the SYN with a RST";
    let fix = "rt.sh(\"iptables -t nat -R PREROUTING 1 -i wan -p tcp -m tcp --dport 8080 -j DNAT --to-destination 192.168.1.20:80\")";
    assert_eq!(got, blocked("rt", cause, fix));
}

#[test]
#[ignore = "needs iproute2, iptables"]
fn a_reject_with_tcp_reset_is_named_not_taken_for_a_closed_port() {
    // Before: "nothing listens on TCP port 80 … it answered the SYN with a RST" (the service
    // listens; the RST is the rule's).
    let got = port_forward(
        "ip netns exec nas iptables -A INPUT -p tcp --dport 80 -j REJECT --reject-with tcp-reset",
    );
    let cause = "nas's INPUT chain rejects the TCP SYN in on eth0 from 203.0.113.10 to 192.168.1.20 (rule `-A INPUT -p tcp -m tcp --dport 80 -j REJECT --reject-with tcp-reset`)";
    let fix = "nas.iptables(\"-I INPUT 1 -i eth0 -s 203.0.113.10 -d 192.168.1.20 -p tcp --dport 80 -j ACCEPT\")";
    assert_eq!(got, blocked("nas", cause, fix));
}
