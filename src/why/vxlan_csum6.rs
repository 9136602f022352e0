//! A VXLAN over IPv6 that sends its UDP with a zero checksum (`udp6zerocsumtx`) to a VTEP
//! whose VXLAN does not take such datagrams in (no `udp6zerocsumrx`): the far UDPv6 socket
//! drops every one (RFC 6935 lets a zero checksum in only where the receiver opts in). The
//! kernel refuses to change either flag on a made link, so the fix makes the sender's VXLAN
//! again, with the same attributes, checksumming.

use super::link_detail::VxlanInfo;
use super::report::Report;
use super::route_fix::exec;
use crate::sys::Netns;
use std::net::IpAddr;

/// One end of the tunnel: its namespace, VXLAN (name and settings) and bridge.
pub(crate) struct End<'a> {
    pub(crate) ns: &'a Netns,
    pub(crate) name: &'a str,
    pub(crate) v: &'a VxlanInfo,
    pub(crate) master: &'a str,
}

/// Whether each end takes in what the other sends over an IPv6 underlay (to `remote`, the far
/// VTEP); the sender of zero checksums its receiver drops is named in `r`.
pub(crate) fn csums_agree(r: &mut Report, near: &End, far: &End, remote: IpAddr) -> bool {
    if !remote.is_ipv6() {
        return true;
    }
    for (tx, rx, what) in [(near, far, "them"), (far, near, "the replies")] {
        if !tx.v.zero_csum6_tx || rx.v.zero_csum6_rx {
            continue;
        }
        r.block(
            tx.ns,
            format!(
                "{}'s {} sends its UDP over IPv6 with a zero checksum (udp6zerocsumtx), and {}'s \
                 {} does not take such datagrams in (no udp6zerocsumrx): {}'s UDPv6 socket \
                 drops {what}",
                tx.ns, tx.name, rx.ns, rx.name, rx.ns
            ),
            Some(remake(tx)),
        );
        return false;
    }
    true
}

/// The fix: `end`'s VXLAN made again with the same attributes but checksummed, back on its
/// bridge and up.
fn remake(end: &End) -> String {
    let v = end.v;
    let mut add = format!("ip link add {} type vxlan id {}", end.name, v.id);
    for (word, val) in [("local", v.local), ("remote", v.remote)] {
        if let Some(a) = val {
            add.push_str(&format!(" {word} {a}"));
        }
    }
    add.push_str(&format!(" dstport {}", v.port));
    if let Some(d) = &v.dev {
        add.push_str(&format!(" dev {d}"));
    }
    if v.ttl != 0 {
        add.push_str(&format!(" ttl {}", v.ttl));
    }
    if v.zero_csum6_rx {
        add.push_str(" udp6zerocsumrx");
    }
    let up = match end.master {
        "" => format!("ip link set {} up", end.name),
        m => format!("ip link set {} master {m} up", end.name),
    };
    [format!("ip link del {}", end.name), add, up]
        .iter()
        .map(|c| exec(end.ns, c))
        .collect::<Vec<_>>()
        .join("; ")
}
