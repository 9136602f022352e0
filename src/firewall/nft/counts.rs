//! Packet counters read natively: each rule's counter expression (iptables-nft gives every
//! rule one) and each base chain's counters (its policy's packets), in iptables-save's order.

use super::chains;
use super::decode::decode;
use super::driver::Nft;
use super::listing::Entry;
use super::ruleset::Ruleset;
use crate::firewall::counters::{read, target_of, Count};
use std::path::Path;

/// From nf_tables itself: each rule's counter expression, each base chain's counters (its
/// policy's packets), in iptables-save's order.
pub(crate) fn native(nft: &mut Nft, ns: Option<&Path>) -> Option<Vec<Count>> {
    let rs = nft.ruleset(ns).ok()?;
    let undecoded = rs
        .rules
        .iter()
        .any(|r| !decode(&r.exprs).unknown.is_empty());
    // Rules the native reader cannot decode are named as the program prints them, if it is here.
    if undecoded {
        if let Some(c) = read(ns, "iptables-save") {
            return Some(c);
        }
    }
    let mut out: Vec<Count> = rs
        .chains
        .iter()
        .filter(|c| chains::TABLES.contains(&c.table.as_str()))
        .filter_map(|c| {
            Some(Count {
                table: c.table.clone(),
                chain: c.name.clone(),
                rule: None,
                index: 0,
                target: if c.policy? == 0 { "DROP" } else { "ACCEPT" }.into(),
                packets: c.packets.unwrap_or(0),
                bytes: 0,
            })
        })
        .collect();
    let mut place: std::collections::HashMap<(String, String), usize> = Default::default();
    for r in rs.rules.iter() {
        if !chains::TABLES.contains(&r.table.as_str()) {
            continue;
        }
        let e = Entry {
            table: r.table.clone(),
            chain: r.chain.clone(),
            handle: r.handle,
            decoded: decode(&r.exprs),
        };
        let spec = e.listed().spec;
        let n = place.entry((r.table.clone(), r.chain.clone())).or_default();
        *n += 1;
        out.push(Count {
            table: r.table.clone(),
            chain: r.chain.clone(),
            index: *n,
            target: target_of(&spec),
            rule: Some(spec),
            packets: Ruleset::packets(r).unwrap_or(0),
            bytes: Ruleset::bytes(r).unwrap_or(0),
        });
    }
    Some(out)
}
