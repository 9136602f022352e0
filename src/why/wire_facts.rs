//! `Wire` for one hook, and the frame the walk leaves in the namespace it moves on to.

use super::frame::Frame;
use super::kernel::Kernel;
use super::wire::{Sock, Wire};
use crate::sys::Netns;

/// What the packet carries at a hook of `ns`: made here (`came_in` false: the sender's
/// request, or the reply its destination sends back), or come in on a link (and `routed` on:
/// FORWARD and POSTROUTING, after the router took one off its TTL). `tcp`: the segment of
/// `why ADDR:PORT` (its length and the server's socket are not known), else an ICMP echo.
pub(crate) fn facts(
    k: &mut dyn Kernel,
    ns: &Netns,
    (came_in, routed): (bool, bool),
    request: bool,
    tcp: bool,
) -> Wire {
    // The echo: ping's payload, 8 bytes of ICMP header, 20 of IPv4 (the reply echoes it).
    let len = (!tcp)
        .then(|| u16::try_from(k.payload() + 28).ok())
        .flatten();
    if !came_in {
        let sock = match (request, tcp) {
            // The probe's own socket, opened by netsh in that namespace.
            (true, _) => Sock::Of(k.probe_uid(), k.probe_gid()),
            // The kernel answers an echo itself.
            (false, false) => Sock::Kernel,
            (false, true) => Sock::Unknown,
        };
        return Wire {
            mac: None,
            ttl: default_ttl(k, ns),
            len,
            sock,
            realm: None,
            fib: None,
        };
    }
    let f = k.frame_in(ns, request).unwrap_or_default();
    Wire {
        mac: f.mac,
        ttl: f.ttl.map(|t| t.saturating_sub(u8::from(routed))),
        len,
        sock: Sock::Forwarded,
        realm: None,
        fib: None,
    }
}

/// The TTL `ns` sends with: its net.ipv4.ip_default_ttl (Linux's 64 when not read).
fn default_ttl(k: &mut dyn Kernel, ns: &Netns) -> Option<u8> {
    let v = k.sysctl(ns, "net.ipv4.ip_default_ttl");
    v.map_or(Some(64), |v| v.trim().parse().ok())
}

/// The packet leaves `from`'s link `dev` for `to` with `ttl` left: the frame `to` gets.
pub(crate) fn record(
    k: &mut dyn Kernel,
    to: &Netns,
    (from, dev): (&Netns, &str),
    ttl: usize,
    request: bool,
) {
    let mac = k
        .l2(from)
        .into_iter()
        .find(|l| l.name == dev)
        .and_then(|l| l.mac);
    let frame = Frame {
        mac,
        ttl: u8::try_from(ttl).ok(),
    };
    k.set_frame(to, request, frame);
}
