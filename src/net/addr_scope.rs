//! `ip addr`'s scopes over netlink: which address a route may take as its source.

use crate::why::IfAddr;
use futures::TryStreamExt;
use ipnet::IpNet;
use rtnetlink::packet_route::address::{AddressAttribute, AddressFlags, AddressHeaderFlags};
use rtnetlink::Handle;

/// Every address (its link, the address with its prefix, its scope number).
pub(crate) async fn scopes(handle: &Handle) -> Result<Vec<(String, IpNet, u8)>, rtnetlink::Error> {
    let names = super::neigh::link_names(handle).await?;
    let mut out = vec![];
    let mut addrs = handle.address().get().execute();
    while let Some(a) = addrs.try_next().await? {
        let Some(link) = names.get(&a.header.index) else {
            continue;
        };
        let local = a.attributes.iter().find_map(|x| match x {
            AddressAttribute::Local(ip) => Some(*ip),
            _ => None,
        });
        let ip = local.or_else(|| {
            a.attributes.iter().find_map(|x| match x {
                AddressAttribute::Address(ip) => Some(*ip),
                _ => None,
            })
        });
        if let Some(net) = ip.and_then(|ip| IpNet::new(ip, a.header.prefix_len).ok()) {
            out.push((link.clone(), net, u8::from(a.header.scope)));
        }
    }
    Ok(out)
}

/// Every address in the kernel's order, with its flags and a point-to-point peer.
pub(crate) async fn if_addrs(handle: &Handle) -> Result<Vec<IfAddr>, rtnetlink::Error> {
    let names = super::neigh::link_names(handle).await?;
    let mut out = vec![];
    let mut addrs = handle.address().get().execute();
    while let Some(a) = addrs.try_next().await? {
        let Some(link) = names.get(&a.header.index) else {
            continue;
        };
        let (mut local, mut address, mut flags) = (None, None, None);
        for x in &a.attributes {
            match x {
                AddressAttribute::Local(ip) => local = Some(*ip),
                AddressAttribute::Address(ip) => address = Some(*ip),
                AddressAttribute::Flags(f) => flags = Some(*f),
                _ => {}
            }
        }
        let Some(ip) = local.or(address) else {
            continue;
        };
        // IFA_FLAGS (32 bits) when the kernel sends it, else the header's 8.
        let h = &a.header.flags;
        let flag = |full: AddressFlags, head: AddressHeaderFlags| {
            flags.map_or(h.contains(head), |f| f.contains(full))
        };
        out.push(IfAddr {
            link: link.clone(),
            local: ip,
            prefix: a.header.prefix_len,
            peer: address.filter(|p| *p != ip),
            scope: u8::from(a.header.scope),
            secondary: flag(AddressFlags::Secondary, AddressHeaderFlags::Secondary),
            dadfailed: flag(AddressFlags::Dadfailed, AddressHeaderFlags::Dadfailed),
            tentative: flag(AddressFlags::Tentative, AddressHeaderFlags::Tentative),
        });
    }
    Ok(out)
}
