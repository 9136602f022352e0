//! A dumped rule's expressions → the typed rule: what iptables-nft writes for the forms the
//! native driver knows, including the payload forms of ports that iptables 1.8.8 and later write
//! for other programs' rules. What it cannot read is named, and the rest still decoded (so a
//! listing still shows the rule's comment).

use super::expr::*;
use super::model::*;
use super::xt;
use ipnet::Ipv4Net;
use std::net::Ipv4Addr;

/// A decoded rule, and the expressions (by name) that it could not read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Decoded {
    pub(crate) spec: Spec,
    pub(crate) unknown: Vec<String>,
}

pub(crate) fn decode(exprs: &[Expr]) -> Decoded {
    let mut d = Decoded::default();
    let mut i = 0;
    // The match that native port payloads add to (one per run of port loads).
    let mut native_ports: Option<usize> = None;
    while i < exprs.len() {
        let e = &exprs[i];
        let used = match e.name.as_str() {
            "meta" => meta_cmp(&mut d.spec, e, exprs.get(i + 1)),
            "payload" => payload(&mut d.spec, &exprs[i..], &mut native_ports),
            "counter" => Some(1),
            "match" => xt_of(e)
                .and_then(|(n, r, info)| xt::decode_match(&n, r, info))
                .map(|m| {
                    d.spec.matches.push(m);
                    1
                }),
            "target" => xt_of(e)
                .and_then(|(n, r, info)| xt::decode_target(&n, r, info))
                .map(|t| {
                    d.spec.target = Some(t);
                    1
                }),
            "immediate" => verdict_target(e).map(|t| {
                d.spec.target = Some(t);
                1
            }),
            _ => None,
        };
        if !matches!(e.name.as_str(), "payload") {
            native_ports = None;
        }
        match used {
            Some(n) => i += n,
            None => {
                d.unknown.push(describe(e));
                i += 1;
            }
        }
    }
    d
}

/// "-m limit", "-j LOG", or the nft expression's name.
fn describe(e: &Expr) -> String {
    match (e.name.as_str(), xt_of(e)) {
        ("match", Some((n, ..))) => format!("-m {n}"),
        ("target", Some((n, ..))) => format!("-j {n}"),
        (other, _) => format!("the nft expression {other}"),
    }
}

fn xt_of(e: &Expr) -> Option<(String, u32, &[u8])> {
    Some((super::wire::cstr(e.get(1)?), e.u32(2)?, e.get(3)?))
}

/// A cmp on register 1: (negated, bytes).
fn cmp_of(e: Option<&Expr>) -> Option<(bool, &[u8])> {
    let e = e.filter(|e| e.name == "cmp" && e.u32(1) == Some(NFT_REG_1))?;
    let not = match e.u32(2)? {
        NFT_CMP_EQ => false,
        NFT_CMP_NEQ => true,
        _ => return None,
    };
    Some((not, e.value(3)?))
}

fn meta_cmp(s: &mut Spec, e: &Expr, next: Option<&Expr>) -> Option<usize> {
    let (not, bytes) = cmp_of(next)?;
    match e.u32(2)? {
        k @ (NFT_META_IIFNAME | NFT_META_OIFNAME) => {
            let name = match bytes.split_last() {
                Some((0, name)) => String::from_utf8(name.to_vec()).ok()?,
                _ => format!("{}+", String::from_utf8(bytes.to_vec()).ok()?),
            };
            let slot = if k == NFT_META_IIFNAME {
                &mut s.iif
            } else {
                &mut s.oif
            };
            *slot = Some(Neg::new(not, name));
        }
        NFT_META_L4PROTO if bytes.len() == 1 => s.proto = Some(Neg::new(not, bytes[0])),
        _ => return None,
    }
    Some(2)
}

/// A network-header address (payload, maybe bitwise, cmp) or transport-header ports.
fn payload(s: &mut Spec, e: &[Expr], native_ports: &mut Option<usize>) -> Option<usize> {
    let (base, off, len) = (e[0].u32(2)?, e[0].u32(3)?, e[0].u32(4)?);
    match base {
        NFT_PAYLOAD_NETWORK_HEADER => {
            let (mask, used) = match e.get(1).filter(|b| b.name == "bitwise") {
                Some(b) => (b.value(4)?.to_vec(), 3),
                None => (vec![0xff; len as usize], 2),
            };
            let (not, bytes) = cmp_of(e.get(used - 1))?;
            let mut a = [0u8; 4];
            a.get_mut(..bytes.len())?.copy_from_slice(bytes);
            let mut m = [0u8; 4];
            m.get_mut(..mask.len())?.copy_from_slice(&mask);
            let prefix = u32::from_be_bytes(m).leading_ones() as u8;
            let net = Ipv4Net::new(Ipv4Addr::from(a), prefix).ok()?;
            match off {
                12 => s.src = Some(Neg::new(not, net)),
                16 => s.dst = Some(Neg::new(not, net)),
                _ => return None,
            }
            Some(used)
        }
        NFT_PAYLOAD_TRANSPORT_HEADER => native_port(s, e, off, len, native_ports),
        _ => None,
    }
}

/// `tcp dport 80` as iptables 1.8.8+ writes it: a payload and a cmp or range, into the rule's
/// tcp/udp match.
fn native_port(
    s: &mut Spec,
    e: &[Expr],
    off: u32,
    len: u32,
    native_ports: &mut Option<usize>,
) -> Option<usize> {
    let next = e.get(1)?;
    let (not, lo, hi) = match next.name.as_str() {
        "cmp" => {
            let (not, b) = cmp_of(Some(next))?;
            (not, b.to_vec(), b.to_vec())
        }
        "range" if next.u32(1) == Some(NFT_REG_1) => {
            let not = next.u32(2)? == NFT_RANGE_NEQ;
            (not, next.value(3)?.to_vec(), next.value(4)?.to_vec())
        }
        _ => return None,
    };
    let port = |b: &[u8], at: usize| Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?));
    let mut p = PortMatch::default();
    match (off, len) {
        (0, 2) => {
            p.sport = Some(Neg::new(
                not,
                Ports {
                    lo: port(&lo, 0)?,
                    hi: port(&hi, 0)?,
                },
            ))
        }
        (2, 2) => {
            p.dport = Some(Neg::new(
                not,
                Ports {
                    lo: port(&lo, 0)?,
                    hi: port(&hi, 0)?,
                },
            ))
        }
        (0, 4) if !not && lo == hi => {
            let (sp, dp) = (port(&lo, 0)?, port(&lo, 2)?);
            p.sport = Some(Neg::new(false, Ports { lo: sp, hi: sp }));
            p.dport = Some(Neg::new(false, Ports { lo: dp, hi: dp }));
        }
        _ => return None,
    }
    let slot = match native_ports {
        Some(i) => *i,
        None => {
            let m = match s.proto {
                Some(Neg { not: false, v: 6 }) => Match::Tcp(PortMatch::default()),
                Some(Neg { not: false, v: 17 }) => Match::Udp(PortMatch::default()),
                _ => return None,
            };
            s.matches.push(m);
            s.matches.len() - 1
        }
    };
    *native_ports = Some(slot);
    match &mut s.matches[slot] {
        Match::Tcp(m) | Match::Udp(m) => {
            m.sport = p.sport.or(m.sport.take());
            m.dport = p.dport.or(m.dport.take());
        }
        _ => return None,
    }
    Some(2)
}

fn verdict_target(e: &Expr) -> Option<Target> {
    if e.u32(1)? != NFT_REG_VERDICT {
        return None;
    }
    Some(match verdict_of(e)? {
        (NF_ACCEPT, None) => Target::Accept,
        (NF_DROP, None) => Target::Drop,
        (NFT_RETURN, None) => Target::Return,
        (NFT_JUMP, Some(c)) => Target::Jump(c),
        (NFT_GOTO, Some(c)) => Target::Goto(c),
        _ => return None,
    })
}
