//! An ARP frame (Ethernet, IPv4) as an `arp` family chain sees it: arptables-nft's rules load
//! its header (`arp htype 1 arp hlen 6 arp plen 4 arp daddr ip …`) from the network header.

use super::foreign_judge::{mac_bytes as mac, Frame};
use std::net::Ipv4Addr;

/// ARPOP_REQUEST and ARPOP_REPLY.
pub(crate) const REQUEST: u16 = 1;
pub(crate) const REPLY: u16 = 2;

/// One ARP frame: its operation, sender (MAC, address) and target (MAC, address), and the
/// links it comes in or goes out by. A request's target MAC is all zeros (the kernel's
/// arp_create fills none in).
pub(crate) fn arp(
    op: u16,
    (sha, spa): (Option<&str>, Ipv4Addr),
    (tha, tpa): (Option<&str>, Ipv4Addr),
    (iif, oif): (Option<String>, Option<String>),
) -> Frame {
    let mut h: Vec<Option<u8>> = [0u8, 1, 8, 0, 6, 4]
        .into_iter()
        .chain(op.to_be_bytes())
        .map(Some)
        .collect();
    h.extend(mac(sha));
    h.extend(spa.octets().map(Some));
    match op {
        REQUEST => h.extend([Some(0); 6]),
        _ => h.extend(mac(tha)),
    }
    h.extend(tpa.octets().map(Some));
    // A request is broadcast; a reply goes to the asker.
    let to = if op == REQUEST {
        Some("ff:ff:ff:ff:ff:ff")
    } else {
        tha
    };
    Frame {
        src: spa.into(),
        dst: tpa.into(),
        proto: 0,
        l4: vec![],
        iif,
        oif,
        arp: Some(h),
        ether: [None; 12],
        pkttype: None,
    }
    .between(to, sha)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_offsets_match_arptables() {
        let f = arp(
            REQUEST,
            (Some("02:00:00:00:00:01"), Ipv4Addr::new(10, 1, 1, 2)),
            (None, Ipv4Addr::new(10, 1, 1, 3)),
            (None, Some("veth1".into())),
        );
        // arptables -d 10.1.1.3: 4 bytes at network header + 24.
        assert_eq!(f.payload(1, 24, 4), [10, 1, 1, 3].map(Some).to_vec());
        // -s 10.1.1.2 at + 14, the operation at + 6, htype at + 0.
        assert_eq!(f.payload(1, 14, 4), [10, 1, 1, 2].map(Some).to_vec());
        assert_eq!(f.payload(1, 6, 2), [0, 1].map(Some).to_vec());
        assert_eq!(f.payload(1, 0, 2), [0, 1].map(Some).to_vec());
        assert_eq!(f.payload(1, 18, 6), vec![Some(0); 6]);
    }
}
