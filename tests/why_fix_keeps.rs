//! `netsh why` fixes that keep what they should (round C): a VXLAN made again keeps the
//! settings the old one had (`nolearning`, `local`, `ttl`, its static FDB); a port's stale MAC
//! pin (ebtables or nft `bridge`) is moved to the sender's new MAC, not deleted; FORWARD's DROP
//! policy is opened for the probe's flow only (its addresses and protocol), not for the links.

mod support;

use support::why_lab::{clear, diagnose_then};

const T2: &str = "10.42.0.2";

/// The mesh with `learning: false`; v2's vx42 made again by hand with VNI 43 (its ttl and
/// flood list as before): why's fix is applied, then ping and what v2's vx42 is now.
#[test]
#[ignore = "needs iproute2, iputils-ping"]
fn a_vxlan_made_again_for_its_vni_keeps_nolearning_local_ttl_and_its_fdb() {
    let inject = "ip -n v2 link del vx42; \
        ip -n v2 link add vx42 type vxlan id 43 local 192.0.2.2 dstport 8472 dev ul nolearning ttl 9; \
        ip -n v2 link set vx42 master br0 up; \
        bridge -n v2 fdb append 00:00:00:00:00:00 dev vx42 dst 192.0.2.1; \
        bridge -n v2 fdb append 00:00:00:00:00:00 dev vx42 dst 192.0.2.3";
    let prove = format!(
        r#"ip netns exec ns1 ping -c1 -W2 {T2} >/dev/null 2>&1 && echo "ping ok" || echo "ping fails"
ip netns exec v3 ping -c1 -W2 {T2} >/dev/null 2>&1; ip netns exec t3 ping -c1 -W2 {T2} >/dev/null 2>&1 && echo "t3 ping ok" || echo "t3 ping fails"
ip -n v2 -d -j link show vx42 | grep -o '"\(learning\|ttl\|local\|id\|port\)":[^,]*' | sort
bridge -n v2 fdb show dev vx42 | grep -c 'dst 192.0.2.[13]'"#
    );
    let got = diagnose_then(
        "vxlan_ns_mesh",
        "-p learning=false",
        inject,
        ("ns1", T2),
        "",
        &prove,
    );
    let cause = "the L2 path over the tunnel ends at vx42 in v1: v2 at 192.0.2.2 has no VXLAN with VNI 42 port 8472 (it has vx42 VNI 43 port 8472 remote none; wrong VNI)";
    let fix = r#"v2.link("vx42").del(#{ adopted: true }); v2.vxlan("vx42", #{ id: 42, local: "192.0.2.2", dev: "ul", port: 8472, ttl: 9, learning: false }).master(v2.link("br0")).up(); v2.link("vx42").fdb(#{ dst: "192.0.2.1" }); v2.link("vx42").fdb(#{ dst: "192.0.2.3" })"#;
    let want = format!(
        "why ns1 → {T2}\n  [BROKEN] v2: {cause}\n  fix: {fix}\n  probe: no reply from {T2}\nverdict: blocked — {cause}\nexit 1\n{}",
        clear(T2)
    );
    assert_eq!(got, want + "t3 ping ok\nxx\n");
}
