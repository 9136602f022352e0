//! A link's readiness to carry frames, read with RTM_GETLINK. Reading one link by index also
//! makes the kernel apply its pending carrier change (Linux 6.8+ syncs linkwatch in
//! `rtnl_getlink`): until linkwatch runs, a veth that has carrier sends nothing (no qdisc yet)
//! and a bridge port that has carrier stays disabled. After a big build linkwatch drains its
//! backlog about a hundred links a second, so reading the links a path needs is what brings
//! them up in time. And which link of a namespace has a given address (an RTM_GETADDR dump).

use super::hop::ask;
use rtnetlink::packet_core::{NLM_F_DUMP, NLM_F_REQUEST};
use rtnetlink::packet_route::address::{AddressAttribute, AddressMessage};
use rtnetlink::packet_route::link::{
    InfoKind, LinkAttribute, LinkExtentMask, LinkFlags, LinkInfo, LinkMessage, State,
};
use rtnetlink::packet_route::AddressFamily;
use rtnetlink::packet_route::RouteNetlinkMessage;
use rtnetlink::Handle;
use std::net::{IpAddr, Ipv4Addr};

/// What a path needs to know of one link.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct LinkState {
    pub index: u32,
    pub up: bool,
    /// IFF_LOWER_UP.
    pub carrier: bool,
    /// Operational state UP; or UNKNOWN, for a link that does not report one. A veth does, but
    /// reads UNKNOWN from its creation until linkwatch first runs for it.
    pub oper_up: bool,
    /// A veth's other end: its ifindex and, when it is in another namespace, that namespace's
    /// nsid as this one names it.
    pub peer: Option<(u32, Option<i32>)>,
    /// IFLA_IFALIAS: netsh tags each link it creates with its lab's.
    pub alias: Option<String>,
    pub veth: bool,
}

impl LinkState {
    /// Up with carrier, but linkwatch has not applied it yet (the operational state, which it
    /// sets, is still down): the link sends nothing, and as a bridge port it stays disabled
    /// (the bridge enables a port when linkwatch reports its carrier).
    pub(crate) fn pending(&self) -> bool {
        self.up && self.carrier && !self.oper_up
    }
}

fn parse(l: &LinkMessage) -> LinkState {
    let mut s = LinkState {
        index: l.header.index,
        up: l.header.flags.contains(LinkFlags::Up),
        carrier: l.header.flags.contains(LinkFlags::LowerUp),
        ..LinkState::default()
    };
    let mut link = None;
    let mut nsid = None;
    let mut veth = false;
    let mut oper = State::Unknown;
    for a in &l.attributes {
        match a {
            LinkAttribute::OperState(o) => oper = *o,
            LinkAttribute::Link(i) if *i != 0 => link = Some(*i),
            LinkAttribute::LinkNetNsId(i) => nsid = Some(*i),
            LinkAttribute::IfAlias(a) => s.alias = Some(a.clone()),
            LinkAttribute::LinkInfo(infos) => {
                veth |= infos.contains(&LinkInfo::Kind(InfoKind::Veth));
            }
            _ => {}
        }
    }
    if veth {
        s.peer = link.map(|i| (i, nsid));
    }
    s.veth = veth;
    s.oper_up = oper == State::Up || (oper == State::Unknown && !veth);
    s
}

/// Counters are not needed: leave them out of the answers.
fn no_stats(m: &mut LinkMessage) {
    m.attributes
        .push(LinkAttribute::ExtMask(vec![LinkExtentMask::SkipStats]));
}

/// Read link `index` of the handle's namespace (and so apply its pending carrier change);
/// `None` when it is gone.
pub async fn read(handle: &Handle, index: u32) -> Option<LinkState> {
    let mut m = LinkMessage::default();
    m.header.index = index;
    no_stats(&mut m);
    let answers = ask(handle, RouteNetlinkMessage::GetLink(m), NLM_F_REQUEST)
        .await
        .ok()?;
    answers.iter().find_map(|a| match a {
        RouteNetlinkMessage::NewLink(l) => Some(parse(l)),
        _ => None,
    })
}

/// Whether link `index` is a veth on its way out: its other end is gone already (the pair is
/// being unregistered), or cannot be read in its namespace because the kernel is dismantling
/// that namespace (it no longer lends it by its nsid).
pub async fn peer_going(handle: &Handle, index: u32) -> bool {
    let Some(l) = read(handle, index).await else {
        return false;
    };
    let (peer, nsid) = match l.peer {
        _ if !l.veth => return false,
        None => return true,
        Some((_, None)) => return false,
        Some((peer, Some(nsid))) => (peer, nsid),
    };
    let mut m = LinkMessage::default();
    m.header.index = peer;
    no_stats(&mut m);
    m.attributes.push(LinkAttribute::IfNetnsId(nsid));
    ask(handle, RouteNetlinkMessage::GetLink(m), NLM_F_REQUEST)
        .await
        .is_err()
}

/// Every link of the handle's namespace, as a dump reads them (which applies nothing).
pub async fn all(handle: &Handle) -> Vec<LinkState> {
    let mut m = LinkMessage::default();
    no_stats(&mut m);
    let dump = ask(
        handle,
        RouteNetlinkMessage::GetLink(m),
        NLM_F_REQUEST | NLM_F_DUMP,
    );
    let answers = dump.await.unwrap_or_default();
    answers
        .iter()
        .filter_map(|a| match a {
            RouteNetlinkMessage::NewLink(l) => Some(parse(l)),
            _ => None,
        })
        .collect()
}

/// The link of the handle's namespace that has address `ip`, if one has.
pub async fn link_with(handle: &Handle, ip: Ipv4Addr) -> Option<u32> {
    let mut m = AddressMessage::default();
    m.header.family = AddressFamily::Inet;
    let dump = ask(
        handle,
        RouteNetlinkMessage::GetAddress(m),
        NLM_F_REQUEST | NLM_F_DUMP,
    );
    dump.await.ok()?.into_iter().find_map(|a| match a {
        RouteNetlinkMessage::NewAddress(a)
            if a.attributes
                .contains(&AddressAttribute::Local(IpAddr::V4(ip))) =>
        {
            Some(a.header.index)
        }
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(kind: Option<InfoKind>, flags: LinkFlags, oper: Option<State>) -> LinkMessage {
        let mut m = LinkMessage::default();
        m.header.index = 7;
        m.header.flags = flags;
        if let Some(k) = kind {
            m.attributes
                .push(LinkAttribute::LinkInfo(vec![LinkInfo::Kind(k)]));
        }
        m.attributes.push(LinkAttribute::Link(9));
        m.attributes.push(LinkAttribute::LinkNetNsId(3));
        if let Some(o) = oper {
            m.attributes.push(LinkAttribute::OperState(o));
        }
        m
    }

    const UP: LinkFlags = LinkFlags::Up.union(LinkFlags::LowerUp);

    #[test]
    fn a_veth_with_carrier_is_pending_until_linkwatch_sets_it_up() {
        let veth = |oper| parse(&link(Some(InfoKind::Veth), UP, Some(oper)));
        // Fresh from its creation a veth reads UNKNOWN, then DOWN, until linkwatch runs.
        assert!(veth(State::Unknown).pending());
        assert!(veth(State::Down).pending());
        assert!(veth(State::LowerLayerDown).pending());
        assert!(!veth(State::Up).pending());
        assert_eq!(veth(State::Up).peer, Some((9, Some(3))));
    }

    #[test]
    fn a_link_down_or_without_carrier_is_not_waited_for() {
        let down = parse(&link(
            Some(InfoKind::Veth),
            LinkFlags::Up,
            Some(State::Down),
        ));
        assert!(!down.pending(), "no carrier: nothing will come");
        let admin_down = parse(&link(Some(InfoKind::Veth), LinkFlags::LowerUp, None));
        assert!(!admin_down.pending());
    }

    #[test]
    fn a_link_without_operational_state_is_up_when_unknown() {
        let dummy = parse(&link(Some(InfoKind::Dummy), UP, Some(State::Unknown)));
        assert!(!dummy.pending());
        assert_eq!(dummy.peer, None, "only a veth has a peer");
        let bridge = parse(&link(Some(InfoKind::Bridge), UP, Some(State::Down)));
        assert!(bridge.pending());
    }
}
