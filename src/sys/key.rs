//! `ObjectKey`: the identity of an object a lab creates or adopts, as the journal records it.
//! Written in the journal as text ("link ns1/veth0", "addr host/br0/10.1.1.1/24"), the form
//! journals have always had, so older journals still read.

use super::netns::Netns;
use ipnet::IpNet;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ObjectKey {
    Netns(String),
    Link {
        ns: Netns,
        name: String,
    },
    Addr {
        ns: Netns,
        link: String,
        addr: IpNet,
    },
    Route {
        ns: Netns,
        dst: IpNet,
    },
    Sysctl {
        ns: Netns,
        key: String,
    },
    /// A firewall rule by its table, chain and `iptables -S` spec.
    Rule {
        ns: Netns,
        table: String,
        chain: String,
        spec: String,
    },
    /// A built-in chain's policy (`iptables -P`): set, and restored by `down`.
    Policy {
        ns: Netns,
        table: String,
        chain: String,
    },
    /// A user chain (`iptables -N`).
    Chain {
        ns: Netns,
        table: String,
        chain: String,
    },
    /// A VXLAN FDB entry (`bridge fdb append MAC dev DEV dst IP`).
    Fdb {
        ns: Netns,
        dev: String,
        mac: String,
        dst: IpAddr,
    },
}

impl ObjectKey {
    pub(crate) fn link(ns: &Netns, name: &str) -> Self {
        ObjectKey::Link {
            ns: ns.clone(),
            name: name.to_string(),
        }
    }

    pub(crate) fn netns(name: &str) -> Self {
        ObjectKey::Netns(name.to_string())
    }

    /// The stack the object lives in (a namespace itself lives on the host's).
    pub(crate) fn ns(&self) -> Netns {
        match self {
            ObjectKey::Netns(_) => Netns::Root,
            ObjectKey::Link { ns, .. }
            | ObjectKey::Addr { ns, .. }
            | ObjectKey::Route { ns, .. }
            | ObjectKey::Sysctl { ns, .. }
            | ObjectKey::Rule { ns, .. }
            | ObjectKey::Policy { ns, .. }
            | ObjectKey::Chain { ns, .. }
            | ObjectKey::Fdb { ns, .. } => ns.clone(),
        }
    }

    /// A setting with no tag to tell whose it is (a sysctl, a chain policy): the journal keeps
    /// a copy of its lines, and labs that set the same one share the duty to restore it.
    pub(crate) fn is_setting(&self) -> bool {
        matches!(self, ObjectKey::Sysctl { .. } | ObjectKey::Policy { .. })
    }

    /// The link an address or FDB entry sits on: it goes when that link goes.
    pub(crate) fn on_link(&self) -> Option<(&Netns, &str)> {
        match self {
            ObjectKey::Link { ns, name } => Some((ns, name)),
            ObjectKey::Addr { ns, link, .. } => Some((ns, link)),
            ObjectKey::Fdb { ns, dev, .. } => Some((ns, dev)),
            _ => None,
        }
    }
}

impl fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // An adopted namespace is written with its inode, and without '/' (see `NsFile::token`).
        let ns = match self.ns() {
            Netns::Adopted(a) => a.token(),
            n => n.to_string(),
        };
        match self {
            ObjectKey::Netns(n) => write!(f, "netns {n}"),
            ObjectKey::Link { name, .. } => write!(f, "link {ns}/{name}"),
            ObjectKey::Addr { link, addr, .. } => write!(f, "addr {ns}/{link}/{addr}"),
            ObjectKey::Route { dst, .. } => write!(f, "route {ns}/{dst}"),
            ObjectKey::Sysctl { key, .. } => write!(f, "sysctl {ns}/{key}"),
            ObjectKey::Rule {
                table, chain, spec, ..
            } => write!(f, "rule {ns}/{table}/{chain}/{spec}"),
            ObjectKey::Policy { table, chain, .. } => write!(f, "policy {ns}/{table}/{chain}"),
            ObjectKey::Chain { table, chain, .. } => write!(f, "chain {ns}/{table}/{chain}"),
            ObjectKey::Fdb { dev, mac, dst, .. } => write!(f, "fdb {ns}/{dev}/{mac}/{dst}"),
        }
    }
}

/// A journal line's key that is not one of the forms above.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown object key {0:?}")]
pub struct BadKey(pub(crate) String);

fn stack(s: &str) -> Netns {
    // `Display` writes the root stack as "host"; the DSL never names a namespace "host".
    if s == "host" {
        Netns::Root
    } else if let Some(f) = super::nsfile::NsFile::from_token(s) {
        Netns::Adopted(Box::new(f))
    } else {
        Netns::Named(s.to_string())
    }
}

impl FromStr for ObjectKey {
    type Err = BadKey;

    fn from_str(s: &str) -> Result<Self, BadKey> {
        let bad = || BadKey(s.to_string());
        let (kind, rest) = s.split_once(' ').ok_or_else(bad)?;
        if kind == "netns" {
            return (!rest.is_empty())
                .then(|| ObjectKey::Netns(rest.to_string()))
                .ok_or_else(bad);
        }
        let (ns, rest) = rest.split_once('/').ok_or_else(bad)?;
        let ns = stack(ns);
        // Addresses and specs hold '/' themselves: split only as many fields as come first.
        let parts: Vec<&str> = match kind {
            "addr" => rest.splitn(2, '/').collect(),
            "rule" => rest.splitn(3, '/').collect(),
            "fdb" => rest.splitn(3, '/').collect(),
            "policy" | "chain" => rest.splitn(2, '/').collect(),
            _ => vec![rest],
        };
        let key = match (kind, parts.as_slice()) {
            ("link", [name]) => ObjectKey::Link {
                ns,
                name: name.to_string(),
            },
            ("addr", [link, addr]) => ObjectKey::Addr {
                ns,
                link: link.to_string(),
                addr: addr.parse().map_err(|_| bad())?,
            },
            ("route", [dst]) => ObjectKey::Route {
                ns,
                dst: dst.parse().map_err(|_| bad())?,
            },
            ("sysctl", [key]) => ObjectKey::Sysctl {
                ns,
                key: key.to_string(),
            },
            ("rule", [table, chain, spec]) => ObjectKey::Rule {
                ns,
                table: table.to_string(),
                chain: chain.to_string(),
                spec: spec.to_string(),
            },
            ("policy", [table, chain]) => ObjectKey::Policy {
                ns,
                table: table.to_string(),
                chain: chain.to_string(),
            },
            ("chain", [table, chain]) => ObjectKey::Chain {
                ns,
                table: table.to_string(),
                chain: chain.to_string(),
            },
            ("fdb", [dev, mac, dst]) => ObjectKey::Fdb {
                ns,
                dev: dev.to_string(),
                mac: mac.to_string(),
                dst: dst.parse().map_err(|_| bad())?,
            },
            _ => return Err(bad()),
        };
        Ok(key)
    }
}

impl Serialize for ObjectKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ObjectKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_reads_back_as_written() {
        for text in [
            "netns ns1",
            "link host/br0",
            "link ns1/eth0",
            "addr ns1/eth0/10.1.1.2/24",
            "addr host/br0/fd00::1/64",
            "route ns1/0.0.0.0/0",
            "route h150.ns2/10.1.2.0/24",
            "sysctl host/net.ipv4.ip_forward",
            "rule host/nat/POSTROUTING/-s 10.1.1.0/24 ! -o bridge0 -m comment --comment netsh:lab -j MASQUERADE",
            "fdb host/vxlan1/00:00:00:00:00:00/172.31.131.151",
            "policy host/filter/FORWARD",
            "chain ns1/nat/DOCKER-USER",
            "link pid:1234#4.4026532281/eth1",
            "addr |var|run|docker|netns|ab12#4.4026532281/eth1/10.9.0.2/24",
        ] {
            let k: ObjectKey = text.parse().unwrap();
            assert_eq!(k.to_string(), text);
            let json = serde_json::to_string(&k).unwrap();
            assert_eq!(serde_json::from_str::<ObjectKey>(&json).unwrap(), k);
        }
    }

    #[test]
    fn the_root_stack_is_host() {
        let k: ObjectKey = "link host/eth0".parse().unwrap();
        assert_eq!(k, ObjectKey::link(&Netns::Root, "eth0"));
    }

    #[test]
    fn unknown_forms_are_refused() {
        for text in [
            "",
            "netns",
            "netns ",
            "link",
            "addr ns1/eth0/10.1.1.2",
            "tunnel x/y",
        ] {
            assert_eq!(
                text.parse::<ObjectKey>(),
                Err(BadKey(text.to_string())),
                "{text}"
            );
        }
    }
}
