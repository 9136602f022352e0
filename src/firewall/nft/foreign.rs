//! nf_tables chains that are not iptables': tables of other families (inet, bridge, netdev,
//! ip6) or ip tables iptables does not use (firewalld's, a hand-written `nft` ruleset, Docker's
//! nftables backend). Their rules are not judged, but a base chain on a hook a packet crosses,
//! with a drop policy or a rule that drops or rejects, is where a packet may vanish.

use super::chains;
use super::driver::Nft;
use super::expr::verdict_of;
use super::foreign_sets::{read_sets, Table};
use super::socket::Sock;
use super::wire::*;
use crate::sys::Failure;
use std::collections::BTreeMap;
use std::io;
use std::path::Path;
use std::sync::Arc;

/// A base chain of a table iptables does not own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ForeignChain {
    /// `inet`, `ip`, `ip6`, `bridge`, `netdev`, `arp`.
    pub family: String,
    pub table: String,
    pub name: String,
    /// NF_INET_* hook number: 0 prerouting, 1 input, 2 forward, 3 output, 4 postrouting.
    pub hook: u32,
    pub priority: i32,
    /// The chain type: `filter`, `nat` or `route`.
    pub kind: String,
    /// The policy drops (NF_DROP).
    pub drops: bool,
    /// Handles of the rules whose verdict drops or rejects (their matches are not read).
    pub dropping: Vec<u64>,
    pub rules: usize,
    /// A netdev chain's devices (`hook ingress device "eth0"`).
    pub devices: Vec<String>,
    /// Every rule in order: its handle and expressions, for `foreign_judge`.
    pub(crate) listed: Vec<(u64, Vec<super::expr::Expr>)>,
    /// The whole table (its regular chains, sets and maps), for following jumps and lookups.
    pub(crate) table_of: Arc<Table>,
}

impl ForeignChain {
    /// `inet fw forward`, as `nft list chain` names it.
    pub fn path(&self) -> String {
        format!("{} {} {}", self.family, self.table, self.name)
    }

    /// The hook as nft writes it.
    pub fn hook_word(&self) -> &'static str {
        if self.family == "netdev" {
            return if self.hook == 0 { "ingress" } else { "egress" };
        }
        if self.family == "arp" {
            // NF_ARP_IN, NF_ARP_OUT, NF_ARP_FORWARD.
            return ["input", "output", "forward"]
                .get(self.hook as usize)
                .copied()
                .unwrap_or("other");
        }
        match self.hook {
            0 => "prerouting",
            1 => "input",
            2 => "forward",
            3 => "output",
            4 => "postrouting",
            _ => "other",
        }
    }
}

// NFTA_CHAIN_*, NFTA_HOOK_*, NFTA_RULE_*
const CHAIN_TABLE: u16 = 1;
const CHAIN_NAME: u16 = 3;
const CHAIN_HOOK: u16 = 4;
const CHAIN_POLICY: u16 = 5;
const CHAIN_TYPE: u16 = 7;
const HOOK_NUM: u16 = 1;
const HOOK_PRIORITY: u16 = 2;
const HOOK_DEV: u16 = 3;
const HOOK_DEVS: u16 = 4;
const RULE_TABLE: u16 = 1;
const RULE_CHAIN: u16 = 2;
const RULE_HANDLE: u16 = 3;
const RULE_EXPRESSIONS: u16 = 4;
const NF_DROP: u32 = 0;

fn family_word(f: u8) -> Option<&'static str> {
    Some(match f {
        1 => "inet",
        2 => "ip",
        3 => "arp",
        5 => "netdev",
        7 => "bridge",
        10 => "ip6",
        _ => return None,
    })
}

/// The base chains iptables-nft makes: any other base chain is a user's nft.
const BUILTIN: [&str; 5] = ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"];

/// Whether the table is iptables-nft's own (family ip, one of its table names).
fn iptables_own(family: &str, table: &str) -> bool {
    family == "ip" && chains::TABLES.contains(&table)
}

/// A netdev hook's devices: one NFTA_HOOK_DEV, or NFTA_HOOK_DEVS (a list of names).
fn devices(hook: &[u8]) -> Vec<String> {
    if let Some(d) = get(hook, HOOK_DEV) {
        return vec![cstr(d)];
    }
    get(hook, HOOK_DEVS)
        .map(|l| attrs(l).map(|(_, _, v)| cstr(v)).collect())
        .unwrap_or_default()
}

/// Every base chain of every table iptables does not own, with its dropping rules.
pub(crate) fn read(sock: &mut Sock) -> io::Result<Vec<ForeignChain>> {
    let mut out = vec![];
    // Every table with a base chain here: its regular chains' rules too.
    let mut tables: BTreeMap<(u8, String), Table> = BTreeMap::new();
    let listed = sock.dump_in(NFT_MSG_GETCHAIN, 0)?;
    // An `ip nat` (or filter, …) table with a base chain iptables never names (`post`) is
    // the user's own, written with nft: its other-named base chains are read.
    let own: Vec<(u8, String)> = listed
        .iter()
        .filter(|(_, c)| get(c, CHAIN_HOOK).is_some())
        .filter(|(_, c)| get(c, CHAIN_NAME).is_some_and(|n| !BUILTIN.contains(&cstr(n).as_str())))
        .filter_map(|(f, c)| Some((*f, cstr(get(c, CHAIN_TABLE)?))))
        .collect();
    for (f, c) in listed {
        let Some(family) = family_word(f) else {
            continue;
        };
        let (Some(table), Some(name)) = (get(&c, CHAIN_TABLE), get(&c, CHAIN_NAME)) else {
            continue;
        };
        let (table, name) = (cstr(table), cstr(name));
        if iptables_own(family, &table) {
            let users = own.iter().any(|(g, t)| *g == f && *t == table);
            let based = get(&c, CHAIN_HOOK).is_some();
            if !users || (based && BUILTIN.contains(&name.as_str())) {
                continue;
            }
        }
        let t = tables.entry((f, table.clone())).or_default();
        t.chains.insert(name.clone(), vec![]);
        let Some(hook) = get(&c, CHAIN_HOOK) else {
            continue;
        };
        out.push(ForeignChain {
            family: family.to_string(),
            table,
            name,
            hook: get(hook, HOOK_NUM).and_then(be32).unwrap_or(u32::MAX),
            priority: get(hook, HOOK_PRIORITY).and_then(be32).unwrap_or(0) as i32,
            kind: get(&c, CHAIN_TYPE).map(cstr).unwrap_or_default(),
            drops: get(&c, CHAIN_POLICY).and_then(be32) == Some(NF_DROP),
            dropping: vec![],
            rules: 0,
            devices: devices(hook),
            listed: vec![],
            table_of: Arc::default(),
        });
    }
    if out.is_empty() {
        return Ok(out);
    }
    for (f, r) in sock.dump_in(NFT_MSG_GETRULE, 0)? {
        let Some(family) = family_word(f) else {
            continue;
        };
        let (Some(table), Some(chain)) = (get(&r, RULE_TABLE), get(&r, RULE_CHAIN)) else {
            continue;
        };
        let (table, chain) = (cstr(table), cstr(chain));
        let exprs = get(&r, RULE_EXPRESSIONS)
            .map(super::expr::parse_all)
            .unwrap_or_default();
        let handle = get(&r, RULE_HANDLE).and_then(be64);
        if let Some(rules) = tables
            .get_mut(&(f, table.clone()))
            .and_then(|t| t.chains.get_mut(&chain))
        {
            rules.push((handle.unwrap_or_default(), exprs.clone()));
        }
        let Some(fc) = out
            .iter_mut()
            .find(|c| c.family == family && c.table == table && c.name == chain)
        else {
            continue;
        };
        fc.rules += 1;
        let drops = exprs.iter().any(|e| {
            e.name == "reject"
                || (e.name == "immediate" && verdict_of(e).map(|v| v.0) == Some(NF_DROP))
        });
        if let (true, Some(h)) = (drops, handle) {
            fc.dropping.push(h);
        }
        fc.listed.push((handle.unwrap_or_default(), exprs));
    }
    let tables: BTreeMap<(u8, String), Arc<Table>> = tables
        .into_iter()
        .map(|((f, name), mut t)| {
            // Sets are read only where a rule looks one up.
            let looks_up = t.chains.values().flatten().flat_map(|r| &r.1);
            if looks_up.into_iter().any(|e| e.name == "lookup") {
                t.sets = read_sets(sock, f, &name);
            }
            ((f, name), Arc::new(t))
        })
        .collect();
    for c in &mut out {
        let f = tables
            .keys()
            .find(|(f, t)| family_word(*f) == Some(&c.family) && *t == c.table);
        if let Some(t) = f.and_then(|k| tables.get(k)) {
            c.table_of = t.clone();
        }
    }
    Ok(out)
}

impl Nft {
    /// The base chains of tables iptables does not own, in `ns`.
    pub(crate) fn foreign(&mut self, ns: Option<&Path>) -> Result<Vec<ForeignChain>, Failure> {
        read(self.sock(ns)?).map_err(|e| Failure::from_io(&e))
    }
}
