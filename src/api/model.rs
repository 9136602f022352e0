//! What the script has built so far, as the script sees it: where each link it knows is, so that
//! mistakes are caught at the call (an address on a link that is in another namespace, a name
//! used twice) before anything reaches the kernel.

use crate::sys::{At, Netns};
use std::collections::{BTreeMap, BTreeSet, HashMap};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ModelKind {
    Bridge,
    Veth,
    Vxlan,
    /// A link the script did not create (`link("eth0")`): adopted.
    Existing,
}

impl ModelKind {
    pub(crate) fn words(&self) -> &'static str {
        match self {
            ModelKind::Bridge => "a bridge",
            ModelKind::Veth => "a veth",
            ModelKind::Vxlan => "a vxlan",
            ModelKind::Existing => "an existing link",
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct LinkObj {
    pub(crate) name: String,
    pub(crate) ns: Netns,
    /// Where the script made it: `link(name)` there means this link, even after it moved.
    pub(crate) born: Netns,
    pub(crate) kind: ModelKind,
    pub(crate) peer: Option<usize>,
    /// Addresses the script gave it, in order (for `connect(..., #{ gw: true })`).
    pub(crate) addrs: Vec<ipnet::IpNet>,
    pub(crate) at: At,
    pub(crate) deleted: bool,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct NsInfo {
    pub(crate) at: At,
    pub(crate) host: bool,
}

#[derive(Clone, Default)]
pub(crate) struct Model {
    pub(crate) links: Vec<LinkObj>,
    /// Live links by where they are: `find` runs for every constructor call, so it must not
    /// scan (a linear scan made planning star-1000 quadratic: 20% of its instructions).
    by_name: HashMap<(Netns, String), usize>,
    /// Namespaces the script made: where, and whether each is a simulated host.
    pub(crate) namespaces: BTreeMap<String, NsInfo>,
    /// User chains the script made or adopted (`iptables("-N ...")`): (stack, table, chain).
    pub(crate) chains: BTreeSet<(Netns, String, String)>,
}

impl Model {
    pub(crate) fn find(&self, ns: &Netns, name: &str) -> Option<usize> {
        self.by_name.get(&(ns.clone(), name.to_string())).copied()
    }

    /// A link moved to another namespace.
    pub(crate) fn move_link(&mut self, id: usize, to: &Netns) {
        let l = &mut self.links[id];
        self.by_name.remove(&(l.ns.clone(), l.name.clone()));
        l.ns = to.clone();
        self.by_name.insert((to.clone(), l.name.clone()), id);
    }

    fn kill(&mut self, id: usize) {
        let l = &mut self.links[id];
        if !l.deleted {
            l.deleted = true;
            self.by_name.remove(&(l.ns.clone(), l.name.clone()));
        }
    }

    /// A live link the script made on `born` and has since moved elsewhere.
    pub(crate) fn moved_from(&self, born: &Netns, name: &str) -> Option<usize> {
        self.links
            .iter()
            .position(|l| !l.deleted && l.born == *born && l.ns != *born && l.name == name)
    }

    pub(crate) fn add(&mut self, name: &str, ns: &Netns, kind: ModelKind, at: At) -> usize {
        self.links.push(LinkObj {
            name: name.to_string(),
            ns: ns.clone(),
            born: ns.clone(),
            kind,
            peer: None,
            addrs: vec![],
            at,
            deleted: false,
        });
        let id = self.links.len() - 1;
        self.by_name.insert((ns.clone(), name.to_string()), id);
        id
    }

    pub(crate) fn is_host(&self, ns: &Netns) -> bool {
        match ns {
            Netns::Root => true,
            Netns::Named(n) => self.namespaces.get(n).is_some_and(|i| i.host),
            Netns::Adopted(_) => false,
        }
    }

    /// A namespace is deleted with everything in it.
    pub(crate) fn drop_ns(&mut self, ns: &Netns) {
        let doomed: Vec<usize> = self
            .links
            .iter()
            .enumerate()
            .filter(|(_, l)| l.ns == *ns)
            .map(|(i, _)| i)
            .collect();
        for i in doomed {
            // A veth end in the namespace takes its peer with it.
            self.drop_link(i);
        }
        if let Netns::Named(n) = ns {
            self.namespaces.remove(n);
        }
    }

    /// Deleting one end of a veth deletes both.
    pub(crate) fn drop_link(&mut self, id: usize) {
        self.kill(id);
        if let Some(p) = self.links[id].peer {
            self.kill(p);
        }
    }
}
