//! Reading one namespace's links, addresses and routes (three dumps) into an `NsView`.

use crate::plan::view::{LinkView, NsView, RouteView};
use crate::sys::LinkKind;
use crate::sys::Netns;
use futures::TryStreamExt;
use ipnet::IpNet;
use rtnetlink::packet_route::address::AddressAttribute;
use rtnetlink::packet_route::link::{InfoData, InfoVxlan, LinkAttribute, LinkFlags, LinkInfo};
use rtnetlink::packet_route::route::{RouteAddress, RouteAttribute, RouteHeader, RouteMessage};
use rtnetlink::packet_route::AddressFamily;
use rtnetlink::{Handle, RouteMessageBuilder};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// An `NsView` plus the ifindex of each link, so later requests need no lookups.
pub(crate) struct Observed {
    pub(crate) view: NsView,
    pub(crate) index: HashMap<String, u32>,
}

pub(crate) async fn observe(handle: &Handle, ns: &Netns) -> Result<Observed, rtnetlink::Error> {
    let mut view = NsView::default();
    let mut names: HashMap<u32, String> = HashMap::new();
    let mut masters: Vec<(String, u32)> = vec![];
    // A veth's peer in the same namespace (IFLA_LINK without IFLA_LINK_NETNSID).
    let mut peers: Vec<(String, u32)> = vec![];
    let mut links = handle.link().get().execute();
    while let Some(l) = links.try_next().await? {
        let mut name = String::new();
        let mut link_to = None;
        let mut other_ns = false;
        let mut lv = LinkView {
            up: l.header.flags.contains(LinkFlags::Up),
            ..LinkView::default()
        };
        for a in &l.attributes {
            match a {
                LinkAttribute::IfName(n) => name = n.clone(),
                LinkAttribute::Mtu(m) => lv.mtu = *m,
                LinkAttribute::IfAlias(a) => lv.alias = Some(a.clone()),
                LinkAttribute::Link(i) => link_to = Some(*i),
                LinkAttribute::LinkNetNsId(_) => other_ns = true,
                LinkAttribute::Controller(m) => masters.push((String::new(), *m)),
                LinkAttribute::LinkInfo(infos) => {
                    for i in infos {
                        match i {
                            LinkInfo::Kind(k) => {
                                lv.kind = Some(LinkKind::from_kernel(&k.to_string()))
                            }
                            LinkInfo::Data(InfoData::Vxlan(v)) => {
                                lv.vni = v.iter().find_map(|x| match x {
                                    InfoVxlan::Id(id) => Some(*id),
                                    _ => None,
                                })
                            }
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        if let Some(last) = masters.last_mut() {
            if last.0.is_empty() {
                last.0 = name.clone();
            }
        }
        if let (Some(i), false) = (link_to, other_ns) {
            peers.push((name.clone(), i));
        }
        names.insert(l.header.index, name.clone());
        view.links.insert(name, lv);
    }
    for (name, m) in masters {
        let master = names.get(&m).cloned();
        if let Some(l) = view.links.get_mut(&name) {
            l.master = master;
        }
    }
    for (name, i) in peers {
        let is_veth = view.links.get(&name).and_then(|l| l.kind.as_ref()) == Some(&LinkKind::Veth);
        if let (true, Some(p)) = (is_veth, names.get(&i)) {
            let peer = Some((ns.clone(), p.clone()));
            view.links.get_mut(&name).unwrap().peer = peer;
        }
    }
    let mut addrs = handle.address().get().execute();
    while let Some(a) = addrs.try_next().await? {
        let Some(link) = names.get(&a.header.index) else {
            continue;
        };
        let ip = a.attributes.iter().find_map(|x| match x {
            AddressAttribute::Local(ip) => Some(*ip),
            _ => None,
        });
        let ip = ip.or_else(|| {
            a.attributes.iter().find_map(|x| match x {
                AddressAttribute::Address(ip) => Some(*ip),
                _ => None,
            })
        });
        if let Some(ip) = ip {
            if let Ok(net) = IpNet::new(ip, a.header.prefix_len) {
                view.addrs.push((link.clone(), net));
            }
        }
    }
    for family in [AddressFamily::Inet, AddressFamily::Inet6] {
        let q = match family {
            AddressFamily::Inet => RouteMessageBuilder::<Ipv4Addr>::new().build(),
            _ => RouteMessageBuilder::<Ipv6Addr>::new().build(),
        };
        let mut routes = handle.route().get(q).execute();
        while let Some(r) = routes.try_next().await? {
            if let Some(rv) = route_view(&r, &names) {
                view.routes.push(rv);
            }
        }
    }
    let index = names.into_iter().map(|(i, n)| (n, i)).collect();
    Ok(Observed { view, index })
}

fn route_view(r: &RouteMessage, names: &HashMap<u32, String>) -> Option<RouteView> {
    let table = r
        .attributes
        .iter()
        .find_map(|a| match a {
            RouteAttribute::Table(t) => Some(*t),
            _ => None,
        })
        .unwrap_or(r.header.table as u32);
    if table != RouteHeader::RT_TABLE_MAIN as u32 {
        return None;
    }
    let addr = |ra: &RouteAddress| match ra {
        RouteAddress::Inet(a) => Some(IpAddr::V4(*a)),
        RouteAddress::Inet6(a) => Some(IpAddr::V6(*a)),
        _ => None,
    };
    let mut dst = None;
    let mut via = None;
    let mut dev = None;
    for a in &r.attributes {
        match a {
            RouteAttribute::Destination(d) => dst = addr(d),
            RouteAttribute::Gateway(g) => via = addr(g),
            RouteAttribute::Oif(i) => dev = names.get(i).cloned(),
            _ => {}
        }
    }
    let dst = dst.unwrap_or(match r.header.address_family {
        AddressFamily::Inet6 => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
        _ => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
    });
    if dst.is_ipv6() && dev.as_deref() == Some("lo") {
        return None;
    }
    let dst = IpNet::new(dst, r.header.destination_prefix_length).ok()?;
    Some(RouteView { dst, via, dev })
}
