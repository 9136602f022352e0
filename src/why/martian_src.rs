//! A packet that arrives with a source address the receiving namespace holds itself (a
//! leftover docker0 on a router holding a client's address): the kernel takes it for a martian
//! source and refuses its input lookup (EINVAL), unless accept_local is on. The fault is the
//! stray copy of the sender's address; the fix removes it.

use super::kernel::Kernel;
use super::report::Report;
use super::route_fix::exec;
use super::route_get::{Lookup, Refusal};
use crate::sys::Netns;

/// `true` (said in `r`) when `at` holds `q.src` itself while another namespace (the sender)
/// holds it too, accept_local is off on the link it arrives on, and the kernel refused it so.
pub(crate) fn local_source(
    k: &mut dyn Kernel,
    r: &mut Report,
    at: &Netns,
    (q, e): (&Lookup, &Refusal),
    what: &str,
) -> bool {
    let (Some(src), Some(iif), 22) = (q.src, q.iif.as_deref(), e.errno) else {
        return false;
    };
    let Some((link, net)) = k
        .view(at)
        .and_then(|v| v.addr_owner(src).map(|(l, a)| (l.to_string(), *a)))
    else {
        return false;
    };
    let accepted = ["all", iif].iter().any(|l| {
        k.sysctl(at, &format!("net.ipv4.conf.{l}.accept_local"))
            .is_some_and(|v| v.trim() == "1")
    });
    let sender = k
        .namespaces()
        .into_iter()
        .filter(|ns| ns != at)
        .find(|ns| k.view(ns).is_some_and(|v| v.addr_owner(src).is_some()));
    let (Some(sender), false) = (sender, accepted) else {
        return false;
    };
    r.block(
        at,
        format!(
            "{at} refuses the {what} from {src} arriving on {iif} as a martian source: {at} holds {src} itself ({net} on {link}), the address of {sender}"
        ),
        Some(exec(at, &format!("ip addr del {net} dev {link}"))),
    );
    true
}
