//! What the probe's packets say: where the request and the reply were seen, and where one of
//! them went missing, with the likeliest cause the kernel shows at that place.

use super::drops::{drops, Path};
use super::kernel::Kernel;
use super::owner::owner;
use super::packet::Packet;
use super::report::Report;
use super::route_get::{Lookup, RouteKind};
use super::sighting::Sighting;
use super::trail::{follow, End, Trail};
pub(crate) use super::vanished::Vanished;
use super::words::call;
use crate::sys::Netns;
use std::net::IpAddr;

/// The request's trail, and the reply's once the request arrived.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Evidence {
    pub(crate) all: Vec<Sighting>,
    pub(crate) request: Trail,
    pub(crate) reply: Option<Trail>,
}

/// The trails of the probe from `src`; `None` when nothing was seen.
pub(crate) fn trails(
    k: &mut dyn Kernel,
    seen: &[Sighting],
    watched: &[Netns],
    src: &Netns,
) -> Option<Evidence> {
    if seen.is_empty() {
        return None;
    }
    let request = follow(k, seen, watched, src, false);
    let reply = match &request.end {
        End::Arrived { ns, .. } => Some(follow(k, seen, watched, ns, true)),
        _ => None,
    };
    Some(Evidence {
        all: seen.to_vec(),
        request,
        reply,
    })
}

/// One line per trail: `the request was seen at ns1 (out eth0), r1 (in left, out right): …`.
pub(crate) fn summary(t: &Trail) -> Option<(Netns, String)> {
    // A run of sightings in one namespace, bare or inside one VXLAN (its VNI).
    let mut parts: Vec<(Netns, Option<u32>, Vec<String>)> = vec![];
    for s in &t.seen {
        let word = format!("{} {}", if s.out { "out" } else { "in" }, s.dev);
        match parts.last_mut() {
            Some((n, v, w)) if *n == s.ns && *v == s.vxlan => w.push(word),
            _ => parts.push((s.ns.clone(), s.vxlan, vec![word])),
        }
    }
    let (last, _, _) = parts.last()?.clone();
    let path: Vec<String> = parts
        .iter()
        .map(|(n, v, w)| match v {
            Some(vni) => format!("{n} ({}, inside VXLAN {vni})", w.join(", ")),
            None => format!("{n} ({})", w.join(", ")),
        })
        .collect();
    let end = match &t.end {
        End::Arrived { ns, .. } => format!("it reached {ns}"),
        _ => format!("last seen in {last}"),
    };
    Some((
        last,
        format!("{} was seen at {}: {end}", t.what(), path.join(", ")),
    ))
}

/// Where the probe vanished, by the evidence; `None` when every trail arrived and the
/// probe got its reply, or the evidence is not conclusive.
pub(crate) fn vanished(
    k: &mut dyn Kernel,
    ev: &Evidence,
    src: &Netns,
    dst: IpAddr,
    got: bool,
) -> Option<Vanished> {
    let t = match &ev.reply {
        Some(rep) if !matches!(rep.end, End::Arrived { .. }) => rep,
        Some(rep) => {
            let End::Arrived { ns, dev } = &rep.end else {
                return None;
            };
            if !got && ns != src {
                return held_back(k, ns, dev, ev);
            }
            return (!got && ns == src).then(|| unheard(k, ns, dev, ev));
        }
        None => &ev.request,
    };
    match &t.end {
        End::Arrived { .. } | End::Unclear => None,
        End::NotSent { ns } if t.reply => Some(no_answer(k, ns, ev)),
        End::NotSent { ns } => {
            let what = format!("the request never left {ns}");
            let out = k.route_get(ns, &Lookup::to(dst)).ok();
            let p = out.as_ref().map(|o| Packet {
                in_dev: None,
                out_dev: o.dev.clone(),
                src: o.src.unwrap_or(dst),
                dst,
                state: "NEW",
            });
            let next = out.map(|o| (o.dev, o.via.unwrap_or(dst)));
            Some(inside(k, ns, what, Path::Output, p, next, None))
        }
        End::Stuck { ns, dev, s } => Some(stuck(k, t, ns, dev, s)),
        End::Lost { ns, dev, to } => {
            let entry = to
                .as_ref()
                .and_then(|(pns, pdev)| Some((pns, super::xdp::xdp_on(k, pns, pdev)?)));
            if let (Some((pns, pdev)), Some((at, (cause, fix)))) = (to, entry) {
                return Some(Vanished {
                    ns: at.clone(),
                    cause: format!(
                        "{} left {ns} on {dev} but never arrived on {pns}'s {pdev}: {cause}",
                        t.what()
                    ),
                    fix: Some(fix),
                });
            }
            let cause = match to {
                Some((pns, pdev)) => format!(
                    "{} left {ns} on {dev} but never arrived on {pns}'s {pdev}",
                    t.what()
                ),
                None => format!(
                    "{} left {ns} on {dev} and was not seen arriving anywhere",
                    t.what()
                ),
            };
            Some(Vanished {
                ns: ns.clone(),
                cause,
                fix: None,
            })
        }
        End::Astray { ns, dev, to, s } => {
            Some(super::ignored::astray(k, &ev.all, t, ns, dev, to, s))
        }
        End::Ignored { ns, dev, to, s } => {
            Some(super::ignored::ignored(k, &ev.all, t, ns, dev, to, s))
        }
    }
}

/// Arrived in `ns` on `dev`, never left: the route it would take, then who drops it there.
fn stuck(k: &mut dyn Kernel, t: &Trail, ns: &Netns, dev: &str, s: &Sighting) -> Vanished {
    let q = Lookup {
        src: Some(s.src),
        iif: Some(dev.to_string()),
        ..Lookup::to(s.dst)
    };
    let out = k.route_get(ns, &q).ok();
    let next = out
        .as_ref()
        .map(|o| (o.dev.clone(), o.via.unwrap_or(s.dst)));
    let p = Packet {
        in_dev: Some(dev.to_string()),
        out_dev: out.as_ref().map(|o| o.dev.clone()).unwrap_or_default(),
        src: s.src,
        dst: s.dst,
        state: if t.reply { "ESTABLISHED" } else { "NEW" },
    };
    let mut what = format!("{} arrived in {ns} on {dev} but never left", t.what());
    match (&out, &next) {
        // Addressed to `ns` itself (a tunnel's outer packet, say): there is no way on to name.
        (Some(o), _) if o.kind == RouteKind::Local => {
            what = format!(
                "{} arrived in {ns} on {dev}, addressed to {ns} itself, and went no further",
                t.what()
            );
        }
        (_, Some((o, _))) => what += &format!(" on {o}"),
        _ => {}
    }
    let v = inside(k, ns, what.clone(), Path::Forward, Some(p), next, Some(dev));
    if v.fix.is_some() {
        return v;
    }
    super::ttl_rule::ttl_rule(k, t, ns, &what).unwrap_or(v)
}

/// The request reached `ns`, which sent no reply.
fn no_answer(k: &mut dyn Kernel, ns: &Netns, ev: &Evidence) -> Vanished {
    let End::Arrived { dev, .. } = &ev.request.end else {
        unreachable!("a reply trail starts where the request arrived")
    };
    let what = format!("the request reached {ns} on {dev}, but {ns} sent no reply");
    if k.sysctl(ns, "net.ipv4.icmp_echo_ignore_all").as_deref() == Some("1") {
        return Vanished {
            ns: ns.clone(),
            cause: format!("{what}: net.ipv4.icmp_echo_ignore_all is 1"),
            fix: Some(call(ns, "sysctl(\"net.ipv4.icmp_echo_ignore_all\", 0)")),
        };
    }
    let s = last_in(ev, false);
    let echo = s.is_some_and(|s| k.tcp_port(s.dst).is_none());
    if let Some((cause, fix)) = echo
        .then(|| super::icmp_rate::limited(k, ns, &what))
        .flatten()
    {
        let ns = ns.clone();
        return Vanished {
            ns,
            cause,
            fix: Some(fix),
        };
    }
    let p = s.map(|s| Packet {
        in_dev: Some(dev.clone()),
        out_dev: String::new(),
        src: s.src,
        dst: s.dst,
        state: "NEW",
    });
    let next = s.and_then(|s| {
        let b = k.route_get(ns, &Lookup::to(s.src)).ok()?;
        Some((b.dev, b.via.unwrap_or(s.src)))
    });
    inside(k, ns, what, Path::Input, p, next, Some(dev))
}

/// The reply reached the probe's namespace but never the probe.
fn unheard(k: &mut dyn Kernel, ns: &Netns, dev: &str, ev: &Evidence) -> Vanished {
    let what = format!("the reply reached {ns} on {dev}, but never the probe");
    let p = last_in(ev, true).map(|s| Packet {
        in_dev: Some(dev.to_string()),
        out_dev: String::new(),
        src: s.src,
        dst: s.dst,
        state: "ESTABLISHED",
    });
    inside(k, ns, what, Path::Input, p, None, Some(dev))
}

/// The reply reached `ns` (its NAT, which should send it on to the probe) on `dev`, and went
/// no further: a netdev ingress chain there, which runs before conntrack turns it back.
fn held_back(k: &mut dyn Kernel, ns: &Netns, dev: &str, ev: &Evidence) -> Option<Vanished> {
    let s = last_in(ev, true)?;
    let p = Packet {
        in_dev: Some(dev.to_string()),
        out_dev: String::new(),
        src: s.src,
        dst: s.dst,
        state: "ESTABLISHED",
    };
    let seen = p.seen(k, ns);
    let (cause, fix) = super::nft_early::ingress_cause(k, ns, dev, &seen)?;
    Some(Vanished {
        ns: ns.clone(),
        cause: format!("the reply reached {ns} on {dev} but went no further: {cause}"),
        fix: Some(fix),
    })
}

/// The last arrival of the request (or the reply) the trail followed.
fn last_in(ev: &Evidence, reply: bool) -> Option<&Sighting> {
    let t = if reply {
        ev.reply.as_ref()?
    } else {
        &ev.request
    };
    t.seen.iter().rev().find(|s| !s.out)
}

/// Why `ip`'s holder (`fns`, on `fdev`) does not answer `ns`'s ARP on `dev`, as
/// `arp::answers` judges it: (the stack at fault, the cause, its fix).
fn silent_owner(
    k: &mut dyn Kernel,
    ns: &Netns,
    dev: &str,
    ip: IpAddr,
    (fns, fdev): (Netns, String),
) -> Option<(Netns, String, Option<String>)> {
    let mut r = Report::default();
    if super::arp::answers(k, &mut r, ns, dev, ip, &fns, &fdev) {
        return None;
    }
    // The asker's link may be the deaf one (NOARP): the step is where the block names.
    let asker = r.hops.last()?.at == ns.to_string();
    let at = if asker { ns.clone() } else { fns };
    Some((at, r.broken?, r.fix))
}

/// Why the next hop `ip` on `dev` never answered, where it is this link's doing: IPv6 off on
/// the link toward an IPv6 next hop, or an XDP program that eats the ARP.
fn unanswered(
    k: &mut dyn Kernel,
    ns: &Netns,
    dev: &str,
    ip: IpAddr,
    silent: &str,
) -> Option<Vanished> {
    let (at, cause, fix) = match super::v6_via::disabled(k, ns, dev, ip) {
        Some((at, off, fix)) => (at, format!("IPv6 is disabled on {off}"), fix),
        None => super::xdp::arp_lost(k, ns, dev, ip)?,
    };
    Some(Vanished {
        ns: at,
        cause: format!("{silent}: {cause}"),
        fix: Some(fix),
    })
}

/// `what` happened inside `ns` (in on `in_dev`, out by `next`): name the iptables rule that
/// drops it, a tc qdisc on either link, a neighbour that never answered, or say what is left.
fn inside(
    k: &mut dyn Kernel,
    ns: &Netns,
    what: String,
    path: Path,
    p: Option<Packet>,
    next: Option<(String, IpAddr)>,
    in_dev: Option<&str>,
) -> Vanished {
    let v = |cause: String, fix: Option<String>| Vanished {
        ns: ns.clone(),
        cause,
        fix,
    };
    let mut found = vec![];
    if let Some(p) = &p {
        found = drops(k, ns, path, p);
        if path == Path::Input {
            let mut back = p.clone();
            std::mem::swap(&mut back.src, &mut back.dst);
            back.state = "ESTABLISHED";
            found.extend(drops(k, ns, Path::Output, &back));
        }
    }
    let sure: Vec<_> = found.iter().filter(|d| d.sure).cloned().collect();
    if let [d] = sure.as_slice() {
        return v(
            format!("{what}: {ns} drops it by {}", d.text()),
            Some(d.fix(ns)),
        );
    }
    let legacy = p
        .as_ref()
        .filter(|_| sure.is_empty())
        .and_then(|p| super::legacy_drop::legacy_drop(k, ns, path, p));
    if let Some((cause, fix)) = legacy {
        return v(format!("{what}: {cause}"), Some(fix));
    }
    if let Some((cause, fix)) = qdisc(k, ns, in_dev, next.as_ref().map(|n| n.0.as_str())) {
        return v(format!("{what}: {cause}"), Some(fix));
    }
    if let Some((dev, ip)) = &next {
        let st = k.neighbour(ns, dev, *ip);
        if let Some(st @ ("FAILED" | "INCOMPLETE")) = st.as_deref() {
            let ask = if ip.is_ipv6() { "ND" } else { "ARP" };
            let silent = format!("{what}: {ip} does not answer {ask} on {dev} (neighbour {st})");
            if let Some(found) = super::vxlan_noarp::unflooded(k, ns, dev, *ip, &silent) {
                return found;
            }
            if let Some(found) = unanswered(k, ns, dev, *ip, &silent) {
                return found;
            }
            // Its answers may be what is lost: a qdisc on the link that holds the address.
            let held = owner(k, *ip);
            let far = held.clone().and_then(|(fns, fdev)| {
                let (cause, fix) = qdisc(k, &fns, None, Some(&fdev))?;
                Some((fns, cause, fix))
            });
            if let Some(found) = far {
                let (fns, cause, fix) = found;
                return Vanished {
                    ns: fns,
                    cause: format!("{what}: {ip} never answered its ARP on {dev}: {cause}"),
                    fix: Some(fix),
                };
            }
            // Or the holder is deaf to ARP there (NOARP, arp_ignore, arp_filter): say so.
            return match held.and_then(|h| silent_owner(k, ns, dev, *ip, h)) {
                Some((fns, cause, fix)) => Vanished {
                    ns: fns,
                    cause: format!("{what}: {cause}"),
                    fix,
                },
                None => v(silent, None),
            };
        }
    }
    if let (Some(dev), Some(p), []) = (in_dev, &p, sure.as_slice()) {
        let s = p.seen(k, ns);
        if let Some((cause, fix)) = super::nft_early::ingress_cause(k, ns, dev, &s) {
            return v(format!("{what}: {cause}"), Some(fix));
        }
    }
    if let (Some((dev, _)), Some(p), []) = (&next, &p, sure.as_slice()) {
        if let Some((cause, fix)) = super::nft_egress::egress_cause(k, ns, dev, p) {
            return v(format!("{what}: {cause}"), Some(fix));
        }
    }
    let late = p.as_ref().filter(|_| found.is_empty());
    if let Some((cause, fix)) = late.and_then(|p| unruled(k, ns, path, p, &next)) {
        return v(format!("{what}: {cause}"), fix);
    }
    match found.as_slice() {
        [] => v(
            format!(
                "{what}: dropped inside {ns} by nothing netsh reads (no route, neighbour or \
                 iptables rule explains it: look at tc, nftables or XDP there)"
            ),
            None,
        ),
        [d] => v(
            format!(
                "{what}: {ns} may drop it by {} (a match netsh cannot judge)",
                d.text()
            ),
            Some(d.fix(ns)),
        ),
        many => {
            let list: Vec<String> = many.iter().map(|d| d.text()).collect();
            v(
                format!(
                    "{what}: one of these rules of {ns} may drop it: {}",
                    list.join(", ")
                ),
                None,
            )
        }
    }
}

/// What drops `p` in `ns` when no iptables rule may: an IPsec policy, an address in a set a
/// native drop rule looks up (a fail2ban ban: that element goes), an nftables chain of its own.
/// A request that got in (`Path::Input`) may have lost its reply on the way out (by `next`): a
/// chain's policy that surely drops either is said before one that only may.
fn unruled(
    k: &mut dyn Kernel,
    ns: &Netns,
    path: Path,
    p: &Packet,
    next: &Option<(String, IpAddr)>,
) -> Option<(String, Option<String>)> {
    let out = next.as_ref().map(|n| n.0.as_str());
    if let Some((cause, fix)) = super::xfrm::dropped_by_policy(k, ns, path, p) {
        return Some((cause, Some(fix)));
    }
    if let Some((cause, fix)) = super::nft_set::listed(k, ns, path, p) {
        return Some((cause, Some(fix)));
    }
    if path != Path::Input {
        return super::nft_foreign::foreign_drop(k, ns, path, p);
    }
    use super::nft_reply::{reply_foreign, reply_policy};
    if let Some(said) = super::nft_foreign::nat_first(k, ns, path, p) {
        return Some(said);
    }
    if let Some((cause, fix)) = super::nft_policy::policy_drop(k, ns, path, p) {
        return Some((cause, Some(fix)));
    }
    if let Some((cause, fix)) = reply_policy(k, ns, p, out) {
        return Some((cause, Some(fix)));
    }
    super::nft_foreign::foreign_drop(k, ns, path, p).or_else(|| reply_foreign(k, ns, p, out))
}

/// What a qdisc does to the packet, as far as its kind and limit say: a `blackhole` or a
/// FIFO of limit 0 drops every packet; a shaper or another queue may drop or delay it.
fn qdisc_does(kind: &str) -> &'static str {
    if kind == "blackhole" || kind.ends_with(" limit 0") {
        "which drops every packet"
    } else {
        "which may drop or delay it"
    }
}

/// A qdisc somebody added on the way in (ingress of `in_dev`) or out (root of `out_dev`).
fn qdisc(
    k: &mut dyn Kernel,
    ns: &Netns,
    in_dev: Option<&str>,
    out_dev: Option<&str>,
) -> Option<(String, String)> {
    let ways = [(in_dev, "ingress"), (out_dev, "root")];
    for (dev, want) in ways {
        let Some(dev) = dev else { continue };
        for (kind, at) in k.qdiscs(ns, dev) {
            if at != want {
                continue;
            }
            let del = match (at, kind.as_str()) {
                ("ingress", "clsact") => "clsact",
                ("ingress", _) => "ingress",
                _ => "root",
            };
            return Some((
                format!(
                    "{dev} in {ns} has a tc qdisc {kind} ({at}), {}",
                    qdisc_does(&kind)
                ),
                call(ns, &format!("sh(\"tc qdisc del dev {dev} {del}\")")),
            ));
        }
    }
    None
}
