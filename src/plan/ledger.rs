//! What a flush needs from the lab journal: who owns what, and a durable record of each batch
//! written before the batch is applied.

use super::netns::Netns;
use super::op::OpKind;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The object (`OpKind::object_key`).
    pub key: String,
    /// Where it lives: objects inside a namespace the lab owns die with that namespace.
    pub ns: Netns,
    /// A veth's other end: deleting that namespace deletes this link too.
    pub peer_ns: Option<Netns>,
    /// What undoes it; `None` for adopted objects, which are never touched.
    pub undo: Option<OpKind>,
    pub adopted: bool,
}

/// An object the lab deleted (with what went with it): the journal forgets it, so that `down`
/// never deletes a later object of the same name that someone else made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Gone {
    Netns(String),
    Link(Netns, String),
    Addr(Netns, String, ipnet::IpNet),
    Route(Netns, ipnet::IpNet),
    /// `table/chain/spec`.
    Rule(Netns, String),
    /// `dev/mac/dst`.
    Fdb(Netns, String),
}

impl Gone {
    pub fn of(op: &OpKind) -> Vec<Gone> {
        match op {
            OpKind::NetnsDel { name } => vec![Gone::Netns(name.clone())],
            OpKind::LinkDel { ns, name, peer } => {
                let mut v = vec![Gone::Link(ns.clone(), name.clone())];
                if let Some((pns, p)) = peer {
                    v.push(Gone::Link(pns.clone(), p.clone()));
                }
                v
            }
            OpKind::AddrDel { ns, link, addr } => vec![Gone::Addr(ns.clone(), link.clone(), *addr)],
            OpKind::RouteDel { ns, dst, .. } => vec![Gone::Route(ns.clone(), *dst)],
            OpKind::FdbDel { ns, dev, mac, dst } => {
                vec![Gone::Fdb(ns.clone(), format!("{dev}/{mac}/{dst}"))]
            }
            OpKind::RuleDel { ns, rule } => vec![Gone::Rule(
                ns.clone(),
                format!("{}/{}/{}", rule.table, rule.chain, rule.spec()),
            )],
            _ => vec![],
        }
    }

    /// Whether the object `key` (`OpKind::object_key`) went with this deletion.
    pub fn matches(&self, key: &str) -> bool {
        let Some((kind, rest)) = key.split_once(' ') else {
            return false;
        };
        match self {
            Gone::Netns(n) => key == format!("netns {n}") || rest.starts_with(&format!("{n}/")),
            Gone::Link(ns, name) => {
                (kind == "link" && rest == format!("{ns}/{name}"))
                    || ((kind == "addr" || kind == "fdb")
                        && rest.starts_with(&format!("{ns}/{name}/")))
            }
            Gone::Addr(ns, link, a) => kind == "addr" && rest == format!("{ns}/{link}/{a}"),
            Gone::Route(ns, dst) => kind == "route" && rest == format!("{ns}/{dst}"),
            Gone::Rule(ns, r) => kind == "rule" && rest == format!("{ns}/{r}"),
            Gone::Fdb(ns, f) => kind == "fdb" && rest == format!("{ns}/{f}"),
        }
    }
}

pub trait Ledger {
    fn owns(&self, key: &str) -> bool;
    /// Append and sync, before the batch is applied.
    fn record(&mut self, entries: &[Entry]) -> std::io::Result<()>;
    /// Forget what the lab itself deleted.
    fn forget(&mut self, gone: &[Gone]) -> std::io::Result<()>;
    /// Forget objects recorded for a batch but not made by it.
    fn unrecord(&mut self, keys: &[String]) -> std::io::Result<()>;
    /// How another live lab would undo this object (a sysctl it set): a lab that finds the
    /// value already set shares the duty to restore it, so the last lab down restores it.
    fn inherited_undo(&self, _key: &str) -> Option<OpKind> {
        None
    }
}
