//! A frame a bridge flooded because the MAC it is for is behind none of its ports: the MAC is
//! right (one link holds it), so the sender's neighbour entry is not to blame, the way from the
//! bridge to that link is (a veth end moved away, a port taken off the bridge).

use super::kernel::Kernel;
use super::l2::find;
use super::report::Report;
use super::sighting::Sighting;
use super::trail::Trail;
use super::vanished::Vanished;
use super::words::call;
use crate::sys::Netns;

/// The port of `br` in `ns` whose veth cable ends on `l` in `o` (or on its macvlan parent).
fn cabled_port(
    k: &mut dyn Kernel,
    (ns, br): (&Netns, &str),
    (o, l): (&Netns, &str),
) -> Option<String> {
    let (pns, p) = super::entry_port::entry_port(k, o, l)?;
    let master = find(k, &pns, &p).and_then(|x| x.master);
    (pns == *ns && master.as_deref() == Some(br)).then_some(p)
}

/// Whether `port` of `br` in `ns` has unicast flood off.
fn flood_off(k: &mut dyn Kernel, ns: &Netns, port: &str) -> bool {
    k.l2(ns)
        .iter()
        .any(|x| x.name == port && x.port_flood == Some(false))
}

/// `s` is the frame `t` seen leaving `ns` on bridge port `dev`, or arriving off its path;
/// `what` says where it went wrong.
pub(crate) fn unreached(
    k: &mut dyn Kernel,
    t: &Trail,
    ns: &Netns,
    dev: &str,
    s: &Sighting,
    what: &str,
) -> Option<Vanished> {
    let mac = s.mac.as_deref()?;
    let br = find(k, ns, dev).and_then(|l| l.master)?;
    let holders = super::entry_port::holders(k, mac);
    // One link holds it, off this bridge, and the frame never reached it.
    let [(o, l)] = holders.as_slice() else {
        return None;
    };
    let port = *o == *ns && find(k, o, l).and_then(|x| x.master).as_deref() == Some(&br);
    let reached = t.seen.iter().any(|x| x.ns == *o && x.dev == *l);
    if port || reached {
        return None;
    }
    // Its cable ends on a port of this bridge: the MAC is behind that port, only unknown to
    // the FDB (not learned, or aged out); the flood reaches it unless the port floods nothing.
    if let Some(cable) = cabled_port(k, (ns, &br), (o, l)) {
        // The flood reaches every port that forwards: one that does not (disabled by a peer
        // down, blocking) is where the frame stops, in the words the walk gives that port.
        let mut port = Report::default();
        if !super::port_state::forwards(k, &mut port, ns, &cable, &br) {
            return port.broken.map(|cause| Vanished {
                ns: ns.clone(),
                cause,
                fix: port.fix,
            });
        }
        return flood_off(k, ns, &cable).then(|| Vanished {
            ns: ns.clone(),
            cause: format!(
                "{what}: {mac} is {l} in {o}, behind {cable} of {br}, but {br} in {ns} has no FDB entry for it there (not learned, or aged out), so it floods the frame, and {cable} has flood off: the frame is never sent toward {l}"
            ),
            fix: Some(call(
                ns,
                &format!("sh(\"bridge link set dev {cable} flood on\")"),
            )),
        });
    }
    Some(Vanished {
        ns: ns.clone(),
        cause: format!(
            "{what}: {mac} is {l} in {o}, behind no port of {br}, so {br} in {ns} floods the frame"
        ),
        fix: None,
    })
}
