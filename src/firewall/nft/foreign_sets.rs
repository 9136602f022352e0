//! A foreign table as a whole, for following its rules: its regular chains (the targets of
//! `jump` and `goto`) and its sets and maps with their elements (NFT_MSG_GETSET,
//! NFT_MSG_GETSETELEM). Read only for a table one of whose rules looks a set up.

use super::expr::{
    Expr, NFTA_DATA_VALUE, NFTA_DATA_VERDICT, NFTA_VERDICT_CHAIN, NFTA_VERDICT_CODE,
};
use super::socket::Sock;
use super::wire::*;
use std::collections::BTreeMap;

/// One rule: its handle and expressions.
pub(crate) type Rule = (u64, Vec<Expr>);

/// A table's chains (base and regular) and sets, by name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Table {
    pub(crate) chains: BTreeMap<String, Vec<Rule>>,
    pub(crate) sets: BTreeMap<String, Set>,
}

/// A set or map: its elements, each a key (or a range of keys) and what it maps to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Set {
    pub(crate) key_len: usize,
    pub(crate) interval: bool,
    pub(crate) elems: Vec<Elem>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Elem {
    pub(crate) key: Vec<u8>,
    /// The last key of a range (an interval set's element, or a concatenation's KEY_END).
    pub(crate) end: Option<Vec<u8>>,
    pub(crate) data: Option<Data>,
    /// Milliseconds until the element times out (a set with `flags timeout`).
    pub(crate) expires: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Data {
    /// A verdict map's: the code and, for jump and goto, the chain.
    Verdict(u32, Option<String>),
    Value(Vec<u8>),
}

// NFTA_SET_*, NFTA_SET_ELEM_LIST_*, NFTA_SET_ELEM_*
const SET_TABLE: u16 = 1;
const SET_NAME: u16 = 2;
const SET_FLAGS: u16 = 3;
const SET_KEY_LEN: u16 = 5;
const NFT_SET_INTERVAL: u32 = 4;
const LIST_TABLE: u16 = 1;
const LIST_SET: u16 = 2;
const LIST_ELEMENTS: u16 = 3;
const ELEM_KEY: u16 = 1;
const ELEM_DATA: u16 = 2;
const ELEM_FLAGS: u16 = 3;
const ELEM_EXPIRATION: u16 = 5;
const ELEM_KEY_END: u16 = 10;
const ELEM_INTERVAL_END: u32 = 1;
const NFT_MSG_GETSET: u16 = 10;
const NFT_MSG_GETSETELEM: u16 = 13;

fn data_of(d: &[u8]) -> Option<Data> {
    if let Some(v) = get(d, NFTA_DATA_VERDICT) {
        let code = get(v, NFTA_VERDICT_CODE).and_then(be32)?;
        return Some(Data::Verdict(code, get(v, NFTA_VERDICT_CHAIN).map(cstr)));
    }
    get(d, NFTA_DATA_VALUE).map(|v| Data::Value(v.to_vec()))
}

/// An interval set's elements as ranges: each start up to the next element's key (an
/// interval's end, which the kernel holds as an element flagged INTERVAL_END), exclusive.
fn ranges(mut raw: Vec<(Elem, bool)>) -> Vec<Elem> {
    raw.sort_by(|a, b| a.0.key.cmp(&b.0.key));
    let mut out = vec![];
    for i in 0..raw.len() {
        let (e, is_end) = &raw[i];
        if *is_end || e.end.is_some() {
            if e.end.is_some() {
                out.push(e.clone());
            }
            continue;
        }
        let end = raw.get(i + 1).map(|(n, _)| minus_one(&n.key));
        out.push(Elem {
            end: Some(end.unwrap_or_else(|| vec![0xff; e.key.len()])),
            ..e.clone()
        });
    }
    out
}

/// A big-endian key less one.
fn minus_one(k: &[u8]) -> Vec<u8> {
    let mut k = k.to_vec();
    for b in k.iter_mut().rev() {
        let (v, borrow) = b.overflowing_sub(1);
        *b = v;
        if !borrow {
            break;
        }
    }
    k
}

/// The elements of `set` in `table` of `family`.
fn elements(sock: &mut Sock, family: u8, table: &str, set: &str, interval: bool) -> Vec<Elem> {
    let names = [(LIST_TABLE, table), (LIST_SET, set)];
    let Ok(dump) = sock.dump_of(NFT_MSG_GETSETELEM, family, &names) else {
        return vec![];
    };
    let mut raw = vec![];
    for (_, m) in dump {
        let Some(list) = get(&m, LIST_ELEMENTS) else {
            continue;
        };
        for (_, _, el) in attrs(list) {
            let key = get(el, ELEM_KEY).and_then(|k| get(k, NFTA_DATA_VALUE));
            let Some(key) = key else { continue };
            let end = get(el, ELEM_KEY_END).and_then(|k| get(k, NFTA_DATA_VALUE));
            let flags = get(el, ELEM_FLAGS).and_then(be32).unwrap_or(0);
            let e = Elem {
                key: key.to_vec(),
                end: end.map(<[u8]>::to_vec),
                data: get(el, ELEM_DATA).and_then(data_of),
                expires: get(el, ELEM_EXPIRATION).and_then(be64),
            };
            raw.push((e, flags & ELEM_INTERVAL_END != 0));
        }
    }
    match interval {
        true => ranges(raw),
        false => raw.into_iter().map(|(e, _)| e).collect(),
    }
}

/// The sets of `table` in `family`, with their elements.
pub(crate) fn read_sets(sock: &mut Sock, family: u8, table: &str) -> BTreeMap<String, Set> {
    let mut out = BTreeMap::new();
    let Ok(dump) = sock.dump_of(NFT_MSG_GETSET, family, &[(SET_TABLE, table)]) else {
        return out;
    };
    for (_, s) in dump {
        if get(&s, SET_TABLE).map(cstr).as_deref() != Some(table) {
            continue;
        }
        let Some(name) = get(&s, SET_NAME).map(cstr) else {
            continue;
        };
        let flags = get(&s, SET_FLAGS).and_then(be32).unwrap_or(0);
        let interval = flags & NFT_SET_INTERVAL != 0;
        let set = Set {
            key_len: get(&s, SET_KEY_LEN).and_then(be32).unwrap_or(0) as usize,
            interval,
            elems: elements(sock, family, table, &name, interval),
        };
        out.insert(name, set);
    }
    out
}
