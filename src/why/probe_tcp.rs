//! `why ADDR:PORT`: the real probe is a TCP connect (bounded) instead of a ping. A listener
//! that answers and a RST both say the packet got there; only the first is a working service:
//! a RST on a path that looks clear is named at the namespace that sent it.

use super::connect::Connect;
use super::kernel::Kernel;
use super::report::Report;
use super::sighting::Sighting;
use crate::sys::Netns;
use std::net::IpAddr;

/// The probe: whether it got through (a listener, or a RST from the far end), what packet
/// sockets saw, and the answer itself (said in `r`).
pub(crate) fn probe(
    k: &mut dyn Kernel,
    r: &mut Report,
    src: &Netns,
    dst: IpAddr,
    port: u16,
    watch: &[Netns],
) -> (bool, Vec<Sighting>, Connect) {
    let (c, seen) = k.connect_seen(src, dst, port, watch);
    r.probe_said = Some(match &c {
        Connect::Answered => format!("{dst}:{port} port reachable, listener answered"),
        Connect::Refused => format!("{dst}:{port} host reached, port closed (RST)"),
        Connect::Silent => format!("no answer from {dst}:{port} (the SYN timed out)"),
        Connect::Unreachable(w) => format!("{dst}:{port} unreachable ({w})"),
    });
    let got = matches!(c, Connect::Answered | Connect::Refused);
    (got, seen, c)
}

/// A RST on a path the analysis found clear: nothing listens where the SYN arrived (after any
/// DNAT, the address it was sent on to), named there; or the DNAT that sent it to a port
/// nothing listens on, when something listens on another.
pub(crate) fn closed(
    k: &mut dyn Kernel,
    r: &mut Report,
    (src, dst): (&Netns, IpAddr),
    port: u16,
    c: &Connect,
) {
    if *c != Connect::Refused || !r.clear() {
        return;
    }
    let to = r.dnat_to.unwrap_or(dst);
    let served = k.tcp_port(to).unwrap_or(port);
    // A loopback address is the namespace's own: the sender's, or the DNAT's that sent it there.
    let held = match to.is_loopback() {
        true => {
            let by = r.dnat_to.and(r.dnat_by.as_ref().map(|d| d.0.clone()));
            Some((by.unwrap_or_else(|| src.clone()), "lo".to_string()))
        }
        false => super::owner::owner(k, to),
    };
    let owner = held.as_ref().map(|(ns, _)| ns.clone());
    let at = owner.as_ref().map(|n| n.to_string());
    let at = at.unwrap_or_else(|| r.dst.clone());
    let socks = owner
        .and_then(|ns| k.tcp_listeners(&ns))
        .unwrap_or_default();
    let ports = serving(&socks, to);
    if super::dnat_port::wrong(k, r, (&at, to, served), &ports) {
        return;
    }
    let elsewhere: Vec<String> = socks
        .iter()
        .filter(|(a, p)| *p == served && !a.is_unspecified() && *a != to)
        .map(|(a, _)| a.to_string())
        .collect();
    let note = match (elsewhere.is_empty(), ports.is_empty()) {
        (false, _) => format!(
            " (a socket listens on port {served}, but only on {})",
            elsewhere.join(", ")
        ),
        (true, false) => format!(" (it listens on TCP {})", super::dnat_port::list(&ports)),
        (true, true) => String::new(),
    };
    let nothing = format!("nothing listens on TCP port {served} of {to} in {at}{note}");
    let pre = held.as_ref().and_then(|(ns, _)| crossed_prerouting(r, ns));
    if super::nat_redirect::refused(k, r, (pre.as_ref(), to), &nothing, &ports) {
        return;
    }
    // Its own connection to a port only nat PREROUTING publishes: the DNAT it never crossed.
    let local = held
        .clone()
        .filter(|(ns, _)| ns == src && r.dnat_to.is_none())
        .and_then(|(ns, dev)| {
            super::prerouting_only::published(k, &ns, &dev, to, served)
                .or_else(|| super::nft_prerouting_only::published(k, &ns, &dev, to, served))
        });
    // A connection from elsewhere that a port forward here was meant for, missing it by a match.
    let missed = match (&held, r.dnat_to) {
        (Some((ns, _)), None) if ns != src => {
            crossed_prerouting(r, ns).and_then(|p| super::dnat_missed::missed(k, ns, &p))
        }
        _ => None,
    };
    match local.or(missed) {
        Some((why, fix)) => r.block(&at, format!("{nothing}; {why}"), Some(fix)),
        None => r.block(
            &at,
            format!("{nothing}: it answered the SYN with a RST"),
            None,
        ),
    }
}

/// The request as `ns`'s nat PREROUTING saw it, if the walk crossed it there.
fn crossed_prerouting(r: &Report, ns: &Netns) -> Option<super::rule_match::Seen> {
    r.crossed_chains
        .iter()
        .rev()
        .find(|(n, t, c, p)| n == ns && t == "nat" && c == "PREROUTING" && p.request())
        .map(|(_, _, _, p)| p.clone())
}

/// The ports listened on for `to` (on it, or on every address).
fn serving(socks: &[(IpAddr, u16)], to: IpAddr) -> Vec<u16> {
    let mut v: Vec<u16> = socks
        .iter()
        .filter(|(a, _)| a.is_unspecified() || *a == to)
        .map(|(_, p)| *p)
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// A RST the analysis expects: the rule it blames answers with one (`REJECT --reject-with
/// tcp-reset`, nftables' `reject with tcp reset`), so the probe agrees with it.
pub(crate) fn reset_by_rule(r: &Report, c: &Connect) -> bool {
    *c == Connect::Refused
        && r.broken
            .as_deref()
            .is_some_and(|b| b.contains("tcp-reset") || b.contains("tcp reset"))
}
