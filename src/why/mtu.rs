//! The path MTU for the packet asked about (`why --size N`, DF set as ping sets it): a link
//! whose MTU is smaller drops it (or, at the sender, refuses to send it whole); a VXLAN adds
//! 50 bytes on its underlay (IPv4 outer header, UDP, VXLAN, inner Ethernet).

use super::kernel::Kernel;
use super::report::Report;
use crate::sys::Netns;

pub(crate) use super::mtu_fix::{mtu_of, VXLAN_OVERHEAD};

/// The IP packet: the ICMP payload, its 8-byte header and a 20-byte IPv4 header.
pub(crate) fn packet(k: &mut dyn Kernel) -> u32 {
    k.payload() as u32 + 28
}

/// The MTU a fix sets: at least Ethernet's 1500, more when the packet needs it.
pub(crate) fn wanted(need: u32) -> u32 {
    need.max(1500)
}

/// Whether the packet fits `link`'s MTU; `false` (said in `r`) when not.
pub(crate) fn fits(k: &mut dyn Kernel, r: &mut Report, ns: &Netns, link: &str) -> bool {
    let p = packet(k);
    match mtu_of(k, ns, link) {
        Some(m) if m < p => {
            let mut text =
                format!("{link} in {ns} has MTU {m}: a {p}-byte packet with DF set does not fit");
            // One end of a cable set smaller than the other (reset by hand): it gets the
            // other end's MTU back, not just enough for this packet.
            let peer = super::mtu_fix::peer_mtu(k, ns, link).filter(|(_, _, pm)| *pm >= p);
            if let Some((pns, pl, pm)) = &peer {
                text += &format!(" (its peer {pl} in {pns} has MTU {pm})");
            }
            let mut mtu = peer.map(|(_, _, pm)| pm).unwrap_or(wanted(p));
            // A VXLAN gets what its underlay carries as it is, when the packet fits that: the
            // underlay is raised only when it must be.
            let carried =
                super::mtu_fix::carried(k, ns, link).filter(|(_, c)| (p..mtu).contains(c));
            if let Some((u, c)) = carried {
                text += &format!(" (its underlay {u} carries {c})");
                mtu = c;
            }
            too_small(k, r, ns, link, mtu, text);
            false
        }
        _ => true,
    }
}

/// `link` in `ns` is too small (`text`): the break, with the links a fix raises (kept in `r`,
/// so that the fix can grow to cover the whole path).
fn too_small(k: &mut dyn Kernel, r: &mut Report, ns: &Netns, link: &str, mtu: u32, text: String) {
    let links = super::mtu_fix::raised(k, ns, link, mtu);
    let fix = super::mtu_fix::fix(k, &r.src.clone(), &links);
    r.block(ns, text, Some(fix));
    r.mtu_raise = links;
}

/// A VXLAN `vx` in `at` whose underlay leaves by `under` (and arrives on `far_link` in `far`):
/// the inner packet must fit `vx`, the outer one (50 bytes more) both underlay links.
pub(crate) fn tunnel_fits(
    k: &mut dyn Kernel,
    r: &mut Report,
    at: &Netns,
    vx: &str,
    under: &str,
    far: &Netns,
    far_link: &str,
) -> bool {
    if !fits(k, r, at, vx) {
        return false;
    }
    let p = packet(k);
    let outer = p + VXLAN_OVERHEAD;
    for (ns, link) in [(at, under), (far, far_link)] {
        if let Some(m) = mtu_of(k, ns, link).filter(|m| *m < outer) {
            let text = format!("{link} in {ns} has MTU {m}: {vx} in {at} wraps a {p}-byte packet into {outer} bytes (VXLAN adds {VXLAN_OVERHEAD}), which with DF set does not fit");
            too_small(k, r, ns, link, wanted(outer), text);
            return false;
        }
    }
    true
}
