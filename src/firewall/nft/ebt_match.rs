//! ebtables-nft's own matches, kept as x_tables `match` expressions in `bridge` tables:
//! `--arp-*` (struct ebt_arp_info), `--ip-*` (struct ebt_ip_info) and `--pkttype-type`, run
//! against a frame as the kernel's ebt_arp.c, ebt_ip.c and ebt_pkttype.c do. A field the frame does not fix, or a match of
//! another name, leaves the rule "may match" (`None`). It reads the frame's headers as given,
//! so that `foreign_judge`, which calls it, is not imported here.

use super::expr::Expr;
use super::wire::cstr;

// NFTA_MATCH_NAME, NFTA_MATCH_INFO.
const NAME: u16 = 1;
const INFO: u16 = 3;

/// `x` under `mask` equals `want` (each a byte run; an unknown byte the mask keeps: not known).
fn masked(x: &[Option<u8>], mask: &[u8], want: &[u8]) -> Option<bool> {
    let mut eq = true;
    for (i, (&m, &w)) in mask.iter().zip(want).enumerate() {
        match x.get(i).copied().flatten() {
            _ if m == 0 => {}
            Some(b) => eq &= b & m == w & m,
            None => return None,
        }
    }
    Some(eq)
}

/// Whether a match holds: yes, no, or not known (`None`).
type Hit = Option<bool>;

/// One test of the match: `holds` under its invert flag.
fn test(holds: Hit, inv: bool) -> Hit {
    holds.map(|h| h != inv)
}

/// All tests hold: yes; one fails: no; else not known.
fn all(tests: impl IntoIterator<Item = Hit>) -> Hit {
    let mut out = Some(true);
    for t in tests {
        match t {
            Some(false) => return Some(false),
            None => out = None,
            Some(true) => {}
        }
    }
    out
}

/// struct ebt_arp_info: htype 0, ptype 2, opcode 4, saddr 8, smsk 12, daddr 16, dmsk 20,
/// smaddr 24, smmsk 30, dmaddr 36, dmmsk 42, bitmask 48, invflags 49.
fn arp(i: &[u8], h: Option<&[Option<u8>]>) -> Hit {
    let Some(h) = h else { return Some(false) };
    if i.len() < 50 {
        return None;
    }
    let (bits, inv) = (i[48], i[49]);
    let full = [0xffu8; 6];
    // (EBT_ARP_* bit, header offset, value, mask)
    let fields: [(u8, usize, &[u8], &[u8]); 7] = [
        (0x01, 6, &i[4..6], &full[..2]),
        (0x02, 0, &i[0..2], &full[..2]),
        (0x04, 2, &i[2..4], &full[..2]),
        (0x08, 14, &i[8..12], &i[12..16]),
        (0x10, 24, &i[16..20], &i[20..24]),
        (0x20, 8, &i[24..30], &i[30..36]),
        (0x40, 18, &i[36..42], &i[42..48]),
    ];
    let mut tests: Vec<Hit> = fields
        .iter()
        .filter(|(b, ..)| bits & b != 0)
        .map(|&(b, at, want, mask)| {
            let x = h.get(at..at + want.len()).unwrap_or(&[]);
            test(masked(x, mask, want), inv & b != 0)
        })
        .collect();
    // EBT_ARP_GRAT: the target address is the sender's.
    if bits & 0x80 != 0 {
        let same = match (h.get(14..18), h.get(24..28)) {
            (Some(s), Some(d)) if s.iter().chain(d).all(Option::is_some) => Some(s == d),
            _ => None,
        };
        tests.push(test(same, inv & 0x80 != 0));
    }
    all(tests)
}

/// struct ebt_ip_info: saddr 0, daddr 4, smsk 8, dmsk 12, tos 16, protocol 17, bitmask 18,
/// invflags 19, then ports or ICMP type and code ranges (not judged here).
fn ip(i: &[u8], net: Option<&[Option<u8>]>) -> Hit {
    let Some(net) = net.filter(|n| n.len() >= 20 && n[0] == Some(0x45)) else {
        return Some(false);
    };
    if i.len() < 20 {
        return None;
    }
    let (bits, inv) = (i[18], i[19]);
    let proto = net[9];
    let mut tests = vec![];
    if bits & 0x01 != 0 {
        tests.push(test(
            masked(&net[12..16], &i[8..12], &i[0..4]),
            inv & 0x01 != 0,
        ));
    }
    if bits & 0x02 != 0 {
        tests.push(test(
            masked(&net[16..20], &i[12..16], &i[4..8]),
            inv & 0x02 != 0,
        ));
    }
    if bits & 0x08 != 0 {
        tests.push(test(proto.map(|p| p == i[17]), inv & 0x08 != 0));
    }
    // TOS, ports, ICMP and IGMP types: not modelled.
    if bits & !(0x01 | 0x02 | 0x08) != 0 {
        tests.push(None);
    }
    all(tests)
}

/// struct ebt_pkttype_info: pkt_type, invert; against the frame's (`None`: not known).
fn pkttype(i: &[u8], t: Option<u8>) -> Hit {
    match i {
        [want, inv, ..] => test(t.map(|t| t == *want), *inv != 0),
        _ => None,
    }
}

/// A `match` expression on a frame whose network header is `net`: an ARP header (`arp`) or
/// an IPv4 one; `t`: its pkttype, when known.
pub(super) fn hit(e: &Expr, (net, arp_frame): (&[Option<u8>], bool), t: Option<u8>) -> Hit {
    let (Some(name), Some(info)) = (e.get(NAME), e.get(INFO)) else {
        return None;
    };
    let (a, v4) = match arp_frame {
        true => (Some(net), None),
        false => (None, Some(net)),
    };
    match cstr(name).as_str() {
        "arp" => arp(info, a),
        "ip" => ip(info, v4),
        "pkttype" => pkttype(info, t),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An ARP request from 10.1.1.2 for 10.1.1.3, its sender MAC known or not (as
    /// `arp_frame` lays it out; built here so that this file does not import it).
    fn request(sha: Option<u8>) -> Vec<Option<u8>> {
        let mut h: Vec<Option<u8>> = [0u8, 1, 8, 0, 6, 4, 0, 1].map(Some).to_vec();
        h.extend([sha; 6]);
        h.extend([10, 1, 1, 2].map(Some));
        h.extend([Some(0); 6]);
        h.extend([10, 1, 1, 3].map(Some));
        h
    }

    fn arp_info(bits: u8, inv: u8, daddr: [u8; 4]) -> Vec<u8> {
        let mut i = vec![0u8; 52];
        i[16..20].copy_from_slice(&daddr);
        i[20..24].copy_from_slice(&[255; 4]);
        i[48] = bits;
        i[49] = inv;
        i
    }

    #[test]
    fn arp_ip_dst_matches_the_request_for_it() {
        let f = request(Some(2));
        let f = Some(f.as_slice());
        assert_eq!(arp(&arp_info(0x10, 0, [10, 1, 1, 3]), f), Some(true));
        assert_eq!(arp(&arp_info(0x10, 0, [10, 1, 1, 4]), f), Some(false));
        assert_eq!(arp(&arp_info(0x10, 0x10, [10, 1, 1, 4]), f), Some(true));
        // A source MAC match against a frame whose MAC is not known.
        let mut i = arp_info(0x20, 0, [0; 4]);
        i[30..36].copy_from_slice(&[255; 6]);
        assert_eq!(arp(&i, Some(request(None).as_slice())), None);
    }

    #[test]
    fn pkttype_matches_the_frames_own() {
        assert_eq!(pkttype(&[1, 0], Some(1)), Some(true));
        assert_eq!(pkttype(&[1, 0], Some(3)), Some(false));
        assert_eq!(pkttype(&[1, 1], Some(3)), Some(true));
        assert_eq!(pkttype(&[1, 0], None), None);
    }
}
