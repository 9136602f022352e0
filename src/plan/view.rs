//! What the kernel holds in one namespace, as far as judging a plan needs it; read by the backend
//! once per namespace per flush and updated as ops are judged, so later ops see earlier ones.

use crate::sys::{LinkKind, Netns};
use ipnet::IpNet;
use std::collections::BTreeMap;
use std::net::IpAddr;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LinkView {
    /// `bridge`, `veth`, ... (`None` for links without a kind, such as `lo` or a physical NIC).
    pub kind: Option<LinkKind>,
    pub master: Option<String>,
    pub up: bool,
    pub mtu: u32,
    /// A veth's other end, where known (made by this plan, or observed in the same namespace):
    /// deleting one end deletes both.
    pub peer: Option<(Netns, String)>,
    /// `netsh:<lab>` on links netsh made (read from the kernel; unknown for planned links).
    pub alias: Option<String>,
    /// A VXLAN's VNI, where known.
    pub vni: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteView {
    pub dst: IpNet,
    pub via: Option<IpAddr>,
    pub dev: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NsView {
    pub links: BTreeMap<String, LinkView>,
    /// (link, address) pairs.
    pub addrs: Vec<(String, IpNet)>,
    /// The main table's routes.
    pub routes: Vec<RouteView>,
}

impl NsView {
    /// A namespace as the kernel makes it: `lo`, down.
    pub fn fresh() -> Self {
        let mut v = NsView::default();
        v.links.insert(
            "lo".to_string(),
            LinkView {
                kind: None,
                master: None,
                up: false,
                mtu: 65536,
                peer: None,
                alias: None,
                vni: None,
            },
        );
        v
    }

    /// Which link holds this address (the same IP, whatever the prefix).
    pub fn addr_owner(&self, ip: IpAddr) -> Option<(&str, &IpNet)> {
        self.addrs
            .iter()
            .find(|(_, a)| a.addr() == ip)
            .map(|(l, a)| (l.as_str(), a))
    }

    /// Whether `gw` is on a subnet attached to a link of this namespace (as the kernel requires
    /// of a gateway unless `onlink`).
    pub fn on_link(&self, gw: IpAddr) -> bool {
        self.addrs.iter().any(|(_, a)| a.contains(&gw))
    }
}
