//! A bridge port forwards frames only in the forwarding state: disabled, listening, learning
//! and blocking ports (STP, or `bridge link set dev X state N`) drop what they carry.

use super::kernel::Kernel;
use super::link_l2::{state_word, FORWARDING};
use super::report::Report;
use super::stp_port::Stp;
use super::words::call;
use crate::sys::Netns;

/// `false` (said in `r`) when `port` of `br` in `ns` does not forward.
pub(crate) fn forwards(
    k: &mut dyn Kernel,
    r: &mut Report,
    ns: &Netns,
    port: &str,
    br: &str,
) -> bool {
    // A port of a bridge that is down is disabled: the bridge is named, not the port.
    if k.links(ns).iter().any(|b| b.name == br && !b.up) {
        return true;
    }
    let l2 = k.l2(ns).into_iter().find(|l| l.name == port);
    // The port's own address and multicast groups are in the FDB too (permanent): they say
    // nothing of the host behind it.
    let own = l2.as_ref().and_then(|l| l.mac.clone());
    let unicast = |mac: &String| {
        u8::from_str_radix(mac.get(..2).unwrap_or("01"), 16).is_ok_and(|b| b & 1 == 0)
    };
    if l2
        .as_ref()
        .is_some_and(|l| l.port_learning == Some(false) && l.port_flood == Some(false))
        && !k.bridge_macs(ns).is_some_and(|m| {
            m.iter()
                .any(|(p, mac)| p == port && Some(mac) != own.as_ref() && unicast(mac))
        })
    {
        r.block(
            ns,
            format!(
                "{port}, a port of {br} in {ns}, neither learns nor floods, and no FDB entry \
                 points at it: unicast frames to what is behind it are never sent there"
            ),
            Some(call(
                ns,
                &format!("sh(\"bridge link set dev {port} learning on\")"),
            )),
        );
        return false;
    }
    let state = l2.and_then(|l| l.port_state);
    match state {
        Some(s) if s != FORWARDING => {
            let what = format!("{port}, a port of {br} in {ns}, is {}", state_word(s));
            if super::dead_peer::cut_off(k, r, ns, port, &what)
                || super::port_link::link_down(k, r, ns, port, br)
            {
                return false;
            }
            match super::stp_port::under_stp(k, ns, port, br, s) {
                Stp::Off => {}
                Stp::Forwards => {
                    let was = format!("{port}, a port of {br} in {ns}, was {}", state_word(s));
                    r.hop(
                        ns,
                        format!("{was}: STP brought it to forwarding while why waited"),
                    );
                    return super::port_vlan::in_vlan(k, r, ns, port, br);
                }
                Stp::Broken(cause, fix) => {
                    r.block(ns, cause, fix);
                    return false;
                }
            }
            r.block(
                ns,
                format!(
                    "{port}, a port of {br} in {ns}, is in the {} state: it forwards no frames",
                    state_word(s)
                ),
                Some(call(
                    ns,
                    &format!("sh(\"bridge link set dev {port} state 3\")"),
                )),
            );
            false
        }
        _ => super::port_vlan::in_vlan(k, r, ns, port, br),
    }
}

/// `false` (said in `r`) when `port` of `br` in `ns` floods no broadcast: the ARP request
/// for `whose` never goes out there (whether or not the bridge learned its MAC), so only a
/// sender that still holds its neighbour entry gets through, until that entry expires.
pub(crate) fn floods_broadcast(
    k: &mut dyn Kernel,
    r: &mut Report,
    (ns, br): (&Netns, &str),
    port: &str,
    whose: &str,
) -> bool {
    let off = k
        .l2(ns)
        .iter()
        .any(|l| l.name == port && l.port_bcast_flood == Some(false));
    if !off {
        return true;
    }
    r.block(
        ns,
        format!(
            "{port}, a port of {br} in {ns}, has bcast_flood off: the ARP request for {whose} (a broadcast) is never sent out of it, so it is never answered"
        ),
        Some(call(
            ns,
            &format!("sh(\"bridge link set dev {port} bcast_flood on\")"),
        )),
    );
    false
}

/// `false` (said in `r`) when `from` and `to`, two ports of `br` in `ns`, are both isolated:
/// the bridge forwards nothing between them, ARP included.
pub(crate) fn not_isolated(
    k: &mut dyn Kernel,
    r: &mut Report,
    ns: &Netns,
    br: &str,
    from: Option<&str>,
    to: &str,
) -> bool {
    let Some(from) = from else {
        return true;
    };
    let l2 = k.l2(ns);
    let isolated = |p: &str| l2.iter().any(|l| l.name == p && l.port_isolated);
    if from == to || !isolated(from) || !isolated(to) {
        return true;
    }
    r.block(
        ns,
        format!(
            "{from} and {to}, ports of {br} in {ns}, are both isolated: the bridge forwards \
             nothing between them"
        ),
        Some(call(
            ns,
            &format!("sh(\"bridge link set dev {to} isolated off\")"),
        )),
    );
    false
}

/// `false` (said in `r`) when a frame that came in on `port` of `br` must leave by `port`
/// again (a DNAT back to its sender's segment, bridged by br_netfilter) and hairpin is off.
pub(crate) fn hairpin(
    k: &mut dyn Kernel,
    r: &mut Report,
    ns: &Netns,
    br: &str,
    port: &str,
) -> bool {
    if k.l2(ns).iter().any(|l| l.name == port && l.port_hairpin) {
        return true;
    }
    r.block(
        ns,
        format!(
            "{port}, a port of {br} in {ns}, has hairpin off: the packet came in by {port} and, \
             DNATed to a host behind {port} (bridge-nf-call-iptables is 1, so it is bridged, \
             not routed), must leave by {port} again; the bridge drops it"
        ),
        Some(call(
            ns,
            &format!("sh(\"bridge link set dev {port} hairpin on\")"),
        )),
    );
    false
}

/// `false` (said in `r`) when `port` of `br` in `ns` is locked (802.1X) and has no FDB entry
/// for the MAC of `link` in `from` (the sender of frames that come in by it): the bridge drops
/// them all.
pub(crate) fn admits(
    k: &mut dyn Kernel,
    r: &mut Report,
    (ns, br): (&Netns, &str),
    port: &str,
    (link, from): (&str, &Netns),
) -> bool {
    let Some(l) = k
        .l2(ns)
        .into_iter()
        .find(|l| l.name == port && l.port_locked)
    else {
        return true;
    };
    let Some(mac) = k
        .l2(from)
        .into_iter()
        .find(|x| x.name == link)
        .and_then(|x| x.mac)
    else {
        return true;
    };
    let whose = format!("{link} in {from}");
    // Read only for a locked port: the FDB dump is not on the common path.
    let known = k.bridge_macs(ns).is_none_or(|m| {
        m.iter()
            .any(|(p, m)| p == port && m.eq_ignore_ascii_case(&mac))
    });
    if known {
        return true;
    }
    let mab = if l.port_mab {
        " (mab is on: the kernel adds it locked, for an authenticator to unlock)"
    } else {
        ""
    };
    r.block(
        ns,
        format!(
            "{port}, a port of {br} in {ns}, is locked (802.1X) and has no FDB entry for {mac} ({whose}){mab}: the bridge drops every frame from it"
        ),
        Some(call(
            ns,
            &format!("sh(\"bridge fdb replace {mac} dev {port} master static\")"),
        )),
    );
    false
}
