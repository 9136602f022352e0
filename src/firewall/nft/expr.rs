//! nf_tables expressions, the words a rule is made of: as iptables-nft builds them (attribute
//! order included) and as a dump gives them back.

use super::wire::{self, Msgs, NLA_F_NESTED};

// linux/netfilter/nf_tables.h
const NFTA_LIST_ELEM: u16 = 1;
const NFTA_EXPR_NAME: u16 = 1;
const NFTA_EXPR_DATA: u16 = 2;
pub(crate) const NFTA_DATA_VALUE: u16 = 1;
pub(crate) const NFTA_DATA_VERDICT: u16 = 2;
pub(crate) const NFTA_VERDICT_CODE: u16 = 1;
pub(crate) const NFTA_VERDICT_CHAIN: u16 = 2;
pub(crate) const NFT_REG_VERDICT: u32 = 0;
pub(crate) const NFT_REG_1: u32 = 1;

pub(crate) const NFT_META_IIFNAME: u32 = 6;
pub(crate) const NFT_META_OIFNAME: u32 = 7;
pub(crate) const NFT_META_L4PROTO: u32 = 16;
pub(crate) const NFT_PAYLOAD_NETWORK_HEADER: u32 = 1;
pub(crate) const NFT_PAYLOAD_TRANSPORT_HEADER: u32 = 2;
pub(crate) const NFT_CMP_EQ: u32 = 0;
pub(crate) const NFT_CMP_NEQ: u32 = 1;
pub(crate) const NFT_RANGE_NEQ: u32 = 1;

pub(crate) const NF_DROP: u32 = 0;
pub(crate) const NF_ACCEPT: u32 = 1;
pub(crate) const NFT_JUMP: u32 = -3i32 as u32;
pub(crate) const NFT_GOTO: u32 = -4i32 as u32;
pub(crate) const NFT_RETURN: u32 = -5i32 as u32;

/// One expression: its name and its NFTA_EXPR_DATA attributes, (type, payload) in order; a
/// nested attribute's type carries NLA_F_NESTED when built here (a dump leaves it off).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Expr {
    pub(crate) name: String,
    pub(crate) data: Vec<(u16, Vec<u8>)>,
}

impl Expr {
    fn new(name: &str, data: Vec<(u16, Vec<u8>)>) -> Expr {
        Expr {
            name: name.to_string(),
            data,
        }
    }

    /// An attribute's payload, by type.
    pub(crate) fn get(&self, ty: u16) -> Option<&[u8]> {
        self.data
            .iter()
            .find(|(t, _)| t & !NLA_F_NESTED == ty)
            .map(|(_, v)| v.as_slice())
    }

    pub(crate) fn u32(&self, ty: u16) -> Option<u32> {
        self.get(ty).and_then(wire::be32)
    }

    /// The bytes of a nested NFTA_DATA_VALUE (cmp, bitwise, range data).
    pub(crate) fn value(&self, ty: u16) -> Option<&[u8]> {
        wire::get(self.get(ty)?, NFTA_DATA_VALUE)
    }

    /// The same expression with NLA_F_NESTED cleared at every depth: as a dump shows it.
    #[cfg(test)]
    pub(crate) fn plain(&self) -> Expr {
        let data = self
            .data
            .iter()
            .map(|(t, v)| {
                let mut v = v.clone();
                if t & NLA_F_NESTED != 0 {
                    unflag(&mut v);
                }
                (t & !NLA_F_NESTED, v)
            })
            .collect();
        Expr {
            name: self.name.clone(),
            data,
        }
    }

    /// An NFTA_LIST_ELEM of a dumped rule's NFTA_RULE_EXPRESSIONS.
    pub(crate) fn parse(elem: &[u8]) -> Option<Expr> {
        let name = wire::cstr(wire::get(elem, NFTA_EXPR_NAME)?);
        let data = match wire::get(elem, NFTA_EXPR_DATA) {
            Some(d) => wire::attrs(d).map(|(t, _, v)| (t, v.to_vec())).collect(),
            None => vec![],
        };
        Some(Expr { name, data })
    }
}

/// Clear NLA_F_NESTED in a run of attributes, recursively.
#[cfg(test)]
fn unflag(b: &mut [u8]) {
    let mut i = 0;
    while i + 4 <= b.len() {
        let len = u16::from_ne_bytes([b[i], b[i + 1]]) as usize;
        if len < 4 || i + len > b.len() {
            return;
        }
        let ty = u16::from_ne_bytes([b[i + 2], b[i + 3]]);
        if ty & NLA_F_NESTED != 0 {
            b[i + 2..i + 4].copy_from_slice(&(ty & !NLA_F_NESTED).to_ne_bytes());
            unflag(&mut b[i + 4..i + len]);
        }
        i += len.next_multiple_of(4);
    }
}

fn be(v: u32) -> Vec<u8> {
    v.to_be_bytes().to_vec()
}

/// A nested NFTA_DATA_VALUE holding `bytes`.
fn data_value(bytes: &[u8]) -> Vec<u8> {
    let mut m = Msgs::default();
    m.attr(NFTA_DATA_VALUE, bytes);
    m.buf.resize(m.buf.len().next_multiple_of(4), 0);
    m.buf
}

/// Load a meta key (iifname, oifname, l4proto) into register 1.
pub(crate) fn meta(key: u32) -> Expr {
    Expr::new("meta", vec![(2, be(key)), (1, be(NFT_REG_1))])
}

/// Compare register 1 with `bytes`.
pub(crate) fn cmp(op: u32, bytes: &[u8]) -> Expr {
    Expr::new(
        "cmp",
        vec![
            (1, be(NFT_REG_1)),
            (2, be(op)),
            (3 | NLA_F_NESTED, data_value(bytes)),
        ],
    )
}

/// Load `len` bytes at `offset` of a header into register 1.
pub(crate) fn payload(base: u32, offset: u32, len: u32) -> Expr {
    Expr::new(
        "payload",
        vec![
            (1, be(NFT_REG_1)),
            (2, be(base)),
            (3, be(offset)),
            (4, be(len)),
        ],
    )
}

/// Register 1 &= mask (an address prefix that is not whole bytes).
pub(crate) fn bitwise(mask: &[u8]) -> Expr {
    let len = mask.len() as u32;
    let xor = vec![0u8; mask.len()];
    Expr::new(
        "bitwise",
        vec![
            (1, be(NFT_REG_1)),
            (2, be(NFT_REG_1)),
            (3, be(len)),
            (6, be(0)), // NFT_BITWISE_BOOL, as the kernel lists it
            (4 | NLA_F_NESTED, data_value(mask)),
            (5 | NLA_F_NESTED, data_value(&xor)),
        ],
    )
}

pub(crate) fn counter() -> Expr {
    Expr::new("counter", vec![(1, vec![0; 8]), (2, vec![0; 8])])
}

/// A verdict: accept, drop, return, or a jump/goto to `chain`.
pub(crate) fn verdict(code: u32, chain: Option<&str>) -> Expr {
    let mut m = Msgs::default();
    m.nest(NFTA_DATA_VERDICT);
    m.u32be(NFTA_VERDICT_CODE, code);
    if let Some(c) = chain {
        m.str(NFTA_VERDICT_CHAIN, c);
    }
    m.nest_end();
    Expr::new(
        "immediate",
        vec![(1, be(NFT_REG_VERDICT)), (2 | NLA_F_NESTED, m.buf)],
    )
}

/// An x_tables match or target (`kind` "match" or "target") with its info struct.
pub(crate) fn xt(kind: &str, name: &str, rev: u32, info: Vec<u8>) -> Expr {
    Expr::new(
        kind,
        vec![(1, wire::cstring(name)), (2, be(rev)), (3, info)],
    )
}

/// NFTA_RULE_EXPRESSIONS holding `exprs`.
pub(crate) fn write_all(m: &mut Msgs, ty: u16, exprs: &[Expr]) {
    m.nest(ty);
    for e in exprs {
        m.nest(NFTA_LIST_ELEM);
        m.str(NFTA_EXPR_NAME, &e.name);
        m.nest(NFTA_EXPR_DATA);
        for (t, v) in &e.data {
            m.attr(*t, v);
        }
        m.nest_end();
        m.nest_end();
    }
    m.nest_end();
}

/// The expressions of a dumped NFTA_RULE_EXPRESSIONS.
pub(crate) fn parse_all(b: &[u8]) -> Vec<Expr> {
    wire::attrs(b)
        .filter_map(|(_, _, e)| Expr::parse(e))
        .collect()
}

/// An immediate's verdict: (code, chain).
pub(crate) fn verdict_of(e: &Expr) -> Option<(u32, Option<String>)> {
    let v = wire::get(e.get(2)?, NFTA_DATA_VERDICT)?;
    let code = wire::get(v, NFTA_VERDICT_CODE).and_then(wire::be32)?;
    Some((code, wire::get(v, NFTA_VERDICT_CHAIN).map(wire::cstr)))
}
