//! Where an object lives: the host's own network stack, a named namespace in `/run/netns`, or a
//! namespace adopted by process or file (a container's).

use super::nsfile::NsFile;
use super::shell::quote;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::PathBuf;

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Netns {
    /// The stack netsh itself runs in (in a sandbox: the sandbox's root namespace).
    Root,
    /// A namespace bind-mounted at `/run/netns/NAME`, as `ip netns add` makes it.
    Named(String),
    /// A namespace netsh never makes nor deletes, named by process (`pid:1234`) or by file.
    Adopted(Box<NsFile>),
}

impl Netns {
    pub fn named(name: &str) -> Self {
        Netns::Named(name.to_string())
    }

    /// A namespace by process or file (`pid:1234`, `/var/run/docker/netns/…`), resolved now.
    pub fn adopt(spec: &str) -> Result<Self, super::Failure> {
        NsFile::resolve(spec).map(|f| Netns::Adopted(Box::new(f)))
    }

    /// Still the namespace it named (see `NsFile::check`); a named one or the host always is.
    pub fn check(&self) -> Result<(), super::Failure> {
        match self {
            Netns::Adopted(f) => f.check(),
            _ => Ok(()),
        }
    }

    /// A namespace of a simulated machine: `Netns::Named("h150.ns2")`. The one place where
    /// that naming is made; `machine` and `local` read it back.
    pub(crate) fn on_machine(machine: &str, name: &str) -> Self {
        Netns::Named(format!("{machine}.{name}"))
    }

    /// The simulated machine a namespace belongs to: `h150` for `h150.ns2`; `None` for the
    /// host's stack and the host's own namespaces.
    pub fn machine(&self) -> Option<&str> {
        match self {
            Netns::Named(n) => n.split_once('.').map(|(m, _)| m),
            Netns::Root | Netns::Adopted(_) => None,
        }
    }

    /// The namespace's name on its machine: `ns2` for `h150.ns2`, `ns1` for `ns1`.
    pub fn local(&self) -> Option<&str> {
        match self {
            Netns::Named(n) => Some(n.split_once('.').map_or(n.as_str(), |(_, l)| l)),
            Netns::Adopted(f) => Some(&f.spec),
            Netns::Root => None,
        }
    }

    /// Whether this namespace is one of `machine`'s (the simulated host named `machine`).
    pub(crate) fn is_on(&self, machine: &str) -> bool {
        self.machine() == Some(machine)
    }

    /// The stack as a DSL expression that names it in any script: `host()`, `ns("ns1")`,
    /// `host("h150").ns("ns2")`. (`Display` is for people: `host`, `ns1`, `h150.ns2`.)
    pub fn dsl(&self) -> String {
        match (self.machine(), self.local()) {
            (Some(m), Some(l)) => format!("host(\"{m}\").ns(\"{l}\")"),
            (None, Some(l)) => format!("ns(\"{l}\")"),
            _ => "host()".to_string(),
        }
    }

    /// The bind mount of a named namespace; `None` for the root stack.
    pub fn path(&self) -> Option<PathBuf> {
        match self {
            Netns::Root => None,
            Netns::Named(n) => Some(PathBuf::from(format!("/run/netns/{n}"))),
            Netns::Adopted(f) => Some(f.path()),
        }
    }

    /// The `ip` prefix that runs a command in this namespace (bash words, quoted).
    pub(crate) fn ip(&self) -> String {
        match self {
            Netns::Root => "ip".to_string(),
            Netns::Named(n) => format!("ip -n {}", quote(n)),
            // iproute2 opens a name holding a '/' as a file.
            Netns::Adopted(f) => format!("ip -n {}", quote(&f.path().to_string_lossy())),
        }
    }

    /// The prefix that runs any other program in this namespace (bash words, quoted).
    pub(crate) fn exec_prefix(&self) -> String {
        match self {
            Netns::Root => String::new(),
            Netns::Named(n) => format!("ip netns exec {} ", quote(n)),
            Netns::Adopted(f) => format!("nsenter --net={} ", quote(&f.path().to_string_lossy())),
        }
    }

    /// How `ip link ... netns X` names this namespace, as a bash word. The root stack has no
    /// name in `/run/netns`, so a bash script refers to it by its own pid (`$$`), which lives
    /// there.
    pub(crate) fn ip_netns_arg(&self) -> String {
        match self {
            Netns::Root => "$$".to_string(),
            Netns::Named(n) => quote(n),
            Netns::Adopted(f) => f.ip_netns_arg(),
        }
    }
}

impl fmt::Display for Netns {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Netns::Root => f.write_str("host"),
            Netns::Named(n) => f.write_str(n),
            Netns::Adopted(a) if a.label.is_empty() => f.write_str(&a.spec),
            Netns::Adopted(a) => write!(f, "{} ({})", a.spec, a.label),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_simulated_machines_namespace_is_decoded_in_one_place() {
        let ns2 = Netns::on_machine("h150", "ns2");
        assert_eq!(ns2.to_string(), "h150.ns2");
        assert_eq!((ns2.machine(), ns2.local()), (Some("h150"), Some("ns2")));
        assert!(ns2.is_on("h150"));
        assert_eq!(ns2.dsl(), r#"host("h150").ns("ns2")"#);
        assert_eq!(Netns::named("ns1").dsl(), r#"ns("ns1")"#);
        assert_eq!(Netns::named("ns1").machine(), None);
        assert_eq!(Netns::Root.dsl(), "host()");
        assert_eq!(Netns::Root.to_string(), "host");
    }

    #[test]
    fn a_hostile_name_is_one_bash_word() {
        let n = Netns::named("a$(touch x)");
        assert_eq!(n.ip(), "ip -n 'a$(touch x)'");
        assert_eq!(n.exec_prefix(), "ip netns exec 'a$(touch x)' ");
        assert_eq!(n.ip_netns_arg(), "'a$(touch x)'");
    }
}
