//! `netsh why` when the bridge floods the request because the destination's MAC left its FDB
//! (its port lost carrier, which flushes what was learned there) while the sender still holds
//! a REACHABLE neighbour entry: the flood's copies out of the other ports are not "off its
//! path", and the sender's entry (the right MAC) is not the fault; the port that forwards
//! nothing is, as the walk says. On the benchmark's star (n=3, ns1 pinged ns3 while building).

mod support;

use support::sandbox;

/// The star with `inject`, `why ns1 10.1.0.4` without its `[ok]` hops, its fix applied, then
/// a real ping.
fn star(inject: &str) -> String {
    let script = format!(
        r#"cd "{dir}"
"$NETSH" run benches/star.rhai -p n=3 >/dev/null 2>&1 || echo "build failed"
{inject}
"$NETSH" why ns1 10.1.0.4 > /run/why.out; echo "exit $?"
grep -v '^  \[ok\]' /run/why.out
printf 'let ns3 = ns("ns3");\n%s\n' "$(sed -n 's/^  fix: //p' /run/why.out)" > /run/fix.rhai
"$NETSH" run /run/fix.rhai >/dev/null 2>&1 || echo "fix failed"
ip netns exec ns1 ping -c1 -W2 10.1.0.4 >/dev/null 2>&1 && echo "ping ok" || echo "ping fails""#,
        dir = env!("CARGO_MANIFEST_DIR")
    );
    let out = sandbox(&script);
    out.assert_success();
    out.stdout
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_flood_past_a_port_whose_peer_is_down_names_the_peer_not_the_senders_entry() {
    let cause = "veth3, a port of br0 in host, is disabled: its other end ceth3 in ns3 is down, so veth3 in host has no carrier";
    assert_eq!(
        star("ip -n ns3 link set ceth3 down"),
        format!("exit 1\nwhy ns1 → 10.1.0.4\n  [BROKEN] host: {cause}\n  fix: ns3.link(\"ceth3\").up()\n  probe: no reply from 10.1.0.4\nverdict: blocked — {cause}\nping ok\n")
    );
}
