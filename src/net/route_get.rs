//! `ip route get DST [from SRC iif DEV | oif DEV]` over netlink: one RTM_GETROUTE encoded as iproute2
//! sends it, answered with the route the kernel would use (its type and table), or with its
//! refusal. With an incoming link the kernel takes the input path: policy rules on `iif`,
//! forwarding, and the reverse-path filter, as for a packet that arrives.

use crate::why::{Lookup, Refusal, RouteGet, RouteKind};
use futures::{StreamExt, TryStreamExt};
use rtnetlink::packet_core::{NetlinkMessage, NetlinkPayload, NLM_F_REQUEST};
use rtnetlink::packet_route::link::LinkAttribute;
use rtnetlink::packet_route::route::{
    RouteAddress, RouteAttribute, RouteFlags, RouteMessage, RouteMetric, RouteType, RouteVia,
};
use rtnetlink::packet_route::{AddressFamily, RouteNetlinkMessage};
use rtnetlink::Handle;
use std::net::IpAddr;

fn address(a: IpAddr) -> RouteAddress {
    match a {
        IpAddr::V4(a) => RouteAddress::Inet(a),
        IpAddr::V6(a) => RouteAddress::Inet6(a),
    }
}

/// The request: family, a full-length RTA_DST (and RTA_SRC, RTA_IIF, RTA_OIF), and (IPv4 only,
/// as `ip` sets it) RTM_F_LOOKUP_TABLE so the answer names the table the route came from.
fn request(q: &Lookup, iif: Option<u32>, oif: Option<u32>) -> NetlinkMessage<RouteNetlinkMessage> {
    let mut m = RouteMessage::default();
    let (family, len) = match q.dst {
        IpAddr::V4(_) => (AddressFamily::Inet, 32),
        IpAddr::V6(_) => (AddressFamily::Inet6, 128),
    };
    m.header.address_family = family;
    m.header.destination_prefix_length = len;
    if q.dst.is_ipv4() {
        m.header.flags = RouteFlags::LookupTable;
    }
    m.attributes
        .push(RouteAttribute::Destination(address(q.dst)));
    if let Some(s) = q.src.filter(|s| s.is_ipv4() == q.dst.is_ipv4()) {
        m.header.source_prefix_length = len;
        m.attributes.push(RouteAttribute::Source(address(s)));
    }
    if let Some(i) = iif {
        m.attributes.push(RouteAttribute::Iif(i));
    }
    if let Some(o) = oif {
        m.attributes.push(RouteAttribute::Oif(o));
    }
    if q.mark != 0 {
        m.attributes.push(RouteAttribute::Mark(q.mark));
    }
    if q.proto != 0 {
        m.attributes.push(RouteAttribute::IpProto(q.proto));
    }
    if let Some(p) = q.sport {
        m.attributes.push(RouteAttribute::Sport(p));
    }
    if let Some(p) = q.dport {
        m.attributes.push(RouteAttribute::Dport(p));
    }
    if let Some(u) = q.uid.filter(|_| iif.is_none()) {
        m.attributes.push(RouteAttribute::Uid(u));
    }
    let mut req = NetlinkMessage::from(RouteNetlinkMessage::GetRoute(m));
    req.header.flags = NLM_F_REQUEST;
    req
}

/// The system's words for an errno, as `ip` prints a refusal ("Network is unreachable").
pub(crate) fn refusal(errno: i32) -> Refusal {
    let s = std::io::Error::from_raw_os_error(errno).to_string();
    let words = match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    };
    Refusal { errno, words }
}

pub(crate) fn kind(t: RouteType) -> RouteKind {
    match t {
        RouteType::Unicast => RouteKind::Unicast,
        RouteType::Local => RouteKind::Local,
        RouteType::Broadcast => RouteKind::Broadcast,
        RouteType::BlackHole => RouteKind::Blackhole,
        RouteType::Unreachable => RouteKind::Unreachable,
        RouteType::Prohibit => RouteKind::Prohibit,
        RouteType::Throw => RouteKind::Throw,
        _ => RouteKind::Other,
    }
}

/// The route for `q`, or the kernel's refusal in its own words.
pub(crate) async fn route_get(handle: &Handle, q: &Lookup) -> Result<RouteGet, Refusal> {
    let mut index = [None, None];
    for (i, dev) in index.iter_mut().zip([&q.iif, &q.oif]) {
        if let Some(name) = dev {
            *i = Some(link_index(handle, name).await.ok_or_else(|| Refusal {
                errno: 19,
                words: format!("no link {name}"),
            })?);
        }
    }
    let [iif, oif] = index;
    let mut s = handle
        .clone()
        .request(request(q, iif, oif))
        .map_err(|e| Refusal {
            errno: 0,
            words: e.to_string(),
        })?;
    let mut found = None;
    while let Some(msg) = s.next().await {
        match msg.payload {
            NetlinkPayload::InnerMessage(RouteNetlinkMessage::NewRoute(r)) => found = Some(r),
            NetlinkPayload::Error(e) if e.code.is_some() => return Err(refusal(-e.raw_code())),
            _ => {}
        }
    }
    let r = found.ok_or_else(|| Refusal {
        errno: 0,
        words: "no answer".into(),
    })?;
    let addr = |a: &RouteAddress| match a {
        RouteAddress::Inet(a) => Some(IpAddr::V4(*a)),
        RouteAddress::Inet6(a) => Some(IpAddr::V6(*a)),
        _ => None,
    };
    let mut got = RouteGet {
        kind: kind(r.header.kind),
        table: Some(r.header.table as u32).filter(|t| *t != 0),
        ..RouteGet::default()
    };
    let mut oif = None;
    let mut expires = 0;
    for a in &r.attributes {
        match a {
            RouteAttribute::Oif(i) => oif = Some(*i),
            RouteAttribute::Gateway(g) => got.via = addr(g),
            // `via inet6 fe80::2` on an IPv4 route (RFC 5549): the gateway, of the other family.
            RouteAttribute::Via(RouteVia::Inet6(a)) => got.via = Some(IpAddr::V6(*a)),
            RouteAttribute::Via(RouteVia::Inet(a)) => got.via = Some(IpAddr::V4(*a)),
            RouteAttribute::PrefSource(p) => got.src = addr(p),
            RouteAttribute::Table(t) if *t != 0 => got.table = Some(*t),
            RouteAttribute::Metrics(ms) => {
                got.mtu = ms.iter().find_map(|m| match m {
                    RouteMetric::Mtu(v) if *v != 0 => Some(*v),
                    _ => None,
                });
                got.hoplimit = ms.iter().find_map(|m| match m {
                    RouteMetric::Hoplimit(v) if *v != 0 => Some(*v),
                    _ => None,
                })
            }
            RouteAttribute::Realm(r) => {
                got.realm = Some(u32::from(r.source) << 16 | u32::from(r.destination))
            }
            RouteAttribute::CacheInfo(c) => (got.learned, expires) = (c.expires != 0, c.expires),
            _ => {}
        }
    }
    // RTCF_REDIRECTED, in the flags' upper half as `ip route get` reads it (`<redirected>`);
    // the expiry is in USER_HZ ticks.
    if r.header.flags.bits() & 0x0004_0000 != 0 {
        got.redirected = Some(expires / 100);
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

async fn link_index(handle: &Handle, name: &str) -> Option<u32> {
    let mut links = handle.link().get().match_name(name.to_string()).execute();
    links
        .try_next()
        .await
        .ok()
        .flatten()
        .map(|l| l.header.index)
}
