//! A foreign chain's rules run against one probe packet, as the kernel's nf_tables would: meta
//! and payload loads into registers, `cmp` and `bitwise` on them, the verdict. A byte the
//! packet does not fix (a MAC, a checksum, an echo id) and an expression not modelled here
//! (sets, conntrack, limits…) leave the rule "may match", never "matches".

use super::expr::{verdict_of, Expr, NF_ACCEPT, NF_DROP};
use super::foreign::ForeignChain;
use std::net::IpAddr;

/// The probe as the chain sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Frame {
    pub(crate) src: IpAddr,
    pub(crate) dst: IpAddr,
    /// IP protocol: 1 ICMP, 58 ICMPv6, 6 TCP, 17 UDP.
    pub(crate) proto: u8,
    /// The first bytes of the transport header, `None` where not known.
    pub(crate) l4: Vec<Option<u8>>,
    pub(crate) iif: Option<String>,
    pub(crate) oif: Option<String>,
    /// An ARP frame's header (`arp_frame`): then `src` and `dst` are its sender and target
    /// addresses, and there is no transport header.
    pub(crate) arp: Option<Vec<Option<u8>>>,
    /// The link header's destination and source MACs (`ether daddr`, `ether saddr`), `None`
    /// where not known.
    pub(crate) ether: [Option<u8>; 12],
    /// `meta pkttype` (PACKET_HOST 0, BROADCAST 1, MULTICAST 2, OTHERHOST 3), `None` where
    /// not known (the chain's place decides it: see `bridge_family`).
    pub(crate) pkttype: Option<u8>,
}

/// What a chain does to the frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Judged {
    Passes,
    /// Dropped by the rule with this handle (`None`: by the policy); `sure` when every rule
    /// before it was judged and its own matches were all read.
    Drops {
        by: Option<u64>,
        sure: bool,
    },
}

/// Whether a rule's matches hold: yes, no, or not known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Hit {
    Yes,
    No,
    Maybe,
}

pub(super) type Regs = [Option<u8>; 80];

/// `aa:bb:cc:dd:ee:ff` as its bytes; each `None` when it is not given.
pub(crate) fn mac_bytes(m: Option<&str>) -> [Option<u8>; 6] {
    let mut out = [None; 6];
    let b: Option<Vec<u8>> = m.and_then(|m| {
        m.split(':')
            .map(|x| u8::from_str_radix(x, 16).ok())
            .collect()
    });
    if let Some(b) = b.filter(|b| b.len() == 6) {
        for (o, x) in out.iter_mut().zip(b) {
            *o = Some(x);
        }
    }
    out
}

impl Frame {
    /// The frame between these MACs (destination, source).
    pub(crate) fn between(mut self, dst: Option<&str>, src: Option<&str>) -> Frame {
        let (d, s) = (mac_bytes(dst), mac_bytes(src));
        self.ether[..6].copy_from_slice(&d);
        self.ether[6..].copy_from_slice(&s);
        self
    }

    fn network(&self) -> Vec<Option<u8>> {
        if let Some(a) = &self.arp {
            return a.clone();
        }
        match (self.src, self.dst) {
            (IpAddr::V4(s), IpAddr::V4(d)) => {
                let mut h = vec![Some(0x45), Some(0)];
                h.extend([None; 6]); // length, id, fragment offset
                h.extend([None, Some(self.proto), None, None]); // ttl, protocol, checksum
                h.extend(s.octets().map(Some));
                h.extend(d.octets().map(Some));
                h
            }
            (s, d) => {
                let mut h = vec![None; 6];
                h.extend([Some(self.proto), None]);
                for a in [s, d] {
                    if let IpAddr::V6(a) = a {
                        h.extend(a.octets().map(Some));
                    }
                }
                h
            }
        }
    }

    fn ethertype(&self) -> [u8; 2] {
        if self.arp.is_some() {
            [0x08, 0x06]
        } else if self.src.is_ipv4() {
            [0x08, 0x00]
        } else {
            [0x86, 0xdd]
        }
    }

    /// A meta key's value (NFT_META_*), `None` when not modelled.
    pub(super) fn meta(&self, key: u32) -> Option<Vec<Option<u8>>> {
        let name = |n: &Option<String>| {
            let n = n.as_ref()?;
            let mut b: Vec<Option<u8>> = n.bytes().map(Some).collect();
            b.resize(16, Some(0));
            Some(b)
        };
        match key {
            1 => Some(self.ethertype().map(Some).to_vec()),
            6 => name(&self.iif),
            7 => name(&self.oif),
            // NFPROTO_ARP is 3; an ARP frame has no layer 4 protocol.
            15 if self.arp.is_some() => Some(vec![Some(3)]),
            15 => Some(vec![Some(if self.src.is_ipv4() { 2 } else { 10 })]),
            16 if self.arp.is_some() => None,
            16 => Some(vec![Some(self.proto)]),
            19 => self.pkttype.map(|t| vec![Some(t)]),
            _ => None,
        }
    }

    /// `len` bytes at `offset` of a header (NFT_PAYLOAD_*_HEADER).
    pub(super) fn payload(&self, base: u32, offset: usize, len: usize) -> Vec<Option<u8>> {
        let head: Vec<Option<u8>> = match base {
            0 => {
                let mut h = self.ether.to_vec();
                h.extend(self.ethertype().map(Some));
                h
            }
            1 => self.network(),
            2 => self.l4.clone(),
            _ => vec![],
        };
        (offset..offset + len)
            .map(|i| head.get(i).copied().flatten())
            .collect()
    }
}

/// A register number's first byte: NFT_REG_1..4 are 16 bytes, NFT_REG32_00.. are 4.
fn reg_at(reg: u32) -> Option<usize> {
    match reg {
        1..=4 => Some((reg as usize - 1) * 16),
        8..=23 => Some((reg as usize - 8) * 4),
        _ => None,
    }
}

pub(super) fn store(regs: &mut Regs, reg: Option<u32>, bytes: &[Option<u8>]) -> bool {
    let Some(at) = reg.and_then(reg_at) else {
        return false;
    };
    // The kernel zeroes the rest of a 32-bit register it stores a shorter value in (a
    // concatenation's key is made of such padded parts).
    let padded = bytes.len().next_multiple_of(4);
    for i in 0..padded {
        let Some(slot) = regs.get_mut(at + i) else {
            return false;
        };
        *slot = bytes.get(i).copied().unwrap_or(Some(0));
    }
    true
}

pub(super) fn load(regs: &Regs, reg: Option<u32>, len: usize) -> Option<Vec<Option<u8>>> {
    let at = reg.and_then(reg_at)?;
    regs.get(at..at + len).map(<[Option<u8>]>::to_vec)
}

/// `cmp`: the register against the value, by NFT_CMP_* (eq, neq, lt, lte, gt, gte).
pub(super) fn compare(e: &Expr, regs: &Regs) -> Hit {
    let (Some(op), Some(want)) = (e.u32(2), e.value(3)) else {
        return Hit::Maybe;
    };
    let Some(got) = load(regs, e.u32(1), want.len()) else {
        return Hit::Maybe;
    };
    let Some(got): Option<Vec<u8>> = got.into_iter().collect() else {
        return Hit::Maybe;
    };
    let ord = got.as_slice().cmp(want);
    use std::cmp::Ordering::*;
    let yes = match op {
        0 => ord == Equal,
        1 => ord != Equal,
        2 => ord == Less,
        3 => ord != Greater,
        4 => ord == Greater,
        5 => ord != Less,
        _ => return Hit::Maybe,
    };
    if yes {
        Hit::Yes
    } else {
        Hit::No
    }
}

/// `bitwise` (mask and xor): a byte masked to 0 is known whatever it was.
pub(super) fn bitwise(e: &Expr, regs: &mut Regs) -> bool {
    if e.u32(6).is_some_and(|op| op != 0) {
        return false;
    }
    let (Some(len), Some(mask), Some(xor)) = (e.u32(3), e.value(4), e.value(5)) else {
        return false;
    };
    let Some(src) = load(regs, e.u32(1), len as usize) else {
        return false;
    };
    let out: Vec<Option<u8>> = src
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let (m, x) = (mask.get(i).copied()?, xor.get(i).copied()?);
            match b {
                _ if m == 0 => Some(x),
                Some(b) => Some((b & m) ^ x),
                None => None,
            }
        })
        .collect();
    store(regs, e.u32(2), &out)
}

/// One rule: whether it matches the frame, and its verdict code (when it has one).
fn run(exprs: &[Expr], f: &Frame) -> (Hit, Option<u32>) {
    let mut regs: Regs = [None; 80];
    let mut hit = Hit::Yes;
    let mut verdict = None;
    for e in exprs {
        match e.name.as_str() {
            "meta" => {
                let v = e.u32(2).and_then(|key| f.meta(key));
                let v = v.unwrap_or_else(|| vec![None; 16]);
                if !store(&mut regs, e.u32(1), &v) {
                    hit = Hit::Maybe;
                }
            }
            "payload" => {
                let (Some(base), Some(off), Some(len)) = (e.u32(2), e.u32(3), e.u32(4)) else {
                    return (Hit::Maybe, None);
                };
                let v = f.payload(base, off as usize, len as usize);
                if !store(&mut regs, e.u32(1), &v) {
                    hit = Hit::Maybe;
                }
            }
            // ebtables-nft's `--arp-*` and `--ip-*` matches.
            "match" => match super::ebt_match::hit(e, (&f.network(), f.arp.is_some()), f.pkttype) {
                Some(false) => return (Hit::No, None),
                None => hit = Hit::Maybe,
                Some(true) => {}
            },
            "cmp" => match compare(e, &regs) {
                Hit::No => return (Hit::No, None),
                Hit::Maybe => hit = Hit::Maybe,
                Hit::Yes => {}
            },
            "bitwise" => {
                if !bitwise(e, &mut regs) {
                    hit = Hit::Maybe;
                }
            }
            "immediate" if e.u32(1) == Some(0) => {
                verdict = verdict_of(e).map(|v| v.0);
            }
            "immediate" => {
                let v = e
                    .value(2)
                    .map(|v| v.iter().copied().map(Some).collect::<Vec<_>>());
                if !v.is_some_and(|v| store(&mut regs, e.u32(1), &v)) {
                    hit = Hit::Maybe;
                }
            }
            // `fwd to` steals the frame (to another device): the stack never sees it.
            "reject" | "fwd" => verdict = Some(NF_DROP),
            // `dup to` sends a copy and lets the frame go on.
            "counter" | "log" | "dup" => {}
            // A set lookup, conntrack, a limit, a quota…: not modelled, so it may not match.
            _ => hit = Hit::Maybe,
        }
    }
    (hit, verdict)
}

impl ForeignChain {
    /// The chain's verdict on `f`, rule by rule; a rule that may accept or jump before a drop
    /// makes the drop unsure.
    pub(crate) fn judge(&self, f: &Frame) -> Judged {
        let mut sure = true;
        for (handle, exprs) in &self.listed {
            let (hit, verdict) = run(exprs, f);
            match (hit, verdict) {
                (Hit::No, _) | (_, None) => {}
                (h, Some(NF_DROP)) => {
                    return Judged::Drops {
                        by: Some(*handle),
                        sure: sure && h == Hit::Yes,
                    }
                }
                (Hit::Yes, Some(NF_ACCEPT)) => return Judged::Passes,
                _ => sure = false,
            }
        }
        match self.drops {
            true => Judged::Drops { by: None, sure },
            false => Judged::Passes,
        }
    }
}
