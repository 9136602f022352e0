//! A frame a bridge switches, through nftables' `bridge` family (ebtables' successor): the
//! chains on prerouting, forward and postrouting when the bridge forwards it from one port to
//! another, prerouting and input when the bridge itself is the hop, output and postrouting
//! when the bridge sends it; and the netdev ingress chains of the port it comes in by.

use super::bridge_arp::{arp_frames, hop, Hop};
use super::bridge_pkttype::pkt_type;
use super::bridge_words::rule_words;
use super::kernel::Kernel;
use super::l2::{find, peer};
use super::link_detail::LinkDetail;
use super::nft_early::{first_drop, frame, ingress, seen_at, what};
use super::report::Report;
use crate::firewall::nft::foreign::ForeignChain;
use crate::firewall::nft::foreign_judge::Frame;
use crate::sys::{LinkKind, Netns};
use std::net::IpAddr;

/// Where the bridge is met: (its namespace, its name, the port the frame comes in by, the
/// port it leaves by); a port is `None` when the bridge itself sends or receives.
type Crossing = (Netns, String, Option<String>, Option<String>);

/// The link whose cable carries `name`'s frames in `ns`: itself, or a macvlan's parent.
fn cabled(k: &mut dyn Kernel, ns: &Netns, name: &str) -> Option<(Netns, LinkDetail)> {
    let d = find(k, ns, name)?;
    match d.macvlan_mode {
        Some(_) => peer(k, ns, &d),
        None => Some((ns.clone(), d)),
    }
}

/// The bridge a frame sent on `dev` in `at` toward `to_link` in `to` crosses, and its ports.
fn crossing(
    k: &mut dyn Kernel,
    (at, dev): (&Netns, &str),
    (to, to_link): (&Netns, &str),
) -> Option<Crossing> {
    let (at, d) = cabled(k, at, dev)?;
    let (bns, br, in_port) = match d.kind {
        Some(LinkKind::Bridge) => (at.clone(), d.name, None),
        _ => {
            let (bns, port) = peer(k, &at, &d)?;
            (bns, port.master?, Some(port.name))
        }
    };
    let out_port = match cabled(k, to, to_link) {
        _ if bns == *to && br == to_link => None,
        Some((tns, l)) => match peer(k, &tns, &l) {
            Some((pns, p)) if pns == bns && p.master.as_deref() == Some(br.as_str()) => {
                Some(p.name)
            }
            // Behind another bridge (a chain of bridges): not known here.
            _ => Some(String::new()),
        },
        None => Some(String::new()),
    };
    Some((bns, br, in_port, out_port))
}

/// The frame from `src` to `dst` (`request`, or its reply) sent on `dev` in `at` toward
/// `to_link` in `to` (where its next hop `next` is held), switched by a bridge: the nftables
/// chains it and the ARP exchange before it cross there. False (said in `r`) when one surely
/// drops it; one that may is a `[?]` line, left to the probe.
pub(crate) fn bridged(
    k: &mut dyn Kernel,
    r: &mut Report,
    from: (&Netns, &str),
    (to, to_link, next): (&Netns, &str, IpAddr),
    src: Option<IpAddr>,
    dst: IpAddr,
    request: bool,
) -> bool {
    let Some(src) = src else { return true };
    let Some(mut first) = crossing(k, from, (to, to_link)) else {
        return true;
    };
    // Toward a chain of bridges the walk knows the port the frame leaves by.
    if let Some((_, _, _, o)) = r
        .switched
        .iter()
        .find(|(ns, br, _, _)| *ns == first.0 && *br == first.1)
    {
        first.3 = Some(o.clone());
    }
    // The bridges further along a chain of bridges, each from port to port.
    let further: Vec<Crossing> = r
        .switched
        .iter()
        .filter(|(ns, br, _, _)| !(*ns == first.0 && *br == first.1))
        .map(|(ns, br, i, o)| (ns.clone(), br.clone(), Some(i.clone()), Some(o.clone())))
        .collect();
    let hop = hop(k, from, (to, to_link), next);
    std::iter::once(first)
        .chain(further)
        .all(|c| bridged_at(k, r, c, (src, dst), request, &hop))
}

/// `bridged` at one bridge: the packet's frame, then the ARP request and its reply.
fn bridged_at(
    k: &mut dyn Kernel,
    r: &mut Report,
    c: Crossing,
    (src, dst): (IpAddr, IpAddr),
    request: bool,
    hop: &Hop,
) -> bool {
    let chains = k.foreign(&c.0);
    if chains.is_empty() {
        return true;
    }
    if let Some(p) = &c.2 {
        let s = seen_at(k, &c.0, p, (src, dst), request);
        if !ingress(k, r, &c.0, p, &s) {
            return false;
        }
    }
    let on: Vec<ForeignChain> = chains
        .into_iter()
        .filter(|c| c.family == "bridge")
        .collect();
    let s = seen_at(k, &c.0, "", (src, dst), request);
    let (sm, tm) = (hop.macs.0.as_deref(), hop.macs.1.as_deref());
    let f = frame(&s).between(tm, sm);
    if let Some(v) = through(k, r, &c, &on, (&f, &what(&s)), (false, false)) {
        return v;
    }
    for (f, what, forward) in arp_frames(hop) {
        if let Some(v) = through(k, r, &c, &on, (&f, &what), (!forward, hop.learnt)) {
            return v;
        }
    }
    true
}

/// The frame `f` (`what`, in words) through the `bridge` chains of the crossing `c` (`back`:
/// the other way, a reply), hook by hook: `Some(false)` (said in `r`) when one surely drops
/// it, `Some(true)` when one may (a `[?]` line), `None` when all let it pass. `learnt`: a
/// neighbour entry still holds, so a sure drop of ARP only bites when it expires. A stale MAC
/// pin is moved to the sender's MAC rather than deleted (`mac_pin`).
fn through(
    k: &mut dyn Kernel,
    r: &mut Report,
    (bns, br, i, o): &Crossing,
    chains: &[ForeignChain],
    (f, what): (&Frame, &str),
    (back, learnt): (bool, bool),
) -> Option<bool> {
    let (in_port, out_port) = if back { (o, i) } else { (i, o) };
    // NF_BR_*: 0 prerouting, 1 input, 2 forward, 3 output, 4 postrouting.
    let hooks: &[u32] = match (in_port, out_port) {
        (Some(_), Some(_)) => &[0, 2, 4],
        (Some(_), None) => &[0, 1],
        (None, _) => &[3, 4],
    };
    let mut on: Vec<&ForeignChain> = chains.iter().filter(|c| hooks.contains(&c.hook)).collect();
    on.sort_by_key(|c| (c.hook, c.priority));
    // A port's name is known only where the frame has it (not the way out before forward).
    let name = |p: &Option<String>| p.clone().filter(|p| !p.is_empty());
    let mut f = f.clone();
    for c in on {
        f.iif = if c.hook == 3 { None } else { name(in_port) };
        f.oif = if c.hook < 2 { None } else { name(out_port) };
        f.pkttype = pkt_type(&f, c.hook, in_port.is_some(), out_port.is_none());
        let Some((c, by, sure)) = first_drop(std::slice::from_ref(c), &f) else {
            continue;
        };
        let (chain, rule, fix) = rule_words(bns, &c, by, &f);
        let via = match (in_port.is_some(), name(in_port), name(out_port)) {
            (false, ..) => format!("sent by {br}"),
            (_, Some(i), Some(o)) => format!("switched by {br} from {i} to {o}"),
            (_, Some(i), None) => format!("switched by {br}, in by {i}"),
            (_, None, Some(o)) => format!("switched by {br} to {o}"),
            (_, None, None) => format!("switched by {br}"),
        };
        if sure && learnt {
            r.unsure(
                bns,
                format!("{chain} drops {what} {via} ({rule}): the neighbour entry holds until it expires"),
            );
            return Some(true);
        }
        if sure {
            let (stale, fix) = match super::mac_pin::repin(k, bns, &c, by, &f) {
                Some((said, repin)) => (said, repin),
                None => (String::new(), fix),
            };
            r.block(
                bns,
                format!("{chain} drops {what} {via} ({rule}){stale}"),
                Some(fix),
            );
            return Some(false);
        }
        r.unsure(
            bns,
            format!("{chain} may drop {what} {via} ({rule}: not understood, may match)"),
        );
        return Some(true);
    }
    None
}
