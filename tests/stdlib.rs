//! The topology standard library (stdlib/topo.rhai), each function used in a sandbox:
//! star, chain, two_hosts, vxlan_mesh, docker_bridge / container / publish; and where modules
//! are found (the script's own folder first).

mod support;

use support::run_lab::run_lab;
use support::{assert_lines_eq, sandbox, state_in_sandbox};

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn star_puts_n_namespaces_on_one_bridge() {
    let out = run_lab(
        "import \"topo\" as topo;\ntopo::star(4, \"10.1.0.0/24\");\nassert_ping(ns(\"ns1\"), \"10.1.0.5\");",
        "ip -br link show master br0 | wc -l; ip -n ns3 -br -4 addr show eth0 | awk '{print $3}'",
    );
    assert_eq!(out.stdout, "4\n10.1.0.4/24\n");
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn chain_routes_end_to_end_through_every_router() {
    let out = run_lab(
        "import \"topo\" as topo;\nlet r = topo::chain(4);\nassert_ping(r[0], \"10.200.3.2\");\nassert_ping(r[3], \"10.200.1.1\");",
        "ip netns exec r1 ping -c 1 -t 3 -W 1 10.200.3.2 >/dev/null || echo 'three hops need ttl > 3'",
    );
    // r1 → r2 → r3 → r4: the packet is forwarded twice, so a TTL of 3 reaches r4.
    assert_eq!(out.stdout, "");
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn two_hosts_are_wired_on_their_lan() {
    let out = run_lab(
        "import \"topo\" as topo;\nlet hs = topo::two_hosts(\"h149\", \"h150\", \"192.0.2.0/24\");\nassert_ping(hs[0], \"192.0.2.2\");",
        "ip -n h150 -br -4 addr show eth0 | awk '{print $3}'",
    );
    assert_eq!(out.stdout, "192.0.2.2/24\n");
}

const MESH: &str = r#"import "topo" as topo;
let m = topo::vxlan_mesh([host("a"), host("b"), host("c")], 42);
let n = m.namespaces;
for i in 0..3 { for j in 0..3 { assert_ping(n[i], `10.77.0.${j + 2}`); } }
"#;

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn vxlan_mesh_joins_every_namespace_and_one_fdb_entry_breaks_exactly_its_pair() {
    let script = format!(
        "{MESH}\nm.fdb[0][2].remove();   // a forgets c\n\
         assert_no_ping(n[0], \"10.77.0.4\");\nassert_no_ping(n[2], \"10.77.0.2\");\n\
         assert_ping(n[0], \"10.77.0.3\");\nassert_ping(n[1], \"10.77.0.4\");\nassert_ping(n[2], \"10.77.0.3\");"
    );
    let out = run_lab(&script, "bridge -n a fdb show dev vxlan42 | grep -c dst");
    assert_eq!(out.stdout, "1\n", "a keeps only its entry for b");
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn vxlan_mesh_dry_run_builds_the_same_state() {
    let write = format!("d=$(mktemp -d); cat > $d/mesh.rhai <<'EOF'\n{MESH}\nEOF\n");
    let (a, run) = state_in_sandbox(&format!("{write}\"$NETSH\" run $d/mesh.rhai >/dev/null"));
    a.assert_success();
    let (b, dry) = state_in_sandbox(&format!(
        "{write}set -e; \"$NETSH\" run --dry-run $d/mesh.rhai > $d/mesh.sh; bash $d/mesh.sh"
    ));
    b.assert_success();
    assert_lines_eq(&run, &dry);
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn docker_bridge_container_and_publish_make_a_port_map() {
    let script = r#"import "topo" as topo;
let br = topo::docker_bridge("docker0", "172.17.0.0/16");
let web = topo::container(br, "web", "172.17.0.2/16");
let lan = host("lan");
wire(host(), "eth0", "192.0.2.1/24", lan, "eth0", "192.0.2.2/24");
topo::publish(8080, "172.17.0.2", 80);
assert_ping(web, "192.0.2.2");      // out through the NAT"#;
    let out = run_lab(script, "probe web 80 lan 192.0.2.1 8080");
    assert_eq!(out.stdout.trim(), "seen: 192.0.2.2");
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_scripts_own_folder_comes_before_the_stdlib() {
    let out = sandbox(
        "d=$(mktemp -d)\n\
         printf 'fn star(n, subnet) { ns(\"mine\") }\\n' > $d/topo.rhai\n\
         printf 'import \"topo\" as topo;\\ntopo::star(3, \"10.1.0.0/24\");\\n' > $d/lab.rhai\n\
         \"$NETSH\" run $d/lab.rhai >/dev/null 2>&1 || exit 1\n\
         ip netns list | awk '{print $1}'; rm -rf $d",
    );
    out.assert_success();
    assert_eq!(out.stdout, "mine\n");
}
