//! An L3 VXLAN with nothing to send by: no remote, no all-zeros flood entry in its FDB and
//! none for the far end's MAC (`nolearning` meshes programmed by hand or by an agent, whose
//! entry went): the kernel drops every frame it is given, ARP requests first, so the next hop
//! never answers. Named at the near VTEP with the flood entry to the far one as the fix.

use super::kernel::Kernel;
use super::link_l2::ZEROS;
use super::report::Report;
use super::route_fix::exec;
use super::vtep::vtep_address;
use crate::sys::Netns;
use std::net::IpAddr;

/// Where `vx` in `at` sends frames for `to_link` in `to`, when it has no remote and no flood
/// entry: the FDB entry for that link's MAC, or any toward that node's VTEP. `Err(())` (said
/// in `r`) when it has none either.
pub(crate) fn by_entry(
    k: &mut dyn Kernel,
    r: &mut Report,
    (at, vx): (&Netns, &str),
    (to, to_link): (&Netns, &str),
) -> Result<Option<IpAddr>, ()> {
    let entries: Vec<(String, IpAddr)> = k
        .fdb_entries(at)
        .into_iter()
        .filter(|(d, ..)| d == vx)
        .map(|(_, mac, dst)| (mac, dst))
        .collect();
    // Flood entries to nowhere but a group, or a remote of another kind: not judged here.
    if entries.iter().any(|(m, _)| m == ZEROS) {
        return Ok(None);
    }
    let mac = k.mac(to, to_link);
    let own = mac
        .as_ref()
        .and_then(|m| entries.iter().find(|(e, _)| e.eq_ignore_ascii_case(m)));
    if let Some((_, dst)) = own {
        return Ok(Some(*dst));
    }
    // An entry toward the far node for another MAC: a stale one (the far device's MAC changed),
    // which the walk names with the neighbour entry that goes with it.
    let toward = entries
        .iter()
        .find(|(_, d)| super::owner::owner(k, *d).is_some_and(|(o, _)| o == *to));
    if let Some((_, dst)) = toward {
        return Ok(Some(*dst));
    }
    let (entry, first) = lost_entry(k, (at, vx), mac.as_deref());
    let fix = vtep_address(k, at, to)
        .map(|a| exec(at, &format!("bridge fdb append {entry} dev {vx} dst {a}")));
    let far = match &mac {
        Some(m) => format!("{to}'s {to_link} ({m})"),
        None => format!("{to}'s {to_link}"),
    };
    r.block(
        at,
        format!(
            "{vx} in {at} has no remote and its FDB has no entry to send by (no {ZEROS} flood entry, none for {far}): it sends the packet nowhere{first}"
        ),
        fix,
    );
    Err(())
}

/// The FDB entry `vx` in `at` lost, to send to the far MAC `mac` by: that MAC's own where a
/// neighbour entry already gives it (flannel writes both, so no ARP crosses), else the flood
/// entry, which ARP needs (with the words for what is lost first).
pub(crate) fn lost_entry(
    k: &mut dyn Kernel,
    (at, vx): (&Netns, &str),
    mac: Option<&str>,
) -> (String, &'static str) {
    let known = mac.filter(|m| {
        k.neighbours(at, vx)
            .iter()
            .any(|(_, (_, l))| l.as_ref().is_some_and(|l| l.eq_ignore_ascii_case(m)))
    });
    match known {
        Some(m) => (m.to_string(), ""),
        None => (ZEROS.to_string(), ", ARP requests first"),
    }
}
