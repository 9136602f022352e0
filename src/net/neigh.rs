//! Neighbour reads (RTM_GETNEIGH dumps): a VXLAN's FDB entries (the AF_BRIDGE table, as
//! `bridge fdb show` reads it) and one neighbour's state (as `ip neigh show` prints it).

use crate::sys::Netns;
use futures::TryStreamExt;
use rtnetlink::packet_route::link::LinkAttribute;
use rtnetlink::packet_route::neighbour::{NeighbourAddress, NeighbourAttribute, NeighbourMessage};
use rtnetlink::packet_route::AddressFamily;
use rtnetlink::Handle;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Every neighbour entry of `family`. The family must be set: an AF_UNSPEC dump walks the ARP
/// and NDP tables only; the bridge FDB (with each VXLAN's entries) answers AF_BRIDGE alone.
pub(super) async fn dump(
    handle: &Handle,
    family: AddressFamily,
) -> Result<Vec<NeighbourMessage>, rtnetlink::Error> {
    let req = handle.neighbours().get().set_address_family(family);
    req.execute().try_collect().await
}

/// The IPv6 proxy entries (`ip -6 neigh show proxy`): (link, address).
pub(crate) async fn ndp_proxies(
    handle: &Handle,
) -> Result<Vec<(String, IpAddr)>, rtnetlink::Error> {
    let req = handle
        .neighbours()
        .get()
        .set_address_family(AddressFamily::Inet6)
        .proxies();
    let all: Vec<NeighbourMessage> = req.execute().try_collect().await?;
    let names = link_names(handle).await?;
    Ok(all
        .iter()
        .filter_map(|m| Some((names.get(&m.header.ifindex)?.clone(), dst(m)?)))
        .collect())
}

/// An entry's NDA_DST as an address (a bridge entry's comes unparsed: 4 or 16 bytes).
pub(super) fn dst(m: &NeighbourMessage) -> Option<IpAddr> {
    m.attributes.iter().find_map(|a| match a {
        NeighbourAttribute::Destination(NeighbourAddress::Inet(a)) => Some(IpAddr::V4(*a)),
        NeighbourAttribute::Destination(NeighbourAddress::Inet6(a)) => Some(IpAddr::V6(*a)),
        NeighbourAttribute::Destination(NeighbourAddress::Other(b)) => match b.len() {
            4 => Some(IpAddr::V4(Ipv4Addr::from(
                <[u8; 4]>::try_from(&b[..]).ok()?,
            ))),
            16 => Some(IpAddr::V6(Ipv6Addr::from(
                <[u8; 16]>::try_from(&b[..]).ok()?,
            ))),
            _ => None,
        },
        _ => None,
    })
}

fn mac_text(b: &[u8]) -> String {
    let hex: Vec<String> = b.iter().map(|x| format!("{x:02x}")).collect();
    hex.join(":")
}

/// The link names of a namespace by ifindex.
pub(crate) async fn link_names(handle: &Handle) -> Result<HashMap<u32, String>, rtnetlink::Error> {
    let mut names = HashMap::new();
    let mut links = handle.link().get().execute();
    while let Some(l) = links.try_next().await? {
        for a in &l.attributes {
            if let LinkAttribute::IfName(n) = a {
                names.insert(l.header.index, n.clone());
            }
        }
    }
    Ok(names)
}

/// The bridge FDB entries that carry a remote address (a VXLAN's): (dev, mac, dst).
pub(crate) async fn fdb(
    handle: &Handle,
) -> Result<Vec<(String, String, IpAddr)>, rtnetlink::Error> {
    let mut raw = vec![];
    for m in dump(handle, AddressFamily::Bridge).await? {
        let mac = m.attributes.iter().find_map(|a| match a {
            NeighbourAttribute::LinkLayerAddress(b) => Some(mac_text(b)),
            _ => None,
        });
        if let (Some(mac), Some(dst)) = (mac, dst(&m)) {
            raw.push((m.header.ifindex, mac, dst));
        }
    }
    if raw.is_empty() {
        return Ok(vec![]);
    }
    let names = link_names(handle).await?;
    let name = |i: u32| names.get(&i).cloned().unwrap_or_else(|| format!("if{i}"));
    Ok(raw.into_iter().map(|(i, m, d)| (name(i), m, d)).collect())
}

/// Every bridge FDB entry with a MAC, remote or not: (port, mac), as `bridge fdb show` lists
/// them (what a bridge knows, so a frame for a MAC it does not hold is known to be flooded).
pub(crate) async fn macs(handle: &Handle) -> Result<Vec<(String, String)>, rtnetlink::Error> {
    let mut raw = vec![];
    for m in dump(handle, AddressFamily::Bridge).await? {
        for a in &m.attributes {
            if let NeighbourAttribute::LinkLayerAddress(b) = a {
                raw.push((m.header.ifindex, mac_text(b)));
            }
        }
    }
    let names = link_names(handle).await?;
    let name = |i: u32| names.get(&i).cloned().unwrap_or_else(|| format!("if{i}"));
    Ok(raw.into_iter().map(|(i, m)| (name(i), m)).collect())
}

/// The state of the neighbour `ip` on the link `dev`, in `ip neigh`'s words (`REACHABLE`,
/// `STALE`, `FAILED`, `INCOMPLETE`...); `None` without an entry.
pub(crate) async fn state(
    handle: &Handle,
    dev: &str,
    ip: IpAddr,
) -> Result<Option<&'static str>, rtnetlink::Error> {
    let found = entry(handle, dev, ip).await?;
    Ok(found.and_then(|m| state_word(m.header.state.into())))
}

/// The link-layer address of the neighbour `ip` on `dev` (`ip neigh show … lladdr`), with
/// its state; `None` without an entry.
pub(crate) async fn lladdr(
    handle: &Handle,
    dev: &str,
    ip: IpAddr,
) -> Result<Option<(Option<&'static str>, Option<String>)>, rtnetlink::Error> {
    let found = entry(handle, dev, ip).await?;
    Ok(found.map(|m| state_mac(&m)))
}

fn state_mac(m: &NeighbourMessage) -> (Option<&'static str>, Option<String>) {
    let mac = m.attributes.iter().find_map(|a| match a {
        NeighbourAttribute::LinkLayerAddress(b) => Some(mac_text(b)),
        _ => None,
    });
    (state_word(m.header.state.into()), mac)
}

/// Every ARP and NDP entry on the link `dev`: (address, (state, MAC)); empty without the link.
pub(crate) async fn on_link(
    handle: &Handle,
    dev: &str,
) -> Result<Vec<(IpAddr, (Option<&'static str>, Option<String>))>, rtnetlink::Error> {
    let link = handle.link().get().match_name(dev.to_string()).execute();
    let Some(index) = link.map_ok(|l| l.header.index).try_next().await? else {
        return Ok(vec![]);
    };
    let mut out = vec![];
    for family in [AddressFamily::Inet, AddressFamily::Inet6] {
        for m in dump(handle, family).await? {
            if let (true, Some(ip)) = (m.header.ifindex == index, dst(&m)) {
                out.push((ip, state_mac(&m)));
            }
        }
    }
    Ok(out)
}

/// The neighbour entry for `ip` on the link `dev`; `None` without one (or without the link).
async fn entry(
    handle: &Handle,
    dev: &str,
    ip: IpAddr,
) -> Result<Option<NeighbourMessage>, rtnetlink::Error> {
    let link = handle.link().get().match_name(dev.to_string()).execute();
    let Some(index) = link.map_ok(|l| l.header.index).try_next().await? else {
        return Ok(None);
    };
    let family = match ip {
        IpAddr::V4(_) => AddressFamily::Inet,
        IpAddr::V6(_) => AddressFamily::Inet6,
    };
    let found = dump(handle, family)
        .await?
        .into_iter()
        .find(|m| m.header.ifindex == index && dst(m) == Some(ip));
    Ok(found)
}

/// The first of an NUD state's bits, in the order `ip neigh` prints them; `None` for an entry
/// `ip neigh show` hides by default (NONE, and NOARP alone).
pub(crate) fn state_word(state: u16) -> Option<&'static str> {
    if state & 0xff & !0x40 == 0 {
        return None;
    }
    const WORDS: [(u16, &str); 8] = [
        (0x01, "INCOMPLETE"),
        (0x02, "REACHABLE"),
        (0x04, "STALE"),
        (0x08, "DELAY"),
        (0x10, "PROBE"),
        (0x20, "FAILED"),
        (0x40, "NOARP"),
        (0x80, "PERMANENT"),
    ];
    WORDS.iter().find(|(b, _)| state & b != 0).map(|(_, w)| *w)
}

/// Drop the entries for `ips` that never resolved (FAILED, INCOMPLETE), as `ip neigh flush nud
/// failed` would: a probe that found no neighbour leaves one, and the kernel then refuses
/// packets to that address for a while, even once someone holds it.
pub(crate) async fn forget_failed(handle: &Handle, ips: &[Ipv4Addr]) {
    use rtnetlink::packet_route::neighbour::NeighbourState;
    let Ok(all) = dump(handle, AddressFamily::Inet).await else {
        return;
    };
    for n in all {
        let unresolved = matches!(
            n.header.state,
            NeighbourState::Failed | NeighbourState::Incomplete
        );
        if let (true, Some(IpAddr::V4(ip))) = (unresolved, dst(&n)) {
            if ips.contains(&ip) {
                super::hop::forget(handle, n.header.ifindex, ip).await;
            }
        }
    }
}

/// The addresses of `entries` per namespace, in first-seen order: one dump each.
pub(super) fn by_namespace(entries: &[(Netns, Ipv4Addr)]) -> Vec<(Netns, Vec<Ipv4Addr>)> {
    let mut by_ns: Vec<(Netns, Vec<Ipv4Addr>)> = vec![];
    for (ns, ip) in entries {
        match by_ns.iter_mut().find(|(n, _)| n == ns) {
            Some((_, ips)) => ips.push(*ip),
            None => by_ns.push((ns.clone(), vec![*ip])),
        }
    }
    by_ns
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_reads_as_ip_prints_it() {
        assert_eq!(state_word(0x02), Some("REACHABLE"));
        assert_eq!(state_word(0x20), Some("FAILED"));
        assert_eq!(state_word(0x01 | 0x40), Some("INCOMPLETE"));
        assert_eq!(state_word(0x40 | 0x80), Some("NOARP"));
        assert_eq!(state_word(0x40), None);
        assert_eq!(state_word(0x00), None);
    }

    #[test]
    fn a_mac_is_lowercase_hex() {
        assert_eq!(mac_text(&[0, 0xAB, 1, 2, 3, 0xff]), "00:ab:01:02:03:ff");
    }
}
