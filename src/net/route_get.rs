//! `ip route get DST` over netlink: one RTM_GETROUTE for a host route to DST, encoded as
//! iproute2 sends it, answered with the route the kernel would use, or with its refusal.

use crate::why::RouteGet;
use futures::{StreamExt, TryStreamExt};
use rtnetlink::packet_core::{NetlinkMessage, NetlinkPayload, NLM_F_REQUEST};
use rtnetlink::packet_route::link::LinkAttribute;
use rtnetlink::packet_route::route::{RouteAddress, RouteAttribute, RouteFlags, RouteMessage};
use rtnetlink::packet_route::{AddressFamily, RouteNetlinkMessage};
use rtnetlink::Handle;
use std::net::IpAddr;

/// The request: family, a full-length RTA_DST, and (IPv4 only, as `ip` sets it)
/// RTM_F_LOOKUP_TABLE so the answer names the table the route came from.
fn request(dst: IpAddr) -> NetlinkMessage<RouteNetlinkMessage> {
    let mut m = RouteMessage::default();
    let (family, len, addr) = match dst {
        IpAddr::V4(a) => (AddressFamily::Inet, 32, RouteAddress::Inet(a)),
        IpAddr::V6(a) => (AddressFamily::Inet6, 128, RouteAddress::Inet6(a)),
    };
    m.header.address_family = family;
    m.header.destination_prefix_length = len;
    if dst.is_ipv4() {
        m.header.flags = RouteFlags::LookupTable;
    }
    m.attributes.push(RouteAttribute::Destination(addr));
    let mut req = NetlinkMessage::from(RouteNetlinkMessage::GetRoute(m));
    req.header.flags = NLM_F_REQUEST;
    req
}

/// The system's words for an errno, as `ip` prints a refusal ("Network is unreachable").
pub(crate) fn refusal(errno: i32) -> String {
    let s = std::io::Error::from_raw_os_error(errno).to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// The route to `dst`, or the kernel's refusal in its own words.
pub(crate) async fn route_get(handle: &Handle, dst: IpAddr) -> Result<RouteGet, String> {
    let mut s = handle
        .clone()
        .request(request(dst))
        .map_err(|e| e.to_string())?;
    let mut found = None;
    while let Some(msg) = s.next().await {
        match msg.payload {
            NetlinkPayload::InnerMessage(RouteNetlinkMessage::NewRoute(r)) => found = Some(r),
            NetlinkPayload::Error(e) if e.code.is_some() => return Err(refusal(-e.raw_code())),
            _ => {}
        }
    }
    let r = found.ok_or("no answer")?;
    let addr = |a: &RouteAddress| match a {
        RouteAddress::Inet(a) => Some(IpAddr::V4(*a)),
        RouteAddress::Inet6(a) => Some(IpAddr::V6(*a)),
        _ => None,
    };
    let mut got = RouteGet {
        dev: String::new(),
        via: None,
        src: None,
    };
    let mut oif = None;
    for a in &r.attributes {
        match a {
            RouteAttribute::Oif(i) => oif = Some(*i),
            RouteAttribute::Gateway(g) => got.via = addr(g),
            RouteAttribute::PrefSource(p) => got.src = addr(p),
            _ => {}
        }
    }
    if let Some(i) = oif {
        got.dev = link_name(handle, i).await;
    }
    Ok(got)
}

/// A link's name by ifindex; `ifN` when there is none, as `ip` prints an unknown index.
async fn link_name(handle: &Handle, index: u32) -> String {
    let mut links = handle.link().get().match_index(index).execute();
    while let Ok(Some(l)) = links.try_next().await {
        for a in l.attributes {
            if let LinkAttribute::IfName(n) = a {
                return n;
            }
        }
    }
    format!("if{index}")
}
