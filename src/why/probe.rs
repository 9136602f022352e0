//! The analysis, then the real probe that confirms it (only to the address the user named).

use super::cached::Cached;
use super::evidence::{summary, trails, vanished};
use super::kernel::Kernel;
use super::report::Report;
use super::walk::walk;
use super::watch::{overrule, watched};
use crate::sys::Netns;
use std::net::IpAddr;

/// `why`: walk the path, then ping `dst` from `src` once (bounded). Without a kernel (a dry
/// run) the report is neutral: nothing evaluated, no probe.
pub(crate) fn why(
    kernel: Option<&mut dyn Kernel>,
    src: &Netns,
    dst: IpAddr,
    probe: bool,
) -> Report {
    why_sized(kernel, src, dst, probe, None)
}

/// `why` for a packet of `payload` ICMP bytes with DF set (`--size`); `None`: a plain ping.
pub(crate) fn why_sized(
    kernel: Option<&mut dyn Kernel>,
    src: &Netns,
    dst: IpAddr,
    probe: bool,
    payload: Option<usize>,
) -> Report {
    why_as(kernel, src, dst, probe, payload, None)
}

/// `why_sized`, or with `tcp` a TCP connection to that port (`why ADDR:PORT`): its SYN walked
/// through the rules, and a connect as the probe.
pub(crate) fn why_as(
    kernel: Option<&mut dyn Kernel>,
    src: &Netns,
    dst: IpAddr,
    probe: bool,
    payload: Option<usize>,
    tcp: Option<u16>,
) -> Report {
    let shown = match tcp {
        Some(port) => format!("{dst}:{port}"),
        None => dst.to_string(),
    };
    let Some(kernel) = kernel else {
        return Report {
            src: src.to_string(),
            dst: shown,
            ..Report::default()
        };
    };
    let mut live = Cached::new(kernel);
    if let Some(p) = payload {
        live.payload = p;
    }
    live.tcp = tcp;
    let mut r = walk(&mut live, src, dst);
    super::shadow::settle(&mut r);
    if !r.mtu_raise.is_empty() {
        super::mtu_path::whole_path(&mut live, &mut r, src, dst);
    }
    r.dst = shown;
    if !probe {
        return r;
    }
    // The rule counters before the probe: the kernel's own word on which rule dropped it.
    let before = super::counted::snapshot(&mut live, &r);
    let watch = watched(&mut live, &r, src, dst);
    // A sized DF probe is not watched: its loss is the MTU's, which the walk already names.
    let mut answer = None;
    let (got, seen) = match (tcp, payload) {
        (Some(port), _) => {
            let (got, seen, c) = super::probe_tcp::probe(&mut live, &mut r, src, dst, port, &watch);
            answer = Some((port, c));
            (got, seen)
        }
        (None, Some(p)) => (live.ping_df(src, dst, p), vec![]),
        (None, None) => live.ping_seen(src, dst, &watch),
    };
    r.probe = Some(got);
    let ev = trails(&mut live, &seen, &watch, src);
    r.sightings = seen;
    // Where each echo was seen is said when the probe failed; `--json` always carries it.
    let gone = ev.as_ref().filter(|_| !got).and_then(|e| {
        for t in std::iter::once(&e.request).chain(e.reply.as_ref()) {
            if let Some((at, line)) = summary(t) {
                r.hop(&at, line);
            }
        }
        // A reply from the DNAT target, not from `dst`: the NAT it skipped, not a drop here.
        super::unnat_reply::unnatted(&mut live, &r, e, (src, dst), tcp)
            .or_else(|| vanished(&mut live, e, src, dst, got))
    });
    // A RST from the rule the analysis blames: the probe agrees with it.
    let rst_agrees = answer
        .as_ref()
        .is_some_and(|(_, c)| super::probe_tcp::reset_by_rule(&r, c));
    match (r.clear(), got) {
        (true, false) if super::counted::blame(&mut live, &mut r, &before) => {}
        (true, false) => match gone {
            Some(v) => r.block(&v.ns, v.cause, v.fix),
            None => unseen(&mut live, &mut r, src, dst),
        },
        (false, false) => {
            if let (Some(v), Some(e)) = (gone, &ev) {
                overrule(&mut r, e, v);
            }
        }
        (false, true) if !r.firm && !rst_agrees => {
            // The packet is the truth: what looked broken is not on this path.
            r.probe_overrules(src);
        }
        _ => {}
    }
    if let Some((port, c)) = answer {
        super::probe_tcp::closed(&mut live, &mut r, (src, dst), port, &c);
    }
    if !got {
        // After every read of the neighbour tables: what the probe left unresolved goes.
        // The destination too: on-link and held by nobody, it is no next hop.
        let hops: Vec<(Netns, IpAddr)> = r
            .next_hops
            .iter()
            .map(|(ns, _, ip)| (ns.clone(), *ip))
            .chain([(src.clone(), dst)])
            .collect();
        live.forget_failed(&hops);
    }
    // What the probe and its evidence blamed too: never a sysctl set to what it holds.
    super::sysctl_noop::drop_noops(&mut live, &mut r);
    r
}

/// The probe failed on a path that looks clear, and the packets name no place: the next hop
/// that never answered ARP, else a rule not understood that may have dropped it, else only
/// that much.
fn unseen(live: &mut dyn Kernel, r: &mut Report, src: &Netns, dst: IpAddr) {
    // Whether its ARP got through or not (a race), a source-mode macvlan is the one cause.
    if macvlan_refused(live, r) {
        return;
    }
    let hops = r.next_hops.clone();
    let silent = hops.into_iter().find_map(|(ns, dev, ip)| {
        let st = live.neighbour(&ns, &dev, ip)?;
        matches!(st.as_str(), "FAILED" | "INCOMPLETE").then_some((ns, dev, ip, st))
    });
    let ipsec = match silent {
        None => super::xfrm::held_at_sender(live, src, dst),
        Some(_) => None,
    };
    if let Some((cause, fix)) = ipsec {
        r.block(src, cause, Some(fix));
        return;
    }
    if let Some((cause, fix)) = super::nft_set::at_source(live, src, dst) {
        return r.block(src, cause, Some(fix));
    }
    if let Some((cause, fix)) = super::nft_policy::at_source(live, src, dst) {
        return r.block(src, cause, Some(fix));
    }
    match silent {
        Some((ns, dev, ip, st)) if ip.is_ipv6() => {
            let said = format!(
                "{ip} does not answer neighbour solicitations on {dev} in {ns} (neighbour {st})"
            );
            let lost = super::ndproxy::proxy_off(live, &ns, &dev, ip)
                .or_else(|| super::ndisc::nd_dropped(live, &ns, &dev, ip));
            match lost {
                Some((at, cause, fix)) => r.block(&at, cause, Some(fix)),
                None => r.block(&ns, said, None),
            }
        }
        Some((ns, dev, ip, st)) => {
            let said = format!("{ip} does not answer ARP on {dev} in {ns} (neighbour {st})");
            let lost = super::xdp::arp_lost(live, &ns, &dev, ip)
                .or_else(|| super::macvlan_port::refused(live, &ns, &dev, ip, true));
            match lost {
                Some((at, cause, fix)) => r.block(&at, format!("{said}: {cause}"), Some(fix)),
                None => r.block(&ns, said, None),
            }
        }
        None if super::counted::suspect(r) => {}
        None => r.block(
            src,
            format!("the probe got no reply from {dst}, though every step above looks clear"),
            None,
        ),
    }
}

/// A next hop on a macvlan whose port delivers nothing from its sender (`mode source`):
/// blocked there.
fn macvlan_refused(live: &mut dyn Kernel, r: &mut Report) -> bool {
    let hops = r.next_hops.clone();
    let found = hops
        .into_iter()
        .find_map(|(ns, dev, ip)| super::macvlan_port::refused(live, &ns, &dev, ip, false));
    found.is_some_and(|(at, cause, fix)| {
        r.block(&at, cause, Some(fix));
        true
    })
}
