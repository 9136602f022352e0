//! VXLAN in the kernel: chapter 4's ns1 → h150's ns2 traffic really crosses vxlan1, and a
//! 1400-byte packet with DF fits the tunnel's 1450-byte inner MTU (CHAPTERS.md's practical note).

mod support;

use support::sandbox;

fn tx_packets() -> &'static str {
    "ip -s -j link show vxlan1 | sed -n 's/.*\"tx\":{\"bytes\":[0-9]*,\"packets\":\\([0-9]*\\).*/\\1/p'"
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn chapter4_traffic_to_h150s_ns2_crosses_vxlan1() {
    let out = sandbox(&format!(
        "\"$NETSH\" run scripts/chapter4.rhai >/dev/null 2>&1 || exit 1\n\
         before=$({tx})\n\
         ip netns exec ns1 ping -c 5 -i 0.2 -W 1 10.1.1.5 >/dev/null || exit 2\n\
         after=$({tx})\n\
         echo \"sent=$((after - before))\"\n\
         echo \"mtu=$(cat /sys/class/net/vxlan1/mtu 2>/dev/null || ip -j link show vxlan1 | grep -o '\"mtu\":[0-9]*')\"",
        tx = tx_packets()
    ));
    out.assert_success();
    let sent: i64 = out
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("sent="))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count in {}", out.stdout));
    assert!(
        sent >= 5,
        "vxlan1 sent {sent} packets for 5 pings: {}",
        out.stdout
    );
}

#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_1400_byte_ping_with_df_crosses_the_tunnel() {
    let out = sandbox(
        "\"$NETSH\" run scripts/chapter4.rhai >/dev/null 2>&1 || exit 1\n\
         ip -j link show vxlan1 | grep -o '\"mtu\":[0-9]*'\n\
         ip netns exec ns1 ping -M do -s 1400 -c 3 -i 0.2 -W 1 10.1.1.5 >/dev/null && echo fits\n\
         ip netns exec ns1 ping -M do -s 1423 -c 2 -i 0.2 -W 1 10.1.1.5 >/dev/null || echo 'too big'",
    );
    out.assert_success();
    assert_eq!(
        out.stdout, "\"mtu\":1450\nfits\ntoo big\n",
        "{}",
        out.stderr
    );
}
