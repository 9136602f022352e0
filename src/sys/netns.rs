//! Where an object lives: the host's own network stack, or a named namespace in `/run/netns`.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::PathBuf;

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Netns {
    /// The stack netsh itself runs in (in a sandbox: the sandbox's root namespace).
    Root,
    /// A namespace bind-mounted at `/run/netns/NAME`, as `ip netns add` makes it.
    Named(String),
}

impl Netns {
    pub fn named(name: &str) -> Self {
        Netns::Named(name.to_string())
    }

    /// The bind mount of a named namespace; `None` for the root stack.
    pub fn path(&self) -> Option<PathBuf> {
        match self {
            Netns::Root => None,
            Netns::Named(n) => Some(PathBuf::from(format!("/run/netns/{n}"))),
        }
    }

    /// The `ip` prefix that runs a command in this namespace.
    pub fn ip(&self) -> String {
        match self {
            Netns::Root => "ip".to_string(),
            Netns::Named(n) => format!("ip -n {n}"),
        }
    }

    /// The prefix that runs any other program in this namespace.
    pub fn exec_prefix(&self) -> String {
        match self {
            Netns::Root => String::new(),
            Netns::Named(n) => format!("ip netns exec {n} "),
        }
    }

    /// How `ip link ... netns X` names this namespace. The root stack has no name in
    /// `/run/netns`, so a bash script refers to it by its own pid (`$$`), which lives there.
    pub fn ip_netns_arg(&self) -> String {
        match self {
            Netns::Root => "$$".to_string(),
            Netns::Named(n) => n.clone(),
        }
    }
}

impl fmt::Display for Netns {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Netns::Root => f.write_str("host"),
            Netns::Named(n) => f.write_str(n),
        }
    }
}
