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

pub trait Ledger {
    fn owns(&self, key: &str) -> bool;
    /// Append and sync, before the batch is applied.
    fn record(&mut self, entries: &[Entry]) -> std::io::Result<()>;
}
