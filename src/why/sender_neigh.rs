//! The stack that addressed a frame to a MAC nobody on the segment answers to: its neighbour
//! entry for the next hop (static or learned, on the way there or back), or ARP turned off on
//! the link it sent from.

use super::kernel::Kernel;
use super::l2::find;
use super::route_get::Lookup;
use super::trail::Trail;
use super::vanished::Vanished;
use super::words::call;

/// The sender of `t`'s frame (the last stack it left on a link of its own) when its entry for
/// the next hop explains the wrong MAC; `what` says where the frame went wrong.
pub(crate) fn sender_entry(k: &mut dyn Kernel, t: &Trail, what: &str) -> Option<Vanished> {
    let sender = t
        .seen
        .iter()
        .rev()
        .find(|x| x.out && find(k, &x.ns, &x.dev).is_some_and(|l| l.master.is_none()))?
        .clone();
    let (sns, sdev) = (sender.ns.clone(), sender.dev.clone());
    let in_dev = t
        .seen
        .iter()
        .rev()
        .find(|x| !x.out && x.ns == sns)
        .map(|x| x.dev.clone());
    let q = Lookup {
        src: in_dev.as_ref().map(|_| sender.src),
        iif: in_dev,
        ..Lookup::to(sender.dst)
    };
    let next = k.route_get(&sns, &q).ok()?.via.unwrap_or(sender.dst);
    let state = match k.arp_off(&sns, &sdev) {
        true => Some("NOARP".to_string()),
        false => k.neighbour(&sns, &sdev, next),
    };
    let del = || call(&sns, &format!("sh(\"ip neigh del {next} dev {sdev}\")"));
    let (cause, fix) = match state.as_deref()? {
        // Someone pinned it on purpose: pinned again to the holder's MAC, not dropped.
        "PERMANENT" => (
            format!("{sns}'s static neighbour entry for {next} on {sdev} gives the wrong MAC"),
            match holder_mac(k, next) {
                Some(mac) => call(
                    &sns,
                    &format!(
                        "sh(\"ip neigh replace {next} lladdr {mac} dev {sdev} nud permanent\")"
                    ),
                ),
                None => del(),
            },
        ),
        // A learned entry that still holds a MAC: the frame went to it, so it is the wrong one.
        s @ ("REACHABLE" | "STALE" | "DELAY" | "PROBE") => (
            format!("{sns}'s neighbour entry for {next} on {sdev} ({s}) gives the wrong MAC"),
            del(),
        ),
        "NOARP" => (
            format!("{sdev} in {sns} has ARP off, so {sns} sends to {next} without asking its MAC"),
            call(&sns, &format!("sh(\"ip link set {sdev} arp on\")")),
        ),
        _ => return None,
    };
    Some(Vanished {
        ns: sns.clone(),
        cause: format!("{what}: {cause}"),
        fix: Some(fix),
    })
}

/// The MAC of the link that holds `ip` now.
fn holder_mac(k: &mut dyn Kernel, ip: std::net::IpAddr) -> Option<String> {
    let (ns, dev) = super::owner::owner(k, ip)?;
    k.l2(&ns).into_iter().find(|l| l.name == dev)?.mac
}
