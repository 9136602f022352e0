//! ARP filtered by nftables' `arp` family (arptables-nft keeps its rules there, in table `arp
//! filter`): the asker's output chain may drop its request and its input chain the answer; the
//! target's input chain the request and its output chain the answer. Either way the asker never
//! learns the MAC and its neighbour entry stays INCOMPLETE, then FAILED.

use super::kernel::Kernel;
use super::report::Report;
use super::words::call;
use crate::firewall::nft::arp_frame::{arp, REPLY, REQUEST};
use crate::firewall::nft::foreign::ForeignChain;
use crate::firewall::nft::foreign_judge::{Frame, Judged};
use crate::sys::Netns;
use std::net::{IpAddr, Ipv4Addr};

/// NF_ARP_IN and NF_ARP_OUT.
const IN: u32 = 0;
const OUT: u32 = 1;

/// One crossing of an ARP frame: the namespace, the hook, the frame, and how it is said.
struct Crossing {
    ns: Netns,
    hook: u32,
    frame: Frame,
    what: String,
}

/// The four crossings of the request from `sip` on `dev` in `cur` for `next` (on `nlink` in
/// `nns`) and of its answer, in the order they happen.
fn crossings(
    k: &mut dyn Kernel,
    (cur, dev, sip): (&Netns, &str, Ipv4Addr),
    (nns, nlink, next): (&Netns, &str, Ipv4Addr),
) -> Vec<Crossing> {
    let (am, tm) = (k.mac(cur, dev), k.mac(nns, nlink));
    let request = |iif: Option<&str>, oif: Option<&str>| {
        let links = (iif.map(str::to_string), oif.map(str::to_string));
        arp(REQUEST, (am.as_deref(), sip), (None, next), links)
    };
    let reply = |iif: Option<&str>, oif: Option<&str>| {
        let links = (iif.map(str::to_string), oif.map(str::to_string));
        arp(REPLY, (tm.as_deref(), next), (am.as_deref(), sip), links)
    };
    let req = format!("the ARP request from {sip} for {next}");
    let ans = format!("the ARP reply from {next} to {sip}");
    vec![
        Crossing {
            ns: cur.clone(),
            hook: OUT,
            frame: request(None, Some(dev)),
            what: format!("{req} leaving by {dev}"),
        },
        Crossing {
            ns: nns.clone(),
            hook: IN,
            frame: request(Some(nlink), None),
            what: format!("{req} arriving on {nlink}"),
        },
        Crossing {
            ns: nns.clone(),
            hook: OUT,
            frame: reply(None, Some(nlink)),
            what: format!("{ans} leaving by {nlink}"),
        },
        Crossing {
            ns: cur.clone(),
            hook: IN,
            frame: reply(Some(dev), None),
            what: format!("{ans} arriving on {dev}"),
        },
    ]
}

/// The `arp` family base chains of `ns` on `hook`, in the kernel's order.
fn chains(k: &mut dyn Kernel, ns: &Netns, hook: u32) -> Vec<ForeignChain> {
    let mut c: Vec<ForeignChain> = k
        .foreign(ns)
        .into_iter()
        .filter(|c| c.family == "arp" && c.hook == hook)
        .collect();
    c.sort_by_key(|c| c.priority);
    c
}

/// The fix: the dropping rule deleted, or (a drop policy) ARP between the two addresses
/// accepted first, both ways (the request and its reply cross the same chain kinds).
fn fix(ns: &Netns, c: &ForeignChain, by: Option<u64>, (a, b): (Ipv4Addr, Ipv4Addr)) -> String {
    let exec = |cmd: String| call(ns, &format!("sh(\"{cmd}\")"));
    match by {
        Some(h) => exec(format!("nft delete rule {} handle {h}", c.path())),
        None => [(a, b), (b, a)]
            .map(|(s, d)| {
                exec(format!(
                    "nft insert rule {} arp saddr ip {s} arp daddr ip {d} accept",
                    c.path()
                ))
            })
            .join("; "),
    }
}

/// `false` (said in `r`) when an `arp` family chain surely drops the request `cur` sends on
/// `dev` for `next` (held on `nlink` in `nns`) or its answer; one that may is a `[?]` line.
pub(crate) fn passes(
    k: &mut dyn Kernel,
    r: &mut Report,
    (cur, dev): (&Netns, &str),
    (nns, nlink): (&Netns, &str),
    next: IpAddr,
) -> bool {
    let IpAddr::V4(next4) = next else { return true };
    // A static entry needs no ARP.
    if matches!(
        k.neighbour(cur, dev, next).as_deref(),
        Some("PERMANENT" | "NOARP")
    ) {
        return true;
    }
    let Some(IpAddr::V4(sip)) = super::arp_sender::sender_ip(k, cur, dev, next) else {
        return true;
    };
    for x in crossings(k, (cur, dev, sip), (nns, nlink, next4)) {
        let on = chains(k, &x.ns, x.hook);
        let Some((c, by, sure)) = on.iter().find_map(|c| match c.judge(&x.frame) {
            Judged::Passes => None,
            Judged::Drops { by, sure } => Some((c, by, sure)),
        }) else {
            continue;
        };
        let rule = match by {
            Some(h) => format!("rule handle {h}"),
            None => "policy drop".to_string(),
        };
        let head = format!(
            "{}'s nftables chain `{}` (hook {}, priority {})",
            x.ns,
            c.path(),
            c.hook_word(),
            c.priority
        );
        if !sure {
            let cause = format!(
                "{head} may drop {} ({rule}: not understood, may match)",
                x.what
            );
            r.unsure(&x.ns, cause);
            continue;
        }
        let cause = format!(
            "{head} drops {} ({rule}), so {cur} never learns the MAC of {next} on {dev}",
            x.what
        );
        r.block(&x.ns, cause, Some(fix(&x.ns, c, by, (sip, next4))));
        return false;
    }
    true
}
