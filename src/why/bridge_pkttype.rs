//! `meta pkttype` of a frame a bridge switches, as the kernel sets it: the port's
//! eth_type_trans makes it broadcast or multicast by the destination MAC, else host when the
//! MAC is the port's own and otherhost when not; br_handle_frame makes a frame for the
//! bridge's own MAC host. So an ARP request is a broadcast, its reply and the probe otherhost
//! when switched from port to port and host when the bridge itself is their end.

use crate::firewall::nft::foreign_judge::Frame;

/// PACKET_HOST, PACKET_BROADCAST, PACKET_MULTICAST, PACKET_OTHERHOST.
const HOST: u8 = 0;
const BROADCAST: u8 = 1;
const MULTICAST: u8 = 2;
const OTHERHOST: u8 = 3;

/// `f`'s pkttype in a chain on bridge hook `hook` (NF_BR_*), where `came_in`: it came in by
/// a port (not sent by the bridge itself) and `local`: it is for the bridge itself. `None`
/// when not known: a frame the bridge sends keeps what its sender's stack left (not
/// modelled), and a destination MAC not read leaves it open.
pub(crate) fn pkt_type(f: &Frame, hook: u32, came_in: bool, local: bool) -> Option<u8> {
    if !came_in || hook == 3 {
        return None;
    }
    let dst: Vec<u8> = f.ether[..6].iter().copied().collect::<Option<_>>()?;
    Some(match dst.as_slice() {
        [0xff, 0xff, 0xff, 0xff, 0xff, 0xff] => BROADCAST,
        [b, ..] if b & 1 == 1 => MULTICAST,
        _ if local => HOST,
        // A port's own MAC is never a frame's destination across it (veth and NIC ends
        // have MACs of their own): the frame is for another host.
        _ => OTHERHOST,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::firewall::nft::arp_frame::{arp, REPLY, REQUEST};
    use std::net::Ipv4Addr;

    const A: &str = "02:00:00:00:00:01";
    const B: &str = "02:00:00:00:00:02";

    fn frames() -> (Frame, Frame) {
        let (a, b) = (Ipv4Addr::new(10, 1, 1, 2), Ipv4Addr::new(10, 1, 1, 3));
        let req = arp(REQUEST, (Some(A), a), (None, b), (None, None));
        let rep = arp(REPLY, (Some(B), b), (Some(A), a), (None, None));
        (req, rep)
    }

    #[test]
    fn a_request_is_broadcast_its_reply_otherhost_or_host() {
        let (req, rep) = frames();
        assert_eq!(pkt_type(&req, 2, true, false), Some(BROADCAST));
        assert_eq!(pkt_type(&req, 1, true, true), Some(BROADCAST));
        assert_eq!(pkt_type(&rep, 2, true, false), Some(OTHERHOST));
        assert_eq!(pkt_type(&rep, 0, true, true), Some(HOST));
    }

    #[test]
    fn what_the_bridge_sends_or_an_unknown_mac_is_not_known() {
        let (req, rep) = frames();
        assert_eq!(pkt_type(&req, 3, false, false), None);
        assert_eq!(pkt_type(&req, 4, false, false), None);
        let unknown = rep.between(None, Some(B));
        assert_eq!(pkt_type(&unknown, 2, true, false), None);
        let mcast = req.between(Some("01:00:5e:00:00:01"), Some(A));
        assert_eq!(pkt_type(&mcast, 0, true, false), Some(MULTICAST));
    }
}
