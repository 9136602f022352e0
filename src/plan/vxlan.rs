//! What a VXLAN device is made with: `ip link add NAME type vxlan id … remote … dev …`.

use serde::{Deserialize, Serialize};
use std::net::IpAddr;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VxlanSpec {
    pub id: u32,
    pub remote: Option<IpAddr>,
    pub local: Option<IpAddr>,
    pub group: Option<IpAddr>,
    /// The underlay link, in the same namespace.
    pub dev: Option<String>,
    pub port: Option<u16>,
    pub learning: Option<bool>,
    pub ttl: Option<u8>,
}

impl VxlanSpec {
    /// The iproute2 words after `type vxlan`.
    pub fn render(&self) -> String {
        let mut s = format!("id {}", self.id);
        if let Some(r) = self.remote {
            s.push_str(&format!(" remote {r}"));
        }
        if let Some(g) = self.group {
            s.push_str(&format!(" group {g}"));
        }
        if let Some(l) = self.local {
            s.push_str(&format!(" local {l}"));
        }
        if let Some(d) = &self.dev {
            s.push_str(&format!(" dev {}", crate::sys::shell::quote(d)));
        }
        if let Some(p) = self.port {
            s.push_str(&format!(" dstport {p}"));
        }
        match self.learning {
            Some(true) => s.push_str(" learning"),
            Some(false) => s.push_str(" nolearning"),
            None => {}
        }
        if let Some(t) = self.ttl {
            s.push_str(&format!(" ttl {t}"));
        }
        s
    }
}
