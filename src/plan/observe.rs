//! `Observe`: what judging a plan reads of the kernel, one namespace at a time.

use super::view::NsView;
use crate::firewall::chain::Chain;
use crate::firewall::{Listed, Rule};
use crate::sys::{Failure, Netns};
use std::collections::{BTreeSet, HashMap};
use std::net::IpAddr;

/// An FDB entry with a remote: (dev, mac, dst).
pub type FdbEntry = (String, String, IpAddr);

pub trait Observe {
    /// Whether there is a kernel behind these reads (false for dry-run and record).
    fn is_live(&self) -> bool {
        true
    }
    /// The names in `/run/netns`.
    fn named_netns(&mut self) -> Result<BTreeSet<String>, Failure>;
    /// Links, addresses and routes of one namespace.
    fn observe(&mut self, ns: &Netns) -> Result<NsView, Failure>;
    /// A sysctl's value, `None` when it cannot be known (dry-run).
    fn read_sysctl(&mut self, ns: &Netns, key: &str) -> Result<Option<String>, Failure>;
    /// Whether exactly this firewall rule is in its chain.
    fn rule_exists(&mut self, ns: &Netns, rule: &Rule) -> Result<bool, Failure>;
    /// Every firewall rule of a namespace.
    fn rules(&mut self, ns: &Netns) -> Result<Vec<Listed>, Failure>;
    /// One firewall chain: a built-in chain's policy, and its rules; `None` when there is no
    /// such chain (or, without a kernel, when nothing the plan did says).
    fn fw_chain(&mut self, ns: &Netns, table: &str, chain: &str) -> Result<Option<Chain>, Failure>;
    /// The FDB entries with a remote of a namespace's VXLAN devices.
    fn fdb(&mut self, ns: &Netns) -> Result<Vec<FdbEntry>, Failure>;
    /// Whether `name` in `ns` is a veth whose other end's namespace is being dismantled: the
    /// kernel deletes a namespace in the background once its last user is gone, and such an
    /// end goes a moment later. A backend without a kernel has none.
    fn going(&mut self, _ns: &Netns, _name: &str) -> bool {
        false
    }
    /// The alias on `lo` of each of these named namespaces (a lab's are tagged `netsh:<lab>`);
    /// `None` for one without, or that cannot be read. A teardown asks it of every namespace it
    /// deletes, so a backend answers it cheaply if it can.
    fn lo_aliases(&mut self, names: &[String]) -> HashMap<String, Option<String>> {
        let lo = |v: NsView| v.links.get("lo").and_then(|l| l.alias.clone());
        names
            .iter()
            .map(|n| (n.clone(), self.observe(&Netns::named(n)).ok().and_then(lo)))
            .collect()
    }
}
