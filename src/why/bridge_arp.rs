//! One link-layer hop across a bridge, as its `bridge` family chains see it: the MACs of the
//! link that sends and of the one it is for, and the ARP exchange that comes first (the
//! request, broadcast the same way; the reply, back the other way). A chain that drops either
//! leaves the sender's neighbour entry INCOMPLETE, whatever it does to the IP packet.

use super::arp_sender::sender_ip;
use super::kernel::Kernel;
use crate::firewall::nft::arp_frame::{arp, REPLY, REQUEST};
use crate::firewall::nft::foreign_judge::Frame;
use crate::sys::Netns;
use std::net::{IpAddr, Ipv4Addr};

/// The hop from the link that sends to the link the frame is for.
pub(crate) struct Hop {
    /// The sender's MAC and the receiver's.
    pub(crate) macs: (Option<String>, Option<String>),
    /// The ARP request's sender and target addresses; `None` when no ARP is asked (IPv6, a
    /// static neighbour entry).
    pub(crate) arp: Option<(Ipv4Addr, Ipv4Addr)>,
    /// The sender's entry for the target is still valid: a drop bites when it expires.
    pub(crate) learnt: bool,
}

/// The hop from `dev` in `at` to `link` in `to`, for the next hop `next` held there.
pub(crate) fn hop(
    k: &mut dyn Kernel,
    (at, dev): (&Netns, &str),
    (to, link): (&Netns, &str),
    next: IpAddr,
) -> Hop {
    let macs = (k.mac(at, dev), k.mac(to, link));
    let state = k.neighbour(at, dev, next);
    let arp = match (next, sender_ip(k, at, dev, next)) {
        _ if matches!(state.as_deref(), Some("PERMANENT" | "NOARP")) => None,
        (IpAddr::V4(t), Some(IpAddr::V4(s))) => Some((s, t)),
        _ => None,
    };
    let learnt = matches!(
        state.as_deref(),
        Some("REACHABLE" | "STALE" | "DELAY" | "PROBE")
    );
    Hop { macs, arp, learnt }
}

/// An ARP frame of the hop: the request (`true`: it crosses the way the packet does) or the
/// reply (`false`: back the other way), and what it is, in words.
pub(crate) fn arp_frames(h: &Hop) -> Vec<(Frame, String, bool)> {
    let Some((s, t)) = h.arp else { return vec![] };
    let (sm, tm) = (h.macs.0.as_deref(), h.macs.1.as_deref());
    vec![
        (
            arp(REQUEST, (sm, s), (None, t), (None, None)),
            format!("the ARP request from {s} for {t}"),
            true,
        ),
        (
            arp(REPLY, (tm, t), (sm, s), (None, None)),
            format!("the ARP reply from {t} to {s}"),
            false,
        ),
    ]
}
