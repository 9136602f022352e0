//! `netsh why` on a Service address (a kube-proxy ClusterIP) that is never translated because
//! its DNAT is never reached (issue 13, round a, cases a04 and a05): the rule that ends nat
//! PREROUTING before it, or the jump nobody makes to its chain, is named, never a route for
//! the Service address. Each case asserts the exact report and a real ping after the fix.

mod support;

use support::why_lab::{blocked, clear, diagnose_at};

/// One fault from `src`, named and fixed: the report, then clear, then the real ping.
fn fixed_at(lab: &str, inject: &str, (src, dst): (&str, &str), cause: &str, fix: &str) {
    let got = diagnose_at(lab, "", inject, (src, dst), "", "");
    let want = blocked(dst, "n1", cause, fix) + clear(dst).as_str();
    assert_eq!(got, want.replace("why ns1 →", &format!("why {src} →")));
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_return_before_the_service_dnat_is_named_and_deleted() {
    fixed_at(
        "k8s_node",
        "ip netns exec n1 iptables -t nat -I PREROUTING 1 -i cbr0 -j RETURN",
        ("p1", "10.96.0.10"),
        "n1's nat PREROUTING rule 1 `-t nat -A PREROUTING -i cbr0 -j RETURN` ends nat PREROUTING for the packet to 10.96.0.10 before its DNAT to 10.244.1.3 (`-t nat -A PREROUTING -d 10.96.0.10/32 -p icmp -m comment --comment \"netsh:k8s_node\" -j DNAT --to-destination 10.244.1.3`), so 10.96.0.10 is never translated and n1 has no route to it (Network is unreachable)",
        r#"n1.sh("iptables -t nat -D PREROUTING -i cbr0 -j RETURN")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_lost_jump_to_kube_services_is_named_and_added_again() {
    fixed_at(
        "kube_nodes",
        "ip netns exec n1 iptables -t nat -D PREROUTING 1",
        ("ext", "10.96.0.10"),
        "n1 holds its DNAT to 10.244.2.2 (`-t nat -A KUBE-SEP-Q1 -p icmp -m comment --comment \"netsh:kube_nodes\" -j DNAT --to-destination 10.244.2.2`, reached by `-t nat -A KUBE-SERVICES -d 10.96.0.10/32 -p icmp -m comment --comment \"netsh:kube_nodes\" -j KUBE-SVC-DNS` then `-t nat -A KUBE-SVC-DNS -m comment --comment \"netsh:kube_nodes\" -j KUBE-SEP-Q1`) in chain KUBE-SERVICES, but nothing in nat PREROUTING jumps to KUBE-SERVICES (OUTPUT does: `-t nat -A OUTPUT -m comment --comment \"netsh:kube_nodes\" -j KUBE-SERVICES`), so 10.96.0.10 is never translated and n1 has no route to it (Network is unreachable)",
        r#"n1.iptables("-t nat -I PREROUTING 1 -j KUBE-SERVICES")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_return_inside_kube_services_is_named_with_its_jump() {
    fixed_at(
        "kube_nodes",
        "ip netns exec n1 iptables -t nat -I KUBE-SERVICES 1 -j RETURN",
        ("ext", "10.96.0.10"),
        "n1's nat KUBE-SERVICES rule 1 `-t nat -A KUBE-SERVICES -j RETURN`, reached by `-t nat -A PREROUTING -m comment --comment \"netsh:kube_nodes\" -j KUBE-SERVICES` ends nat PREROUTING for the packet to 10.96.0.10 before its DNAT to 10.244.2.2 (`-t nat -A KUBE-SEP-Q1 -p icmp -m comment --comment \"netsh:kube_nodes\" -j DNAT --to-destination 10.244.2.2`, reached by `-t nat -A KUBE-SERVICES -d 10.96.0.10/32 -p icmp -m comment --comment \"netsh:kube_nodes\" -j KUBE-SVC-DNS` then `-t nat -A KUBE-SVC-DNS -m comment --comment \"netsh:kube_nodes\" -j KUBE-SEP-Q1`), so 10.96.0.10 is never translated and n1 has no route to it (Network is unreachable)",
        r#"n1.sh("iptables -t nat -D KUBE-SERVICES -j RETURN")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn an_accept_for_pod_traffic_before_the_services_is_named() {
    fixed_at(
        "kube_nodes",
        "ip netns exec n1 iptables -t nat -I PREROUTING 1 -s 10.244.0.0/16 -j ACCEPT",
        ("p1", "10.96.0.10"),
        "n1's nat PREROUTING rule 1 `-t nat -A PREROUTING -s 10.244.0.0/16 -j ACCEPT` ends nat PREROUTING for the packet to 10.96.0.10 before its DNAT to 10.244.2.2 (`-t nat -A KUBE-SEP-Q1 -p icmp -m comment --comment \"netsh:kube_nodes\" -j DNAT --to-destination 10.244.2.2`, reached by `-t nat -A KUBE-SERVICES -d 10.96.0.10/32 -p icmp -m comment --comment \"netsh:kube_nodes\" -j KUBE-SVC-DNS` then `-t nat -A KUBE-SVC-DNS -m comment --comment \"netsh:kube_nodes\" -j KUBE-SEP-Q1`), so 10.96.0.10 is never translated and n1 has no route to it (Network is unreachable)",
        r#"n1.sh("iptables -t nat -D PREROUTING -s 10.244.0.0/16 -j ACCEPT")"#,
    );
}

/// kube-proxy's own shape: a commented KUBE-SERVICES rule leading to a KUBE-SVC-xxx chain,
/// and no hook jumping to KUBE-SERVICES at all.
#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_kube_services_chain_no_hook_jumps_to_is_named() {
    let inject = r#"ip netns exec n1 sh -c 'iptables -t nat -N KUBE-SERVICES; iptables -t nat -N KUBE-SVC-TCOU7JCQXEZGVUNU; iptables -t nat -A KUBE-SERVICES -d 10.96.0.10/32 -p icmp -m comment --comment "kube-system/kube-dns:dns cluster IP" -j KUBE-SVC-TCOU7JCQXEZGVUNU; iptables -t nat -A KUBE-SVC-TCOU7JCQXEZGVUNU -p icmp -j DNAT --to-destination 10.244.1.3; iptables -t nat -D PREROUTING 1'"#;
    fixed_at(
        "k8s_node",
        inject,
        ("p1", "10.96.0.10"),
        "n1 holds its DNAT to 10.244.1.3 (`-t nat -A KUBE-SVC-TCOU7JCQXEZGVUNU -p icmp -j DNAT --to-destination 10.244.1.3`, reached by `-t nat -A KUBE-SERVICES -d 10.96.0.10/32 -p icmp -m comment --comment \"kube-system/kube-dns:dns cluster IP\" -j KUBE-SVC-TCOU7JCQXEZGVUNU`) in chain KUBE-SERVICES, but nothing in nat PREROUTING jumps to KUBE-SERVICES, so 10.96.0.10 is never translated and n1 has no route to it (Network is unreachable)",
        r#"n1.iptables("-t nat -I PREROUTING 1 -j KUBE-SERVICES")"#,
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn healthy_service_labs_stay_clear() {
    let got = diagnose_at("kube_nodes", "", "", ("ext", "10.96.0.10"), "", "");
    assert_eq!(got, clear("10.96.0.10").replace("why ns1", "why ext"));
    let got = diagnose_at("k8s_node", "", "", ("p1", "10.96.0.10"), "", "");
    assert_eq!(got, clear("10.96.0.10").replace("why ns1", "why p1"));
}
