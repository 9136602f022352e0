//! A macvlan child its parent's port never delivers to from outside: every child of the
//! parent asks a broadcast queue of 0 (the port uses the largest, so each broadcast, an ARP
//! request among them, is dropped), or the child is in `mode source` and the sender's MAC is
//! not among its allowed sources (the port then delivers it nothing from that sender).

use super::kernel::Kernel;
use super::link_detail::LinkDetail;
use super::link_find::find;
use super::macvlan::parent;
use super::owner::owner;
use super::words::call;
use crate::sys::Netns;
use std::net::IpAddr;

/// `ip`, asked for from `ns` on `dev`, is on a macvlan that the port keeps it from; `arp`:
/// the neighbour entry there never resolved. `(where, cause, fix)`.
pub(crate) fn refused(
    k: &mut dyn Kernel,
    ns: &Netns,
    dev: &str,
    ip: IpAddr,
    arp: bool,
) -> Option<(Netns, String, String)> {
    let (ons, olink) = owner(k, ip)?;
    let l = find(k, &ons, &olink)?;
    let (pns, p) = parent(k, &ons, &l)?;
    // A sibling's frames do not come in through the port: src/why/macvlan.rs judges those.
    let asker = find(k, ns, dev)?;
    if parent(k, ns, &asker).is_some_and(|(n, x)| n == pns && x.index == p.index) {
        return None;
    }
    let of = format!("{olink} in {ons} is a macvlan of {} in {pns}", p.name);
    if l.macvlan_mode.as_deref() == Some("source") {
        let mac = k.l2(ns).into_iter().find(|x| x.name == dev)?.mac?;
        if l.macvlan_sources
            .iter()
            .any(|m| m.eq_ignore_ascii_case(&mac))
        {
            return None;
        }
        let list = match l.macvlan_sources.as_slice() {
            [] => "none listed".to_string(),
            s => s.join(", "),
        };
        let cause = format!(
            "{of} in source mode, which takes frames only from its allowed source MACs ({list}), \
             and {dev} in {ns} ({mac}) is not among them: nothing from {ns} reaches it (or let \
             it in: ip link set {olink} type macvlan macaddr add {mac})"
        );
        let fix = format!("sh(\"ip link set {olink} type macvlan mode bridge\")");
        return Some((ons.clone(), cause, call(&ons, &fix)));
    }
    if !arp || l.macvlan_bcqueuelen_used != Some(0) {
        return None;
    }
    let zero: Vec<String> = children(k, &pns, &p)
        .into_iter()
        .filter(|(_, c)| c.macvlan_bcqueuelen == Some(0))
        .map(|(n, c)| format!("{} in {n}", c.name))
        .collect();
    let who = match zero.as_slice() {
        [one] => format!("its only macvlan, {one}, has"),
        _ => format!("{} all have", and(&zero)),
    };
    let cause = format!(
        "{of}, whose macvlan port drops every broadcast from outside (the ARP requests for {ip} \
         too): the port's broadcast queue is the largest bcqueuelen of its macvlans, and {who} \
         bcqueuelen 0"
    );
    let fix = format!("sh(\"ip link set {olink} type macvlan bcqueuelen 1000\")");
    Some((ons.clone(), cause, call(&ons, &fix)))
}

/// Every macvlan whose parent is `p` in `pns`, in any namespace.
fn children(k: &mut dyn Kernel, pns: &Netns, p: &LinkDetail) -> Vec<(Netns, LinkDetail)> {
    let mut out = vec![];
    for n in k.namespaces() {
        for c in k.links(&n) {
            if c.macvlan_mode.is_some()
                && parent(k, &n, &c).is_some_and(|(x, y)| x == *pns && y.index == p.index)
            {
                out.push((n.clone(), c));
            }
        }
    }
    out
}

/// `a`, `a and b`, `a, b and c`.
fn and(v: &[String]) -> String {
    match v {
        [] => String::new(),
        [a] => a.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}
