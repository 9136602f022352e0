//! Every link of a namespace as `why` reads it (`ip -d link show` over netlink): state,
//! carrier, master, veth peer (its namespace through the nsids) and VXLAN parameters.

use crate::sys::{LinkKind, Netns};
use crate::why::{LinkDetail, VxlanInfo};
use futures::TryStreamExt;
use rtnetlink::packet_route::link::{
    InfoData, InfoMacVlan, InfoVxlan, LinkAttribute, LinkFlags, LinkInfo, LinkMessage, MacVlanMode,
};
use rtnetlink::Handle;
use std::collections::HashMap;
use std::net::IpAddr;

/// A link as dumped, before names and nsids are resolved.
struct Raw {
    detail: LinkDetail,
    master: Option<u32>,
    /// IFLA_LINK (non-zero), and IFLA_LINK_NETNSID when the other end is in another namespace.
    link: Option<u32>,
    nsid: Option<i32>,
    vxlan_dev: Option<u32>,
}

fn raw(l: &LinkMessage) -> Raw {
    let mut r = Raw {
        detail: LinkDetail {
            index: l.header.index,
            up: l.header.flags.contains(LinkFlags::Up),
            carrier: l.header.flags.contains(LinkFlags::LowerUp),
            ..LinkDetail::default()
        },
        master: None,
        link: None,
        nsid: None,
        vxlan_dev: None,
    };
    let mut vxlan = None;
    for a in &l.attributes {
        match a {
            LinkAttribute::IfName(n) => r.detail.name = n.clone(),
            LinkAttribute::Controller(m) => r.master = Some(*m),
            LinkAttribute::Link(i) if *i != 0 => r.link = Some(*i),
            LinkAttribute::LinkNetNsId(i) => r.nsid = Some(*i),
            LinkAttribute::LinkInfo(infos) => {
                for i in infos {
                    match i {
                        LinkInfo::Kind(k) => {
                            r.detail.kind = Some(LinkKind::from_kernel(&k.to_string()))
                        }
                        LinkInfo::Data(InfoData::Vxlan(v)) => vxlan = Some(v.as_slice()),
                        LinkInfo::Data(InfoData::MacVlan(m)) => macvlan(&mut r.detail, m),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    if r.detail.kind == Some(LinkKind::Vxlan) {
        let (info, dev) = vxlan_info(vxlan.unwrap_or_default());
        r.detail.vxlan = Some(info);
        r.vxlan_dev = dev;
    }
    r
}

/// A macvlan's mode, broadcast queue lengths and (mode source) allowed source MACs.
fn macvlan(d: &mut LinkDetail, m: &[InfoMacVlan]) {
    let hex = |a: &[u8; 6]| {
        a.iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(":")
    };
    for x in m {
        match x {
            InfoMacVlan::Mode(m) => d.macvlan_mode = Some(macvlan_mode(m)),
            InfoMacVlan::BcQueueLen(n) => d.macvlan_bcqueuelen = Some(*n),
            InfoMacVlan::BcQueueLenUsed(n) => d.macvlan_bcqueuelen_used = Some(*n),
            InfoMacVlan::MacAddrData(list) => {
                for a in list {
                    if let InfoMacVlan::MacAddr(a) = a {
                        d.macvlan_sources.push(hex(a));
                    }
                }
            }
            _ => {}
        }
    }
}

/// A macvlan's mode as `ip -d link` prints it.
fn macvlan_mode(m: &MacVlanMode) -> String {
    match m {
        MacVlanMode::Private => "private".into(),
        MacVlanMode::Vepa => "vepa".into(),
        MacVlanMode::Bridge => "bridge".into(),
        MacVlanMode::Passthrough => "passthru".into(),
        MacVlanMode::Source => "source".into(),
        other => format!("{other:?}").to_lowercase(),
    }
}

/// The VXLAN's parameters, and the ifindex of its underlay device. An unspecified remote or
/// group is none, as `ip` prints none.
fn vxlan_info(v: &[InfoVxlan]) -> (VxlanInfo, Option<u32>) {
    let mut info = VxlanInfo::default();
    let mut dev = None;
    for x in v {
        match x {
            InfoVxlan::Id(id) => info.id = *id,
            InfoVxlan::Group(a) if !a.is_unspecified() => info.remote = Some(IpAddr::V4(*a)),
            InfoVxlan::Group6(a) if !a.is_unspecified() => info.remote = Some(IpAddr::V6(*a)),
            InfoVxlan::Link(i) if *i != 0 => dev = Some(*i),
            InfoVxlan::Port(p) => info.port = *p,
            InfoVxlan::Ttl(t) => info.ttl = *t,
            InfoVxlan::CollectMetadata(b) => info.external = *b,
            InfoVxlan::UDPZeroCsumTX(b) => info.zero_csum6_tx = *b,
            InfoVxlan::UDPZeroCsumRX(b) => info.zero_csum6_rx = *b,
            InfoVxlan::Learning(b) => info.nolearning = !*b,
            InfoVxlan::Local(a) if !a.is_unspecified() => info.local = Some(IpAddr::V4(*a)),
            InfoVxlan::Local6(a) if !a.is_unspecified() => info.local = Some(IpAddr::V6(*a)),
            _ => {}
        }
    }
    (info, dev)
}

/// Every link of the namespace of `handle`. `names` are the namespaces an nsid may name
/// (those in /run/netns), `root_fd` the host's stack (asked first); an nsid none of them holds
/// is taken to be the host's stack.
pub(crate) async fn links(
    handle: &Handle,
    names: &[Netns],
    root_fd: Option<std::os::fd::RawFd>,
) -> Result<Vec<LinkDetail>, rtnetlink::Error> {
    let raws: Vec<Raw> = handle
        .link()
        .get()
        .execute()
        .map_ok(|l| raw(&l))
        .try_collect()
        .await?;
    let by_index: HashMap<u32, String> = raws
        .iter()
        .map(|r| (r.detail.index, r.detail.name.clone()))
        .collect();
    // An index not in this namespace reads as `ip` prints it: ifN.
    let name = |i: u32| by_index.get(&i).cloned().unwrap_or(format!("if{i}"));
    let want: Vec<i32> = raws
        .iter()
        .filter_map(|r| r.nsid)
        .filter(|i| *i >= 0)
        .collect();
    let ids = if !want.is_empty() {
        super::nsid::ids_of(handle, names, root_fd, &want).await
    } else {
        HashMap::new()
    };
    let mut out = vec![];
    for r in raws {
        let mut d = r.detail;
        d.master = r.master.map(name);
        if let Some(v) = d.vxlan.as_mut() {
            v.dev = r.vxlan_dev.map(name);
        }
        match (r.link, r.nsid) {
            // A peer elsewhere: its index there, and the namespace the nsid names.
            (link, Some(id)) => {
                d.peer_index = link;
                d.peer_ns = (id >= 0).then(|| ids.get(&id).cloned().unwrap_or(Netns::Root));
            }
            (Some(i), None)
                if (d.kind == Some(LinkKind::Veth) || d.macvlan_mode.is_some())
                    && by_index.contains_key(&i) =>
            {
                d.peer_index = Some(i)
            }
            _ => {}
        }
        out.push(d);
    }
    Ok(out)
}
