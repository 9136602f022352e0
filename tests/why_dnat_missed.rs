//! `netsh why ADDR:PORT` on a port forward that misses the connection by one match (issue 13,
//! unseen round X): the connection reaches the router's own port, where nothing listens (a
//! RST), because the DNAT meant for it names another incoming link, an old address, or another
//! protocol. The rule is named and re-pointed at what the connection has; each case asserts
//! the exact report, applies the fix and proves it with a real connect.

mod support;

use support::why_lab::home_tcp;

const CLEAR: &str = "why srv → 100.64.0.2:8080\n  probe: 100.64.0.2:8080 port reachable, listener answered\nverdict: clear\nexit 0\nconnect ok\n";

/// The report of a connection reset at rt for `cause`, fixed by `fix`, then clear and the
/// real connect.
fn fixed_at_rt(cause: &str, fix: &str) -> String {
    format!("why srv → 100.64.0.2:8080\n  [BROKEN] rt: {cause}\n  fix: {fix}\n  probe: 100.64.0.2:8080 host reached, port closed (RST)\nverdict: blocked — {cause}\nexit 1\n{CLEAR}")
}

/// The report for a DNAT rule 1 of rt's PREROUTING (`rule`, as iptables -S prints it) that
/// misses by `miss`, fixed by `fixed`; then clear, then the real connect.
fn missed(inject: &str, rule: &str, miss: &str, fixed: &str) {
    let got = home_tcp(
        "srv",
        &format!("ip netns exec rt iptables -t nat -R PREROUTING 1 {inject}"),
    );
    let cause = format!("nothing listens on TCP port 8080 of 100.64.0.2 in rt; rt's nat PREROUTING rule 1 `-t nat -A PREROUTING {rule}` would DNAT it to 192.168.1.20:80, but its `{miss}");
    let fix = format!("rt.sh(\"iptables -t nat -R PREROUTING 1 {fixed}\")");
    let want = fixed_at_rt(&cause, &fix);
    assert_eq!(got, want);
}

#[test]
#[ignore = "needs iproute2, iptables"]
fn a_port_forward_on_the_wrong_incoming_link_is_re_pointed() {
    missed(
        "-i br-guest -p tcp --dport 8080 -j DNAT --to-destination 192.168.1.20:80",
        "-i br-guest -p tcp -m tcp --dport 8080 -j DNAT --to-destination 192.168.1.20:80",
        "-i br-guest` does not hold for the packet in on wan",
        "-i wan -p tcp -m tcp --dport 8080 -j DNAT --to-destination 192.168.1.20:80",
    );
}

#[test]
#[ignore = "needs iproute2, iptables"]
fn a_port_forward_for_an_old_wan_address_is_re_pointed() {
    missed(
        "-d 100.64.0.6/32 -i wan -p tcp --dport 8080 -j DNAT --to-destination 192.168.1.20:80",
        "-d 100.64.0.6/32 -i wan -p tcp -m tcp --dport 8080 -j DNAT --to-destination 192.168.1.20:80",
        "-d 100.64.0.6/32` names an address nobody here holds; the connection is to 100.64.0.2",
        "-d 100.64.0.2/32 -i wan -p tcp -m tcp --dport 8080 -j DNAT --to-destination 192.168.1.20:80",
    );
}

#[test]
#[ignore = "needs iproute2, iptables"]
fn a_port_forward_for_udp_is_named_for_a_tcp_connection() {
    missed(
        "-i wan -p udp --dport 8080 -j DNAT --to-destination 192.168.1.20:80",
        "-i wan -p udp -m udp --dport 8080 -j DNAT --to-destination 192.168.1.20:80",
        "-p udp` does not hold for the TCP connection",
        "-i wan -p tcp -m tcp --dport 8080 -j DNAT --to-destination 192.168.1.20:80",
    );
}

/// The forward in a chain of its own (as Docker's DOCKER chain and CNI's hostport chains are):
/// the rule there is named by its own chain and number, and replaced there.
#[test]
#[ignore = "needs iproute2, iptables"]
fn a_port_forward_in_a_user_chain_is_re_pointed_there() {
    let got = home_tcp(
        "srv",
        "ip netns exec rt sh -c 'iptables -t nat -N PF && iptables -t nat -A PF -i br-lan -p tcp --dport 8080 -j DNAT --to-destination 192.168.1.20:80 && iptables -t nat -R PREROUTING 1 -m addrtype --dst-type LOCAL -j PF'",
    );
    let cause = "nothing listens on TCP port 8080 of 100.64.0.2 in rt; rt's nat PF rule 1 `-t nat -A PF -i br-lan -p tcp -m tcp --dport 8080 -j DNAT --to-destination 192.168.1.20:80` would DNAT it to 192.168.1.20:80, but its `-i br-lan` does not hold for the packet in on wan";
    let fix = "rt.sh(\"iptables -t nat -R PF 1 -i wan -p tcp -m tcp --dport 8080 -j DNAT --to-destination 192.168.1.20:80\")";
    let want = fixed_at_rt(cause, fix);
    assert_eq!(got, want);
}

/// Round Z, case 4: a REDIRECT to a local port put before the port forward takes the
/// connection to rt itself, where nothing listens: named before the DNAT it shadows, deleted.
#[test]
#[ignore = "needs iproute2, iptables"]
fn a_redirect_before_the_port_forward_is_named_and_deleted() {
    let got = home_tcp(
        "srv",
        "ip netns exec rt iptables -t nat -I PREROUTING 1 -p tcp --dport 8080 -j REDIRECT --to-ports 8081",
    );
    let cause = "rt's rule `-t nat -A PREROUTING -p tcp -m tcp --dport 8080 -j REDIRECT --to-ports 8081` takes TCP port 8080 to port 8081 of rt itself, where nothing listens, before its DNAT `-t nat -A PREROUTING -i wan -p tcp -m comment --comment \"netsh:home\" -m tcp --dport 8080 -j DNAT --to-destination 192.168.1.20:80`: rt answers the SYN with a RST";
    let fix = "rt.sh(\"iptables -t nat -D PREROUTING -p tcp -m tcp --dport 8080 -j REDIRECT --to-ports 8081\")";
    let want = fixed_at_rt(cause, fix);
    assert_eq!(got, want);
}

/// A transparent proxy: the REDIRECT takes the connection to a port of rt that serves, and
/// the path is clear.
#[test]
#[ignore = "needs iproute2, iptables"]
fn a_redirect_to_a_local_port_that_serves_is_clear() {
    let got = home_tcp(
        "srv",
        "ip netns exec rt iptables -t nat -I PREROUTING 1 -p tcp --dport 8080 -j REDIRECT --to-ports 8081
         ip netns exec rt \"$TCP_LISTEN\" 8081 /run/proxy 30 >/dev/null 2>&1 & echo $! > /run/extra.pid
         for i in $(seq 1 50); do [ -e /run/proxy ] && break; sleep 0.1; done",
    );
    assert_eq!(got, CLEAR);
}
