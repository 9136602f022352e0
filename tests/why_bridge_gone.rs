//! `netsh why` when a LAN's bridge is gone (deleted, or never made because the kernel refused
//! an option): the host's end of the sender's cable is a port of no bridge. With no bridge
//! left to join, no fix is made up (never `master(BRIDGE)`); when the bridge is still there,
//! the port is put back on it and a real ping proves it.

mod support;

use support::why_lab::{diagnose, fixed};

/// br0 deleted: vethb1 leads nowhere, and there is no bridge to name in a fix.
#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_deleted_bridge_is_named_with_no_made_up_fix() {
    let got = diagnose("l2_lan", "", "ip link del br0", "10.1.1.3");
    let cause = "vethb1 in host is not a port of any bridge, so veth1 leads nowhere";
    let want = format!(
        "why ns1 → 10.1.1.3\n  [BROKEN] host: {cause}\n  probe: no reply from 10.1.1.3\nverdict: blocked — {cause}\nexit 1\nping fails\n"
    );
    assert_eq!(got, want);
}

/// vethb1 taken off br0: it goes back on the bridge its neighbours are on.
#[test]
#[ignore = "needs iproute2, iptables, iputils-ping"]
fn a_port_taken_off_its_bridge_goes_back_on_it() {
    fixed(
        "l2_lan",
        "",
        "ip link set vethb1 nomaster",
        "10.1.1.3",
        "host",
        "vethb1 in host is not a port of any bridge, so veth1 leads nowhere",
        r#"link("vethb1").master(link("br0"))"#,
    );
}
