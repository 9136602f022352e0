//! The changes one transaction makes, and their messages as iptables-nft sends them.

use super::chains::Builtin;
use super::encode::Encoded;
use super::expr;
use super::wire::*;

const NLM_F_EXCL: u16 = 0x200;

/// Where a new rule goes in its chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Place {
    Append,
    Head,
    /// Before the rule with this handle.
    Before(u64),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    NewTable(String),
    /// A built-in chain: made with policy ACCEPT on first use, or given a policy (`-P`, which
    /// zeroes its counters).
    Builtin {
        chain: Builtin,
        policy: u32,
        counters: bool,
    },
    UserChain {
        table: String,
        name: String,
    },
    /// `-X CHAIN`: a user chain, empty and jumped to by no rule (else the kernel says EBUSY).
    DelChain {
        table: String,
        name: String,
    },
    Rule {
        table: String,
        chain: String,
        enc: Encoded,
        place: Place,
    },
    DelRule {
        table: String,
        chain: String,
        handle: u64,
    },
}

impl Op {
    /// What the op does, for a refusal: "add a rule to filter FORWARD".
    pub(crate) fn describe(&self) -> String {
        match self {
            Op::NewTable(t) => format!("create the {t} table"),
            Op::Builtin {
                chain, counters, ..
            } if *counters => {
                format!("set the policy of {} {}", chain.table, chain.chain)
            }
            Op::Builtin { chain, .. } => {
                format!("create the {} {} chain", chain.table, chain.chain)
            }
            Op::UserChain { table, name } => format!("create the {table} {name} chain"),
            Op::DelChain { table, name } => format!("delete the {table} {name} chain"),
            Op::Rule { table, chain, .. } => format!("add a rule to {table} {chain}"),
            Op::DelRule { table, chain, .. } => format!("delete a rule of {table} {chain}"),
        }
    }

    pub(crate) fn write(&self, m: &mut Msgs) {
        match self {
            Op::NewTable(t) => {
                m.nft(NFT_MSG_NEWTABLE, NLM_F_CREATE | NLM_F_ACK);
                m.str(1, t);
            }
            Op::Builtin {
                chain,
                policy,
                counters,
            } => {
                m.nft(NFT_MSG_NEWCHAIN, NLM_F_CREATE | NLM_F_ACK);
                m.str(1, chain.table);
                m.str(3, chain.chain);
                m.nest(4);
                m.u32be(1, chain.hook);
                m.u32be(2, chain.prio as u32);
                m.nest_end();
                m.u32be(5, *policy);
                m.str(7, chain.ty);
                if *counters {
                    m.nest(8);
                    m.u64be(2, 0); // packets
                    m.u64be(1, 0); // bytes
                    m.nest_end();
                }
            }
            Op::UserChain { table, name } => {
                m.nft(NFT_MSG_NEWCHAIN, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK);
                m.str(1, table);
                m.str(3, name);
            }
            Op::DelChain { table, name } => {
                m.nft(NFT_MSG_DELCHAIN, NLM_F_ACK);
                m.str(1, table);
                m.str(3, name);
            }
            Op::Rule {
                table,
                chain,
                enc,
                place,
            } => {
                let append = if *place == Place::Append {
                    NLM_F_APPEND
                } else {
                    0
                };
                m.nft(NFT_MSG_NEWRULE, NLM_F_CREATE | append | NLM_F_ACK);
                m.str(1, table);
                m.str(2, chain);
                if let Place::Before(h) = place {
                    m.u64be(6, *h); // NFTA_RULE_POSITION
                }
                expr::write_all(m, 4, &enc.exprs);
                m.nest(5); // NFTA_RULE_COMPAT: what x_tables matches check -p against
                m.u32be(1, enc.proto);
                m.u32be(2, if enc.proto_inverted { 2 } else { 0 });
                m.nest_end();
            }
            Op::DelRule {
                table,
                chain,
                handle,
            } => {
                m.nft(NFT_MSG_DELRULE, NLM_F_ACK);
                m.str(1, table);
                m.str(2, chain);
                m.u64be(3, *handle);
            }
        }
        m.end();
    }
}
