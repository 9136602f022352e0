//! `netsh why` to a namespace's own addresses: 127.0.0.1 is the asking namespace's own (never
//! the machine's, which holds it too), so a closed port there is named in that namespace; and a
//! packet a namespace sends to any address of its own goes through lo, lost while lo is down
//! though the local route stays — lo is named and brought up. Lab docker_gw, asked from gw;
//! each case proves the report with a real connect or ping.

mod support;

use support::why_lab::{diagnose_at, diagnose_then};

/// gw serves TCP 8080 when `listen` (for 90 s), gets `inject`, then `why gw 127.0.0.1:8080`,
/// its fix, and a real connect from gw.
fn to_loopback(listen: bool, inject: &str) -> String {
    let mut script = String::new();
    if listen {
        script += "ip netns exec gw \"$TCP_LISTEN\" 8080 /run/ready 90 >/dev/null & L=$!\n\
                   for i in $(seq 1 50); do [ -e /run/ready ] && break; sleep 0.1; done\n";
    }
    script += inject;
    let prove = "ip netns exec gw timeout 5 bash -c 'exec 3<>/dev/tcp/127.0.0.1/8080' 2>/dev/null && echo \"connect ok\" || echo \"connect fails\"";
    diagnose_then(
        "docker_gw",
        "",
        &script,
        ("gw", "127.0.0.1:8080"),
        "",
        prove,
    )
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_closed_port_on_loopback_is_named_in_the_asking_namespace() {
    let cause =
        "nothing listens on TCP port 8080 of 127.0.0.1 in gw: it answered the SYN with a RST";
    assert_eq!(
        to_loopback(false, ""),
        format!("why gw → 127.0.0.1:8080\n  [BROKEN] gw: {cause}\n  probe: 127.0.0.1:8080 host reached, port closed (RST)\nverdict: blocked — {cause}\nexit 1\nconnect fails\n")
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn lo_down_is_named_for_a_port_on_loopback_and_brought_up() {
    let cause = "gw's loopback lo is down: a packet gw sends to its own address 127.0.0.1 goes through lo, so it is lost";
    assert_eq!(
        to_loopback(true, "ip -n gw link set lo down\n"),
        format!("why gw → 127.0.0.1:8080\n  [BROKEN] gw: {cause}\n  fix: gw.sh(\"ip link set lo up\")\n  probe: no answer from 127.0.0.1:8080 (the SYN timed out)\nverdict: blocked — {cause}\nexit 1\nwhy gw → 127.0.0.1:8080\n  probe: 127.0.0.1:8080 port reachable, listener answered\nverdict: clear\nexit 0\nconnect ok\n")
    );
}

#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn lo_down_is_named_for_a_ping_to_the_namespaces_own_address() {
    let cause = "gw's loopback lo is down: a packet gw sends to its own address 198.51.100.1 goes through lo, so it is lost";
    assert_eq!(
        diagnose_at("docker_gw", "", "ip -n gw link set lo down", ("gw", "198.51.100.1"), "", ""),
        format!("why gw → 198.51.100.1\n  [BROKEN] gw: {cause}\n  fix: gw.sh(\"ip link set lo up\")\n  probe: no reply from 198.51.100.1\nverdict: blocked — {cause}\nexit 1\nwhy gw → 198.51.100.1\n  probe: 198.51.100.1 answers\nverdict: clear\nexit 0\nping ok\n")
    );
}
