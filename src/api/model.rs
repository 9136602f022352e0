//! What the script has built so far, as the script sees it: where each link it knows is, so that
//! mistakes are caught at the call (an address on a link that is in another namespace, a name
//! used twice) before anything reaches the kernel.

use crate::plan::{At, Netns};
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModelKind {
    Bridge,
    Veth,
    Vxlan,
    /// A link the script did not create (`link("eth0")`): adopted.
    Existing,
}

impl ModelKind {
    pub fn words(&self) -> &'static str {
        match self {
            ModelKind::Bridge => "a bridge",
            ModelKind::Veth => "a veth",
            ModelKind::Vxlan => "a vxlan",
            ModelKind::Existing => "an existing link",
        }
    }
}

#[derive(Clone, Debug)]
pub struct LinkObj {
    pub name: String,
    pub ns: Netns,
    /// Where the script made it: `link(name)` there means this link, even after it moved.
    pub born: Netns,
    pub kind: ModelKind,
    pub peer: Option<usize>,
    /// Addresses the script gave it, in order (for `connect(..., #{ gw: true })`).
    pub addrs: Vec<ipnet::IpNet>,
    pub at: At,
    pub deleted: bool,
}

#[derive(Clone, Copy, Debug)]
pub struct NsInfo {
    pub at: At,
    pub host: bool,
}

#[derive(Clone, Default)]
pub struct Model {
    pub links: Vec<LinkObj>,
    /// Namespaces the script made: where, and whether each is a simulated host.
    pub namespaces: BTreeMap<String, NsInfo>,
}

impl Model {
    pub fn find(&self, ns: &Netns, name: &str) -> Option<usize> {
        self.links
            .iter()
            .position(|l| !l.deleted && l.ns == *ns && l.name == name)
    }

    /// A live link the script made on `born` and has since moved elsewhere.
    pub fn moved_from(&self, born: &Netns, name: &str) -> Option<usize> {
        self.links
            .iter()
            .position(|l| !l.deleted && l.born == *born && l.ns != *born && l.name == name)
    }

    pub fn add(&mut self, name: &str, ns: &Netns, kind: ModelKind, at: At) -> usize {
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
        self.links.len() - 1
    }

    pub fn is_host(&self, ns: &Netns) -> bool {
        match ns {
            Netns::Root => true,
            Netns::Named(n) => self.namespaces.get(n).is_some_and(|i| i.host),
        }
    }

    /// A namespace is deleted with everything in it.
    pub fn drop_ns(&mut self, ns: &Netns) {
        for l in &mut self.links {
            if l.ns == *ns {
                l.deleted = true;
            }
        }
        if let Netns::Named(n) = ns {
            self.namespaces.remove(n);
        }
    }

    /// Deleting one end of a veth deletes both.
    pub fn drop_link(&mut self, id: usize) {
        self.links[id].deleted = true;
        if let Some(p) = self.links[id].peer {
            self.links[p].deleted = true;
        }
    }
}
