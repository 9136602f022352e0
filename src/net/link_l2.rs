//! Every link's MTU, MAC, ARP flag and bridge-port state (`ip -d link show`), for `why`.

use crate::why::link_l2::LinkL2;
use futures::TryStreamExt;
use rtnetlink::packet_route::link::{
    BridgePortState, InfoBridgePort, InfoData, InfoPortData, InfoVxlan, LinkAttribute, LinkFlags,
    LinkInfo, LinkMessage,
};
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

fn one(l: &LinkMessage) -> LinkL2 {
    let mut out = LinkL2 {
        noarp: l.header.flags.contains(LinkFlags::Noarp),
        ..LinkL2::default()
    };
    for a in &l.attributes {
        match a {
            LinkAttribute::IfName(n) => out.name = n.clone(),
            LinkAttribute::Mtu(m) => out.mtu = *m,
            LinkAttribute::Address(b) if b.len() == 6 => {
                let hex: Vec<String> = b.iter().map(|x| format!("{x:02x}")).collect();
                out.mac = Some(hex.join(":"));
            }
            LinkAttribute::LinkInfo(infos) => {
                for i in infos {
                    match i {
                        LinkInfo::PortData(InfoPortData::BridgePort(p)) => {
                            out.port_state = p.iter().find_map(|x| match x {
                                InfoBridgePort::State(s) => Some(state(s)),
                                _ => None,
                            });
                        }
                        LinkInfo::Data(InfoData::Vxlan(v)) => {
                            out.learning = v.iter().find_map(|x| match x {
                                InfoVxlan::Learning(b) => Some(*b),
                                _ => None,
                            });
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    out
}

pub(crate) async fn links(handle: &Handle) -> Result<Vec<LinkL2>, rtnetlink::Error> {
    handle
        .link()
        .get()
        .execute()
        .map_ok(|l| one(&l))
        .try_collect()
        .await
}
