//! `LinkKind`: what kind of device a link is, as the kernel names it (`IFLA_INFO_KIND`): the
//! kinds netsh makes, and any other by its name. (How to make one is `plan::op::LinkSpec`.)

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum LinkKind {
    Bridge,
    Veth,
    Vxlan,
    /// A kind netsh does not make (`dummy`, `macvlan`, …).
    Other(String),
}

impl LinkKind {
    /// The kernel's name of a kind (`ip -d link` shows it as `linkinfo.info_kind`).
    pub fn from_kernel(name: &str) -> Self {
        match name {
            "bridge" => LinkKind::Bridge,
            "veth" => LinkKind::Veth,
            "vxlan" => LinkKind::Vxlan,
            other => LinkKind::Other(other.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            LinkKind::Bridge => "bridge",
            LinkKind::Veth => "veth",
            LinkKind::Vxlan => "vxlan",
            LinkKind::Other(s) => s,
        }
    }
}

impl fmt::Display for LinkKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// As the kernel's name, so `show --json` keeps `"kind": "bridge"`.
impl Serialize for LinkKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for LinkKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(LinkKind::from_kernel(&String::deserialize(d)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kernels_names_round_trip() {
        for name in ["bridge", "veth", "vxlan", "dummy"] {
            assert_eq!(LinkKind::from_kernel(name).as_str(), name);
        }
        assert_eq!(LinkKind::from_kernel("veth"), LinkKind::Veth);
        assert_eq!(
            serde_json::to_string(&LinkKind::Vxlan).unwrap(),
            "\"vxlan\""
        );
    }
}
