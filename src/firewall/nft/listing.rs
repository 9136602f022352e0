//! Listing: every rule of iptables' tables, decoded, in iptables-save's order.

use super::chains;
use super::decode::{decode, Decoded};
use super::driver::Nft;
use super::render::render;
use crate::firewall::Listed;
use crate::sys::Failure;
use std::path::Path;

/// One listed rule: where it is, its handle, and what it says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) table: String,
    pub(crate) chain: String,
    pub(crate) handle: u64,
    pub(crate) decoded: Decoded,
}

impl Entry {
    /// As iptables-save prints it; parts this driver cannot read are named at the end.
    pub(crate) fn listed(&self) -> Listed {
        let mut spec = render(&self.decoded.spec);
        for u in &self.decoded.unknown {
            spec.push_str(&format!(" [{u}]"));
        }
        Listed {
            table: self.table.clone(),
            chain: self.chain.clone(),
            spec: spec.trim_start().to_string(),
        }
    }
}

impl Nft {
    /// Every rule of iptables' tables, in iptables-save's order, decoded.
    pub(crate) fn entries(&mut self, ns: Option<&Path>) -> Result<Vec<Entry>, Failure> {
        let rs = self.ruleset(ns)?;
        let mut out: Vec<Entry> = rs
            .rules
            .iter()
            .filter(|k| chains::TABLES.contains(&k.table.as_str()))
            .map(|k| Entry {
                table: k.table.clone(),
                chain: k.chain.clone(),
                handle: k.handle,
                decoded: decode(&k.exprs),
            })
            .collect();
        out.sort_by_key(|e| chains::order(&e.table, &e.chain));
        Ok(out)
    }
}
