//! `netsh show`: the live state as text, as JSON of a stable schema (round-tripped through the
//! very types netsh serialises), and as DOT that Graphviz accepts.

mod support;

#[path = "../src/lab/state.rs"]
#[allow(dead_code)]
mod state;

/// What state.rs names from the crate's bottom layer.
mod sys {
    pub use netsh::sys::LinkKind;
}

use support::sandbox;

#[test]
#[ignore = "needs iproute2, graphviz"]
fn show_prints_each_stack_with_its_links_routes_and_rules() {
    let out =
        sandbox("\"$NETSH\" run scripts/chapter3.rhai >/dev/null 2>&1 || exit 1\n\"$NETSH\" show");
    out.assert_success();
    assert_eq!(
        out.stdout,
        "host (host)
  lo              -       up
  v1_r            veth    up   10.10.10.1/24 ↔ ns1/v1
  v2_r            veth    up   10.10.20.1/24 ↔ ns2/v2
  route 10.10.10.0/24 dev v1_r
  route 10.10.20.0/24 dev v2_r
  ip_forward 1
  policy INPUT ACCEPT, FORWARD ACCEPT, OUTPUT ACCEPT
  firewall native nf_tables
ns1 (namespace on host)
  lo              -       up
  v1              veth    up   10.10.10.2/24 ↔ host/v1_r
  route 10.10.10.0/24 dev v1
  route 10.10.20.0/24 via 10.10.10.1 dev v1
  ip_forward 0
  policy INPUT ACCEPT, FORWARD ACCEPT, OUTPUT ACCEPT
  firewall native nf_tables
ns2 (namespace on host)
  lo              -       up
  v2              veth    up   10.10.20.2/24 ↔ host/v2_r
  route 10.10.10.0/24 via 10.10.20.1 dev v2
  route 10.10.20.0/24 dev v2
  ip_forward 0
  policy INPUT ACCEPT, FORWARD ACCEPT, OUTPUT ACCEPT
  firewall native nf_tables
"
    );
}

#[test]
#[ignore = "needs iproute2, graphviz"]
fn show_json_round_trips_through_its_schema() {
    let out = sandbox(
        "\"$NETSH\" run scripts/chapter4.rhai >/dev/null 2>&1 || exit 1\n\"$NETSH\" show --json --lab chapter4",
    );
    out.assert_success();
    let parsed: state::State =
        serde_json::from_str(&out.stdout).expect("show --json follows the schema");
    let again: serde_json::Value = serde_json::to_value(&parsed).unwrap();
    let first: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(first, again);
    assert_eq!(parsed.version, 1);
    assert_eq!(parsed.lab.as_deref(), Some("chapter4"));
    let names: Vec<&str> = parsed.stacks.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        ["host", "h150", "h150.ns1", "h150.ns2", "internet", "ns1", "ns2", "router"]
    );
    // Simulated hosts are machines, with namespaces of their own (h150) or not (router,
    // internet); the namespaces belong to their machine.
    let kinds: Vec<(&str, &str)> = parsed
        .stacks
        .iter()
        .map(|s| (s.kind.as_str(), s.machine.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("host", "host"),
            ("host", "h150"),
            ("namespace", "h150"),
            ("namespace", "h150"),
            ("host", "internet"),
            ("namespace", "host"),
            ("namespace", "host"),
            ("host", "router"),
        ]
    );
    // Which stacks forward, and host 149's FORWARD policy as Docker leaves it.
    let forwarding: Vec<&str> = parsed
        .stacks
        .iter()
        .filter(|s| s.ip_forward == Some(true))
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(forwarding, ["host", "router"]);
    assert_eq!(
        parsed.stacks[0].policies.get("FORWARD").map(String::as_str),
        Some("DROP")
    );
    assert_eq!(
        parsed.stacks[7].policies.get("FORWARD").map(String::as_str),
        Some("ACCEPT")
    );
    let vx = parsed.stacks[0]
        .links
        .iter()
        .find(|l| l.name == "vxlan1")
        .unwrap();
    assert_eq!(vx.vxlan.as_ref().map(|v| v.id), Some(1));
    assert_eq!(vx.master.as_deref(), Some("bridge0"));
    assert_eq!(parsed.stacks[0].rules.len(), 4);
    // Each stack says which driver its firewall goes through.
    assert!(
        parsed
            .stacks
            .iter()
            .all(|s| s.firewall.as_deref() == Some("nf_tables")),
        "{}",
        out.stdout
    );
}

#[test]
#[ignore = "needs iproute2, graphviz"]
fn show_dot_is_accepted_by_graphviz() {
    let out = sandbox(
        "\"$NETSH\" run scripts/chapter4.rhai >/dev/null 2>&1 || exit 1\n\
         \"$NETSH\" show --dot > /tmp/lab.$$.dot\n\
         dot -Tsvg /tmp/lab.$$.dot > /tmp/lab.$$.svg || exit 1\n\
         grep -c '<g id=\"node' /tmp/lab.$$.svg\n\
         grep -c 'VXLAN 1' /tmp/lab.$$.dot\n\
         grep -o 'rankdir=[A-Z]*' /tmp/lab.$$.dot\n\
         grep -o '\"cluster_machine_[a-z0-9]*\"' /tmp/lab.$$.dot\n\
         grep -o 'label=\"host\\\\n[^\"]*\"' /tmp/lab.$$.dot\n\
         grep -c 'label=\"host' /tmp/lab.$$.dot\n\
         grep -o '\"host/eth0\" \\[label=\"eth0 ([A-Za-z]*)' /tmp/lab.$$.dot\n\
         grep -c '\"legend/' /tmp/lab.$$.dot",
    );
    out.assert_success();
    // 20 links (every one but an address-less lo) and the legend's 4 shapes; one tunnel between
    // host and h150; top to bottom; each simulated host a machine of its own, with or without
    // namespaces; a machine's label says whether it forwards and its way out (default route,
    // NAT), and names it once; host 149's eth0 is its network card (a veth to the router);
    // the legend's nodes and lines.
    assert_eq!(
        out.stdout,
        "24\n1\nrankdir=TB\n\"cluster_machine_h150\"\n\"cluster_machine_host\"\n\
         \"cluster_machine_internet\"\n\"cluster_machine_router\"\n\
         label=\"host\\nip_forward 1, FORWARD DROP\\ndefault via 172.31.131.1 dev eth0\\n\
         NAT -s 10.1.1.0/24 ! -o bridge0 MASQUERADE\"\n1\n\"host/eth0\" [label=\"eth0 (NIC)\n7\n",
        "{}",
        out.stderr
    );
}
