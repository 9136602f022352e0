//! The bridge port a link's frames enter by: its veth peer, or (a macvlan) its parent's. A
//! bridge FDB entry for a MAC on that port is right, never a fault.

use super::kernel::Kernel;
use super::link_find::{find, peer};
use crate::sys::Netns;

/// The port (namespace, name) the frames of `link` in `ns` enter a bridge by.
pub(crate) fn entry_port(k: &mut dyn Kernel, ns: &Netns, link: &str) -> Option<(Netns, String)> {
    let mut l = find(k, ns, link)?;
    let mut at = ns.clone();
    if l.macvlan_mode.is_some() {
        (at, l) = peer(k, &at, &l)?;
    }
    let (pns, p) = peer(k, &at, &l)?;
    p.master.is_some().then_some((pns, p.name))
}

/// Whether a link that holds `mac` sends in by port `dev` of a bridge in `ns`: an FDB entry
/// there for `mac` is what learning puts there.
pub(crate) fn behind(k: &mut dyn Kernel, mac: &str, ns: &Netns, dev: &str) -> bool {
    let holders = holders(k, mac);
    holders
        .iter()
        .any(|(o, l)| entry_port(k, o, l).is_some_and(|(pns, p)| pns == *ns && p == dev))
}

/// Every link that holds `mac`: (namespace, link).
pub(crate) fn holders(k: &mut dyn Kernel, mac: &str) -> Vec<(Netns, String)> {
    let mut found = vec![];
    for o in k.namespaces() {
        for l in k.l2(&o) {
            if l.mac
                .as_deref()
                .is_some_and(|m| m.eq_ignore_ascii_case(mac))
            {
                found.push((o.clone(), l.name));
            }
        }
    }
    found
}
