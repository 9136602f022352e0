//! The first hop of a path, as the kernel would take it: the route's device and next hop
//! (RTM_GETROUTE), and that next hop's neighbour entry (one RTM_GETNEIGH, RTM_DELNEIGH, or an
//! NTF_USE RTM_NEWNEIGH that starts its resolution as a packet would).

use futures::StreamExt;
use nix::errno::Errno;
use rtnetlink::packet_core::{
    NetlinkMessage, NetlinkPayload, NLM_F_ACK, NLM_F_CREATE, NLM_F_DUMP, NLM_F_REQUEST,
};
use rtnetlink::packet_route::neighbour::{
    NeighbourAddress, NeighbourAttribute, NeighbourFlags, NeighbourMessage, NeighbourState,
};
use rtnetlink::packet_route::route::{
    RouteAddress, RouteAttribute, RouteFlags, RouteMessage, RouteType,
};
use rtnetlink::packet_route::{AddressFamily, RouteNetlinkMessage};
use rtnetlink::Handle;
use std::net::Ipv4Addr;

/// Where a packet to the destination leaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Hop {
    /// The output device's ifindex.
    pub oif: u32,
    /// The neighbour the packet is handed to: the gateway, or the destination when on-link.
    pub next: Ipv4Addr,
    /// The destination is one of this namespace's own addresses.
    pub local: bool,
}

/// Send one request and collect its answers; a netlink error comes back as its errno.
pub async fn ask(
    handle: &Handle,
    msg: RouteNetlinkMessage,
    flags: u16,
) -> Result<Vec<RouteNetlinkMessage>, i32> {
    let mut req = NetlinkMessage::from(msg);
    req.header.flags = flags;
    // The request fails only when the connection is gone.
    let mut s = handle.clone().request(req).map_err(|_| Errno::EIO as i32)?;
    let mut out = vec![];
    while let Some(m) = s.next().await {
        match m.payload {
            NetlinkPayload::InnerMessage(i) => out.push(i),
            NetlinkPayload::Error(e) if e.code.is_some() => return Err(-e.raw_code()),
            _ => {}
        }
    }
    Ok(out)
}

/// The route the kernel would use to reach `dst` (`ip route get`); `None` when it has none.
pub async fn first_hop(handle: &Handle, dst: Ipv4Addr) -> Option<Hop> {
    let mut m = RouteMessage::default();
    m.header.address_family = AddressFamily::Inet;
    m.header.destination_prefix_length = 32;
    m.header.flags = RouteFlags::LookupTable;
    m.attributes
        .push(RouteAttribute::Destination(RouteAddress::Inet(dst)));
    let answers = ask(handle, RouteNetlinkMessage::GetRoute(m), NLM_F_REQUEST)
        .await
        .ok()?;
    let r = answers.into_iter().find_map(|a| match a {
        RouteNetlinkMessage::NewRoute(r) => Some(r),
        _ => None,
    })?;
    let mut hop = Hop {
        oif: 0,
        next: dst,
        local: r.header.kind == RouteType::Local,
    };
    for a in &r.attributes {
        match a {
            RouteAttribute::Oif(i) => hop.oif = *i,
            RouteAttribute::Gateway(RouteAddress::Inet(g)) => hop.next = *g,
            _ => {}
        }
    }
    Some(hop)
}

fn neighbour_msg(oif: u32, ip: Ipv4Addr) -> NeighbourMessage {
    let mut m = NeighbourMessage::default();
    m.header.family = AddressFamily::Inet;
    m.header.ifindex = oif;
    m.attributes
        .push(NeighbourAttribute::Destination(NeighbourAddress::Inet(ip)));
    m
}

/// The state of the neighbour entry for `ip` on `oif`: `None` without one.
pub async fn neighbour(handle: &Handle, oif: u32, ip: Ipv4Addr) -> Option<NeighbourState> {
    let get = RouteNetlinkMessage::GetNeighbour(neighbour_msg(oif, ip));
    match ask(handle, get, NLM_F_REQUEST).await {
        Ok(answers) => answers.into_iter().find_map(|a| match a {
            RouteNetlinkMessage::NewNeighbour(n) => Some(n.header.state),
            _ => None,
        }),
        // Kernels before 5.0 answer only dumps.
        Err(e) if e == Errno::EOPNOTSUPP as i32 => dumped_state(handle, oif, ip).await,
        Err(_) => None,
    }
}

async fn dumped_state(handle: &Handle, oif: u32, ip: Ipv4Addr) -> Option<NeighbourState> {
    let mut m = NeighbourMessage::default();
    m.header.family = AddressFamily::Inet;
    let dump = RouteNetlinkMessage::GetNeighbour(m);
    let all = ask(handle, dump, NLM_F_REQUEST | NLM_F_DUMP).await.ok()?;
    all.into_iter().find_map(|a| match a {
        RouteNetlinkMessage::NewNeighbour(n)
            if n.header.ifindex == oif
                && n.attributes
                    .contains(&NeighbourAttribute::Destination(NeighbourAddress::Inet(ip))) =>
        {
            Some(n.header.state)
        }
        _ => None,
    })
}

/// Whether an entry in `state` already names the neighbour's link-layer address (or needs
/// none), so a packet to it goes out at once.
pub(crate) fn resolved(state: NeighbourState) -> bool {
    matches!(
        state,
        NeighbourState::Reachable
            | NeighbourState::Stale
            | NeighbourState::Delay
            | NeighbourState::Probe
            | NeighbourState::Permanent
            | NeighbourState::Noarp
    )
}

/// Start resolving `ip` on `oif` now, as the first packet to it would (NTF_USE): the entry is
/// created if need be and, unless a resolution is already under way, a probe goes out at once.
pub async fn resolve(handle: &Handle, oif: u32, ip: Ipv4Addr) -> Result<(), i32> {
    let mut m = neighbour_msg(oif, ip);
    m.header.flags = NeighbourFlags::Use;
    let new = RouteNetlinkMessage::NewNeighbour(m);
    ask(handle, new, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE)
        .await
        .map(|_| ())
}

/// Drop the entry for `ip` on `oif` (absent already: fine).
pub async fn forget(handle: &Handle, oif: u32, ip: Ipv4Addr) {
    let del = RouteNetlinkMessage::DelNeighbour(neighbour_msg(oif, ip));
    let _ = ask(handle, del, NLM_F_REQUEST | NLM_F_ACK).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_with_an_address_or_none_needed_is_resolved() {
        use NeighbourState::*;
        for s in [Reachable, Stale, Delay, Probe, Permanent, Noarp] {
            assert!(resolved(s), "{s:?}");
        }
        for s in [Incomplete, Failed, None] {
            assert!(!resolved(s), "{s:?}");
        }
    }
}
