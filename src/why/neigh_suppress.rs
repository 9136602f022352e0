//! ARP suppression (`bridge link set … neigh_suppress on`, as EVPN sets it): the bridge
//! answers an ARP request for a MAC behind such a port itself, from the host's neighbour
//! table. When the container behind the port comes back with a new MAC, the host's entry
//! still holds the old one and every asker is handed it.

use super::kernel::Kernel;
use super::link_find::find;
use super::sighting::Sighting;
use super::trail::Trail;
use super::vanished::Vanished;
use super::words::call;
use crate::sys::Netns;

/// The frame `s` left the bridge in `ns` on port `dev` for `s.mac`, not the MAC of `to`:
/// when the port suppresses ARP and `ns` holds a neighbour entry on the bridge with that MAC,
/// the bridge answered the sender's ARP from it. `what` says where the frame went wrong.
pub(crate) fn answered(
    k: &mut dyn Kernel,
    t: &Trail,
    (ns, dev): (&Netns, &str),
    (pns, pdev): (&Netns, &str),
    s: &Sighting,
    what: &str,
) -> Option<Vanished> {
    let old = s.mac.clone()?;
    let br = find(k, ns, dev)?.master?;
    if !k
        .l2(ns)
        .iter()
        .any(|l| l.name == dev && l.port_neigh_suppress)
    {
        return None;
    }
    let valid = ["REACHABLE", "STALE", "DELAY", "PROBE", "PERMANENT", "NOARP"];
    let mut held: Vec<_> = k
        .neighbours(ns, &br)
        .into_iter()
        .filter(|(_, (st, m))| {
            st.is_some_and(|st| valid.contains(&st))
                && m.as_deref().is_some_and(|m| m.eq_ignore_ascii_case(&old))
        })
        .map(|(ip, _)| ip)
        .collect();
    // The entry for the packet's own destination first (an on-link next hop).
    held.sort_by_key(|ip| *ip != s.dst);
    let ip = *held.first()?;
    let new = k
        .l2(pns)
        .into_iter()
        .find(|l| l.name == pdev)
        .and_then(|l| l.mac)?;
    // The asker: the last stack the frame left on a link of its own; its answer is cached.
    let asker = t
        .seen
        .iter()
        .rev()
        .find(|x| x.out && find(k, &x.ns, &x.dev).is_some_and(|l| l.master.is_none()))
        .map(|x| (x.ns.clone(), x.dev.clone()));
    let who = asker
        .as_ref()
        .map(|(a, _)| format!("{a}'s"))
        .unwrap_or_else(|| "the".into());
    let mut fix = call(ns, &format!("sh(\"ip neigh del {ip} dev {br}\")"));
    if let Some((a, by)) = &asker {
        fix += &format!(
            "; {}",
            call(a, &format!("sh(\"ip neigh flush to {ip} dev {by}\")"))
        );
    }
    Some(Vanished {
        ns: ns.clone(),
        cause: format!(
            "{what}: {br}'s port {dev} has neigh_suppress on, so {br} answers {who} ARP for {ip} \
             from {ns}'s neighbour entry `{ip} lladdr {old} dev {br}`, but {pns}'s {pdev} now has \
             {new} (or let the request through: `bridge link set dev {dev} neigh_suppress off`)"
        ),
        fix: Some(fix),
    })
}
