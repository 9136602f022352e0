//! Where the probe is watched (the namespaces the walk went through, and the destination's),
//! and what happens when the analysis blamed a step the packets went through.

use super::evidence::{Evidence, Vanished};
use super::kernel::Kernel;
use super::owner::owner;
use super::report::Report;
use super::trail::End;
use super::underlay_hops::underlay_hops;
use crate::sys::Netns;
use std::net::IpAddr;

/// The namespaces to capture in: the source, every namespace a hop of the walk names, each
/// next hop's, and the one that holds `dst`. Only the path: never every namespace.
pub(crate) fn watched(k: &mut dyn Kernel, r: &Report, src: &Netns, dst: IpAddr) -> Vec<Netns> {
    let mut v = vec![src.clone()];
    let mut add = |ns: Netns| {
        if !v.contains(&ns) {
            v.push(ns);
        }
    };
    let named: Vec<&str> = r.hops.iter().map(|h| h.at.as_str()).collect();
    for ns in k.namespaces() {
        if named.contains(&ns.to_string().as_str()) {
            add(ns);
        }
    }
    for (ns, _, _) in &r.next_hops {
        add(ns.clone());
    }
    if let Some((ns, _)) = owner(k, dst) {
        add(ns);
    }
    // The far side of each tunnel on the path, and the underlay routers on the way to it.
    let mut tunnels: Vec<(Netns, Option<IpAddr>, IpAddr)> = vec![];
    for ns in v.clone() {
        for l in k.links(&ns) {
            if let Some(remote) = l.vxlan.as_ref().and_then(|x| x.remote) {
                tunnels.push((ns.clone(), l.vxlan.and_then(|x| x.local), remote));
            }
        }
    }
    for (from, local, remote) in tunnels {
        let far = owner(k, remote).map(|(ns, _)| ns);
        for ns in underlay_hops(k, &from, local, remote)
            .into_iter()
            .chain(far)
        {
            if !v.contains(&ns) {
                v.push(ns);
            }
        }
    }
    v
}

/// The analysis blamed one step, the packets vanished at another: say which steps they
/// demonstrably passed, and follow the evidence.
pub(crate) fn overrule(r: &mut Report, ev: &Evidence, v: Vanished) {
    let Some(blamed) = r.hops.iter().rposition(|h| !h.ok) else {
        return;
    };
    let at = r.hops[blamed].at.clone();
    let lost = Some(v.ns.to_string());
    let looped = r.looped.contains(&v.ns.to_string());
    if at == v.ns.to_string()
        || looped
        || r.lost_at == lost
        || r.lost_too == lost
        || toward_lost(r, ev)
    {
        return;
    }
    let left = |reply: bool| {
        let t = if reply {
            ev.reply.as_ref()
        } else {
            Some(&ev.request)
        };
        t.is_some_and(|t| t.seen.iter().any(|s| s.out && s.ns.to_string() == at))
    };
    let came = |reply: bool| {
        let t = if reply {
            ev.reply.as_ref()
        } else {
            Some(&ev.request)
        };
        t.is_some_and(|t| t.seen.iter().any(|s| s.ns.to_string() == at))
    };
    let thought = r.broken.take().unwrap_or_default();
    let (req_left, reply_came, reply_left) = (left(false), came(true), left(true));
    // The reply came to the blamed step and stopped there, or the blame is on the way back and
    // no reply came to it at all: the analysis may be right.
    if req_left && !reply_left && (reply_came || r.back) {
        r.broken = Some(thought);
        return;
    }
    let seen = match (req_left, reply_left) {
        (true, true) => format!("but the request and the reply passed {at}"),
        (true, false) => format!("but the request passed {at}"),
        _ => format!("but the packets vanished before {at}, in {}", v.ns),
    };
    r.hops[blamed].ok = true;
    r.hop(&at, format!("the analysis thought: {thought}; {seen}"));
    r.block(&v.ns, v.cause, v.fix);
}

/// The analysis said the packet is sent to a host that loses it (`lost_at`), and the evidence
/// saw it leave toward that host: they agree.
fn toward_lost(r: &Report, ev: &Evidence) -> bool {
    let Some(lost) = &r.lost_at else { return false };
    std::iter::once(&ev.request)
        .chain(ev.reply.as_ref())
        .any(|t| match &t.end {
            End::Astray { to, .. } | End::Ignored { to, .. } => to.0.to_string() == *lost,
            End::Lost { to: Some(to), .. } => to.0.to_string() == *lost,
            End::Stuck { ns, .. } => ns.to_string() == *lost,
            _ => false,
        })
}
