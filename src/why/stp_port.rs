//! A bridge port that does not forward on a bridge that runs kernel STP: the kernel refuses
//! `bridge link set … state N` there (EBUSY), so the cause is what STP did, and the fix (when
//! there is one) is what STP reacts to.

use super::kernel::Kernel;
use super::link_find::{find, peer};
use super::link_l2::{state_word, LinkL2, FORWARDING};
use super::words::call;
use crate::sys::Netns;
use std::time::Duration;

/// What kernel STP makes of a port that does not forward.
pub(crate) enum Stp {
    /// The bridge runs no kernel STP: `bridge link set … state 3` works.
    Off,
    /// It was on its way up and came to forwarding while `why` waited.
    Forwards,
    /// The cause, and the fix when there is one the kernel accepts.
    Broken(String, Option<String>),
}

/// How long STP may take to bring a port of `br` up: listening and learning, forward_delay
/// each, and a little for the link change itself; bounded (a default forward_delay is 15 s).
fn way_up(l2: &[LinkL2], br: &str) -> Duration {
    let fd = l2
        .iter()
        .find(|l| l.name == br)
        .and_then(|l| l.forward_delay);
    let cs = fd.unwrap_or(1500).min(1500);
    Duration::from_millis(u64::from(cs) * 20 + 1500)
}

/// `port` of `br` in `ns`, in `state`, under kernel STP: waited for while on STP's way up
/// (bounded), then its cause.
pub(crate) fn under_stp(k: &mut dyn Kernel, ns: &Netns, port: &str, br: &str, state: u8) -> Stp {
    let l2 = k.l2(ns);
    if l2.iter().find(|l| l.name == br).and_then(|b| b.stp_state) != Some(1) {
        return Stp::Off;
    }
    let guard = l2.iter().any(|l| l.name == port && l.port_guard);
    let mut state = state;
    if !(guard && state == 0) && state != 4 {
        // A port still disabled a moment after a link change is not on STP's way up: it is
        // not waited for as long.
        if state == 0 {
            state = k.stp_settle(ns, port, Duration::from_secs(2)).unwrap_or(0);
        }
        let settled = match state {
            0 => None,
            _ => k.stp_settle(ns, port, way_up(&l2, br)),
        };
        match settled {
            Some(FORWARDING) => return Stp::Forwards,
            Some(s) => state = s,
            None => {}
        }
    }
    let what = format!("{port}, a port of {br} in {ns}, is {}", state_word(state));
    let root_block = l2.iter().any(|l| l.name == port && l.port_root_block);
    if root_block && matches!(state, 1 | 2 | 4) {
        return root_guard(k, ns, port, what);
    }
    match state {
        0 if guard => {
            let from = match bpdu_sender(k, ns, port) {
                Some((n, true)) => format!("the root {n}"),
                Some((n, false)) => n.to_string(),
                None => format!("the other end of {port}"),
            };
            let fix = format!(
                "sh(\"bridge link set dev {port} guard off && ip link set dev {port} down && ip link set dev {port} up\")"
            );
            Stp::Broken(
                format!("{what}: BPDU guard (guard on) turned it off when a BPDU came from {from}"),
                Some(call(ns, &fix)),
            )
        }
        0 => Stp::Broken(
            format!("{what}: kernel STP keeps it disabled (and refuses `bridge link set … state`)"),
            None,
        ),
        1 | 2 => Stp::Broken(
            format!(
                "{what}: kernel STP has not brought it to forwarding within two forward_delays"
            ),
            None,
        ),
        _ => Stp::Broken(
            format!(
                "{what}: kernel STP blocks it to break a loop (another way to the root forwards; STP refuses `bridge link set … state`)"
            ),
            None,
        ),
    }
}

/// `port` with root guard on (`root_block on`) that STP keeps from forwarding: the BPDUs
/// that come in by it are better than its own bridge's, so it would become the root port,
/// which root guard forbids (`what` says the port and its state).
fn root_guard(k: &mut dyn Kernel, ns: &Netns, port: &str, what: String) -> Stp {
    let from = match bpdu_sender(k, ns, port) {
        Some((n, true)) => format!("the root {n}"),
        Some((n, false)) => n.to_string(),
        None => format!("the other end of {port}"),
    };
    Stp::Broken(
        format!(
            "{what}: root guard (root_block on) keeps it from forwarding while better BPDUs come in by it from {from}"
        ),
        Some(call(
            ns,
            &format!("sh(\"bridge link set dev {port} root_block off\")"),
        )),
    )
}

/// The namespace across `port` whose STP bridge sends it BPDUs, and whether that bridge is
/// the root.
fn bpdu_sender(k: &mut dyn Kernel, ns: &Netns, port: &str) -> Option<(Netns, bool)> {
    let d = find(k, ns, port)?;
    let (pns, p) = peer(k, ns, &d)?;
    let b = p.master?;
    let l2 = k.l2(&pns).into_iter().find(|l| l.name == b)?;
    (l2.stp_state.is_some_and(|s| s != 0)).then_some((pns, l2.stp_root))
}
