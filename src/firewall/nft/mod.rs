//! The native firewall driver: iptables rules written over NETLINK_NETFILTER in exactly the
//! encoding iptables-nft uses, so `iptables -S`, `iptables-save`, `-C` and `-D` (1.8.7 and
//! later) take them as their own, with no program to run.
//!
//! The layers: `wire` (netlink framing) and `socket` (one namespace's socket, dumps, batches);
//! `expr` (nf_tables expressions) and `xt` (x_tables info structs); `model` (a rule, typed),
//! `parse` (iptables words → model), `render` (model → iptables-save words), `encode` and
//! `decode` (model ↔ expressions); `chains`, `ruleset`, `batch` and `driver` (tables, chains,
//! transactions); `rules` and `listing` (what the driver does with them).

pub(crate) mod arp_frame;
pub(crate) mod batch;
pub(crate) mod bridge_rule;
pub(crate) mod chains;
pub(crate) mod counts;
pub(crate) mod decode;
pub mod driver;
pub(crate) mod ebt_match;
pub(crate) mod encode;
pub(crate) mod expr;
pub mod foreign;
pub(crate) mod foreign_eval;
pub(crate) mod foreign_judge;
pub(crate) mod foreign_sets;
pub(crate) mod fwd;
pub(crate) mod icmp;
pub(crate) mod listing;
pub(crate) mod model;
pub(crate) mod parse;
pub(crate) mod render;
pub(crate) mod rules;
pub(crate) mod ruleset;
pub(crate) mod socket;
pub(crate) mod wire;
pub(crate) mod xt;

#[cfg(test)]
mod pins;
#[cfg(test)]
mod tests;

pub use driver::{Nft, NftError};

use super::legacy::Driver;
use super::{Firewall, Listed, Rule};
use crate::sys::Failure;
use std::path::Path;

/// A rule outside the native set, as a failure: what it needs and how to get it.
pub(crate) fn needs_iptables(what: &str) -> Failure {
    Failure {
        message: format!(
            "netsh writes {what} only through the iptables program, which is not installed"
        ),
        errno: None,
        help: Some(
            "install it: apt-get install iptables (Debian, Ubuntu) or dnf install iptables-nft"
                .into(),
        ),
    }
}

impl From<NftError> for Failure {
    fn from(e: NftError) -> Failure {
        match e {
            NftError::Unsupported(what) => needs_iptables(&what),
            NftError::Failed(f) => f,
        }
    }
}

impl Firewall for Nft {
    fn exists(&mut self, ns: Option<&Path>, rule: &Rule) -> Result<bool, Failure> {
        Ok(Nft::exists(self, ns, rule)?)
    }

    fn append(&mut self, ns: Option<&Path>, rule: &Rule) -> Result<(), Failure> {
        Ok(self.append_all(ns, std::slice::from_ref(rule))?)
    }

    fn append_all(&mut self, ns: Option<&Path>, rules: &[Rule]) -> Result<(), Failure> {
        Ok(Nft::append_all(self, ns, rules)?)
    }

    fn delete(&mut self, ns: Option<&Path>, rule: &Rule) -> Result<(), Failure> {
        Ok(self.delete_all(ns, std::slice::from_ref(rule))?)
    }

    fn delete_all(&mut self, ns: Option<&Path>, rules: &[Rule]) -> Result<(), Failure> {
        Ok(Nft::delete_all(self, ns, rules)?)
    }

    fn list(&mut self, ns: Option<&Path>) -> Result<Vec<Listed>, Failure> {
        Ok(self.entries(ns)?.iter().map(|e| e.listed()).collect())
    }

    fn insert(&mut self, ns: Option<&Path>, rule: &Rule, n: usize) -> Result<(), Failure> {
        Ok(Nft::insert(self, ns, rule, n)?)
    }

    fn set_policy(
        &mut self,
        ns: Option<&Path>,
        table: &str,
        chain: &str,
        policy: &str,
    ) -> Result<(), Failure> {
        Ok(Nft::set_policy(self, ns, table, chain, policy)?)
    }

    fn new_chain(&mut self, ns: Option<&Path>, table: &str, chain: &str) -> Result<(), Failure> {
        Ok(Nft::new_chain(self, ns, table, chain)?)
    }

    fn delete_chain(&mut self, ns: Option<&Path>, table: &str, chain: &str) -> Result<(), Failure> {
        Ok(Nft::delete_chain(self, ns, table, chain)?)
    }

    fn driver(&mut self, _ns: Option<&Path>) -> Option<Driver> {
        Some(Driver::Native)
    }
}
