//! Raising a link's MTU so a DF packet fits: the veth's other end too when it is as small (a
//! veth drops what is larger than its peer's MTU), and the sender's route cache flushed, which
//! keeps the smaller path MTU an ICMP "fragmentation needed" taught it.

use super::kernel::Kernel;
use super::words::{call, link_call};
use crate::sys::Netns;

/// What a VXLAN over IPv4 adds to each inner packet on its underlay.
pub(crate) const VXLAN_OVERHEAD: u32 = 50;

pub(crate) fn mtu_of(k: &mut dyn Kernel, ns: &Netns, link: &str) -> Option<u32> {
    k.l2(ns)
        .into_iter()
        .find(|l| l.name == link)
        .map(|l| l.mtu)
        .filter(|m| *m > 0)
}

/// The fix that gives `link` in `ns` (and its small peer) `mtu`; `src` is the probe's sender.
pub(crate) fn raise(k: &mut dyn Kernel, src: &str, ns: &Netns, link: &str, mtu: u32) -> String {
    let mut calls = vec![];
    // A VXLAN may not be larger than its underlay less 50 bytes (the kernel refuses): the
    // underlay is raised first.
    let under = k
        .links(ns)
        .into_iter()
        .find(|l| l.name == link)
        .and_then(|l| l.vxlan.and_then(|v| v.dev));
    if let Some(u) = under {
        let outer = mtu + VXLAN_OVERHEAD;
        if mtu_of(k, ns, &u).is_some_and(|m| m < outer) {
            set_both(k, &mut calls, ns, &u, outer);
        }
    }
    set_both(k, &mut calls, ns, link, mtu);
    let sender = k.namespaces().into_iter().find(|n| n.to_string() == src);
    if let Some(s) = sender {
        calls.push(call(&s, "exec(\"ip route flush cache\")"));
    }
    calls.join("; ")
}

/// `link` in `ns` gets `mtu`, and its veth peer too when smaller.
fn set_both(k: &mut dyn Kernel, calls: &mut Vec<String>, ns: &Netns, link: &str, mtu: u32) {
    let set = format!("mtu({mtu})");
    calls.push(link_call(ns, link, &set));
    if let Some((pns, p)) = peer(k, ns, link) {
        let small = k
            .l2(&pns)
            .into_iter()
            .any(|l| l.name == p && l.mtu > 0 && l.mtu < mtu);
        if small {
            calls.push(link_call(&pns, &p, &set));
        }
    }
}

fn peer(k: &mut dyn Kernel, ns: &Netns, link: &str) -> Option<(Netns, String)> {
    let l = super::link_find::find(k, ns, link)?;
    super::link_find::peer(k, ns, &l).map(|(pns, p)| (pns, p.name))
}
