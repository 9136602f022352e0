//! A frame that arrived addressed to another host's MAC, which the stack then ignores, or that
//! a bridge sent off its path: the bridge's FDB entry for that MAC on the wrong port, or the
//! sender's neighbour entry for the next hop (src/why/sender_neigh.rs), or the host's entry a
//! bridge that suppresses ARP answered from (src/why/neigh_suppress.rs).

use super::kernel::Kernel;
use super::l2::find;
use super::sighting::Sighting;
use super::trail::Trail;
use super::vanished::Vanished;
use super::words::call;
use crate::sys::Netns;

/// `t` left `ns` on `dev` and arrived on `to` in a frame for another MAC (`s`).
pub(crate) fn ignored(
    k: &mut dyn Kernel,
    all: &[Sighting],
    t: &Trail,
    ns: &Netns,
    dev: &str,
    to: &(Netns, String),
    s: &Sighting,
) -> Vanished {
    let (pns, pdev) = to;
    let mac = s.mac.clone().unwrap_or_else(|| "another MAC".into());
    let arrived = format!(
        "{} reached {pns} on {pdev} addressed to {mac}, not {pns}'s MAC, so {pns} ignores it",
        t.what()
    );
    let suppressed = super::neigh_suppress::answered(k, t, (ns, dev), (pns, pdev), s, &arrived);
    if let Some(v) = suppressed {
        return v;
    }
    if let Some(v) = fdb(k, all, t, ns, dev, s, &arrived) {
        return v;
    }
    if let Some(v) = super::flooded::unreached(k, t, ns, dev, s, &arrived) {
        return v;
    }
    super::sender_neigh::sender_entry(k, t, &arrived).unwrap_or_else(|| plain(ns, arrived))
}

fn plain(ns: &Netns, cause: String) -> Vanished {
    Vanished {
        ns: ns.clone(),
        cause,
        fix: None,
    }
}

/// `t` left the bridge in `ns` on port `dev` (`s`) toward `to`, a namespace off its path.
pub(crate) fn astray(
    k: &mut dyn Kernel,
    all: &[Sighting],
    t: &Trail,
    ns: &Netns,
    dev: &str,
    to: &(Netns, String),
    s: &Sighting,
) -> Vanished {
    let mac = s.mac.clone().unwrap_or_else(|| "its MAC".into());
    let (pns, pdev) = to;
    let gone = format!(
        "{} for {mac} left {ns} on {dev} toward {pns}'s {pdev}, off its path",
        t.what()
    );
    fdb(k, all, t, ns, dev, s, &gone)
        .or_else(|| super::flooded::unreached(k, t, ns, dev, s, &gone))
        .or_else(|| super::sender_neigh::sender_entry(k, t, &gone))
        .unwrap_or_else(|| plain(ns, gone))
}

/// A bridge that sent the frame out of one port only (`dev`), not flooded: its FDB entry for
/// the frame's MAC points there.
fn fdb(
    k: &mut dyn Kernel,
    all: &[Sighting],
    t: &Trail,
    ns: &Netns,
    dev: &str,
    s: &Sighting,
    what: &str,
) -> Option<Vanished> {
    let br = find(k, ns, dev).and_then(|l| l.master)?;
    let mac = s.mac.clone()?;
    // The MAC's own link sends in by that port (through a macvlan's parent, too): the entry is
    // right, whatever happened to the frame after.
    if super::entry_port::behind(k, &mac, ns, dev) {
        return None;
    }
    // A MAC no link holds: wherever the bridge sends the frame, nobody takes it. The entry
    // is an old one, learned from a link that has since changed its MAC; the sender that
    // still addresses it is the fault.
    if super::entry_port::holders(k, &mac).is_empty() {
        return None;
    }
    // The kernel's own table, where it can be read: no entry for the MAC there, it was flooded.
    if let Some(known) = k.bridge_macs(ns) {
        if !known
            .iter()
            .any(|(p, m)| p == dev && m.eq_ignore_ascii_case(&mac))
        {
            return None;
        }
    }
    // Sent out of several ports: flooded, as for a MAC the bridge does not know.
    let mut ports: Vec<&str> = vec![];
    for x in all
        .iter()
        .filter(|x| x.out && x.reply == t.reply && x.ns == *ns)
    {
        let port = find(k, ns, &x.dev).and_then(|l| l.master).as_deref() == Some(&br);
        if port && !ports.contains(&x.dev.as_str()) {
            ports.push(&x.dev);
        }
    }
    (ports.len() == 1).then(|| Vanished {
        ns: ns.clone(),
        cause: format!(
            "{what}: {br} in {ns} sent it out of {dev}, where its forwarding database \
             (bridge fdb) puts {mac}"
        ),
        fix: Some(call(
            ns,
            &format!("sh(\"bridge fdb del {mac} dev {dev} master\")"),
        )),
    })
}
