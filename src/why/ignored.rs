//! A frame that arrived addressed to another host's MAC, which the stack then ignores: a bridge
//! that sent it out of the wrong port (its FDB), or the sender's neighbour entry for the next
//! hop (a wrong static MAC, or ARP turned off on the link).

use super::kernel::Kernel;
use super::l2::find;
use super::route_get::Lookup;
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
    if let Some(v) = fdb(k, all, t, ns, dev, s, &arrived) {
        return v;
    }
    // The stack that addressed the frame: the last one it left on a link of its own.
    let sender = t
        .seen
        .iter()
        .rev()
        .find(|x| x.out && find(k, &x.ns, &x.dev).is_some_and(|l| l.master.is_none()));
    let Some(sender) = sender.cloned() else {
        return plain(ns, arrived);
    };
    let (sns, sdev) = (sender.ns.clone(), sender.dev.clone());
    let in_dev = t
        .seen
        .iter()
        .rev()
        .find(|x| !x.out && x.ns == sns)
        .map(|x| x.dev.clone());
    let q = Lookup {
        dst: sender.dst,
        src: in_dev.as_ref().map(|_| sender.src),
        iif: in_dev,
    };
    let next = k
        .route_get(&sns, &q)
        .ok()
        .map(|r| r.via.unwrap_or(sender.dst));
    let Some(next) = next else {
        return plain(ns, arrived);
    };
    let state = match k.arp_off(&sns, &sdev) {
        true => Some("NOARP".to_string()),
        false => k.neighbour(&sns, &sdev, next),
    };
    match state.as_deref() {
        Some("PERMANENT") => Vanished {
            ns: sns.clone(),
            cause: format!(
                "{arrived}: {sns}'s static neighbour entry for {next} on {sdev} gives the wrong MAC"
            ),
            fix: Some(call(
                &sns,
                &format!("exec(\"ip neigh del {next} dev {sdev}\")"),
            )),
        },
        Some("NOARP") => Vanished {
            ns: sns.clone(),
            cause: format!(
                "{arrived}: {sdev} in {sns} has ARP off, so {sns} sends to {next} without \
                 asking its MAC"
            ),
            fix: Some(call(&sns, &format!("exec(\"ip link set {sdev} arp on\")"))),
        },
        _ => plain(ns, arrived),
    }
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
    fdb(k, all, t, ns, dev, s, &gone).unwrap_or_else(|| plain(ns, gone))
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
            &format!("exec(\"bridge fdb del {mac} dev {dev} master\")"),
        )),
    })
}
