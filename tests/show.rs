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
  firewall native nf_tables
ns1 (namespace on host)
  lo              -       up
  v1              veth    up   10.10.10.2/24 ↔ host/v1_r
  route 10.10.10.0/24 dev v1
  route 10.10.20.0/24 via 10.10.10.1 dev v1
  firewall native nf_tables
ns2 (namespace on host)
  lo              -       up
  v2              veth    up   10.10.20.2/24 ↔ host/v2_r
  route 10.10.10.0/24 via 10.10.20.1 dev v2
  route 10.10.20.0/24 dev v2
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
        ["host", "h150", "h150.ns1", "h150.ns2", "isp", "ns1", "ns2"]
    );
    let vx = parsed.stacks[0]
        .links
        .iter()
        .find(|l| l.name == "vxlan1")
        .unwrap();
    assert_eq!(vx.vxlan.as_ref().map(|v| v.id), Some(1));
    assert_eq!(vx.master.as_deref(), Some("bridge0"));
    assert_eq!(parsed.stacks[0].rules.len(), 3);
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
         grep -c 'VXLAN 1' /tmp/lab.$$.dot",
    );
    out.assert_success();
    // 17 links (every one but an address-less lo) and one tunnel between host and h150.
    assert_eq!(out.stdout, "17\n1\n", "{}", out.stderr);
}
