//! The x_tables info structs that iptables-nft puts in `match` and `target` expressions, as
//! the kernel's headers lay them out (host byte order but addresses and NAT ports), each padded
//! to XT_ALIGN (8). Encoded from the model, and decoded back when the layout is one this
//! driver writes; anything else is left to the iptables program.

use super::model::*;
use std::net::Ipv4Addr;

fn ne16(b: &[u8], at: usize) -> u16 {
    u16::from_ne_bytes([b[at], b[at + 1]])
}

fn put16(v: &mut [u8], at: usize, x: u16) {
    v[at..at + 2].copy_from_slice(&x.to_ne_bytes());
}

fn ip(b: &[u8], at: usize) -> Ipv4Addr {
    Ipv4Addr::new(b[at], b[at + 1], b[at + 2], b[at + 3])
}

/// struct xt_comment_info { char comment[256]; }
pub(crate) fn comment(c: &str) -> Vec<u8> {
    let mut v = vec![0u8; 256];
    v[..c.len()].copy_from_slice(c.as_bytes());
    v
}

/// struct xt_conntrack_mtinfo3 (162 bytes, 168 aligned) with only --ctstate.
pub(crate) fn conntrack(c: &Neg<u16>) -> Vec<u8> {
    let mut v = vec![0u8; 168];
    if c.v != 0 {
        put16(&mut v, 146, 1); // match_flags: XT_CONNTRACK_STATE
        put16(&mut v, 148, c.not as u16); // invert_flags
        put16(&mut v, 150, c.v); // state_mask
    }
    v
}

/// struct xt_tcp (12 bytes) / struct xt_udp (10 bytes), 16 aligned: port ranges and the
/// invert flags (at 11 for tcp, after option and flag bytes; at 8 for udp).
pub(crate) fn ports(p: &PortMatch, tcp: bool) -> Vec<u8> {
    let mut v = vec![0u8; 16];
    let mut inv = 0u8;
    for (i, n) in [&p.sport, &p.dport].into_iter().enumerate() {
        let r = n.as_ref().map(|n| n.v).unwrap_or(Ports::ANY);
        put16(&mut v, i * 4, r.lo);
        put16(&mut v, i * 4 + 2, r.hi);
        if n.as_ref().is_some_and(|n| n.not) {
            inv |= 1 << i;
        }
    }
    v[if tcp { 11 } else { 8 }] = inv;
    v
}

/// struct xt_addrtype_info_v1 { u16 source; u16 dest; u32 flags; }: the type masks and the
/// invert flags (XT_ADDRTYPE_INVERT_SOURCE 1, _DEST 2), 8 bytes.
pub(crate) fn addrtype(a: &AddrType) -> Vec<u8> {
    let mut v = vec![0u8; 8];
    let mut flags = 0u32;
    for (i, t) in [&a.src, &a.dst].into_iter().enumerate() {
        if let Some(t) = t {
            put16(&mut v, i * 2, t.v);
            if t.not {
                flags |= 1 << i;
            }
        }
    }
    v[4..8].copy_from_slice(&flags.to_ne_bytes());
    v
}

/// struct ipt_icmp { u8 type; u8 code[2]; u8 invflags; }, 8 aligned.
pub(crate) fn icmp(i: &Neg<IcmpType>) -> Vec<u8> {
    let mut v = vec![0u8; 8];
    v[..4].copy_from_slice(&[i.v.ty, i.v.code.0, i.v.code.1, i.not as u8]);
    v
}

/// struct ipt_reject_info { enum ipt_reject_with with; }, 8 aligned.
pub(crate) fn reject(with: u32) -> Vec<u8> {
    let mut v = vec![0u8; 8];
    v[..4].copy_from_slice(&with.to_ne_bytes());
    v
}

const MAP_IPS: u32 = 1;
const PROTO_SPECIFIED: u32 = 2;

/// struct nf_nat_ipv4_multi_range_compat (MASQUERADE, REDIRECT, SNAT rev 0): rangesize 1 and
/// one range { flags, min_ip, max_ip, min port, max port }; 20 bytes, 24 aligned.
pub(crate) fn nat_v0(to: Option<(Ipv4Addr, Ipv4Addr)>, ports: Option<Ports>) -> Vec<u8> {
    let mut v = vec![0u8; 24];
    v[0..4].copy_from_slice(&1u32.to_ne_bytes());
    let mut flags = 0;
    if let Some((lo, hi)) = to {
        flags |= MAP_IPS;
        v[8..12].copy_from_slice(&lo.octets());
        v[12..16].copy_from_slice(&hi.octets());
    }
    if let Some(p) = ports {
        flags |= PROTO_SPECIFIED;
        v[16..18].copy_from_slice(&p.lo.to_be_bytes());
        v[18..20].copy_from_slice(&p.hi.to_be_bytes());
    }
    v[4..8].copy_from_slice(&flags.to_ne_bytes());
    v
}

/// struct nf_nat_range2 (DNAT rev 2): flags, min and max address (16 bytes each), min, max and
/// base port; 44 bytes, 48 aligned.
pub(crate) fn nat_range2(to: &NatTo) -> Vec<u8> {
    let mut v = vec![0u8; 48];
    let mut flags = MAP_IPS;
    v[4..8].copy_from_slice(&to.lo.octets());
    v[20..24].copy_from_slice(&to.hi.octets());
    if let Some(p) = to.ports {
        flags |= PROTO_SPECIFIED;
        v[36..38].copy_from_slice(&p.lo.to_be_bytes());
        v[38..40].copy_from_slice(&p.hi.to_be_bytes());
    }
    v[0..4].copy_from_slice(&flags.to_ne_bytes());
    v
}

/// A match this driver knows, from its name, revision and info.
pub(crate) fn decode_match(name: &str, rev: u32, info: &[u8]) -> Option<Match> {
    Some(match (name, rev) {
        ("comment", 0) if info.len() >= 256 => Match::Comment(super::wire::cstr(&info[..256])),
        ("conntrack", 3) if info.len() >= 168 => {
            let (flags, inv, mask) = (ne16(info, 146), ne16(info, 148), ne16(info, 150));
            // Only --ctstate (or nothing): other conntrack options are not modelled.
            if flags & !1 != 0 || inv & !1 != 0 || info[..146].iter().any(|b| *b != 0) {
                return None;
            }
            Match::Conntrack(Neg::new(inv == 1, if flags == 1 { mask } else { 0 }))
        }
        ("tcp" | "udp", 0) if info.len() >= 12 => {
            let tcp = name == "tcp";
            let inv = info[if tcp { 11 } else { 8 }];
            if tcp && info[8..11].iter().any(|b| *b != 0) || inv & !3 != 0 {
                return None; // --tcp-flags, --tcp-option
            }
            let range = |i: usize| {
                let r = Ports {
                    lo: ne16(info, i * 4),
                    hi: ne16(info, i * 4 + 2),
                };
                let not = inv & (1 << i) != 0;
                (r != Ports::ANY || not).then_some(Neg::new(not, r))
            };
            let p = PortMatch {
                sport: range(0),
                dport: range(1),
            };
            if tcp {
                Match::Tcp(p)
            } else {
                Match::Udp(p)
            }
        }
        ("addrtype", 1) if info.len() >= 8 => {
            let flags = u32::from_ne_bytes(info[4..8].try_into().ok()?);
            // --limit-iface-in/out are not modelled.
            if flags & !3 != 0 {
                return None;
            }
            let t = |i: usize| {
                let mask = ne16(info, i * 2);
                let not = flags & (1 << i) != 0;
                (mask != 0).then_some(Neg::new(not, mask))
            };
            Match::Addrtype(AddrType {
                src: t(0),
                dst: t(1),
            })
        }
        ("icmp", 0) if info.len() >= 4 && info[3] & !1 == 0 => Match::Icmp(Neg::new(
            info[3] == 1,
            IcmpType {
                ty: info[0],
                code: (info[1], info[2]),
            },
        )),
        _ => return None,
    })
}

/// A target this driver knows, from its name, revision and info.
pub(crate) fn decode_target(name: &str, rev: u32, info: &[u8]) -> Option<Target> {
    let u32_at = |at: usize| {
        info.get(at..at + 4)
            .map(|b| u32::from_ne_bytes(b.try_into().unwrap()))
    };
    let port_at = |at: usize| Ports {
        lo: u16::from_be_bytes([info[at], info[at + 1]]),
        hi: u16::from_be_bytes([info[at + 2], info[at + 3]]),
    };
    match (name, rev) {
        ("REJECT", 0) => {
            let with = u32_at(0)?;
            REJECT_WITH
                .iter()
                .any(|(_, _, i)| *i == with)
                .then_some(Target::Reject(with))
        }
        ("MASQUERADE" | "REDIRECT" | "SNAT" | "DNAT", 0) if info.len() >= 20 => {
            let flags = u32_at(4)?;
            if u32_at(0)? != 1 || flags & !(MAP_IPS | PROTO_SPECIFIED) != 0 {
                return None;
            }
            let ports = (flags & PROTO_SPECIFIED != 0).then(|| port_at(16));
            let ips = flags & MAP_IPS != 0;
            let to = NatTo {
                lo: ip(info, 8),
                hi: ip(info, 12),
                ports,
            };
            match name {
                "SNAT" if ips => Some(Target::Snat(to)),
                "DNAT" if ips => Some(Target::Dnat(to)),
                "MASQUERADE" if !ips => Some(Target::Masquerade(ports)),
                "REDIRECT" if !ips => Some(Target::Redirect(ports)),
                _ => None,
            }
        }
        ("SNAT" | "DNAT", 1 | 2) if info.len() >= 40 => {
            let flags = u32_at(0)?;
            if flags != MAP_IPS && flags != MAP_IPS | PROTO_SPECIFIED {
                return None;
            }
            let to = NatTo {
                lo: ip(info, 4),
                hi: ip(info, 20),
                ports: (flags & PROTO_SPECIFIED != 0).then(|| port_at(36)),
            };
            Some(if name == "SNAT" {
                Target::Snat(to)
            } else {
                Target::Dnat(to)
            })
        }
        _ => None,
    }
}
