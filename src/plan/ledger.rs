//! What a flush needs from the lab journal: who owns what, and a durable record of each batch
//! written before the batch is applied.

use super::op::OpKind;
use crate::sys::{Netns, ObjectKey};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Entry {
    /// The object (`OpKind::object_key`).
    pub(crate) key: ObjectKey,
    /// Where it lives: objects inside a namespace the lab owns die with that namespace.
    pub(crate) ns: Netns,
    /// A veth's other end: deleting that namespace deletes this link too.
    pub(crate) peer_ns: Option<Netns>,
    /// What undoes it; `None` for adopted objects, which are never touched.
    pub(crate) undo: Option<OpKind>,
    pub(crate) adopted: bool,
    /// A namespace's nsfs inode, noted once it was made: a namespace of that name with another
    /// inode is someone else's. `None`: not known (a journal from before, or netsh died first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) inode: Option<u64>,
    /// Recorded, and its batch not noted as applied: a link it names may stand untagged
    /// (netsh was killed between making it and setting its alias), and is still the lab's.
    #[serde(skip)]
    pub(crate) in_flight: bool,
}

/// An object the lab deleted (with what went with it): the journal forgets it, so that `down`
/// never deletes a later object of the same name that someone else made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Gone {
    /// A namespace, and everything in it.
    Netns(String),
    /// A link, and the addresses and FDB entries on it.
    Link(Netns, String),
    /// One object: an address, a route, a rule, an FDB entry.
    Object(ObjectKey),
}

impl Gone {
    pub(crate) fn of(op: &OpKind) -> Vec<Gone> {
        let one = |k: ObjectKey| vec![Gone::Object(k)];
        match op {
            OpKind::NetnsDel { name } => vec![Gone::Netns(name.clone())],
            OpKind::LinkDel { ns, name, peer } => {
                let mut v = vec![Gone::Link(ns.clone(), name.clone())];
                if let Some((pns, p)) = peer {
                    v.push(Gone::Link(pns.clone(), p.clone()));
                }
                v
            }
            OpKind::AddrDel { ns, link, addr } => one(ObjectKey::Addr {
                ns: ns.clone(),
                link: link.clone(),
                addr: *addr,
            }),
            OpKind::RouteDel { ns, dst, .. } => one(ObjectKey::Route {
                ns: ns.clone(),
                dst: *dst,
            }),
            OpKind::FdbDel { ns, dev, mac, dst } => one(ObjectKey::Fdb {
                ns: ns.clone(),
                dev: dev.clone(),
                mac: mac.clone(),
                dst: *dst,
            }),
            OpKind::RuleDel { ns, rule } => one(ObjectKey::Rule {
                ns: ns.clone(),
                table: rule.table.clone(),
                chain: rule.chain.clone(),
                spec: rule.spec(),
            }),
            OpKind::ChainDel { ns, table, chain } => one(ObjectKey::Chain {
                ns: ns.clone(),
                table: table.clone(),
                chain: chain.clone(),
            }),
            _ => vec![],
        }
    }

    /// Whether the object `key` went with this deletion.
    pub(crate) fn matches(&self, key: &ObjectKey) -> bool {
        match self {
            Gone::Netns(n) => {
                *key == ObjectKey::Netns(n.clone()) || key.ns() == Netns::Named(n.clone())
            }
            Gone::Link(ns, name) => key.on_link() == Some((ns, name.as_str())),
            Gone::Object(k) => k == key,
        }
    }
}

pub(crate) trait Ledger {
    /// The journal has the object: made or adopted.
    fn owns(&self, key: &ObjectKey) -> bool;
    /// The journal says the lab made the object (not adopted it).
    fn made(&self, key: &ObjectKey) -> bool {
        self.owns(key)
    }
    /// The lab's tag, `netsh:<lab>`, on what it makes.
    fn tag(&self) -> Option<String> {
        None
    }
    /// Append and sync, before the batch is applied.
    fn record(&mut self, entries: &[Entry]) -> std::io::Result<()>;
    /// Forget what the lab itself deleted.
    fn forget(&mut self, gone: &[Gone]) -> std::io::Result<()>;
    /// Forget objects recorded for a batch but not made by it.
    fn unrecord(&mut self, keys: &[ObjectKey]) -> std::io::Result<()>;
    /// The batch was applied: note who the objects it made are (a namespace's inode).
    fn made_now(&mut self, _keys: &[ObjectKey]) -> std::io::Result<()> {
        Ok(())
    }
    /// How another live lab would undo this object (a sysctl it set): a lab that finds the
    /// value already set shares the duty to restore it, so the last lab down restores it.
    fn inherited_undo(&self, _key: &ObjectKey) -> Option<OpKind> {
        None
    }
}
