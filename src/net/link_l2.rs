//! Every link's MTU, MAC, ARP flag, protodown and bridge-port state (`ip -d link show`), for `why`.

use crate::why::link_l2::LinkL2;
use futures::TryStreamExt;
use rtnetlink::packet_route::link::{
    AfSpecBridge, BridgePortState, BridgeStpState, BridgeVlanInfoFlags, InfoBridge, InfoBridgePort,
    InfoData, InfoPortData, InfoVxlan, LinkAttribute, LinkExtentMask, LinkFlags, LinkInfo,
    LinkMessage,
};
use rtnetlink::packet_route::AddressFamily;
use rtnetlink::Handle;

fn state(s: &BridgePortState) -> u8 {
    match s {
        BridgePortState::Disabled => 0,
        BridgePortState::Listening => 1,
        BridgePortState::Learning => 2,
        BridgePortState::Forwarding => 3,
        BridgePortState::Blocking => 4,
        BridgePortState::Other(x) => *x,
        _ => 255,
    }
}

fn stp(s: &BridgeStpState) -> u32 {
    match s {
        BridgeStpState::Disabled => 0,
        BridgeStpState::KernelStp => 1,
        BridgeStpState::UserStp => 2,
        BridgeStpState::Other(x) => *x,
        _ => u32::MAX,
    }
}

fn one(l: &LinkMessage) -> LinkL2 {
    let (mut root, mut own) = (None, None);
    let mut out = LinkL2 {
        noarp: l.header.flags.contains(LinkFlags::Noarp),
        ..LinkL2::default()
    };
    for a in &l.attributes {
        match a {
            LinkAttribute::IfName(n) => out.name = n.clone(),
            LinkAttribute::Mtu(m) => out.mtu = *m,
            LinkAttribute::ProtoDown(p) => out.protodown = *p != 0,
            LinkAttribute::Address(b) if b.len() == 6 => {
                let hex: Vec<String> = b.iter().map(|x| format!("{x:02x}")).collect();
                out.mac = Some(hex.join(":"));
            }
            LinkAttribute::LinkInfo(infos) => {
                for i in infos {
                    match i {
                        LinkInfo::PortData(InfoPortData::BridgePort(p)) => {
                            for x in p {
                                match x {
                                    InfoBridgePort::State(s) => out.port_state = Some(state(s)),
                                    InfoBridgePort::Learning(b) => out.port_learning = Some(*b),
                                    InfoBridgePort::UnicastFlood(b) => out.port_flood = Some(*b),
                                    InfoBridgePort::BroadcastFlood(b) => {
                                        out.port_bcast_flood = Some(*b)
                                    }
                                    InfoBridgePort::Isolated(b) => out.port_isolated = *b,
                                    InfoBridgePort::HairpinMode(b) => out.port_hairpin = *b,
                                    InfoBridgePort::Locked(b) => out.port_locked = *b,
                                    InfoBridgePort::Mab(b) => out.port_mab = *b,
                                    InfoBridgePort::ProxyARP(b) => out.port_proxy_arp = *b,
                                    InfoBridgePort::NeighSupress(b) => out.port_neigh_suppress = *b,
                                    InfoBridgePort::Guard(b) => out.port_guard = *b,
                                    InfoBridgePort::Protect(b) => out.port_root_block = *b,
                                    _ => {}
                                }
                            }
                        }
                        LinkInfo::Data(InfoData::Bridge(b)) => {
                            for x in b {
                                match x {
                                    InfoBridge::VlanFiltering(f) => out.vlan_filtering = Some(*f),
                                    InfoBridge::VlanDefaultPvid(p) => out.default_pvid = Some(*p),
                                    InfoBridge::StpState(s) => out.stp_state = Some(stp(s)),
                                    InfoBridge::ForwardDelay(d) => out.forward_delay = Some(*d),
                                    InfoBridge::AgeingTime(t) => out.ageing_time = Some(*t),
                                    InfoBridge::NfCallIpTables(b) => {
                                        out.nf_call_iptables = Some(*b)
                                    }
                                    InfoBridge::RootId(i) => root = Some(i.clone()),
                                    InfoBridge::BridgeId(i) => own = Some(i.clone()),
                                    _ => {}
                                }
                            }
                        }
                        LinkInfo::Data(InfoData::Vxlan(v)) => {
                            for x in v {
                                match x {
                                    InfoVxlan::Learning(b) => out.learning = Some(*b),
                                    InfoVxlan::Proxy(b) => out.proxy = *b,
                                    _ => {}
                                }
                            }
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    out.stp_root = root.is_some() && root == own;
    out
}

pub(crate) async fn links(handle: &Handle) -> Result<Vec<LinkL2>, rtnetlink::Error> {
    let mut all: Vec<(u32, LinkL2)> = handle
        .link()
        .get()
        .execute()
        .map_ok(|l| (l.header.index, one(&l)))
        .try_collect()
        .await?;
    // The ports' VLANs come only from the bridge family's dump (`bridge vlan show`).
    let vlans: Vec<(u32, Vec<(u16, bool)>)> = handle
        .link()
        .get()
        .set_filter_mask(AddressFamily::Bridge, vec![LinkExtentMask::Brvlan])
        .execute()
        .map_ok(|l| (l.header.index, port_vlans(&l)))
        .try_collect()
        .await
        .unwrap_or_default();
    for (index, v) in vlans {
        if let Some((_, l)) = all.iter_mut().find(|(i, _)| *i == index) {
            l.vlans = Some(v);
        }
    }
    Ok(all.into_iter().map(|(_, l)| l).collect())
}

fn port_vlans(l: &LinkMessage) -> Vec<(u16, bool)> {
    let mut out = vec![];
    for a in &l.attributes {
        if let LinkAttribute::AfSpecBridge(spec) = a {
            for s in spec {
                if let AfSpecBridge::VlanInfo(v) = s {
                    out.push((v.vid, v.flags.contains(BridgeVlanInfoFlags::Pvid)));
                }
            }
        }
    }
    out
}
