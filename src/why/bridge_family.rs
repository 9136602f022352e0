//! A frame a bridge switches, through nftables' `bridge` family (ebtables' successor): the
//! chains on prerouting, forward and postrouting when the bridge forwards it from one port to
//! another, prerouting and input when the bridge itself is the hop, output and postrouting
//! when the bridge sends it; and the netdev ingress chains of the port it comes in by.

use super::kernel::Kernel;
use super::l2::{find, peer};
use super::nft_early::{first_drop, frame, ingress, seen_at, what, words};
use super::report::Report;
use crate::firewall::nft::foreign::ForeignChain;
use crate::sys::{LinkKind, Netns};
use std::net::IpAddr;

/// Where the bridge is met: (its namespace, its name, the port the frame comes in by, the
/// port it leaves by); a port is `None` when the bridge itself sends or receives.
type Crossing = (Netns, String, Option<String>, Option<String>);

/// The bridge a frame sent on `dev` in `at` toward `to_link` in `to` crosses, and its ports.
fn crossing(
    k: &mut dyn Kernel,
    (at, dev): (&Netns, &str),
    (to, to_link): (&Netns, &str),
) -> Option<Crossing> {
    let d = find(k, at, dev)?;
    let (bns, br, in_port) = match d.kind {
        Some(LinkKind::Bridge) => (at.clone(), d.name, None),
        _ => {
            let (bns, port) = peer(k, at, &d)?;
            (bns, port.master?, Some(port.name))
        }
    };
    let out_port = match find(k, to, to_link) {
        _ if bns == *to && br == to_link => None,
        Some(l) => match peer(k, to, &l) {
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
/// `to_link` in `to`, switched by a bridge: the nftables chains it crosses there. False (said
/// in `r`) when one surely drops it; one that may is a `[?]` line, left to the probe.
pub(crate) fn bridged(
    k: &mut dyn Kernel,
    r: &mut Report,
    from: (&Netns, &str),
    to: (&Netns, &str),
    src: Option<IpAddr>,
    dst: IpAddr,
    request: bool,
) -> bool {
    let Some(src) = src else { return true };
    let Some(mut first) = crossing(k, from, to) else {
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
    std::iter::once(first)
        .chain(further)
        .all(|c| bridged_at(k, r, c, (src, dst), request))
}

/// `bridged` at one bridge.
fn bridged_at(
    k: &mut dyn Kernel,
    r: &mut Report,
    (bns, br, in_port, out_port): Crossing,
    (src, dst): (IpAddr, IpAddr),
    request: bool,
) -> bool {
    let chains = k.foreign(&bns);
    if chains.is_empty() {
        return true;
    }
    if let Some(p) = &in_port {
        let s = seen_at(k, &bns, p, (src, dst), request);
        if !ingress(k, r, &bns, p, &s) {
            return false;
        }
    }
    // NF_BR_*: 0 prerouting, 1 input, 2 forward, 3 output, 4 postrouting.
    let hooks: &[u32] = match (&in_port, &out_port) {
        (Some(_), Some(_)) => &[0, 2, 4],
        (Some(_), None) => &[0, 1],
        (None, _) => &[3, 4],
    };
    let mut on: Vec<ForeignChain> = chains
        .into_iter()
        .filter(|c| c.family == "bridge" && hooks.contains(&c.hook))
        .collect();
    on.sort_by_key(|c| (c.hook, c.priority));
    let mut s = seen_at(k, &bns, "", (src, dst), request);
    for c in on {
        // A port's name is known only where the frame has it (not the way out before forward).
        let name = |p: &Option<String>| p.clone().filter(|p| !p.is_empty());
        s.in_dev = if c.hook == 3 { None } else { name(&in_port) };
        s.out_dev = if c.hook < 2 { None } else { name(&out_port) };
        let f = frame(&s);
        let Some((c, by, sure)) = first_drop(std::slice::from_ref(&c), &f) else {
            continue;
        };
        let (chain, rule, fix) = words(&bns, &c, by, &f);
        let via = match (&in_port, name(&out_port)) {
            (Some(i), Some(o)) => format!("switched by {br} from {i} to {o}"),
            (Some(i), None) => format!("switched by {br}, in by {i}"),
            (None, _) => format!("sent by {br}"),
        };
        let what = what(&s);
        if sure {
            r.block(
                &bns,
                format!("{chain} drops {what} {via} ({rule})"),
                Some(fix),
            );
            return false;
        }
        r.unsure(
            &bns,
            format!("{chain} may drop {what} {via} ({rule}: not understood, may match)"),
        );
        return true;
    }
    true
}
