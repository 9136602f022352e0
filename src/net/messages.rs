//! rtnetlink messages for each kernel change. Links are addressed by name where the kernel
//! allows it (index 0 + IFLA_IFNAME), so most requests need no lookup.

use ipnet::IpNet;
use rtnetlink::packet_core::{NetlinkMessage, NLM_F_ACK, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REQUEST};
use rtnetlink::packet_route::address::AddressMessage;
use rtnetlink::packet_route::link::{
    InfoData, InfoKind, InfoVeth, LinkAttribute, LinkFlags, LinkMessage,
};
use rtnetlink::packet_route::route::RouteMessage;
use rtnetlink::packet_route::RouteNetlinkMessage;
use rtnetlink::{AddressMessageBuilder, LinkMessageBuilder, LinkUnspec, RouteMessageBuilder};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::fd::RawFd;

pub(crate) type Msg = NetlinkMessage<RouteNetlinkMessage>;

pub(crate) fn envelope(m: RouteNetlinkMessage, flags: u16) -> Msg {
    let mut req = NetlinkMessage::from(m);
    req.header.flags = flags;
    req
}

pub(crate) const CREATE: u16 = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
pub(crate) const CHANGE: u16 = NLM_F_REQUEST | NLM_F_ACK;

fn named(name: &str) -> LinkMessage {
    LinkMessageBuilder::<LinkUnspec>::new()
        .name(name.to_string())
        .build()
}

/// Link settings, sent as RTM_NEWLINK without NLM_F_CREATE (a change of an existing link).
pub(crate) fn set_link(msg: LinkMessage) -> Msg {
    envelope(RouteNetlinkMessage::NewLink(msg), CHANGE)
}

pub(crate) fn set_up(name: &str, up: bool) -> Msg {
    let mut m = named(name);
    m.header.change_mask = LinkFlags::Up;
    if up {
        m.header.flags = LinkFlags::Up;
    }
    set_link(m)
}

pub(crate) fn set_mtu(name: &str, mtu: u32) -> Msg {
    let mut m = named(name);
    m.attributes.push(LinkAttribute::Mtu(mtu));
    set_link(m)
}

/// `master` 0 releases the link from its master.
pub(crate) fn set_master(name: &str, master: u32) -> Msg {
    let mut m = named(name);
    m.attributes.push(LinkAttribute::Controller(master));
    set_link(m)
}

pub(crate) fn set_netns(name: &str, fd: RawFd) -> Msg {
    let mut m = named(name);
    m.attributes.push(LinkAttribute::NetNsFd(fd));
    set_link(m)
}

pub(crate) fn set_alias(name: &str, alias: &str) -> Msg {
    let mut m = named(name);
    m.attributes.push(LinkAttribute::IfAlias(alias.to_string()));
    set_link(m)
}

/// The alias, and the link brought up, in one request.
pub(crate) fn set_alias_up(name: &str, alias: &str) -> Msg {
    let mut m = named(name);
    m.attributes.push(LinkAttribute::IfAlias(alias.to_string()));
    m.header.change_mask = LinkFlags::Up;
    m.header.flags = LinkFlags::Up;
    set_link(m)
}

pub(crate) fn del_link(name: &str) -> Msg {
    envelope(RouteNetlinkMessage::DelLink(named(name)), CHANGE)
}

pub(crate) fn get_link(name: &str) -> Msg {
    envelope(RouteNetlinkMessage::GetLink(named(name)), NLM_F_REQUEST)
}

/// What a new link carries in its create request.
pub(crate) struct NewLink<'a> {
    pub(crate) name: &'a str,
    pub(crate) index: Option<u32>,
    pub(crate) master: Option<u32>,
    pub(crate) up: bool,
    pub(crate) mtu: Option<u32>,
}

fn new_link(l: &NewLink, kind: InfoKind, data: Option<InfoData>) -> Msg {
    let mut b = LinkMessageBuilder::<LinkUnspec>::new_with_info_kind(kind).name(l.name.to_string());
    if let Some(d) = data {
        b = b.set_info_data(d);
    }
    if let Some(i) = l.index {
        b = b.index(i);
    }
    if let Some(m) = l.master {
        b = b.controller(m);
    }
    if let Some(m) = l.mtu {
        b = b.mtu(m);
    }
    if l.up {
        b = b.up();
    }
    envelope(RouteNetlinkMessage::NewLink(b.build()), CREATE)
}

pub(crate) fn add_bridge(l: &NewLink, mac: [u8; 6]) -> Msg {
    let mut msg = new_link(l, InfoKind::Bridge, None);
    if let rtnetlink::packet_core::NetlinkPayload::InnerMessage(RouteNetlinkMessage::NewLink(m)) =
        &mut msg.payload
    {
        m.attributes.push(LinkAttribute::Address(mac.to_vec()));
    }
    msg
}

/// A veth pair whose peer is born in the namespace `peer_fd` names (none: the same namespace).
pub(crate) fn add_veth(
    l: &NewLink,
    peer: &str,
    peer_index: Option<u32>,
    peer_fd: Option<RawFd>,
) -> Msg {
    let mut p = LinkMessageBuilder::<LinkUnspec>::new().name(peer.to_string());
    if let Some(i) = peer_index {
        p = p.index(i);
    }
    if let Some(fd) = peer_fd {
        p = p.setns_by_fd(fd);
    }
    let peer_msg = p.build();
    new_link(
        l,
        InfoKind::Veth,
        Some(InfoData::Veth(InfoVeth::Peer(peer_msg))),
    )
}

pub(crate) fn address(index: u32, net: &IpNet) -> AddressMessage {
    match net.addr() {
        IpAddr::V4(a) => AddressMessageBuilder::<Ipv4Addr>::new()
            .index(index)
            .address(a, net.prefix_len())
            .build(),
        IpAddr::V6(a) => AddressMessageBuilder::<Ipv6Addr>::new()
            .index(index)
            .address(a, net.prefix_len())
            .build(),
    }
}

/// A route as `ip route add|del` sends it: a device-only route has link scope; a delete matches
/// any protocol and scope (the kernel's own routes are proto kernel, scope link).
pub(crate) fn route(
    dst: &IpNet,
    via: &Option<IpAddr>,
    oif: Option<u32>,
    del: bool,
) -> RouteMessage {
    let mut m = match dst {
        IpNet::V4(d) => {
            let mut b = RouteMessageBuilder::<Ipv4Addr>::new()
                .destination_prefix(d.network(), d.prefix_len());
            if let Some(IpAddr::V4(g)) = via {
                b = b.gateway(*g);
            }
            b.build()
        }
        IpNet::V6(d) => {
            let mut b = RouteMessageBuilder::<Ipv6Addr>::new()
                .destination_prefix(d.network(), d.prefix_len());
            if let Some(IpAddr::V6(g)) = via {
                b = b.gateway(*g);
            }
            b.build()
        }
    };
    if let Some(i) = oif {
        m.attributes
            .push(rtnetlink::packet_route::route::RouteAttribute::Oif(i));
    }
    use rtnetlink::packet_route::route::{RouteProtocol, RouteScope, RouteType};
    if del {
        m.header.scope = RouteScope::NoWhere;
        m.header.protocol = RouteProtocol::Unspec;
        // Any type, as `ip route del` asks: a blackhole, unreachable or prohibit route too.
        m.header.kind = RouteType::Unspec;
    } else if via.is_none() {
        m.header.scope = RouteScope::Link;
    }
    m
}

/// A VXLAN device; `dev` is the underlay link's ifindex.
pub(crate) fn add_vxlan(l: &NewLink, v: &crate::plan::vxlan::VxlanSpec, dev: Option<u32>) -> Msg {
    use rtnetlink::packet_route::link::InfoVxlan;
    let mut info = vec![InfoVxlan::Id(v.id)];
    match v.remote.or(v.group) {
        Some(IpAddr::V4(a)) => info.push(InfoVxlan::Group(a)),
        Some(IpAddr::V6(a)) => info.push(InfoVxlan::Group6(a)),
        None => {}
    }
    match v.local {
        Some(IpAddr::V4(a)) => info.push(InfoVxlan::Local(a)),
        Some(IpAddr::V6(a)) => info.push(InfoVxlan::Local6(a)),
        None => {}
    }
    if let Some(d) = dev {
        info.push(InfoVxlan::Link(d));
    }
    if let Some(p) = v.port {
        info.push(InfoVxlan::Port(p));
    }
    if let Some(learn) = v.learning {
        info.push(InfoVxlan::Learning(learn));
    }
    if let Some(t) = v.ttl {
        info.push(InfoVxlan::Ttl(t));
    }
    new_link(l, InfoKind::Vxlan, Some(InfoData::Vxlan(info)))
}

/// `bridge fdb append MAC dev DEV dst IP` (or `del`).
pub(crate) fn fdb(dev: u32, mac: [u8; 6], dst: IpAddr, add: bool) -> Msg {
    use rtnetlink::packet_core::NLM_F_APPEND;
    use rtnetlink::packet_route::neighbour::{
        NeighbourAddress, NeighbourAttribute, NeighbourFlags, NeighbourMessage, NeighbourState,
    };
    use rtnetlink::packet_route::AddressFamily;
    let mut m = NeighbourMessage::default();
    m.header.family = AddressFamily::Bridge;
    m.header.ifindex = dev;
    m.header.state = NeighbourState::Permanent;
    m.header.flags = NeighbourFlags::Own;
    m.attributes
        .push(NeighbourAttribute::LinkLayerAddress(mac.to_vec()));
    m.attributes
        .push(NeighbourAttribute::Destination(match dst {
            IpAddr::V4(a) => NeighbourAddress::Inet(a),
            IpAddr::V6(a) => NeighbourAddress::Inet6(a),
        }));
    if add {
        envelope(
            RouteNetlinkMessage::NewNeighbour(m),
            NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_APPEND,
        )
    } else {
        envelope(RouteNetlinkMessage::DelNeighbour(m), CHANGE)
    }
}

pub(crate) fn parse_mac(s: &str) -> Option<[u8; 6]> {
    let parts: Vec<u8> = s
        .split(':')
        .map(|p| u8::from_str_radix(p, 16))
        .collect::<Result<_, _>>()
        .ok()?;
    parts.try_into().ok()
}
