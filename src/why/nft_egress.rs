//! A `netdev` table's egress chain on the link a packet leaves by (the request at any hop, the
//! reply on its way back): it runs after POSTROUTING, as the frame is queued to the device, so
//! it sees the packet as NAT left it. Its rules are run against the probe as an ingress
//! chain's are: a rule that surely drops it is the break, one that may is a `[?]` line.

use super::kernel::Kernel;
use super::nft_early::{first_drop, frame, netdev_chains, what, words};
use super::packet::Packet;
use super::report::Report;
use super::rule_match::Seen;
use crate::sys::Netns;
use std::net::IpAddr;

/// NF_NETDEV_EGRESS.
const EGRESS: u32 = 1;

/// The packet (the request, or its reply) from `src` to `dst` as an egress chain on `dev`
/// sees it: no link in (the hook is given none), `dev` out.
fn seen_out(
    k: &mut dyn Kernel,
    ns: &Netns,
    dev: &str,
    (src, dst): (IpAddr, IpAddr),
    request: bool,
) -> Seen {
    let p = Packet {
        in_dev: None,
        out_dev: dev.to_string(),
        src,
        dst,
        state: if request { "NEW" } else { "ESTABLISHED" },
    };
    p.seen(k, ns)
}

/// The packet from `src` to `dst` (the request, or the reply) leaving `ns` by `dev`: its
/// netdev egress chains. False (said in `r`) when one surely drops it; one that may is a `[?]`
/// line, left to the probe and its evidence.
pub(crate) fn leaves(
    k: &mut dyn Kernel,
    r: &mut Report,
    ns: &Netns,
    dev: &str,
    (src, dst): (Option<IpAddr>, IpAddr),
    request: bool,
) -> bool {
    let Some(src) = src else { return true };
    let chains = netdev_chains(k, ns, dev, EGRESS);
    if chains.is_empty() {
        return true;
    }
    let s = seen_out(k, ns, dev, (src, dst), request);
    let f = frame(&s);
    let Some((c, by, sure)) = first_drop(&chains, &f) else {
        return true;
    };
    let (chain, rule, fix) = words(ns, &c, by, &f);
    let what = what(&s);
    if sure {
        let cause = format!("{chain} drops {what} leaving by {dev} ({rule})");
        r.block(ns, cause, Some(fix));
        return false;
    }
    r.unsure(
        ns,
        format!("{chain} may drop {what} leaving by {dev} ({rule}: not understood, may match)"),
    );
    true
}

/// For the evidence: the netdev egress chain on `dev` in `ns` that drops or may drop `p` (a
/// packet seen arriving in `ns`, never leaving by `dev`): (cause, fix).
pub(crate) fn egress_cause(
    k: &mut dyn Kernel,
    ns: &Netns,
    dev: &str,
    p: &Packet,
) -> Option<(String, String)> {
    let chains = netdev_chains(k, ns, dev, EGRESS);
    if chains.is_empty() {
        return None;
    }
    let s = seen_out(k, ns, dev, (p.src, p.dst), p.state == "NEW");
    let f = frame(&s);
    let (c, by, sure) = first_drop(&chains, &f)?;
    let (chain, rule, fix) = words(ns, &c, by, &f);
    let verb = if sure { "drops" } else { "may drop" };
    Some((format!("{chain} {verb} it on {dev} ({rule})"), fix))
}
