//! What one namespace's nf_tables holds for iptables (family ip): tables, chains and rules,
//! read after the generation id so that a batch computed from them is refused if they changed.

use super::expr::{self, Expr};
use super::socket::Sock;
use super::wire::*;
use std::io;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Chain {
    pub(crate) table: String,
    pub(crate) name: String,
    /// A base chain's policy (NF_ACCEPT 1, NF_DROP 0); `None` for a user chain.
    pub(crate) policy: Option<u32>,
    /// Packets the base chain's policy took (its counters); `None` for a user chain.
    pub(crate) packets: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct KernelRule {
    pub(crate) table: String,
    pub(crate) chain: String,
    pub(crate) handle: u64,
    pub(crate) exprs: Vec<Expr>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Ruleset {
    pub(crate) genid: u32,
    pub(crate) tables: Vec<String>,
    pub(crate) chains: Vec<Chain>,
    /// Each chain's rules in the chain's order.
    pub(crate) rules: Vec<KernelRule>,
}

// NFTA_TABLE_*, NFTA_CHAIN_*, NFTA_RULE_*
const TABLE_NAME: u16 = 1;
const CHAIN_TABLE: u16 = 1;
const CHAIN_NAME: u16 = 3;
const CHAIN_POLICY: u16 = 5;
const CHAIN_COUNTERS: u16 = 8;
const COUNTER_PACKETS: u16 = 2;
const COUNTER_BYTES: u16 = 1;
const RULE_TABLE: u16 = 1;
const RULE_CHAIN: u16 = 2;
const RULE_HANDLE: u16 = 3;
const RULE_EXPRESSIONS: u16 = 4;

impl Ruleset {
    pub(crate) fn read(sock: &mut Sock) -> io::Result<Ruleset> {
        let genid = sock.genid()?;
        let tables = sock
            .dump(NFT_MSG_GETTABLE)?
            .iter()
            .filter_map(|t| get(t, TABLE_NAME).map(cstr))
            .collect();
        let chains = sock
            .dump(NFT_MSG_GETCHAIN)?
            .iter()
            .filter_map(|c| {
                Some(Chain {
                    table: cstr(get(c, CHAIN_TABLE)?),
                    name: cstr(get(c, CHAIN_NAME)?),
                    policy: get(c, CHAIN_POLICY).and_then(be32),
                    packets: get(c, CHAIN_COUNTERS)
                        .and_then(|n| get(n, COUNTER_PACKETS))
                        .and_then(be64),
                })
            })
            .collect();
        let rules = sock
            .dump(NFT_MSG_GETRULE)?
            .iter()
            .filter_map(|r| {
                Some(KernelRule {
                    table: cstr(get(r, RULE_TABLE)?),
                    chain: cstr(get(r, RULE_CHAIN)?),
                    handle: get(r, RULE_HANDLE).and_then(be64)?,
                    exprs: get(r, RULE_EXPRESSIONS)
                        .map(expr::parse_all)
                        .unwrap_or_default(),
                })
            })
            .collect();
        Ok(Ruleset {
            genid,
            tables,
            chains,
            rules,
        })
    }

    /// Packets a rule's counter expression counted (iptables-nft gives every rule one).
    pub(crate) fn packets(rule: &KernelRule) -> Option<u64> {
        let c = rule.exprs.iter().find(|e| e.name == "counter")?;
        c.get(COUNTER_PACKETS).and_then(be64)
    }

    pub(crate) fn bytes(rule: &KernelRule) -> Option<u64> {
        let c = rule.exprs.iter().find(|e| e.name == "counter")?;
        c.get(COUNTER_BYTES).and_then(be64)
    }

    pub(crate) fn has_table(&self, table: &str) -> bool {
        self.tables.iter().any(|t| t == table)
    }

    pub(crate) fn chain(&self, table: &str, chain: &str) -> Option<&Chain> {
        self.chains
            .iter()
            .find(|c| c.table == table && c.name == chain)
    }

    pub(crate) fn rules_of<'a>(
        &'a self,
        table: &'a str,
        chain: &'a str,
    ) -> impl Iterator<Item = &'a KernelRule> {
        self.rules
            .iter()
            .filter(move |r| r.table == table && r.chain == chain)
    }
}
