//! The firewall: `trait Firewall` and its drivers: `nft` (native, over netlink) and `iptables`
//! (the program), chosen per namespace by `auto`. With src/net, the only code that talks to the
//! kernel. Rules are applied in the namespace they are called on: the socket is made, or the
//! `iptables` process forked, on a thread that entered that namespace.

pub mod auto;
pub mod chain;
pub mod counters;
pub(crate) mod failure;
pub(crate) mod iptables;
pub mod legacy;
pub(crate) mod legacy_beside;
pub mod nft;
pub mod rule;

pub use rule::Rule;

use crate::sys::Failure;
use std::path::Path;

/// One rule as the firewall lists it: table, chain and the rest of its `-A` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listed {
    pub table: String,
    pub chain: String,
    pub spec: String,
}

pub trait Firewall {
    /// Whether exactly this rule (as the kernel compares rules) is in its chain.
    fn exists(&mut self, ns: Option<&Path>, rule: &Rule) -> Result<bool, Failure>;
    fn append(&mut self, ns: Option<&Path>, rule: &Rule) -> Result<(), Failure>;
    /// Several rules in one go (one `iptables-restore --noflush`), in order.
    fn append_all(&mut self, ns: Option<&Path>, rules: &[Rule]) -> Result<(), Failure> {
        rules.iter().try_for_each(|r| self.append(ns, r))
    }
    fn delete(&mut self, ns: Option<&Path>, rule: &Rule) -> Result<(), Failure>;
    /// Several deletions in one go; all or nothing (one `iptables-restore --noflush`).
    fn delete_all(&mut self, ns: Option<&Path>, rules: &[Rule]) -> Result<(), Failure> {
        rules.iter().try_for_each(|r| self.delete(ns, r))
    }
    /// Every rule of every table in the namespace.
    fn list(&mut self, ns: Option<&Path>) -> Result<Vec<Listed>, Failure>;
    /// `-I CHAIN n`: the rule goes before the one now at `n` (from 1), or last when `n` is one
    /// past the end.
    fn insert(&mut self, ns: Option<&Path>, rule: &Rule, n: usize) -> Result<(), Failure>;
    /// `-P CHAIN ACCEPT|DROP` on a built-in chain.
    fn set_policy(
        &mut self,
        ns: Option<&Path>,
        table: &str,
        chain: &str,
        policy: &str,
    ) -> Result<(), Failure>;
    /// `-N CHAIN`: a user chain.
    fn new_chain(&mut self, ns: Option<&Path>, table: &str, chain: &str) -> Result<(), Failure>;
    /// `-X CHAIN`: a user chain, once it is empty and no rule jumps to it.
    fn delete_chain(&mut self, ns: Option<&Path>, table: &str, chain: &str) -> Result<(), Failure>;
    /// One chain, its policy and rules, as `iptables -t TABLE -S CHAIN` prints them (`why`);
    /// `None` when it cannot be read.
    fn chain(
        &mut self,
        ns: Option<&Path>,
        table: &str,
        chain: &str,
    ) -> Result<Option<chain::Chain>, Failure> {
        chain::read(ns, table, chain).map_err(|e| Failure::from_io(&e))
    }
    /// Every rule's and policy's packet counter (`why` reads them around its probe); `None`
    /// when they cannot be read.
    fn counters(&mut self, ns: Option<&Path>) -> Option<Vec<counters::Count>> {
        counters::read(ns, "iptables-save")
    }
    /// The base chains of nf_tables tables iptables does not own (`why`); empty when there
    /// are none or they cannot be read.
    fn foreign(&mut self, _ns: Option<&Path>) -> Vec<nft::foreign::ForeignChain> {
        vec![]
    }
    /// One x_tables chain kept beside the rules this firewall reads (a tool on the
    /// iptables-legacy backend): `None` when there is none or the namespace is read from it.
    fn legacy_chain(
        &mut self,
        _ns: Option<&Path>,
        _table: &str,
        _chain: &str,
    ) -> Option<chain::Chain> {
        None
    }
    /// Which driver serves the namespace, where that is a choice (for `-v` and `show`).
    fn driver(&mut self, _ns: Option<&Path>) -> Option<legacy::Driver> {
        None
    }
}
