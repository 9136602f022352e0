//! `ip rule` and `ip route show table all` over netlink (two dumps), for `why` to name the
//! rule and route behind a lookup the kernel answered.

use super::route_get::kind;
use crate::why::fib::{Fib, FibRoute, FibRule, RuleAction};
use futures::TryStreamExt;
use ipnet::IpNet;
use rtnetlink::packet_route::route::{RouteAddress, RouteAttribute, RouteFlags, RouteMessage};
use rtnetlink::packet_route::rule::{self, RuleAttribute, RuleFlags, RuleMessage};
use rtnetlink::packet_route::AddressFamily;
use rtnetlink::{Handle, IpVersion, RouteMessageBuilder};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

pub(crate) async fn fib(handle: &Handle, v6: bool) -> Result<Fib, rtnetlink::Error> {
    let names = super::neigh::link_names(handle).await?;
    let mut f = Fib::default();
    let version = if v6 { IpVersion::V6 } else { IpVersion::V4 };
    let mut rules = handle.rule().get(version).execute();
    while let Some(r) = rules.try_next().await? {
        f.rules.push(fib_rule(&r));
    }
    // Without strict checking the kernel dumps every table.
    let q = if v6 {
        RouteMessageBuilder::<Ipv6Addr>::new().build()
    } else {
        RouteMessageBuilder::<Ipv4Addr>::new().build()
    };
    let mut routes = handle.route().get(q).execute();
    while let Some(r) = routes.try_next().await? {
        // The dump carries the route cache's exceptions too (a redirect, a learned path MTU):
        // they are not routes of a table.
        if r.header.flags.contains(RouteFlags::Cloned) {
            continue;
        }
        if let Some(rt) = fib_route(&r, &names) {
            f.routes.push(rt);
        }
    }
    Ok(f)
}

fn net(a: IpAddr, len: u8) -> Option<IpNet> {
    IpNet::new(a, len).ok().map(|n| n.trunc())
}

fn fib_rule(r: &RuleMessage) -> FibRule {
    let h = &r.header;
    let mut f = FibRule {
        table: h.table as u32,
        tos: h.tos,
        invert: h.flags.contains(RuleFlags::Invert),
        action: match h.action {
            rule::RuleAction::ToTable => RuleAction::Lookup,
            rule::RuleAction::Goto => RuleAction::Goto,
            rule::RuleAction::Nop => RuleAction::Nop,
            rule::RuleAction::Blackhole => RuleAction::Blackhole,
            rule::RuleAction::Unreachable => RuleAction::Unreachable,
            rule::RuleAction::Prohibit => RuleAction::Prohibit,
            _ => RuleAction::Other,
        },
        ..FibRule::default()
    };
    let (mut mark, mut mask) = (None, None);
    for a in &r.attributes {
        match a {
            RuleAttribute::Priority(p) => f.priority = *p,
            RuleAttribute::Source(s) => f.src = net(*s, h.src_len),
            RuleAttribute::Destination(d) => f.dst = net(*d, h.dst_len),
            RuleAttribute::Iifname(i) => f.iif = Some(i.clone()),
            RuleAttribute::Oifname(o) => f.oif = Some(o.clone()),
            RuleAttribute::Table(t) => f.table = *t,
            RuleAttribute::Goto(g) => f.goto = Some(*g),
            RuleAttribute::FwMark(m) => mark = Some(*m),
            RuleAttribute::FwMask(m) => mask = Some(*m),
            RuleAttribute::IpProtocol(p) => f.ipproto = u8::from(*p),
            RuleAttribute::SourcePortRange(p) => f.sport = Some((p.start, p.end)),
            RuleAttribute::DestinationPortRange(p) => f.dport = Some((p.start, p.end)),
            RuleAttribute::UidRange(u) => f.uid = Some((u.start, u.end)),
            RuleAttribute::TunId(_) | RuleAttribute::L3MDev(true) => f.other = true,
            _ => {}
        }
    }
    if mark.is_some() || mask.is_some() {
        f.fwmark = Some((mark.unwrap_or(0), mask.unwrap_or(u32::MAX)));
    }
    f
}

fn fib_route(r: &RouteMessage, names: &HashMap<u32, String>) -> Option<FibRoute> {
    let addr = |ra: &RouteAddress| match ra {
        RouteAddress::Inet(a) => Some(IpAddr::V4(*a)),
        RouteAddress::Inet6(a) => Some(IpAddr::V6(*a)),
        _ => None,
    };
    let mut table = r.header.table as u32;
    let (mut dst, mut via, mut dev, mut metric, mut src) = (None, None, None, None, None);
    let mut hops = vec![];
    for a in &r.attributes {
        match a {
            RouteAttribute::Destination(d) => dst = addr(d),
            RouteAttribute::Gateway(g) => via = addr(g),
            RouteAttribute::Oif(i) => dev = names.get(i).cloned(),
            RouteAttribute::Table(t) => table = *t,
            RouteAttribute::Priority(m) => metric = Some(*m),
            RouteAttribute::PrefSource(s) => src = addr(s),
            RouteAttribute::MultiPath(nh) => {
                for h in nh {
                    let gw = h.attributes.iter().find_map(|a| match a {
                        RouteAttribute::Gateway(g) => addr(g),
                        _ => None,
                    });
                    let name = names.get(&h.interface_index).cloned().unwrap_or_default();
                    hops.push((gw, name));
                }
            }
            _ => {}
        }
    }
    let dst = dst.unwrap_or(match r.header.address_family {
        AddressFamily::Inet6 => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
        _ => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
    });
    Some(FibRoute {
        table,
        dst: net(dst, r.header.destination_prefix_length)?,
        kind: kind(r.header.kind),
        via,
        dev,
        metric,
        hops,
        src,
        scope: r.header.scope.into(),
    })
}
