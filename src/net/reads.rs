//! What judging a plan reads of the kernel, over netlink (and the firewall driver).

use super::backend::{errno_failure, Netlink};
use super::{netns, sysctl};
use crate::firewall::chain::Chain;
use crate::firewall::{Listed, Rule};
use crate::plan::observe::{FdbEntry, Observe};
use crate::plan::view::NsView;
use crate::sys::{Failure, Netns};
use std::collections::{BTreeSet, HashMap};

impl Observe for Netlink {
    fn named_netns(&mut self) -> Result<BTreeSet<String>, Failure> {
        match std::fs::read_dir(netns::NETNS_RUN_DIR) {
            Ok(rd) => Ok(rd
                .filter_map(|e| e.ok())
                .filter_map(|e| e.file_name().into_string().ok())
                .collect()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeSet::new()),
            Err(e) => Err(Failure::from_io(&e)),
        }
    }

    fn observe(&mut self, ns: &Netns) -> Result<NsView, Failure> {
        let handle = self.handle(ns)?;
        let o = self
            .h
            .rt
            .block_on(super::observe::observe(&handle, ns))
            .map_err(|e| match e {
                rtnetlink::Error::NetlinkError(m) => errno_failure(-m.raw_code()),
                other => Failure::new(other.to_string(), None),
            })?;
        // The kernel takes a veth peer's ifindex only when the main end's is given too, so every
        // create names its index: the next one above all that exist.
        let next = o.index.values().max().copied().unwrap_or(1) + 1;
        self.next_index.insert(ns.clone(), next);
        self.index.insert(ns.clone(), o.index);
        Ok(o.view)
    }

    fn read_sysctl(&mut self, ns: &Netns, key: &str) -> Result<Option<String>, Failure> {
        sysctl::read(ns.path().as_deref(), key)
            .map(Some)
            .map_err(|e| Failure::from_io(&e))
    }

    fn rule_exists(&mut self, ns: &Netns, rule: &Rule) -> Result<bool, Failure> {
        self.fw.exists(ns.path().as_deref(), rule)
    }

    fn rules(&mut self, ns: &Netns) -> Result<Vec<Listed>, Failure> {
        self.fw.list(ns.path().as_deref())
    }

    fn going(&mut self, ns: &Netns, name: &str) -> bool {
        let Some(index) = self.index.get(ns).and_then(|i| i.get(name)).copied() else {
            return false;
        };
        let Ok(h) = self.handle(ns) else {
            return false;
        };
        let going = super::link_state::peer_going(&h, index);
        self.h.rt.block_on(going)
    }

    fn fw_chain(&mut self, ns: &Netns, table: &str, chain: &str) -> Result<Option<Chain>, Failure> {
        self.fw.chain(ns.path().as_deref(), table, chain)
    }

    /// Through the connections already open where they still lead to the same namespace (all
    /// requests in flight at once), else on a thread that enters the others in turn.
    fn lo_aliases(&mut self, names: &[String]) -> HashMap<String, Option<String>> {
        let (live, others): (Vec<_>, Vec<_>) = names
            .iter()
            .map(|n| (n, self.h.live(&Netns::named(n))))
            .partition(|(_, h)| h.is_some());
        let reads = live.into_iter().map(|(n, h)| async move {
            let h = h.expect("partitioned on a live connection");
            let alias = super::lo_tag::lo_alias_via(&h).await;
            (n.clone(), alias)
        });
        let mut found: HashMap<String, Option<String>> = self
            .h
            .rt
            .block_on(futures::future::join_all(reads))
            .into_iter()
            .collect();
        let others: Vec<String> = others.into_iter().map(|(n, _)| n.clone()).collect();
        if !others.is_empty() {
            found.extend(super::lo_tag::lo_aliases(&others).unwrap_or_default());
        }
        found
    }

    fn fdb(&mut self, ns: &Netns) -> Result<Vec<FdbEntry>, Failure> {
        let handle = self.handle(ns)?;
        self.block_on(super::neigh::fdb(&handle))
    }
}
